//! The token endpoint (protocols.md §1.3): client authentication, PKCE, single-use codes,
//! and the signed ID token (§1.4, with the next queued fault applied); userinfo (§1.6).

use super::{St, redacted};
use crate::{CodeGrant, Fault, GoogleUser, Shared};
use axum::Json;
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

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
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
