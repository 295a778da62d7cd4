Feature: One fault, one rule: each check of the ACS and of single logout is proven on its own
  Every fault below changes exactly one thing in an otherwise correct, correctly signed message,
  so the scenario fails if that one check is lost. The time faults sit one second either side
  of the SP's 120-second skew, driven by the scenario's fixed clock.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says

  @r-sa-6
  Scenario Outline: A Response with one thing wrong is refused with that thing's code
    When the identity provider's next Response has the fault "<fault>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "<code>"
    And the browser has no session in LIVE, answered "authentication_required"

    @r-sa-6
    Examples: Issuers, each on its own
      | fault                  | code              |
      | response_issuer_wrong  | saml_wrong_issuer |
      | assertion_issuer_wrong | saml_wrong_issuer |

    @r-sa-6
    Examples: Time windows, each on its own and one second past the skew
      | fault                          | code                    |
      | conditions_expired             | saml_expired            |
      | confirmation_expired           | saml_confirmation_expired |
      | not_yet_valid_past_skew        | saml_not_yet_valid      |
      | conditions_expired_past_skew   | saml_expired            |
      | confirmation_expired_past_skew | saml_confirmation_expired |
      | response_issued_past_skew      | saml_issue_instant_future |
      | response_issued_stale          | saml_issue_instant_stale  |

    @r-sa-6 @r-sa-2
    Examples: InResponseTo, each on its own
      | fault                            | code                       |
      | response_in_response_to_wrong    | saml_wrong_in_response_to  |
      | confirmation_in_response_to_wrong | saml_wrong_in_response_to |

    @r-sa-6
    Examples: Structure
      | fault                   | code                         |
      | no_authn_statement      | saml_missing_authn_statement |
      | assertion_in_extensions | saml_assertion_count         |

  @r-sa-6
  Scenario Outline: At the edge of the skew a Response is still accepted (an end 119 s ago; a start, an IssueInstant 120 s ahead; issued 12 min ago)
    When the identity provider's next Response has the fault "<option>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"

    Examples:
      | option                           |
      | not_yet_valid_within_skew        |
      | conditions_expired_within_skew   |
      | confirmation_expired_within_skew |
      | response_issued_within_skew      |
      | response_issued_almost_stale     |

  @r-sa-5 @r-sa-10
  Scenario Outline: A LogoutResponse with one thing wrong is refused and lands nowhere
    Given the identity provider signs its logout messages
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    And the browser logs out of LIVE
    And the identity provider's next logout message has the fault "<fault>"
    And the browser follows the redirect to the identity provider
    And the browser follows the redirect back to the SP
    Then the SP refuses the Response with "<code>"

    Examples:
      | fault               | code                  |
      | logout_issuer_wrong | saml_wrong_issuer     |
      | logout_status_error | saml_status_error     |
      | logout_destination_wrong | saml_wrong_destination |
