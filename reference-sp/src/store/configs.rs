//! One way to load, save and delete a sign-in method's provider configuration (SAML and Google
//! per mode, R-SA-1 and R-GO-1; Apple per account, R-APPLE-1), so the three tables cannot drift
//! apart: a fix to how one is written (the upsert, the key) is a fix to all.
//!
//! The SQL is put together from each configuration's constant table and column names, never
//! from input; every value is a bound parameter.

use crate::domain::{AccountId, ExecutionMode};
use crate::error::ApiError;
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row};

/// Which row of a configuration table: its key columns and their values.
pub trait Key {
    const COLUMNS: &'static [&'static str];
    fn values(&self) -> Vec<&str>;
}

/// One configuration per account and mode (SAML, Google).
#[derive(Debug, Clone, Copy)]
pub struct PerMode<'a>(pub &'a AccountId, pub ExecutionMode);

impl Key for PerMode<'_> {
    const COLUMNS: &'static [&'static str] = &["account_id", "mode"];
    fn values(&self) -> Vec<&str> {
        vec![self.0.as_str(), self.1.as_str()]
    }
}

/// One configuration per account (Apple: the app is the account's, in every mode).
#[derive(Debug, Clone, Copy)]
pub struct PerAccount<'a>(pub &'a AccountId);

impl Key for PerAccount<'_> {
    const COLUMNS: &'static [&'static str] = &["account_id"];
    fn values(&self) -> Vec<&str> {
        vec![self.0.as_str()]
    }
}

/// A provider configuration stored one row per key in its own table: the key's columns, then
/// [`ProviderConfig::COLUMNS`].
pub trait ProviderConfig: Sized {
    type Key<'a>: Key;
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    /// Reads a row whose columns are [`ProviderConfig::COLUMNS`], in that order.
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;
    /// The values for [`ProviderConfig::COLUMNS`], in that order.
    fn values(&self) -> Vec<&dyn ToSql>;
}

fn where_key<K: Key>() -> String {
    K::COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect::<Vec<_>>()
        .join(" AND ")
}

pub fn load<C: ProviderConfig>(conn: &Connection, key: C::Key<'_>) -> Result<Option<C>, ApiError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {}",
        C::COLUMNS.join(", "),
        C::TABLE,
        where_key::<C::Key<'_>>()
    );
    Ok(conn
        .query_row(&sql, rusqlite::params_from_iter(key.values()), |r| {
            C::from_row(r)
        })
        .optional()?)
}

/// Inserts or replaces the configuration (validated by the caller).
pub fn save<C: ProviderConfig>(
    conn: &Connection,
    key: C::Key<'_>,
    config: &C,
) -> Result<(), ApiError> {
    let keys = <C::Key<'_> as Key>::COLUMNS;
    let columns: Vec<&str> = keys.iter().chain(C::COLUMNS).copied().collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = C::COLUMNS
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
        C::TABLE,
        columns.join(", "),
        placeholders.join(", "),
        keys.join(", "),
        updates.join(", ")
    );
    let key_values = key.values();
    let mut values: Vec<&dyn ToSql> = key_values.iter().map(|k| k as &dyn ToSql).collect();
    values.extend(config.values());
    conn.execute(&sql, values.as_slice())?;
    Ok(())
}

pub fn delete<C: ProviderConfig>(conn: &Connection, key: C::Key<'_>) -> Result<(), ApiError> {
    let sql = format!(
        "DELETE FROM {} WHERE {}",
        C::TABLE,
        where_key::<C::Key<'_>>()
    );
    conn.execute(&sql, rusqlite::params_from_iter(key.values()))?;
    Ok(())
}
