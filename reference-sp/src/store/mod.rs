//! The embedded store: SQLite through rusqlite (bundled), WAL, migrations applied at start.
//!
//! Every SQL statement of the SP, one file per aggregate; the schema is the one list of
//! migrations below.
//! Everything a user expects to survive a restart lives here.
//!
//! - `accounts`, for accounts and per-mode configuration (R-ACC-1, R-ACC-2, R-PW-3, R-PW-6)
//! - `users`, for users and their lockout counters (R-ACC-4, R-PW-3, R-PW-5)
//! - `resources`, for resources (R-ACC-3, R-ACC-5)
//! - `sessions`, for sessions (R-ACC-6, R-SA-9)
//! - [`saml`], [`google`], [`apple`], for each method's configuration (R-SA-1, R-GO-1, R-APPLE-1)
//!   and the SAML assertion replay cache (R-SA-6)
//! - [`keys`], for the customer's request-signing keys (R-SG-1..3)
//! - [`composite`], for composite-API triggers and calls (R-CA-1..3)
//! - `requests`, for the one lifecycle of outstanding SAML requests, Google sign-ins and Apple
//!   nonces (R-SA-6, R-GO-6, R-APPLE-4)

mod accounts;
pub mod apple;
pub mod composite;
pub mod configs;
pub mod google;
pub mod keys;
mod requests;
mod resources;
pub mod saml;
mod sessions;
mod users;

pub use accounts::*;
pub use requests::*;
pub use resources::*;
pub use sessions::*;
pub use users::*;

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Schema versions, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY CHECK (id <> '' AND id NOT GLOB '*[^0-9]*'),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE mode_configs (
    account_id          TEXT NOT NULL REFERENCES accounts(id),
    mode                TEXT NOT NULL CHECK (mode IN ('TEST', 'ACCEPTANCE', 'LIVE')),
    method              TEXT NOT NULL DEFAULT 'login_password'
                        CHECK (method IN ('login_password', 'google', 'saml')),
    max_failed_attempts INTEGER CHECK (max_failed_attempts IS NULL OR max_failed_attempts >= 1),
    login_page          TEXT,
    PRIMARY KEY (account_id, mode)
);
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    email_key       TEXT NOT NULL,
    profile         TEXT NOT NULL CHECK (profile IN ('User', 'Admin')),
    ide_language    TEXT NOT NULL,
    language        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'locked')),
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    password_hash   TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (account_id, email_key)
);
CREATE TABLE resources (
    id           INTEGER PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    path         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('file', 'web_interface')),
    visibility   TEXT NOT NULL CHECK (visibility IN ('public', 'everybody', 'named')),
    content_type TEXT NOT NULL,
    body         BLOB NOT NULL,
    UNIQUE (account_id, path)
);
CREATE TABLE resource_users (
    resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (resource_id, user_id)
);
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    mode        TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
"#,
    r#"
CREATE TABLE saml_configs (
    account_id             TEXT NOT NULL REFERENCES accounts(id),
    mode                   TEXT NOT NULL CHECK (mode IN ('TEST', 'ACCEPTANCE', 'LIVE')),
    sso_url                TEXT NOT NULL,
    logout_url             TEXT,
    name_id_format         TEXT NOT NULL,
    idp_entity_id          TEXT NOT NULL,
    idp_certificate        TEXT NOT NULL,
    sp_entity_id           TEXT NOT NULL,
    account_management_url TEXT,
    auto_provisioning      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, mode)
);
CREATE TABLE saml_requests (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('authn', 'logout')),
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    mode         TEXT NOT NULL,
    browser_hash TEXT NOT NULL,
    next         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE saml_assertions (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);
ALTER TABLE sessions ADD COLUMN saml_name_id TEXT;
ALTER TABLE sessions ADD COLUMN saml_name_id_format TEXT;
ALTER TABLE sessions ADD COLUMN saml_session_index TEXT;
ALTER TABLE users ADD COLUMN saml_roles TEXT;
CREATE TABLE composite_triggers (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    event      TEXT NOT NULL CHECK (event IN ('user_authentication', 'user_creation')),
    url        TEXT NOT NULL,
    PRIMARY KEY (account_id, event)
);
CREATE TABLE composite_calls (
    id         INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    event      TEXT NOT NULL,
    url        TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    status     INTEGER,
    error      TEXT,
    payload    TEXT NOT NULL,
    at         TEXT NOT NULL
);
"#,
    r#"
