@r-acc-4
Feature: Users are provisioned manually by an administrator
  A user has a name, an email unique in the account, a profile, an IDE language, a language and a
  status; administrators create them through the admin API.

  Background:
    Given the customer account "112501524864919680"

  Scenario: The administrator provisions B.Simon with every field
    When the administrator provisions a user with:
      | name         | B.Simon             |
      | email        | B.Simon@contoso.com |
      | profile      | User                |
      | ide_language | fr                  |
      | language     | de                  |
      | password     | BSimon-Pass-2026    |
    Then the answer is 201
    And the account lists the user "B.Simon@contoso.com" with:
      | name            | B.Simon             |
      | email           | B.Simon@contoso.com |
      | profile         | User                |
      | ide_language    | fr                  |
      | language        | de                  |
      | status          | active              |
      | failed_attempts | 0                   |
      | has_password    | true                |

  Scenario: Defaults are profile User and English
    When the administrator provisions a user with:
      | name  | A.Jones             |
      | email | a.jones@contoso.com |
    Then the answer is 201
    And the account lists the user "a.jones@contoso.com" with:
      | profile      | User  |
      | ide_language | en    |
      | language     | en    |
      | has_password | false |

  Scenario: An email differing only in ASCII case is the same email, and nothing is added
    Given the administrator provisions "B.Simon" with email "B.Simon@contoso.com" and password "BSimon-Pass-2026"
    When the administrator provisions a user with:
      | name  | Impostor            |
      | email | b.simon@CONTOSO.COM |
    Then the answer is 409 with error code "duplicate_email"
    And the account has exactly the users "admin@contoso.com, B.Simon@contoso.com"

  Scenario: The same email may exist in two accounts
    Given another customer account "998877665544332211"
    And the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    When the steps address account "998877665544332211"
    And the administrator provisions a user with:
      | name  | B.Simon             |
      | email | b.simon@contoso.com |
    Then the answer is 201

  Scenario Outline: Invalid fields are refused with their code and nothing is added
    When the administrator provisions a user with:
      | name         | <name>         |
      | email        | <email>        |
      | profile      | <profile>      |
      | ide_language | <ide_language> |
      | password     | <password>     |
    Then the answer is 422 with error code "<code>"
    And the account has exactly the users "admin@contoso.com"

    Examples:
      | name    | email               | profile   | ide_language | password         | code             |
      | B.Simon | not-an-email        | User      | en           | BSimon-Pass-2026 | invalid_email    |
      | B.Simon | b@c@contoso.com     | User      | en           | BSimon-Pass-2026 | invalid_email    |
      | B.Simon | b.simon@contoso.com | Superuser | en           | BSimon-Pass-2026 | invalid_profile  |
      | B.Simon | b.simon@contoso.com | User      | english      | BSimon-Pass-2026 | invalid_language |
      | B.Simon | b.simon@contoso.com | User      | en           | short            | weak_password    |
      |         | b.simon@contoso.com | User      | en           | BSimon-Pass-2026 | invalid_name     |

  Scenario: The administrator updates a user's profile and languages
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    When the administrator sends PATCH "/api/{account}/users/2" with JSON '{"profile":"Admin","language":"ja"}'
    Then the answer is 200
    And the account lists the user "b.simon@contoso.com" with:
      | profile  | Admin |
      | language | ja    |
      | name     | B.Simon |

  Scenario: Only an administrator may provision users
    Given the administrator provisions "B.Simon" with email "b.simon@contoso.com" and password "BSimon-Pass-2026"
    When "b.simon@contoso.com" with password "BSimon-Pass-2026" sends POST "/api/{account}/users" with JSON '{"name":"X","email":"x@contoso.com"}'
    Then the answer is 403 with error code "admin_required"
    And the account has exactly the users "admin@contoso.com, b.simon@contoso.com"

  Scenario: The admin API needs credentials
    When an anonymous client sends GET "/api/{account}/users"
    Then the answer is 401 with error code "authentication_required"

  Scenario: An administrator of one account has no power in another
    Given another customer account "998877665544332211"
    When the administrator provisions a user with:
      | name     | Boss             |
      | email    | boss@contoso.com |
      | profile  | Admin            |
      | password | Boss-Pass-2026   |
    Then the answer is 201
    When "boss@contoso.com" with password "Boss-Pass-2026" sends GET "/api/{account}/users"
    Then the answer is 200
    When "boss@contoso.com" with password "Boss-Pass-2026" sends GET "/api/998877665544332211/users"
    Then the answer is 401 with error code "invalid_credentials"
