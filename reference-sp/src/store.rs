//! The embedded store: SQLite through rusqlite (bundled), WAL, migrations applied at start.
//!
//! Everything a user expects to survive a restart lives here: accounts, per-mode configuration
//! (R-ACC-1, R-ACC-2), users and their lockout counters (R-ACC-4, R-PW-3), resources
//! (R-ACC-3, R-ACC-5) and sessions (R-ACC-6). Lockout counting is a single conditional UPDATE so
//! concurrent wrong attempts can never count past the limit (R-PW-5).

use crate::domain::{
    AccountId, AuthMethod, Email, ExecutionMode, Profile, ResourceKind, UserStatus, Visibility,
};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
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

fn ts(at: DateTime<Utc>) -> String {
    // Fixed width, so text order is time order in SQL comparisons.
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn parse_ts(s: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| ApiError::Internal(format!("bad timestamp {s:?} in store: {e}")))
}

// ---------------------------------------------------------------- accounts and modes

/// Creates an account with its three mode configurations: Login/Password and a policy of
/// `default_max_failed_attempts` in each (R-ACC-1).
pub fn create_account(
    conn: &mut Connection,
    id: &AccountId,
    name: &str,
    default_max_failed_attempts: Option<u32>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO accounts (id, name, created_at) VALUES (?1, ?2, ?3)",
        params![id.as_str(), name, ts(now)],
    )?;
    for mode in ExecutionMode::ALL {
        tx.execute(
            "INSERT INTO mode_configs (account_id, mode, max_failed_attempts) VALUES (?1, ?2, ?3)",
            params![id.as_str(), mode.as_str(), default_max_failed_attempts],
        )?;
    }
    tx.commit()?;
    Ok(())
}

pub fn account_exists(conn: &Connection, id: &AccountId) -> Result<bool, ApiError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM accounts WHERE id = ?1",
            [id.as_str()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// One execution mode's configuration (R-ACC-2, R-PW-3, R-PW-6).
#[derive(Debug, Clone, Serialize)]
pub struct ModeConfig {
    pub mode: ExecutionMode,
    pub method: AuthMethod,
    /// `None`: no limit on failed attempts.
    pub max_failed_attempts: Option<u32>,
    /// Path of the custom login page (a public resource of the account), if any.
    pub login_page: Option<String>,
}

pub fn mode_config(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<ModeConfig, ApiError> {
    let row = conn
        .query_row(
            "SELECT method, max_failed_attempts, login_page FROM mode_configs
             WHERE account_id = ?1 AND mode = ?2",
            params![account.as_str(), mode.as_str()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<u32>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            },
        )
        .optional()?;
    let (method, max_failed_attempts, login_page) = row.ok_or(ApiError::UnknownAccount)?;
    Ok(ModeConfig {
        mode,
        method: method
            .parse()
            .map_err(|_| ApiError::Internal(format!("bad method {method:?} in store")))?,
        max_failed_attempts,
        login_page,
    })
}

pub fn set_method(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    method: AuthMethod,
) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE mode_configs SET method = ?3 WHERE account_id = ?1 AND mode = ?2",
        params![account.as_str(), mode.as_str(), method.as_str()],
    )?;
    Ok(())
}

pub fn set_max_failed_attempts(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    max: Option<u32>,
) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE mode_configs SET max_failed_attempts = ?3 WHERE account_id = ?1 AND mode = ?2",
        params![account.as_str(), mode.as_str(), max],
    )?;
    Ok(())
}

pub fn set_login_page(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    path: Option<&str>,
) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE mode_configs SET login_page = ?3 WHERE account_id = ?1 AND mode = ?2",
        params![account.as_str(), mode.as_str(), path],
    )?;
    Ok(())
}

// ---------------------------------------------------------------- users

/// A user as the admin API shows it; the password hash never leaves the store module.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub profile: Profile,
    pub ide_language: String,
    pub language: String,
    pub status: UserStatus,
    pub failed_attempts: u32,
    pub has_password: bool,
    /// Role values from the last SAML sign-in (R-SA-8).
    pub saml_roles: Vec<String>,
}

/// What manual provisioning supplies (R-ACC-4), already validated.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub email: Email,
    pub profile: Profile,
    pub ide_language: String,
    pub language: String,
    pub password_hash: Option<String>,
}

