//! An account's Sign in with Apple configuration (R-APPLE-1); the developer key is stored, never
//! shown.

use super::configs::{self, PerAccount, ProviderConfig};
use crate::domain::AccountId;
use crate::error::ApiError;
use rusqlite::Connection;

/// An account's Sign in with Apple configuration. The private key is stored, never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppleConfig {
    /// The RunMyApp bundle ID: the identity token's audience and the client ID.
    pub bundle_id: String,
    pub team_id: String,
    pub key_id: String,
    /// The `.p8` key (PEM) that signs `client_secret`. Required: every sign-in redeems its code.
    /// (Optional in the store only for rows written before that rule; such a configuration
    /// refuses every sign-in until the key is given.)
    pub private_key: Option<String>,
    /// Where `/auth/keys` and `/auth/token` live.
    pub apple_base_url: String,
}

impl ProviderConfig for AppleConfig {
    type Key<'a> = PerAccount<'a>;
    const TABLE: &'static str = "apple_configs";
    const COLUMNS: &'static [&'static str] = &[
        "bundle_id",
        "team_id",
        "key_id",
        "private_key",
        "apple_base_url",
    ];

    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            bundle_id: r.get(0)?,
            team_id: r.get(1)?,
            key_id: r.get(2)?,
            private_key: r.get(3)?,
            apple_base_url: r.get(4)?,
        })
    }

    fn values(&self) -> Vec<&dyn rusqlite::ToSql> {
        vec![
            &self.bundle_id,
            &self.team_id,
            &self.key_id,
            &self.private_key,
            &self.apple_base_url,
        ]
    }
}

pub fn load_config(
    conn: &Connection,
    account: &AccountId,
) -> Result<Option<AppleConfig>, ApiError> {
    configs::load(conn, PerAccount(account))
}

pub fn save_config(
    conn: &Connection,
    account: &AccountId,
    c: &AppleConfig,
) -> Result<(), ApiError> {
    configs::save(conn, PerAccount(account), c)
}

pub fn delete_config(conn: &Connection, account: &AccountId) -> Result<(), ApiError> {
    configs::delete::<AppleConfig>(conn, PerAccount(account))
}
