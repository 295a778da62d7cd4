//! The control API the harness drives: native sign-ins, the next login and fault (bounded
//! queues), and the request log.

use super::authorize::native;
use super::{St, error};
use crate::Fault;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NativeBody {
    bundle_id: String,
    username: String,
    raw_nonce: String,
}

pub(super) async fn control_native(State(shared): St, Json(body): Json<NativeBody>) -> Response {
    match native(&shared, &body.bundle_id, &body.username, &body.raw_nonce) {
        Ok(c) => Json(c).into_response(),
        Err(e) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            Some(&e),
        ),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NextLogin {
    username: String,
    #[serde(default)]
    cancel: bool,
}

pub(super) async fn control_next_login(State(shared): St, Json(body): Json<NextLogin>) -> Response {
    mock_kit::enqueue(
        &mut shared.runtime().next_logins,
        (body.username, body.cancel),
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

pub(super) async fn control_messages(State(shared): St) -> Response {
    Json(json!({ "requests": shared.runtime().log.to_vec() })).into_response()
}
