//! SSO with SAML 2.0 in the reference SP (REQUIREMENTS.md R-SA-1..8, R-PROV-1..3 SAML side).
//!
//! SP-initiated only (R-SA-2): a protected resource without a session, or the sign-on URL
//! `/live/<account>`, redirects to the IdP with an AuthnRequest whose ID is stored, bound to this
//! browser by a cookie, until it is answered once or expires. The ACS (`acs`) applies every
//! profile rule itself, remembers assertion IDs against replay, maps the NameID (an email) onto a
//! user of the account, auto-provisions in LIVE when enabled, records a role, fires the
//! composite-API triggers, and opens the session. Logout sends a LogoutRequest to the IdP and
//! handles its LogoutResponse (R-SA-5); a LogoutRequest from the IdP ends that user's sessions
//! (R-SA-9); every logout message is authenticated like a Response (R-SA-10).
//!
//! Endpoints, per mode (`P_mode`): `GET /live/<id>/saml/metadata`, `POST /live/<id>/saml/acs`,
//! `GET|POST /live/<id>/saml/slo`, `GET /live/<id>/account` (account management, R-SA-7); the
//! admin API `GET|PUT|DELETE /api/<id>/modes/<MODE>/saml`.
//!
//! Here: the ACS flow (replay cache, request binding, user mapping, session). [`acs`]: the pure
//! Response validation; `request`: starting sign-in; `slo`: single logout; `config`: metadata,
//! account management and the admin API; [`observe`]: what an observer (vendor mode, R-VEN-3)
//! is told of every message received, and a refusal then links to its report.

pub mod acs;
mod checks;
mod config;
pub mod observe;
mod request;
mod slo;

use crate::scope::ScopedWith;
pub use config::{GENERATED_CERTIFICATE_DAYS, generated_certificate};
use config::{account_management, delete_config, get_config, metadata, put_config};
use request::{Outgoing, send_request};
pub use request::{active_config, start_sign_in};
pub use slo::start_logout;
use slo::{slo_post, slo_redirect};

pub use crate::store::saml::SamlConfig;
use crate::store::saml::{assertion_seen, load_config, remember_assertion, save_config};

use crate::AppState;
use crate::domain::Operation;
use crate::domain::{AccountId, Email, ExecutionMode};
use crate::error::Refusal as _;
use crate::error::{ApiError, FormBody};
use crate::signin::composite::{self, Event};
use crate::signin::provisioning;
use crate::signin::session::with_cookie;
use crate::signin::session::{self, token_hash};
use crate::store::{self, User};
use acs::{AcsError, ValidatedAssertion};
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use protocol::keys::Certificate;
use protocol::saml::messages::{
    AuthnRequest, Issuer, LogoutRequest, LogoutResponse, NameId, Status, Style,
};
use protocol::saml::metadata::SpMetadata;
use protocol::saml::redirect::{self, MessageKind, QuerySignatureError};
use protocol::saml::sign;
use protocol::saml::{self as s, post as saml_post, xml};
use serde::Deserialize;

pub use acs::REQUEST_LIFETIME;

/// Names of the attributes read as the user's display name, in order of preference.
const NAME_ATTRIBUTES: &[&str] = &[
    "http://schemas.microsoft.com/identity/claims/displayname",
    "displayName",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
    "name",
];

/// Names of the attributes read as the user's role (R-SA-8).
const ROLE_ATTRIBUTES: &[&str] = &[
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
    "role",
    "Role",
];

