//! Cross-site request forgery defences (issue 10 item 3; R-PW-1, R-PW-6, R-ACC-6).
//!
//! 1. **Origin check** on every state-changing request a browser could send with the user's
//!    cookies: any POST/PUT/PATCH/DELETE that carries a session cookie, and every login-form post
//!    (login CSRF needs no session). The request must come from the SP's own public origin:
//!    `Origin` when it names one; when it is absent or `null` (the SP's pages send
//!    `Referrer-Policy: no-referrer`, with which browsers post `Origin: null` even to their own
//!    site), `Sec-Fetch-Site: same-origin`; failing both, a `Referer` of the SP's origin. No
//!    evidence at all is refused too. Refusal: 403 `csrf_origin`, before any handler runs.
//!    Not checked: messages that authenticate themselves and arrive cross-site by design (the
//!    SAML ACS and single-logout endpoints, the iOS app's Apple sign-in), and API calls without
//!    cookies (HTTP Basic): a forged cross-site request cannot carry those credentials.
//! 2. **Login token** (double submit): serving a mode's login page (the standard one, the
//!    redirect to a custom one, or the custom page itself) sets a pre-session cookie
//!    `DS_LOGIN_<account>_<mode>` (HttpOnly, SameSite=Strict, scoped to the account), and the
//!    standard form carries the same value in `login_token`. A login post without that cookie,
//!    or whose `login_token` differs from it, is refused with 403 `csrf_login_token` and counts
//!    as nothing. A custom page cannot know the token (it is the customer's static HTML), so for
//!    a mode with a custom page the field is optional but, when sent, must match; the cookie,
//!    which a browser never attaches to a cross-site post, is still required.

use crate::AppState;
use crate::domain::{AccountId, ExecutionMode};
use crate::error::ApiError;
use crate::signin::session;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use subtle_eq::ct_eq;

/// How long a login page's pre-session cookie lasts.
const LOGIN_TOKEN_SECONDS: u32 = 3600;

/// The longest token value accepted from a cookie (ours are 69 characters).
const MAX_TOKEN_LEN: usize = 128;

/// The SP's public origin (`scheme://host[:port]`), as browsers serialise it.
pub fn public_origin(public_url: &str) -> Option<String> {
    let url = url::Url::parse(public_url).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Paths whose posts authenticate themselves and come cross-site by design.
fn exempt(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/live/") else {
        return false;
    };
    let Some((_, tail)) = rest.split_once('/') else {
        return false;
    };
    matches!(
        tail,
        "saml/acs" | "saml/slo" | "apple/signin" | "apple/nonce"
    )
}

fn is_login_post(path: &str) -> bool {
    path.strip_prefix("/live/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, tail)| tail == "login")
}

fn has_session_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| pair.trim_start().starts_with("DS_SESSION_"))
}

/// Whether the request's headers show it was sent by a page of `origin`.
pub fn same_origin(headers: &HeaderMap, origin: &str) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(sent) = text("origin").filter(|o| *o != "null") {
        return sent == origin;
    }
    if let Some(site) = text("sec-fetch-site") {
        return site == "same-origin";
    }
    text("referer")
        .and_then(public_origin)
        .is_some_and(|o| o == origin)
}

/// The middleware of rule 1.
pub async fn origin_guard(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let method = request.method();
    let unsafe_method = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let path = request.uri().path();
    // Any other method on the login path is answered 405 by the router, whoever sent it.
    let login_post = *method == Method::POST && is_login_post(path);
    if unsafe_method && !exempt(path) && (login_post || has_session_cookie(request.headers())) {
        let allowed = public_origin(&state.settings().public_url)
            .is_some_and(|origin| same_origin(request.headers(), &origin));
        if !allowed {
            tracing::info!(path, "refused: cross-origin state-changing request");
            return Err(ApiError::forbidden(
                "csrf_origin",
                "this request did not come from the SP's own pages",
            ));
        }
    }
    Ok(next.run(request).await)
}

pub fn login_cookie_name(account: &AccountId, mode: ExecutionMode) -> String {
    format!("DS_LOGIN_{account}_{mode}")
}

fn held_token<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    session::cookie_value(headers, name).filter(|t| {
        t.len() <= MAX_TOKEN_LEN && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// The token a login page carries, and the `Set-Cookie` that binds it to this browser. A
/// browser that already holds a well-formed token keeps it, so two open tabs both work.
pub fn login_token(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    mode: ExecutionMode,
) -> (String, String) {
    let name = login_cookie_name(account, mode);
    let token = held_token(headers, &name)
        .map(str::to_owned)
        .unwrap_or_else(|| state.ids().new_id("lt_"));
    let cookie = format!(
        "{name}={token}; Path=/live/{account}; HttpOnly; SameSite=Strict; Max-Age={LOGIN_TOKEN_SECONDS}{}",
        if state.settings().secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    (token, cookie)
}

/// Rule 2, checked on every login post before any credential is looked at.
pub fn check_login_token(
    headers: &HeaderMap,
    account: &AccountId,
    mode: ExecutionMode,
    sent: Option<&str>,
    custom_page: bool,
) -> Result<(), ApiError> {
    let refuse = || {
        ApiError::forbidden(
            "csrf_login_token",
            "the login form is stale or was not served by the SP to this browser; reload it",
        )
    };
    let held = held_token(headers, &login_cookie_name(account, mode)).ok_or_else(refuse)?;
    match sent {
        Some(sent) if ct_eq(sent.as_bytes(), held.as_bytes()) => Ok(()),
        None if custom_page => Ok(()),
        _ => Err(refuse()),
    }
}

mod subtle_eq {
    /// Constant-time equality (for equal lengths; lengths are not secret).
    pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn origin_evidence_in_order() {
        let me = "http://127.0.0.1:8080";
        assert!(same_origin(&headers(&[("origin", me)]), me));
        assert!(!same_origin(
            &headers(&[("origin", "https://evil.example")]),
            me
        ));
        // A foreign Origin is not excused by a friendly Sec-Fetch-Site.
        assert!(!same_origin(
            &headers(&[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "same-origin")
            ]),
            me
        ));
        assert!(same_origin(
            &headers(&[("origin", "null"), ("sec-fetch-site", "same-origin")]),
            me
        ));
        assert!(!same_origin(
            &headers(&[("origin", "null"), ("sec-fetch-site", "cross-site")]),
            me
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            me
        ));
        assert!(same_origin(
            &headers(&[("referer", "http://127.0.0.1:8080/live/1/login")]),
            me
        ));
        assert!(!same_origin(
            &headers(&[("referer", "http://127.0.0.1:8080.evil.example/")]),
            me
        ));
        assert!(!same_origin(&HeaderMap::new(), me));
    }

    #[test]
    fn only_self_authenticating_endpoints_are_exempt() {
        assert!(exempt("/live/1/saml/acs"));
        assert!(exempt("/live/1/apple/signin"));
        assert!(!exempt("/live/1/login"));
        assert!(!exempt("/live/1/saml/acs/x"));
        assert!(!exempt("/api/1/saml/acs"));
        assert!(is_login_post("/live/1/login"));
        assert!(!is_login_post("/live/1/login/x"));
    }

    #[test]
    fn public_origin_drops_path_and_default_port() {
        assert_eq!(
            public_origin("https://live.example:443/base").as_deref(),
            Some("https://live.example")
        );
        assert_eq!(
            public_origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
    }
}
