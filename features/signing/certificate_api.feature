Feature: The customer's own request-signing key, through the certificate configuration API
  PUT /config/<customer id>/certificate takes the Atom feed of the DigitalSuite documentation;
  DELETE /config/<customer id>/certificate/<OPERATION>?P_mode=<MODE> removes the key.

  Background:
    Given the customer account "112501524864919680"

  @r-sg-1 @r-sg-4
  Scenario: A key pair made with the documented openssl command is accepted
    When the administrator uploads the SAML_AUTH key of "sp-contoso" for TEST
    Then the answer is 201, an Atom feed with the fingerprint of "sp-contoso" and no private key

  @r-sg-1
  Scenario: The key may come with its certificate, which the answer then carries
    When the administrator uploads the SAML_AUTH key of "sp-contoso" for LIVE with its certificate
    Then the answer is 201, an Atom feed with the fingerprint of "sp-contoso" and no private key
    And the answer carries the certificate

  # pysaml2 cannot read SP metadata with a bare RSAKeyValue, and Entra's "Require verification
  # certificates" takes only a certificate (issue 17): a key given alone gets one from the SP.
  @r-sg-1 @r-sg-3
  Scenario: A key given without its certificate gets a self-signed one for a year, which the metadata publishes
    When the administrator uploads the SAML_AUTH key of "sp-contoso" for LIVE
    Then the answer is 201, an Atom feed with the fingerprint of "sp-contoso" and no private key
    And the answer carries a certificate the SP made for "sp-contoso", for LIVE SAML_AUTH, valid from "2026-01-05T09:00:00Z" to "2027-01-05T09:00:00Z"
    And the SP metadata for LIVE publishes that certificate as its signing key

  @r-sg-1 @r-sg-3
  Scenario: A key given with its certificate keeps it, and the metadata publishes that one
    When the administrator uploads the SAML_AUTH key of "sp-contoso" for LIVE with its certificate
    Then the answer carries the certificate of "sp-contoso", as given
    And the SP metadata for LIVE publishes that certificate as its signing key

  @r-sg-1
  Scenario: Uploading again for the same operation and mode replaces the key
    Given the administrator has uploaded the SAML_AUTH key of "sp-contoso" for LIVE
    When the administrator uploads the SAML_AUTH key of "sp-contoso-next" for LIVE
    Then the answer is 200, an Atom feed with the fingerprint of "sp-contoso-next" and no private key

  @r-sg-2
  Scenario: DELETE removes the key, and a second DELETE finds nothing
    Given the administrator has uploaded the SAML_LOGOUT key of "sp-contoso" for ACCEPTANCE
    When the administrator deletes the SAML_LOGOUT key for ACCEPTANCE
    Then the answer is 204
    When the administrator deletes the SAML_LOGOUT key for ACCEPTANCE
    Then the answer is 404 with error code "certificate_not_found"

  @r-sg-2
  Scenario Outline: DELETE with an unknown operation or mode is refused
    When the administrator sends DELETE "/config/{account}/certificate/<operation>?P_mode=<mode>"
    Then the answer is 400 with error code "<code>"

    Examples:
      | operation   | mode    | code              |
      | SAML_SIGNUP | LIVE    | unknown_operation |
      | SAML_AUTH   | STAGING | unknown_mode      |

  @r-sg-4
  Scenario Outline: A wrong category is refused with its code and nothing is stored
    When the administrator uploads a feed with the "<term>" category set to "<label>"
    Then the answer is <status> with error code "<code>"
    When the administrator deletes the SAML_AUTH key for LIVE
    Then the answer is 404 with error code "certificate_not_found"

    Examples:
      | term       | label       | status | code                   |
      | hash       | SHA1        | 422    | unsupported_hash       |
      | encryption | DSA         | 422    | unsupported_encryption |
      | format     | DER         | 422    | unsupported_format     |
      | operation  | SAML_SIGNUP | 400    | unknown_operation      |
      | mode       | PROD        | 400    | unknown_mode           |

  @r-sg-4
  Scenario Outline: A missing or repeated category is refused
    When the administrator uploads a feed <how>
    Then the answer is 422 with error code "<code>"

    Examples:
      | how                                  | code               |
      | without the "mode" category          | category_missing   |
      | without the "hash" category          | category_missing   |
      | with the category "operation" twice  | category_duplicate |

  @r-sg-4
  Scenario Outline: A key that is not an unencrypted RSA key of 2048 bits or more in PEM is refused
    When the administrator uploads a feed whose key is <key>
    Then the answer is 422 with error code "<code>"
    When the administrator deletes the SAML_AUTH key for LIVE
    Then the answer is 404 with error code "certificate_not_found"

    Examples:
      | key                      | code                     |
      | missing                  | key_missing              |
      | not-pem                  | key_not_pem              |
      | rsa-1024                 | key_too_short            |
      | ec-p256                  | key_not_rsa              |
      | encrypted                | key_encrypted            |
      | with-another-certificate | certificate_key_mismatch |

  @r-sg-4
  Scenario: A feed with a DTD or an external entity is refused before anything is read
    When the administrator uploads a feed with an external entity
    Then the answer is 400 with error code "feed_dtd"

  @r-sg-4
  Scenario Outline: A well-formed document that is not an Atom feed is refused and nothing is stored
    When the administrator uploads a document whose root is <root>
    Then the answer is 400 with error code "feed_malformed"
    When the administrator deletes the SAML_AUTH key for LIVE
    Then the answer is 404 with error code "certificate_not_found"

    Examples:
      | root              |
      | feed-outside-atom |
      | atom-entry        |

  @r-sg-4
  Scenario: A feed over the 64 KiB body limit is refused as too large before it is read
    When the administrator uploads a feed padded to 65 KiB
    Then the answer is 413 with error code "payload_too_large"
    When the administrator deletes the SAML_AUTH key for LIVE
    Then the answer is 404 with error code "certificate_not_found"
    When the administrator uploads a feed padded to 63 KiB
    Then the answer is 201

  @r-sg-4
  Scenario: A malformed feed is refused
    When the administrator uploads a malformed feed
    Then the answer is 400 with error code "feed_malformed"

  @r-sg-4
  Scenario: A feed that is not sent as XML is refused
    When the administrator uploads the feed as "application/json"
    Then the answer is 415 with error code "unsupported_media_type"

  @r-sg-4
  Scenario: Only an administrator of the account may add or remove keys
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    And the administrator has uploaded the SAML_AUTH key of "sp-contoso" for LIVE
    When "b.simon@contoso.com" with password "BSimon-Pass-2026" uploads the SAML_AUTH key of "sp-contoso-next" for LIVE
    Then the answer is 403 with error code "admin_required"
    When "b.simon@contoso.com" with password "BSimon-Pass-2026" deletes the SAML_AUTH key for LIVE
    Then the answer is 403 with error code "admin_required"
    When "nobody@contoso.com" with password "Nobody-Pass-2026" uploads the SAML_AUTH key of "sp-contoso-next" for LIVE
    Then the answer is 401 with error code "invalid_credentials"
    When the administrator uploads the SAML_AUTH key of "sp-contoso" for LIVE
    Then the answer is 200, an Atom feed with the fingerprint of "sp-contoso" and no private key
