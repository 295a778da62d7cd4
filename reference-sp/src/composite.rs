//! Composite-API triggers on SAML events (R-CA-1..3).
//!
//! Per account, one URL for "user authentication" (an existing user signed in by SAML) and one
//! for "user creation" (a user auto-provisioned by SAML, LIVE only). The SP POSTs the SAML user
//! data as JSON from a background task with a bounded timeout: a failing, slow or unreachable
//! API never blocks or undoes the sign-in. Every call is recorded with its outcome and can be
//! read through the admin API.

use crate::AppState;
use crate::domain::{AccountId, ExecutionMode};
use crate::error::{ApiError, JsonBody};
use crate::saml::acs::ValidatedAssertion;
use crate::store;
use crate::store::User;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A SAML event that can trigger a composite API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    UserAuthentication,
    UserCreation,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserAuthentication => "user_authentication",
            Self::UserCreation => "user_creation",
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/{account}/composite-triggers",
            get(get_triggers).put(put_triggers),
        )
        .route("/api/{account}/composite-calls", get(list_calls))
}

/// The JSON the composite API receives.
pub fn payload(
    account: &AccountId,
    mode: ExecutionMode,
    event: Event,
    assertion: &ValidatedAssertion,
    user: &User,
) -> Value {
    let attributes: serde_json::Map<String, Value> = assertion
        .attributes
        .iter()
        .map(|(name, values)| (name.clone(), json!(values)))
        .collect();
    json!({
        "event": event.as_str(),
        "account": account.as_str(),
        "mode": mode.as_str(),
        "name_id": assertion.name_id,
        "name_id_format": assertion.name_id_format,
        "session_index": assertion.session_index,
        "attributes": attributes,
        "user": {"id": user.id, "name": user.name, "email": user.email, "profile": user.profile},
    })
}

/// Starts the call for `event`, if the account binds a composite API to it, without waiting.
pub fn fire(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    event: Event,
    assertion: &ValidatedAssertion,
    user: &User,
) {
    let body = payload(account, mode, event, assertion, user);
    let (state, account) = (state.clone(), account.clone());
    state.composite_task(false);
    tokio::spawn(async move {
        if let Err(e) = call(&state, &account, event, body).await {
            tracing::error!(%e, "recording a composite-API call");
        }
        state.composite_task(true);
        state.composite_done().notify_waiters();
    });
}

async fn call(
    state: &AppState,
    account: &AccountId,
    event: Event,
    body: Value,
) -> Result<(), ApiError> {
    let account_c = account.clone();
    let url: Option<String> = state
        .store()
        .call(move |c| store::composite::trigger(c, &account_c, event.as_str()))
        .await?;
    let Some(url) = url else {
        return Ok(());
    };
    let sent = state
        .http()
        .post(&url)
        .json(&body)
        .timeout(state.settings().composite_timeout)
        .send()
        .await;
    let (outcome, status, error) = match sent {
        Ok(r) if r.status().is_success() => ("ok", Some(r.status().as_u16()), None),
        Ok(r) => (
            "failed",
            Some(r.status().as_u16()),
            Some(format!("HTTP {}", r.status())),
        ),
        Err(e) if e.is_timeout() => ("failed", None, Some("timed out".to_owned())),
        Err(e) => (
            "failed",
            None,
            Some(format!("unreachable: {}", e.without_url())),
        ),
    };
    if outcome != "ok" {
        tracing::warn!(account = %account, event = event.as_str(), ?error, "composite API call failed");
    }
    let (account, now) = (account.clone(), state.clock().now());
    state
        .store()
        .call(move |c| {
            let call = store::composite::NewCall {
                event: event.as_str(),
                url: &url,
                outcome,
                status,
                error: error.as_deref(),
                payload: &body,
            };
            store::composite::record_call(c, &account, &call, now)
        })
        .await
}

pub use crate::store::composite::{CallRecord, list};

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Triggers {
    user_authentication: Option<String>,
    user_creation: Option<String>,
}

async fn get_triggers(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Triggers>, ApiError> {
    let (account, _) = crate::admin::admin(&state, &headers, &account).await?;
    let rows: Vec<(String, String)> = state
        .store()
        .call(move |c| store::composite::triggers(c, &account))
        .await?;
    let find = |e: Event| {
        rows.iter()
            .find(|(ev, _)| ev == e.as_str())
            .map(|(_, u)| u.clone())
    };
    Ok(Json(Triggers {
        user_authentication: find(Event::UserAuthentication),
        user_creation: find(Event::UserCreation),
    }))
}

async fn put_triggers(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Triggers>,
) -> Result<Json<Triggers>, ApiError> {
    let (account, _) = crate::admin::admin(&state, &headers, &account).await?;
    for url in [&body.user_authentication, &body.user_creation]
        .into_iter()
        .flatten()
    {
        crate::domain::parse_http_url("a composite API URL", url)?;
    }
    let (auth, creation) = (body.user_authentication.clone(), body.user_creation.clone());
    state
        .store()
        .call(move |c| {
            let set = [
                (Event::UserAuthentication.as_str(), auth.as_deref()),
                (Event::UserCreation.as_str(), creation.as_deref()),
            ];
            store::composite::set_triggers(c, &account, &set)
        })
        .await?;
    Ok(Json(body))
}

async fn list_calls(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let (account, _) = crate::admin::admin(&state, &headers, &account).await?;
    let calls = state.store().call(move |c| list(c, &account)).await?;
    Ok(Json(json!({ "calls": calls })))
}
