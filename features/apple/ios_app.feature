Feature: Apple ID from RunMyApp on iOS
  The app sends Apple's identity token and authorization code to the SP; Apple authenticates the
  user (R-APPLE-1), a user with the same email must already exist (R-APPLE-2), and the SP checks
  the token as Apple prescribes (R-APPLE-3).

  Background:
    Given the customer account "112501524864919680"
    And a mock Apple with the team of the bundle ID "com.runmyprocess.runmyapp"
    And Apple has the Apple ID "b.simon@contoso.com"
    And the administrator configures Sign in with Apple for the app

  @r-apple-1 @r-apple-2
  Scenario: An existing user signs in from the app
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    When the app signs "b.simon@contoso.com" in with Apple to LIVE
    Then the app gets a session for LIVE as "B.Simon@contoso.com"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"
    And the first sign-in told the app the name "Bea Simon" and the email "b.simon@contoso.com"
    When the app signs "b.simon@contoso.com" in with Apple to LIVE
    Then the app gets a session for LIVE as "B.Simon@contoso.com"
    And the app was not told the name again

  @r-apple-2
  Scenario: An Apple ID without a DigitalSuite user is refused and nothing is created
    When the app signs "b.simon@contoso.com" in with Apple to LIVE
    Then the SP refuses the Apple sign-in with "apple_unknown_user"
    And the account has exactly the users "admin@contoso.com"

  @r-apple-2
  Scenario: A private relay address matches only a user whose email is that address
    Given Apple has the Apple ID "hidden@contoso.com", who hides the email
    And the administrator provisions "Hidden" with email "hidden@contoso.com" and no password
    When the app signs "hidden@contoso.com" in with Apple to LIVE
    Then the SP refuses the Apple sign-in with "apple_unknown_user"
    When the administrator provisions the user with the relay address of "hidden@contoso.com"
    And the app signs "hidden@contoso.com" in with Apple to LIVE
    Then the app gets a session for LIVE with the relay address of "hidden@contoso.com"

  @r-apple-3
  Scenario Outline: email_verified is accepted as a boolean and as the string "true"
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and no password
    And Apple sends email_verified as <form>
    When the app signs "b.simon@contoso.com" in with Apple to TEST
    Then the app gets a session for TEST as "b.simon@contoso.com"

    Examples:
      | form     |
      | strings  |
      | booleans |

  @r-apple-3
  Scenario Outline: A faulty identity token is refused with its specific code
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and no password
    When Apple's next identity token has the fault "<fault>"
    And the app signs "b.simon@contoso.com" in with Apple to LIVE
    Then the SP refuses the Apple sign-in with "<code>"
    And the browser has no session in LIVE, answered "authentication_required"

    Examples:
      | fault             | code                   |
      | expired           | apple_token_expired    |
      | wrong_aud         | apple_wrong_audience   |
      | wrong_iss         | apple_wrong_issuer     |
      | unknown_kid       | apple_unknown_kid      |
      | bad_signature     | apple_bad_signature    |
      | nonce_mismatch    | apple_nonce_mismatch   |
      | iat_future        | apple_iat_future       |
      | nbf_future        | apple_not_yet_valid    |
      | missing_iat       | apple_missing_iat      |
      | missing_sub       | apple_missing_sub      |
      | crit_header       | apple_crit_header      |
      | nonce_unhashed    | apple_nonce_mismatch   |
      | email_unverified  | apple_email_unverified |
      | expired_past_skew | apple_token_expired    |
      | iat_past_skew     | apple_iat_future       |

  @r-apple-3
  Scenario: An identity token that is not a JWT is refused with 400 apple_malformed_token
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and no password
    When the app posts an identity token that is not a JWT to LIVE
    Then the answer is 400 with error code "apple_malformed_token"
    And the browser has no session in LIVE, answered "authentication_required"

  @r-apple-3
  Scenario Outline: A token at the edge of the 60-second skew (exp 59 s ago, iat 60 s ahead) is accepted
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and no password
    When Apple's next identity token has the fault "<option>"
    And the app signs "b.simon@contoso.com" in with Apple to LIVE
    Then the app gets a session for LIVE as "b.simon@contoso.com"

    Examples:
      | option              |
      | expired_within_skew |
      | iat_within_skew     |

  @r-apple-3
  Scenario: A nonce that is not the one the app hashed is refused
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and no password
    When the app signs "b.simon@contoso.com" in with Apple to LIVE but sends another nonce
    Then the SP refuses the Apple sign-in with "apple_nonce_mismatch"

  @r-apple-3 @r-apple-4
  Scenario: A credential can be used once: its nonce is burnt by the first sign-in
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and no password
    When the app signs "b.simon@contoso.com" in with Apple to LIVE
    Then the app gets a session for LIVE as "b.simon@contoso.com"
    When the app sends the same credential to LIVE again
    Then the SP refuses the Apple sign-in with "apple_nonce_used"

  # Apple's own refusals of a bad client_secret (expired, too long, another client, key or team)
  # are tested in mock-apple's crate; here: what the SP does when Apple refuses its secret.
  @r-apple-3
  Scenario Outline: A developer configuration Apple cannot trust makes the code useless: no session
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and no password
    And the administrator configures Sign in with Apple for the app with <what>
    When the app signs "b.simon@contoso.com" in with Apple to LIVE
    Then the SP refuses the Apple sign-in with "apple_code_refused"
    And the browser has no session in LIVE, answered "authentication_required"

    Examples:
      | what                          |
      | an unregistered developer key |
      | the team ID "OTHERTEAM1"      |
      | the key ID "OTHERKEY12"       |

  @r-apple-4
  Scenario: Sign in with Apple cannot be configured without the developer key that redeems codes
    When the administrator configures Sign in with Apple for the app without a developer key
    Then the answer is 422 with error code "invalid_key"

  # The code's redemption is the proof that the identity token is fresh (R-APPLE-4); the ID token
  # Apple returns for it must be Apple's and for this app, each of the two checked on its own.
  @r-apple-4
  Scenario Outline: An ID token returned for the code with <what> is refused and signs nobody in
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and no password
    When the ID token Apple returns for the next code has the fault "<fault>"
    And the app signs "b.simon@contoso.com" in with Apple to LIVE
    Then the SP refuses the Apple sign-in with "apple_code_refused"
    And the browser has no session in LIVE, answered "authentication_required"

    Examples:
      | what                       | fault              |
      | an issuer other than Apple | redeemed_wrong_iss |
      | another audience           | redeemed_wrong_aud |
