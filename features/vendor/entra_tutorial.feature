@r-en-1
Feature: The Entra ID gallery tutorial works as written
  Sign-on URL /live/<tenant id>; SSO redirect = Login URL; Logout redirect = Logout URL; NameID
  format emailAddress; the Base64 certificate pasted as is; B.Simon provisioned by hand.

  Background:
    Given the customer account "112501524864919680"
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password

  @r-sa-2 @r-sa-4
  Scenario: B.Simon signs in from the sign-on URL
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  @r-sa-5
  Scenario: B.Simon signs out of DigitalSuite and of the identity provider
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser logs out of LIVE
    And the browser follows the redirect to the identity provider
    Then the identity provider received a LogoutRequest for "B.Simon@contoso.com"
    When the browser follows the redirect back to the SP
    Then the browser is redirected to "/live/{account}/signed-out?P_mode=LIVE"
    And the browser has no session in LIVE, answered "authentication_required"
    When the browser opens "/live/{account}" and the identity provider shows its login page
    Then the identity provider received 2 AuthnRequests

  @r-sa-2
  Scenario: A protected resource leads to the identity provider and back to the resource
    Given the administrator publishes an application "apps/timesheet" open to everybody
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}/apps/timesheet"
    Then the login succeeds and lands on "/live/{account}/apps/timesheet"
    When the browser follows the redirect
    Then the page is shown and contains "application apps/timesheet"

  Scenario: An SP the identity provider does not know is shown Entra's AADSTS700016
    Given another customer account "998877665544332211"
    And the steps address account "998877665544332211"
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When the browser opens "/live/998877665544332211"
    And the browser follows the redirect to the identity provider
    Then the identity provider shows the error "AADSTS700016"
    And the last AuthnRequest the identity provider received was issued for account "998877665544332211"
    And the browser has no session in LIVE, answered "authentication_required"

  @r-en-2
  Scenario: The identifier is one instance: a second account cannot take the same SP entity ID
    Given another customer account "998877665544332211"
    When the steps address account "998877665544332211"
    And the administrator configures SAML for LIVE with the SP entity ID of account "112501524864919680"
    Then the answer is 409 with error code "entity_id_taken"
