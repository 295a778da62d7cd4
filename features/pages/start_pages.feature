@r-ui-3
Feature: Every server says what it is at /, and serves its stylesheet and favicon
  The URLs the start banner prints are the servers' roots: each answers a page naming what it
  is and its main URLs. Every page of every server shares one head (language, viewport, title,
  stylesheet, favicon), and the two files it links are served, so no page logs a 404.

  Background:
    Given the customer account "112501524864919680"
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And a mock Google with a web client for the account
    And a mock Apple with the team of the bundle ID "com.runmyprocess.runmyapp"

  Scenario Outline: The start page of each server
    When an anonymous client opens "/" on <server>
    Then the answer is a page titled "<title>" with the shared head
    And the answer says "<names>"

    Examples:
      | server | title                                        | names                          |
      | SP     | DigitalSuite reference SP                    | /live/&lt;account&gt;/saml/metadata |
      | IdP    | Mock SAML identity provider (entra-id profile) | Federation metadata          |
      | Google | Mock Google (OAuth 2.0 and OpenID Connect)   | /.well-known/openid-configuration |
      | Apple  | Mock Sign in with Apple                      | /auth/keys                     |

  Scenario Outline: The stylesheet and the favicon are served by every server
    When an anonymous client opens "<file>" on <server>
    Then the answer is 200
    And the answer has the header "content-type" equal to "<type>"

    Examples:
      | server | file         | type                    |
      | SP     | /style.css   | text/css; charset=utf-8 |
      | SP     | /favicon.ico | image/svg+xml           |
      | IdP    | /favicon.svg | image/svg+xml           |
      | Google | /style.css   | text/css; charset=utf-8 |
      | Apple  | /favicon.ico | image/svg+xml           |

  @r-pw-1 @r-sa-2
  Scenario: The SP's and the identity provider's sign-in pages share the head
    When an anonymous client opens "/live/{account}/login?P_mode=LIVE" on SP
    Then the answer is a page titled "DigitalSuite sign in" with the shared head
    Given the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When the browser opens "/live/{account}" and the identity provider shows its login page
    Then the answer is a page titled "Sign in" with the shared head
