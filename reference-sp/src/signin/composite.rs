//! Composite-API triggers on SAML events (R-CA-1..3).
//!
//! Per account, one URL for "user authentication" (an existing user signed in by SAML) and one
//! for "user creation" (a user auto-provisioned by SAML, LIVE only). The SP POSTs the SAML user
//! data as JSON from a background task with a bounded timeout: a failing, slow or unreachable
//! API never blocks or undoes the sign-in. Every call is recorded with its outcome and can be
//! read through the admin API.

use crate::AppState;
use crate::domain::{AccountId, ExecutionMode};
use crate::error::ApiError;
use crate::store;
use crate::store::User;
use serde::Serialize;
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

/// What the composite API receives of a SAML sign-in: the assertion's subject and attributes.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub name_id: &'a str,
    pub name_id_format: &'a str,
    pub session_index: Option<&'a str>,
    pub attributes: &'a [(String, Vec<String>)],
}

/// The JSON the composite API receives.
pub fn payload(
    account: &AccountId,
    mode: ExecutionMode,
    event: Event,
    assertion: &Signed<'_>,
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
    assertion: &Signed<'_>,
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
