//! Each mode's Google sign-in configuration (R-GO-1, R-GO-5); the client secret is stored, never
//! shown.

use crate::domain::{AccountId, ExecutionMode};
use crate::error::ApiError;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// One mode's Google configuration. The client secret is stored but never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoogleConfig {
    pub client_id: String,
    #[serde(skip)]
    pub client_secret: String,
    pub discovery_url: String,
    /// Authentication policy: only accounts of this Google Workspace domain (`hd`).
    pub domain: Option<String>,
    pub auto_provisioning: bool,
}

pub fn load_config(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<Option<GoogleConfig>, ApiError> {
    Ok(conn
        .query_row(
            "SELECT client_id, client_secret, discovery_url, domain, auto_provisioning
             FROM google_configs WHERE account_id = ?1 AND mode = ?2",
            params![account.as_str(), mode.as_str()],
            |r| {
                Ok(GoogleConfig {
                    client_id: r.get(0)?,
                    client_secret: r.get(1)?,
                    discovery_url: r.get(2)?,
                    domain: r.get(3)?,
                    auto_provisioning: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// Stores a mode's Google configuration (validated by the caller).
pub fn save_config(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    c: &GoogleConfig,
) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO google_configs (account_id, mode, client_id, client_secret, discovery_url,
             domain, auto_provisioning)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (account_id, mode) DO UPDATE SET client_id = excluded.client_id,
             client_secret = excluded.client_secret, discovery_url = excluded.discovery_url,
             domain = excluded.domain, auto_provisioning = excluded.auto_provisioning",
        params![
            account.as_str(),
            mode.as_str(),
            c.client_id,
            c.client_secret,
            c.discovery_url,
            c.domain,
            c.auto_provisioning
        ],
    )?;
    Ok(())
}

pub fn delete_config(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<(), ApiError> {
    conn.execute(
        "DELETE FROM google_configs WHERE account_id = ?1 AND mode = ?2",
        params![account.as_str(), mode.as_str()],
    )?;
    Ok(())
}