const USER_COLUMNS: &str = "id, name, email, profile, ide_language, language, status, \
     failed_attempts, password_hash, saml_roles";

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(User, Option<String>)> {
    let profile: String = r.get(3)?;
    let status: String = r.get(6)?;
    let hash: Option<String> = r.get(8)?;
    let roles: Option<String> = r.get(9)?;
    Ok((
        User {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            profile: if profile == "Admin" {
                Profile::Admin
            } else {
                Profile::User
            },
            ide_language: r.get(4)?,
            language: r.get(5)?,
            status: if status == "locked" {
                UserStatus::Locked
            } else {
                UserStatus::Active
            },
            failed_attempts: r.get(7)?,
            has_password: hash.is_some(),
            saml_roles: roles
                .and_then(|r| serde_json::from_str(&r).ok())
                .unwrap_or_default(),
        },
        hash,
    ))
}

pub fn create_user(
    conn: &Connection,
    account: &AccountId,
    user: &NewUser,
    now: DateTime<Utc>,
) -> Result<User, ApiError> {
    let inserted = conn.execute(
        "INSERT INTO users (account_id, name, email, email_key, profile, ide_language, language,
                            password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            account.as_str(),
            user.name,
            user.email.as_str(),
            user.email.key(),
            user.profile.as_str(),
            user.ide_language,
            user.language,
            user.password_hash,
            ts(now)
        ],
    );
    match inserted {
        Ok(_) => get_user(conn, account, conn.last_insert_rowid()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            Err(ApiError::DuplicateEmail)
        }
        Err(e) => Err(e.into()),
    }
}

pub fn get_user(conn: &Connection, account: &AccountId, id: i64) -> Result<User, ApiError> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE account_id = ?1 AND id = ?2"),
        params![account.as_str(), id],
        user_from_row,
    )
    .optional()?
    .map(|(user, _)| user)
    .ok_or(ApiError::UserNotFound)
}

pub fn list_users(conn: &Connection, account: &AccountId) -> Result<Vec<User>, ApiError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE account_id = ?1 ORDER BY id"
    ))?;
    let users = stmt
        .query_map([account.as_str()], user_from_row)?
        .map(|r| r.map(|(user, _)| user))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(users)
}

/// The user with this email (compared by [`Email::key`]) and their password hash.
pub fn user_by_email(
    conn: &Connection,
    account: &AccountId,
    email: &Email,
) -> Result<Option<(User, Option<String>)>, ApiError> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE account_id = ?1 AND email_key = ?2"),
            params![account.as_str(), email.key()],
            user_from_row,
        )
        .optional()?)
}

/// Fields an administrator may change; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct UserPatch {
    pub name: Option<String>,
    pub profile: Option<Profile>,
    pub ide_language: Option<String>,
    pub language: Option<String>,
    pub password_hash: Option<String>,
}

pub fn update_user(
    conn: &Connection,
    account: &AccountId,
    id: i64,
    patch: &UserPatch,
) -> Result<User, ApiError> {
    let changed = conn.execute(
        "UPDATE users SET name = COALESCE(?3, name), profile = COALESCE(?4, profile),
                ide_language = COALESCE(?5, ide_language), language = COALESCE(?6, language),
                password_hash = COALESCE(?7, password_hash)
         WHERE account_id = ?1 AND id = ?2",
        params![
            account.as_str(),
            id,
            patch.name,
            patch.profile.map(Profile::as_str),
            patch.ide_language,
            patch.language,
            patch.password_hash
        ],
    )?;
    if changed == 0 {
        return Err(ApiError::UserNotFound);
    }
    get_user(conn, account, id)
}

/// Records the role values a SAML assertion carried (R-SA-8).
pub fn set_saml_roles(conn: &Connection, user_id: i64, roles: &[String]) -> Result<(), ApiError> {
    let json = serde_json::to_string(roles).map_err(|e| ApiError::Internal(e.to_string()))?;
    conn.execute(
        "UPDATE users SET saml_roles = ?2 WHERE id = ?1",
        params![user_id, json],
    )?;
    Ok(())
}

/// Unlocks a user and resets the failed-attempt counter (R-PW-4).
pub fn unlock_user(conn: &Connection, account: &AccountId, id: i64) -> Result<User, ApiError> {
    let changed = conn.execute(
        "UPDATE users SET status = 'active', failed_attempts = 0
         WHERE account_id = ?1 AND id = ?2",
        params![account.as_str(), id],
    )?;
    if changed == 0 {
        return Err(ApiError::UserNotFound);
    }
    get_user(conn, account, id)
}

