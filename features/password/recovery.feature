@r-pw-4 @reliability
Feature: A locked last administrator is recovered offline by the operator
  Five wrong Basic passwords from anybody lock the only administrator, and nobody is left to
  unlock them through the API. The operator's `harness unlock` (or `reference-sp unlock`) command
  unlocks a user directly in the store, even while the SP runs.

  Background:
    Given the customer account "112501524864919680"

  Scenario: The only administrator, locked out by wrong Basic passwords, is recovered offline
    When "admin@contoso.com" with password "wrong-1" sends GET "/api/{account}/users"
    And "admin@contoso.com" with password "wrong-2" sends GET "/api/{account}/users"
    And "admin@contoso.com" with password "wrong-3" sends GET "/api/{account}/users"
    And "admin@contoso.com" with password "wrong-4" sends GET "/api/{account}/users"
    And "admin@contoso.com" with password "wrong-5" sends GET "/api/{account}/users"
    And "admin@contoso.com" with password "Admin-Pass-2026" sends GET "/api/{account}/users"
    Then the answer is 401 with error code "invalid_credentials"
    When the operator unlocks "admin@contoso.com" with the harness unlock command
    And "admin@contoso.com" with password "Admin-Pass-2026" sends GET "/api/{account}/users"
    Then the answer is 200