impl SamlConfig {
    /// The IdP certificates this mode trusts: one, or several during a rollover (R-SA-11).
    fn certificates(&self) -> Result<Vec<Certificate>, ApiError> {
        protocol::keys::certificates_from_text(&self.idp_certificate)
            .map_err(|e| ApiError::Internal(format!("stored IdP certificate: {e}")))
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/live/{account}/saml/metadata", get(metadata))
        .route(
            "/live/{account}/saml/acs",
            post(acs_post).layer(DefaultBodyLimit::max(256 * 1024)),
        )
        .route("/live/{account}/saml/slo", get(slo_redirect).post(slo_post))
        .route("/live/{account}/account", get(account_management))
        .route(
            "/api/{account}/modes/{mode}/saml",
            get(get_config).put(put_config).delete(delete_config),
        )
}

/// The ACS's and SLO's codes for a request that does not match (R-SA-6).
fn refused(r: store::Refused) -> AcsError {
    match r {
        store::Refused::Unknown => AcsError::UnknownRequest,
        store::Refused::OtherBrowser => AcsError::RequestOtherBrowser,
        store::Refused::CookieMissing => AcsError::RequestCookieMissing,
        store::Refused::Expired => AcsError::RequestExpired,
        store::Refused::Used => AcsError::RequestUsed,
    }
}

// ---------------------------------------------------------------- URLs

pub fn acs_url(state: &AppState, account: &AccountId, mode: ExecutionMode) -> String {
    format!(
        "{}/live/{account}/saml/acs?P_mode={mode}",
        state.settings().public_url
    )
}

pub fn slo_url(state: &AppState, account: &AccountId, mode: ExecutionMode) -> String {
    format!(
        "{}/live/{account}/saml/slo?P_mode={mode}",
        state.settings().public_url
    )
}

/// The default SP entity ID of an account: unique to it by construction.
pub fn default_sp_entity_id(state: &AppState, account: &AccountId) -> String {
    format!("{}/live/{account}", state.settings().public_url)
}

fn request_cookie_name(account: &AccountId, mode: ExecutionMode) -> String {
    format!("DS_SAML_{account}_{mode}")
}

/// `Set-Cookie` for the browser-binding token. Cross-site POSTs from a real IdP carry only
/// `SameSite=None; Secure` cookies, so that is what HTTPS deployments get; over plain HTTP (tests,
/// demos on one host, which browsers treat as same-site) `Lax` is used.
fn request_cookie(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    token: &str,
) -> String {
    let same_site = if state.settings().secure_cookies {
        "None; Secure"
    } else {
        "Lax"
    };
    format!(
        "{}={token}; Path=/live/{account}/saml; HttpOnly; SameSite={same_site}; Max-Age={}",
        request_cookie_name(account, mode),
        REQUEST_LIFETIME.num_seconds()
    )
}

// ---------------------------------------------------------------- ACS

#[derive(Debug, Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: String,
    #[serde(rename = "RelayState")]
    _relay_state: Option<String>,
}

async fn acs_post(
    State(state): State<AppState>,
    ScopedWith {
        account,
        mode,
        headers,
        body: FormBody(form),
        ..
    }: ScopedWith<FormBody<AcsForm>>,
) -> Result<Response, ApiError> {
    let account_c = account.clone();
    let config = state
        .store()
        .call(move |c| load_config(c, &account_c, mode))
        .await?;
    let encoded = &form.saml_response;
    let result = match &config {
        Some(config) => consume_response(&state, &headers, &account, mode, config, encoded).await?,
        None => Err(AcsError::NotConfigured),
    };
    let acs = acs_url(&state, &account, mode);
    let now = state.clock().now();
    // Judged again, every rule recorded, only for an observer's report.
    let findings = match &config {
        Some(config) if state.observing() => {
            acs::report(encoded, config, &config.certificates()?, &acs, now)
        }
        _ => Vec::new(),
    };
    let report = state.observe(&observe::Received {
        account: &account,
        mode,
        kind: observe::Kind::Response,
        binding: observe::Binding::Post,
        encoded: Some(encoded),
        xml: None,
        config: config.as_ref(),
        endpoint: &acs,
        at: now,
        findings,
        refusal: result.as_ref().err(),
    });
    answer(result, report, &account, mode, "SAML Response")
}

/// The SP's answer to a SAML message it received: the response, or its refusal logged (with
/// what `what` names) and linked to its report when one is kept.
fn answer(
    result: Result<Response, AcsError>,
    report: Option<String>,
    account: &AccountId,
    mode: ExecutionMode,
    what: &str,
) -> Result<Response, ApiError> {
    match result {
        Ok(response) => Ok(response),
        Err(e) => {
            tracing::warn!(account = %account, mode = %mode, code = e.code(), error = %e, "{what} refused");
            refusal(e, report)
        }
    }
}

