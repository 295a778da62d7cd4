//! Endpoints of the mock Apple (protocols.md §2.1-2.8) and its control API.

use crate::{
    AppleUser, CodeGrant, Fault, FullName, ISSUER, KEY_ID, NativeCredential, Shared, UNKNOWN_KEY_ID,
};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use protocol::jwt::{self, APPLE_AUDIENCE};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

type St = State<Arc<Shared>>;

/// Codes are single-use and live five minutes (§2.3).
const CODE_LIFETIME: Duration = Duration::minutes(5);
/// A client_secret may be valid for at most six months (§2.4).
const MAX_SECRET_LIFETIME: i64 = 15_777_000;
/// Identity tokens live ten minutes (the 2020 observation; §2.6).
const TOKEN_LIFETIME: i64 = 600;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
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

async fn revoke(State(shared): St, Form(form): Form<BTreeMap<String, String>>) -> Response {
    shared.log("revoke", redacted(form));
    // 200 with an empty body, even for a token that is already invalid (§2.8).
    StatusCode::OK.into_response()
}

/// The identity token for `user` and `client_id`, with the next fault applied.
fn identity_token(
    shared: &Shared,
    client_id: &str,
    user: &AppleUser,
    team_id: &str,
    nonce: Option<&str>,
    hash_claim: (&str, &str),
) -> Result<String, String> {
    let fault = shared.runtime().faults.pop();
    let now = shared.clock.now().timestamp();
    let strings = shared.config().booleans_as_strings;
    let flag = |b: bool| {
        if strings {
            json!(b.to_string())
        } else {
            json!(b)
        }
    };
    let mut claims = json!({
        "iss": ISSUER,
        "aud": client_id,
        "exp": now + TOKEN_LIFETIME,
        "iat": now,
        "sub": user.sub,
        hash_claim.0: jwt::left_half_hash(hash_claim.1),
        "auth_time": now,
        "email": user.shared_email(team_id),
        "email_verified": flag(true),
        "is_private_email": flag(user.hide_email),
        "nonce_supported": true,
        "real_user_status": 2,
    });
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    match fault {
        Some(Fault::Expired) => {
            claims["iat"] = json!(now - 7200);
            claims["exp"] = json!(now - 3600);
        }
        Some(Fault::WrongAud) => {
            // The web Services ID of the same team instead of the app's bundle ID.
            let other = shared
                .team_of(client_id)
                .and_then(|t| {
                    t.clients
                        .iter()
                        .find(|c| c.client_id != client_id)
                        .map(|c| c.client_id.clone())
                })
                .unwrap_or_else(|| "com.example.web".into());
            claims["aud"] = json!(other);
        }
        Some(Fault::WrongIss) => claims["iss"] = json!("https://appleid.apple.com.evil.example"),
        Some(Fault::NonceMismatch) => claims["nonce"] = json!(jwt::sha256_hex("another nonce")),
        // Applied where the nonce is chosen (`native`).
        Some(Fault::NonceUnhashed) => {}
        Some(Fault::EmailUnverified) => claims["email_verified"] = flag(false),
        Some(f @ (Fault::ExpiredPastSkew | Fault::ExpiredWithinSkew)) => {
            claims["iat"] = json!(now - 3600);
            claims["exp"] = json!(now - if f == Fault::ExpiredPastSkew { 60 } else { 59 });
        }
        Some(Fault::IatFuture) => claims["iat"] = json!(now + 3600),
        Some(f @ (Fault::IatPastSkew | Fault::IatWithinSkew)) => {
            claims["iat"] = json!(now + if f == Fault::IatPastSkew { 61 } else { 60 });
        }
        Some(Fault::NbfFuture) => claims["nbf"] = json!(now + 3600),
        Some(f @ (Fault::MissingIat | Fault::MissingSub)) => {
            if let Some(map) = claims.as_object_mut() {
                map.remove(if f == Fault::MissingIat { "iat" } else { "sub" });
            }
        }
        _ => {}
    }
    match fault {
        Some(Fault::CritHeader) => shared.key.sign_with_header(
            &json!({"alg": "RS256", "kid": shared.key.kid(), "crit": ["exp"]}),
            &claims,
        ),
        Some(Fault::UnknownKid) => shared.key.sign_with_kid(&claims, None, UNKNOWN_KEY_ID),
        Some(Fault::BadSignature) => shared.foreign_key.sign_with_kid(&claims, None, KEY_ID),
        _ => shared.key.sign(&claims, None),
    }
}