CREATE TABLE signing_keys (
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    mode        TEXT NOT NULL CHECK (mode IN ('TEST', 'ACCEPTANCE', 'LIVE')),
    operation   TEXT NOT NULL CHECK (operation IN ('SAML_AUTH', 'SAML_LOGOUT')),
    key_pem     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    title       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, mode, operation)
);
"#,
    r#"
CREATE TABLE google_configs (
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    mode              TEXT NOT NULL CHECK (mode IN ('TEST', 'ACCEPTANCE', 'LIVE')),
    client_id         TEXT NOT NULL,
    client_secret     TEXT NOT NULL,
    discovery_url     TEXT NOT NULL,
    domain            TEXT,
    auto_provisioning INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, mode)
);
CREATE TABLE oidc_requests (
    state           TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    mode            TEXT NOT NULL,
    browser_hash    TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    verifier        TEXT NOT NULL,
    required_domain TEXT,
    next            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used            INTEGER NOT NULL DEFAULT 0
);
"#,
    r#"
CREATE TABLE apple_configs (
    account_id     TEXT PRIMARY KEY REFERENCES accounts(id),
    bundle_id      TEXT NOT NULL,
    team_id        TEXT NOT NULL,
    key_id         TEXT NOT NULL,
    private_key    TEXT,
    apple_base_url TEXT NOT NULL
);
"#,
    // Logout messages must be signed unless the mode says its IdP does not sign them (R-SA-10).
    r#"
ALTER TABLE saml_configs ADD COLUMN idp_signs_logout_messages INTEGER NOT NULL DEFAULT 1;
"#,
    // Nonces the SP issues for Sign in with Apple (R-APPLE-4): stored as SHA-256, single use.
    r#"
CREATE TABLE apple_nonces (
    nonce_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    mode       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used       INTEGER NOT NULL DEFAULT 0
);
"#,
];

/// A cheap handle on the one SQLite connection; clones share it.
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self, ApiError> {
        let conn = Connection::open(path)?;
        // WAL lets readers proceed during a write and survives a crash without losing commits.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(ApiError::Internal(format!(
                "store: journal_mode is {mode}, not WAL"
            )));
        }
        Self::init(conn)
    }

    /// A private in-memory database, for unit tests.
    pub fn open_in_memory() -> Result<Self, ApiError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self, ApiError> {
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let applied: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let applied = usize::try_from(applied).unwrap_or(usize::MAX);
        if applied > MIGRATIONS.len() {
            return Err(ApiError::Internal(format!(
                "store: schema version {applied} is newer than this build ({})",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection on tokio's blocking pool, so SQLite I/O never stalls the
    /// async workers.
    pub async fn call<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        F: FnOnce(&mut Connection) -> Result<R, ApiError> + Send + 'static,
        R: Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut guard)
        })
        .await?
    }

    /// Runs `f` on the calling thread; for set-up code outside the async runtime.
    pub fn call_blocking<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let mut guard = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }
}

