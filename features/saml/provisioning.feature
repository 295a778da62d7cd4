Feature: Auto-provisioning of SAML users, LIVE only

  Background:
    Given the customer account "112501524864919680"
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the identity provider also serves the account's TEST mode
    And the administrator publishes an application "apps/timesheet" open to everybody

  @r-prov-1 @r-prov-2
  Scenario: An unknown user is created in LIVE with the product's defaults
    Given the administrator configures SSO with Samlv2 for LIVE with auto-provisioning
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}/apps/timesheet"
    Then the login succeeds and lands on "/live/{account}/apps/timesheet"
    When the browser follows the redirect
    Then the page is shown and contains "application apps/timesheet"
    And the account lists the user "B.Simon@contoso.com" with:
      | name         | B.Simon             |
      | email        | B.Simon@contoso.com |
      | profile      | User                |
      | ide_language | en                  |
      | language     | en                  |
      | status       | active              |
      | has_password | false               |

  @r-prov-3 @r-sa-4
  Scenario: With auto-provisioning off, an unknown user is refused and nothing is created
    Given the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "saml_unknown_user"
    And the account has exactly the users "admin@contoso.com"

  @r-prov-3
  Scenario: TEST never creates users
    Given the administrator configures SSO with Samlv2 for TEST as the tutorial says
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}?P_mode=TEST"
    Then the SP refuses the Response with "saml_unknown_user"
    And the account has exactly the users "admin@contoso.com"

  @r-prov-3
  Scenario: A TEST configuration that says auto-provisioning anyway still creates nobody
    Given the administrator configures SSO with Samlv2 for TEST as the tutorial says
    And the store holds the TEST SAML configuration with auto-provisioning switched on
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}?P_mode=TEST"
    Then the SP refuses the Response with "saml_unknown_user"
    And the account has exactly the users "admin@contoso.com"

  @r-prov-3
  Scenario: Auto-provisioning cannot even be switched on outside LIVE
    When the administrator sends the SAML configuration for ACCEPTANCE with "auto_provisioning" set to "true"
    Then the answer is 422 with error code "auto_provisioning_live_only"

  @r-prov-1 @r-sa-4
  Scenario: A known user is signed in, not created again, whatever the case of the NameID
    Given the administrator configures SSO with Samlv2 for LIVE with auto-provisioning
    And the administrator provisions "Bea Simon" with email "b.simon@CONTOSO.com" and no password
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the account has exactly the users "admin@contoso.com, b.simon@CONTOSO.com"
