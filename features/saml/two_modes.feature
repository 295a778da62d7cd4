@r-sa-6 @r-acc-2
Feature: Sign-ins to two modes in one browser each keep their own request binding

  Each outstanding AuthnRequest is bound to the browser by a cookie named for its account and
  mode, so starting a sign-in in TEST never displaces the one the same browser started in LIVE.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the identity provider also serves the account's TEST mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the administrator configures SSO with Samlv2 for TEST as the tutorial says

  Scenario: A LIVE sign-in started first still completes after a TEST sign-in in between
    Given the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the answer is kept as "live start"
    And the browser opens "/live/{account}?P_mode=TEST"
    And the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form to the SP
    Then the browser is signed in to TEST as "B.Simon@contoso.com"
    When the browser follows the redirect kept as "live start" to the identity provider
    And the browser posts the identity provider's form to the SP
    Then the browser is signed in to LIVE as "B.Simon@contoso.com"
