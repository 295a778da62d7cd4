@browser @vendor
Feature: A refused sign-in leads a person to its conformance report, in a real browser
  What an IdP vendor or a customer's IT team sees when the SP refuses their IdP's Response: the
  refusal page names the code and links to the report, which says rule by rule what was wrong,
  the clause, and what to change in the IdP's portal.

  Background:
    Given the SP keeps a report of every SAML message it receives
    And the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And a real browser

  @r-ven-3 @r-ui-1
  Scenario: From the "Sign-in refused" page to the rule that failed, and back to the list
    When the identity provider's next Response has the fault "wrong_audience"
    And the person opens "/live/{account}"
    Then the browser is at the identity provider's login page
    When the person types "B.Simon@contoso.com" into "Username"
    And the person types "BSimon-Idp-2026" into "Password"
    And the person presses "Sign in"
    Then the browser shows "Sign-in refused" on the page "/live/{account}/saml/acs"
    And the page announces "not addressed to this service provider"
    When the person follows "Read the conformance report of this message"
    Then the browser shows "conditions.audience" at "/vendor/reports/1"
    And the browser shows "saml-core §2.5.1.4"
    And the browser shows "Identifier (Entity ID)"
    And the browser shows "saml_wrong_audience"
    When the person follows "All reports"
    Then the browser shows "Conformance reports" at "/vendor/reports"
    And the real browser has no session in LIVE
