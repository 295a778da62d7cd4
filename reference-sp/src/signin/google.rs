//! Google OAuth2 / OpenID Connect sign-in (REQUIREMENTS.md R-GO-1..6, R-PROV-1..3 Google side;
//! protocols.md §1.7 for the validation rules).
//!
//! Triggers (R-GO-2): "Sign in with Google" on the standard login page and direct login from a
//! web interface (`GET /live/<id>/google/login`); the login endpoint with `policy=google` (from
//! the standard or a custom page); any resource with `from=google&domain=<d>`; the Google
//! Workspace Marketplace entry point (`GET /live/<id>/google/marketplace`); and every protected
//! resource of a mode whose method is Google. The flow is the authorization-code flow with state
//! bound to the browser, a single-use nonce and PKCE; the callback is
//! `GET /live/<id>/google/callback`.

use crate::AppState;
use crate::domain::{AccountId, Email, ExecutionMode, parse_http_url};
use crate::error::Refusal as _;
use crate::error::{ApiError, QueryParams};
use crate::scope::Scoped;
use crate::scope::scope;
use crate::signin::session::{self, token_hash, with_cookie};
use crate::signin::session::{AdminOfMode, AdminOfModeWith};
use crate::signin::{oidc, provisioning};
pub use crate::store::google::GoogleConfig;
use crate::store::google::{load_config, save_config};
use crate::store::{self, User};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use protocol::oidc::{ClaimCheck, JwtCheck, ProviderMetadata, common_claims, truthy};
use serde::Deserialize;
use serde_json::{Value, json};

/// How long a started sign-in waits for Google's answer.
pub const STATE_LIFETIME: Duration = Duration::minutes(10);
/// Clock skew tolerated on `exp` and `iat` (§1.7 rule 5: "a small clock skew").
pub const SKEW: Duration = Duration::seconds(60);

/// Why a Google sign-in is refused; each variant has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoogleError {
    #[error("Google sign-in is not configured for this mode")]
    NotConfigured,
    #[error("the state names no sign-in this browser started")]
    UnknownState,
    #[error("the sign-in was started in another browser")]
    StateOtherBrowser,
    #[error(
        "the browser did not send the cookie its sign-in started with: the callback was opened \
         in another browser, or this browser dropped the cookie"
    )]
    StateCookieMissing,
    #[error("the sign-in has expired; start again")]
    StateExpired,
    #[error("this sign-in was already completed")]
    StateUsed,
    #[error("the user declined at Google's consent screen")]
    AccessDenied,
    #[error("Google answered the error {0}")]
    ProviderError(String),
    #[error("the provider's discovery document or keys cannot be fetched: {0}")]
    ProviderUnavailable(String),
    #[error("the token endpoint refused the code: {0}")]
    TokenRefused(String),
    #[error("the ID token is malformed: {0}")]
    MalformedToken(String),
    #[error("ID token algorithm {0:?} is not allowed; RS256 only")]
    AlgorithmNotAllowed(String),
    #[error("no key with the ID token's kid, even after refreshing the JWKS")]
    UnknownKid,
    #[error("the ID token's signature does not verify")]
    BadSignature,
    #[error("the ID token's issuer {0:?} is not the provider")]
    WrongIssuer(String),
    #[error("the ID token is for another client")]
    WrongAudience,
    #[error("the ID token was presented by another client (azp)")]
    WrongAzp,
    #[error("the ID token names several audiences but no azp (OIDC Core §3.1.3.7)")]
    MissingAzp,
    #[error("the ID token has expired")]
    Expired,
    #[error("the ID token has no iat")]
    MissingIat,
    #[error("the ID token was issued in the future (iat)")]
    IatFuture,
    #[error("the ID token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the ID token has no sub")]
    MissingSub,
    #[error("the ID token's header lists critical extensions (crit) the SP does not understand")]
    CritHeader,
    #[error(
        "the sign-in asked for the domain {asked:?}, but this mode is restricted to {configured:?}"
    )]
    DomainMismatch { asked: String, configured: String },
    #[error("the email Google signed is not a plain address")]
    InvalidEmail,
    #[error("the ID token carries no nonce")]
    MissingNonce,
    #[error("the ID token's nonce is not the one this sign-in sent")]
    WrongNonce,
    #[error("Google has not verified this email address")]
    EmailUnverified,
    #[error("the account is not a Google Workspace account of the required domain")]
    DomainMissing,
    #[error("the account belongs to another Google Workspace domain")]
    WrongDomain,
    #[error("no user with this email in the account")]
    UnknownUser,
}

