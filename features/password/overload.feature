@reliability @r-pw-1
Feature: Password hashing is bounded: a full queue answers "overloaded" and changes nothing
  argon2id runs on a fixed pool with a bounded queue. When the queue is full the SP answers at
  once with 503, Retry-After and the code "overloaded"; the attempt is neither a success nor a
  failure, so it can neither sign anyone in nor move anyone toward lockout.

  Scenario: Logins against a saturated pool are refused as overloaded and count nothing
    Given an SP whose password-hashing pool never drains
    And the customer account "112501524864919680"
    When "admin@contoso.com" logs in to LIVE with password "Admin-Pass-2026"
    Then the answer is 503 with error code "overloaded"
    And the answer has the header "retry-after" equal to "1"
    And the browser has no session in LIVE, answered "authentication_required"
    When "admin@contoso.com" logs in to LIVE with password "wrong-password" 6 times
    Then the answer is 503 with error code "overloaded"
    And the store holds "admin@contoso.com" as active with 0 failed attempts
