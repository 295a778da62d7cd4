@security @r-apple-4
Feature: An Apple identity token signs in once, for the Apple user it names
  The SP issues the nonce (single use, five minutes), the app puts its SHA-256 in the Apple
  request, and every sign-in burns it; the authorization code is required and redeemed, and the
  ID token Apple returns for it must name the same Apple user. A captured identity token is
  therefore worthless to anybody else.

  Background:
    Given the customer account "112501524864919680"
    And a mock Apple with the team of the bundle ID "com.runmyprocess.runmyapp"
    And Apple has the Apple ID "b.simon@contoso.com"
    And Apple has the Apple ID "mallory@contoso.com"
    And the administrator provisions "B.Simon" with email "b.simon@contoso.com" and no password
    And the administrator provisions "Mallory" with email "mallory@contoso.com" and no password
    And the administrator configures Sign in with Apple for the app

  Scenario: A captured identity token replayed without its code is refused
    When Apple signs "b.simon@contoso.com" in for the app with a nonce the SP issued for LIVE
    And another client posts that identity token and nonce to LIVE without a code
    Then the SP refuses the Apple sign-in with "apple_missing_code"
    And the answer is 400 with error code "apple_missing_code"
    And the browser "attacker" has no session in LIVE
    When the app posts that credential to LIVE
    Then the app gets a session for LIVE as "b.simon@contoso.com"

  Scenario: A captured identity token replayed with a code of another Apple user's sign-in is refused
    When Apple signs "b.simon@contoso.com" in for the app with a nonce the SP issued for LIVE
    And another client posts that identity token and nonce to LIVE with the code of "mallory@contoso.com"'s own sign-in
    Then the SP refuses the Apple sign-in with "apple_code_other_user"
    And the browser "attacker" has no session in LIVE

  Scenario: An identity token replayed after its sign-in is refused: the nonce is burnt
    When Apple signs "b.simon@contoso.com" in for the app with a nonce the SP issued for LIVE
    And the app posts that credential to LIVE
    Then the app gets a session for LIVE as "b.simon@contoso.com"
    When another client posts that identity token and nonce to LIVE without a code
    Then the SP refuses the Apple sign-in with "apple_missing_code"
    When the app posts that credential to LIVE
    Then the SP refuses the Apple sign-in with "apple_nonce_used"

  Scenario: A nonce the SP did not issue is refused
    When the app signs "b.simon@contoso.com" in with Apple to LIVE with a nonce it made itself
    Then the SP refuses the Apple sign-in with "apple_unknown_nonce"
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario: A nonce issued for another mode is refused
    When Apple signs "b.simon@contoso.com" in for the app with a nonce the SP issued for TEST
    And the app posts that credential to LIVE
    Then the SP refuses the Apple sign-in with "apple_unknown_nonce"
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario: A nonce five minutes old is refused
    When Apple signs "b.simon@contoso.com" in for the app with a nonce the SP issued for LIVE
    And the clock moves 300 seconds on
    And the app posts that credential to LIVE
    Then the SP refuses the Apple sign-in with "apple_nonce_expired"
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario: A nonce one second short of five minutes old is still accepted
    When Apple signs "b.simon@contoso.com" in for the app with a nonce the SP issued for LIVE
    And the clock moves 299 seconds on
    And the app posts that credential to LIVE
    Then the app gets a session for LIVE as "b.simon@contoso.com"

  @r-apple-2
  Scenario: An Apple email with surrounding whitespace is refused, never trimmed onto a user
    Given Apple has the Apple ID "b.simon@contoso.com "
    When the app signs "b.simon@contoso.com " in with Apple to LIVE
    Then the SP refuses the Apple sign-in with "apple_invalid_email"
    And the browser has no session in LIVE, answered "authentication_required"
