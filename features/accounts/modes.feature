@r-acc-2
Feature: Each execution mode has its own configuration
  Changing one mode's method or password policy leaves the other modes untouched.

  Background:
    Given the customer account "112501524864919680"

  Scenario: A password policy set for TEST leaves ACCEPTANCE and LIVE as they were
    When the administrator sets the TEST password policy to 2 failed attempts
    Then the TEST mode uses login_password with a limit of 2 failed attempts
    And the ACCEPTANCE mode uses login_password with a limit of 5 failed attempts
    And the LIVE mode uses login_password with a limit of 5 failed attempts

  Scenario Outline: Selecting a provider method without its configuration is refused and changes nothing
    When the administrator selects the method "<method>" for TEST
    Then the answer is 409 with error code "method_not_configured"
    And the account has modes TEST, ACCEPTANCE and LIVE, each using login_password

    Examples:
      | method |
      | saml   |
      | google |

  Scenario: Selecting Login/Password for one mode is accepted
    When the administrator selects the method "login_password" for ACCEPTANCE
    Then the answer is 200
    And the answer has field "/method" equal to "login_password"
    And the answer has field "/mode" equal to "ACCEPTANCE"

  Scenario: An unknown method is refused with its own code
    When the administrator selects the method "kerberos" for LIVE
    Then the answer is 422 with error code "invalid_method"

  Scenario: A mode that does not exist is refused by the admin API
    When the administrator sends GET "/api/{account}/modes/STAGING"
    Then the answer is 400 with error code "unknown_mode"

  Scenario: The lockout limit of the mode the user logs in to applies
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    And the TEST password policy allows 2 failed attempts
    When "b.simon@contoso.com" logs in to LIVE with password "wrong-password" 2 times
    Then the user "b.simon@contoso.com" is active with 2 failed attempts
    When "b.simon@contoso.com" logs in to TEST with password "wrong-password"
    Then the user "b.simon@contoso.com" is locked with 3 failed attempts
