@r-ven-5
Feature: probe-sp plays an attack-capable IdP against an SP: the reference SP passes every case
  The probe runs a genuine sign-in, then every fault of the catalogue from a fresh browser
  session, and asks the SP who is signed in after each. The reference SP is the measuring stick:
  it refuses every fault a correct SP refuses and accepts every valid variant, in each vendor's
  shape. Root is a real user here, so an XSW case that fooled the SP would show as FAIL-CRITICAL.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And the administrator provisions "Root" with email "root@contoso.com" and no password

  Scenario Outline: Every Response case passes against the reference SP in the <vendor> shape
    Given a mock <vendor> identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When the probe sends every fault to the reference SP's LIVE mode
    Then the probe's control sign-in passed as "B.Simon@contoso.com"
    And every one of the 106 Response cases passed and the 7 logout cases were not run

    Examples:
      | vendor           |
      | entra-id         |
      | okta             |
      | google-workspace |

  Scenario: --only takes fault names and classes, and runs nothing else
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When the probe sends the faults "unsigned, replay" to the reference SP's LIVE mode
    Then the probe ran exactly 4 cases
    And the probe case "unsigned" is PASS
    And the probe case "replay_previous_response" is PASS
    And the probe case "assertion_rewrapped" is PASS
    And the probe case "unsolicited" is PASS
