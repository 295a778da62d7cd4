@r-pw-6
Feature: A custom login page replaces the standard one
  The custom page is a public web interface of the account or an uploaded public HTML file; it
  posts to the same login endpoint.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    And the administrator publishes an application "apps/timesheet" open to everybody

  Scenario: An uploaded public HTML file as the TEST login page
    Given the administrator uploads a public HTML file "upload/login.html" with a login form for TEST
    And the TEST login page is "upload/login.html"
    When the browser opens "/live/{account}/apps/timesheet?P_mode=TEST"
    Then the browser is redirected to "/live/{account}/upload/login.html?P_mode=TEST&next=%2Flive%2F{account}%2Fapps%2Ftimesheet%3FP_mode%3DTEST"
    When the browser follows the redirect
    Then the page is shown and contains "Contoso uploaded login"
    When the browser submits the page's form with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    Then the login succeeds and lands on "/live/{account}?P_mode=TEST"
    And the browser is signed in to TEST as "b.simon@contoso.com"

  Scenario: A public web interface as the LIVE login page
    Given the administrator publishes a public web interface "webinterface/Login" with a login form for LIVE
    And the LIVE login page is "webinterface/Login"
    When the browser opens "/live/{account}"
    Then the browser is redirected to "/live/{account}/webinterface/Login?P_mode=LIVE&next=%2Flive%2F{account}"
    When the browser follows the redirect
    Then the page is shown and contains "Contoso web interface login"
    When the browser submits the page's form with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  Scenario: A failed login returns to the custom page with the failure code
    Given the administrator uploads a public HTML file "upload/login.html" with a login form for TEST
    And the TEST login page is "upload/login.html"
    When "b.simon@contoso.com" logs in to TEST with password "wrong-password"
    Then the browser is redirected to "/live/{account}/upload/login.html?P_mode=TEST&next=%2Flive%2F{account}%3FP_mode%3DTEST&error=invalid_credentials"

  Scenario: The standard login page sends the browser to the custom page
    Given the administrator uploads a public HTML file "upload/login.html" with a login form for TEST
    And the TEST login page is "upload/login.html"
    When the browser opens "/live/{account}/login?P_mode=TEST"
    Then the browser is redirected to "/live/{account}/upload/login.html?P_mode=TEST&next=%2Flive%2F{account}%3FP_mode%3DTEST"

  Scenario: A custom page set for TEST leaves LIVE on the standard page
    Given the administrator uploads a public HTML file "upload/login.html" with a login form for TEST
    And the TEST login page is "upload/login.html"
    When the browser opens "/live/{account}/apps/timesheet"
    Then the browser is redirected to "/live/{account}/login?P_mode=LIVE&next=%2Flive%2F{account}%2Fapps%2Ftimesheet"

  Scenario: Removing the custom page brings the standard page back
    Given the administrator uploads a public HTML file "upload/login.html" with a login form for TEST
    And the TEST login page is "upload/login.html"
    When the administrator sends DELETE "/api/{account}/modes/TEST/login-page"
    Then the answer is 200
    When the browser opens "/live/{account}/login?P_mode=TEST"
    Then the page is shown and contains "DigitalSuite sign in"

  Scenario: A login page that is not public is refused and nothing changes
    When the administrator sets the TEST login page to "apps/timesheet"
    Then the answer is 422 with error code "login_page_not_public"
    When the browser opens "/live/{account}/login?P_mode=TEST"
    Then the page is shown and contains "DigitalSuite sign in"

  Scenario: A login page that does not exist is refused
    When the administrator sets the TEST login page to "upload/missing.html"
    Then the answer is 404 with error code "resource_not_found"

  Scenario: A public file that is not HTML is refused as a login page
    Given the administrator uploads a public file "public/terms.txt" containing "Terms"
    When the administrator sets the TEST login page to "public/terms.txt"
    Then the answer is 422 with error code "login_page_not_html"
