Feature: SSO with SAML 2.0 against each vendor profile

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password

  @r-sa-3
  Scenario: A user already signed in at the identity provider is not asked again
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the SP clock moves 8 hours on
    Then the browser has no session in LIVE, answered "authentication_required"
    When the browser opens "/live/{account}" and the identity provider answers by itself
    Then the login succeeds and lands on "/live/{account}"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  @r-sa-3
  Scenario: A browser without an identity-provider session gets its login page
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When the browser opens "/live/{account}" and the identity provider shows its login page
    Then the browser has no session in LIVE, answered "authentication_required"

  @r-sa-6
  Scenario Outline: Each vendor profile and signing option is accepted
    Given a mock <vendor> identity provider with B.Simon, serving the account's LIVE mode
    And the identity provider signs <what>
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

    Examples:
      | vendor           | what          |
      | entra-id         | the-assertion |
      | entra-id         | the-response  |
      | entra-id         | both          |
      | okta             | both          |
      | okta             | the-assertion |
      | google-workspace | the-assertion |
      | google-workspace | the-response  |

  @r-sa-1 @r-acc-2
  Scenario: Each mode has its own method: SAML in LIVE, Login/Password in TEST
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the administrator provisions "A.Jones" with email "a.jones@contoso.com" and password "AJones-Pass-2026"
    Then the LIVE mode uses saml with a limit of 5 failed attempts
    And the TEST mode uses login_password with a limit of 5 failed attempts
    When the browser opens "/live/{account}?P_mode=TEST"
    Then the browser is redirected to "/live/{account}/login?P_mode=TEST&next=%2Flive%2F{account}%3FP_mode%3DTEST"
    When the browser opens "/live/{account}"
    Then the browser is sent to the identity provider with an AuthnRequest

  @r-pw-2
  Scenario: Login/Password stays available when a mode uses SAML
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the administrator provisions "A.Jones" with email "a.jones@contoso.com" and password "AJones-Pass-2026"
    When "a.jones@contoso.com" logs in to LIVE with password "AJones-Pass-2026"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And the browser is signed in to LIVE as "a.jones@contoso.com"

  @r-sa-7
  Scenario: "Manage my account" goes to the configured account-management URL
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE with the account-management URL "https://myaccount.microsoft.com/"
    When the browser opens "/live/{account}/account"
    Then the browser is redirected to "https://myaccount.microsoft.com/"

  @r-sa-7
  Scenario: Without an account-management URL there is nowhere to go
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When the browser opens "/live/{account}/account"
    Then the answer is 404 with error code "account_management_not_configured"

  @r-sa-8
  Scenario: A role value in the assertion is recorded on the user
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the identity provider has the user "A.Jones" with email "a.jones@contoso.com" and role "Approver"
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the administrator provisions "A.Jones" with email "a.jones@contoso.com" and no password
    When "a.jones@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the account lists the user "a.jones@contoso.com" with:
      | saml_roles | ["Approver"] |
