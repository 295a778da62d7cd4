//! Apple's token endpoint (protocols.md §2.4-2.6): the ES256 client_secret, single-use codes,
//! refresh tokens, and the signed identity token (with the next queued fault applied); the
//! revocation endpoint (§2.8).
//!
//! Refresh (issue 17), as Apple's "Generate and validate tokens" describes it: `grant_type=
//! refresh_token` with the client's secret answers a new access token and an ID token, never a
//! new refresh token; `/auth/revoke` revokes a refresh token with its access tokens, or an
//! access token with its refresh token, and forgets the authorization, so the next sign-in
//! sends the user's name and email again. Apple's refresh error descriptions are UNCONFIRMED:
//! these follow the code's.

use super::{St, error, redacted};
use crate::{AppleUser, CodeGrant, Fault, ISSUER, KEY_ID, RefreshGrant, Shared, UNKNOWN_KEY_ID};
use axum::Json;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use protocol::jwt::{self, APPLE_AUDIENCE};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Codes are single-use and live five minutes (§2.3).
const CODE_LIFETIME: Duration = Duration::minutes(5);
/// A client_secret may be valid for at most six months (§2.4).
const MAX_SECRET_LIFETIME: i64 = 15_777_000;
/// Identity tokens live ten minutes (the 2020 observation; §2.6).
const TOKEN_LIFETIME: i64 = 600;

/// Where an identity token is issued: which queued fault it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Issue {
    /// To the app or the web callback: every fault but the redeemed-only ones.
    Authorization,
    /// By the token endpoint for a code: the next fault, whichever.
    Redemption,
    /// By a refresh: none of the sign-in's faults.
    Refresh,
}

pub(super) fn identity_token(
    shared: &Shared,
    client_id: &str,
    user: &AppleUser,
    team_id: &str,
    nonce: Option<&str>,
    hash_claim: (&str, &str),
    at: Issue,
) -> Result<String, String> {
    let fault = {
        let mut rt = shared.runtime();
        match (at, rt.faults.front()) {
            (Issue::Refresh, _) => None,
            (Issue::Authorization, Some(f)) if f.redeemed_only() => None,
            _ => rt.faults.pop(),
        }
    };
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
        Some(Fault::WrongAud | Fault::RedeemedWrongAud) => {
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
        Some(Fault::WrongIss | Fault::RedeemedWrongIss) => {
            claims["iss"] = json!("https://appleid.apple.com.evil.example")
        }
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

pub(super) fn new_code(
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

/// The form's `client_id`, when its `client_secret` is one Apple trusts (why not is logged;
/// the caller answers `invalid_client`).
fn authenticate_client(shared: &Shared, form: &BTreeMap<String, String>) -> Option<String> {
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    let secret = form
        .get("client_secret")
        .map(String::as_str)
        .unwrap_or_default();
    match check_client_secret(shared, &client_id, secret) {
        Ok(()) => Some(client_id),
        Err(why) => {
            tracing::info!(%client_id, why, "client_secret refused");
            None
        }
    }
}

pub(super) async fn token(
    State(shared): St,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    shared.log("token", redacted(form.clone()));
    let Some(client_id) = authenticate_client(&shared, &form) else {
        return error(StatusCode::BAD_REQUEST, "invalid_client", None);
    };
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {}
        Some("refresh_token") => return refresh(&shared, &form, &client_id),
        _ => return error(StatusCode::BAD_REQUEST, "unsupported_grant_type", None),
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
        Issue::Redemption,
    ) {
        Ok(t) => t,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", Some(&e)),
    };
    let refresh_token = format!("r{}.0.mock", shared.ids.new_id("t"));
    {
        let mut rt = shared.runtime();
        rt.refresh_tokens.insert(
            refresh_token.clone(),
            RefreshGrant {
                client_id: client_id.clone(),
                sub: user.sub.clone(),
            },
        );
        rt.access_tokens
            .insert(access_token.clone(), refresh_token.clone());
    }
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": refresh_token,
        "id_token": id_token,
    }))
    .into_response()
}

/// `grant_type=refresh_token` (§2.5): a new access token and ID token, the same refresh token.
fn refresh(shared: &Shared, form: &BTreeMap<String, String>, client_id: &str) -> Response {
    let Some(token) = form.get("refresh_token").filter(|t| !t.is_empty()) else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", None);
    };
    let fault = shared.runtime().refresh_faults.pop();
    let refused = |why: &str| error(StatusCode::BAD_REQUEST, "invalid_grant", Some(why));
    let revoked = "The token has expired or has been revoked.";
    let Some(grant) = shared.runtime().refresh_tokens.get(token).cloned() else {
        return refused(revoked);
    };
    match fault {
        Some(Fault::RefreshRevoked | Fault::RefreshExpired) => return refused(revoked),
        Some(Fault::RefreshWrongClient) => return refused("client_id mismatch."),
        _ => {}
    }
    if grant.client_id != client_id {
        return refused("client_id mismatch.");
    }
    let (Some(team), Some(user)) = (
        shared.team_of(client_id),
        shared
            .config()
            .users
            .iter()
            .find(|u| u.sub == grant.sub)
            .cloned(),
    ) else {
        return refused(revoked);
    };
    let access_token = format!("a{}.0.mock", shared.ids.new_id("t"));
    let id_token = match identity_token(
        shared,
        client_id,
        &user,
        &team.team_id,
        None,
        ("at_hash", &access_token),
        Issue::Refresh,
    ) {
        Ok(t) => t,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", Some(&e)),
    };
    shared
        .runtime()
        .access_tokens
        .insert(access_token.clone(), token.clone());
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 3600,
        "id_token": id_token,
    }))
    .into_response()
}

/// `/auth/revoke` (§2.8): the client's secret is checked; any token, valid or not, answers 200
/// with an empty body. A known one ends its grant and the authorization.
pub(super) async fn revoke(
    State(shared): St,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    shared.log("revoke", redacted(form.clone()));
    let Some(client_id) = authenticate_client(&shared, &form) else {
        return error(StatusCode::BAD_REQUEST, "invalid_client", None);
    };
    let token = form.get("token").cloned().unwrap_or_default();
    let mut rt = shared.runtime();
    let refresh = if rt.refresh_tokens.contains_key(&token) {
        Some(token)
    } else {
        rt.access_tokens.get(&token).cloned()
    };
    let grant = refresh
        .as_ref()
        .and_then(|r| rt.refresh_tokens.get(r).cloned())
        .filter(|g| g.client_id == client_id);
    if let (Some(refresh), Some(grant)) = (refresh, grant) {
        rt.refresh_tokens.remove(&refresh);
        rt.access_tokens.retain(|_, r| *r != refresh);
        rt.authorized.remove(&(grant.sub, grant.client_id));
    }
    StatusCode::OK.into_response()
}
