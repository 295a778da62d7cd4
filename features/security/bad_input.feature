Feature: Bad input gets a stable error code and changes nothing

  Background:
    Given the customer account "112501524864919680"

  @r-acc-4
  Scenario: Malformed JSON is refused
    When the administrator sends POST "/api/{account}/users" with content type "application/json" and body:
      """
      {"name": "B.Simon", "email":
      """
    Then the answer is 400 with error code "malformed_json"
    And the account has exactly the users "admin@contoso.com"

  @r-acc-4
  Scenario: A missing field is refused
    When the administrator sends POST "/api/{account}/users" with JSON '{"name":"B.Simon"}'
    Then the answer is 422 with error code "invalid_field"
    And the account has exactly the users "admin@contoso.com"

  @r-acc-4
  Scenario: An unknown field is refused rather than ignored
    When the administrator sends POST "/api/{account}/users" with JSON '{"name":"B.Simon","email":"b@contoso.com","passwrd":"x"}'
    Then the answer is 422 with error code "invalid_field"
    And the account has exactly the users "admin@contoso.com"

  @r-acc-4
  Scenario: A body that is not JSON is refused
    When the administrator sends POST "/api/{account}/users" with content type "text/plain" and body:
      """
      name=B.Simon
      """
    Then the answer is 415 with error code "unsupported_media_type"

  @r-acc-4
  Scenario: An oversized body is refused before it is decoded
    When the administrator sends POST "/api/{account}/users" with a JSON body of 80 KiB
    Then the answer is 413 with error code "payload_too_large"
    And the account has exactly the users "admin@contoso.com"

  @r-pw-1
  Scenario: A login form without a password is refused as malformed
    When the browser posts the login form of LIVE with only the email "b.simon@contoso.com"
    Then the answer is 400 with error code "malformed_form"

  @r-acc-1
  Scenario: An unknown endpoint answers with a code
    When an anonymous client sends GET "/api/{account}/nothing-here"
    Then the answer is 404 with error code "not_found"

  @r-acc-1
  Scenario: A wrong method answers with a code
    When an anonymous client sends DELETE "/live/{account}/login"
    Then the answer is 405 with error code "method_not_allowed"

  @r-acc-4
  Scenario: A user ID that is not a number is simply not found
    When the administrator sends GET "/api/{account}/users/abc"
    Then the answer is 404 with error code "user_not_found"
