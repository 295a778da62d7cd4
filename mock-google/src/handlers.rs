//! Endpoints of the mock Google (protocols.md §1.1-1.6) and its control API.

use crate::{
    AUTH_PATH, CodeGrant, Consent, DISCOVERY_PATH, Fault, GoogleUser, JWKS_PATH, PendingAuth,
    Shared, TOKEN_PATH, USERINFO_PATH,
};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::Duration;
use protocol::jwt;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

type St = State<Arc<Shared>>;

/// How long an authorization code can be redeemed.
const CODE_LIFETIME: Duration = Duration::minutes(10);
const SESSION_COOKIE: &str = "MOCKGOOGLE_SID";

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(DISCOVERY_PATH, get(discovery))
        .route(AUTH_PATH, get(authorize))
        .route("/signin", post(signin))
        .route("/consent", post(consent))
        .route(TOKEN_PATH, post(token))
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
const SECRETS: &[&str] = &["client_secret", "code_verifier", "code", "password"];

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
        "grant_types_supported": ["authorization_code", "refresh_token"],
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

/// Errors Google shows on its own page instead of redirecting (§1.2).
fn error_page(code: &str, detail: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Error 400</title></head><body>\n\
         <h1>Access blocked: authorization error</h1>\n\
         <p class=\"error\" data-code=\"{code}\">Error 400: {code}</p>\n<p>{}</p>\n</body></html>\n",
        protocol::saml::xml::text(detail)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// The authorization request's parameters (§1.2).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AuthParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    prompt: Option<String>,
    login_hint: Option<String>,
    hd: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

impl AuthParams {
    fn logged(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        for (k, v) in [
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("response_type", &self.response_type),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("prompt", &self.prompt),
            ("login_hint", &self.login_hint),
            ("hd", &self.hd),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ] {
            if let Some(v) = v {
                m.insert(k.to_owned(), v.clone());
            }
        }
        m
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

async fn authorize(State(shared): St, headers: HeaderMap, Query(p): Query<AuthParams>) -> Response {
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

/// The account chooser: a person signs in with email and password.
fn chooser(shared: &Shared, params: AuthParams, error: Option<&str>) -> Response {
    let pending = shared.ids.new_id("ga");
    shared.runtime().pending.insert(
        pending.clone(),
        PendingAuth {
            params,
            email: None,
        },
    );
    let users: String = shared
        .config()
        .users
        .iter()
        .map(|u| {
            format!(
                "<li>{} &lt;{}&gt;</li>",
                protocol::saml::xml::text(&u.name),
                protocol::saml::xml::text(&u.email)
            )
        })
        .collect();
    let error = error
        .map(|e| format!("<p class=\"error\" data-code=\"invalid_credentials\">{e}</p>\n"))
        .unwrap_or_default();
    Html(format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Sign in - Google Accounts</title></head><body>\n\
         <h1>Choose an account</h1>\n<ul>{users}</ul>\n{error}\
         <form method=\"post\" action=\"/signin\">\n<input type=\"hidden\" name=\"pending\" value=\"{pending}\">\n\
         <label>Email <input name=\"email\"></label>\n<label>Password <input type=\"password\" name=\"password\"></label>\n\
         <button type=\"submit\">Next</button>\n</form>\n</body></html>\n"
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct SigninForm {
    pending: String,
    email: String,
    password: String,
}

async fn signin(State(shared): St, Form(form): Form<SigninForm>) -> Response {
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
    Html(format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Consent</title></head><body>\n\
         <h1>{} wants to access your Google Account</h1>\n\
         <form method=\"post\" action=\"/consent\"><input type=\"hidden\" name=\"pending\" value=\"{id}\">\n\
         <button name=\"decision\" value=\"allow\">Allow</button> <button name=\"decision\" value=\"deny\">Cancel</button>\n\
         </form>\n</body></html>\n",
        protocol::saml::xml::text(&client)
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct ConsentForm {
    pending: String,
    decision: String,
}

async fn consent(State(shared): St, Form(form): Form<ConsentForm>) -> Response {
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
fn grant(
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

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn token(
    State(shared): St,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    shared.log("token", redacted(form.clone()));
    // Client authentication: HTTP Basic or form fields, not both.
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':').map(|(id, secret)| {
                let dec = |x: &str| {
                    url::form_urlencoded::parse(format!("v={x}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default()
                };
                (dec(id), dec(secret))
            })
        });
    let form_secret = form.get("client_secret").cloned();
    let (client_id, secret) = match (basic, form_secret) {
        (Some(_), Some(_)) => {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Use one client authentication method.",
            );
        }
        (Some((id, secret)), None) => (id, secret),
        (None, Some(secret)) => (form.get("client_id").cloned().unwrap_or_default(), secret),
        (None, None) => {
            return token_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
        }
    };
    let known = shared
        .config()
        .clients
        .iter()
        .any(|c| c.client_id == client_id && c.client_secret == secret);
    if !known {
        return token_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Invalid grant_type.",
        );
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let now = shared.clock.now();
    let grant = {
        let mut rt = shared.runtime();
        let Some(grant) = rt.codes.get_mut(&code) else {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Malformed auth code.",
            );
        };
        if grant.used {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Code was already redeemed.",
            );
        }
        if now > grant.issued_at + CODE_LIFETIME {
            return token_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Token has been expired or revoked.",
            );
        }
        if grant.client_id != client_id {
            return token_error(StatusCode::BAD_REQUEST, "invalid_grant", "Unauthorized");
        }
        if form.get("redirect_uri") != Some(&grant.redirect_uri) {
            return token_error(
                StatusCode::BAD_REQUEST,
                "redirect_uri_mismatch",
                "Bad Request",
            );
        }
        if let Some((challenge, method)) = &grant.challenge {
            let Some(verifier) = form.get("code_verifier") else {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Missing code verifier.",
                );
            };
            let computed = if method == "S256" {
                jwt::pkce_s256(verifier)
            } else {
                verifier.clone()
            };
            if &computed != challenge {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid code verifier.",
                );
            }
        }
        grant.used = true;
        grant.clone()
    };
    if grant.fault == Some(Fault::TokenInvalidGrant) {
        return token_error(StatusCode::BAD_REQUEST, "invalid_grant", "Bad Request");
    }
    let Some(user) = shared
        .config()
        .users
        .iter()
        .find(|u| u.email.eq_ignore_ascii_case(&grant.email))
        .cloned()
    else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Account not found.",
        );
    };
    let access_token = format!("ya29.{}", shared.ids.new_id("a"));
    shared
        .runtime()
        .access_tokens
        .insert(access_token.clone(), user.email.clone());
    let id_token = match id_token(&shared, &grant, &user, &access_token) {
        Ok(t) => t,
        Err(e) => return token_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
    };
    Json(json!({
        "access_token": access_token,
        "expires_in": 3599,
        "scope": grant.scope,
        "token_type": "Bearer",
        "id_token": id_token,
    }))
    .into_response()
}

/// The ID token (§1.4), with the grant's fault applied.
fn id_token(
    shared: &Shared,
    grant: &CodeGrant,
    user: &GoogleUser,
    access_token: &str,
) -> Result<String, String> {
    let now = shared.clock.now().timestamp();
    let mut claims = json!({
        "iss": shared.issuer,
        "azp": grant.client_id,
        "aud": grant.client_id,
        "sub": user.sub,
        "at_hash": jwt::left_half_hash(access_token),
        "email": user.email,
        "email_verified": user.email_verified,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "picture": user.picture,
        "locale": user.locale,
        "iat": now,
        "exp": now + 3600,
    });
    if let Some(hd) = &user.hd {
        claims["hd"] = json!(hd);
    }
    if let Some(nonce) = &grant.nonce {
        claims["nonce"] = json!(nonce);
    }
    let key = &shared.keys[shared.runtime().current_key];
    match grant.fault {
        Some(Fault::Expired) => {
            claims["iat"] = json!(now - 7200);
            claims["exp"] = json!(now - 3600);
        }
        Some(Fault::WrongAud) => {
            claims["aud"] = json!("1111111111-other.apps.googleusercontent.com");
            claims["azp"] = json!("1111111111-other.apps.googleusercontent.com");
        }
        Some(Fault::WrongIss) => claims["iss"] = json!("https://accounts.evil.example"),
        Some(Fault::LegacyIssuer) => {
            let legacy = shared
                .issuer
                .trim_start_matches("https://")
                .trim_start_matches("http://");
            claims["iss"] = json!(legacy);
        }
        Some(Fault::MissingNonce) => {
            if let Some(map) = claims.as_object_mut() {
                map.remove("nonce");
            }
        }
        Some(Fault::WrongNonce) => claims["nonce"] = json!("not-the-nonce-you-sent"),
        Some(Fault::EmailUnverified) => claims["email_verified"] = json!(false),
        Some(Fault::HdMissing) => {
            if let Some(map) = claims.as_object_mut() {
                map.remove("hd");
            }
        }
        Some(Fault::HdDifferent) => claims["hd"] = json!("other-company.example"),
        Some(f @ (Fault::AudArrayNoAzp | Fault::AudArrayOtherAzp | Fault::AudArrayWithAzp)) => {
            let other = "1111111111-other.apps.googleusercontent.com";
            claims["aud"] = json!([grant.client_id, other]);
            match f {
                Fault::AudArrayNoAzp => {
                    if let Some(map) = claims.as_object_mut() {
                        map.remove("azp");
                    }
                }
                Fault::AudArrayOtherAzp => claims["azp"] = json!(other),
                _ => claims["azp"] = json!(grant.client_id),
            }
        }
        Some(f @ (Fault::ExpiredPastSkew | Fault::ExpiredWithinSkew)) => {
            claims["iat"] = json!(now - 3600);
            claims["exp"] = json!(now - if f == Fault::ExpiredPastSkew { 60 } else { 59 });
        }
        Some(f @ (Fault::IatPastSkew | Fault::IatWithinSkew)) => {
            claims["iat"] = json!(now + if f == Fault::IatPastSkew { 61 } else { 60 });
        }
        Some(Fault::AzpOther) => {
            claims["azp"] = json!("1111111111-other.apps.googleusercontent.com");
        }
        Some(Fault::IatFuture) => claims["iat"] = json!(now + 3600),
        Some(Fault::NbfFuture) => claims["nbf"] = json!(now + 3600),
        Some(f @ (Fault::MissingIat | Fault::MissingSub)) => {
            if let Some(map) = claims.as_object_mut() {
                map.remove(if f == Fault::MissingIat { "iat" } else { "sub" });
            }
        }
        _ => {}
    }
    match grant.fault {
        Some(Fault::AlgNone) => Ok(jwt::unsigned_token(&claims)),
        Some(Fault::UnknownKid) => key.sign_with_kid(
            &claims,
            Some("JWT"),
            "0000000000000000000000000000000000000000",
        ),
        Some(Fault::BadSignature) => {
            let token = key.sign(&claims, Some("JWT"))?;
            // Flip the first character of the signature: same header and claims, wrong signature.
            let (head, sig) = token.rsplit_once('.').ok_or("no signature")?;
            let mut sig: Vec<char> = sig.chars().collect();
            sig[0] = if sig[0] == 'A' { 'B' } else { 'A' };
            Ok(format!("{head}.{}", sig.into_iter().collect::<String>()))
        }
        Some(Fault::CritHeader) => key.sign_with_header(
            &json!({"alg": "RS256", "kid": key.kid(), "typ": "JWT", "crit": ["exp"]}),
            &claims,
        ),
        _ => key.sign(&claims, Some("JWT")),
    }
}

async fn userinfo(State(shared): St, headers: HeaderMap) -> Response {
    shared.log("userinfo", BTreeMap::new());
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let email = shared.runtime().access_tokens.get(&token).cloned();
    let user = email.and_then(|e| shared.config().users.iter().find(|u| u.email == e).cloned());
    let Some(u) = user else {
        return token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Invalid Credentials",
        );
    };
    let mut body = json!({
        "sub": u.sub, "name": u.name, "given_name": u.given_name, "family_name": u.family_name,
        "picture": u.picture, "email": u.email, "email_verified": u.email_verified, "locale": u.locale,
    });
    if let Some(hd) = &u.hd {
        body["hd"] = json!(hd);
    }
    Json(body).into_response()
}

