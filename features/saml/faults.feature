@r-sa-6
Feature: The ACS refuses every Response the SAML profile does not allow
  Each named fault of the mock identity provider breaks one rule; the SP names that rule and
  opens no session.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says

  Scenario Outline: A faulty Response is refused with its specific code
    When the identity provider's next Response has the fault "<fault>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "<code>"
    And the browser has no session in LIVE, answered "authentication_required"

    Examples:
      | fault                | code                    |
      | expired              | saml_expired            |
      | not_yet_valid        | saml_not_yet_valid      |
      | wrong_audience       | saml_wrong_audience     |
      | wrong_issuer         | saml_wrong_issuer       |
      | wrong_destination    | saml_wrong_destination  |
      | wrong_recipient      | saml_wrong_recipient    |
      | wrong_in_response_to | saml_unknown_request    |
      | unsigned             | saml_unsigned           |
      | untrusted_key        | saml_bad_signature      |
      | status_requester     | saml_status_requester   |
      | status_responder     | saml_status_responder   |
      | missing_name_id      | saml_missing_name_id    |
      | name_id_persistent   | saml_name_id_format     |

  Scenario: A refused Response does not use up the sign-in: the next correct one succeeds
    When the identity provider's next Response has the fault "wrong_audience"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "saml_wrong_audience"
    And the SP's refusal links to no report
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
