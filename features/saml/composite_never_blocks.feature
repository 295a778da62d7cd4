Feature: A composite API never blocks the sign-in (R-CA-3), observed without timing
  The composite API takes the call and answers only when the scenario releases it, on an SP
  willing to wait 30 seconds: the sign-in must be complete before the answer exists.

  @r-ca-3
  Scenario: The sign-in completes while the composite API is still answering
    Given an SP that waits up to 30 seconds for composite APIs
    And the customer account "112501524864919680"
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And a composite API bound to "user_authentication" that holds its answer until released
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}" while the composite API holds its answer
    Then the login succeeds and lands on "/live/{account}"
    And the composite API has the call but has not answered, and nothing is recorded yet
    When the composite API is released
    Then the composite-API call for "user_authentication" is recorded as "ok" with error ""
