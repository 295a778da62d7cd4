@vendor @r-ven-1
Feature: check-response judges a captured SAMLResponse rule by rule, as the reference SP's ACS does

  A vendor or a customer's IT team captures what their IdP posts and asks: would the reference SP
  accept it, and if not, what exactly is wrong and where do I fix it? The report runs the ACS's
  own checks, all of them, and names each failure's rule, clause and fix.

  Background:
    Given the customer account "112501524864919680"

  Scenario Outline: A correct Response from each vendor profile passes every rule
    Given a mock <vendor> identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor checks the Response the identity provider posted
    Then every rule passes
    And the report shows the message with its assertion marked as signed

    Examples:
      | vendor           |
      | entra-id         |
      | okta             |
      | google-workspace |

  Scenario Outline: Each fault of the IdP fails its own rule, with the fix in Entra's terms, and nothing else
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"
    When the identity provider's next Response has the fault "<fault>"
    And the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor checks the Response the identity provider posted
    Then exactly the rules "<rule>" fail, with "<code>"
    And the fix for "<rule>" says "<fix>"

    Examples:
      | fault                             | rule                        | code                         | fix                            |
      | wrong_audience                    | conditions.audience         | saml_wrong_audience          | Identifier (Entity ID)         |
      | wrong_destination                 | response.destination        | saml_wrong_destination       | Reply URL                      |
      | wrong_recipient                   | subject.bearer_confirmation | saml_wrong_recipient         | Reply URL                      |
      | response_issuer_wrong             | response.issuer             | saml_wrong_issuer            | Azure AD Identifier            |
      | assertion_issuer_wrong            | assertion.issuer            | saml_wrong_issuer            | Azure AD Identifier            |
      | conditions_expired                | conditions.not_on_or_after  | saml_expired                 | clock                          |
      | not_yet_valid_past_skew           | conditions.not_before       | saml_not_yet_valid           | clock                          |
      | confirmation_expired              | subject.bearer_confirmation | saml_confirmation_expired    | NotOnOrAfter                   |
      | confirmation_in_response_to_wrong | subject.bearer_confirmation | saml_wrong_in_response_to    | InResponseTo                   |
      | response_issued_past_skew         | response.issue_instant      | saml_issue_instant_future    | NTP                            |
      | no_authn_statement                | assertion.authn_statement   | saml_missing_authn_statement | AuthnStatement                 |
      | name_id_persistent                | subject.name_id_format      | saml_name_id_format          | Email address                  |
      | name_id_trailing_space            | subject.name_id_email       | saml_name_id_not_email       | Unique User Identifier         |
      | untrusted_key                     | signature                   | saml_bad_signature           | SAML Certificates              |
      | unsigned                          | signature                   | saml_unsigned                | Signing Option                 |

  Scenario: Every failure is reported at once, not only the first the ACS would answer with
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"
    When the identity provider's next Response has the fault "wrong_issuer"
    And the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor checks the Response the identity provider posted
    Then exactly the rules "response.issuer, assertion.issuer" fail, with "saml_wrong_issuer, saml_wrong_issuer"

  Scenario: An IdP's refusal ends the judgement: what an error Response lacks is not judged
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"
    When the identity provider's next Response has the fault "status_requester"
    And the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor checks the Response the identity provider posted
    Then exactly the rules "response.status" fail, with "saml_status_requester"
    And every rule after "response.status" is not judged

  Scenario: A Response to another request fails the request-ID rule only; without the ID it is not judged
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor checks the Response the identity provider posted, as an answer to request "id-of-another-request"
    Then exactly the rules "response.request_id" fail, with "saml_unknown_request"
    When the vendor checks the Response the identity provider posted, without the request ID
    Then the rule "response.request_id" is not judged

  Scenario Outline: The capture may be the posted value, the XML, a HAR file or a SAML-tracer export
    Given a mock okta identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"
    When the identity provider's next Response has the fault "wrong_audience"
    And the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor checks the Response the identity provider posted, captured as <shape>
    Then exactly the rules "conditions.audience" fail, with "saml_wrong_audience"
    And the fix for "conditions.audience" says "Audience URI (SP Entity ID)"

    Examples:
      | shape       |
      | value       |
      | xml         |
      | har         |
      | saml-tracer |

  Scenario Outline: The report is text, JSON or JUnit, each saying the same
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"
    When the identity provider's next Response has the fault "wrong_destination"
    And the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor checks the Response the identity provider posted
    Then the <format> report says 1 rule failed, among them "response.destination"

    Examples:
      | format |
      | text   |
      | json   |
      | junit  |

  Scenario: The command's exit code says whether the SP would accept the Response
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor runs check-response on the captured Response with "--profile entra-id"
    Then the command exits with 0 and prints "every rule passed"

  Scenario: A rule broken is exit code 1; an input with nothing to judge is exit code 2
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"
    When the identity provider's next Response has the fault "wrong_audience"
    And the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor runs check-response on the captured Response with "--profile entra-id --format junit"
    Then the command exits with 1 and prints '<failure type="saml_wrong_audience"'
    When the vendor runs check-response on a HAR file in which nothing was posted
    Then the command exits with 2 and prints "no SAMLResponse was posted in this capture"

  Scenario: The README's example runs as written and prints what the README shows
    When the vendor runs the README's check-response example
    Then the command exits with 1 and prints "1 rule(s) failed: the reference SP refuses this Response"

  Scenario: harness report judges a folder of captures into one JUnit file and a Markdown summary
    Given a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And the identity provider will sign in "B.Simon@contoso.com"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor saves the Response the identity provider posted as "1-good.txt", captured as value
    And the identity provider will sign in "B.Simon@contoso.com"
    And the identity provider's next Response has the fault "wrong_audience"
    And the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the vendor saves the Response the identity provider posted as "2-wrong.har", captured as har
    And the vendor runs harness report on the saved captures
    Then the command exits with 1 and prints "2 message(s) judged, 1 refused"
    And the Markdown summary lists "1-good.txt" as accepted, and "2-wrong.har" as refused for "conditions.audience"
