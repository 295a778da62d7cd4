@browser
Feature: Signing in, in a real browser
  Headless Chromium, driven as a person would: pages typed into and buttons pressed, the
  identity provider's auto-posting form run by JavaScript (or its button pressed without it),
  reloads. Each scenario has its own browser with an empty profile.

  Background:
    Given the customer account "112501524864919680"

  @r-pw-1
  Scenario: A person signs in on the standard login page
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and password "BSimon-Pass-2026"
    And a real browser
    When the person opens "/live/{account}/login?P_mode=LIVE"
    Then the browser shows "Contoso (account {account}), mode LIVE"
    When the person types "B.Simon@contoso.com" into "Email"
    And the person types "BSimon-Pass-2026" into "Password"
    And the person presses "Sign in"
    Then the browser shows "Signed in as B.Simon" at "/live/{account}?P_mode=LIVE"
    And the browser is signed in to LIVE as "B.Simon@contoso.com" in the real browser

  @r-pw-3 @r-pw-5 @r-ui-3
  Scenario: A refused login keeps the typed email, says an administrator unlocks, and on reload is not a second attempt
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and password "BSimon-Pass-2026"
    And a real browser
    When the person opens "/live/{account}/login?P_mode=LIVE"
    And the person types "B.Simon@contoso.com" into "Email"
    And the person types "not-the-password" into "Password"
    And the person presses "Sign in"
    Then the browser shows "invalid_credentials" at "/live/{account}/login?P_mode=LIVE&next=%2Flive%2F{account}%3FP_mode%3DLIVE&error=invalid_credentials"
    And the page announces "until an administrator of the account unlocks it"
    And the field "Email" holds "B.Simon@contoso.com"
    And the field "Password" holds ""
    When the person reloads the page
    Then the browser shows "invalid_credentials"
    And the field "Email" holds "B.Simon@contoso.com"
    And the store holds "B.Simon@contoso.com" as active with 1 failed attempts

  @r-sa-2 @r-sa-4
  Scenario: SAML sign-in through the identity provider's page, its Response posted by JavaScript
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And a real browser
    When the person opens "/live/{account}"
    Then the browser is at the identity provider's login page
    When the person types "B.Simon@contoso.com" into "Username"
    And the person types "BSimon-Idp-2026" into "Password"
    And the person presses "Sign in"
    Then the browser shows "Signed in as B.Simon" at "/live/{account}"

  @r-sa-2 @r-sa-4
  Scenario: SAML sign-in with JavaScript off: the person presses Continue to post the Response
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And a real browser with JavaScript off
    When the person opens "/live/{account}"
    Then the browser is at the identity provider's login page
    When the person types "B.Simon@contoso.com" into "Username"
    And the person types "BSimon-Idp-2026" into "Password"
    And the person presses "Sign in"
    Then the browser shows "Continue"
    When the person presses "Continue"
    Then the browser shows "Signed in as B.Simon" at "/live/{account}"

  @r-pw-1 @r-sa-2 @r-ui-3
  Scenario: On a phone, the login page, the identity provider's page and the home page can be read and tapped
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and password "BSimon-Pass-2026"
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And a real browser on a phone
    When the person opens "/live/{account}/login?P_mode=TEST"
    Then on screen no text is smaller than 12 px and no control narrower than 24 px
    And the page is styled by the shared stylesheet
    When the person opens "/live/{account}"
    Then the browser is at the identity provider's login page
    And on screen no text is smaller than 12 px and no control narrower than 24 px
    And the page is styled by the shared stylesheet
    When the person types "B.Simon@contoso.com" into "Username"
    And the person types "BSimon-Idp-2026" into "Password"
    And the person presses "Sign in"
    Then the browser shows "Signed in as B.Simon" at "/live/{account}"
    And on screen no text is smaller than 12 px and no control narrower than 24 px

  @r-sa-6
  Scenario: An identity provider on another site over plain HTTP: the browser drops the request's cookie, and the SP says so
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider on another site with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And a real browser
    When the person opens "/live/{account}"
    Then the browser is at the identity provider's login page
    When the person types "B.Simon@contoso.com" into "Username"
    And the person types "BSimon-Idp-2026" into "Password"
    And the person presses "Sign in"
    Then the browser shows "saml_request_cookie_missing" at "/live/{account}/saml/acs?P_mode=LIVE"
    And the browser shows "serve the SP over HTTPS, or the SP and the IdP from one site"
    And the real browser has no session in LIVE

  @r-pw-6
  Scenario: A person signs in on the mode's custom login page, and a failure brings them back to it
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and password "BSimon-Pass-2026"
    And the administrator uploads a public HTML file "upload/login.html" with a login form for TEST
    And the TEST login page is "upload/login.html"
    And a real browser
    When the person opens "/live/{account}?P_mode=TEST"
    Then the browser shows "Contoso uploaded login" at "/live/{account}/upload/login.html?P_mode=TEST&next=%2Flive%2F{account}%3FP_mode%3DTEST"
    When the person types "B.Simon@contoso.com" into "Email"
    And the person types "not-the-password" into "Password"
    And the person presses "Go"
    Then the browser shows "Contoso uploaded login" at "/live/{account}/upload/login.html?P_mode=TEST&next=%2Flive%2F{account}%3FP_mode%3DTEST&error=invalid_credentials"
    When the person types "B.Simon@contoso.com" into "Email"
    And the person types "BSimon-Pass-2026" into "Password"
    And the person presses "Go"
    Then the browser shows "Signed in as B.Simon" at "/live/{account}?P_mode=TEST"

  @r-pw-3 @r-pw-4 @r-pw-5
  Scenario: Locked after the limit, the right password is refused too, until an administrator unlocks
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and password "BSimon-Pass-2026"
    And the LIVE password policy allows 2 failed attempts
    And a real browser
    When the person opens "/live/{account}/login?P_mode=LIVE"
    And the person types "B.Simon@contoso.com" into "Email"
    And the person types "wrong-1" into "Password"
    And the person presses "Sign in"
    And the person types "wrong-2" into "Password"
    And the person presses "Sign in"
    And the person types "BSimon-Pass-2026" into "Password"
    And the person presses "Sign in"
    Then the browser shows "invalid_credentials" at "/live/{account}/login?P_mode=LIVE&next=%2Flive%2F{account}%3FP_mode%3DLIVE&error=invalid_credentials"
    And the page announces "until an administrator of the account unlocks it"
    And the real browser has no session in LIVE
    When the administrator unlocks "B.Simon@contoso.com"
    And the person opens "/live/{account}/login?P_mode=LIVE"
    And the person types "B.Simon@contoso.com" into "Email"
    And the person types "BSimon-Pass-2026" into "Password"
    And the person presses "Sign in"
    Then the browser shows "Signed in as B.Simon" at "/live/{account}?P_mode=LIVE"
