//! The customer's request-signing keys, one per account, mode and operation (R-SG-1..3): stored
//! exactly as uploaded (PEM), with the certificate's fingerprint and the feed's title.

use crate::domain::{AccountId, ExecutionMode, Operation};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use protocol::keys::RequestSigningKey;
use rusqlite::{Connection, OptionalExtension, params};

/// The PEM stored for `operation` (`SAML_AUTH`, `SAML_LOGOUT`) of `account`/`mode`.
pub fn load_pem(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    operation: &str,
) -> Result<Option<String>, ApiError> {
    Ok(conn
        .query_row(
            "SELECT key_pem FROM signing_keys WHERE account_id = ?1 AND mode = ?2 AND operation = ?3",
            params![account.as_str(), mode.as_str(), operation],
            |r| r.get(0),
        )
        .optional()?)
}

/// When the key for `operation` of `account`/`mode` was stored.
pub fn updated_at(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    operation: &str,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT updated_at FROM signing_keys WHERE account_id = ?1 AND mode = ?2 AND operation = ?3",
            params![account.as_str(), mode.as_str(), operation],
            |r| r.get(0),
        )
        .optional()?;
    text.map(|t| {
        DateTime::parse_from_rfc3339(&t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| ApiError::Internal(format!("stored key time unreadable: {e}")))
    })
    .transpose()
}

/// A key about to be stored.
#[derive(Debug)]
pub struct NewKey<'a> {
    pub account: &'a AccountId,
    pub mode: ExecutionMode,
    pub operation: &'a str,
    pub pem: &'a str,
    pub fingerprint: &'a str,
    pub title: &'a str,
}

/// Stores or replaces the key; returns whether one was replaced.
pub fn put(conn: &Connection, k: &NewKey<'_>, now: DateTime<Utc>) -> Result<bool, ApiError> {
    let existed = conn
        .query_row(
            "SELECT 1 FROM signing_keys WHERE account_id = ?1 AND mode = ?2 AND operation = ?3",
            params![k.account.as_str(), k.mode.as_str(), k.operation],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    conn.execute(
        "INSERT INTO signing_keys (account_id, mode, operation, key_pem, fingerprint, title, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (account_id, mode, operation) DO UPDATE SET key_pem = excluded.key_pem,
             fingerprint = excluded.fingerprint, title = excluded.title,
             updated_at = excluded.updated_at",
        params![
            k.account.as_str(),
            k.mode.as_str(),
            k.operation,
            k.pem,
            k.fingerprint,
            k.title,
            now.to_rfc3339()
        ],
    )?;
    Ok(existed)
}

/// Removes the key; returns how many were removed (0 or 1).
pub fn delete(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    operation: &str,
) -> Result<usize, ApiError> {
    Ok(conn.execute(
        "DELETE FROM signing_keys WHERE account_id = ?1 AND mode = ?2 AND operation = ?3",
        params![account.as_str(), mode.as_str(), operation],
    )?)
}

/// The key that signs `operation` requests of `account`/`mode`, if one is configured.
pub fn load_key(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    operation: Operation,
) -> Result<Option<RequestSigningKey>, ApiError> {
    load_pem(conn, account, mode, operation.as_str())?
        .map(|p| {
            RequestSigningKey::from_pem(&p)
                .map_err(|e| ApiError::Internal(format!("stored signing key unreadable: {e}")))
        })
        .transpose()
}