/// Unlocks a user by email, offline (R-PW-4's way out when the locked user is the last
/// administrator): the operator's `reference-sp unlock` / `harness unlock` commands.
/// Returns the line the commands print; the error carries its stable code.
pub async fn unlock_offline(path: &Path, account: &str, email: &str) -> Result<String, String> {
    let run = async {
        let account_id: AccountId = account.parse()?;
        let email = Email::parse(email)?;
        let store = Store::open(path)?;
        store
            .call(move |c| {
                let Some((user, _)) = user_by_email(c, &account_id, &email)? else {
                    return Err(ApiError::UserNotFound);
                };
                unlock_user(c, &account_id, user.id)
            })
            .await
    };
    match run.await {
        Ok(user) => Ok(format!(
            "unlocked {} <{}> in account {account}",
            user.name,
            user.email.as_str()
        )),
        Err(e) => Err(format!("{}: {e}", e.code())),
    }
}

/// Counts one failed attempt for an active user, locking them when the count reaches `max`.
///
/// One statement, conditional on the user still being active: however many wrong attempts race,
/// the counter stops at the limit and the user is locked exactly once (R-PW-3, R-PW-5).
pub fn record_failed_attempt(
    conn: &Connection,
    user_id: i64,
    max: Option<u32>,
) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE users SET failed_attempts = failed_attempts + 1,
                status = CASE WHEN ?2 IS NOT NULL AND failed_attempts + 1 >= ?2
                              THEN 'locked' ELSE status END
         WHERE id = ?1 AND status = 'active'",
        params![user_id, max],
    )?;
    Ok(())
}

/// After a correct password: resets the counter if the user is still active. Returns whether the
/// user was active, so a lock that raced in between wins.
pub fn record_successful_login(conn: &Connection, user_id: i64) -> Result<bool, ApiError> {
    Ok(conn.execute(
        "UPDATE users SET failed_attempts = 0 WHERE id = ?1 AND status = 'active'",
        [user_id],
    )? == 1)
}

// ---------------------------------------------------------------- resources

/// A resource served under `/live/<account>/<path>`.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub id: i64,
    pub path: String,
    pub kind: ResourceKind,
    pub visibility: Visibility,
    pub content_type: String,
    #[serde(skip)]
    pub body: Vec<u8>,
    /// Users a `named` resource is granted to.
    pub users: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct NewResource {
    pub path: String,
    pub kind: ResourceKind,
    pub visibility: Visibility,
    pub content_type: String,
    pub body: Vec<u8>,
    pub users: Vec<i64>,
}

/// Adds or replaces the resource at `res.path`, with its grants, in one transaction.
pub fn put_resource(
    conn: &mut Connection,
    account: &AccountId,
    res: &NewResource,
) -> Result<Resource, ApiError> {
    let tx = conn.transaction()?;
    for user in &res.users {
        let known = tx
            .query_row(
                "SELECT 1 FROM users WHERE account_id = ?1 AND id = ?2",
                params![account.as_str(), user],
                |_| Ok(()),
            )
            .optional()?;
        if known.is_none() {
            return Err(ApiError::UserNotFound);
        }
    }
    tx.execute(
        "INSERT INTO resources (account_id, path, kind, visibility, content_type, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account_id, path) DO UPDATE SET kind = excluded.kind,
             visibility = excluded.visibility, content_type = excluded.content_type,
             body = excluded.body",
        params![
            account.as_str(),
            res.path,
            res.kind.as_str(),
            res.visibility.as_str(),
            res.content_type,
            res.body
        ],
    )?;
    let id: i64 = tx.query_row(
        "SELECT id FROM resources WHERE account_id = ?1 AND path = ?2",
        params![account.as_str(), res.path],
        |r| r.get(0),
    )?;
    tx.execute("DELETE FROM resource_users WHERE resource_id = ?1", [id])?;
    for user in &res.users {
        tx.execute(
            "INSERT OR IGNORE INTO resource_users (resource_id, user_id) VALUES (?1, ?2)",
            params![id, user],
        )?;
    }
    tx.commit()?;
    get_resource(conn, account, &res.path)?.ok_or(ApiError::ResourceNotFound)
}

