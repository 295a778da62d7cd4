//! An account's Sign in with Apple configuration (R-APPLE-1); the developer key is stored, never
//! shown.

use crate::domain::AccountId;
use crate::error::ApiError;
use rusqlite::{Connection, OptionalExtension, params};

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

pub fn load_config(
    conn: &Connection,
    account: &AccountId,
) -> Result<Option<AppleConfig>, ApiError> {
    Ok(conn
        .query_row(
            "SELECT bundle_id, team_id, key_id, private_key, apple_base_url
             FROM apple_configs WHERE account_id = ?1",
            [account.as_str()],
            |r| {
                Ok(AppleConfig {
                    bundle_id: r.get(0)?,
                    team_id: r.get(1)?,
                    key_id: r.get(2)?,
                    private_key: r.get(3)?,
                    apple_base_url: r.get(4)?,
                })
            },
        )
        .optional()?)
}

pub fn save_config(
    conn: &Connection,
    account: &AccountId,
    c: &AppleConfig,
) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO apple_configs (account_id, bundle_id, team_id, key_id, private_key, apple_base_url)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account_id) DO UPDATE SET bundle_id = excluded.bundle_id,
             team_id = excluded.team_id, key_id = excluded.key_id,
             private_key = excluded.private_key, apple_base_url = excluded.apple_base_url",
        params![account.as_str(), c.bundle_id, c.team_id, c.key_id, c.private_key, c.apple_base_url],
    )?;
    Ok(())
}

pub fn delete_config(conn: &Connection, account: &AccountId) -> Result<(), ApiError> {
    conn.execute(
        "DELETE FROM apple_configs WHERE account_id = ?1",
        [account.as_str()],
    )?;
    Ok(())
}
