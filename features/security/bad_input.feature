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

  @r-acc-4 @security
  Scenario: A Google client ID with NUL or another control character is refused, nothing stored
    When the administrator sends PUT "/api/{account}/modes/LIVE/google" with JSON '{"client_id":"a\u0000b","client_secret":"s","discovery_url":"https://accounts.google.com/.well-known/openid-configuration"}'
    Then the answer is 422 with error code "invalid_field"
    When the administrator sends PUT "/api/{account}/modes/LIVE/google" with JSON '{"client_id":"a\u0007b","client_secret":"s","discovery_url":"https://accounts.google.com/.well-known/openid-configuration"}'
    Then the answer is 422 with error code "invalid_field"
    When the administrator sends GET "/api/{account}/modes/LIVE/google"
    Then the answer is 404

  @r-acc-4 @security
  Scenario: An Apple configuration with NUL or a line break in an identifier is refused, nothing stored
    When the administrator sends PUT "/api/{account}/apple" with JSON '{"bundle_id":"a\u0000b","team_id":"T","key_id":"K","private_key":"x"}'
    Then the answer is 422 with error code "invalid_field"
    When the administrator sends PUT "/api/{account}/apple" with JSON '{"bundle_id":"com.x","team_id":"T\nU","key_id":"K","private_key":"x"}'
    Then the answer is 422 with error code "invalid_field"
    When the administrator sends GET "/api/{account}/apple"
    Then the answer is 404

  @r-acc-4 @security
  Scenario: A user name with NUL is refused
    When the administrator sends POST "/api/{account}/users" with JSON '{"name":"B.\u0000Simon","email":"b@contoso.com"}'
    Then the answer is 422 with error code "invalid_field"
    And the account has exactly the users "admin@contoso.com"

  @r-acc-1 @reliability
  Scenario Outline: What the HTTP layer refuses is answered with a code too
    When a raw client sends "<request>" to the SP
    Then the answer is <status> with error code "<code>"
    And the answer has the header "content-type" equal to "application/json"
    And the answer has the header "x-content-type-options" equal to "nosniff"

    Examples:
      | request                                                                               | status | code              |
      | GET /live/{account}/{repeat:20000:a} HTTP/1.1{crlf}Host: sp{crlf}Connection: close{crlf}{crlf} | 414    | uri_too_long      |
      | GET /live/{account}/{repeat:100000:a} HTTP/1.1{crlf}Host: sp{crlf}{crlf}                     | 414    | uri_too_long      |
      | GET /live/{account}/{repeat:2000000:a} HTTP/1.1{crlf}Host: sp{crlf}{crlf}                    | 431    | headers_too_large |
      | GET /live/{account}/login HTTP/1.1{crlf}Host: sp{crlf}Connection: close{crlf}{headers:150}{crlf} | 431    | headers_too_large |
      | GET /live/{account}/login HTTP/1.1{crlf}Host: sp{crlf}{headers:1100}{crlf}                   | 431    | headers_too_large |
      | GET /live/%ff/login HTTP/1.1{crlf}Host: sp{crlf}Connection: close{crlf}{crlf}                  | 400    | invalid_path      |
      | GET /live/{account}/%C0%AF HTTP/1.1{crlf}Host: sp{crlf}Connection: close{crlf}{crlf}           | 400    | invalid_path      |
      | GARBAGE{crlf}{crlf}                                                                       | 400    | malformed_request |