// ---------------------------------------------------------------- control API

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NextLogin {
    email: String,
    #[serde(default = "allow")]
    consent: Consent,
}

fn allow() -> Consent {
    Consent::Allow
}

async fn control_next_login(State(shared): St, Json(body): Json<NextLogin>) -> Response {
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

async fn control_fault(State(shared): St, Json(body): Json<mock_kit::FaultBody>) -> Response {
    mock_kit::enqueue_fault(&mut shared.runtime().faults, &body.fault, Fault::parse)
}

async fn control_rotate(State(shared): St) -> Response {
    let mut rt = shared.runtime();
    rt.current_key = (rt.current_key + 1).min(shared.keys.len() - 1);
    let kid = shared.keys[rt.current_key].kid().to_owned();
    Json(json!({ "current_kid": kid })).into_response()
}

async fn control_messages(State(shared): St) -> Response {
    Json(json!({ "requests": shared.runtime().log.to_vec() })).into_response()
}

async fn control_user(State(shared): St, Json(user): Json<GoogleUser>) -> Response {
    shared.config().users.push(user);
    StatusCode::NO_CONTENT.into_response()
}

async fn control_clear_sessions(State(shared): St) -> Response {
    shared.runtime().sessions.clear();
    StatusCode::NO_CONTENT.into_response()
}

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
