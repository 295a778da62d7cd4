@browser
Feature: Signing out, in a real browser
  Single logout from both ends, the page after it, an identity provider's session reused, Back
  after logout, and a refused sign-in's page: what a person sees, in headless Chromium.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And a real browser
    When the person opens "/live/{account}"
    Then the browser is at the identity provider's login page
    When the person types "B.Simon@contoso.com" into "Username"
    And the person types "BSimon-Idp-2026" into "Password"
    And the person presses "Sign in"
    Then the browser shows "Signed in as B.Simon" at "/live/{account}"

  @r-sa-5 @r-ui-2
  Scenario: Signing out at the SP signs out at the identity provider, and the page says so
    When the person presses "Sign out"
    Then the browser shows "You are signed out" at "/live/{account}/signed-out?P_mode=LIVE"
    When the person follows "Sign in again through your identity provider"
    Then the browser is at the identity provider's login page
    And the real browser has no session in LIVE

  @r-sa-9
  Scenario: The identity provider signs the person out of every app, and the SP's session ends
    When the identity provider signs "B.Simon@contoso.com" out of every app in the real browser
    Then the browser shows "You signed out" at the identity provider
    And the real browser has no session in LIVE

  @r-sa-3
  Scenario: Signed in at the identity provider, the person opens another mode without typing again
    Given the identity provider also serves the account's TEST mode
    And the administrator configures SSO with Samlv2 for TEST as the tutorial says
    When the person opens "/live/{account}?P_mode=TEST"
    Then the browser shows "in mode TEST" at "/live/{account}?P_mode=TEST"
    And the browser is signed in to TEST as "B.Simon@contoso.com" in the real browser

  @r-sa-5 @r-acc-3
  Scenario: Back after signing out shows no signed-in page
    When the person presses "Sign out"
    Then the browser shows "You are signed out" at "/live/{account}/signed-out?P_mode=LIVE"
    When the person goes back
    Then the browser is at the identity provider's login page
    And the browser does not show "Signed in as B.Simon"

  @r-ui-1 @r-sa-6
  Scenario: A refused sign-in is a page with its code, and its link signs in again at the identity provider
    When the person presses "Sign out"
    # Single logout must be over first: the mock's one fault queue also serves logout messages.
    Then the browser shows "You are signed out" at "/live/{account}/signed-out?P_mode=LIVE"
    When the identity provider's next Response has the fault "wrong_destination"
    And the person follows "Sign in again through your identity provider"
    And the person types "B.Simon@contoso.com" into "Username"
    And the person types "BSimon-Idp-2026" into "Password"
    And the person presses "Sign in"
    Then the browser shows "saml_wrong_destination" at "/live/{account}/saml/acs?P_mode=LIVE"
    And the page announces "Destination"
    And the real browser has no session in LIVE
