@vendor @r-ven-3
Feature: Vendor mode keeps every SAML message the SP receives, with its report
  Under `harness up` (and here, in a stack started the same way) each Response, LogoutRequest
  and LogoutResponse that reaches the SP is kept, accepted or refused, with the rule-by-rule
  report check-response gives, and served at /vendor/reports (HTML and JSON), newest first.
  A refusal points at its report. The last row of a report is the SP's own answer, which also
  covers what only its store can judge: the request this browser started, replay, the user.

  Background:
    Given the SP keeps a report of every SAML message it receives
    And the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says

  Scenario: An accepted sign-in is kept with every rule passed
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the browser is signed in to LIVE as "B.Simon@contoso.com"
    And the SP kept 1 report, the newest a Response answered "accepted"
    And report 1 says all 28 rules passed
    And report 1 prints the message with "NameID" inside a signed element

  Scenario: A refused Response answers with a link to its report, which names the rule, the clause and the fix
    When the identity provider's next Response has the fault "wrong_audience"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "saml_wrong_audience"
    And the SP's refusal links to report 1
    And the browser has no session in LIVE, answered "authentication_required"
    And report 1 says "conditions.audience" failed with "saml_wrong_audience", clause "saml-core §2.5.1.4", fix 'set "Identifier (Entity ID)" to'
    And report 1 says "sp.answer" failed with "saml_wrong_audience", clause "saml-profiles §4.1.4.3", fix "the first of them decided"

  Scenario: A person whose sign-in is refused sees a page that links to the report
    When the identity provider's next Response has the fault "wrong_destination"
    And "B.Simon@contoso.com" signs in at the identity provider from "/live/{account}" and the browser stops at its form
    And the browser posts the identity provider's form to the SP, accepting an HTML page
    Then the browser is shown the page "Sign-in refused" with "saml_wrong_destination" and a link to report 1
    And the browser has no session in LIVE, answered "authentication_required"

  Scenario: A replayed Response passes every rule of its own, and the SP's answer names the replay
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser posts the same SAML Response again
    Then the SP refuses the Response with "saml_replayed_assertion"
    And the SP kept 2 reports, the newest a Response answered "saml_replayed_assertion"
    And report 2 says "sp.answer" failed with "saml_replayed_assertion", clause "§4.1.4.5", fix "accepted once"
    And report 2 says no rule but "sp.answer" failed
    And report 2 prints the message with "NameID" inside a signed element

  Scenario: A LogoutRequest from the IdP is kept as accepted
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the identity provider signs "B.Simon@contoso.com" out of every app
    And the browser follows the redirect to the identity provider
    Then the identity provider received a LogoutResponse from the SP, unsigned
    And the SP kept 2 reports, the newest a LogoutRequest answered "accepted"
    And report 2 says all 11 rules passed
    And report 2 prints the message with "LogoutRequest", nothing marked as signed

  Scenario: A refused LogoutResponse links to its report, which names the broken rule
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser logs out of LIVE
    And the identity provider's next logout message has the fault "logout_bad_signature"
    And the browser follows the redirect to the identity provider
    And the browser follows the redirect back to the SP
    Then the SP refuses the Response with "saml_bad_signature"
    And the SP's refusal links to report 2
    And the SP kept 2 reports, the newest a LogoutResponse answered "saml_bad_signature"
    And report 2 says "logout.signature" failed with "saml_bad_signature", clause "saml-bindings §3.4.4.1", fix "Sign logout messages with the key"
    And report 2 says no rule but "logout.signature" and "sp.answer" failed

  Scenario: harness report writes the kept reports down as JUnit and Markdown
    When the identity provider's next Response has the fault "wrong_audience"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the vendor runs harness report on the SP's kept reports
    Then harness report exits 1
    And its JUnit file holds 2 messages, "conditions.audience" failed in message 1 only
    And its Markdown summary lists message 2 as accepted and message 1 as refused for "conditions.audience"

  Scenario Outline: A report that is not kept is a clear 404
    When the vendor opens the report "<n>"
    Then the answer is 404 with error code "report_not_found"

    Examples:
      | n      |
      | 1      |
      | 0.json |
      | abc    |
