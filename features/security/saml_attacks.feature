Feature: Replayed, unsolicited, stolen, tampered and wrapped SAML Responses are refused

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And the administrator provisions "Contoso Admin 2" with email "root@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says

  @r-sa-6
  Scenario: The same Response posted twice is refused the second time
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    When the browser posts the same SAML Response again
    Then the SP refuses the Response with "saml_replayed_assertion"

  @r-sa-2
  Scenario: An unsolicited Response is refused even when correctly signed
    When an unsolicited Response for B.Simon is posted to the LIVE ACS
    Then the SP refuses the Response with "saml_unsolicited_response"
    And the browser has no session in LIVE, answered "authentication_required"

  @r-sa-6
  Scenario: A Response carried to a browser without the request's cookie is refused, and the answer says why a browser can lose it
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And another browser posts the identity provider's form to the SP
    Then the SP refuses the Response with "saml_request_cookie_missing"
    And the answer says "cross-site POST when the SP is served over plain HTTP"
    And the browser "other" has no session in LIVE

  @r-sa-6
  Scenario: A Response carried to another browser that started a sign-in of its own is refused
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser "other" opens "/live/{account}"
    And the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And another browser posts the identity provider's form to the SP
    Then the SP refuses the Response with "saml_request_other_browser"
    And the browser "other" has no session in LIVE

  @r-sa-6 @r-sa-4
  Scenario: A Response whose NameID was changed in transit is refused
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form with ">B.Simon@contoso.com</NameID>" replaced by ">root@contoso.com</NameID>"
    Then the SP refuses the Response with "saml_bad_signature"
    And the browser has no session in LIVE, answered "authentication_required"

  @r-sa-6
  Scenario: A second, forged assertion wrapped into a signed Response is refused
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form with a second, forged assertion added
    Then the SP refuses the Response with "saml_assertion_count"
    And the answer is 403

  @r-sa-6
  Scenario: A Response with a DTD is refused before anything else is read
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form with "<samlp:Response" replaced by "<!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><samlp:Response"
    Then the SP refuses the Response with "saml_dtd"
    And the answer is 400

  @r-sa-6
  Scenario: A Response that is not well-formed XML is a bad request, not a rule broken
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form with "<samlp:Response " replaced by "<samlp:Response <"
    Then the SP refuses the Response with "saml_malformed"
    And the answer is 400
    And the browser has no session in LIVE, answered "authentication_required"

  @r-sa-6
  Scenario: A request ten minutes old cannot be answered any more, even by a fresh Response
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the clock moves 600 seconds on
    And the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form to the SP
    Then the SP refuses the Response with "saml_request_expired"
    And the browser has no session in LIVE, answered "authentication_required"

  @r-sa-6 @reliability
  Scenario: Requests past their lifetime are forgotten when the next one is made, so the store stays bounded
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser "other" opens "/live/{account}"
    Then the store holds 2 outstanding SAML requests for the account
    When the clock moves 600 seconds on
    And the browser opens "/live/{account}"
    Then the store holds 1 outstanding SAML request for the account

  @r-sa-6
  Scenario: A request one second short of ten minutes old is still answered
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the clock moves 599 seconds on
    And the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form to the SP
    Then the login succeeds and lands on "/live/{account}"

  @r-sa-6 @security
  Scenario: A Response held back for an hour is refused as stale
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the SP clock moves 1 hours on
    And the browser posts the identity provider's form to the SP
    Then the SP refuses the Response with "saml_issue_instant_stale"
    And the browser has no session in LIVE, answered "authentication_required"
