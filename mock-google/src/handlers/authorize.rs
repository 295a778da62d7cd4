//! The authorization endpoint (protocols.md §1.2): the request's checks, the account
//! chooser and sign-in form, consent, and the code sent back to the redirect URI.

use super::{St, error_page};
use crate::{CodeGrant, Consent, PendingAuth, Shared};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

const SESSION_COOKIE: &str = "MOCKGOOGLE_SID";

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AuthParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    prompt: Option<String>,
    access_type: Option<String>,
    login_hint: Option<String>,
    hd: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

impl AuthParams {
    fn logged(&self) -> BTreeMap<String, String> {
        mock_kit::present(&[
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("response_type", &self.response_type),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("prompt", &self.prompt),
            ("access_type", &self.access_type),
            ("login_hint", &self.login_hint),
            ("hd", &self.hd),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ])
    }
}

fn redirect_with(base: &str, params: &[(&str, &str)]) -> Response {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        q.append_pair(k, v);
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    // 302, as Google answers.
    (
        StatusCode::FOUND,
        [(header::LOCATION, format!("{base}{sep}{}", q.finish()))],
    )
        .into_response()
}

fn session_email(shared: &Shared, headers: &HeaderMap) -> Option<String> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())?;
    shared.runtime().sessions.get(&token).cloned()
}

pub(super) async fn authorize(
    State(shared): St,
    headers: HeaderMap,
    Query(p): Query<AuthParams>,
) -> Response {
    shared.log("authorize", p.logged());
    let Some(client_id) = p.client_id.clone() else {
        return error_page("invalid_request", "Missing required parameter: client_id");
    };
    let Some(client) = shared
        .config()
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
        .cloned()
    else {
        return error_page("invalid_client", "The OAuth client was not found.");
    };
    let Some(redirect_uri) = p.redirect_uri.clone() else {
        return error_page(
            "invalid_request",
            "Missing required parameter: redirect_uri",
        );
    };
    if !client.redirect_uris.contains(&redirect_uri) {
        return error_page(
            "redirect_uri_mismatch",
            &format!(
                "The redirect URI in the request, {redirect_uri}, does not match the ones authorized for the OAuth client."
            ),
        );
    }
    let state = p.state.clone().unwrap_or_default();
    let back = |error: &str| {
        let mut params = vec![("error", error)];
        if p.state.is_some() {
            params.push(("state", state.as_str()));
        }
        redirect_with(&redirect_uri, &params)
    };
    if p.response_type.as_deref() != Some("code") {
        return back("unsupported_response_type");
    }
    let scope = p.scope.clone().unwrap_or_default();
    if scope.split(' ').next() != Some("openid") {
        return error_page("invalid_scope", "The scope must start with openid.");
    }
    if let Some(method) = &p.code_challenge_method
        && method != "S256"
        && method != "plain"
    {
        return error_page("invalid_request", "Invalid code_challenge_method.");
    }
    if let Some(access_type) = &p.access_type
        && access_type != "online"
        && access_type != "offline"
    {
        return error_page(
            "invalid_request",
            &format!("Invalid access_type: {access_type}"),
        );
    }
    let prompt = p.prompt.clone().unwrap_or_default();
    let fresh = prompt
        .split(' ')
        .any(|x| x == "select_account" || x == "consent");
    let from_session = if fresh {
        None
    } else {
        session_email(&shared, &headers)
    };
    if let Some(email) = from_session {
        return grant(&shared, &p, &email, Consent::Allow, None);
    }
    if prompt.split(' ').any(|x| x == "none") {
        let mut params = vec![
            ("error", "interaction_required"),
            ("error_subtype", "access_denied"),
        ];
        if p.state.is_some() {
            params.push(("state", state.as_str()));
        }
        return redirect_with(&redirect_uri, &params);
    }
    let queued = shared.runtime().next_logins.pop();
    if let Some((email, decision)) = queued {
        return grant(
            &shared,
            &p,
            &email,
            decision,
            Some(new_session(&shared, &email)),
        );
    }
    chooser(&shared, p, None)
}

fn new_session(shared: &Shared, email: &str) -> String {
    let token = shared.ids.new_id("gs");
    shared
        .runtime()
        .sessions
        .insert(token.clone(), email.to_owned());
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax")
}