impl crate::error::Refusal for GoogleError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "google_not_configured",
            Self::UnknownState => "google_unknown_state",
            Self::StateOtherBrowser => "google_state_other_browser",
            Self::StateCookieMissing => "google_state_cookie_missing",
            Self::StateExpired => "google_state_expired",
            Self::StateUsed => "google_state_used",
            Self::AccessDenied => "google_access_denied",
            Self::ProviderError(_) => "google_provider_error",
            Self::ProviderUnavailable(_) => "google_provider_unavailable",
            Self::TokenRefused(_) => "google_token_refused",
            Self::MalformedToken(_) => "google_malformed_token",
            Self::AlgorithmNotAllowed(_) => "google_alg_not_allowed",
            Self::UnknownKid => "google_unknown_kid",
            Self::BadSignature => "google_bad_signature",
            Self::WrongIssuer(_) => "google_wrong_issuer",
            Self::WrongAudience => "google_wrong_audience",
            Self::WrongAzp => "google_wrong_azp",
            Self::MissingAzp => "google_missing_azp",
            Self::Expired => "google_token_expired",
            Self::MissingIat => "google_missing_iat",
            Self::IatFuture => "google_iat_future",
            Self::NotYetValid => "google_not_yet_valid",
            Self::MissingSub => "google_missing_sub",
            Self::CritHeader => "google_crit_header",
            Self::DomainMismatch { .. } => "google_domain_mismatch",
            Self::InvalidEmail => "google_invalid_email",
            Self::MissingNonce => "google_missing_nonce",
            Self::WrongNonce => "google_wrong_nonce",
            Self::EmailUnverified => "google_email_unverified",
            Self::DomainMissing => "google_domain_missing",
            Self::WrongDomain => "google_wrong_domain",
            Self::UnknownUser => "google_unknown_user",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::NotConfigured => StatusCode::NOT_FOUND,
            Self::ProviderUnavailable(_) => StatusCode::BAD_GATEWAY,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/live/{account}/google/login", get(direct_login))
        .route("/live/{account}/google/marketplace", get(marketplace))
        .route("/live/{account}/google/callback", get(callback))
        .route(
            "/api/{account}/modes/{mode}/google",
            get(get_config).put(put_config).delete(delete_config),
        )
}

// ---------------------------------------------------------------- provider documents

async fn metadata(state: &AppState, discovery_url: &str) -> Result<ProviderMetadata, GoogleError> {
    oidc::metadata(state, discovery_url)
        .await
        .map_err(GoogleError::ProviderUnavailable)
}

// ---------------------------------------------------------------- starting a sign-in

