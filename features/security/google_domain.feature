@security @r-go-5
Feature: The mode's Google domain policy cannot be overridden from the URL
  A mode restricted to contoso.com stays restricted whatever a link says: a request naming
  another domain is refused before anything is sent to Google, by every trigger, and nobody is
  signed in or created. Without a policy, a requested domain is still enforced on the hd claim.

  Background:
    Given the customer account "112501524864919680"
    And a mock Google with a web client for the account
    And Google has the Workspace user "jsmith@contoso.com" in "contoso.com"
    And Google has the Workspace user "eve@evil.example" in "evil.example"
    And the administrator configures Google sign-in for LIVE restricted to "contoso.com" with auto-provisioning

  Scenario Outline: A sign-in asking for another domain is refused: <trigger>
    Given Google will sign in "eve@evil.example"
    When the browser opens "<url>"
    Then the SP refuses the Google sign-in with "google_domain_mismatch"
    And Google received 0 authorization requests
    And the browser has no session in LIVE, answered "authentication_required"
    And the account has exactly the users "admin@contoso.com"

    Examples:
      | trigger              | url                                                                 |
      | direct login         | /live/{account}/google/login?P_mode=LIVE&domain=evil.example       |
      | resource URL         | /live/{account}/apps/timesheet?from=google&domain=evil.example     |
      | Marketplace          | /live/{account}/google/marketplace?P_mode=LIVE&domain=evil.example |

  Scenario: The Google policy form cannot ask for another domain either
    When the browser posts the login form of LIVE with the Google policy and the domain "evil.example"
    Then the SP refuses the Google sign-in with "google_domain_mismatch"
    And Google received 0 authorization requests
    And the account has exactly the users "admin@contoso.com"

  Scenario: Repeating the mode's own domain is fine, in any letter case
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE&domain=Contoso.COM"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And the browser is signed in to LIVE as "jsmith@contoso.com"

  @r-go-4
  Scenario: A Google email with surrounding whitespace is refused, never trimmed onto a user
    Given Google has the Workspace user "jsmith@contoso.com " in "contoso.com"
    When "jsmith@contoso.com " signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the SP refuses the Google sign-in with "google_invalid_email"
    And the browser has no session in LIVE, answered "authentication_required"
    And the account has exactly the users "admin@contoso.com"
