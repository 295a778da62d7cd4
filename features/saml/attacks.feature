@r-sa-6
Feature: The ACS refuses the published SAML attacks, each with its own code
  The mock identity provider's attack faults (issue 16): signature wrapping in its documented
  shapes, weak or foreign signature algorithms, DTDs, look-alike URLs and issuers, a status that
  is not Success with an assertion attached, and replays. Each wrapped assertion names
  root@contoso.com, a real user of the account: an SP that reads the unsigned copy signs the
  attacker in as root. The reference SP refuses each one and opens no session for anybody.

  Background:
    Given the customer account "112501524864919680"
    And the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And the administrator provisions "Root" with email "root@contoso.com" and no password
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says

  Scenario Outline: An attack Response is refused with its specific code
    When the identity provider's next Response has the fault "<fault>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "<code>"
    And the browser has no session in LIVE, answered "authentication_required"

    Examples: Signature wrapping (SAML Raider's XSW shapes)
      | fault                                    | code                     |
      | xsw_evil_assertion_first                 | saml_assertion_count     |
      | xsw_evil_assertion_last                  | saml_assertion_count     |
      | xsw_signed_assertion_inside_evil         | saml_assertion_count     |
      | xsw_signed_assertion_in_signature_object | saml_assertion_count     |
      | xsw_signed_assertion_in_advice           | saml_assertion_count     |
      | xsw_response_wrapped                     | saml_assertion_count     |
      | response_id_reused_by_assertion          | saml_signature_structure |
      | response_signature_in_assertion          | saml_signature_structure |
      | reference_uri_empty                      | saml_signature_structure |

    Examples: Algorithms, transforms and the signature itself
      | fault                             | code                     |
      | transform_xpath                   | saml_signature_algorithm |
      | digest_sha1                       | saml_signature_algorithm |
      | signature_rsa_sha1                | saml_signature_algorithm |
      | signature_rsa_md5                 | saml_signature_algorithm |
      | signature_hmac_sha1               | saml_signature_algorithm |
      | signature_value_empty             | saml_bad_signature       |
      | signed_content_tampered           | saml_bad_signature       |
      | processing_instruction_in_name_id | saml_xml_comment         |

    Examples: DTDs and entities
      | fault                | code     |
      | dtd_internal_subset  | saml_dtd |
      | dtd_external_entity  | saml_dtd |
      | dtd_entity_expansion | saml_dtd |
      | dtd_external_subset  | saml_dtd |

    Examples: Look-alike Destination, Recipient, Audience and Issuer
      | fault                             | code                   |
      | destination_extended              | saml_wrong_destination |
      | destination_truncated             | saml_wrong_destination |
      | destination_trailing_slash        | saml_wrong_destination |
      | destination_case                  | saml_wrong_destination |
      | recipient_extended                | saml_wrong_recipient   |
      | recipient_trailing_slash          | saml_wrong_recipient   |
      | recipient_case                    | saml_wrong_recipient   |
      | audience_extended                 | saml_wrong_audience    |
      | audience_trailing_slash           | saml_wrong_audience    |
      | audience_case                     | saml_wrong_audience    |
      | audience_second_restriction_other | saml_wrong_audience    |
      | assertion_issuer_slash_toggled    | saml_wrong_issuer      |
      | assertion_issuer_case             | saml_wrong_issuer      |

    Examples: Status, confirmation and the assertion's form
      | fault                           | code                         |
      | status_requester_with_assertion | saml_status_requester        |
      | confirmation_not_before         | saml_confirmation_not_before |
      | holder_of_key_confirmation      | saml_no_bearer_confirmation  |
      | encrypted_assertion_instead     | saml_encrypted_assertion     |
      | assertion_version_old           | saml_wrong_version           |
      | unsolicited                     | saml_unsolicited_response    |

  Scenario: One AudienceRestriction that lists another SP and then this one is met
    When the identity provider's next Response has the fault "audience_list_with_us"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

  # The key configured at the SP is what is trusted (saml-metadata-iop §2.5.1): the certificate a
  # signature carries in KeyInfo, its dates or even its key, decides nothing either way.
  Scenario Outline: A signature by the IdP's key is accepted whatever certificate its KeyInfo carries (<fault>)
    When the identity provider's next Response has the fault "<fault>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"

    Examples:
      | fault                              |
      | key_info_certificate_expired       |
      | key_info_certificate_not_yet_valid |
      | key_info_certificate_other_key     |

  Scenario Outline: A Response replayed after a sign-in, whole or re-wrapped, is refused
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    When the browser logs out of LIVE
    And the identity provider's next Response has the fault "<fault>"
    And "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the SP refuses the Response with "<code>"
    And the browser has no session in LIVE, answered "authentication_required"

    Examples:
      | fault                    | code                      |
      | replay_previous_response | saml_replayed_assertion   |
      | assertion_rewrapped      | saml_wrong_in_response_to |