/// Whether the mode has Google configured (any method) and with which configuration.
pub async fn configured(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<Option<GoogleConfig>, ApiError> {
    let account = account.clone();
    state
        .store()
        .call(move |c| load_config(c, &account, mode))
        .await
}

fn callback_url(state: &AppState, account: &AccountId) -> String {
    format!(
        "{}/live/{account}/google/callback",
        state.settings().public_url
    )
}

fn cookie_name(account: &AccountId) -> String {
    format!("DS_OIDC_{account}")
}

/// Redirects the browser to Google's authorization endpoint. `domain` (from `domain=<d>` or the
/// mode's policy) is sent as the `hd` hint and then required of the ID token's `hd` claim.
pub async fn start(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    domain: Option<String>,
    next: &str,
) -> Result<Response, ApiError> {
    let Some(config) = configured(state, account, mode).await? else {
        return Err(ApiError::from(GoogleError::NotConfigured));
    };
    let provider = metadata(state, &config.discovery_url)
        .await
        .map_err(ApiError::from)?;
    // The mode's policy cannot be widened from the URL: a request may only repeat the mode's
    // domain. Without a policy, a requested domain is still enforced on the `hd` claim.
    let required = match (domain.map(|d| d.to_ascii_lowercase()), &config.domain) {
        (Some(asked), Some(configured)) if !asked.eq_ignore_ascii_case(configured) => {
            return Err(ApiError::from(GoogleError::DomainMismatch {
                asked,
                configured: configured.clone(),
            }));
        }
        (Some(asked), None) => Some(asked),
        (_, configured) => configured.clone(),
    };
    let (st, nonce, verifier, token) = (
        state.ids().new_id("st"),
        state.ids().new_id("n"),
        state.ids().new_id("pkce"),
        state.ids().new_id("ob"),
    );
    let now = state.clock().now();
    let challenge = protocol::jwt::pkce_s256(&verifier);
    let row = (
        st.clone(),
        account.clone(),
        token_hash(&token),
        nonce.clone(),
        verifier,
        required.clone(),
        next.to_owned(),
    );
    state
        .store()
        .call(move |c| {
            let (st, account, hash, nonce, verifier, required, next) = row;
            let request = store::NewGoogleRequest {
                state: &st,
                account: &account,
                mode,
                browser_hash: &hash,
                nonce: &nonce,
                verifier: &verifier,
                required_domain: required.as_deref(),
                next: &next,
            };
            store::insert_google_request(c, &request, now, STATE_LIFETIME)
        })
        .await?;
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", &callback_url(state, account))
        .append_pair("response_type", "code")
        .append_pair("scope", "openid email profile")
        .append_pair("state", &st)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    if let Some(d) = &required {
        q.append_pair("hd", d);
    }
    let sep = if provider.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    let target = format!("{}{sep}{}", provider.authorization_endpoint, q.finish());
    let same_site = if state.settings().secure_cookies {
        "Lax; Secure"
    } else {
        "Lax"
    };
    // The callback is a top-level GET from Google, so a Lax cookie comes back with it.
    let cookie = format!(
        "{}={token}; Path=/live/{account}/google; HttpOnly; SameSite={same_site}; Max-Age={}",
        cookie_name(account),
        STATE_LIFETIME.num_seconds()
    );
    let response = (StatusCode::FOUND, [(axum::http::header::LOCATION, target)]).into_response();
    with_cookie(response, &cookie)
}

#[derive(Debug, Deserialize)]
struct StartQuery {
    #[serde(rename = "P_mode")]
    mode: Option<String>,
    next: Option<String>,
    domain: Option<String>,
}

impl crate::scope::ModeParam for StartQuery {
    fn mode(&self) -> Option<&str> {
        self.mode.as_deref()
    }
}

/// Direct login from a web interface, and the "Sign in with Google" link of the login page.
async fn direct_login(
    State(state): State<AppState>,
    scoped: Scoped<StartQuery>,
) -> Result<Response, ApiError> {
    let next = crate::scope::safe_next(&scoped.account, scoped.mode, scoped.query.next.as_deref());
    start_from(&state, scoped, &next).await
}

/// The app opened from the Google Workspace Marketplace: sign in, then the account home.
async fn marketplace(
    State(state): State<AppState>,
    scoped: Scoped<StartQuery>,
) -> Result<Response, ApiError> {
    let next = format!("/live/{}?P_mode={}", scoped.account, scoped.mode);
    start_from(&state, scoped, &next).await
}

async fn start_from(
    state: &AppState,
    Scoped {
        account,
        mode,
        query,
    }: Scoped<StartQuery>,
    next: &str,
) -> Result<Response, ApiError> {
    let domain = query.domain.filter(|d| !d.is_empty());
    start(state, &account, mode, domain, next).await
}

// ---------------------------------------------------------------- callback

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    Path(account): Path<String>,
    headers: HeaderMap,
    QueryParams(q): QueryParams<CallbackQuery>,
) -> Result<Response, ApiError> {
    let (account, _) = scope(&state, &account, None).await?;
    // The mode is the stored request's: known once its state is consumed.
    let (mode, outcome) = match consume_state(&state, &headers, &account, &q).await? {
        Err(e) => (None, Err(e)),
        Ok(started) => {
            let mode: ExecutionMode = started.mode.parse()?;
            let outcome = complete(&state, &headers, &account, started, mode, q).await?;
            (Some(mode), outcome)
        }
    };
    match outcome {
        Ok(response) => Ok(response),
        Err(e) => {
            tracing::warn!(account = %account, code = e.code(), error = %e, "Google sign-in refused");
            let mut response = ApiError::from(e).into_response();
            if let Some(mode) = mode {
                // A browser's error page leads back to this mode's sign-in, not LIVE's.
                response
                    .extensions_mut()
                    .insert(crate::error::WayBack(format!(
                        "/live/{account}/?P_mode={mode}"
                    )));
            }
            Ok(response)
        }
    }
}

/// The sign-in request a callback's `state` names, consumed: once, from the browser that
/// started it, before it expires.
async fn consume_state(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    q: &CallbackQuery,
) -> Result<Result<store::GoogleRequest, GoogleError>, ApiError> {
    let Some(st) = q.state.clone() else {
        return Ok(Err(GoogleError::UnknownState));
    };
    let browser = session::cookie_value(headers, &cookie_name(account)).map(token_hash);
    let now = state.clock().now();
    let account_c = account.clone();
    state
        .store()
        .call(move |c| {
            Ok(
                store::consume_google_request(c, &st, &account_c, browser.as_deref(), now)?
                    .map_err(|r| match r {
                        store::Refused::Unknown => GoogleError::UnknownState,
                        store::Refused::OtherBrowser => GoogleError::StateOtherBrowser,
                        store::Refused::CookieMissing => GoogleError::StateCookieMissing,
                        store::Refused::Expired => GoogleError::StateExpired,
                        store::Refused::Used => GoogleError::StateUsed,
                    }),
            )
        })
        .await
}

