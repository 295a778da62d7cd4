@r-go-1 @r-acc-2
Feature: The Google configuration of a mode, as the administrator sees and sends it
  The API shows what is configured and never the client secret itself; a configuration without
  a client ID or a secret is refused and changes nothing.

  Background:
    Given the customer account "112501524864919680"
    And a mock Google with a web client for the account

  Scenario: The configuration shows the client ID and that a secret is set, not the secret
    Given the administrator configures Google sign-in for LIVE restricted to "contoso.com"
    When the administrator sends GET "/api/{account}/modes/LIVE/google"
    Then the answer is 200
    And the answer has field "/client_id" equal to "1234987819200-contoso.apps.googleusercontent.com"
    And the answer has field "/client_secret_set" equal to "true"
    And the answer has field "/domain" equal to "contoso.com"
    And the answer has field "/auto_provisioning" equal to "false"
    And the answer does not contain "GOCSPX-contoso-mock-secret"

  Scenario Outline: A configuration without <what> is refused with invalid_client and stores nothing
    When the administrator sends the Google configuration for LIVE with "<field>" set to "<value>"
    Then the answer is 422 with error code "invalid_client"
    When the administrator sends GET "/api/{account}/modes/LIVE/google"
    Then the answer is 404 with error code "google_not_configured"

    Examples:
      | what                     | field         | value |
      | a client ID              | client_id     |       |
      | a client secret          | client_secret |       |

  Scenario Outline: A domain that is not a DNS name (<what>) is refused with invalid_domain and stores nothing
    When the administrator sends the Google configuration for LIVE with "domain" set to "<value>"
    Then the answer is 422 with error code "invalid_domain"
    When the administrator sends GET "/api/{account}/modes/LIVE/google"
    Then the answer is 404 with error code "google_not_configured"

    Examples:
      | what            | value          |
      | empty           |                |
      | no dot          | contoso        |
      | a path          | contoso.com/hr |
      | an email        | hr@contoso.com |
      | a space inside  | contoso .com   |

  Scenario: Deleting the configuration answers 204 and leaves the mode without Google sign-in
    Given the administrator configures Google sign-in for LIVE restricted to "contoso.com"
    When the administrator sends DELETE "/api/{account}/modes/LIVE/google"
    Then the answer is 204
    When the administrator sends GET "/api/{account}/modes/LIVE/google"
    Then the answer is 404 with error code "google_not_configured"
