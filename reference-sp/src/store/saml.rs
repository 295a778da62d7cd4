//! Each mode's SAML configuration (R-SA-1) and the assertion replay cache (R-SA-6: an assertion
//! ID is accepted once until it expires; LogoutRequest IDs join it, R-SA-9).

use super::configs::{self, PerMode, ProviderConfig};
use super::ts;
use crate::domain::{AccountId, ExecutionMode};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// One mode's SAML configuration (R-SA-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SamlConfig {
    /// "SSO redirect": the IdP's Login URL.
    pub sso_url: String,
    /// "Logout redirect": the IdP's Logout URL.
    pub logout_url: Option<String>,
    pub name_id_format: String,
    /// The IdP's entity ID (Entra's "Azure AD Identifier"); the Issuer every Response must carry.
    pub idp_entity_id: String,
    /// The IdP's signing certificate, PEM.
    pub idp_certificate: String,
    /// This account's SP entity ID (the IdP's "Identifier"), unique to the account.
    pub sp_entity_id: String,
    pub account_management_url: Option<String>,
    /// Create unknown users at sign-in (LIVE only, R-PROV-1).
    pub auto_provisioning: bool,
    /// Whether the IdP signs its LogoutRequests and LogoutResponses (R-SA-10). True by default:
    /// an unsigned logout message is then refused. Set false only for an IdP known not to sign
    /// them (Entra ID, whose logout signatures no source confirms; protocols.md §3.6).
    pub idp_signs_logout_messages: bool,
}

impl ProviderConfig for SamlConfig {
    type Key<'a> = PerMode<'a>;
    const TABLE: &'static str = "saml_configs";
    const COLUMNS: &'static [&'static str] = &[
        "sso_url",
        "logout_url",
        "name_id_format",
        "idp_entity_id",
        "idp_certificate",
        "sp_entity_id",
        "account_management_url",
        "auto_provisioning",
        "idp_signs_logout_messages",
    ];

    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            sso_url: r.get(0)?,
            logout_url: r.get(1)?,
            name_id_format: r.get(2)?,
            idp_entity_id: r.get(3)?,
            idp_certificate: r.get(4)?,
            sp_entity_id: r.get(5)?,
            account_management_url: r.get(6)?,
            auto_provisioning: r.get(7)?,
            idp_signs_logout_messages: r.get(8)?,
        })
    }

    fn values(&self) -> Vec<&dyn rusqlite::ToSql> {
        vec![
            &self.sso_url,
            &self.logout_url,
            &self.name_id_format,
            &self.idp_entity_id,
            &self.idp_certificate,
            &self.sp_entity_id,
            &self.account_management_url,
            &self.auto_provisioning,
            &self.idp_signs_logout_messages,
        ]
    }
}

pub fn load_config(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<Option<SamlConfig>, ApiError> {
    configs::load(conn, PerMode(account, mode))
}

/// Stores a mode's SAML configuration (validated by the caller).
pub fn save_config(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
    c: &SamlConfig,
) -> Result<(), ApiError> {
    configs::save(conn, PerMode(account, mode), c)
}

/// Records an assertion ID until it expires; false if it was already there (a replay).
pub fn remember_assertion(
    conn: &Connection,
    account: &AccountId,
    id: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    conn.execute(
        "DELETE FROM saml_assertions WHERE expires_at <= ?1",
        [ts(now)],
    )?;
    Ok(conn.execute(
        "INSERT OR IGNORE INTO saml_assertions (account_id, id, expires_at) VALUES (?1, ?2, ?3)",
        params![account.as_str(), id, ts(until)],
    )? == 1)
}

/// Whether an assertion ID is in the replay cache, unexpired (R-SA-6).
pub fn assertion_seen(
    conn: &Connection,
    account: &AccountId,
    id: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM saml_assertions WHERE account_id = ?1 AND id = ?2 AND expires_at > ?3",
            params![account.as_str(), id, ts(now)],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Whether another account already uses `sp_entity_id` (R-EN-2: one SP entity ID per account).
pub fn entity_id_taken(
    conn: &Connection,
    sp_entity_id: &str,
    account: &AccountId,
) -> Result<bool, ApiError> {
    Ok(conn
        .query_row(
            "SELECT account_id FROM saml_configs WHERE sp_entity_id = ?1 AND account_id <> ?2",
            params![sp_entity_id, account.as_str()],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .is_some())
}

/// Deletes a mode's configuration; refused (`method_in_use`) while the mode signs in with it.
pub fn delete_config(
    conn: &Connection,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<(), ApiError> {
    super::refuse_if_in_use(conn, account, mode, crate::domain::AuthMethod::Saml)?;
    configs::delete::<SamlConfig>(conn, PerMode(account, mode))
}
