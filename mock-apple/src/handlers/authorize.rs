//! Sign in with Apple's authorization (protocols.md §2.2-2.3, §2.7): the web form with its
//! `form_post` answer, "Cancel", and the native credential the iOS app receives.

use super::token::{Issue, identity_token, new_code};
use super::{St, error, find_user};
use crate::{Fault, FullName, NativeCredential, Shared};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use protocol::jwt::{self};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// The native flow (§2.7): what `ASAuthorizationAppleIDCredential` hands the app.
pub(crate) fn native(
    shared: &Shared,
    bundle_id: &str,
    username: &str,
    raw_nonce: &str,
) -> Result<NativeCredential, String> {
    let team = shared
        .team_of(bundle_id)
        .ok_or_else(|| format!("no team has the client {bundle_id}"))?;
    let user = find_user(shared, username).ok_or_else(|| format!("no Apple ID {username}"))?;
    let unhashed = shared.runtime().faults.front() == Some(&Fault::NonceUnhashed);
    let nonce = if unhashed {
        raw_nonce.to_owned()
    } else {
        jwt::sha256_hex(raw_nonce)
    };
    let code = new_code(shared, bundle_id, None, &user, Some(nonce.clone()));
    let token = identity_token(
        shared,
        bundle_id,
        &user,
        &team.team_id,
        Some(&nonce),
        ("c_hash", &code),
        Issue::Authorization,
    )?;
    let first = shared
        .runtime()
        .authorized
        .insert((user.sub.clone(), bundle_id.to_owned()), ())
        .is_none();
    shared.log(
        "native",
        BTreeMap::from([("client_id".to_owned(), bundle_id.to_owned())]),
    );
    Ok(NativeCredential {
        user: user.sub.clone(),
        identity_token: token,
        authorization_code: code,
        email: first.then(|| user.shared_email(&team.team_id)),
        full_name: first.then(|| FullName {
            given_name: user.first_name.clone(),
            family_name: user.last_name.clone(),
        }),
    })
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AuthParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    response_mode: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
}

pub(super) async fn authorize(State(shared): St, Query(p): Query<AuthParams>) -> Response {
    let logged = mock_kit::present(&[
        ("client_id", &p.client_id),
        ("redirect_uri", &p.redirect_uri),
        ("response_type", &p.response_type),
        ("scope", &p.scope),
        ("response_mode", &p.response_mode),
        ("state", &p.state),
    ]);
    shared.log("authorize", logged);
    let client_id = p.client_id.clone().unwrap_or_default();
    let Some(team) = shared.team_of(&client_id) else {
        return error(StatusCode::BAD_REQUEST, "invalid_client", None);
    };
    let registered = team
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
        .map(|c| c.redirect_uris.clone())
        .unwrap_or_default();
    let Some(redirect_uri) = p.redirect_uri.clone().filter(|r| registered.contains(r)) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Invalid web redirect url."),
        );
    };
    let response_type = p.response_type.clone().unwrap_or_default();
    let wants_id_token = response_type.split(' ').any(|t| t == "id_token");
    if !response_type
        .split(' ')
        .all(|t| t == "code" || t == "id_token")
        || response_type.is_empty()
    {
        return error(StatusCode::BAD_REQUEST, "unsupported_response_type", None);
    }
    let mode = p.response_mode.clone().unwrap_or_else(|| "query".into());
    let scoped = p.scope.as_deref().is_some_and(|s| !s.trim().is_empty());
    if (wants_id_token && !matches!(mode.as_str(), "fragment" | "form_post"))
        || (scoped && mode != "form_post")
    {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Invalid response mode"),
        );
    }
    let queued = shared.runtime().next_logins.pop();
    match queued {
        Some((username, cancel)) => complete(&shared, &p, &team.team_id, &redirect_uri, &username, cancel),
        None => Html(mock_kit::html::page("Sign in with Apple", &format!(
            "<h1>Use your Apple ID</h1>\n<form method=\"post\" action=\"/auth/signin\">\n\
             <input type=\"hidden\" name=\"query\" value=\"{}\">\n\
             <label>Apple ID <input name=\"username\"></label>\n<label>Password <input type=\"password\" name=\"password\"></label>\n\
             <button name=\"action\" value=\"continue\">Continue</button> <button name=\"action\" value=\"cancel\">Cancel</button>\n\
             </form>\n",
            protocol::saml::xml::attr(&serde_json::to_string(&json!({
                "client_id": p.client_id, "redirect_uri": p.redirect_uri, "response_type": p.response_type,
                "scope": p.scope, "response_mode": p.response_mode, "state": p.state, "nonce": p.nonce,
            })).unwrap_or_default())
        )))
        .into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct SigninForm {
    query: String,
    username: String,
    password: String,
    action: String,
}

pub(super) async fn signin(State(shared): St, Form(form): Form<SigninForm>) -> Response {
    let Ok(p) = serde_json::from_str::<AuthParams>(&form.query) else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", None);
    };
    let client_id = p.client_id.clone().unwrap_or_default();
    let (Some(team), Some(redirect_uri)) = (shared.team_of(&client_id), p.redirect_uri.clone())
    else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", None);
    };
    let cancel = form.action == "cancel";
    if !cancel && find_user(&shared, &form.username).is_none_or(|u| u.password != form.password) {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            Some("Your Apple ID or password was incorrect."),
        );
    }
    complete(
        &shared,
        &p,
        &team.team_id,
        &redirect_uri,
        &form.username,
        cancel,
    )
}

