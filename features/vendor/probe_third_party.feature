@r-ven-6
Feature: probe-sp finds in real third-party SPs what the reference SP refuses
  Small SP apps around python3-saml (Debian's python3-onelogin-saml2) and node-saml (npm), each
  in the strictest configuration its README documents (harness/third-party/), face the same
  faults as the reference SP. Each scenario runs the faults against the reference SP first, then
  against the library: the reference SP refuses every one, the library accepts the weak ones and
  still refuses the others (so it is not simply accepting everything). The whole result table of
  each library is a snapshot in harness/tests/third_party_sp.rs.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says

  Scenario: python3-saml takes a Destination that only starts with its ACS, an unsolicited Response and RSA-SHA1
    When the probe sends the faults "destination_extended, recipient_extended, unsolicited, signature_rsa_sha1, wrong_destination, xsw_evil_assertion_first" to the reference SP's LIVE mode
    Then the probe's control sign-in passed as "B.Simon@contoso.com"
    And the probe ran exactly 6 cases
    And the probe case "destination_extended" is PASS
    And the probe case "recipient_extended" is PASS
    And the probe case "unsolicited" is PASS
    And the probe case "signature_rsa_sha1" is PASS
    Given the python3-saml service provider in its strictest configuration, behind a mock entra-id IdP
    When the probe sends the faults "destination_extended, recipient_extended, unsolicited, signature_rsa_sha1, wrong_destination, xsw_evil_assertion_first" to that service provider
    Then the probe's control sign-in passed as "B.Simon@contoso.com"
    And the probe case "destination_extended" is FAIL
    And the probe case "recipient_extended" is FAIL
    And the probe case "unsolicited" is FAIL
    And the probe case "signature_rsa_sha1" is FAIL
    And the probe case "wrong_destination" is PASS
    And the probe case "xsw_evil_assertion_first" is PASS

  Scenario: node-saml never compares Destination, Recipient or the Response's Issuer, and signs in despite a failed status
    When the probe sends the faults "wrong_destination, wrong_recipient, wrong_issuer, status_requester_with_assertion, wrong_audience, xsw_evil_assertion_first" to the reference SP's LIVE mode
    Then the probe's control sign-in passed as "B.Simon@contoso.com"
    And the probe ran exactly 6 cases
    And the probe case "wrong_destination" is PASS
    And the probe case "wrong_recipient" is PASS
    And the probe case "wrong_issuer" is PASS
    And the probe case "status_requester_with_assertion" is PASS
    Given the node-saml service provider in its strictest configuration, behind a mock entra-id IdP
    When the probe sends the faults "wrong_destination, wrong_recipient, wrong_issuer, status_requester_with_assertion, wrong_audience, xsw_evil_assertion_first" to that service provider
    Then the probe's control sign-in passed as "B.Simon@contoso.com"
    And the probe case "wrong_destination" is FAIL
    And the probe case "wrong_recipient" is FAIL
    And the probe case "wrong_issuer" is FAIL
    And the probe case "status_requester_with_assertion" is FAIL
    And the probe case "wrong_audience" is PASS
    And the probe case "xsw_evil_assertion_first" is PASS
