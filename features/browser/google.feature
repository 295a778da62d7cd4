@browser
Feature: Signing in with Google, in a real browser
  Mock Google's pages as a person goes through them: the account chooser (each account a
  button), the password, consent with Allow and Cancel, and the SP's page when Google or the
  SP refuses.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "J Smith" with email "jsmith@contoso.com" and no password
    And a mock Google with a web client for the account
    And Google has the Workspace user "jsmith@contoso.com" in "contoso.com"
    And Google has the Workspace user "eve@fabrikam.com" in "fabrikam.com"
    And the administrator configures Google sign-in for LIVE
    And a real browser

  @r-go-1 @r-go-2
  Scenario: "Sign in with Google" on the login page, an account chosen, consent allowed
    When the person opens "/live/{account}/login?P_mode=LIVE"
    And the person follows "Sign in with Google"
    Then the browser shows "Choose an account" at Google
    When the person presses "jsmith <jsmith@contoso.com>"
    Then the browser shows "Welcome" at Google
    When the person types "Google-Pass-2026" into "Password"
    And the person presses "Next"
    Then the browser shows "wants to access your Google Account" at Google
    When the person presses "Allow"
    Then the browser shows "Signed in as J Smith" at "/live/{account}?P_mode=LIVE"
    And the browser is signed in to LIVE as "jsmith@contoso.com" in the real browser

  @r-go-1 @r-ui-1
  Scenario: Cancel at Google's consent is a page that says so and offers to try again
    When the person opens "/live/{account}/login?P_mode=LIVE"
    And the person follows "Sign in with Google"
    And the person presses "jsmith <jsmith@contoso.com>"
    And the person types "Google-Pass-2026" into "Password"
    And the person presses "Next"
    And the person presses "Cancel"
    Then the browser shows "google_access_denied" on the page "/live/{account}/google/callback"
    And the browser shows "Sign in with Google again"
    And the real browser has no session in LIVE

  @r-go-1 @r-ui-1
  Scenario: Cancel at Google in TEST leads back to TEST's sign-in, not LIVE's
    # The callback URL names no mode: the way back comes from the sign-in request Google answered.
    Given the administrator configures Google sign-in for TEST
    When the person opens "/live/{account}/login?P_mode=TEST"
    And the person follows "Sign in with Google"
    And the person presses "jsmith <jsmith@contoso.com>"
    And the person types "Google-Pass-2026" into "Password"
    And the person presses "Next"
    And the person presses "Cancel"
    Then the browser shows "google_access_denied" on the page "/live/{account}/google/callback"
    When the person follows "Sign in with Google again"
    Then the browser shows "Sign in" at "/live/{account}/login?P_mode=TEST&next=%2Flive%2F{account}%2F%3FP_mode%3DTEST"
    And the real browser has no session in TEST

  @r-go-2 @r-go-5
  Scenario: A page opened with from=google&domain= signs in through Google
    When the person opens "/live/{account}?P_mode=LIVE&from=google&domain=contoso.com"
    And the person presses "jsmith <jsmith@contoso.com>"
    And the person types "Google-Pass-2026" into "Password"
    And the person presses "Next"
    And the person presses "Allow"
    Then the browser shows "Signed in as J Smith" at "/live/{account}?P_mode=LIVE&from=google&domain=contoso.com"

  @r-go-5 @r-ui-1
  Scenario: An account of another domain chosen at Google is refused on a page, and nobody is signed in
    When the person opens "/live/{account}?P_mode=LIVE&from=google&domain=contoso.com"
    And the person presses "eve <eve@fabrikam.com>"
    And the person types "Google-Pass-2026" into "Password"
    And the person presses "Next"
    And the person presses "Allow"
    Then the browser shows "google_wrong_domain" on the page "/live/{account}/google/callback"
    And the real browser has no session in LIVE
