//! Login/Password (R-PW-1..5): argon2id hashes (R-PW-1) verified on the bounded pool
//! ([`super::hashing`]), and the lockout policy of the mode. A login attempt always costs one
//! hash verification, also for an unknown email or a user without a password, so the three
//! failure causes give the same answer in the same time (R-PW-5).

use crate::AppState;
use crate::domain::{AccountId, Email, ExecutionMode, MAX_PASSWORD_LEN};
use crate::error::ApiError;
use crate::store::{self, User};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use axum::http::{HeaderMap, header};
use std::sync::OnceLock;

/// Hashes a password with argon2id and the crate's default (OWASP) parameters.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("hashing: {e}")))
}

/// A hash of a random password, verified against when there is no real hash to check, so every
/// attempt costs the same.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(salt.as_str().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks an email and password against the account's users, applying the password policy of
/// `mode`. Every failure is [`ApiError::InvalidCredentials`].
pub async fn check_password(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    email: &str,
    password: &str,
) -> Result<User, ApiError> {
    let email = Email::parse(email).ok();
    let lookup = {
        let account = account.clone();
        state
            .store()
            .call(move |c| {
                let policy = store::mode_config(c, &account, mode)?.max_failed_attempts;
                let user = match &email {
                    Some(email) => store::user_by_email(c, &account, email)?,
                    None => None,
                };
                Ok((policy, user))
            })
            .await?
    };
    let (policy, user) = lookup;
    let hash = user.as_ref().and_then(|(_, h)| h.clone());
    // Over-long passwords are not hashed at full length; they still cost one verification.
    let candidate = if password.chars().count() > MAX_PASSWORD_LEN {
        String::new()
    } else {
        password.to_owned()
    };
    let real_hash = hash.is_some();
    // A full hashing queue ends here with `overloaded`, before anything is counted.
    let against = hash.unwrap_or_else(|| decoy_hash().to_owned());
    let matches = state.hashing().verify(against, candidate).await?;
    let Some((user, _)) = user else {
        return Err(ApiError::InvalidCredentials);
    };
    let user_id = user.id;
    if matches && real_hash {
        let active = state
            .store()
            .call(move |c| store::record_successful_login(c, user_id))
            .await?;
        if active {
            return Ok(user);
        }
        tracing::info!(user_id, "login refused: user is locked");
    } else {
        state
            .store()
            .call(move |c| store::record_failed_attempt(c, user_id, policy))
            .await?;
        tracing::info!(user_id, "login refused: wrong password");
    }
    Err(ApiError::InvalidCredentials)
}

/// Credentials from an `Authorization: Basic` header, if well formed.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("Correct-Horse-1").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let verify = |hash: &str, pw: &str| {
            crate::signin::hashing::verify_with(&mut Vec::new(), hash, pw.as_bytes())
        };
        assert_eq!(verify(&hash, "Correct-Horse-1"), Some(true));
        assert_eq!(verify(&hash, "correct-horse-1"), Some(false));
        assert_eq!(verify("not a hash", "x"), None);
        // The decoy is a real hash at the production cost: checking against it costs what
        // checking a user's password costs (R-PW-5).
        assert_eq!(verify(decoy_hash(), ""), Some(false));
        assert!(decoy_hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    #[test]
    fn basic_credentials_parse() {
        let mut headers = HeaderMap::new();
        // "admin@contoso.com:pa:ss" — the password may contain colons.
        headers.insert(
            header::AUTHORIZATION,
            "Basic YWRtaW5AY29udG9zby5jb206cGE6c3M=".parse().unwrap(),
        );
        assert_eq!(
            basic_credentials(&headers),
            Some(("admin@contoso.com".into(), "pa:ss".into()))
        );
    }
}
