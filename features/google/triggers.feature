Feature: Google sign-in and its five triggers
  Users sign in with their Google account; Google authenticates them (R-GO-1). The SP starts the
  authorization-code flow from each trigger of the DigitalSuite documentation (R-GO-2).

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "J Smith" with email "jsmith@contoso.com" and no password
    And the administrator publishes an application "apps/timesheet" open to everybody
    And a mock Google with a web client for the account
    And Google has the Workspace user "jsmith@contoso.com" in "contoso.com"
    And the administrator configures Google sign-in for LIVE

  @r-go-1 @r-go-2
  Scenario: "Sign in with Google" on the standard login page
    Given Google will sign in "jsmith@contoso.com"
    When the browser opens "/live/{account}/login?P_mode=LIVE"
    And the browser follows the "Sign in with Google" link
    Then the browser is sent to Google
    When the browser follows the redirect to Google
    And the browser follows Google's redirect back to the SP
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And the browser is signed in to LIVE as "jsmith@contoso.com"

  @r-go-2
  Scenario: A login page with the Google authentication policy (standard or custom page)
    Given Google will sign in "jsmith@contoso.com"
    When the browser posts the login form of LIVE with the Google policy
    Then the browser is sent to Google
    When the browser follows the redirect to Google
    And the browser follows Google's redirect back to the SP
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  @r-go-2
  Scenario: Direct login from a web interface
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE&next=%2Flive%2F{account}%2Fapps%2Ftimesheet"
    Then the login succeeds and lands on "/live/{account}/apps/timesheet"

  @r-go-2 @r-go-5
  Scenario: Any resource with from=google&domain=<d>
    When the browser opens "/live/{account}/apps/timesheet?from=google&domain=contoso.com"
    Then the browser is sent to Google
    And the request to Google asks for the domain "contoso.com"
    When Google will sign in "jsmith@contoso.com"
    And the browser follows the redirect to Google
    And the browser follows Google's redirect back to the SP
    Then the login succeeds and lands on "/live/{account}/apps/timesheet?from=google&domain=contoso.com"
    When the browser follows the redirect
    Then the page is shown and contains "application apps/timesheet"

  @r-go-2
  Scenario: Opening the app from the Google Workspace Marketplace
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/marketplace?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  @r-acc-2
  Scenario: The Google configuration of a mode whose method is Google cannot be deleted
    Given the LIVE method is Google
    When the administrator sends DELETE "/api/{account}/modes/LIVE/google"
    Then the answer is 409 with error code "method_in_use"
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  @r-go-2 @r-acc-2
  Scenario: A mode whose method is Google sends every protected resource to Google
    Given the LIVE method is Google
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/apps/timesheet"
    Then the login succeeds and lands on "/live/{account}/apps/timesheet"
    And the TEST mode uses login_password with a limit of 5 failed attempts

  @r-go-3
  Scenario: A user already signed in to Google is not asked again
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    And the browser logs out of LIVE
    And the browser signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And Google received 2 authorization requests

  @r-go-1
  Scenario: Declining at Google's consent screen is refused with its own code
    Given Google will sign in "jsmith@contoso.com", who denies consent
    When the browser signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the SP refuses the Google sign-in with "google_access_denied"
    And the browser has no session in LIVE, answered "authentication_required"

  @r-pw-2
  Scenario: Login/Password stays available when a mode uses Google
    Given the LIVE method is Google
    And the administrator provisions "A.Jones" with email "a.jones@contoso.com" and password "AJones-Pass-2026"
    When "a.jones@contoso.com" logs in to LIVE with password "AJones-Pass-2026"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
