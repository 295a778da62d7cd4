@r-pw-1
Feature: Users seeded from the configuration log in with their passwords
  `harness up` (and `reference-sp --seed FILE`) creates accounts and users from a TOML seed. The
  SP hashes each seeded password itself, as argon2id at the production cost, so the demo's users
  log in with the passwords the README gives.

  Background:
    Given the SP's store is seeded with the demo configuration

  Scenario: The demo's B.Simon logs in with the seeded password, which is stored only as its hash
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Demo-2026"
    Then the login succeeds and lands on "/live/{account}?P_mode=LIVE"
    And the store holds an argon2id hash, not the password, for "B.Simon@contoso.com"

  Scenario: A seeded user's wrong password is refused and counted
    When "B.Simon@contoso.com" logs in to LIVE with password "BSimon-Demo-2025"
    Then the login is refused with "invalid_credentials"
    And the browser has no session in LIVE, answered "authentication_required"
    And the store holds "B.Simon@contoso.com" as active with 1 failed attempts
