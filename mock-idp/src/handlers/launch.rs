//! The IdP-side starts of the Entra tutorial's "Test SSO" section (issue 17, item 5): the My
//! Apps portal's tiles, and the portal's "Test this application". For an SP-initiated app both
//! send the browser to the app's registered Sign on URL, where the app sends its AuthnRequest
//! (Microsoft's "Test single sign-on" and "Sign on URL" documentation).
//!
//! The mock's My Apps lists every registered app without asking for a sign-in first (the real
//! one does): the IdP asks for it when the app's AuthnRequest arrives. An app without a Sign on
//! URL would be started IdP-initiated by Entra; the mock does not start unsolicited sign-ins
//! from here and says so (its `unsolicited` fault is how a Response without a request is sent).

use super::St;
use crate::Shared;
use crate::config::RegisteredApp;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(super) struct AppQuery {
    app: Option<String>,
}

/// Why an app cannot be started from the IdP's side.
enum NoStart {
    Missing,
    Unknown(String),
    NoSignOnUrl(String),
}

impl NoStart {
    fn code(&self) -> &'static str {
        match self {
            Self::Missing => "missing_app",
            Self::Unknown(_) => "unknown_app",
            Self::NoSignOnUrl(_) => "no_sign_on_url",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Missing => "the app parameter (the app's Identifier) is missing".into(),
            Self::Unknown(a) => format!("no app with the Identifier {a} is registered"),
            Self::NoSignOnUrl(a) => format!(
                "{a} has no Sign on URL: Entra would start it IdP-initiated, which this mock does \
                 not do from here (set sign_on_url)"
            ),
        }
    }
}

fn sign_on_url(shared: &Shared, q: &AppQuery) -> Result<String, NoStart> {
    let id = q
        .app
        .clone()
        .filter(|a| !a.is_empty())
        .ok_or(NoStart::Missing)?;
    let app = shared
        .config()
        .apps
        .iter()
        .find(|a| a.identifier == id)
        .cloned()
        .ok_or_else(|| NoStart::Unknown(id.clone()))?;
    app.sign_on_url.ok_or(NoStart::NoSignOnUrl(id))
}

fn to(url: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, url)]).into_response()
}

/// `GET /myapps`: a tile per registered app.
pub(super) async fn my_apps(State(shared): St) -> Response {
    let esc = mock_kit::html::escape;
    let apps: Vec<RegisteredApp> = shared.config().apps.clone();
    let tiles: String = apps
        .iter()
        .map(|a| {
            let id = esc(&a.identifier);
            match &a.sign_on_url {
                Some(_) => {
                    let q: String = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("app", &a.identifier)
                        .finish();
                    format!("<li><a href=\"/myapps/launch?{}\">{id}</a></li>\n", esc(&q))
                }
                None => format!("<li>{id} (no Sign on URL: started IdP-initiated by Entra)</li>\n"),
            }
        })
        .collect();
    let body = if apps.is_empty() {
        "<h1>My Apps</h1>\n<p>No app is registered.</p>\n".to_owned()
    } else {
        format!("<h1>My Apps</h1>\n<ul>\n{tiles}</ul>\n")
    };
    Html(mock_kit::html::page("My Apps", &body)).into_response()
}

/// `GET /myapps/launch?app=`: a tile's link, to the app's Sign on URL.
pub(super) async fn launch(State(shared): St, Query(q): Query<AppQuery>) -> Response {
    match sign_on_url(&shared, &q) {
        Ok(url) => to(url),
        Err(e) => {
            let body = format!(
                "<h1>My Apps</h1>\n<p class=\"error\" role=\"alert\" data-code=\"{}\">{}</p>\n",
                e.code(),
                mock_kit::html::escape(&e.message())
            );
            let status = match e {
                NoStart::NoSignOnUrl(_) => StatusCode::CONFLICT,
                NoStart::Missing => StatusCode::BAD_REQUEST,
                NoStart::Unknown(_) => StatusCode::NOT_FOUND,
            };
            (status, Html(mock_kit::html::page("My Apps", &body))).into_response()
        }
    }
}

/// `GET /control/test-sso?app=`: the portal's "Test this application" for an SP-initiated app.
pub(super) async fn control_test_sso(State(shared): St, Query(q): Query<AppQuery>) -> Response {
    match sign_on_url(&shared, &q) {
        Ok(url) => to(url),
        Err(e) => mock_kit::control_error(e.code(), e.message()),
    }
}
