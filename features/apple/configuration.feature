@r-apple-3
Feature: The Sign in with Apple configuration, as the administrator sees it, and an Apple the SP cannot reach
  The API shows the bundle, team and key IDs and that a developer key is set, never the key; an
  Apple whose keys the SP cannot fetch is answered 502 with its own code, and nobody is signed in.

  Background:
    Given the customer account "112501524864919680"
    And a mock Apple with the team of the bundle ID "com.runmyprocess.runmyapp"
    And Apple has the Apple ID "b.simon@contoso.com"
    And the administrator provisions "B.Simon" with email "b.simon@contoso.com" and no password

  Scenario: The configuration shows the IDs and that a developer key is set, not the key
    Given the administrator configures Sign in with Apple for the app
    When the administrator sends GET "/api/{account}/apple"
    Then the answer is 200
    And the answer has field "/bundle_id" equal to "com.runmyprocess.runmyapp"
    And the answer has field "/team_id" equal to "TEAM123ABC"
    And the answer has field "/key_id" equal to "DEVKEY1234"
    And the answer has field "/private_key_set" equal to "true"
    And the answer does not contain "PRIVATE KEY"

  Scenario: An Apple whose keys answer 404 is refused with 502 apple_unavailable
    Given the administrator configures Sign in with Apple for the app with an Apple base URL that answers 404
    When the app signs "b.simon@contoso.com" in with Apple to LIVE
    Then the answer is 502 with error code "apple_unavailable"
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario Outline: Each ID is 1 to 200 characters: <length> characters of <field> is <outcome>
    When the administrator configures Sign in with Apple for the app with a <field> of <length> characters
    Then the answer is <status>

    Examples:
      | field     | length | outcome  | status                                  |
      | bundle_id | 0      | refused  | 422 with error code "invalid_field"     |
      | team_id   | 0      | refused  | 422 with error code "invalid_field"     |
      | key_id    | 0      | refused  | 422 with error code "invalid_field"     |
      | team_id   | 200    | accepted | 200                                     |
      | team_id   | 201    | refused  | 422 with error code "invalid_field"     |
      | key_id    | 201    | refused  | 422 with error code "invalid_field"     |

  Scenario: DELETE removes the configuration: 204, then the SP has none and starts no Apple sign-in
    Given the administrator configures Sign in with Apple for the app
    When the administrator sends DELETE "/api/{account}/apple"
    Then the answer is 204
    When the administrator sends GET "/api/{account}/apple"
    Then the answer is 404 with error code "apple_not_configured"
    When an anonymous client sends POST "/live/{account}/apple/nonce?P_mode=LIVE"
    Then the answer is 404 with error code "apple_not_configured"
