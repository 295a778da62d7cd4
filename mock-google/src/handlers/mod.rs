//! Endpoints of the mock Google (protocols.md §1.1-1.6): the routes, discovery and JWKS, and the
//! error page Google shows instead of redirecting. The flows live beside it: [`authorize`]
//! (the authorization request, account chooser, consent and code), [`token`] (code redemption,
//! the ID token, userinfo) and [`control`] (the control API the harness drives).

mod authorize;
mod control;
mod device;
mod token;

pub(crate) use authorize::AuthParams;
pub(crate) use device::DeviceGrant;

use crate::{AUTH_PATH, DISCOVERY_PATH, JWKS_PATH, REVOKE_PATH, Shared, TOKEN_PATH, USERINFO_PATH};
use authorize::{authorize, choose, consent, signin};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use control::{
    control_clear_sessions, control_fault, control_messages, control_next_login, control_rotate,
    control_user,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use token::{revoke, token, userinfo};

type St = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route(DISCOVERY_PATH, get(discovery))
        .route(AUTH_PATH, get(authorize))
        .route("/signin", post(signin))
        .route("/signin/choose", post(choose))
        .route("/consent", post(consent))
        .route(TOKEN_PATH, post(token))
        .route(REVOKE_PATH, post(revoke))
        .route("/device/code", post(device::device_code))
        .route(
            "/device",
            get(device::device_page).post(device::device_submit),
        )
        .route(USERINFO_PATH, get(userinfo))
        .route(JWKS_PATH, get(jwks))
        .route("/control/next-login", post(control_next_login))
        .route("/control/faults", post(control_fault))
        .route("/control/rotate-keys", post(control_rotate))
        .route("/control/messages", get(control_messages))
        .route("/control/users", post(control_user))
        .route("/control/sessions", delete(control_clear_sessions))
        .with_state(shared)
}

/// Parameters whose values never reach the log.
const SECRETS: &[&str] = &[
    "client_secret",
    "code_verifier",
    "code",
    "device_code",
    "password",
    "refresh_token",
    "token",
];

fn redacted(params: BTreeMap<String, String>) -> BTreeMap<String, String> {
    mock_kit::redacted(params, SECRETS)
}

async fn discovery(State(shared): St) -> Response {
    shared.log("discovery", BTreeMap::new());
    Json(json!({
        "issuer": shared.issuer,
        "authorization_endpoint": shared.url(AUTH_PATH),
        "token_endpoint": shared.url(TOKEN_PATH),
        "userinfo_endpoint": shared.url(USERINFO_PATH),
        "revocation_endpoint": shared.url(REVOKE_PATH),
        "device_authorization_endpoint": shared.url("/device/code"),
        "jwks_uri": shared.url(JWKS_PATH),
        "response_types_supported": ["code", "token", "id_token", "code token", "code id_token",
            "token id_token", "code token id_token", "none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "family_name", "given_name",
            "iat", "iss", "locale", "name", "picture", "sub"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code"],
    }))
    .into_response()
}

async fn jwks(State(shared): St) -> Response {
    shared.log("jwks", BTreeMap::new());
    let current = shared.runtime().current_key;
    let keys: Vec<Value> = shared.keys[current..(current + 2).min(shared.keys.len())]
        .iter()
        .map(|k| k.jwk())
        .collect();
    (
        [(
            header::CACHE_CONTROL,
            "public, max-age=21600, must-revalidate, no-transform",
        )],
        Json(json!({ "keys": keys })),
    )
        .into_response()
}

/// What this server is, and its URLs.
async fn index(State(shared): St) -> Response {
    Html(mock_kit::html::index_page(
        "Mock Google (OAuth 2.0 and OpenID Connect)",
        "A mock of Google's sign-in for the DigitalSuite conformance harness: discovery, the \
         account chooser and consent, the token endpoint and the signing keys.",
        &[
            ("Discovery document", shared.url(DISCOVERY_PATH)),
            ("Signing keys (JWKS)", shared.url(JWKS_PATH)),
            ("Authorization endpoint", shared.url(AUTH_PATH)),
            (
                "Requests received (control API)",
                shared.url("/control/messages"),
            ),
        ],
    ))
    .into_response()
}

/// Errors Google shows on its own page instead of redirecting (§1.2).
fn error_page(code: &str, detail: &str) -> Response {
    let body = mock_kit::html::page(
        "Error 400",
        &format!(
            "<h1>Access blocked: authorization error</h1>\n\
         <p class=\"error\" role=\"alert\" data-code=\"{code}\">Error 400: {code}</p>\n<p>{}</p>\n",
            protocol::saml::xml::text(detail)
        ),
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// The authorization request's parameters (§1.2).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_from_the_log() {
        let mut m = BTreeMap::new();
        m.insert("client_secret".to_owned(), "s3cret".to_owned());
        m.insert("code".to_owned(), "4/abc".to_owned());
        m.insert("grant_type".to_owned(), "authorization_code".to_owned());
        let r = redacted(m);
        assert_eq!(r["client_secret"], "[redacted]");
        assert_eq!(r["code"], "[redacted]");
        assert_eq!(r["grant_type"], "authorization_code");
    }
}