/// The SP's refusal of a SAML message. With vendor mode's report of it, the refusal points
/// there (R-VEN-3): the JSON error gets a `report` member and a `Link: <url>; rel="report"`
/// header, and a browser's page of it (`http::error_pages`) a link to the report.
fn refusal(e: AcsError, report: Option<String>) -> Result<Response, ApiError> {
    let error = ApiError::from(e);
    let Some(url) = report else {
        return Err(error);
    };
    let body = serde_json::json!({"error": {
        "code": error.code(),
        "message": error.to_string(),
        "report": url,
    }});
    let mut response = (error.status(), Json(body)).into_response();
    response.extensions_mut().insert(crate::error::Shown {
        report: Some(url.clone()),
        ..error.shown()
    });
    if let Ok(link) = header::HeaderValue::from_str(&format!("<{url}>; rel=\"report\"")) {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

async fn consume_response(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    mode: ExecutionMode,
    config: &SamlConfig,
    encoded: &str,
) -> Result<Result<Response, AcsError>, ApiError> {
    let certs = config.certificates()?;
    let now = state.clock().now();
    let acs = acs_url(state, account, mode);
    let engine = state.settings().signature_engine;
    let assertion = match acs::validate_with(engine, encoded, config, &certs, &acs, now) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
    };
    let browser =
        session::cookie_value(headers, &request_cookie_name(account, mode)).map(token_hash);
    // Replay, request binding and the replay-cache entry in one transaction.
    let (account_c, a) = (account.clone(), assertion.clone());
    let next = state
        .store()
        .call(move |c| {
            let tx = c.transaction()?;
            if assertion_seen(&tx, &account_c, &a.assertion_id, now)? {
                return Ok(Err(AcsError::Replayed));
            }
            let next = match store::consume_saml_request(
                &tx,
                &a.in_response_to,
                "authn",
                &account_c,
                mode,
                browser.as_deref(),
                now,
            )? {
                Ok(next) => next,
                Err(r) => return Ok(Err(refused(r))),
            };
            if !remember_assertion(&tx, &account_c, &a.assertion_id, a.remember_until, now)? {
                return Ok(Err(AcsError::Replayed));
            }
            tx.commit()?;
            Ok(Ok(next))
        })
        .await?;
    let next = match next {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    let (user, event) = match find_or_provision(state, account, mode, config, &assertion).await? {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    let signed = composite::Signed {
        name_id: &assertion.name_id,
        name_id_format: &assertion.name_id_format,
        session_index: assertion.session_index.as_deref(),
        attributes: &assertion.attributes,
    };
    composite::fire(state, account, mode, event, &signed, &user);
    let cookie = session::start_session(
        state,
        headers,
        account,
        mode,
        &user,
        Some(session::SamlSession {
            name_id: assertion.name_id.clone(),
            name_id_format: assertion.name_id_format.clone(),
            session_index: assertion.session_index.clone(),
        }),
        assertion.session_not_on_or_after,
    )
    .await?;
    tracing::info!(account = %account, mode = %mode, user_id = user.id, ?event, "SAML sign-in");
    Ok(Ok(with_cookie(
        Redirect::to(&next).into_response(),
        &cookie,
    )?))
}

/// The user the NameID names (R-SA-4), or a new one when LIVE auto-provisioning is on
/// (R-PROV-1..3). A role in the assertion is recorded on the user (R-SA-8).
async fn find_or_provision(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    config: &SamlConfig,
    assertion: &ValidatedAssertion,
) -> Result<Result<(User, Event), AcsError>, ApiError> {
    let email = match Email::parse(&assertion.name_id) {
        Ok(e) => e,
        Err(_) => return Ok(Err(AcsError::NameIdNotEmail(assertion.name_id.clone()))),
    };
    let roles: Option<Vec<String>> = ROLE_ATTRIBUTES
        .iter()
        .find_map(|n| assertion.attribute(n))
        .map(<[String]>::to_vec);
    let name = NAME_ATTRIBUTES
        .iter()
        .find_map(|n| assertion.attribute(n).and_then(|v| v.first().cloned()))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| assertion.name_id.clone());
    let provision = provisioning::allowed(mode, config.auto_provisioning);
    let now = state.clock().now();
    let account_c = account.clone();
    state
        .store()
        .call(move |c| {
            let tx = c.transaction()?;
            let (user, event) =
                match provisioning::find_or_create(&tx, &account_c, &email, &name, provision, now)?
                {
                    Some((user, false)) => (user, Event::UserAuthentication),
                    Some((user, true)) => (user, Event::UserCreation),
                    None => return Ok(Err(AcsError::UnknownUser)),
                };
            if let Some(roles) = &roles {
                store::set_saml_roles(&tx, user.id, roles)?;
            }
            let user = store::get_user(&tx, &account_c, user.id)?;
            tx.commit()?;
            Ok(Ok((user, event)))
        })
        .await
}
