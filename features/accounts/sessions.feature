@r-acc-6
Feature: A session is bound to one account and one execution mode
  A session of account A grants nothing in account B, and a TEST session grants nothing in LIVE,
  even when its cookie is replayed under the other scope's name.

  Background:
    Given the customer account "112501524864919680"
    And another customer account "998877665544332211"
    And the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    And the administrator publishes an application "apps/timesheet" open to everybody

  Scenario: A TEST session grants nothing in LIVE
    When "b.simon@contoso.com" logs in to TEST with password "BSimon-Pass-2026"
    Then the browser is signed in to TEST as "b.simon@contoso.com"
    And the browser holds a session cookie for TEST only
    And the browser has no session in LIVE, answered "authentication_required"
    When the browser opens "/live/{account}/apps/timesheet?P_mode=LIVE"
    Then the browser is redirected to "/live/{account}/login?P_mode=LIVE&next=%2Flive%2F{account}%2Fapps%2Ftimesheet%3FP_mode%3DLIVE"

  Scenario: A TEST session cookie replayed as a LIVE cookie is refused
    When "b.simon@contoso.com" logs in to TEST with password "BSimon-Pass-2026"
    And the browser presents its TEST session of account "112501524864919680" as a LIVE session of account "112501524864919680"
    Then the browser has no session in LIVE, answered "session_scope_mismatch"
    When the browser opens "/live/{account}/apps/timesheet?P_mode=LIVE"
    Then the browser is redirected to "/live/{account}/login?P_mode=LIVE&next=%2Flive%2F{account}%2Fapps%2Ftimesheet%3FP_mode%3DLIVE"

  Scenario: A session of one account replayed in another account is refused
    When "b.simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    And the browser presents its LIVE session of account "112501524864919680" as a LIVE session of account "998877665544332211"
    And the steps address account "998877665544332211"
    Then the browser has no session in LIVE, answered "session_scope_mismatch"
    When the browser opens "/live/998877665544332211"
    Then the browser is redirected to "/live/998877665544332211/login?P_mode=LIVE&next=%2Flive%2F998877665544332211"

  Scenario: Sessions of two modes live side by side
    When "b.simon@contoso.com" logs in to TEST with password "BSimon-Pass-2026"
    And "b.simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    Then the browser is signed in to TEST as "b.simon@contoso.com"
    And the browser is signed in to LIVE as "b.simon@contoso.com"
    When the browser logs out of TEST
    Then the browser has no session in TEST, answered "authentication_required"
    And the browser is signed in to LIVE as "b.simon@contoso.com"

  Scenario: A session ends when its lifetime is over
    When "b.simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    And the SP clock moves 8 hours on
    Then the browser has no session in LIVE, answered "authentication_required"

  Scenario: A session one second short of its eight hours is still valid
    When "b.simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    And the clock moves 28799 seconds on
    Then the browser is signed in to LIVE as "b.simon@contoso.com"
