@r-apple-1
Feature: Sign in with Apple in an account that has not configured it says so
  Without the account's Apple configuration the SP issues no nonce, so no sign-in can start,
  and it answers 404 with its own code.

  Scenario: A nonce asked of an account without Apple is refused with 404 apple_not_configured
    Given the customer account "112501524864919680"
    When an anonymous client sends POST "/live/{account}/apple/nonce?P_mode=LIVE"
    Then the answer is 404 with error code "apple_not_configured"
