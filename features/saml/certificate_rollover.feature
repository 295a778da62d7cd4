@r-sa-11
Feature: The IdP's certificate rollover, as Microsoft documents it for Entra, without a failed sign-in
  Entra publishes its new signing certificate beside the current one before it switches to it.
  The administrator takes both from the metadata (one PEM after the other in idp_certificate);
  sign-ins go on with the old key and, after Entra switches, with the new one; then the old one
  is removed on both sides. The configuration lists each certificate with its subject, SHA-256
  fingerprint and validity, and warns about one that ends within 30 days.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says

  Scenario: Publish, take both, let Entra switch, retire the old one: every sign-in succeeds
    When the identity provider publishes its next certificate
    Then the identity provider's metadata publishes 2 signing certificates
    When the administrator takes every certificate of the identity provider's metadata for LIVE
    Then the SAML configuration lists 2 IdP certificates and 0 warnings
    And the IdP certificate listed 1 is the identity provider's current one
    And the IdP certificate listed 2 is the identity provider's next one
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    When the identity provider activates its next certificate
    And the browser forgets its cookies
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    When the identity provider retires its next certificate
    Then the identity provider's metadata publishes 1 signing certificate
    When the administrator takes every certificate of the identity provider's metadata for LIVE
    Then the SAML configuration lists 1 IdP certificate and 0 warnings
    And the IdP certificate listed 1 is the identity provider's next one
    When the browser forgets its cookies
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  @r-sa-10
  Scenario: After the switch, a LogoutRequest signed with the new key ends the session
    Given the identity provider signs its logout messages
    When the identity provider publishes its next certificate
    And the administrator takes every certificate of the identity provider's metadata for LIVE
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider activates its next certificate
    And the identity provider signs "B.Simon@contoso.com" out of every app
    And the browser follows the redirect to the identity provider
    Then the identity provider received a LogoutResponse from the SP, unsigned
    And the browser has no session in LIVE, answered "authentication_required"

  @r-sa-10
  Scenario: A LogoutRequest signed with a key the mode does not trust is refused and ends nothing
    Given the identity provider signs its logout messages
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider publishes its next certificate
    And the identity provider activates its next certificate
    And the identity provider signs "B.Simon@contoso.com" out of every app
    Then the SP refuses the Response with "saml_bad_signature"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  Scenario: When Entra switches before the new certificate is added, its Responses are refused
    When the identity provider publishes its next certificate
    And the identity provider activates its next certificate
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "saml_bad_signature"
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario: Once the old certificate is removed, a Response still signed with it is refused
    When the identity provider publishes its next certificate
    And the administrator keeps only the identity provider's next certificate for LIVE
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "saml_bad_signature"
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario: A certificate that ends within 30 days is listed with a warning
    When the administrator configures SSO for LIVE with an IdP certificate that ends in 12 days
    Then the SAML configuration lists 1 IdP certificate and 1 warning
    And the warning says the certificate ends in 12 days

  Scenario: A certificate that is not valid yet is listed with a warning
    When the administrator configures SSO for LIVE with an IdP certificate that starts in 3 days
    Then the SAML configuration lists 1 IdP certificate and 1 warning
    And the warning says "is not valid before 2026-01-08"

  Scenario Outline: A certificate is warned about exactly from 30 days before its end, and from its end on
    When the administrator configures SSO for LIVE with an IdP certificate that <dated>
    Then the SAML configuration lists 1 IdP certificate and <warnings>

    Examples:
      | dated            | warnings   |
      | starts in 0 days | 0 warnings |
      | ends in 30 days  | 0 warnings |
      | ends in 29 days  | 1 warning  |

  Scenario: A certificate that has ended is listed with a warning from the moment it ends
    When the administrator configures SSO for LIVE with an IdP certificate that ends in 0 days
    Then the SAML configuration lists 1 IdP certificate and 1 warning
    And the warning says "ended on 2026-01-05: remove it once the new one signs"

  Scenario Outline: An idp_certificate that is not one or more certificates is refused, and nothing changes
    When the administrator sends the SAML configuration for LIVE with "idp_certificate" set to "<value>"
    Then the answer is 422 with error code "invalid_certificate"
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"

    Examples:
      | value                       |
      | -----BEGIN CERTIFICATE----- |
      | not a certificate           |
