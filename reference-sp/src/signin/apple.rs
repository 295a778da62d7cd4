//! Sign in with Apple for RunMyApp on iOS (REQUIREMENTS.md R-APPLE-1..4; protocols.md §2.7, §2.9).
//!
//! The app first asks the SP for a nonce (`POST /live/<id>/apple/nonce?P_mode=<MODE>`: fresh,
//! single use, five minutes, stored only as its SHA-256) and puts its SHA-256 in the Apple
//! request. Then it sends what `ASAuthorizationAppleIDCredential` gave it to
//! `POST /live/<id>/apple/signin?P_mode=<MODE>`: the identity token, the authorization code, the
//! raw nonce (whose SHA-256 it put in the request) and, the first time, the user's name. The SP
//! checks the token (RS256 by `kid` from Apple's JWKS, issuer, audience = the app's bundle ID,
//! `iat`, `nbf`, `sub`, expiry, no `crit`, nonce), burns the nonce, which must be one it issued
//! for this account and mode and not yet used, redeems the authorization code (required) with a
//! `client_secret` it signs with the customer's `.p8` key, checks that the ID token Apple returns
//! for the code is for the same Apple user (`sub`) and app (`aud`), and signs in the user of the
//! account with that email. So a captured identity token cannot be replayed (R-APPLE-4). There is no
//! auto-provisioning (R-APPLE-2). The answer carries the session for the app.

use crate::AppState;
use crate::domain::{AccountId, Email, parse_http_url};
use crate::error::Refusal as _;
use crate::error::{ApiError, JsonBody};
use crate::scope::Scoped;
use crate::scope::ScopedWith;
use crate::signin::oidc;
use crate::signin::session;
use crate::signin::session::AdminOf;
use crate::store;
pub use crate::store::apple::AppleConfig;
use crate::store::apple::{load_config, save_config};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use protocol::jwt::{self, Es256Key};
use protocol::oidc::{ClaimCheck, JwtCheck, common_claims, truthy};
use serde::Deserialize;
use serde_json::{Value, json};

/// Apple's issuer (protocols.md §2.6).
pub const APPLE_ISSUER: &str = "https://appleid.apple.com";
/// Clock skew tolerated on `exp`.
pub const SKEW: Duration = Duration::seconds(60);
/// Lifetime of the `client_secret` the SP signs for one code redemption.
const SECRET_LIFETIME: i64 = 300;
/// How long an SP-issued nonce can be used.
pub const NONCE_LIFETIME: Duration = Duration::minutes(5);

/// Why an Apple sign-in is refused; each variant has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppleError {
    #[error("Sign in with Apple is not configured for this account")]
    NotConfigured,
    #[error("the identity token is malformed: {0}")]
    MalformedToken(String),
    #[error("identity token algorithm {0:?} is not allowed; RS256 only")]
    AlgorithmNotAllowed(String),
    #[error("no Apple key with the identity token's kid")]
    UnknownKid,
    #[error("the identity token's signature does not verify")]
    BadSignature,
    #[error("Apple's keys cannot be fetched: {0}")]
    Unavailable(String),
    #[error("the identity token's issuer {0:?} is not Apple")]
    WrongIssuer(String),
    #[error("the identity token is for {0:?}, not this app's bundle ID")]
    WrongAudience(String),
    #[error("the identity token has expired")]
    Expired,
    #[error("the identity token has no iat")]
    MissingIat,
    #[error("the identity token was issued in the future (iat)")]
    IatFuture,
    #[error("the identity token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the identity token has no sub")]
    MissingSub,
    #[error("the identity token's header lists critical extensions (crit)")]
    CritHeader,
    #[error("the nonce was not issued by this SP for this account and mode")]
    UnknownNonce,
    #[error("the nonce has expired; ask for a new one")]
    NonceExpired,
    #[error("the nonce was already used")]
    NonceUsed,
    #[error("the authorization code is required")]
    MissingCode,
    #[error("the authorization code belongs to another Apple sign-in")]
    CodeOtherUser,
    #[error("the email Apple signed is not a plain address")]
    InvalidEmail,
    #[error("the identity token carries no nonce")]
    MissingNonce,
    #[error("the identity token's nonce is not the SHA-256 of the app's nonce")]
    NonceMismatch,
    #[error("the identity token carries no email")]
    NoEmail,
    #[error("Apple has not verified this email")]
    EmailUnverified,
    #[error("Apple refused the authorization code: {0}")]
    CodeRefused(String),
    #[error("no user with this email in the account")]
    UnknownUser,
}