/// The account chooser, as Google's: each known account is a button that goes on to its
/// password; "Use another account" takes an email and a password.
fn chooser(shared: &Shared, params: AuthParams, error: Option<&str>) -> Response {
    let pending = shared.ids.new_id("ga");
    shared.runtime().pending.insert(
        pending.clone(),
        PendingAuth {
            params,
            email: None,
        },
    );
    let esc = mock_kit::html::escape;
    let users: String = shared
        .config()
        .users
        .iter()
        .map(|u| {
            format!(
                "<li><form method=\"post\" action=\"/signin/choose\">\
                 <input type=\"hidden\" name=\"pending\" value=\"{pending}\">\
                 <button name=\"email\" value=\"{}\">{} &lt;{}&gt;</button></form></li>\n",
                esc(&u.email),
                esc(&u.name),
                esc(&u.email)
            )
        })
        .collect();
    let error = error
        .map(|e| {
            format!(
                "<p class=\"error\" role=\"alert\" data-code=\"invalid_credentials\">{}</p>\n",
                esc(e)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>Choose an account</h1>\n<p>to continue to the application</p>\n<ul>\n{users}</ul>\n{error}\
         <h2>Use another account</h2>\n\
         <form method=\"post\" action=\"/signin\">\n<input type=\"hidden\" name=\"pending\" value=\"{pending}\">\n\
         <label>Email <input name=\"email\" autocomplete=\"username\"></label>\n\
         <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\n\
         <button type=\"submit\">Next</button>\n</form>\n"
    );
    Html(mock_kit::html::page("Sign in - Google Accounts", &body)).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct ChooseForm {
    pending: String,
    email: String,
}

/// An account chosen on the chooser: its password page, as Google's "Welcome" step.
pub(super) async fn choose(State(shared): St, Form(form): Form<ChooseForm>) -> Response {
    if !shared.runtime().pending.contains_key(&form.pending) {
        return error_page("invalid_request", "This sign-in has expired.");
    }
    let esc = mock_kit::html::escape;
    let body = format!(
        "<h1>Welcome</h1>\n<p id=\"account\">{}</p>\n\
         <form method=\"post\" action=\"/signin\">\n<input type=\"hidden\" name=\"pending\" value=\"{}\">\n\
         <input type=\"hidden\" name=\"email\" value=\"{}\">\n\
         <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\n\
         <button type=\"submit\">Next</button>\n</form>\n",
        esc(&form.email),
        esc(&form.pending),
        esc(&form.email)
    );
    Html(mock_kit::html::page("Sign in - Google Accounts", &body)).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct SigninForm {
    pending: String,
    email: String,
    password: String,
}

pub(super) async fn signin(State(shared): St, Form(form): Form<SigninForm>) -> Response {
    let Some(pending) = shared.runtime().pending.remove(&form.pending) else {
        return error_page("invalid_request", "This sign-in has expired.");
    };
    let ok = shared
        .config()
        .users
        .iter()
        .any(|u| u.email.eq_ignore_ascii_case(&form.email) && u.password == form.password);
    if !ok {
        return chooser(&shared, pending.params, Some("Wrong email or password."));
    }
    // Consent screen.
    let id = shared.ids.new_id("gc");
    let client = pending.params.client_id.clone().unwrap_or_default();
    shared.runtime().pending.insert(
        id.clone(),
        PendingAuth {
            params: pending.params,
            email: Some(form.email.clone()),
        },
    );
    let redirect_uri = shared
        .runtime()
        .pending
        .get(&id)
        .and_then(|p| p.params.redirect_uri.clone());
    let body = format!(
        "<h1>{} wants to access your Google Account</h1>\n<p>{}</p>\n\
         <form method=\"post\" action=\"/consent\"><input type=\"hidden\" name=\"pending\" value=\"{id}\">\n\
         <button name=\"decision\" value=\"allow\">Allow</button> <button name=\"decision\" value=\"deny\">Cancel</button>\n\
         </form>\n",
        mock_kit::html::escape(&client),
        mock_kit::html::escape(&form.email)
    );
    let page = Html(mock_kit::html::page("Consent", &body));
    // The consent form's answer redirects to the client: a browser follows a form's redirect
    // only to an origin its `form-action` names.
    match redirect_uri
        .as_deref()
        .and_then(mock_kit::html::csp_posting_to)
        .and_then(|csp| HeaderValue::from_str(&csp).ok())
    {
        Some(csp) => ([(header::CONTENT_SECURITY_POLICY, csp)], page).into_response(),
        None => page.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ConsentForm {
    pending: String,
    decision: String,
}

pub(super) async fn consent(State(shared): St, Form(form): Form<ConsentForm>) -> Response {
    let Some(pending) = shared.runtime().pending.remove(&form.pending) else {
        return error_page("invalid_request", "This sign-in has expired.");
    };
    let Some(email) = pending.email else {
        return error_page("invalid_request", "No account chosen.");
    };
    let decision = if form.decision == "allow" {
        Consent::Allow
    } else {
        Consent::Deny
    };
    let cookie = new_session(&shared, &email);
    grant(&shared, &pending.params, &email, decision, Some(cookie))
}

/// Issues the code (or `access_denied`) to the client's redirect URI.
pub(super) fn grant(
    shared: &Shared,
    p: &AuthParams,
    email: &str,
    decision: Consent,
    cookie: Option<String>,
) -> Response {
    let redirect_uri = p.redirect_uri.clone().unwrap_or_default();
    let state = p.state.clone();
    let mut response = if decision == Consent::Deny {
        let mut params = vec![("error", "access_denied")];
        if let Some(s) = &state {
            params.push(("state", s.as_str()));
        }
        redirect_with(&redirect_uri, &params)
    } else {
        let code = format!("4/{}", shared.ids.new_id("0A"));
        let fault = shared.runtime().faults.pop();
        let challenge = p.code_challenge.clone().map(|c| {
            (
                c,
                p.code_challenge_method
                    .clone()
                    .unwrap_or_else(|| "plain".into()),
            )
        });
        let scope = p.scope.clone().unwrap_or_default();
        shared.runtime().codes.insert(
            code.clone(),
            CodeGrant {
                client_id: p.client_id.clone().unwrap_or_default(),
                redirect_uri: redirect_uri.clone(),
                email: email.to_owned(),
                nonce: p.nonce.clone(),
                challenge,
                scope: scope.clone(),
                issued_at: shared.clock.now(),
                used: false,
                fault,
                offline: p.access_type.as_deref() == Some("offline"),
                prompt_consent: p
                    .prompt
                    .as_deref()
                    .is_some_and(|x| x.split(' ').any(|x| x == "consent")),
            },
        );
        let mut params = Vec::new();
        if let Some(s) = &state {
            params.push(("state", s.as_str()));
        }
        params.extend([
            ("code", code.as_str()),
            ("scope", scope.as_str()),
            ("authuser", "0"),
            ("prompt", "none"),
        ]);
        redirect_with(&redirect_uri, &params)
    };
    if let Some(cookie) = cookie
        && let Ok(v) = HeaderValue::from_str(&cookie)
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