fn find_user(shared: &Shared, username: &str) -> Option<AppleUser> {
    shared
        .config()
        .users
        .iter()
        .find(|u| u.email.eq_ignore_ascii_case(username))
        .cloned()
}

fn new_code(
    shared: &Shared,
    client_id: &str,
    redirect_uri: Option<String>,
    user: &AppleUser,
    nonce: Option<String>,
) -> String {
    let code = format!("c{}.0.mock", shared.ids.new_id("a"));
    shared.runtime().codes.insert(
        code.clone(),
        CodeGrant {
            client_id: client_id.to_owned(),
            redirect_uri,
            sub: user.sub.clone(),
            nonce,
            issued_at: shared.clock.now(),
            used: false,
        },
    );
    code
}

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
    )?;
    let first = shared
        .runtime()
        .authorized
        .insert((user.sub.clone(), bundle_id.to_owned()));
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

async fn authorize(State(shared): St, Query(p): Query<AuthParams>) -> Response {
    let mut logged = BTreeMap::new();
    for (k, v) in [
        ("client_id", &p.client_id),
        ("redirect_uri", &p.redirect_uri),
        ("response_type", &p.response_type),
        ("scope", &p.scope),
        ("response_mode", &p.response_mode),
        ("state", &p.state),
    ] {
        if let Some(v) = v {
            logged.insert(k.to_owned(), v.clone());
        }
    }
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
        None => Html(format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Sign in with Apple</title></head><body>\n\
             <h1>Use your Apple ID</h1>\n<form method=\"post\" action=\"/auth/signin\">\n\
             <input type=\"hidden\" name=\"query\" value=\"{}\">\n\
             <label>Apple ID <input name=\"username\"></label>\n<label>Password <input type=\"password\" name=\"password\"></label>\n\
             <button name=\"action\" value=\"continue\">Continue</button> <button name=\"action\" value=\"cancel\">Cancel</button>\n\
             </form>\n</body></html>\n",
            protocol::saml::xml::attr(&serde_json::to_string(&json!({
                "client_id": p.client_id, "redirect_uri": p.redirect_uri, "response_type": p.response_type,
                "scope": p.scope, "response_mode": p.response_mode, "state": p.state, "nonce": p.nonce,
            })).unwrap_or_default())
        ))
        .into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct SigninForm {
    query: String,
    username: String,
    password: String,
    action: String,
}

async fn signin(State(shared): St, Form(form): Form<SigninForm>) -> Response {
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
            .insert((user.sub.clone(), client_id));
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
            "<!DOCTYPE html>\n<html><body>\n<form method=\"post\" action=\"{}\">\n{inputs}</form>\n<script>{}</script>\n</body></html>\n",
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

/// Checks a `client_secret` JWT (§2.4); every failure is `invalid_client`.
fn check_client_secret(shared: &Shared, client_id: &str, secret: &str) -> Result<(), &'static str> {
    let team = shared.team_of(client_id).ok_or("unknown client")?;
    let header = jsonwebtoken::decode_header(secret).map_err(|_| "unreadable secret")?;
    if header.alg != jsonwebtoken::Algorithm::ES256 {
        return Err("not ES256");
    }
    let kid = header.kid.ok_or("no kid")?;
    let public = team.keys.get(&kid).ok_or("unknown key ID")?;
    let key = jsonwebtoken::DecodingKey::from_ec_pem(public.as_bytes())
        .map_err(|_| "bad registered key")?;
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    v.validate_exp = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Value>(secret, &key, &v)
        .map_err(|_| "bad signature")?
        .claims;
    let now = shared.clock.now().timestamp();
    let (iat, exp) = (
        claims["iat"].as_i64().ok_or("no iat")?,
        claims["exp"].as_i64().ok_or("no exp")?,
    );
    if claims["iss"].as_str() != Some(team.team_id.as_str()) {
        return Err("iss is not the team ID");
    }
    if claims["aud"].as_str() != Some(APPLE_AUDIENCE) {
        return Err("aud is not Apple");
    }
    if claims["sub"].as_str() != Some(client_id) {
        return Err("sub is not the client ID");
    }
    if exp <= now {
        return Err("expired");
    }
    if exp - iat > MAX_SECRET_LIFETIME {
        return Err("longer than six months");
    }
    Ok(())
}

