//! Endpoints of the mock Apple (protocols.md §2.1-2.8): the routes, discovery, keys, revocation
//! and the error body. The flows live beside it: [`authorize`] (the web authorization and the
//! iOS app's native sign-in), [`token`] (client_secret checks, code redemption, the identity
//! token) and [`control`] (the control API the harness drives).

mod authorize;
mod control;
mod token;

use crate::{AppleUser, ISSUER, Shared};
pub(crate) use authorize::native;
use authorize::{authorize, signin};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use control::{control_fault, control_messages, control_native, control_next_login};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use token::{revoke, token};

type St = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/auth/authorize", get(authorize))
        .route("/auth/signin", post(signin))
        .route("/auth/token", post(token))
        .route("/auth/keys", get(keys))
        .route("/auth/revoke", post(revoke))
        .route("/control/native-sign-in", post(control_native))
        .route("/control/next-login", post(control_next_login))
        .route("/control/faults", post(control_fault))
        .route("/control/messages", get(control_messages))
        .with_state(shared)
}

/// What this server is, and its URLs.
async fn index(State(shared): St) -> axum::response::Response {
    let url = |p: &str| format!("{}{p}", shared.base_url);
    axum::response::IntoResponse::into_response(axum::response::Html(mock_kit::html::index_page(
        "Mock Sign in with Apple",
        "A mock of Apple's sign-in for the DigitalSuite conformance harness: the iOS app's \
             native sign-in (control API), the web authorization page, the token endpoint and \
             the signing keys.",
        &[
            (
                "Discovery document",
                url("/.well-known/openid-configuration"),
            ),
            ("Signing keys (JWKS)", url("/auth/keys")),
            ("Requests received (control API)", url("/control/messages")),
        ],
    )))
}

/// Parameters whose values never reach the log.
const SECRETS: &[&str] = &[
    "client_secret",
    "code",
    "password",
    "refresh_token",
    "token",
];

fn redacted(params: BTreeMap<String, String>) -> BTreeMap<String, String> {
    mock_kit::redacted(params, SECRETS)
}

fn error(status: StatusCode, code: &str, description: Option<&str>) -> Response {
    let mut body = json!({ "error": code });
    if let Some(d) = description {
        body["error_description"] = json!(d);
    }
    (status, Json(body)).into_response()
}

async fn discovery(State(shared): St) -> Response {
    Json(json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{}/auth/authorize", shared.base_url),
        "token_endpoint": format!("{}/auth/token", shared.base_url),
        "revocation_endpoint": format!("{}/auth/revoke", shared.base_url),
        "jwks_uri": format!("{}/auth/keys", shared.base_url),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "name"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "is_private_email",
            "iss", "nonce", "nonce_supported", "real_user_status", "sub", "transfer_sub"],
    }))
    .into_response()
}

async fn keys(State(shared): St) -> Response {
    shared.log("keys", BTreeMap::new());
    Json(json!({ "keys": [shared.key.jwk()] })).into_response()
}

/// The identity token for `user` and `client_id`, with the next fault applied.
fn find_user(shared: &Shared, username: &str) -> Option<AppleUser> {
    shared
        .config()
        .users
        .iter()
        .find(|u| u.email.eq_ignore_ascii_case(username))
        .cloned()
}