pub(crate) fn ts(at: DateTime<Utc>) -> String {
    // Fixed width, so text order is time order in SQL comparisons.
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub(crate) fn parse_ts(s: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| ApiError::Internal(format!("bad timestamp {s:?} in store: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AccountId, Email, ExecutionMode, UserStatus};
    use chrono::TimeZone;

    fn setup() -> (Store, AccountId, i64) {
        let store = Store::open_in_memory().unwrap();
        let account: AccountId = "1234".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let id = store
            .call_blocking(|c| {
                create_account(c, &account, "Acme", Some(3), now)?;
                let user = NewUser::new("B.Simon", Email::parse("B.Simon@contoso.com")?);
                Ok(create_user(c, &account, &user, now)?.id)
            })
            .unwrap();
        (store, account, id)
    }

    #[test]
    fn failed_attempts_stop_at_the_limit_and_lock() {
        let (store, account, id) = setup();
        store
            .call_blocking(|c| {
                for _ in 0..10 {
                    record_failed_attempt(c, id, Some(3))?;
                }
                let user = get_user(c, &account, id)?;
                assert_eq!((user.status, user.failed_attempts), (UserStatus::Locked, 3));
                assert!(!record_successful_login(c, id)?);
                let user = unlock_user(c, &account, id)?;
                assert_eq!((user.status, user.failed_attempts), (UserStatus::Active, 0));
                assert!(record_successful_login(c, id)?);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn expired_sessions_are_forgotten_and_live_ones_kept() {
        let (store, account, id) = setup();
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        store
            .call_blocking(|c| {
                let hour = chrono::Duration::hours(1);
                let old = NewSession {
                    token_hash: "old",
                    account: &account,
                    mode: ExecutionMode::Live,
                    user_id: id,
                    saml: None,
                };
                insert_session(c, &old, t0, t0 + hour)?;
                let saml = SamlSession {
                    name_id: "b.simon@contoso.com".into(),
                    name_id_format: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into(),
                    session_index: Some("_a1".into()),
                };
                let new = NewSession {
                    token_hash: "new",
                    account: &account,
                    mode: ExecutionMode::Test,
                    user_id: id,
                    saml: Some(&saml),
                };
                insert_session(c, &new, t0, t0 + hour * 3)?;
                assert_eq!(delete_expired_sessions(c, t0 + hour * 2)?, 1);
                assert!(find_session(c, "old")?.is_none());
                let live = find_session(c, "new")?.unwrap();
                assert_eq!((live.mode, live.user.id), (ExecutionMode::Test, id));
                assert_eq!(live.saml, Some(saml));
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn email_is_unique_per_account_by_key() {
        let (store, account, _) = setup();
        let err = store
            .call_blocking(|c| {
                let dup = NewUser::new("Other", Email::parse("b.simon@CONTOSO.com")?);
                create_user(c, &account, &dup, Utc::now())
            })
            .unwrap_err();
        assert_eq!(err.code(), "duplicate_email");
    }

    #[test]
    fn migrations_are_recorded_and_reopen_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sp.sqlite3");
        let account: AccountId = "42".parse().unwrap();
        {
            let store = Store::open(&path).unwrap();
            store
                .call_blocking(|c| create_account(c, &account, "A", None, Utc::now()))
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let (version, exists) = store
            .call_blocking(|c| {
                let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                Ok((v as usize, account_exists(c, &account)?))
            })
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
        assert!(exists);
    }

    mod configs_round_trip {
        use crate::domain::{AccountId, ExecutionMode};
        use crate::store::apple::AppleConfig;
        use crate::store::configs::{PerAccount, PerMode, delete, load, save};
        use crate::store::google::GoogleConfig;
        use crate::store::{Store, create_account};
        use chrono::TimeZone;

        fn google(client_id: &str, domain: Option<&str>) -> GoogleConfig {
            GoogleConfig {
                client_id: client_id.into(),
                client_secret: "s".into(),
                discovery_url: "https://accounts.google.com/.well-known/openid-configuration"
                    .into(),
                domain: domain.map(Into::into),
                auto_provisioning: true,
            }
        }

        #[test]
        fn each_key_has_its_own_row_saved_replaced_and_deleted() {
            let store = Store::open_in_memory().unwrap();
            let (a, b): (AccountId, AccountId) = ("1234".parse().unwrap(), "5678".parse().unwrap());
            let now = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
            let (live, test) = (ExecutionMode::Live, ExecutionMode::Test);
            store
                .call_blocking(|c| {
                    create_account(c, &a, "A", None, now)?;
                    create_account(c, &b, "B", None, now)?;
                    save(c, PerMode(&a, live), &google("one", Some("contoso.com")))?;
                    save(c, PerMode(&a, test), &google("two", None))?;
                    // Saving again replaces every column, None included.
                    save(c, PerMode(&a, live), &google("three", None))?;
                    assert_eq!(load(c, PerMode(&a, live))?, Some(google("three", None)));
                    assert_eq!(load(c, PerMode(&a, test))?, Some(google("two", None)));
                    assert_eq!(load::<GoogleConfig>(c, PerMode(&b, live))?, None);
                    delete::<GoogleConfig>(c, PerMode(&a, live))?;
                    assert_eq!(load::<GoogleConfig>(c, PerMode(&a, live))?, None);
                    assert_eq!(load(c, PerMode(&a, test))?, Some(google("two", None)));

                    let apple = AppleConfig {
                        bundle_id: "com.runmyprocess.app".into(),
                        team_id: "TEAM123456".into(),
                        key_id: "KEY1234567".into(),
                        private_key: None,
                        apple_base_url: "https://appleid.apple.com".into(),
                    };
                    save(c, PerAccount(&b), &apple)?;
                    assert_eq!(load(c, PerAccount(&b))?, Some(apple.clone()));
                    assert_eq!(load::<AppleConfig>(c, PerAccount(&a))?, None);
                    delete::<AppleConfig>(c, PerAccount(&b))?;
                    assert_eq!(load::<AppleConfig>(c, PerAccount(&b))?, None);
                    Ok(())
                })
                .unwrap();
        }
    }
}
