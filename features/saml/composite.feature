Feature: Composite APIs triggered by SAML events

  Background:
    Given the customer account "112501524864919680"
    And a mock entra-id identity provider with B.Simon, serving the account's LIVE mode

  @r-ca-1
  Scenario: User authentication sends the SAML user data to its composite API
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And a composite API bound to "user_authentication" that answers 200
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the composite API for "user_authentication" received exactly:
      """
      {
        "event": "user_authentication",
        "account": "{account}",
        "mode": "LIVE",
        "name_id": "B.Simon@contoso.com",
        "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        "session_index": "_0001",
        "attributes": {
          "http://schemas.microsoft.com/identity/claims/tenantid": ["0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a"],
          "http://schemas.microsoft.com/identity/claims/objectidentifier": ["9f2c1e55-0000-4000-8000-00000000b51a"],
          "http://schemas.microsoft.com/identity/claims/displayname": ["B.Simon"],
          "http://schemas.microsoft.com/identity/claims/identityprovider": ["https://sts.windows.net/0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a/"],
          "http://schemas.microsoft.com/claims/authnmethodsreferences": ["http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"],
          "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": ["B"],
          "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": ["Simon"],
          "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": ["B.Simon@contoso.com"],
          "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": ["B.Simon@contoso.com"]
        },
        "user": {"id": 2, "name": "B.Simon", "email": "B.Simon@contoso.com", "profile": "User"}
      }
      """

  @r-ca-2
  Scenario: User creation calls its composite API when SAML provisions a user
    Given the administrator configures SSO with Samlv2 for LIVE with auto-provisioning
    And a composite API bound to "user_creation" that answers 200
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the composite-API call for "user_creation" is recorded as "ok" with error ""

  @r-ca-2
  Scenario: An existing user's sign-in does not trigger user creation
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And the administrator configures SSO with Samlv2 for LIVE with auto-provisioning
    And a composite API bound to "user_creation" that answers 200
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And no composite API was called

  @r-ca-3
  Scenario Outline: A failing composite API never blocks the sign-in, and the failure is recorded
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and no password
    And the administrator configures SSO with Samlv2 for LIVE as the tutorial says
    And <api>
    When "B.Simon@contoso.com" signs in through the identity provider to "/live/{account}"
    Then the login succeeds and lands on "/live/{account}"
    And the browser is signed in to LIVE as "B.Simon@contoso.com"
    And the composite-API call for "user_authentication" is recorded as "failed" with error "<error>"

    Examples:
      | api                                                                  | error        |
      | a composite API bound to "user_authentication" that answers 500      | HTTP 500 Internal Server Error |
      | a composite API bound to "user_authentication" that takes 3 seconds to answer | timed out |
      | a composite API bound to "user_authentication" that cannot be reached | unreachable: * |
