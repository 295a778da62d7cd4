@security @r-acc-3
Feature: Every answer carries the security headers a browser needs
  The SP's own pages may run no script and never be framed; uploaded HTML may not be framed
  either; nothing is sniffed, no Referer leaks, and nothing tied to a session is cached, so Back
  after logout shows no signed-in page.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and password "BSimon-Pass-2026"

  Scenario: The standard login page is locked down
    When the browser opens "/live/{account}/login?P_mode=LIVE"
    Then the answer is 200
    And the answer has the header "content-security-policy" equal to "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    And the answer has the header "x-content-type-options" equal to "nosniff"
    And the answer has the header "referrer-policy" equal to "no-referrer"
    And the answer has no header "strict-transport-security"

  Scenario: A signed-in page and the login answer are never cached
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Pass-2026"
    Then the answer has the header "cache-control" equal to "no-store"
    When the browser opens "/live/{account}?P_mode=LIVE"
    Then the answer is 200
    And the answer has the header "cache-control" equal to "no-store"
    And the answer has the header "content-security-policy" equal to "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

  @r-pw-6
  Scenario: An uploaded HTML page may not be framed, and keeps its own scripts
    Given the administrator uploads a public HTML file "upload/login.html" with a login form for TEST
    When the browser opens "/live/{account}/upload/login.html"
    Then the answer is 200
    And the answer has the header "content-security-policy" equal to "frame-ancestors 'none'"
    And the answer has the header "x-content-type-options" equal to "nosniff"

  @r-sa-3
  Scenario: The identity provider's pages run no script but the hashed auto-post, which posts only to the SP
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    When the browser opens "/live/{account}" and the identity provider shows its login page
    Then the answer has the header "content-security-policy" equal to "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    And the answer has the header "x-content-type-options" equal to "nosniff"
    And the answer has the header "referrer-policy" equal to "no-referrer"
    When "B.Simon@contoso.com" signs in at the identity provider from "/live/{account}" and the browser stops at its form
    Then the answer has the header "content-security-policy" equal to "default-src 'none'; script-src 'sha256-ePniVEkSivX/c7XWBGafqh8tSpiRrKiqYeqbG7N1TOE='; form-action {sp}; frame-ancestors 'none'; base-uri 'none'"
    And the answer does not contain "onload"
