@r-sg-3
Feature: AuthnRequest and LogoutRequest signed with the customer's own key
  With a SAML_AUTH key for a mode every AuthnRequest of that mode is signed (RSA-SHA256 on the
  Redirect binding), with a SAML_LOGOUT key every LogoutRequest; without, they go unsigned.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says

  Scenario: With a SAML_AUTH key, a strict identity provider accepts the signed AuthnRequest
    Given the administrator has uploaded the SAML_AUTH key of "sp-contoso" for LIVE
    And the identity provider requires requests signed with the certificate of "sp-contoso"
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the last AuthnRequest the identity provider received was signed
    And the SP metadata for LIVE says AuthnRequestsSigned "true"

  Scenario: Without a key, requests go unsigned and the strict identity provider refuses them
    Given the identity provider requires requests signed with the certificate of "sp-contoso"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    Then the identity provider shows the error "AADSTS76021"
    And the last AuthnRequest the identity provider received was unsigned
    And the SP metadata for LIVE says AuthnRequestsSigned "false"

  Scenario: After the key is deleted, requests go unsigned again and are refused
    Given the administrator has uploaded the SAML_AUTH key of "sp-contoso" for LIVE
    And the identity provider requires requests signed with the certificate of "sp-contoso"
    When the administrator deletes the SAML_AUTH key for LIVE
    And the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    Then the identity provider shows the error "AADSTS76021"
    And the last AuthnRequest the identity provider received was unsigned
    And the SP metadata for LIVE says AuthnRequestsSigned "false"

  Scenario: A replaced key signs from then on; the identity provider must know the new certificate
    Given the administrator has uploaded the SAML_AUTH key of "sp-contoso" for LIVE
    And the identity provider requires requests signed with the certificate of "sp-contoso"
    When the administrator uploads the SAML_AUTH key of "sp-contoso-next" for LIVE
    And the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    Then the identity provider shows the error "invalid_request_signature"
    When the identity provider requires requests signed with the certificate of "sp-contoso-next"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"

  Scenario: A key of one mode never signs another mode's requests
    Given the identity provider also serves the account's TEST mode
    And the administrator configures SSO with Samlv2 for TEST as the tutorial says
    And the administrator has uploaded the SAML_AUTH key of "sp-contoso" for TEST
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the last AuthnRequest the identity provider received was unsigned
    And the SP metadata for LIVE says AuthnRequestsSigned "false"
    And the SP metadata for TEST says AuthnRequestsSigned "true"

  Scenario: SAML_LOGOUT signs LogoutRequests only, SAML_AUTH AuthnRequests only
    Given the administrator has uploaded the SAML_LOGOUT key of "sp-contoso" for LIVE
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the last AuthnRequest the identity provider received was unsigned
    When the browser logs out of LIVE
    And the browser follows the redirect to the identity provider
    Then the last LogoutRequest the identity provider received was signed
    When the administrator deletes the SAML_LOGOUT key for LIVE
    And the administrator has uploaded the SAML_AUTH key of "sp-contoso" for LIVE
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the last AuthnRequest the identity provider received was signed
    When the browser logs out of LIVE
    And the browser follows the redirect to the identity provider
    Then the last LogoutRequest the identity provider received was unsigned

  Scenario: Without "require signed requests", the identity provider ignores a signature
    Given the administrator has uploaded the SAML_AUTH key of "idp-untrusted" for LIVE
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the last AuthnRequest the identity provider received was signed
