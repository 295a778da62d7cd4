//! Composite-API triggers per account and event, and the record of every call made (R-CA-1..3).

use crate::domain::AccountId;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;

/// The URL called on `event` for `account`, if one is set.
pub fn trigger(
    conn: &Connection,
    account: &AccountId,
    event: &str,
) -> Result<Option<String>, ApiError> {
    Ok(conn
        .query_row(
            "SELECT url FROM composite_triggers WHERE account_id = ?1 AND event = ?2",
            params![account.as_str(), event],
            |r| r.get(0),
        )
        .optional()?)
}

/// Every (event, URL) set for `account`.
pub fn triggers(conn: &Connection, account: &AccountId) -> Result<Vec<(String, String)>, ApiError> {
    let mut stmt =
        conn.prepare("SELECT event, url FROM composite_triggers WHERE account_id = ?1")?;
    let rows = stmt
        .query_map([account.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Sets (or, with `None`, removes) the URL of each event, in one transaction.
pub fn set_triggers(
    conn: &mut Connection,
    account: &AccountId,
    set: &[(&str, Option<&str>)],
) -> Result<(), ApiError> {
    let tx = conn.transaction()?;
    for (event, url) in set {
        tx.execute(
            "DELETE FROM composite_triggers WHERE account_id = ?1 AND event = ?2",
            params![account.as_str(), event],
        )?;
        if let Some(url) = url {
            tx.execute(
                "INSERT INTO composite_triggers (account_id, event, url) VALUES (?1, ?2, ?3)",
                params![account.as_str(), event, url],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// One call made, about to be recorded.
#[derive(Debug)]
pub struct NewCall<'a> {
    pub event: &'a str,
    pub url: &'a str,
    pub outcome: &'a str,
    pub status: Option<u16>,
    pub error: Option<&'a str>,
    pub payload: &'a Value,
}

pub fn record_call(
    conn: &Connection,
    account: &AccountId,
    call: &NewCall<'_>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO composite_calls (account_id, event, url, outcome, status, error, payload, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            account.as_str(),
            call.event,
            call.url,
            call.outcome,
            call.status,
            call.error,
            call.payload.to_string(),
            now.to_rfc3339()
        ],
    )?;
    Ok(())
}

/// A recorded call, as the admin API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    pub id: i64,
    pub event: String,
    pub url: String,
    pub outcome: String,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub payload: Value,
    pub at: String,
}

pub fn list(conn: &Connection, account: &AccountId) -> Result<Vec<CallRecord>, ApiError> {
    let mut stmt = conn.prepare(
        "SELECT id, event, url, outcome, status, error, payload, at FROM composite_calls
         WHERE account_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([account.as_str()], |r| {
            let payload: String = r.get(6)?;
            Ok(CallRecord {
                id: r.get(0)?,
                event: r.get(1)?,
                url: r.get(2)?,
                outcome: r.get(3)?,
                status: r.get(4)?,
                error: r.get(5)?,
                payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
                at: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
