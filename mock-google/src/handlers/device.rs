//! Google's device authorization flow for limited-input devices (issue 17): `POST
//! /device/code` gives a device code and a user code, the person enters the user code at the
//! verification URL, and the device polls the token endpoint with
//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` until the answer is tokens.
//!
//! As Google's "OAuth 2.0 for TV and Limited-Input Device Applications" describes it: codes
//! live 1800 s, the polling interval is 5 s; a poll before consent is 428
//! `authorization_pending`, one sooner than the interval 403 `slow_down`, a refusal 403
//! `access_denied`, an expired code 400 `expired_token`; the tokens include an ID token (the
//! scopes are `openid email profile` only) and a refresh token. At the verification page the
//! next queued login (`POST /control/next-login`) decides, as it does for the web flow.

use super::token::{issue_refresh, token_error};
use super::{St, error_page, redacted};
use crate::{AccessGrant, CodeGrant, Consent, Shared};
use axum::Json;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Duration;
use serde_json::json;
use std::collections::BTreeMap;

/// The grant type a device polls with.
pub(super) const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const LIFETIME: Duration = Duration::seconds(1800);
const INTERVAL: Duration = Duration::seconds(5);

/// A device code and where it stands.
#[derive(Debug, Clone)]
pub(crate) struct DeviceGrant {
    pub client_id: String,
    pub scope: String,
    pub user_code: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub last_poll: Option<chrono::DateTime<chrono::Utc>>,
    /// `None` until the person answers at the verification page.
    pub decision: Option<(String, Consent)>,
}

/// Eight letters in two groups, from a fresh ID (deterministic under `SequentialIds`).
fn user_code(shared: &Shared) -> String {
    let seed = protocol::jwt::sha256_hex(&shared.ids.new_id("uc"));
    let letters: String = seed
        .bytes()
        .take(8)
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// `POST /device/code` with `client_id` and `scope`.
pub(super) async fn device_code(
    State(shared): St,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    shared.log("device", redacted(form.clone()));
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    if !shared
        .config()
        .clients
        .iter()
        .any(|c| c.client_id == client_id)
    {
        return token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The OAuth client was not found.",
        );
    }
    let scope = form.get("scope").cloned().unwrap_or_default();
    if scope
        .split(' ')
        .any(|s| !matches!(s, "openid" | "email" | "profile"))
        || scope.is_empty()
    {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "Invalid device flow scope.",
        );
    }
    let device_code = format!("AH-1{}", shared.ids.new_id("dc"));
    let user_code = user_code(&shared);
    let mut rt = shared.runtime();
    rt.device_user_codes
        .insert(user_code.clone(), device_code.clone());
    rt.device_codes.insert(
        device_code.clone(),
        DeviceGrant {
            client_id,
            scope,
            user_code: user_code.clone(),
            issued_at: shared.clock.now(),
            last_poll: None,
            decision: None,
        },
    );
    drop(rt);
    Json(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_url": shared.url("/device"),
        "expires_in": LIFETIME.num_seconds(),
        "interval": INTERVAL.num_seconds(),
    }))
    .into_response()
}

