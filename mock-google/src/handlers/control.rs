//! The control API the harness drives: the next login and fault (bounded queues), key
//! rotation, the request log, users and Google sessions.

use super::St;
use crate::{Consent, Fault, GoogleUser};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NextLogin {
    email: String,
    #[serde(default = "allow")]
    consent: Consent,
}

pub(super) fn allow() -> Consent {
    Consent::Allow
}

pub(super) async fn control_next_login(State(shared): St, Json(body): Json<NextLogin>) -> Response {
    if !shared
        .config()
        .users
        .iter()
        .any(|u| u.email.eq_ignore_ascii_case(&body.email))
    {
        return mock_kit::control_error(
            "unknown_user",
            format!("no Google account {}", body.email),
        );
    }
    mock_kit::enqueue(
        &mut shared.runtime().next_logins,
        (body.email, body.consent),
    )
}

pub(super) async fn control_fault(
    State(shared): St,
    Json(body): Json<mock_kit::FaultBody>,
) -> Response {
    let mut rt = shared.runtime();
    let queue = match Fault::parse(&body.fault) {
        Some(f) if f.at_refresh() => &mut rt.refresh_faults,
        _ => &mut rt.faults,
    };
    mock_kit::enqueue_fault(queue, &body.fault, Fault::parse)
}

pub(super) async fn control_rotate(State(shared): St) -> Response {
    let mut rt = shared.runtime();
    rt.current_key = (rt.current_key + 1).min(shared.keys.len() - 1);
    let kid = shared.keys[rt.current_key].kid().to_owned();
    Json(json!({ "current_kid": kid })).into_response()
}

pub(super) async fn control_messages(State(shared): St) -> Response {
    Json(json!({ "requests": shared.runtime().log.to_vec() })).into_response()
}

pub(super) async fn control_user(State(shared): St, Json(user): Json<GoogleUser>) -> Response {
    shared.config().users.push(user);
    StatusCode::NO_CONTENT.into_response()
}

pub(super) async fn control_clear_sessions(State(shared): St) -> Response {
    shared.runtime().sessions.clear();
    StatusCode::NO_CONTENT.into_response()
}
