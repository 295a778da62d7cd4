//! Accounts and their per-mode configuration: method, lockout policy, custom login page
//! (R-ACC-1, R-ACC-2, R-PW-3, R-PW-6).

use super::ts;
use crate::domain::{AccountId, AuthMethod, ExecutionMode};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

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

/// The account's display name.
pub fn account_name(conn: &Connection, id: &AccountId) -> Result<Option<String>, ApiError> {
    Ok(conn
        .query_row(
            "SELECT name FROM accounts WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .optional()?)
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

/// Refuses to remove a method's configuration while the mode uses that method (`method_in_use`):
/// the mode would be left with a method it cannot run.
pub fn refuse_if_in_use(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    method: AuthMethod,
) -> Result<(), ApiError> {
    if mode_config(conn, account, mode)?.method == method {
        return Err(ApiError::MethodInUse);
    }
    Ok(())
}
