@r-go-6
Feature: The SP validates Google's ID token as Google prescribes
  Signature by the JWKS key named by kid (RS256 only), issuer in both forms, audience and azp,
  expiry, nonce, state bound to the browser, and email trusted only when verified.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "J Smith" with email "jsmith@contoso.com" and no password
    And a mock Google with a web client for the account
    And Google has the Workspace user "jsmith@contoso.com" in "contoso.com"
    And the administrator configures Google sign-in for LIVE

  Scenario Outline: A faulty ID token is refused with its specific code
    When Google's next tokens have the fault "<fault>"
    And "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the SP refuses the Google sign-in with "<code>"
    And the browser has no session in LIVE, answered "authentication_required"

    Examples:
      | fault                | code                    |
      | expired              | google_token_expired    |
      | wrong_aud            | google_wrong_audience   |
      | wrong_iss            | google_wrong_issuer     |
      | unknown_kid          | google_unknown_kid      |
      | bad_signature        | google_bad_signature    |
      | alg_none             | google_alg_not_allowed  |
      | missing_nonce        | google_missing_nonce    |
      | wrong_nonce          | google_wrong_nonce      |
      | email_unverified     | google_email_unverified |
      | token_invalid_grant  | google_token_refused    |
      | aud_array_no_azp     | google_missing_azp      |
      | aud_array_other_azp  | google_wrong_azp        |
      | azp_other            | google_wrong_azp        |
      | aud_array_without_us | google_wrong_audience   |
      | expired_past_skew    | google_token_expired    |
      | iat_past_skew        | google_iat_future       |
      | iat_future           | google_iat_future       |
      | nbf_future           | google_not_yet_valid    |
      | missing_iat          | google_missing_iat      |
      | missing_sub          | google_missing_sub      |
      | crit_header          | google_crit_header      |

  Scenario: Several audiences are accepted when azp names this client (OIDC Core §3.1.3.7)
    When Google's next tokens have the fault "aud_array_with_azp"
    And "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  Scenario: One audience, this client, and no azp is accepted (azp is optional then, OIDC Core §2)
    When Google's next tokens have the fault "single_aud_no_azp"
    And "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  Scenario: The legacy issuer form without scheme is accepted
    When Google's next tokens have the fault "legacy_issuer"
    And "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  Scenario: Key rotation: a token signed by a key the SP has not seen yet refreshes the JWKS
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    When Google rotates its signing keys
    And the browser logs out of LIVE
    And the browser signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And Google's JWKS was fetched 1 time
    When Google rotates its signing keys
    And the browser logs out of LIVE
    And the browser signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And Google's JWKS was fetched 2 times

  Scenario: A callback ten minutes after the sign-in started is refused as expired
    Given Google will sign in "jsmith@contoso.com"
    When the browser opens "/live/{account}/google/login?P_mode=LIVE"
    And the browser follows the redirect to Google
    And the clock moves 600 seconds on
    And the browser follows Google's redirect back to the SP
    Then the SP refuses the Google sign-in with "google_state_expired"
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario: A callback one second short of ten minutes is still accepted
    Given Google will sign in "jsmith@contoso.com"
    When the browser opens "/live/{account}/google/login?P_mode=LIVE"
    And the browser follows the redirect to Google
    And the clock moves 599 seconds on
    And the browser follows Google's redirect back to the SP
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  Scenario: A callback opened in a browser without the sign-in's cookie is refused
    Given Google will sign in "jsmith@contoso.com"
    When the browser opens "/live/{account}/google/login?P_mode=LIVE"
    And the browser follows the redirect to Google
    And another browser follows Google's redirect back to the SP
    Then the SP refuses the Google sign-in with "google_state_cookie_missing"

  Scenario: A callback opened in another browser that started a Google sign-in of its own is refused
    Given Google will sign in "jsmith@contoso.com"
    When the browser "other" opens "/live/{account}/google/login?P_mode=LIVE"
    And the browser opens "/live/{account}/google/login?P_mode=LIVE"
    And the browser follows the redirect to Google
    And another browser follows Google's redirect back to the SP
    Then the SP refuses the Google sign-in with "google_state_other_browser"

  Scenario Outline: A token at the edge of the 60-second skew (exp 59 s ago, iat 60 s ahead) is accepted
    When Google's next tokens have the fault "<option>"
    And "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

    Examples:
      | option              |
      | expired_within_skew |
      | iat_within_skew     |

  # Each account's sign-in has its own state cookie (its name and its Path name the account):
  # starting another account's Google sign-in in the same browser leaves the first one's alone.
  Scenario: A Google sign-in completes after the same browser started one for another account
    Given another customer account "998877665544332211"
    And the steps address account "998877665544332211"
    And the administrator configures Google sign-in for LIVE
    And the steps address account "112501524864919680"
    And Google will sign in "jsmith@contoso.com"
    When the browser opens "/live/{account}/google/login?P_mode=LIVE"
    And the browser follows the redirect to Google
    And the browser keeps Google's redirect back to the SP for later
    And the browser opens "/live/998877665544332211/google/login?P_mode=LIVE"
    And the browser follows the kept redirect back to the SP
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"

  Scenario: A callback replayed after the sign-in is refused
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    When the browser replays Google's redirect back to the SP
    Then the SP refuses the Google sign-in with "google_state_used"

  Scenario: A code used once is refused by Google when a new sign-in brings it back
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    When the browser logs out of LIVE
    And the browser starts a new Google sign-in and comes back with the previous code
    Then the SP refuses the Google sign-in with "google_token_refused"
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario: A callback with a state the SP never issued is refused
    When the browser opens "/live/{account}/google/callback?state=forged&code=4/forged"
    Then the SP refuses the Google sign-in with "google_unknown_state"

  # Google's own page for an unknown client is tested in mock-google's crate; here: the SP sends
  # exactly the client ID it was given, and nobody is signed in.
  Scenario: A client ID Google does not know is sent as configured and stops at Google's page
    When the administrator sends the Google configuration for LIVE with "client_id" set to "unknown-client.apps.googleusercontent.com"
    And the browser opens "/live/{account}/google/login?P_mode=LIVE"
    Then the request to Google names the client "unknown-client.apps.googleusercontent.com"
    When the browser follows the redirect to Google
    Then Google shows the error "invalid_client"
    And the browser has no session in LIVE, answered "authentication_required"
