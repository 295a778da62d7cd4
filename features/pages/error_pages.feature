@r-ui-1
Feature: A refusal a person sees is a page; a program gets the JSON
  The SP answers every refusal with a stable code. A browser navigating (its Accept prefers
  HTML) is shown that code and the message on a page, announced, with a way back to the sign-in
  of the mode the URL named; anything else, and the administrator and certificate APIs always,
  gets the JSON error. Status and the other headers are the same either way.

  Background:
    Given the customer account "112501524864919680"

  Scenario Outline: A browser is shown the refusal as a page with the way back
    When an anonymous client sends GET "<path>" accepting "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    Then the answer is a <status> page with error code "<code>" and the way back "<back>"

    Examples:
      | path                                     | status | code                    | back                       |
      | /live/{account}/session?P_mode=TEST      | 401    | authentication_required | /live/{account}/?P_mode=TEST |
      | /live/{account}/login?P_mode=PROD        | 400    | unknown_mode            | /live/{account}/?P_mode=LIVE |
      | /live/998877665544332211/login           | 404    | unknown_account         | /                          |
      | /nowhere                                 | 404    | not_found               | /                          |

  Scenario Outline: A program is answered in JSON, whatever else it accepts
    When an anonymous client sends GET "<path>" accepting "<accept>"
    Then the answer is 401 with error code "authentication_required"
    And the answer has the header "content-type" equal to "application/json"
    And the answer has the header "www-authenticate" equal to 'Basic realm="DigitalSuite"'

    Examples:
      | path                                | accept                              |
      | /live/{account}/session?P_mode=TEST | */*                                 |
      | /live/{account}/session?P_mode=TEST | application/json                    |
      | /live/{account}/session?P_mode=TEST | application/json, text/html;q=0.5   |
      | /api/{account}/users                | text/html,application/xhtml+xml     |

  @r-sa-6
  Scenario: A refused SAML Response is a page that leads back to the identity provider, and signs nobody in
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's TEST mode
    And the administrator configures SSO with Samlv2 for TEST as the tutorial says
    When the identity provider's next Response has the fault "wrong_destination"
    And "B.Simon@contoso.com" signs in at the identity provider from "/live/{account}?P_mode=TEST" and the browser stops at its form
    And the browser posts the identity provider's form to the SP, accepting an HTML page
    Then the answer is a 403 page with error code "saml_wrong_destination" and the way back "/live/{account}/?P_mode=TEST"
    And the answer does not contain "report"
    And the browser has no session in TEST, answered "authentication_required"
