//! Users of an account (R-ACC-4), their SAML roles, and the lockout counter: one conditional
//! UPDATE, so concurrent wrong attempts never count past the limit (R-PW-3, R-PW-5).

use super::Store;
use super::ts;
use crate::domain::{AccountId, Email, Profile, UserStatus};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;

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

impl NewUser {
    /// A user with the defaults the admin API applies to what is not given (R-ACC-4): profile
    /// User, English, no password. Auto-provisioning creates exactly this (R-PROV-1).
    pub fn new(name: impl Into<String>, email: Email) -> Self {
        Self {
            name: name.into(),
            email,
            profile: Profile::User,
            ide_language: "en".into(),
            language: "en".into(),
            password_hash: None,
        }
    }
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
