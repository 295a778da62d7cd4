@vendor @r-ven-3
Feature: harness up wires the demo account's LIVE mode to a vendor's own IdP

  `harness up --idp-metadata <file or URL>` (or the portal's `--idp-login-url`, `--idp-logout-url`,
  `--idp-cert`) takes what the SP needs from the IdP: its entity ID, the HTTP-Redirect login and
  logout URLs, and the signing certificate valid now. (The fixture certificates were issued on
  2026-11-23, after the scenarios' fixed clock, so they are judged as of 2026-12-01.)

  Background:
    Given the customer account "112501524864919680"

  Scenario Outline: The values taken from each profile's metadata are the IdP's own
    Given a mock <vendor> identity provider with B.Simon, serving the account's LIVE mode
    When the demo is wired to the identity provider's metadata as of "2026-12-01T00:00:00Z"
    Then the SP would sign in at the identity provider's login URL, trusting its entity ID and certificate

    Examples:
      | vendor           |
      | entra-id         |
      | okta             |
      | google-workspace |

  Scenario: Metadata whose only certificate is not valid yet is refused, not wired with it
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    When the demo is wired to the identity provider's metadata as of "2025-12-31T23:59:59Z"
    Then the wiring is refused, saying "no signing certificate valid now"

  Scenario: The stack and a vendor's IdP as separate processes: a person signs in through it
    Given a vendor's IdP runs as its own process
    And the stack runs as its own process, wired to that IdP's metadata
    When the browser signs in through the vendor's IdP as "B.Simon@contoso.com" with password "BSimon-Idp-2026"
    Then the SP's session is "B.Simon@contoso.com"'s
    And the stack's report page lists 1 Response the SP answered "accepted"