impl crate::error::Refusal for AppleError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "apple_not_configured",
            Self::MalformedToken(_) => "apple_malformed_token",
            Self::AlgorithmNotAllowed(_) => "apple_alg_not_allowed",
            Self::UnknownKid => "apple_unknown_kid",
            Self::BadSignature => "apple_bad_signature",
            Self::Unavailable(_) => "apple_unavailable",
            Self::WrongIssuer(_) => "apple_wrong_issuer",
            Self::WrongAudience(_) => "apple_wrong_audience",
            Self::Expired => "apple_token_expired",
            Self::MissingIat => "apple_missing_iat",
            Self::IatFuture => "apple_iat_future",
            Self::NotYetValid => "apple_not_yet_valid",
            Self::MissingSub => "apple_missing_sub",
            Self::CritHeader => "apple_crit_header",
            Self::UnknownNonce => "apple_unknown_nonce",
            Self::NonceExpired => "apple_nonce_expired",
            Self::NonceUsed => "apple_nonce_used",
            Self::MissingCode => "apple_missing_code",
            Self::CodeOtherUser => "apple_code_other_user",
            Self::InvalidEmail => "apple_invalid_email",
            Self::MissingNonce => "apple_missing_nonce",
            Self::NonceMismatch => "apple_nonce_mismatch",
            Self::NoEmail => "apple_no_email",
            Self::EmailUnverified => "apple_email_unverified",
            Self::CodeRefused(_) => "apple_code_refused",
            Self::UnknownUser => "apple_unknown_user",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::NotConfigured => StatusCode::NOT_FOUND,
            Self::MalformedToken(_) | Self::MissingCode => StatusCode::BAD_REQUEST,
            Self::Unavailable(_) => StatusCode::BAD_GATEWAY,
            _ => StatusCode::UNAUTHORIZED,
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/live/{account}/apple/nonce", post(issue_nonce))
        .route("/live/{account}/apple/signin", post(signin))
        .route(
            "/api/{account}/apple",
            get(get_config).put(put_config).delete(delete_config),
        )
}

/// `POST /live/<id>/apple/nonce?P_mode=`: a fresh nonce for one sign-in of this account and
/// mode. Only its SHA-256 is kept; expired ones are forgotten here, so the table stays bounded
/// by the issue rate times five minutes.
async fn issue_nonce(
    State(state): State<AppState>,
    Scoped { account, mode, .. }: Scoped,
) -> Result<Response, ApiError> {
    let nonce = state.ids().new_id("an");
    let (hash, now, account_c) = (
        session::token_hash(&nonce),
        state.clock().now(),
        account.clone(),
    );
    state
        .store()
        .call(move |c| {
            if load_config(c, &account_c)?.is_none() {
                return Err(ApiError::from(AppleError::NotConfigured));
            }
            store::insert_apple_nonce(c, &hash, &account_c, mode, now, NONCE_LIFETIME)
        })
        .await?;
    Ok(Json(json!({"nonce": nonce, "expires_in": NONCE_LIFETIME.num_seconds()})).into_response())
}

/// Burns an SP-issued nonce: it must be of this account and mode, unexpired and unused.
async fn burn_nonce(
    state: &AppState,
    account: &AccountId,
    mode: crate::domain::ExecutionMode,
    raw_nonce: &str,
) -> Result<Result<(), AppleError>, ApiError> {
    let (hash, now, account) = (
        session::token_hash(raw_nonce),
        state.clock().now(),
        account.clone(),
    );
    state
        .store()
        .call(move |c| {
            Ok(
                store::burn_apple_nonce(c, &hash, &account, mode, now)?.map_err(|r| match r {
                    store::Refused::Unknown
                    | store::Refused::OtherBrowser
                    | store::Refused::CookieMissing => AppleError::UnknownNonce,
                    store::Refused::Expired => AppleError::NonceExpired,
                    store::Refused::Used => AppleError::NonceUsed,
                }),
            )
        })
        .await
}

/// What the app posts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SigninBody {
    identity_token: String,
    authorization_code: Option<String>,
    /// The nonce the SP issued; the Apple request carried its SHA-256.
    raw_nonce: String,
    /// Sent by the app on the first authorization only. Accepted so the app can send what it
    /// has; the user is found by email, never by name.
    #[serde(rename = "full_name")]
    _full_name: Option<Value>,
}