pub fn get_resource(
    conn: &Connection,
    account: &AccountId,
    path: &str,
) -> Result<Option<Resource>, ApiError> {
    let row = conn
        .query_row(
            "SELECT id, kind, visibility, content_type, body FROM resources
             WHERE account_id = ?1 AND path = ?2",
            params![account.as_str(), path],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((id, kind, visibility, content_type, body)) = row else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare("SELECT user_id FROM resource_users WHERE resource_id = ?1 ORDER BY user_id")?;
    let users = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(Some(Resource {
        id,
        path: path.to_owned(),
        kind: kind.parse()?,
        visibility: visibility.parse()?,
        content_type,
        body,
        users,
    }))
}

pub fn list_resources(conn: &Connection, account: &AccountId) -> Result<Vec<Resource>, ApiError> {
    let mut stmt =
        conn.prepare("SELECT path FROM resources WHERE account_id = ?1 ORDER BY path")?;
    let paths = stmt
        .query_map([account.as_str()], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    paths
        .iter()
        .filter_map(|p| get_resource(conn, account, p).transpose())
        .collect()
}

// ---------------------------------------------------------------- sessions

/// A stored session: bound to one account and one mode (R-ACC-6).
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub account: AccountId,
    pub mode: ExecutionMode,
    pub user: User,
    pub expires_at: DateTime<Utc>,
    /// Set when the session came from a SAML sign-in.
    pub saml: Option<crate::auth::SamlSession>,
}

/// A session about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub account: &'a AccountId,
    pub mode: ExecutionMode,
    pub user_id: i64,
    pub saml: Option<&'a crate::auth::SamlSession>,
}

pub fn insert_session(
    conn: &Connection,
    s: &NewSession<'_>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO sessions (token_hash, account_id, mode, user_id, created_at, expires_at,
                               saml_name_id, saml_name_id_format, saml_session_index)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            s.token_hash,
            s.account.as_str(),
            s.mode.as_str(),
            s.user_id,
            ts(now),
            ts(expires_at),
            s.saml.map(|x| x.name_id.as_str()),
            s.saml.map(|x| x.name_id_format.as_str()),
            s.saml.and_then(|x| x.session_index.as_deref())
        ],
    )?;
    Ok(())
}

pub fn find_session(conn: &Connection, token_hash: &str) -> Result<Option<SessionRow>, ApiError> {
    let row = conn
        .query_row(
            "SELECT account_id, mode, user_id, expires_at, saml_name_id, saml_name_id_format,
                    saml_session_index
             FROM sessions WHERE token_hash = ?1",
            [token_hash],
            |r| {
                let saml = match (
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ) {
                    (Some(name_id), Some(name_id_format)) => Some(crate::auth::SamlSession {
                        name_id,
                        name_id_format,
                        session_index: r.get(6)?,
                    }),
                    _ => None,
                };
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    saml,
                ))
            },
        )
        .optional()?;
    let Some((account, mode, user_id, expires_at, saml)) = row else {
        return Ok(None);
    };
    let account: AccountId = account.parse()?;
    let user = get_user(conn, &account, user_id)?;
    Ok(Some(SessionRow {
        mode: mode.parse()?,
        account,
        user,
        expires_at: parse_ts(&expires_at)?,
        saml,
    }))
}

/// Forgets sessions whose lifetime is over; run at each login so the table stays small.
pub fn delete_expired_sessions(conn: &Connection, now: DateTime<Utc>) -> Result<usize, ApiError> {
    Ok(conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [ts(now)])?)
}

/// Ends the SAML sessions of `name_id` (exact) in this account and mode; with `indexes`, only
/// those whose SessionIndex is one of them (saml-core §3.7.3.2). Returns how many ended.
pub fn end_saml_sessions(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    name_id: &str,
    indexes: &[String],
) -> Result<usize, ApiError> {
    let mut ended = 0;
    if indexes.is_empty() {
        ended += conn.execute(
            "DELETE FROM sessions WHERE account_id = ?1 AND mode = ?2 AND saml_name_id = ?3",
            params![account.as_str(), mode.as_str(), name_id],
        )?;
    }
    for index in indexes {
        ended += conn.execute(
            "DELETE FROM sessions WHERE account_id = ?1 AND mode = ?2 AND saml_name_id = ?3
                 AND saml_session_index = ?4",
            params![account.as_str(), mode.as_str(), name_id, index],
        )?;
    }
    Ok(ended)
}

pub fn delete_session(conn: &Connection, token_hash: &str) -> Result<(), ApiError> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn setup() -> (Store, AccountId, i64) {
        let store = Store::open_in_memory().unwrap();
        let account: AccountId = "1234".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let id = store
            .call_blocking(|c| {
                create_account(c, &account, "Acme", Some(3), now)?;
                let user = NewUser {
                    name: "B.Simon".into(),
                    email: Email::parse("B.Simon@contoso.com")?,
                    profile: Profile::User,
                    ide_language: "en".into(),
                    language: "en".into(),
                    password_hash: None,
                };
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
                let saml = crate::auth::SamlSession {
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
                let dup = NewUser {
                    name: "Other".into(),
                    email: Email::parse("b.simon@CONTOSO.com")?,
                    profile: Profile::User,
                    ide_language: "en".into(),
                    language: "en".into(),
                    password_hash: None,
                };
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
}