async fn token(State(shared): St, Form(form): Form<BTreeMap<String, String>>) -> Response {
    shared.log("token", redacted(form.clone()));
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    if let Err(why) = check_client_secret(
        &shared,
        &client_id,
        form.get("client_secret")
            .map(String::as_str)
            .unwrap_or_default(),
    ) {
        tracing::info!(%client_id, why, "client_secret refused");
        return error(StatusCode::BAD_REQUEST, "invalid_client", None);
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return error(StatusCode::BAD_REQUEST, "unsupported_grant_type", None);
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let now = shared.clock.now();
    let grant = {
        let mut rt = shared.runtime();
        let Some(grant) = rt.codes.get_mut(&code) else {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                Some("The code is not valid."),
            );
        };
        if grant.used {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                Some("The code has already been used."),
            );
        }
        if now > grant.issued_at + CODE_LIFETIME {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                Some("The code has expired or has been revoked."),
            );
        }
        if grant.client_id != client_id {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                Some("client_id mismatch."),
            );
        }
        if let Some(uri) = &grant.redirect_uri
            && form.get("redirect_uri") != Some(uri)
        {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                Some("redirect_uri mismatch."),
            );
        }
        grant.used = true;
        grant.clone()
    };
    let Some(team) = shared.team_of(&client_id) else {
        return error(StatusCode::BAD_REQUEST, "invalid_client", None);
    };
    let user = shared
        .config()
        .users
        .iter()
        .find(|u| u.sub == grant.sub)
        .cloned();
    let Some(user) = user else {
        return error(StatusCode::BAD_REQUEST, "invalid_grant", None);
    };
    let access_token = format!("a{}.0.mock", shared.ids.new_id("t"));
    let id_token = match identity_token(
        &shared,
        &client_id,
        &user,
        &team.team_id,
        grant.nonce.as_deref(),
        ("at_hash", &access_token),
    ) {
        Ok(t) => t,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", Some(&e)),
    };
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": format!("r{}.0.mock", shared.ids.new_id("t")),
        "id_token": id_token,
    }))
    .into_response()
}

// ---------------------------------------------------------------- control API

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeBody {
    bundle_id: String,
    username: String,
    raw_nonce: String,
}

async fn control_native(State(shared): St, Json(body): Json<NativeBody>) -> Response {
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
struct NextLogin {
    username: String,
    #[serde(default)]
    cancel: bool,
}

async fn control_next_login(State(shared): St, Json(body): Json<NextLogin>) -> Response {
    mock_kit::enqueue(
        &mut shared.runtime().next_logins,
        (body.username, body.cancel),
    )
}

async fn control_fault(State(shared): St, Json(body): Json<mock_kit::FaultBody>) -> Response {
    mock_kit::enqueue_fault(&mut shared.runtime().faults, &body.fault, Fault::parse)
}

async fn control_messages(State(shared): St) -> Response {
    Json(json!({ "requests": shared.runtime().log.to_vec() })).into_response()
}
