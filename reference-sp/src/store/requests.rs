//! One lifecycle for every outstanding request the SP waits on: SAML AuthnRequests and
//! LogoutRequests (R-SA-6: InResponseTo must name one), Google sign-ins by `state` (R-GO-6) and
//! Apple nonces (R-APPLE-4).
//!
//! Each is created with a lifetime (expired ones are purged on every insert, so a table is
//! bounded by the rate times the lifetime), bound to its account (and mode, kind), bound to the
//! browser that started it by the hash of a cookie where a browser is involved, and consumed at
//! most once by a conditional UPDATE, so of two racing answers one wins. The checks run in one
//! order for all: scope, browser, expiry, single use. A fix here is a fix for every method.

use super::ts;
use crate::domain::{AccountId, ExecutionMode};
use crate::error::ApiError;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// Why an answer does not match an outstanding request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Never issued, or issued for another account, mode or kind.
    Unknown,
    /// Started in another browser: the binding cookie is a different one.
    OtherBrowser,
    /// The browser sent no binding cookie: another browser, or one that dropped the cookie (a
    /// cross-site POST over plain HTTP, where a `SameSite=Lax` cookie is not sent).
    CookieMissing,
    Expired,
    /// Already answered.
    Used,
}

/// The tables, with their key column; static names only, never from input.
#[derive(Debug, Clone, Copy)]
enum Table {
    Saml,
    Google,
    Apple,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Self::Saml => "saml_requests",
            Self::Google => "oidc_requests",
            Self::Apple => "apple_nonces",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Saml => "id",
            Self::Google => "state",
            Self::Apple => "nonce_hash",
        }
    }
}

/// What every table stores about a request.
#[derive(Debug)]
struct Found<T> {
    account: String,
    mode: String,
    kind: Option<String>,
    browser_hash: Option<String>,
    expires_at: String,
    used: bool,
    data: T,
}

/// What the answer must match.
#[derive(Debug)]
struct Expected<'a> {
    account: &'a AccountId,
    /// `None` where the mode comes from the request itself (Google's callback).
    mode: Option<ExecutionMode>,
    kind: Option<&'a str>,
    /// `Some` where a browser started the request: the hash of its binding cookie, if it sent one.
    browser: Option<Option<&'a str>>,
}

fn purge(conn: &Connection, table: Table, now: DateTime<Utc>) -> Result<(), ApiError> {
    conn.execute(
        &format!("DELETE FROM {} WHERE expires_at <= ?1", table.name()),
        [ts(now)],
    )?;
    Ok(())
}

fn consume<T>(
    conn: &Connection,
    table: Table,
    key: &str,
    found: Option<Found<T>>,
    expected: &Expected<'_>,
    now: DateTime<Utc>,
) -> Result<Result<T, Refused>, ApiError> {
    let Some(r) = found else {
        return Ok(Err(Refused::Unknown));
    };
    if r.account != expected.account.as_str()
        || expected.mode.is_some_and(|m| m.as_str() != r.mode)
        || expected.kind != r.kind.as_deref()
    {
        return Ok(Err(Refused::Unknown));
    }
    if let Some(browser) = expected.browser
        && browser != r.browser_hash.as_deref()
    {
        return Ok(Err(match browser {
            None => Refused::CookieMissing,
            Some(_) => Refused::OtherBrowser,
        }));
    }
    if r.expires_at <= ts(now) {
        return Ok(Err(Refused::Expired));
    }
    if r.used
        || conn.execute(
            &format!(
                "UPDATE {} SET used = 1 WHERE {} = ?1 AND used = 0",
                table.name(),
                table.key()
            ),
            [key],
        )? == 0
    {
        return Ok(Err(Refused::Used));
    }
    Ok(Ok(r.data))
}

// ---------------------------------------------------------------- SAML

/// An AuthnRequest (`authn`) or LogoutRequest (`logout`) about to be sent.
#[derive(Debug)]
pub struct NewSamlRequest<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub account: &'a AccountId,
    pub mode: ExecutionMode,
    pub browser_hash: &'a str,
    pub next: &'a str,
}

