//! Seed data: accounts, users and resources described in TOML, applied to an empty store.
//!
//! `harness up` starts the demo with an embedded seed; a file given on the command line replaces
//! it. An account that already exists is left as it is, so a restart keeps what users changed.

use crate::domain::{
    AccountId, Email, Profile, ResourceKind, Visibility, check_new_password, parse_language,
    parse_name, parse_resource_path,
};
use crate::error::ApiError;
use crate::signin::password::hash_password;
use crate::store::{self, NewResource, NewUser, Store};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Failed attempts allowed before lockout in a new account's modes, unless the seed says otherwise.
pub const DEFAULT_MAX_FAILED_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub accounts: Vec<SeedAccount>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    pub id: String,
    pub name: String,
    /// Password policy of all three modes; absent means the default of 5.
    pub max_failed_attempts: Option<u32>,
    #[serde(default)]
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub resources: Vec<SeedResource>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    pub name: String,
    pub email: String,
    pub password: Option<String>,
    pub profile: Option<String>,
    pub ide_language: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedResource {
    pub path: String,
    pub kind: String,
    pub visibility: String,
    pub content_type: Option<String>,
    pub body: String,
}

impl Seed {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| format!("seed: {e}"))
    }
}

/// What [`apply`] did with each account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOutcome {
    Created(AccountId),
    AlreadyPresent(AccountId),
}

/// Validates the whole seed, then creates each account that does not exist yet.
pub fn apply(store: &Store, seed: &Seed, now: DateTime<Utc>) -> Result<Vec<SeedOutcome>, String> {
    let mut outcomes = Vec::new();
    for account in &seed.accounts {
        let id: AccountId = account
            .id
            .parse()
            .map_err(|_| format!("seed: account id {:?} must be digits", account.id))?;
        let ctx = |e: ApiError| format!("seed: account {id}: {e} ({})", e.code());
        // Every value is checked on every start; passwords are hashed only for an account that
        // will be created (argon2id costs tens of milliseconds each), on a thread each.
        let exists = store
            .call_blocking(|c| store::account_exists(c, &id))
            .map_err(ctx)?;
        for p in account.users.iter().filter_map(|u| u.password.as_deref()) {
            check_new_password(p).map_err(ctx)?;
        }
        let hashes: Vec<Option<String>> = if exists {
            vec![None; account.users.len()]
        } else {
            std::thread::scope(|scope| {
                let running: Vec<_> = account
                    .users
                    .iter()
                    .map(|u| scope.spawn(|| u.password.as_deref().map(hash_password).transpose()))
                    .collect();
                running
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err(ApiError::Internal("hashing panicked".into())))
                    })
                    .collect::<Result<_, ApiError>>()
            })
            .map_err(ctx)?
        };
        let users = account
            .users
            .iter()
            .zip(hashes)
            .map(|(u, password_hash)| {
                Ok(NewUser {
                    name: parse_name(&u.name)?,
                    email: Email::parse(&u.email)?,
                    profile: u.profile.as_deref().unwrap_or("User").parse::<Profile>()?,
                    ide_language: parse_language(
                        "ide_language",
                        u.ide_language.as_deref().unwrap_or("en"),
                    )?,
                    language: parse_language("language", u.language.as_deref().unwrap_or("en"))?,
                    password_hash,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()
            .map_err(ctx)?;
        let resources = account
            .resources
            .iter()
            .map(|r| {
                Ok(NewResource {
                    path: parse_resource_path(&r.path)?,
                    kind: r.kind.parse::<ResourceKind>()?,
                    visibility: r.visibility.parse::<Visibility>()?,
                    content_type: r
                        .content_type
                        .clone()
                        .unwrap_or_else(|| "text/html; charset=utf-8".into()),
                    body: r.body.clone().into_bytes(),
                    users: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()
            .map_err(ctx)?;
        let max = account
            .max_failed_attempts
            .or(Some(DEFAULT_MAX_FAILED_ATTEMPTS));
        let created = store
            .call_blocking(|c| {
                if store::account_exists(c, &id)? {
                    return Ok(false);
                }
                store::create_account(c, &id, &account.name, max, now)?;
                for user in &users {
                    store::create_user(c, &id, user, now)?;
                }
                for resource in &resources {
                    store::put_resource(c, &id, resource)?;
                }
                Ok(true)
            })
            .map_err(ctx)?;
        outcomes.push(if created {
            SeedOutcome::Created(id)
        } else {
            SeedOutcome::AlreadyPresent(id)
        });
    }
    Ok(outcomes)
}
