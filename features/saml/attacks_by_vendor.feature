@r-sa-6
Feature: The attack faults are made, and refused, in every vendor's way of writing SAML
  Entra writes default namespaces; Okta writes prefixes and signs both the Response and the
  assertion; Google Workspace has its own layout. The wrapping and downgrade faults edit the
  text, so they are proven here in those shapes too.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And the administrator provisions "Root" with email "root@contoso.com" and no password

  Scenario Outline: A <vendor> Response with the attack <fault> is refused with its code
    Given a mock <vendor> identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When the identity provider's next Response has the fault "<fault>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "<code>"
    And the browser has no session in LIVE, answered "authentication_required"

    Examples: Okta
      | vendor | fault                                    | code                         |
      | okta   | xsw_evil_assertion_first                 | saml_assertion_count         |
      | okta   | xsw_signed_assertion_inside_evil         | saml_assertion_count         |
      | okta   | xsw_signed_assertion_in_signature_object | saml_assertion_count         |
      | okta   | xsw_signed_assertion_in_advice           | saml_assertion_count         |
      | okta   | xsw_response_wrapped                     | saml_assertion_count         |
      | okta   | response_signature_in_assertion          | saml_signature_structure     |
      | okta   | transform_xpath                          | saml_signature_algorithm     |
      | okta   | signature_rsa_sha1                       | saml_signature_algorithm     |
      | okta   | signed_content_tampered                  | saml_bad_signature           |
      | okta   | dtd_external_entity                      | saml_dtd                     |
      | okta   | audience_second_restriction_other        | saml_wrong_audience          |
      | okta   | confirmation_not_before                  | saml_confirmation_not_before |

    Examples: Google Workspace
      | vendor           | fault                            | code                     |
      | google-workspace | xsw_evil_assertion_first         | saml_assertion_count     |
      | google-workspace | xsw_signed_assertion_inside_evil | saml_assertion_count     |
      | google-workspace | xsw_response_wrapped             | saml_assertion_count     |
      | google-workspace | response_id_reused_by_assertion  | saml_signature_structure |
      | google-workspace | reference_uri_empty              | saml_signature_structure |
      | google-workspace | signature_hmac_sha1              | saml_signature_algorithm |
      | google-workspace | signed_content_tampered          | saml_bad_signature       |
