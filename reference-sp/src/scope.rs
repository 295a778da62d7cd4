//! Who and what a request addresses: the account and execution mode it names (R-ACC-1, R-ACC-2;
//! unknown ones refused before anything else is read),
//! and where a browser may be sent next: only inside its account (R-ACC-6, no open redirect).

use crate::AppState;
use crate::domain::{AccountId, ExecutionMode};
use crate::error::ApiError;
use crate::store::{self};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Query parameters the SP reads; others (a web interface's own) are ignored.
#[derive(Debug, Deserialize)]
pub struct ModeQuery {
    #[serde(rename = "P_mode")]
    pub mode: Option<String>,
    pub next: Option<String>,
    pub error: Option<String>,
    /// `from=google&domain=<d>` on any resource: sign in with Google, restricted to `<d>`
    /// (R-GO-2, R-GO-5).
    pub from: Option<String>,
    pub domain: Option<String>,
}

/// A query that may name the execution mode (`P_mode`).
pub trait ModeParam {
    fn mode(&self) -> Option<&str>;
}

impl ModeParam for ModeQuery {
    fn mode(&self) -> Option<&str> {
        self.mode.as_deref()
    }
}

/// The account and mode a request without a body addresses, and its query: the `{account}`
/// path segment and the query `Q` extracted, then [`scope`] applied, in that order and with the
/// same refusals as a handler taking `Path`, `QueryParams` and calling [`scope`] itself.
#[derive(Debug)]
pub struct Scoped<Q = ModeQuery> {
    pub account: AccountId,
    pub mode: ExecutionMode,
    pub query: Q,
}

async fn account_and_query<Q: DeserializeOwned + Send>(
    parts: &mut Parts,
    state: &AppState,
) -> Result<(String, Q), Response> {
    let Path(account) = Path::<String>::from_request_parts(parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let crate::error::QueryParams(query) =
        crate::error::QueryParams::<Q>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
    Ok((account, query))
}

async fn scope_or_refuse(
    state: &AppState,
    account: &str,
    mode: Option<&str>,
) -> Result<(AccountId, ExecutionMode), Response> {
    scope(state, account, mode)
        .await
        .map_err(IntoResponse::into_response)
}

impl<Q: DeserializeOwned + ModeParam + Send> FromRequestParts<AppState> for Scoped<Q> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let (account, query) = account_and_query::<Q>(parts, state).await?;
        let (account, mode) = scope_or_refuse(state, &account, query.mode()).await?;
        Ok(Self {
            account,
            mode,
            query,
        })
    }
}

/// As [`Scoped`], for a request with a body read by the extractor `B` (a form or JSON): the
/// path, the query, then the body (its refusals before the account is looked up, as when the
/// handler took them itself), then [`scope`]. The request's headers come along.
#[derive(Debug)]
pub struct ScopedWith<B, Q = ModeQuery> {
    pub account: AccountId,
    pub mode: ExecutionMode,
    pub query: Q,
    pub headers: HeaderMap,
    pub body: B,
}

impl<B, Q> FromRequest<AppState> for ScopedWith<B, Q>
where
    B: FromRequest<AppState> + Send,
    B::Rejection: IntoResponse,
    Q: DeserializeOwned + ModeParam + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let (account, query) = account_and_query::<Q>(&mut parts, state).await?;
        let headers = parts.headers.clone();
        let body = B::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let (account, mode) = scope_or_refuse(state, &account, query.mode()).await?;
        Ok(Self {
            account,
            mode,
            query,
            headers,
            body,
        })
    }
}

/// Resolves the account and mode a request addresses, refusing unknown ones.
pub async fn scope(
    state: &AppState,
    account: &str,
    mode: Option<&str>,
) -> Result<(AccountId, ExecutionMode), ApiError> {
    let account: AccountId = account.parse()?;
    let mode = match mode {
        None => ExecutionMode::Live,
        Some(raw) => raw.parse()?,
    };
    let id = account.clone();
    if !state
        .store()
        .call(move |c| store::account_exists(c, &id))
        .await?
    {
        return Err(ApiError::UnknownAccount);
    }
    Ok((account, mode))
}

/// The account home of a mode.
pub fn home_url(account: &AccountId, mode: ExecutionMode) -> String {
    format!("/live/{account}?P_mode={mode}")
}

/// The page that says a person is signed out of a mode, with the way to sign in again.
pub fn signed_out_path(account: &AccountId, mode: ExecutionMode) -> String {
    format!("/live/{account}/signed-out?P_mode={mode}")
}

/// The standard login page of a mode.
pub fn login_page_path(account: &AccountId, mode: ExecutionMode) -> String {
    format!("/live/{account}/login?P_mode={mode}")
}

/// Where to go after login: `next` if it stays inside this account, else the account home.
///
/// `next` is resolved the way a browser resolves a `Location` (WHATWG URL: backslashes as
/// slashes, dot segments removed, `%2E` counted as a dot), and the result must be a path under
/// `/live/<this account>`; what is returned is that resolved form, so the browser cannot resolve
/// it anywhere else. Another host, another account, `//evil`, `/live/A/../B` and
/// `/live/A/.%2E/B` all go to the account home.
pub fn safe_next(account: &AccountId, mode: ExecutionMode, next: Option<&str>) -> String {
    const BASE: &str = "http://sp.invalid/";
    let root = format!("/live/{account}");
    let resolved = next
        .filter(|n| n.starts_with('/') && !n.chars().any(char::is_control))
        .and_then(|n| url::Url::parse(BASE).ok()?.join(n).ok());
    match resolved {
        Some(u)
            if u.scheme() == "http"
                && u.host_str() == Some("sp.invalid")
                && u.port().is_none()
                && u.username().is_empty()
                && u.fragment().is_none()
                && (u.path() == root || u.path().starts_with(&format!("{root}/"))) =>
        {
            let target = match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_owned(),
            };
            // Nothing a lenient client could read as a scheme-relative or Windows-style path.
            if target.contains("//") || target.contains('\\') {
                home_url(account, mode)
            } else {
                target
            }
        }
        _ => home_url(account, mode),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_inside_the_account() {
        let a: AccountId = "42".parse().unwrap();
        let m = ExecutionMode::Test;
        assert_eq!(
            safe_next(&a, m, Some("/live/42/app?P_mode=TEST")),
            "/live/42/app?P_mode=TEST"
        );
        assert_eq!(safe_next(&a, m, Some("/live/42")), "/live/42");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/live/43/app",
            "/live/420",
            "/live/42/..//x",
            "/live/42/\\evil",
        ] {
            assert_eq!(safe_next(&a, m, Some(bad)), "/live/42?P_mode=TEST", "{bad}");
        }
        assert_eq!(safe_next(&a, m, None), "/live/42?P_mode=TEST");
    }
}