async fn signin(
    State(state): State<AppState>,
    ScopedWith {
        account,
        mode,
        headers,
        body: JsonBody(body),
        ..
    }: ScopedWith<JsonBody<SigninBody>>,
) -> Result<Response, ApiError> {
    let account_c = account.clone();
    let Some(config) = state
        .store()
        .call(move |c| load_config(c, &account_c))
        .await?
    else {
        return Err(ApiError::from(AppleError::NotConfigured));
    };
    let email = match validate(&state, &config, &account, mode, &body).await? {
        Ok(email) => email,
        Err(e) => {
            tracing::warn!(account = %account, code = e.code(), error = %e, "Apple sign-in refused");
            return Err(ApiError::from(e));
        }
    };
    let account_c = account.clone();
    let user = state
        .store()
        .call(move |c| Ok(store::user_by_email(c, &account_c, &email)?.map(|(u, _)| u)))
        .await?
        .ok_or(ApiError::from(AppleError::UnknownUser))?;
    let cookie =
        session::start_session(&state, &headers, &account, mode, &user, None, None).await?;
    let token = cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default();
    tracing::info!(account = %account, mode = %mode, user_id = user.id, "Apple sign-in");
    let body = Json(json!({
        "account": account,
        "mode": mode,
        "user": user,
        "session": {
            "cookie": session::cookie_name(&account, mode),
            "token": token,
            "expires_in": state.settings().session_ttl.num_seconds(),
        },
    }));
    session::with_cookie(body.into_response(), &cookie)
}

/// The identity-token rules of protocols.md §2.9, the SP's nonce, then the code redemption;
/// returns the email.
async fn validate(
    state: &AppState,
    config: &AppleConfig,
    account: &AccountId,
    mode: crate::domain::ExecutionMode,
    body: &SigninBody,
) -> Result<Result<Email, AppleError>, ApiError> {
    let (email, sub) = match check_identity_token(state, config, body).await {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    let Some(code) = body.authorization_code.as_deref().filter(|c| !c.is_empty()) else {
        return Ok(Err(AppleError::MissingCode));
    };
    if let Err(e) = burn_nonce(state, account, mode, &body.raw_nonce).await? {
        return Ok(Err(e));
    }
    let Some(key) = &config.private_key else {
        return Ok(Err(AppleError::CodeRefused(
            "no developer key is configured to redeem the code".into(),
        )));
    };
    Ok(redeem(state, config, key, code, &sub).await.map(|()| email))
}

/// The identity token's signature and claims; returns the email and the Apple user (`sub`).
async fn check_identity_token(
    state: &AppState,
    config: &AppleConfig,
    body: &SigninBody,
) -> Result<(Email, String), AppleError> {
    let jwks = format!("{}/auth/keys", config.apple_base_url);
    let claims = oidc::verify_rs256(state, &jwks, &body.identity_token)
        .await
        .map_err(|e| match e {
            JwtCheck::AlgorithmNotAllowed(a) => AppleError::AlgorithmNotAllowed(a),
            JwtCheck::Malformed(m) => AppleError::MalformedToken(m),
            JwtCheck::UnknownKid => AppleError::UnknownKid,
            JwtCheck::BadSignature => AppleError::BadSignature,
            JwtCheck::Unavailable(u) => AppleError::Unavailable(u),
            JwtCheck::CritHeader => AppleError::CritHeader,
        })?;
    let iss = claims["iss"].as_str().unwrap_or_default();
    if iss != APPLE_ISSUER {
        return Err(AppleError::WrongIssuer(iss.to_owned()));
    }
    let aud = claims["aud"].as_str().unwrap_or_default();
    if aud != config.bundle_id {
        return Err(AppleError::WrongAudience(aud.to_owned()));
    }
    common_claims(&claims, state.clock().now(), SKEW).map_err(claim_error)?;
    match claims["nonce"].as_str() {
        None => return Err(AppleError::MissingNonce),
        Some(n) if n != jwt::sha256_hex(&body.raw_nonce) => return Err(AppleError::NonceMismatch),
        Some(_) => {}
    }
    let email = claims["email"].as_str().ok_or(AppleError::NoEmail)?;
    // Apple sends these flags as booleans or as the strings "true"/"false" (§2.6).
    if !truthy(&claims["email_verified"]) {
        return Err(AppleError::EmailUnverified);
    }
    let email = Email::parse(email).map_err(|_| AppleError::InvalidEmail)?;
    Ok((email, claims["sub"].as_str().unwrap_or_default().to_owned()))
}

fn claim_error(e: ClaimCheck) -> AppleError {
    match e {
        ClaimCheck::MissingSub => AppleError::MissingSub,
        ClaimCheck::MissingIat => AppleError::MissingIat,
        ClaimCheck::IatFuture => AppleError::IatFuture,
        ClaimCheck::NotYetValid => AppleError::NotYetValid,
        ClaimCheck::Expired => AppleError::Expired,
    }
}

/// Redeems the authorization code (client_id = bundle ID, no redirect_uri for the native flow),
/// proving the code is fresh and single-use, and checks that the ID token Apple returns for it
/// is signed by Apple, for this app, and for the same Apple user (`sub`) as the identity token.
async fn redeem(
    state: &AppState,
    config: &AppleConfig,
    key_pem: &str,
    code: &str,
    sub: &str,
) -> Result<(), AppleError> {
    let key = Es256Key::from_pem(key_pem, &config.key_id)
        .map_err(|e| AppleError::CodeRefused(format!("the configured key: {e}")))?;
    let secret = jwt::apple_client_secret(
        &key,
        &config.team_id,
        &config.bundle_id,
        state.clock().now().timestamp(),
        SECRET_LIFETIME,
    )
    .map_err(AppleError::CodeRefused)?;
    let response = state
        .http()
        .post(format!("{}/auth/token", config.apple_base_url))
        .form(&[
            ("client_id", config.bundle_id.as_str()),
            ("client_secret", secret.as_str()),
            ("code", code),
            ("grant_type", "authorization_code"),
        ])
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| AppleError::Unavailable(e.without_url().to_string()))?;
    let success = response.status().is_success();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !success {
        return Err(AppleError::CodeRefused(
            body["error"].as_str().unwrap_or("unknown").to_owned(),
        ));
    }
    let id_token = body["id_token"]
        .as_str()
        .ok_or_else(|| AppleError::CodeRefused("no id_token in Apple's answer".into()))?;
    let jwks = format!("{}/auth/keys", config.apple_base_url);
    let claims = oidc::verify_rs256(state, &jwks, id_token)
        .await
        .map_err(|e| AppleError::CodeRefused(format!("the redeemed ID token: {e:?}")))?;
    if claims["iss"].as_str() != Some(APPLE_ISSUER)
        || claims["aud"].as_str() != Some(config.bundle_id.as_str())
    {
        return Err(AppleError::CodeRefused(
            "the redeemed ID token is not Apple's for this app".into(),
        ));
    }
    if claims["sub"].as_str() != Some(sub) {
        return Err(AppleError::CodeOtherUser);
    }
    Ok(())
}

