@r-sa-1
Feature: SAML configuration per mode is validated before it is stored

  Background:
    Given the customer account "112501524864919680"
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode

  Scenario: The certificate may be PEM or the bare Base64 Entra offers
    When the administrator sends the SAML configuration for LIVE with "name_id_format" set to "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    Then the answer is 200
    And the answer has field "/idp_entity_id" equal to "https://sts.windows.net/0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a/"

  Scenario Outline: A bad field is refused with its code and nothing is stored
    When the administrator sends the SAML configuration for <mode> with "<field>" set to "<value>"
    Then the answer is 422 with error code "<code>"
    When the administrator sends GET "/api/{account}/modes/<mode>/saml"
    Then the answer is 404 with error code "saml_not_configured"

    Examples:
      | mode | field             | value                                                     | code                        |
      | LIVE | idp_certificate   | not a certificate                                         | invalid_certificate         |
      | LIVE | name_id_format    | urn:oasis:names:tc:SAML:2.0:nameid-format:persistent      | invalid_name_id_format      |
      | LIVE | sso_url           | javascript:alert(1)                                       | invalid_url                 |
      | LIVE | logout_url        | /relative                                                 | invalid_url                 |
      | TEST | auto_provisioning | true                                                      | auto_provisioning_live_only |
      | LIVE | idp_entity_id     |                                                           | invalid_entity_id           |
      | LIVE | sso_url           | ftp://login.microsoftonline.com/saml2                     | invalid_url                 |
      | LIVE | sp_entity_id      |                                                           | invalid_entity_id           |

  @r-sa-10
  Scenario: Sent without idp_signs_logout_messages, a mode requires signed logout messages
    When the administrator sends the SAML configuration for LIVE without "idp_signs_logout_messages"
    Then the answer is 200
    And the answer has field "/idp_signs_logout_messages" equal to "true"

  Scenario: SAML cannot be selected before it is configured
    When the administrator selects the method "saml" for TEST
    Then the answer is 409 with error code "method_not_configured"

  Scenario: The configuration of the selected method cannot be deleted
    Given the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When the administrator sends DELETE "/api/{account}/modes/LIVE/saml"
    Then the answer is 409 with error code "method_in_use"

  Scenario: Only an administrator may change the SAML configuration
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    When "b.simon@contoso.com" with password "BSimon-Pass-2026" sends GET "/api/{account}/modes/LIVE/saml"
    Then the answer is 403 with error code "admin_required"
