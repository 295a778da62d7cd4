Feature: Which Google accounts may sign in

  Background:
    Given the customer account "112501524864919680"
    And a mock Google with a web client for the account
    And Google has the Workspace user "jsmith@contoso.com" in "contoso.com"
    And Google has the Workspace user "eve@fabrikam.com" in "fabrikam.com"
    And Google has the consumer account "ann.example@gmail.com"

  @r-go-4 @r-prov-3
  Scenario: A Google account without a DigitalSuite user is refused and nothing is created
    Given the administrator configures Google sign-in for LIVE
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the SP refuses the Google sign-in with "google_unknown_user"
    And the account has exactly the users "admin@contoso.com"

  @r-go-4
  Scenario: The DigitalSuite user with the same email signs in
    Given the administrator configures Google sign-in for LIVE
    And the administrator provisions "J Smith" with email "JSmith@Contoso.com" and no password
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And the browser is signed in to LIVE as "JSmith@Contoso.com"

  @r-go-4 @r-prov-1 @r-prov-2
  Scenario: With auto-provisioning in LIVE, the user is created with the product's defaults
    Given the administrator configures Google sign-in for LIVE with auto-provisioning
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And the account lists the user "jsmith@contoso.com" with:
      | name         | jsmith             |
      | profile      | User               |
      | ide_language | en                 |
      | language     | en                 |
      | has_password | false              |

  @r-prov-3
  Scenario: TEST never creates users, and auto-provisioning cannot be switched on there
    When the administrator sends the Google configuration for TEST with "auto_provisioning" set to "true"
    Then the answer is 422 with error code "auto_provisioning_live_only"
    Given the administrator configures Google sign-in for TEST
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=TEST"
    Then the SP refuses the Google sign-in with "google_unknown_user"
    And the account has exactly the users "admin@contoso.com"

  @r-prov-3
  Scenario: A TEST configuration that says auto-provisioning anyway still creates nobody
    Given the administrator configures Google sign-in for TEST
    And the store holds the TEST Google configuration with auto-provisioning switched on
    When "jsmith@contoso.com" signs in with Google from "/live/{account}/google/login?P_mode=TEST"
    Then the SP refuses the Google sign-in with "google_unknown_user"
    And the account has exactly the users "admin@contoso.com"

  @r-go-5
  Scenario Outline: domain=contoso.com admits only accounts whose hd claim is contoso.com
    Given the administrator configures Google sign-in for LIVE with auto-provisioning
    When "<email>" signs in with Google from "/live/{account}?from=google&domain=contoso.com"
    Then the SP refuses the Google sign-in with "<code>"

    Examples:
      | email                 | code                  |
      | eve@fabrikam.com      | google_wrong_domain   |
      | ann.example@gmail.com | google_domain_missing |

  @r-go-5
  Scenario: The right domain is admitted
    Given the administrator configures Google sign-in for LIVE with auto-provisioning
    When "jsmith@contoso.com" signs in with Google from "/live/{account}?from=google&domain=contoso.com"
    Then the login succeeds and lands on "/live/{account}?from=google&domain=contoso.com"

  @r-go-5
  Scenario: Removing the hd hint on the way to Google does not lift the restriction
    Given the administrator configures Google sign-in for LIVE with auto-provisioning
    And Google will sign in "ann.example@gmail.com"
    When the browser opens "/live/{account}?from=google&domain=contoso.com"
    And the browser follows the redirect to Google without the hd parameter
    And the browser follows Google's redirect back to the SP
    Then the SP refuses the Google sign-in with "google_domain_missing"

  @r-go-5
  Scenario: A domain policy of the mode restricts every Google sign-in
    Given the administrator configures Google sign-in for LIVE restricted to "contoso.com"
    And the administrator provisions "Eve" with email "eve@fabrikam.com" and no password
    When "eve@fabrikam.com" signs in with Google from "/live/{account}/google/login?P_mode=LIVE"
    Then the SP refuses the Google sign-in with "google_wrong_domain"

  @r-go-5
  Scenario: A Workspace account whose hd claim is missing is refused under a domain restriction
    Given the administrator configures Google sign-in for LIVE with auto-provisioning
    When Google's next tokens have the fault "hd_missing"
    And "jsmith@contoso.com" signs in with Google from "/live/{account}?from=google&domain=contoso.com"
    Then the SP refuses the Google sign-in with "google_domain_missing"

  @r-go-5
  Scenario: An hd claim of another domain is refused under a domain restriction
    Given the administrator configures Google sign-in for LIVE with auto-provisioning
    When Google's next tokens have the fault "hd_different"
    And "jsmith@contoso.com" signs in with Google from "/live/{account}?from=google&domain=contoso.com"
    Then the SP refuses the Google sign-in with "google_wrong_domain"
