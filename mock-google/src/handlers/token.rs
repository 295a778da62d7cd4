//! The token endpoint (protocols.md §1.3): client authentication, PKCE, single-use codes,
//! the signed ID token (§1.4, with the next queued fault applied), refresh tokens; the
//! revocation endpoint; userinfo (§1.6).
//!
//! Refresh tokens as Google issues them (issue 17): one for `access_type=offline` on the first
//! code exchange of a user and client, again only with `prompt=consent`; `grant_type=
//! refresh_token` answers a new access token and ID token and never a new refresh token (Google
//! does not rotate them); `POST /revoke` (the token in the form or the query) revokes an access
//! token and the refresh token it belongs to, or a refresh token and every access token from
//! it. Revocation's success body is UNCONFIRMED (Google documents the 200 only): empty here.

use super::{St, redacted};
use crate::{AccessGrant, CodeGrant, Fault, GoogleUser, RefreshGrant, Shared};
use axum::Json;
use axum::extract::Query;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::Duration;
use protocol::jwt;
use serde_json::json;
use std::collections::BTreeMap;

/// How long an authorization code can be redeemed.
const CODE_LIFETIME: Duration = Duration::minutes(10);

pub(super) fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

pub(super) async fn token(
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
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {}
        Some("refresh_token") => return refresh(&shared, &form, &client_id),
        Some(super::device::GRANT) => return super::device::poll(&shared, &form, &client_id),
        _ => {
            return token_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Invalid grant_type.",
            );
        }
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
    let refresh_token = grant
        .offline
        .then(|| issue_refresh(&shared, &grant, &user))
        .flatten();
    let access_token = format!("ya29.{}", shared.ids.new_id("a"));
    shared.runtime().access_tokens.insert(
        access_token.clone(),
        AccessGrant {
            email: user.email.clone(),
            refresh_token: refresh_token.clone(),
        },
    );
    let id_token = match id_token(&shared, &grant, &user, &access_token) {
        Ok(t) => t,
        Err(e) => return token_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e),
    };
    let mut body = json!({
        "access_token": access_token,
        "expires_in": 3599,
        "scope": grant.scope,
        "token_type": "Bearer",
        "id_token": id_token,
    });
    if let Some(r) = refresh_token {
        body["refresh_token"] = json!(r);
    }
    Json(body).into_response()
}

/// A refresh token for an offline grant: on the user's first consent to the client, or again
/// when `prompt=consent` asked for it.
pub(super) fn issue_refresh(
    shared: &Shared,
    grant: &CodeGrant,
    user: &GoogleUser,
) -> Option<String> {
    let key = (grant.client_id.clone(), user.email.clone());
    let token = format!("1//0{}", shared.ids.new_id("r"));
    let mut rt = shared.runtime();
    if rt.offline_granted.contains_key(&key) && !grant.prompt_consent {
        return None;
    }
    rt.offline_granted.insert(key, ());
    rt.refresh_tokens.insert(
        token.clone(),
        RefreshGrant {
            client_id: grant.client_id.clone(),
            email: user.email.clone(),
            scope: grant.scope.clone(),
        },
    );
    Some(token)
}

/// `grant_type=refresh_token` (§1.3): a new access token and ID token, the same refresh token.
fn refresh(shared: &Shared, form: &BTreeMap<String, String>, client_id: &str) -> Response {
    let Some(token) = form.get("refresh_token").filter(|t| !t.is_empty()) else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: refresh_token",
        );
    };
    let fault = shared.runtime().refresh_faults.pop();
    let revoked = || {
        token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Token has been expired or revoked.",
        )
    };
    let unauthorized = || {
        token_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "Unauthorized",
        )
    };
    let Some(grant) = shared.runtime().refresh_tokens.get(token).cloned() else {
        return revoked();
    };
    match fault {
        Some(Fault::RefreshRevoked | Fault::RefreshExpired) => return revoked(),
        Some(Fault::RefreshWrongClient) => return unauthorized(),
        _ => {}
    }
    if grant.client_id != client_id {
        return unauthorized();
    }
    let Some(user) = shared
        .config()
        .users
        .iter()
        .find(|u| u.email == grant.email)
        .cloned()
    else {
        return revoked();
    };
    let access_token = format!("ya29.{}", shared.ids.new_id("a"));
    shared.runtime().access_tokens.insert(
        access_token.clone(),
        AccessGrant {
            email: user.email.clone(),
            refresh_token: Some(token.clone()),
        },
    );
    // The ID token of a refresh: no nonce (none was sent), no fault of the sign-in's.
    let as_code = CodeGrant {
        client_id: grant.client_id.clone(),
        redirect_uri: String::new(),
        email: user.email.clone(),
        nonce: None,
        challenge: None,
        scope: grant.scope.clone(),
        issued_at: shared.clock.now(),
        used: true,
        fault: None,
        offline: true,
        prompt_consent: false,
    };
    let id_token = match id_token(shared, &as_code, &user, &access_token) {
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

/// `POST /revoke` with `token` in the form or the query: an access token goes with its refresh
/// token, a refresh token with every access token it gave.
pub(super) async fn revoke(
    State(shared): St,
    Query(query): Query<BTreeMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    let mut params: BTreeMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    for (k, v) in query {
        params.entry(k).or_insert(v);
    }
    shared.log("revoke", redacted(params.clone()));
    let Some(token) = params.get("token").filter(|t| !t.is_empty()) else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: token",
        );
    };
    let mut rt = shared.runtime();
    let refresh = if rt.refresh_tokens.contains_key(token) {
        Some(token.clone())
    } else {
        match rt.access_tokens.remove(token) {
            Some(access) => access.refresh_token,
            None => {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_token",
                    "Token expired or revoked",
                );
            }
        }
    };
    if let Some(refresh) = refresh {
        rt.refresh_tokens.remove(&refresh);
        rt.access_tokens
            .retain(|_, a| a.refresh_token.as_deref() != Some(refresh.as_str()));
    }
    StatusCode::OK.into_response()
}

/// The ID token (§1.4), with the grant's fault applied.
pub(super) fn id_token(
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
        Some(Fault::AudArrayWithoutUs) => {
            claims["aud"] = json!([
                "1111111111-other.apps.googleusercontent.com",
                "2222222222-third.apps.googleusercontent.com"
            ]);
            claims["azp"] = json!(grant.client_id);
        }
        Some(Fault::SingleAudNoAzp) => {
            if let Some(map) = claims.as_object_mut() {
                map.remove("azp");
            }
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

pub(super) async fn userinfo(State(shared): St, headers: HeaderMap) -> Response {
    shared.log("userinfo", BTreeMap::new());
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let email = shared
        .runtime()
        .access_tokens
        .get(&token)
        .map(|a| a.email.clone());
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
