@security
Feature: The SAML subject is used exactly as signed; nothing ambiguous signs anybody in
  A signed Response is only as good as what the SP reads from it. The NameID is taken exactly
  as signed (never trimmed, never cleaned into an address), the subject has exactly one
  identifier, its qualifiers and the Issuer's format name the parties of this sign-in, the
  times the profile implies hold, and the text the SP reads is the text libxml2 verified.
  Auto-provisioning is on, so a lenient SP would also create a user: none is created.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "Contoso Root" with email "root@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE with auto-provisioning

  @r-sa-4
  Scenario Outline: A signed NameID with <what> is refused, never trimmed into an address
    When the identity provider's next Response has the fault "<fault>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "saml_name_id_not_email"
    And the browser has no session in LIVE, answered "authentication_required"
    And the account has exactly the users "admin@contoso.com, root@contoso.com"

    Examples:
      | what                        | fault                    |
      | a leading space             | name_id_leading_space    |
      | a trailing space            | name_id_trailing_space   |
      | a leading tab               | name_id_leading_tab      |
      | a trailing line feed        | name_id_trailing_newline |
      | a trailing carriage return  | name_id_trailing_cr      |
      | a trailing no-break space   | name_id_nbsp             |
      | a zero-width space          | name_id_zero_width_space |
      | a trailing NEL control      | name_id_nel              |

  @r-sa-4 @r-sa-6
  Scenario: A comment inside a signed NameID is refused before the signature is checked
    When the identity provider's next Response has the fault "name_id_comment_suffix"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "saml_xml_comment"
    And the browser has no session in LIVE, answered "authentication_required"
    And the account has exactly the users "admin@contoso.com, root@contoso.com"

  @r-sa-4 @r-sa-6
  Scenario: A comment slipped into a signed NameID in transit cannot shorten it onto another user
    Given the identity provider has the user "mallory" with email "root@contoso.com.evil.example" and role "User"
    And the identity provider will sign in "root@contoso.com.evil.example"
    When the browser opens "/live/{account}"
    And the browser follows the redirect to the identity provider
    And the browser posts the identity provider's form with ">root@contoso.com.evil.example</NameID>" replaced by ">root@contoso.com<!---->.evil.example</NameID>"
    Then the SP refuses the Response with "saml_xml_comment"
    And the browser has no session in LIVE, answered "authentication_required"
    And the account has exactly the users "admin@contoso.com, root@contoso.com"

  @r-sa-4
  Scenario Outline: The Subject must hold exactly one identifier, counted everywhere: <what>
    When the identity provider's next Response has the fault "<fault>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "saml_subject_identifier_count", saying "found <n>"
    And the browser has no session in LIVE, answered "authentication_required"
    And the account has exactly the users "admin@contoso.com, root@contoso.com"

    Examples:
      | what                                      | fault                        | n |
      | two NameIDs                               | two_name_ids                 | 2 |
      | a NameID in the SubjectConfirmation too   | confirmation_name_id         | 2 |
      | the NameID only in the SubjectConfirmation | name_id_only_in_confirmation | 1 |

  @r-sa-6 @r-sa-4
  Scenario Outline: An ambiguous or misdated Response is refused: <what>
    When the identity provider's next Response has the fault "<fault>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "<code>"
    And the browser has no session in LIVE, answered "authentication_required"
    And the account has exactly the users "admin@contoso.com, root@contoso.com"

    Examples:
      | what                                    | fault                       | code                          |
      | an EncryptedID beside the NameID        | name_id_and_encrypted_id    | saml_subject_identifier_count |
      | a BaseID beside the NameID              | name_id_and_base_id         | saml_subject_identifier_count |
      | an SPNameQualifier of another SP        | sp_name_qualifier_other     | saml_name_id_qualifier        |
      | a NameQualifier of another IdP          | name_qualifier_other        | saml_name_id_qualifier        |
      | a Response Issuer not of entity format  | response_issuer_format      | saml_issuer_format            |
      | an Assertion Issuer not of entity format | assertion_issuer_format    | saml_issuer_format            |
      | a Response issued 24 h ago              | response_issued_a_day_ago   | saml_issue_instant_stale      |
      | a Response dated 24 h ahead             | response_issued_a_day_ahead | saml_issue_instant_future     |
      | an Assertion issued 24 h ago            | assertion_issued_a_day_ago  | saml_issue_instant_stale      |
      | an Assertion dated 24 h ahead           | assertion_issued_a_day_ahead | saml_issue_instant_future    |
      | an IdP session that already ended       | session_ended               | saml_session_expired          |
      | an XML declaration of UTF-7             | encoding_utf7               | saml_encoding_not_utf8        |
      | an XML declaration of UTF-16            | encoding_utf16              | saml_encoding_not_utf8        |
      | an XML declaration of ISO-8859-1        | encoding_latin1             | saml_encoding_not_utf8        |

  @r-sa-6
  Scenario Outline: What the profile allows is still accepted: <what>
    When the identity provider's next Response has the fault "<option>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

    Examples:
      | what                                           | option                 |
      | qualifiers naming this IdP and this SP         | name_id_qualified      |
      | an XML declaration of UTF-8                    | encoding_utf8_declared |
      | a SessionNotOnOrAfter five minutes from now    | session_ends_soon      |

  @r-sa-6
  Scenario: The SP session never outlives the IdP's SessionNotOnOrAfter
    When the identity provider's next Response has the fault "session_ends_soon"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the browser is signed in to LIVE as "B.Simon@contoso.com"
    When the clock moves 6 minutes on
    Then the browser has no session in LIVE, answered "authentication_required"