async fn complete(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    started: store::GoogleRequest,
    mode: ExecutionMode,
    q: CallbackQuery,
) -> Result<Result<Response, GoogleError>, ApiError> {
    let now = state.clock().now();
    if let Some(error) = q.error {
        return Ok(Err(if error == "access_denied" {
            GoogleError::AccessDenied
        } else {
            GoogleError::ProviderError(error)
        }));
    }
    let Some(code) = q.code else {
        return Ok(Err(GoogleError::ProviderError("no code".into())));
    };
    let Some(config) = configured(state, account, mode).await? else {
        return Ok(Err(GoogleError::NotConfigured));
    };
    let claims = match redeem_and_validate(state, account, &config, &started, &code, now).await {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let (user, created) = match find_or_provision(state, account, mode, &config, &claims).await? {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    let cookie = session::start_session(state, headers, account, mode, &user, None, None).await?;
    tracing::info!(account = %account, mode = %mode, user_id = user.id, created, "Google sign-in");
    let response = (
        StatusCode::SEE_OTHER,
        [(axum::http::header::LOCATION, started.next)],
    )
        .into_response();
    Ok(Ok(with_cookie(response, &cookie)?))
}

/// Redeems the code (client_secret_basic, PKCE) and validates the ID token (§1.7).
async fn redeem_and_validate(
    state: &AppState,
    account: &AccountId,
    config: &GoogleConfig,
    started: &store::GoogleRequest,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Value, GoogleError> {
    let provider = metadata(state, &config.discovery_url).await?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &callback_url(state, account)),
        ("code_verifier", &started.verifier),
    ];
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let response = state
        .http()
        .post(&provider.token_endpoint)
        .basic_auth(enc(&config.client_id), Some(enc(&config.client_secret)))
        .form(&form)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| GoogleError::ProviderUnavailable(e.without_url().to_string()))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| GoogleError::TokenRefused(e.to_string()))?;
    if !status.is_success() {
        return Err(GoogleError::TokenRefused(
            body["error"].as_str().unwrap_or("unknown").to_owned(),
        ));
    }
    let id_token = body["id_token"]
        .as_str()
        .ok_or_else(|| GoogleError::MalformedToken("no id_token".into()))?;
    validate_id_token(state, &provider, config, started, id_token, now).await
}

