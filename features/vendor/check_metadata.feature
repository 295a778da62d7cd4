@vendor @r-ven-2
Feature: check-metadata judges an IdP's (or the SP's) SAML metadata for what the reference SP needs

  Before pasting values into the SP, a vendor or IT team learns whether the IdP's metadata gives
  the SP what it needs: an entity ID, single sign-on by HTTP-Redirect, single logout, current
  signing certificates (every one of a rollover, with the days left), RSA-SHA256, the email
  NameID format; and what DigitalSuite would ignore. (The fixture certificates were issued on
  2026-11-23, after the scenarios' fixed clock, so the mock profiles' metadata is judged as of
  2026-12-01.)

  Background:
    Given the customer account "112501524864919680"

  Scenario Outline: Each mock profile's metadata gives the SP what it needs
    Given a mock <vendor> identity provider with B.Simon, serving the account's LIVE mode
    When the vendor checks the identity provider's metadata as of "2026-12-01T00:00:00Z"
    Then no metadata rule failed
    And the metadata rule "idp.sso_redirect" is passed, saying "<sso>"
    And the metadata rule "keys.signing_certificates" is passed, saying "1 certificate(s)"
    And the metadata rule "idp.slo_redirect" is <slo>, saying "<slo_says>"

    Examples:
      | vendor           | sso     | slo       | slo_says                      |
      | entra-id         | /saml2  | passed    | /saml2                        |
      | okta             | /sso/   | passed    | /slo/                         |
      | google-workspace | idpid=  | warned    | users signing out of DigitalSuite stay signed in |

  Scenario: An expired certificate fails; a rollover with one ending soon is a warning listing both
    When the vendor checks IdP metadata whose signing certificates are valid for the day spans "-400..-1"
    Then the metadata rule "keys.signing_certificates" is failed, saying "EXPIRED"
    When the vendor checks IdP metadata whose signing certificates are valid for the day spans "-300..10, -1..730"
    Then the metadata rule "keys.signing_certificates" is warned, saying "2 certificate(s): #1 CN=Vendor IdP Signing (RSA 2048 bits)"
    And the metadata rule "keys.signing_certificates" is warned, saying "(10 days left)"
    When the vendor checks IdP metadata whose signing certificates are valid for the day spans ""
    Then the metadata rule "keys.signing_certificates" is failed, saying "no signing certificate"

  Scenario: Single sign-on offered only by POST fails: the SP sends its AuthnRequest by Redirect
    When the vendor checks IdP metadata offering single sign-on only by POST
    Then the metadata rule "idp.sso_redirect" is failed, saying "none with HTTP-Redirect"

  Scenario: Stale metadata fails, and a WS-Federation role is reported as ignored
    When the vendor checks IdP metadata that expired yesterday and carries a WS-Federation role
    Then the metadata rule "metadata.valid_until" is failed, saying "the metadata has expired"
    And the metadata rule "metadata.unused" is warned, saying "fed:SecurityTokenServiceType (WS-Federation)"

  Scenario: The SP's own metadata, checked with --sp
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When the vendor checks the SP's metadata with --sp
    Then no metadata rule failed
    And the metadata rule "sp.acs_post" is passed, saying "/saml/acs"

  Scenario: The command fetches a metadata URL and exits 0; a page that is not metadata exits 2
    Given a mock okta identity provider with B.Simon, serving the account's LIVE mode
    When the vendor runs check-metadata on the identity provider's metadata URL as of "2026-12-01T00:00:00Z"
    Then the command exits with 0 and prints '"failed": 0'
    When the vendor runs check-metadata on a web page that is not metadata
    Then the command exits with 2 and prints "not readable XML"
