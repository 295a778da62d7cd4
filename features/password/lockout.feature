Feature: Password policy and lockout
  The password policy sets the maximum number of failed attempts; a user who reaches it is locked,
  and only an administrator can unlock them.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    And the LIVE password policy allows 3 failed attempts

  @r-pw-3
  Scenario: The user is locked at exactly the limit
    When "b.simon@contoso.com" logs in to LIVE with password "wrong-password" 2 times
    Then the user "b.simon@contoso.com" is active with 2 failed attempts
    When "b.simon@contoso.com" logs in to LIVE with password "wrong-password"
    Then the login is refused with "invalid_credentials"
    And the user "b.simon@contoso.com" is locked with 3 failed attempts

  @r-pw-3
  Scenario: A locked user is refused even with the right password
    When "b.simon@contoso.com" logs in to LIVE with password "wrong-password" 3 times
    And "b.simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    Then the login is refused with "invalid_credentials"
    And the user "b.simon@contoso.com" is locked with 3 failed attempts
    And the browser has no session in LIVE, answered "authentication_required"

  @r-pw-3
  Scenario: A successful login before the limit resets the counter
    When "b.simon@contoso.com" logs in to LIVE with password "wrong-password" 2 times
    And "b.simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And the user "b.simon@contoso.com" is active with 0 failed attempts

  @r-pw-4
  Scenario: An administrator unlocks the user and the counter is reset
    When "b.simon@contoso.com" logs in to LIVE with password "wrong-password" 3 times
    And the administrator unlocks "b.simon@contoso.com"
    Then the answer is 200
    And the user "b.simon@contoso.com" is active with 0 failed attempts
    When "b.simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  @r-pw-4
  Scenario: A user who is not an administrator cannot unlock anybody
    Given the administrator provisions "A.Jones" with email "a.jones@contoso.com" and password "AJones-Pass-2026"
    When "b.simon@contoso.com" logs in to LIVE with password "wrong-password" 3 times
    And "a.jones@contoso.com" with password "AJones-Pass-2026" tries to unlock "b.simon@contoso.com"
    Then the answer is 403 with error code "admin_required"
    And the user "b.simon@contoso.com" is locked with 3 failed attempts

  @r-pw-4
  Scenario: Unlocking a user that does not exist is refused
    When the administrator sends POST "/api/{account}/users/4242/unlock"
    Then the answer is 404 with error code "user_not_found"

  @r-pw-5
  Scenario: Unknown email, wrong password and locked user get the same answer
    Given the administrator provisions "A.Jones" with email "a.jones@contoso.com" and password "AJones-Pass-2026"
    When "nobody@contoso.com" logs in to LIVE with password "Whatever-2026"
    Then the answer is kept as "unknown email"
    And the answer keeps the typed email "nobody@contoso.com" for the login page
    When "b.simon@contoso.com" logs in to LIVE with password "Whatever-2026"
    Then the answer is kept as "wrong password"
    And the answer keeps the typed email "b.simon@contoso.com" for the login page
    When "a.jones@contoso.com" logs in to LIVE with password "wrong-password" 3 times
    And "a.jones@contoso.com" logs in to LIVE with password "AJones-Pass-2026"
    Then the answer is kept as "locked user"
    And the answer keeps the typed email "a.jones@contoso.com" for the login page
    And the answers "unknown email", "wrong password" and "locked user" are identical

  @r-pw-5
  Scenario: Concurrent wrong attempts cannot count past the limit
    Given the LIVE password policy allows 5 failed attempts
    When 50 concurrent logins of "b.simon@contoso.com" to LIVE use wrong passwords
    Then every one of them is refused with "invalid_credentials"
    And the user "b.simon@contoso.com" is locked with 5 failed attempts

  @r-pw-3
  Scenario Outline: A password policy outside its bounds is refused and changes nothing
    When the administrator sends PUT "/api/{account}/modes/LIVE/password-policy" with JSON '<body>'
    Then the answer is 422 with error code "<code>"
    And the LIVE mode uses login_password with a limit of 3 failed attempts

    Examples:
      | body                                      | code           |
      | {"max_failed_attempts":0}                 | invalid_policy |
      | {"max_failed_attempts":-1}                | invalid_policy |
      | {"max_failed_attempts":1001}              | invalid_policy |
      | {"max_failed_attempts":"5"}               | invalid_policy |
      | {}                                        | invalid_policy |
      | {"max_failed_attempts":5,"lockout":true}  | invalid_policy |

  @r-pw-3
  Scenario: A policy of null removes the limit
    When the administrator sends PUT "/api/{account}/modes/LIVE/password-policy" with JSON '{"max_failed_attempts":null}'
    Then the answer is 200
    When "b.simon@contoso.com" logs in to LIVE with password "wrong-password" 4 times
    Then the user "b.simon@contoso.com" is active with 4 failed attempts

  @r-pw-5
  Scenario: Every attempt costs exactly one password verification, whatever its cause of failure
    Given the administrator provisions "A.Jones" with email "a.jones@contoso.com" and password "AJones-Pass-2026"
    And the administrator provisions "C.Nopass" with email "c.nopass@contoso.com" and no password
    When the SP's password verifications are counted from here
    And "nobody@contoso.com" logs in to LIVE with password "Whatever-2026"
    Then the SP has run 1 password verification since
    When "not an email" logs in to LIVE with password "Whatever-2026"
    Then the SP has run 1 password verification since
    When "c.nopass@contoso.com" logs in to LIVE with password "Whatever-2026"
    Then the SP has run 1 password verification since
    When "b.simon@contoso.com" logs in to LIVE with password "Whatever-2026"
    Then the SP has run 1 password verification since
    When "a.jones@contoso.com" logs in to LIVE with password "wrong-password" 3 times
    Then the SP has run 3 password verifications since
    When "a.jones@contoso.com" logs in to LIVE with password "AJones-Pass-2026"
    Then the SP has run 1 password verification since
    And the login is refused with "invalid_credentials"