pub fn insert_saml_request(
    conn: &Connection,
    r: &NewSamlRequest<'_>,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<(), ApiError> {
    purge(conn, Table::Saml, now)?;
    conn.execute(
        "INSERT INTO saml_requests (id, kind, account_id, mode, browser_hash, next, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            r.id,
            r.kind,
            r.account.as_str(),
            r.mode.as_str(),
            r.browser_hash,
            r.next,
            ts(now),
            ts(now + lifetime)
        ],
    )?;
    Ok(())
}

/// Answers the SAML request `id` of `kind` for this scope and browser; returns where the
/// browser was going.
pub fn consume_saml_request(
    conn: &Connection,
    id: &str,
    kind: &str,
    account: &AccountId,
    mode: ExecutionMode,
    browser_hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Result<String, Refused>, ApiError> {
    let found = conn
        .query_row(
            "SELECT account_id, mode, kind, browser_hash, next, expires_at, used
             FROM saml_requests WHERE id = ?1",
            [id],
            |r| {
                Ok(Found {
                    account: r.get(0)?,
                    mode: r.get(1)?,
                    kind: Some(r.get(2)?),
                    browser_hash: Some(r.get(3)?),
                    data: r.get::<_, String>(4)?,
                    expires_at: r.get(5)?,
                    used: r.get(6)?,
                })
            },
        )
        .optional()?;
    let expected = Expected {
        account,
        mode: Some(mode),
        kind: Some(kind),
        browser: Some(browser_hash),
    };
    consume(conn, Table::Saml, id, found, &expected, now)
}

// ---------------------------------------------------------------- Google

/// A started Google sign-in, as remembered until the callback.
#[derive(Debug, Clone)]
pub struct GoogleRequest {
    pub mode: String,
    pub nonce: String,
    pub verifier: String,
    pub required_domain: Option<String>,
    pub next: String,
}

/// A Google sign-in about to start, keyed by its `state`.
#[derive(Debug)]
pub struct NewGoogleRequest<'a> {
    pub state: &'a str,
    pub account: &'a AccountId,
    pub mode: ExecutionMode,
    pub browser_hash: &'a str,
    pub nonce: &'a str,
    pub verifier: &'a str,
    pub required_domain: Option<&'a str>,
    pub next: &'a str,
}

pub fn insert_google_request(
    conn: &Connection,
    r: &NewGoogleRequest<'_>,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<(), ApiError> {
    purge(conn, Table::Google, now)?;
    conn.execute(
        "INSERT INTO oidc_requests (state, account_id, mode, browser_hash, nonce, verifier,
             required_domain, next, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            r.state,
            r.account.as_str(),
            r.mode.as_str(),
            r.browser_hash,
            r.nonce,
            r.verifier,
            r.required_domain,
            r.next,
            ts(now),
            ts(now + lifetime)
        ],
    )?;
    Ok(())
}

