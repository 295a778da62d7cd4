@security @csrf
Feature: Cross-site request forgery is refused before anything changes
  State-changing requests a browser could send with the user's cookies (the login form, logout,
  the admin API with a session cookie) must come from the SP's own origin: Origin, or when that
  is absent or "null", Sec-Fetch-Site, or failing both a Referer of the SP. Login posts also
  bring back the pre-session cookie the login page set, and the standard form its token
  (double submit). Calls with HTTP Basic and no cookie are not browser requests and are unaffected.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"

  @r-pw-1
  Scenario Outline: A login post from another origin is refused even with a valid token
    When the browser "victim" opens the login page of LIVE
    And the browser "victim" posts "/live/{account}/login?P_mode=LIVE" with the form "email=b.simon%40contoso.com&password=BSimon-Pass-2026&login_token={login_token}" and the headers "<headers>"
    Then the answer is 403 with error code "csrf_origin"
    And the browser "victim" has no session in LIVE
    And the user "b.simon@contoso.com" is active with 0 failed attempts

    Examples:
      | headers                                                   |
      | Origin: https://evil.example                              |
      | Origin: https://evil.example \| Sec-Fetch-Site: same-origin |
      | Origin: null \| Sec-Fetch-Site: cross-site                |
      | Sec-Fetch-Site: same-site                                 |
      | Referer: https://evil.example/login                       |
      |                                                           |

  @r-pw-1
  Scenario Outline: The SP's own page is recognised by whichever evidence the browser sends
    When the browser "victim" opens the login page of LIVE
    And the browser "victim" posts "/live/{account}/login?P_mode=LIVE" with the form "email=b.simon%40contoso.com&password=BSimon-Pass-2026&login_token={login_token}" and the headers "<headers>"
    Then the answer is 303

    Examples:
      | headers                                      |
      | Origin: {sp}                                 |
      | Origin: null \| Sec-Fetch-Site: same-origin  |
      | Referer: {sp}/live/{account}/login           |

  @r-pw-1
  Scenario Outline: A login post without the login page's token or cookie is refused and counts nothing
    When the browser "victim" opens the login page of LIVE
    And the browser "<poster>" posts "/live/{account}/login?P_mode=LIVE" with the form "<form>" and the headers "Origin: {sp}"
    Then the answer is 403 with error code "csrf_login_token"
    And the browser "<poster>" has no session in LIVE
    And the user "b.simon@contoso.com" is active with 0 failed attempts

    Examples:
      | poster   | form                                                                                  |
      | victim   | email=b.simon%40contoso.com&password=BSimon-Pass-2026                                 |
      | victim   | email=b.simon%40contoso.com&password=BSimon-Pass-2026&login_token=lt_forged           |
      | attacker | email=b.simon%40contoso.com&password=BSimon-Pass-2026&login_token={login_token}       |

  @r-pw-4
  Scenario: A cross-site form post to the admin API with the admin's session cookie changes nothing
    When "b.simon@contoso.com" logs in to LIVE with password "wrong-password" 5 times
    And "admin@contoso.com" logs in to LIVE with password "Admin-Pass-2026"
    When the browser "default" posts "/api/{account}/users/{user:b.simon@contoso.com}/unlock" with the form "x=1" and the headers "Origin: https://evil.example | Sec-Fetch-Site: cross-site"
    Then the answer is 403 with error code "csrf_origin"
    And the user "b.simon@contoso.com" is locked with 5 failed attempts

  @r-pw-4
  Scenario: The same call with HTTP Basic and no cookie is not a browser request and works
    When "b.simon@contoso.com" logs in to LIVE with password "wrong-password" 5 times
    And "admin@contoso.com" with password "Admin-Pass-2026" sends POST "/api/{account}/users/{user:b.simon@contoso.com}/unlock" from the origin "https://evil.example"
    Then the answer is 200
    And the user "b.simon@contoso.com" is active with 0 failed attempts

  @r-acc-6
  Scenario: A cross-site logout does not end the session
    When "b.simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    And the browser "default" posts "/live/{account}/logout?P_mode=LIVE" with the form "" and the headers "Origin: https://evil.example"
    Then the answer is 403 with error code "csrf_origin"
    And the browser is signed in to LIVE as "b.simon@contoso.com"
