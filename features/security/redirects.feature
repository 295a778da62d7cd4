@security @r-acc-6
Feature: The post-login redirect never leaves the account, however the browser resolves it
  `next` is resolved as a browser resolves a Location (dot segments, `%2E`, backslashes) and
  must land under /live/<this account>; anything else goes to the account home.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and password "BSimon-Pass-2026"

  Scenario Outline: A next that a browser would resolve outside the account goes home: <next>
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026" and next "<next>"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

    Examples:
      | next                                    |
      | /live/{account}/../999/apps/x           |
      | /live/{account}/.%2E/999/apps/x         |
      | /live/{account}/%2e%2e/999              |
      | /live/{account}/../../evil              |
      | /live/{account}/..\\..\\evil            |
      | /\\evil.example/phish                   |
      | /live/{account}//evil.example           |

  Scenario: A next inside the account lands there in its resolved form
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026" and next "/live/{account}/apps/./x/../timesheet?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}/apps/timesheet?P_mode=LIVE"
