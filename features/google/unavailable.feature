@r-go-1
Feature: Google sign-in that cannot start says why
  A mode without Google, or a Google the SP cannot reach, is refused with its own code and
  status before anybody is sent anywhere, and nobody is signed in.

  Background:
    Given the customer account "112501524864919680"
    And a mock Google with a web client for the account

  Scenario: A mode without Google configured answers 404 google_not_configured
    Given the administrator configures Google sign-in for LIVE
    When an anonymous client sends GET "/live/{account}/google/login?P_mode=TEST"
    Then the answer is 404 with error code "google_not_configured"

  Scenario: A discovery document Google does not serve answers 502 google_provider_unavailable
    Given the administrator configures Google sign-in for LIVE with a discovery URL that answers 404
    When an anonymous client sends GET "/live/{account}/google/login?P_mode=LIVE"
    Then the answer is 502 with error code "google_provider_unavailable"
    And Google received 0 authorization requests
