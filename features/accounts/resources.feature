Feature: Public resources and applications
  Public resources are served to anybody; every other resource needs a session of a user of the
  account, and an application is open to everybody in the account or to named users only.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    And the administrator provisions "A.Jones" with email "a.jones@contoso.com" and password "AJones-Pass-2026"

  @r-acc-5 @r-acc-1
  Scenario: The home page names the account and lists only the applications the user may open
    Given the administrator publishes an application "apps/timesheet" open to everybody
    And the administrator publishes an application "apps/payroll" open to "a.jones@contoso.com" only
    And the administrator uploads a public file "public/terms.txt" containing "Terms of use"
    When "b.simon@contoso.com" logs in to TEST with password "BSimon-Pass-2026"
    And the browser opens "/live/{account}?P_mode=TEST"
    Then the page is shown and contains "<h1>Contoso</h1>"
    And the page is shown and contains '<a href="/live/{account}/apps/timesheet?P_mode=TEST">apps/timesheet</a>'
    And the answer does not contain "apps/payroll"
    And the answer does not contain "public/terms.txt"
    When "a.jones@contoso.com" logs in to TEST with password "AJones-Pass-2026"
    And the browser opens "/live/{account}?P_mode=TEST"
    Then the page is shown and contains "apps/payroll"
    And the page is shown and contains "apps/timesheet"

  @r-acc-3
  Scenario: A public resource is served without a session
    Given the administrator uploads a public file "public/terms.txt" containing "Terms of use"
    When the browser opens "/live/{account}/public/terms.txt"
    Then the page is shown and contains "Terms of use"

  @r-acc-3
  Scenario: A protected resource without a session leads to the mode's login page
    Given the administrator publishes an application "apps/timesheet" open to everybody
    When the browser opens "/live/{account}/apps/timesheet?P_mode=TEST"
    Then the browser is redirected to "/live/{account}/login?P_mode=TEST&next=%2Flive%2F{account}%2Fapps%2Ftimesheet%3FP_mode%3DTEST"
    When the browser follows the redirect
    And the browser submits the page's form with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    Then the login succeeds and lands on "/live/{account}/apps/timesheet?P_mode=TEST"
    When the browser follows the redirect
    Then the page is shown and contains "application apps/timesheet"

  @r-acc-3
  Scenario: The account home is protected too
    When the browser opens "/live/{account}"
    Then the browser is redirected to "/live/{account}/login?P_mode=LIVE&next=%2Flive%2F{account}"

  @r-acc-3
  Scenario: Without a session a missing resource looks like a protected one
    When the browser opens "/live/{account}/apps/does-not-exist"
    Then the browser is redirected to "/live/{account}/login?P_mode=LIVE&next=%2Flive%2F{account}%2Fapps%2Fdoes-not-exist"
    When "b.simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    And the browser opens "/live/{account}/apps/does-not-exist"
    Then the answer is 404 with error code "resource_not_found"

  @r-acc-5
  Scenario: An application open to everybody is open to every user of the account
    Given the administrator publishes an application "apps/timesheet" open to everybody
    When "a.jones@contoso.com" logs in to LIVE with password "AJones-Pass-2026"
    And the browser opens "/live/{account}/apps/timesheet"
    Then the page is shown and contains "application apps/timesheet"

  @r-acc-5
  Scenario: An application for named users is refused to the others
    Given the administrator publishes an application "apps/payroll" open to "b.simon@contoso.com" only
    When "a.jones@contoso.com" logs in to LIVE with password "AJones-Pass-2026"
    And the browser opens "/live/{account}/apps/payroll"
    Then the answer is 403 with error code "application_access_denied"
    When "b.simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    And the browser opens "/live/{account}/apps/payroll"
    Then the page is shown and contains "application apps/payroll"

  @r-acc-5
  Scenario: Granting an application to a user of another account is refused
    Given another customer account "998877665544332211"
    When the administrator grants "apps/payroll" to the user "admin@contoso.com" of account "998877665544332211"
    Then the answer is 404 with error code "user_not_found"
    When the administrator sends GET "/api/{account}/resources"
    Then the answer has field "/resources" equal to "[]"

  @r-acc-3
  Scenario Outline: Resource paths that escape the account are refused
    When the administrator sends PUT "/api/{account}/resources/<path>" with JSON '{"kind":"file","visibility":"public","body":"x"}'
    Then the answer is 422 with error code "<code>"

    Examples:
      | path             | code          |
      | a/..%2Fb         | invalid_path  |
      | login            | reserved_path |
      | session/x        | reserved_path |
      | signed-out       | reserved_path |
      | a%20b            | invalid_path  |
