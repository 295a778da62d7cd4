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