/// Sends the authorization result back to the client as its response mode says.
fn complete(
    shared: &Shared,
    p: &AuthParams,
    team_id: &str,
    redirect_uri: &str,
    username: &str,
    cancel: bool,
) -> Response {
    let mut fields: Vec<(String, String)> = Vec::new();
    if cancel {
        fields.push(("error".into(), "user_cancelled_authorize".into()));
    } else {
        let Some(user) = find_user(shared, username) else {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                Some("Unknown Apple ID."),
            );
        };
        let client_id = p.client_id.clone().unwrap_or_default();
        let code = new_code(
            shared,
            &client_id,
            Some(redirect_uri.to_owned()),
            &user,
            p.nonce.clone(),
        );
        fields.push(("code".into(), code.clone()));
        if p.response_type
            .as_deref()
            .unwrap_or_default()
            .contains("id_token")
        {
            match identity_token(
                shared,
                &client_id,
                &user,
                team_id,
                p.nonce.as_deref(),
                ("c_hash", &code),
                Issue::Authorization,
            ) {
                Ok(t) => fields.push(("id_token".into(), t)),
                Err(e) => {
                    return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", Some(&e));
                }
            }
        }
        let first = shared
            .runtime()
            .authorized
            .insert((user.sub.clone(), client_id), ())
            .is_none();
        let scope = p.scope.clone().unwrap_or_default();
        if first && !scope.trim().is_empty() {
            // The user JSON, a string, on the first authorization only (§2.3).
            let mut u = json!({});
            if scope.split(' ').any(|s| s == "name") {
                u["name"] = json!({"firstName": user.first_name, "lastName": user.last_name});
            }
            if scope.split(' ').any(|s| s == "email") {
                u["email"] = json!(user.shared_email(team_id));
            }
            fields.push(("user".into(), u.to_string()));
        }
    }
    if let Some(s) = &p.state {
        fields.push(("state".into(), s.clone()));
    }
    if p.response_mode.as_deref() == Some("form_post") {
        let inputs: String = fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>\n",
                    k,
                    protocol::saml::xml::attr(v)
                )
            })
            .collect();
        let mut page = Html(format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Sign in with Apple</title></head><body>\n<form method=\"post\" action=\"{}\">\n{inputs}</form>\n<script>{}</script>\n</body></html>\n",
            protocol::saml::xml::attr(redirect_uri),
            protocol::saml::post::AUTO_SUBMIT,
        ))
        .into_response();
        if let Ok(csp) = HeaderValue::from_str(&protocol::saml::post::auto_submit_csp(redirect_uri))
        {
            page.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        page
    } else {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &fields {
            q.append_pair(k, v);
        }
        let sep = if redirect_uri.contains('?') { '&' } else { '?' };
        let mut r = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("{redirect_uri}{sep}{}", q.finish())) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    }
}
