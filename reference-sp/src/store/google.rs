//! Each mode's Google sign-in configuration (R-GO-1, R-GO-5); the client secret is stored, never
//! shown.

use super::configs::{self, PerMode, ProviderConfig};
use crate::domain::{AccountId, ExecutionMode};
use crate::error::ApiError;
use rusqlite::Connection;
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

impl ProviderConfig for GoogleConfig {
    type Key<'a> = PerMode<'a>;
    const TABLE: &'static str = "google_configs";
    const COLUMNS: &'static [&'static str] = &[
        "client_id",
        "client_secret",
        "discovery_url",
        "domain",
        "auto_provisioning",
    ];

    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            client_id: r.get(0)?,
            client_secret: r.get(1)?,
            discovery_url: r.get(2)?,
            domain: r.get(3)?,
            auto_provisioning: r.get(4)?,
        })
    }

    fn values(&self) -> Vec<&dyn rusqlite::ToSql> {
        vec![
            &self.client_id,
            &self.client_secret,
            &self.discovery_url,
            &self.domain,
            &self.auto_provisioning,
        ]
    }
}

pub fn load_config(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<Option<GoogleConfig>, ApiError> {
    configs::load(conn, PerMode(account, mode))
}

/// Stores a mode's Google configuration (validated by the caller).
pub fn save_config(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    c: &GoogleConfig,
) -> Result<(), ApiError> {
    configs::save(conn, PerMode(account, mode), c)
}

/// Deletes a mode's configuration; refused (`method_in_use`) while the mode signs in with it.
pub fn delete_config(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<(), ApiError> {
    super::refuse_if_in_use(conn, account, mode, crate::domain::AuthMethod::Google)?;
    configs::delete::<GoogleConfig>(conn, PerMode(account, mode))
}
