@r-acc-1
Feature: Customer accounts and execution modes
  A customer account has a digit ID, users, applications and one configuration per execution
  mode; the mode of a request is chosen by P_mode (TEST, ACCEPTANCE, LIVE; LIVE by default).

  Background:
    Given the customer account "112501524864919680"

  Scenario: A new account has the three execution modes, each on Login/Password
    Then the account has modes TEST, ACCEPTANCE and LIVE, each using login_password

  Scenario: P_mode selects the mode and LIVE is the default
    When the browser opens "/live/{account}/login"
    Then the page is shown and contains "mode LIVE"
    When the browser opens "/live/{account}/login?P_mode=ACCEPTANCE"
    Then the page is shown and contains 'action="/live/{account}/login?P_mode=ACCEPTANCE"'

  Scenario Outline: An execution mode that does not exist is refused
    When the browser opens "/live/{account}/login?P_mode=<mode>"
    Then the answer is 400 with error code "unknown_mode"

    Examples:
      | mode       |
      | PROD       |
      | test       |
      |            |

  Scenario Outline: An account that does not exist is refused
    Then the account id "<id>" is refused as "unknown_account"

    Examples:
      | id                  |
      | 998877665544332211  |
      | 11250152486491968x  |

  Scenario: The admin API of an unknown account answers unknown_account
    When the administrator sends GET "/api/998877665544332211/users"
    Then the answer is 404 with error code "unknown_account"
