//! Auto-provisioning, shared by SAML and Google sign-in (R-PROV-1..3): a user unknown to the
//! account is created at sign-in only in LIVE and only when the mode's configuration asks for
//! it; the new user is a plain user named as the identity provider names them (or by email),
//! without a password. The email is matched exactly as signed, never folded onto another user
//! beyond the ASCII case the store's key ignores (R-SA-4, R-GO-4).

use crate::domain::{AccountId, Email, ExecutionMode, parse_name};
use crate::error::ApiError;
use crate::store::{self, NewUser, User};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Whether a sign-in may create its user (R-PROV-1: LIVE only).
pub fn allowed(mode: ExecutionMode, auto_provisioning: bool) -> bool {
    mode == ExecutionMode::Live && auto_provisioning
}

/// The user with `email`, or a new one when `provision`; `None` when unknown and not created.
/// The flag says whether the user was created (the composite API's `user_creation`, R-CA-1).
pub fn find_or_create(
    conn: &Connection,
    account: &AccountId,
    email: &Email,
    name: &str,
    provision: bool,
    now: DateTime<Utc>,
) -> Result<Option<(User, bool)>, ApiError> {
    if let Some((user, _)) = store::user_by_email(conn, account, email)? {
        return Ok(Some((user, false)));
    }
    if !provision {
        return Ok(None);
    }
    let new = NewUser::new(
        parse_name(name).unwrap_or_else(|_| email.as_str().to_owned()),
        email.clone(),
    );
    Ok(Some((store::create_user(conn, account, &new, now)?, true)))
}
