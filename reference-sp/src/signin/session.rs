//! Login/Password and sessions (R-PW-1..5, R-ACC-6).
//!
//! Passwords are argon2id hashes (R-PW-1). A login attempt always costs one hash verification,
//! also for an unknown email or a user without a password, so the three failure causes give the
//! same answer in the same time (R-PW-5). Sessions are random tokens stored only as their SHA-256,
//! each bound to one account and one execution mode, carried in a cookie named for that scope.

use crate::AppState;
use crate::domain::{AccountId, Email, ExecutionMode, MAX_PASSWORD_LEN};
use crate::error::ApiError;
use crate::store::{self, SessionRow, User};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use axum::http::HeaderMap;
use axum::http::header;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
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

/// The session cookie's name for one account and mode, so a browser can hold sessions of several
/// modes at once and none is ever sent as another's.
pub fn cookie_name(account: &AccountId, mode: ExecutionMode) -> String {
    format!("DS_SESSION_{account}_{mode}")
}

pub(crate) fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub use crate::store::SamlSession;

/// Creates a session for `user` in `account`/`mode` and returns the `Set-Cookie` value.
/// A new token at every login; the one the browser held for this scope, if any, is revoked.
/// The session ends after the configured lifetime, or by `ends_by` (a SAML
/// `SessionNotOnOrAfter`) if sooner: the SP session never outlives the one the IdP granted.
pub async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    mode: ExecutionMode,
    user: &User,
    saml: Option<SamlSession>,
    ends_by: Option<DateTime<Utc>>,
) -> Result<String, ApiError> {
    let name = cookie_name(account, mode);
    let previous = cookie_value(headers, &name).map(token_hash);
    let token = state.ids().new_id("ds");
    let now = state.clock().now();
    let ttl = match ends_by {
        Some(end) => state.settings().session_ttl.min(end - now),
        None => state.settings().session_ttl,
    };
    let (hash, account_c, user_id) = (token_hash(&token), account.clone(), user.id);
    state
        .store()
        .call(move |c| {
            if let Some(previous) = previous {
                store::delete_session(c, &previous)?;
            }
            store::delete_expired_sessions(c, now)?;
            let session = store::NewSession {
                token_hash: &hash,
                account: &account_c,
                mode,
                user_id,
                saml: saml.as_ref(),
            };
            store::insert_session(c, &session, now, now + ttl)
        })
        .await?;
    Ok(format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        ttl.num_seconds(),
        if state.settings().secure_cookies {
            "; Secure"
        } else {
            ""
        }
    ))
}

/// The `Set-Cookie` value that removes this scope's session cookie.
pub fn clear_cookie(account: &AccountId, mode: ExecutionMode) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
        cookie_name(account, mode)
    )
}

/// Why a request has no usable session for the scope it asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSession {
    /// No cookie for this scope, or an unknown or expired token.
    Missing,
    /// A valid session, but of another account or mode (R-ACC-6).
    OtherScope,
}

impl From<NoSession> for ApiError {
    fn from(why: NoSession) -> Self {
        match why {
            NoSession::Missing => ApiError::AuthenticationRequired,
            NoSession::OtherScope => ApiError::SessionScopeMismatch,
        }
    }
}

/// The session the request's cookie holds for `account`/`mode`.
pub async fn current_session(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<Result<SessionRow, NoSession>, ApiError> {
    let Some(token) = cookie_value(headers, &cookie_name(account, mode)) else {
        return Ok(Err(NoSession::Missing));
    };
    let hash = token_hash(token);
    let Some(session) = state
        .store()
        .call(move |c| store::find_session(c, &hash))
        .await?
    else {
        return Ok(Err(NoSession::Missing));
    };
    if session.expires_at <= state.clock().now() {
        return Ok(Err(NoSession::Missing));
    }
    if &session.account != account || session.mode != mode {
        tracing::warn!(
            presented_for = %format!("{account}/{mode}"),
            bound_to = %format!("{}/{}", session.account, session.mode),
            "session refused outside its scope"
        );
        return Ok(Err(NoSession::OtherScope));
    }
    Ok(Ok(session))
}

/// Ends the session the request holds for this scope, if any, and returns it.
pub async fn end_session(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<Option<SessionRow>, ApiError> {
    let Ok(session) = current_session(state, headers, account, mode).await? else {
        return Ok(None);
    };
    if let Some(token) = cookie_value(headers, &cookie_name(account, mode)) {
        let hash = token_hash(token);
        state
            .store()
            .call(move |c| store::delete_session(c, &hash))
            .await?;
    }
    Ok(Some(session))
}

pub(crate) fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// Adds a `Set-Cookie` header to a response.
pub fn with_cookie(mut response: Response, cookie: &str) -> Result<Response, ApiError> {
    let value = axum::http::HeaderValue::from_str(cookie)
        .map_err(|e| ApiError::Internal(format!("cookie: {e}")))?;
    response.headers_mut().append(header::SET_COOKIE, value);
    Ok(response)
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
        assert!(verify(&hash, "Correct-Horse-1"));
        assert!(!verify(&hash, "correct-horse-1"));
        assert!(!verify("not a hash", "x"));
        assert!(!verify(decoy_hash(), ""));
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "DS_SESSION_1_TEST=abc; DS_SESSION_1_LIVE=def"
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie_value(&headers, "DS_SESSION_1_LIVE"), Some("def"));
        assert_eq!(cookie_value(&headers, "DS_SESSION_1_TEST"), Some("abc"));
        assert_eq!(cookie_value(&headers, "DS_SESSION_1_ACCEPTANCE"), None);
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
