@r-pw-1
Feature: Login with email and password
  Users log in with the email and password stored in DigitalSuite; passwords are kept as argon2id
  hashes, and each login starts a new session.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and password "BSimon-Pass-2026"

  Scenario: B.Simon logs in and lands on the account home
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And the session cookie for LIVE is HttpOnly, SameSite=Lax and scoped to the whole site
    When the browser follows the redirect
    Then the page is shown and contains "Signed in as B.Simon &lt;B.Simon@contoso.com&gt;"

  Scenario: The email is compared without regard to ASCII case
    When "b.simon@CONTOSO.com" logs in to LIVE with password "BSimon-Pass-2026"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  Scenario: A wrong password is refused
    When "B.Simon@contoso.com" logs in to LIVE with password "bsimon-pass-2026"
    Then the login is refused with "invalid_credentials"

  Scenario: The password is stored as an argon2id hash
    Then the store holds an argon2id hash, not the password, for "B.Simon@contoso.com"

  Scenario: Each login gets a new session ID and the old one stops working
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    And the browser's LIVE session ID is noted
    And "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    And the browser's LIVE session ID is noted
    Then the two noted session IDs differ and the first no longer works

  Scenario: Logging out ends the session in the SP, not only in the browser, and clears its cookie
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    And the browser's LIVE session ID is noted
    And the browser logs out of LIVE
    Then the answer clears the session cookie for LIVE
    And the noted session ID no longer works
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario: After login the browser goes where it was going, but never off the account
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026" and next "/live/{account}/apps/x?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}/apps/x?P_mode=LIVE"
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026" and next "https://evil.example/phish"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026" and next "//evil.example/phish"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  Scenario: Logout ends the session
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    And the browser logs out of LIVE
    Then the browser is redirected to "/live/{account}/login?P_mode=LIVE"
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario: A user without a password cannot log in with an empty one
    Given the administrator provisions "A.Jones" with email "a.jones@contoso.com" and no password
    When "a.jones@contoso.com" logs in to LIVE with password ""
    Then the login is refused with "invalid_credentials"

  Scenario: A password of 256 characters, the longest allowed, is kept whole and compared whole
    Given the administrator provisions "L.Long" with email "l.long@contoso.com" and a password of 256 characters
    When "l.long@contoso.com" logs in to LIVE with the generated password of 255 characters
    Then the login is refused with "invalid_credentials"
    When "l.long@contoso.com" logs in to LIVE with the generated password of 256 characters
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  Scenario: A login with a password over 256 characters costs one verification and fails, even if it starts with the right one
    Given the administrator provisions "L.Long" with email "l.long@contoso.com" and a password of 256 characters
    When the SP's password verifications are counted from here
    And "l.long@contoso.com" logs in to LIVE with the generated password of 257 characters
    Then the login is refused with "invalid_credentials"
    And the SP has run 1 password verification since
    And the store holds "l.long@contoso.com" as active with 1 failed attempts