/// `GET /device`: where the person enters the code.
pub(super) async fn device_page() -> Response {
    Html(mock_kit::html::page(
        "Connect a device",
        "<h1>Enter the code displayed on your device</h1>\n\
         <form method=\"post\" action=\"/device\"><label>Code <input name=\"user_code\" \
         autocomplete=\"off\"></label> <button>Next</button></form>\n",
    ))
    .into_response()
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct CodeForm {
    user_code: String,
}

/// `POST /device`: the code's grant gets the next queued login's decision.
pub(super) async fn device_submit(State(shared): St, Form(form): Form<CodeForm>) -> Response {
    let now = shared.clock.now();
    let typed = form.user_code.trim().to_ascii_uppercase();
    let mut rt = shared.runtime();
    let device_code = rt.device_user_codes.get(&typed).cloned();
    let Some(device_code) = device_code.filter(|c| {
        rt.device_codes.get(c).is_some_and(|g| {
            g.user_code == typed && g.decision.is_none() && now <= g.issued_at + LIFETIME
        })
    }) else {
        return error_page("invalid_request", "That code is not valid or has expired.");
    };
    let Some((email, consent)) = rt.next_logins.pop() else {
        return error_page(
            "invalid_request",
            "No account is waiting to sign in (queue one with /control/next-login).",
        );
    };
    if let Some(g) = rt.device_codes.get_mut(&device_code) {
        g.decision = Some((email.clone(), consent));
    }
    let said = match consent {
        Consent::Allow => format!("{email} is signed in on the device."),
        Consent::Deny => "Access was denied.".to_owned(),
    };
    Html(mock_kit::html::page(
        "Connect a device",
        &format!("<h1>{}</h1>\n", mock_kit::html::escape(&said)),
    ))
    .into_response()
}

/// The token endpoint's answer to a device's poll (`client_id` already authenticated).
pub(super) fn poll(shared: &Shared, form: &BTreeMap<String, String>, client_id: &str) -> Response {
    let now = shared.clock.now();
    let code = form.get("device_code").cloned().unwrap_or_default();
    let grant = {
        let mut rt = shared.runtime();
        let Some(g) = rt.device_codes.get_mut(&code) else {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Malformed auth code.",
            );
        };
        if g.client_id != client_id {
            return token_error(StatusCode::BAD_REQUEST, "invalid_grant", "Unauthorized");
        }
        if now > g.issued_at + LIFETIME {
            return token_error(StatusCode::BAD_REQUEST, "expired_token", "Expired token.");
        }
        let too_soon = g.last_poll.is_some_and(|t| now < t + INTERVAL);
        g.last_poll = Some(now);
        if too_soon {
            return token_error(StatusCode::FORBIDDEN, "slow_down", "Forbidden");
        }
        match &g.decision {
            None => {
                return token_error(
                    StatusCode::PRECONDITION_REQUIRED,
                    "authorization_pending",
                    "Precondition Required",
                );
            }
            Some((_, Consent::Deny)) => {
                rt.device_codes.remove(&code);
                return token_error(StatusCode::FORBIDDEN, "access_denied", "Forbidden");
            }
            Some((_, Consent::Allow)) => rt.device_codes.remove(&code),
        }
    };
    let Some(grant) = grant else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Malformed auth code.",
        );
    };
    let Some((email, _)) = grant.decision else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Malformed auth code.",
        );
    };
    let Some(user) = shared
        .config()
        .users
        .iter()
        .find(|u| u.email == email)
        .cloned()
    else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Account not found.",
        );
    };
    let as_code = CodeGrant {
        client_id: grant.client_id.clone(),
        redirect_uri: String::new(),
        email: user.email.clone(),
        nonce: None,
        challenge: None,
        scope: grant.scope.clone(),
        issued_at: now,
        used: true,
        fault: None,
        offline: true,
        prompt_consent: true,
    };
    let refresh_token = issue_refresh(shared, &as_code, &user);
    let access_token = format!("ya29.{}", shared.ids.new_id("a"));
    shared.runtime().access_tokens.insert(
        access_token.clone(),
        AccessGrant {
            email: user.email.clone(),
            refresh_token: refresh_token.clone(),
        },
    );
    let mut body = json!({
        "access_token": access_token,
        "expires_in": 3599,
        "scope": grant.scope,
        "token_type": "Bearer",
        "refresh_token": refresh_token,
    });
    if grant.scope.split(' ').any(|s| s == "openid") {
        match super::token::id_token(shared, &as_code, &user, &access_token) {
            Ok(t) => body["id_token"] = json!(t),
            Err(e) => return token_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
        }
    }
    Json(body).into_response()
}