// ---------------------------------------------------------------- admin API

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigBody {
    bundle_id: String,
    team_id: String,
    key_id: String,
    private_key: Option<String>,
    apple_base_url: Option<String>,
}

fn shown(c: &AppleConfig) -> Value {
    json!({
        "bundle_id": c.bundle_id,
        "team_id": c.team_id,
        "key_id": c.key_id,
        "private_key_set": c.private_key.is_some(),
        "apple_base_url": c.apple_base_url,
    })
}

async fn get_config(
    State(state): State<AppState>,
    AdminOf { account, .. }: AdminOf,
) -> Result<Json<Value>, ApiError> {
    state
        .store()
        .call(move |c| load_config(c, &account))
        .await?
        .map(|c| Json(shown(&c)))
        .ok_or(ApiError::from(AppleError::NotConfigured))
}

async fn put_config(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ConfigBody>,
) -> Result<Json<Value>, ApiError> {
    let (account, _) = crate::signin::session::admin(&state, &headers, &account).await?;
    for (field, value) in [
        ("bundle_id", &body.bundle_id),
        ("team_id", &body.team_id),
        ("key_id", &body.key_id),
    ] {
        if value.trim().is_empty() || value.len() > 200 {
            return Err(ApiError::invalid(
                "invalid_field",
                format!("{field} must be 1 to 200 characters"),
            ));
        }
    }
    // Required: every sign-in redeems its authorization code (R-APPLE-4), which takes a
    // client_secret signed with this key.
    let Some(pem) = &body.private_key else {
        return Err(ApiError::invalid(
            "invalid_key",
            "private_key (the .p8 developer key) is required: every sign-in redeems its code",
        ));
    };
    Es256Key::from_pem(pem, &body.key_id).map_err(|e| {
        ApiError::invalid(
            "invalid_key",
            format!("private_key must be an unencrypted EC P-256 .p8 key: {e}"),
        )
    })?;
    let base = match &body.apple_base_url {
        Some(url) => parse_http_url("apple_base_url", url)?
            .trim_end_matches('/')
            .to_owned(),
        None => APPLE_ISSUER.to_owned(),
    };
    let config = AppleConfig {
        bundle_id: body.bundle_id.trim().to_owned(),
        team_id: body.team_id.trim().to_owned(),
        key_id: body.key_id.trim().to_owned(),
        private_key: body.private_key,
        apple_base_url: base,
    };
    let saved = config.clone();
    state
        .store()
        .call(move |c| save_config(c, &account, &saved))
        .await?;
    Ok(Json(shown(&config)))
}

async fn delete_config(
    State(state): State<AppState>,
    AdminOf { account, .. }: AdminOf,
) -> Result<Response, ApiError> {
    state
        .store()
        .call(move |c| crate::store::apple::delete_config(c, &account))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
