//! Sessions, shared by every method (R-ACC-6): random tokens stored only as their SHA-256, each
//! bound to one account and one execution mode, carried in a cookie named for that scope; and
//! who the caller is: the administrator check of the admin API (R-ACC-4: Basic credentials or a
//! LIVE session of an admin-profile user).

use crate::AppState;
use crate::domain::Profile;
use crate::domain::{AccountId, ExecutionMode};
use crate::error::ApiError;
use crate::scope::scope;
use crate::store::{self, SessionRow, User};
use axum::http::HeaderMap;
use axum::http::header;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

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

/// Authenticates the caller as an administrator of `account`.
pub(crate) async fn admin(
    state: &AppState,
    headers: &HeaderMap,
    account: &str,
) -> Result<(AccountId, User), ApiError> {
    let (account, _) = scope(state, account, None).await?;
    let user = if let Some((email, password)) = super::password::basic_credentials(headers) {
        super::password::check_password(state, &account, ExecutionMode::Live, &email, &password)
            .await?
    } else if headers.contains_key(axum::http::header::AUTHORIZATION) {
        return Err(ApiError::AuthenticationRequired);
    } else {
        current_session(state, headers, &account, ExecutionMode::Live)
            .await?
            .map_err(ApiError::from)?
            .user
    };
    if user.profile != Profile::Admin {
        return Err(ApiError::AdminRequired);
    }
    Ok((account, user))
}

/// An administrator's request about `{account}` without a body: the path segment extracted,
/// then [`admin`], in that order and with the same refusals as a handler doing both itself.
#[derive(Debug)]
pub struct AdminOf {
    pub account: AccountId,
    pub user: User,
}

impl axum::extract::FromRequestParts<AppState> for AdminOf {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        use axum::response::IntoResponse as _;
        let axum::extract::Path(account) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|r| r.into_response())?;
        let (account, user) = admin(state, &parts.headers, &account)
            .await
            .map_err(|e| e.into_response())?;
        Ok(Self { account, user })
    }
}

/// An administrator's request about one mode of `account` (the per-method configuration APIs).
async fn admin_of_mode(
    state: &AppState,
    headers: &HeaderMap,
    account: &str,
    mode: &str,
) -> Result<(AccountId, ExecutionMode), ApiError> {
    let (account, _) = admin(state, headers, account).await?;
    Ok((account, mode.parse()?))
}

/// An administrator's request about `{account}/{mode}` without a body: the path extracted, then
/// [`admin_of_mode`], with the same refusals in the same order as a handler doing both itself.
#[derive(Debug)]
pub struct AdminOfMode {
    pub account: AccountId,
    pub mode: ExecutionMode,
}

impl axum::extract::FromRequestParts<AppState> for AdminOfMode {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        use axum::response::IntoResponse as _;
        let axum::extract::Path((account, mode)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|r| r.into_response())?;
        let (account, mode) = admin_of_mode(state, &parts.headers, &account, &mode)
            .await
            .map_err(|e| e.into_response())?;
        Ok(Self { account, mode })
    }
}

/// As [`AdminOfMode`], for a request with a JSON body: the path, then the body (its refusals
/// first, as when the handler took `JsonBody` itself), then [`admin_of_mode`].
#[derive(Debug)]
pub struct AdminOfModeWith<T> {
    pub account: AccountId,
    pub mode: ExecutionMode,
    pub body: T,
}

impl<T: serde::de::DeserializeOwned + Send> axum::extract::FromRequest<AppState>
    for AdminOfModeWith<T>
{
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> Result<Self, Response> {
        use axum::extract::FromRequestParts as _;
        use axum::response::IntoResponse as _;
        let (mut parts, body) = req.into_parts();
        let axum::extract::Path((account, mode)) =
            axum::extract::Path::<(String, String)>::from_request_parts(&mut parts, state)
                .await
                .map_err(|r| r.into_response())?;
        let headers = parts.headers.clone();
        let req = axum::extract::Request::from_parts(parts, body);
        let crate::error::JsonBody(body) =
            <crate::error::JsonBody<T> as axum::extract::FromRequest<AppState>>::from_request(
                req, state,
            )
            .await
            .map_err(|e| e.into_response())?;
        let (account, mode) = admin_of_mode(state, &headers, &account, &mode)
            .await
            .map_err(|e| e.into_response())?;
        Ok(Self {
            account,
            mode,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
