//! The control API the harness drives: the next login and fault (bounded queues), the message
//! log, users, registered apps, and IdP sessions.

use super::{St, find_user};
use crate::Fault;
use crate::config::{IdpUser, RegisteredApp, parse_signing};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NextLogin {
    username: String,
}

pub(super) async fn control_next_login(State(shared): St, Json(body): Json<NextLogin>) -> Response {
    if find_user(&shared, &body.username).is_none() {
        return mock_kit::control_error(
            "unknown_user",
            format!("no user {} at this IdP", body.username),
        );
    }
    mock_kit::enqueue(&mut shared.runtime().next_logins, body.username)
}

pub(super) async fn control_fault(
    State(shared): St,
    Json(body): Json<mock_kit::FaultBody>,
) -> Response {
    match Fault::parse(&body.fault) {
        Some(fault) => mock_kit::enqueue(shared.runtime().fault_queue(fault), fault),
        None => {
            mock_kit::control_error("unknown_fault", format!("no fault named {:?}", body.fault))
        }
    }
}

pub(super) async fn control_messages(State(shared): St) -> Response {
    Json(json!({ "messages": shared.runtime().log.to_vec() })).into_response()
}

pub(super) async fn control_user(State(shared): St, Json(user): Json<IdpUser>) -> Response {
    shared.config().users.push(user);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AppBody {
    identifier: String,
    reply_urls: Vec<String>,
    logout_url: Option<String>,
    signing: Option<String>,
    #[serde(default)]
    require_signed_requests: bool,
    sp_certificate: Option<String>,
    #[serde(default)]
    allow_sha1: bool,
    sign_logout: Option<bool>,
    sign_on_url: Option<String>,
}

pub(super) async fn control_app(State(shared): St, Json(body): Json<AppBody>) -> Response {
    let signing = match body.signing.as_deref().map(parse_signing) {
        Some(None) => {
            return mock_kit::control_error(
                "unknown_signing",
                "signing must be assertion, response, both or unsigned",
            );
        }
        Some(Some(s)) => Some(s),
        None => None,
    };
    let app = RegisteredApp {
        identifier: body.identifier,
        reply_urls: body.reply_urls,
        logout_url: body.logout_url,
        signing,
        require_signed_requests: body.require_signed_requests,
        sp_certificate: body.sp_certificate,
        allow_sha1: body.allow_sha1,
        sign_logout: body.sign_logout,
        sign_on_url: body.sign_on_url,
    };
    let mut config = shared.config();
    config.apps.retain(|a| a.identifier != app.identifier);
    config.apps.push(app);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RolloverBody {
    step: crate::RolloverStep,
}

/// `POST /control/rollover {"step": "publish" | "activate" | "retire"}`: Entra's certificate
/// rollover, a step at a time; the answer is the next certificate, to paste at the SP.
pub(super) async fn control_rollover(
    State(shared): St,
    Json(body): Json<RolloverBody>,
) -> Response {
    match crate::roll_over(&shared, body.step, None) {
        Ok(cert) => Json(json!({ "step": body.step, "certificate": cert.pem() })).into_response(),
        Err(e @ crate::RolloverError::OutOfOrder(_)) => {
            mock_kit::control_error("rollover_out_of_order", e.to_string())
        }
        Err(e) => mock_kit::control_error("rollover_failed", e.to_string()),
    }
}

pub(super) async fn control_clear_sessions(State(shared): St) -> Response {
    shared.runtime().sessions.clear();
    StatusCode::NO_CONTENT.into_response()
}