/// The ID token rules of protocols.md §1.7, with the injected clock.
async fn validate_id_token(
    state: &AppState,
    provider: &ProviderMetadata,
    config: &GoogleConfig,
    started: &store::GoogleRequest,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Value, GoogleError> {
    let claims = oidc::verify_rs256(state, &provider.jwks_uri, token)
        .await
        .map_err(|e| match e {
            JwtCheck::AlgorithmNotAllowed(a) => GoogleError::AlgorithmNotAllowed(a),
            JwtCheck::Malformed(m) => GoogleError::MalformedToken(m),
            JwtCheck::UnknownKid => GoogleError::UnknownKid,
            JwtCheck::BadSignature => GoogleError::BadSignature,
            JwtCheck::Unavailable(u) => GoogleError::ProviderUnavailable(u),
            JwtCheck::CritHeader => GoogleError::CritHeader,
        })?;
    let iss = claims["iss"].as_str().unwrap_or_default();
    let legacy = provider
        .issuer
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    if iss != provider.issuer && iss != legacy {
        return Err(GoogleError::WrongIssuer(iss.to_owned()));
    }
    let aud_ok = match &claims["aud"] {
        Value::String(a) => a == &config.client_id,
        Value::Array(list) => list.iter().any(|a| a.as_str() == Some(&config.client_id)),
        _ => false,
    };
    if !aud_ok {
        return Err(GoogleError::WrongAudience);
    }
    // Another audience beside us: only an azp naming us shows the token was issued to us.
    let other_audience = matches!(&claims["aud"], Value::Array(list)
        if list.iter().any(|a| a.as_str() != Some(config.client_id.as_str())));
    match claims.get("azp") {
        Some(azp) if azp.as_str() != Some(config.client_id.as_str()) => {
            return Err(GoogleError::WrongAzp);
        }
        None if other_audience => return Err(GoogleError::MissingAzp),
        _ => {}
    }
    common_claims(&claims, now, SKEW).map_err(|e| match e {
        ClaimCheck::MissingSub => GoogleError::MissingSub,
        ClaimCheck::MissingIat => GoogleError::MissingIat,
        ClaimCheck::IatFuture => GoogleError::IatFuture,
        ClaimCheck::NotYetValid => GoogleError::NotYetValid,
        ClaimCheck::Expired => GoogleError::Expired,
    })?;
    match claims["nonce"].as_str() {
        None => return Err(GoogleError::MissingNonce),
        Some(n) if n != started.nonce => return Err(GoogleError::WrongNonce),
        Some(_) => {}
    }
    if !truthy(&claims["email_verified"]) {
        return Err(GoogleError::EmailUnverified);
    }
    if let Some(required) = &started.required_domain {
        match claims["hd"].as_str() {
            None => return Err(GoogleError::DomainMissing),
            Some(hd) if !hd.eq_ignore_ascii_case(required) => return Err(GoogleError::WrongDomain),
            Some(_) => {}
        }
    }
    Ok(claims)
}

/// The user with the verified email (R-GO-4), or a new one in LIVE with auto-provisioning
/// (R-PROV-1, R-PROV-2). Returns whether the user was created.
async fn find_or_provision(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    config: &GoogleConfig,
    claims: &Value,
) -> Result<Result<(User, bool), GoogleError>, ApiError> {
    let Ok(email) = Email::parse(claims["email"].as_str().unwrap_or_default()) else {
        return Ok(Err(GoogleError::InvalidEmail));
    };
    let name = claims["name"]
        .as_str()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(email.as_str())
        .to_owned();
    let provision = provisioning::allowed(mode, config.auto_provisioning);
    let now = state.clock().now();
    let account = account.clone();
    state
        .store()
        .call(move |c| {
            Ok(
                match provisioning::find_or_create(c, &account, &email, &name, provision, now)? {
                    Some(found) => Ok(found),
                    None => Err(GoogleError::UnknownUser),
                },
            )
        })
        .await
}

// ---------------------------------------------------------------- admin API

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigBody {
    client_id: String,
    client_secret: String,
    discovery_url: String,
    domain: Option<String>,
    #[serde(default)]
    auto_provisioning: bool,
}

fn shown(config: &GoogleConfig) -> Value {
    json!({
        "client_id": config.client_id,
        "client_secret_set": !config.client_secret.is_empty(),
        "discovery_url": config.discovery_url,
        "domain": config.domain,
        "auto_provisioning": config.auto_provisioning,
    })
}

async fn get_config(
    State(state): State<AppState>,
    AdminOfMode { account, mode }: AdminOfMode,
) -> Result<Json<Value>, ApiError> {
    configured(&state, &account, mode)
        .await?
        .map(|c| Json(shown(&c)))
        .ok_or(ApiError::from(GoogleError::NotConfigured))
}

async fn put_config(
    State(state): State<AppState>,
    AdminOfModeWith {
        account,
        mode,
        body,
    }: AdminOfModeWith<ConfigBody>,
) -> Result<Json<Value>, ApiError> {
    if body.client_id.trim().is_empty() || body.client_secret.is_empty() {
        return Err(ApiError::invalid(
            "invalid_client",
            "client_id and client_secret are required",
        ));
    }
    let discovery_url = parse_http_url("discovery_url", &body.discovery_url)?;
    if body.auto_provisioning && mode != ExecutionMode::Live {
        return Err(ApiError::invalid(
            "auto_provisioning_live_only",
            "auto-provisioning exists only in LIVE mode",
        ));
    }
    let domain = match body.domain.map(|d| d.trim().to_ascii_lowercase()) {
        Some(d) if d.is_empty() || !d.contains('.') || d.contains(['/', '@', ' ']) => {
            return Err(ApiError::invalid(
                "invalid_domain",
                "domain must be a DNS name such as example.com",
            ));
        }
        other => other,
    };
    let config = GoogleConfig {
        client_id: body.client_id.trim().to_owned(),
        client_secret: body.client_secret,
        discovery_url,
        domain,
        auto_provisioning: body.auto_provisioning,
    };
    let saved = config.clone();
    state
        .store()
        .call(move |c| save_config(c, &account, mode, &saved))
        .await?;
    Ok(Json(shown(&config)))
}

async fn delete_config(
    State(state): State<AppState>,
    AdminOfMode { account, mode }: AdminOfMode,
) -> Result<Response, ApiError> {
    state
        .store()
        .call(move |c| crate::store::google::delete_config(c, &account, mode))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
