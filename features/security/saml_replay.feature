@r-sa-6
Feature: An assertion is remembered for as long as any of its times would still accept it

  The replay cache keeps an assertion ID until the later of its Conditions and confirmation
  NotOnOrAfter, plus the clock skew the time checks allow. Okta's assertions live five minutes,
  so a replay four minutes later passes every time check and must be caught by the cache itself
  (the request is used up too, but that is a second line, with its own code).

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock okta identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says

  Scenario: The same Response posted again four minutes later is refused as a replay
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    When the clock moves 240 seconds on
    And the browser posts the same SAML Response again
    Then the SP refuses the Response with "saml_replayed_assertion"
