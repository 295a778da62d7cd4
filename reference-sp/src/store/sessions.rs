//! Sessions, bound to one account and one mode (R-ACC-6), with the SAML NameID and
//! SessionIndex of a SAML sign-in for single logout (R-SA-9).

use super::User;
use super::users::get_user;
use super::{parse_ts, ts};
use crate::domain::{AccountId, ExecutionMode};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// What a SAML sign-in adds to a session: what single logout needs (R-SA-9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlSession {
    pub name_id: String,
    pub name_id_format: String,
    pub session_index: Option<String>,
}

/// A stored session: bound to one account and one mode (R-ACC-6).
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub account: AccountId,
    pub mode: ExecutionMode,
    pub user: User,
    pub expires_at: DateTime<Utc>,
    /// Set when the session came from a SAML sign-in.
    pub saml: Option<SamlSession>,
}

/// A session about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub account: &'a AccountId,
    pub mode: ExecutionMode,
    pub user_id: i64,
    pub saml: Option<&'a SamlSession>,
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
                    (Some(name_id), Some(name_id_format)) => Some(SamlSession {
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
