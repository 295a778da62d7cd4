@security
Feature: Single logout is authenticated both ways, and the IdP can end a session
  Every logout message is authenticated like a Response (R-SA-10): a signature present must
  verify with the configured certificate (Redirect: the query signature over the raw octets;
  POST: the XML signature), and an unsigned one passes only when the mode says its IdP does not
  sign logout messages. A LogoutRequest from the IdP (Entra, when the user signs out elsewhere)
  ends that user's sessions of that mode (R-SA-9) and is answered with a LogoutResponse.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says

  @r-sa-10
  Scenario: A strict mode refuses an unsigned LogoutResponse
    Given the administrator requires signed logout messages for LIVE
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser logs out of LIVE
    And the browser follows the redirect to the identity provider
    And the browser follows the redirect back to the SP
    Then the SP refuses the Response with "saml_logout_unsigned"

  @r-sa-10
  Scenario: A signed LogoutResponse completes single logout in a strict mode
    Given the administrator requires signed logout messages for LIVE
    And the identity provider signs its logout messages
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser logs out of LIVE
    And the browser follows the redirect to the identity provider
    And the browser follows the redirect back to the SP
    Then the browser is redirected to "/live/{account}/signed-out?P_mode=LIVE"

  @r-sa-10
  Scenario: An IdP that signs its logout messages sends one unsigned: a strict mode refuses it
    Given the administrator requires signed logout messages for LIVE
    And the identity provider signs its logout messages
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser logs out of LIVE
    And the identity provider's next logout message has the fault "logout_unsigned"
    And the browser follows the redirect to the identity provider
    And the browser follows the redirect back to the SP
    Then the SP refuses the Response with "saml_logout_unsigned"

  @r-sa-10
  Scenario: A LogoutResponse whose signature is corrupted is refused, even where unsigned ones pass
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser logs out of LIVE
    And the identity provider's next logout message has the fault "logout_bad_signature"
    And the browser follows the redirect to the identity provider
    And the browser follows the redirect back to the SP
    Then the SP refuses the Response with "saml_bad_signature"

  @r-sa-9
  Scenario: The IdP signs the user out elsewhere: the SP ends the session and answers
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the browser is signed in to LIVE as "B.Simon@contoso.com"
    And the browser's LIVE session ID is noted
    When the identity provider signs "B.Simon@contoso.com" out of every app
    And the browser follows the redirect to the identity provider
    Then the identity provider received a LogoutResponse from the SP, unsigned
    And the browser has no session in LIVE, answered "authentication_required"
    And the noted session ID no longer works

  @r-sa-9
  Scenario: A LogoutRequest from the IdP by the POST binding ends the session too
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the browser is signed in to LIVE as "B.Simon@contoso.com"
    And the browser's LIVE session ID is noted
    When the identity provider signs "B.Simon@contoso.com" out of every app by POST
    And the browser follows the redirect to the identity provider
    Then the identity provider received a LogoutResponse from the SP, unsigned
    And the browser has no session in LIVE, answered "authentication_required"
    And the noted session ID no longer works

  @r-sa-9 @r-sa-10
  Scenario: In a strict mode a POSTed LogoutRequest is accepted by its XML signature
    Given the administrator requires signed logout messages for LIVE
    And the identity provider signs its logout messages
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider signs "B.Simon@contoso.com" out of every app by POST
    And the browser follows the redirect to the identity provider
    Then the browser has no session in LIVE, answered "authentication_required"

  @r-sa-10
  Scenario: An unsigned LogoutRequest by POST is refused in a strict mode and ends nothing
    Given the administrator requires signed logout messages for LIVE
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider signs "B.Simon@contoso.com" out of every app by POST
    Then the SP refuses the Response with "saml_logout_unsigned"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  @r-sa-10 @r-sa-6
  Scenario: A POSTed LogoutRequest whose signature covers a copy of it, not itself, is refused
    Given the administrator requires signed logout messages for LIVE
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider's next logout message has the fault "logout_signature_wrapped"
    And the identity provider signs "B.Simon@contoso.com" out of every app by POST
    Then the SP refuses the Response with "saml_signature_structure"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  @r-sa-9 @r-sg-3
  Scenario: The SP's LogoutResponse is signed with the mode's SAML_LOGOUT key
    Given the administrator has uploaded the SAML_LOGOUT key of "sp-contoso" for LIVE
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider signs "B.Simon@contoso.com" out of every app
    And the browser follows the redirect to the identity provider
    Then the identity provider received a LogoutResponse from the SP, signed
    And the browser has no session in LIVE, answered "authentication_required"

  @r-sa-9 @r-sa-10
  Scenario: A signed LogoutRequest from the IdP is accepted in a strict mode
    Given the administrator requires signed logout messages for LIVE
    And the identity provider signs its logout messages
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider signs "B.Simon@contoso.com" out of every app
    And the browser follows the redirect to the identity provider
    Then the identity provider received a LogoutResponse from the SP, unsigned
    And the browser has no session in LIVE, answered "authentication_required"

  @r-sa-10
  Scenario: An unsigned LogoutRequest is refused in a strict mode and ends nothing
    Given the administrator requires signed logout messages for LIVE
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider signs "B.Simon@contoso.com" out of every app
    Then the SP refuses the Response with "saml_logout_unsigned"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  @r-sa-10
  Scenario: A LogoutRequest with a corrupted signature is refused and ends nothing
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider's next logout message has the fault "logout_bad_signature"
    And the identity provider signs "B.Simon@contoso.com" out of every app
    Then the SP refuses the Response with "saml_bad_signature"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  @r-sa-9
  Scenario: A LogoutRequest works once: a replay is refused
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider signs "B.Simon@contoso.com" out of every app
    Then the browser has no session in LIVE, answered "authentication_required"
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the IdP's LogoutRequest is replayed to the SP
    Then the SP refuses the Response with "saml_replayed_assertion"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  @r-sa-9
  Scenario: A LogoutRequest that names the user by an EncryptedID is refused, and ends no session
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser's LIVE session ID is noted
    And the identity provider's next logout message has the fault "logout_request_encrypted_id"
    And the identity provider signs "B.Simon@contoso.com" out of every app
    Then the SP refuses the Response with "saml_unsupported_identifier"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  @r-sa-9
  Scenario: A LogoutRequest replayed 11 minutes later, inside its lifetime and skew, is still refused
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider signs "B.Simon@contoso.com" out of every app
    And the clock moves 11 minutes on
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the IdP's LogoutRequest is replayed to the SP
    Then the SP refuses the Response with "saml_replayed_assertion"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  @r-sa-10 @r-sa-5
  Scenario: Okta posts a signed LogoutResponse, which a strict mode accepts
    Given a mock okta identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the administrator has uploaded the SAML_AUTH key of "sp-contoso" for LIVE
    And the administrator has uploaded the SAML_LOGOUT key of "sp-contoso" for LIVE
    And the identity provider requires requests signed with the certificate of "sp-contoso"
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser logs out of LIVE
    And the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form to the SP
    Then the browser is redirected to "/live/{account}/signed-out?P_mode=LIVE"
    And the browser has no session in LIVE, answered "authentication_required"

  @r-sa-10
  Scenario: An Okta LogoutResponse whose XML signature is corrupted is refused
    Given a mock okta identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the administrator has uploaded the SAML_AUTH key of "sp-contoso" for LIVE
    And the administrator has uploaded the SAML_LOGOUT key of "sp-contoso" for LIVE
    And the identity provider requires requests signed with the certificate of "sp-contoso"
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser logs out of LIVE
    And the identity provider's next logout message has the fault "logout_bad_signature"
    And the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form to the SP
    Then the SP refuses the Response with "saml_bad_signature"