/// Answers the Google sign-in `state` of this account from this browser: single use, so the
/// nonce and PKCE verifier go with it.
pub fn consume_google_request(
    conn: &Connection,
    state: &str,
    account: &AccountId,
    browser_hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Result<GoogleRequest, Refused>, ApiError> {
    let found = conn
        .query_row(
            "SELECT account_id, mode, browser_hash, nonce, verifier, required_domain, next,
                    expires_at, used
             FROM oidc_requests WHERE state = ?1",
            [state],
            |r| {
                Ok(Found {
                    account: r.get(0)?,
                    mode: r.get(1)?,
                    kind: None,
                    browser_hash: Some(r.get(2)?),
                    data: GoogleRequest {
                        mode: r.get(1)?,
                        nonce: r.get(3)?,
                        verifier: r.get(4)?,
                        required_domain: r.get(5)?,
                        next: r.get(6)?,
                    },
                    expires_at: r.get(7)?,
                    used: r.get(8)?,
                })
            },
        )
        .optional()?;
    let expected = Expected {
        account,
        mode: None,
        kind: None,
        browser: Some(browser_hash),
    };
    consume(conn, Table::Google, state, found, &expected, now)
}

// ---------------------------------------------------------------- Apple

/// Records the SHA-256 of a nonce issued to the app for one sign-in of this account and mode.
pub fn insert_apple_nonce(
    conn: &Connection,
    nonce_hash: &str,
    account: &AccountId,
    mode: ExecutionMode,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<(), ApiError> {
    purge(conn, Table::Apple, now)?;
    conn.execute(
        "INSERT INTO apple_nonces (nonce_hash, account_id, mode, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            nonce_hash,
            account.as_str(),
            mode.as_str(),
            ts(now),
            ts(now + lifetime)
        ],
    )?;
    Ok(())
}

/// Burns an SP-issued nonce of this account and mode (no browser: it comes from the app).
pub fn burn_apple_nonce(
    conn: &Connection,
    nonce_hash: &str,
    account: &AccountId,
    mode: ExecutionMode,
    now: DateTime<Utc>,
) -> Result<Result<(), Refused>, ApiError> {
    let found = conn
        .query_row(
            "SELECT account_id, mode, expires_at, used FROM apple_nonces WHERE nonce_hash = ?1",
            [nonce_hash],
            |r| {
                Ok(Found {
                    account: r.get(0)?,
                    mode: r.get(1)?,
                    kind: None,
                    browser_hash: None,
                    expires_at: r.get(2)?,
                    used: r.get(3)?,
                    data: (),
                })
            },
        )
        .optional()?;
    let expected = Expected {
        account,
        mode: Some(mode),
        kind: None,
        browser: None,
    };
    consume(conn, Table::Apple, nonce_hash, found, &expected, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, create_account};
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn every_kind_checks_scope_browser_expiry_and_single_use_in_one_order() {
        let store = Store::open_in_memory().unwrap();
        let (a, b): (AccountId, AccountId) = ("1234".parse().unwrap(), "5678".parse().unwrap());
        let live = ExecutionMode::Live;
        let life = Duration::minutes(10);
        store
            .call_blocking(|c| {
                create_account(c, &a, "A", None, t0())?;
                create_account(c, &b, "B", None, t0())?;
                let r = NewSamlRequest {
                    id: "id1",
                    kind: "authn",
                    account: &a,
                    mode: live,
                    browser_hash: "h",
                    next: "/n",
                };
                insert_saml_request(c, &r, t0(), life)?;
                let at = |m| t0() + Duration::minutes(m);
                let saml = |acc, kind, browser, now| {
                    consume_saml_request(c, "id1", kind, acc, live, browser, now)
                };
                assert_eq!(saml(&b, "authn", Some("h"), at(1))?, Err(Refused::Unknown));
                assert_eq!(saml(&a, "logout", Some("h"), at(1))?, Err(Refused::Unknown));
                assert_eq!(saml(&a, "authn", None, at(1))?, Err(Refused::CookieMissing));
                assert_eq!(
                    saml(&a, "authn", Some("x"), at(1))?,
                    Err(Refused::OtherBrowser)
                );
                assert_eq!(saml(&a, "authn", Some("h"), at(10))?, Err(Refused::Expired));
                assert_eq!(saml(&a, "authn", Some("h"), at(1))?, Ok("/n".to_owned()));
                assert_eq!(saml(&a, "authn", Some("h"), at(1))?, Err(Refused::Used));

                insert_apple_nonce(c, "nh", &a, live, t0(), life)?;
                let apple = |m, now| burn_apple_nonce(c, "nh", &a, m, now);
                assert_eq!(apple(ExecutionMode::Test, at(1))?, Err(Refused::Unknown));
                assert_eq!(apple(live, at(10))?, Err(Refused::Expired));
                assert_eq!(apple(live, at(1))?, Ok(()));
                assert_eq!(apple(live, at(1))?, Err(Refused::Used));
                assert_eq!(
                    burn_apple_nonce(c, "other", &a, live, at(1))?,
                    Err(Refused::Unknown)
                );

                // Purged on the next insert once expired: unknown, not expired, from then on.
                insert_apple_nonce(c, "nh2", &a, live, at(11), life)?;
                assert_eq!(apple(live, at(11))?, Err(Refused::Unknown));
                Ok(())
            })
            .unwrap();
    }
}
