@r-sa-2
Feature: The Entra tutorial's "Test SSO" starts from the IdP's side go through the Sign on URL
  For an SP-initiated app, Entra's My Apps tile and the portal's "Test this application" send the
  browser to the app's Sign on URL (`/live/<tenant id>`), and the SP starts the sign-in with its
  own AuthnRequest: no Response reaches the SP that it did not ask for.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"

  Scenario: The My Apps tile leads to the Sign on URL, and the SP's AuthnRequest signs B.Simon in
    When the browser opens the app's tile on the identity provider's My Apps page
    Then the browser is sent to the identity provider with an AuthnRequest
    When the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form to the SP
    Then the login succeeds and lands on "/live/{account}"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"
    And the identity provider received 1 AuthnRequest

  Scenario: "Test this application" does the same
    When the administrator tests the application from the identity provider's portal
    Then the browser is sent to the identity provider with an AuthnRequest
    When the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form to the SP
    Then the login succeeds and lands on "/live/{account}"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  Scenario: Without a Sign on URL nothing is started, and the SP is not asked
    Given the app has no Sign on URL at the identity provider
    When the administrator tests the application from the identity provider's portal and gets its answer
    Then the answer is 422 with error code "no_sign_on_url"
    And the identity provider received 0 AuthnRequests
    And the browser has no session in LIVE, answered "authentication_required"
