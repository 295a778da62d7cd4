//! Error answers a person can read (issue 15, item 2): a browser (`Accept` preferring
//! `text/html`) that is refused on the browser surface gets a page with the message, the stable
//! code and a way back; API clients, and every `/api/` and `/config/` answer, keep the JSON.
//!
//! The handlers are unchanged: every [`ApiError`](crate::ApiError) answer carries what it said
//! ([`Shown`]), and this layer only changes how it is shown. Status, cookies and the other
//! headers stay as the handler set them, except `WWW-Authenticate` (a browser would open its
//! Basic-auth dialog on a page that offers sign-in links).

use crate::domain::{AccountId, ExecutionMode};
use crate::error::{Shown, WayBack};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use mock_kit::html::escape;

/// Whether a request's `Accept` prefers HTML to JSON: `text/html` listed with a weight above
/// zero and not below `application/json`'s. `*/*` alone (curl, fetch) is not a browser.
pub fn prefers_html(accept: Option<&HeaderValue>) -> bool {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let weight = |wanted: &str| {
        accept.split(',').find_map(|range| {
            let mut parts = range.split(';').map(str::trim);
            if !parts.next()?.eq_ignore_ascii_case(wanted) {
                return None;
            }
            let q = parts
                .find_map(|p| p.strip_prefix("q="))
                .map_or(Some(1.0), |q| q.parse::<f32>().ok())?;
            Some(q)
        })
    };
    match (weight("text/html"), weight("application/json")) {
        (Some(html), json) => html > 0.0 && html >= json.unwrap_or(0.0),
        (None, _) => false,
    }
}

/// The middleware: an error answer to a browser becomes its page.
pub async fn negotiate(request: Request, next: Next) -> Response {
    let api = {
        let path = request.uri().path();
        path.starts_with("/api/") || path.starts_with("/config/")
    };
    let html = !api && prefers_html(request.headers().get(header::ACCEPT));
    let uri = request.uri().clone();
    let response = next.run(request).await;
    if !html {
        return response;
    }
    let Some(shown) = response.extensions().get::<Shown>().cloned() else {
        return response;
    };
    let back = response
        .extensions()
        .get::<WayBack>()
        .map(|w| w.0.clone())
        .unwrap_or_else(|| way_back(&uri, shown.code));
    let (mut parts, _) = response.into_parts();
    let page = error_page(parts.status, &shown, &back, &uri);
    for h in [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::WWW_AUTHENTICATE,
    ] {
        parts.headers.remove(h);
    }
    parts.headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::PAGE_CSP),
    );
    let mut html = Html(page).into_response();
    *html.status_mut() = parts.status;
    html.headers_mut().extend(parts.headers);
    html
}

/// Where a person goes from the error page: the account's home in the mode the URL named, which
/// starts that mode's sign-in method again (login page, IdP or Google); the SP's start page when
/// the URL names no known account.
fn way_back(uri: &Uri, code: &str) -> String {
    let mut segments = uri.path().trim_start_matches('/').split('/');
    let account = match (segments.next(), segments.next()) {
        (Some("live"), Some(a)) => a.parse::<AccountId>().ok(),
        _ => None,
    };
    let Some(account) = account.filter(|_| code != "unknown_account") else {
        return "/".into();
    };
    let mode = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "P_mode")
        .and_then(|(_, m)| m.parse::<ExecutionMode>().ok())
        .unwrap_or(ExecutionMode::Live);
    format!("/live/{account}/?P_mode={mode}")
}

fn error_page(status: StatusCode, shown: &Shown, back: &str, uri: &Uri) -> String {
    let title = match status.as_u16() {
        _ if shown.sign_in => "Sign-in refused",
        401 => "Sign-in failed",
        403 => "Not allowed",
        404 => "Not found",
        413 => "Request too large",
        503 => "Busy",
        500..=599 => "Something went wrong",
        _ => "Request refused",
    };
    let action = if back == "/" {
        "Go to the start page"
    } else if uri.path().contains("/saml/") {
        "Sign in again through your identity provider"
    } else if uri.path().contains("/google/") {
        "Sign in with Google again"
    } else {
        "Back to sign in"
    };
    let report = shown.report.as_deref().map_or(String::new(), |url| {
        format!(
            "<p><a href=\"{}\">Read the conformance report of this message</a>: every rule, \
             what was found and how to fix it.</p>\n",
            escape(url)
        )
    });
    let body = format!(
        "<h1>{title}</h1>\n<p class=\"error\" role=\"alert\">{}</p>\n\
         <p>Error code: <code>{}</code> (HTTP {}).</p>\n{report}\
         <p><a id=\"back\" href=\"{}\">{action}</a></p>\n",
        escape(&shown.message),
        escape(shown.code),
        status.as_u16(),
        escape(back),
    );
    mock_kit::html::page(title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> bool {
        prefers_html(Some(&HeaderValue::from_str(v).unwrap()))
    }

    #[test]
    fn browsers_prefer_html_and_api_clients_do_not() {
        // Chromium's and Firefox's navigation Accept.
        assert!(accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
        ));
        assert!(accept("text/html"));
        assert!(!accept("*/*"));
        assert!(!accept("application/json"));
        assert!(!accept("application/json, text/html;q=0.5"));
        assert!(accept("application/json;q=0.5, text/html"));
        assert!(!accept("text/html;q=0"));
        assert!(!accept("text/html;q=nonsense"));
        assert!(!prefers_html(None));
    }

    #[test]
    fn the_way_back_is_the_home_of_the_named_mode_or_the_start_page() {
        let uri = |s: &str| s.parse::<Uri>().unwrap();
        assert_eq!(
            way_back(&uri("/live/42/saml/acs?P_mode=TEST"), "saml_expired"),
            "/live/42/?P_mode=TEST"
        );
        assert_eq!(
            way_back(&uri("/live/42/x?P_mode=nonsense"), "unknown_mode"),
            "/live/42/?P_mode=LIVE"
        );
        assert_eq!(way_back(&uri("/live/42/login"), "unknown_account"), "/");
        assert_eq!(way_back(&uri("/live/abc/login"), "unknown_account"), "/");
        assert_eq!(way_back(&uri("/nowhere"), "not_found"), "/");
    }
}
