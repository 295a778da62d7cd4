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

pub mod acs;

pub use crate::store::saml::SamlConfig;
use crate::store::saml::{assertion_seen, load_config, remember_assertion, save_config};

use crate::AppState;
use crate::domain::Operation;
use crate::domain::{AccountId, Email, ExecutionMode};
use crate::error::Refusal as _;
use crate::error::{ApiError, FormBody, JsonBody, QueryParams};
use crate::scope::{ModeQuery, scope};
use crate::signin::composite::{self, Event};
use crate::signin::provisioning;
use crate::signin::session::with_cookie;
use crate::signin::session::{self, token_hash};
use crate::store::{self, User};
use acs::{AcsError, ValidatedAssertion};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use protocol::keys::Certificate;
use protocol::saml::messages::{
    AuthnRequest, Issuer, LogoutRequest, LogoutResponse, NameId, Status, Style,
};
use protocol::saml::metadata::{PublishedKey, SpMetadata};
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
    fn certificate(&self) -> Result<Certificate, ApiError> {
        Certificate::from_text(&self.idp_certificate)
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

// ---------------------------------------------------------------- sign-in start

/// Whether this mode signs users in with SAML, and with which configuration.
pub async fn active_config(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
) -> Result<Option<SamlConfig>, ApiError> {
    let account = account.clone();
    state
        .store()
        .call(move |c| {
            let method = store::mode_config(c, &account, mode)?.method;
            if method != crate::domain::AuthMethod::Saml {
                return Ok(None);
            }
            load_config(c, &account, mode)
        })
        .await
}

/// Redirects the browser to the IdP with a new AuthnRequest (HTTP-Redirect binding), recording
/// its ID for this browser; `next` is where the browser goes after sign-in.
pub async fn start_sign_in(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    config: &SamlConfig,
    next: &str,
) -> Result<Response, ApiError> {
    let now = state.clock().now();
    let id = state.ids().new_id("id");
    let request = AuthnRequest {
        id: id.clone(),
        issue_instant: now,
        destination: config.sso_url.clone(),
        acs_url: acs_url(state, account, mode),
        issuer: config.sp_entity_id.clone(),
        name_id_format: Some(config.name_id_format.clone()),
        force_authn: false,
    }
    .to_xml(&Style::SAMLP);
    tracing::info!(account = %account, mode = %mode, request_id = %id, "AuthnRequest sent");
    let outgoing = Outgoing {
        id: &id,
        kind: "authn",
        xml: &request,
        destination: &config.sso_url,
        next,
    };
    send_request(state, account, mode, &outgoing).await
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
    Path(account): Path<String>,
    QueryParams(q): QueryParams<ModeQuery>,
    headers: HeaderMap,
    FormBody(form): FormBody<AcsForm>,
) -> Result<Response, ApiError> {
    let (account, mode) = scope(&state, &account, q.mode.as_deref()).await?;
    let result = consume_response(&state, &headers, &account, mode, &form.saml_response).await?;
    match result {
        Ok(response) => Ok(response),
        Err(e) => {
            tracing::warn!(account = %account, mode = %mode, code = e.code(), error = %e, "SAML Response refused");
            Err(ApiError::from(e))
        }
    }
}

async fn consume_response(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    mode: ExecutionMode,
    encoded: &str,
) -> Result<Result<Response, AcsError>, ApiError> {
    let account_c = account.clone();
    let Some(config) = state
        .store()
        .call(move |c| load_config(c, &account_c, mode))
        .await?
    else {
        return Ok(Err(AcsError::NotConfigured));
    };
    let cert = config.certificate()?;
    let now = state.clock().now();
    let acs = acs_url(state, account, mode);
    let assertion = match acs::validate(encoded, &config, &cert, &acs, now) {
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
    let (user, event) = match find_or_provision(state, account, mode, &config, &assertion).await? {
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

// ---------------------------------------------------------------- logout

/// Starts single logout for a SAML session (R-SA-5): the local session is already ended; the
/// browser goes to the IdP's logout URL with a LogoutRequest.
pub async fn start_logout(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    config: &SamlConfig,
    saml: &session::SamlSession,
) -> Result<Option<Response>, ApiError> {
    let Some(logout_url) = config.logout_url.clone() else {
        return Ok(None);
    };
    let now = state.clock().now();
    let id = state.ids().new_id("id");
    let request = LogoutRequest {
        id: id.clone(),
        issue_instant: now,
        destination: logout_url.clone(),
        issuer: config.sp_entity_id.clone(),
        name_id: NameId {
            value: saml.name_id.clone(),
            format: Some(saml.name_id_format.clone()),
        },
        session_index: saml.session_index.clone(),
    }
    .to_xml(&Style::SAMLP);
    let next = crate::scope::login_page_path(account, mode);
    let outgoing = Outgoing {
        id: &id,
        kind: "logout",
        xml: &request,
        destination: &logout_url,
        next: &next,
    };
    send_request(state, account, mode, &outgoing)
        .await
        .map(Some)
}

/// A request message on its way to the IdP.
struct Outgoing<'a> {
    id: &'a str,
    kind: &'a str,
    xml: &'a str,
    destination: &'a str,
    /// Where the browser goes once the answer arrives.
    next: &'a str,
}

/// Remembers the request for this browser and redirects the browser to the IdP with it
/// (HTTP-Redirect binding).
async fn send_request(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    out: &Outgoing<'_>,
) -> Result<Response, ApiError> {
    let now = state.clock().now();
    let token = state.ids().new_id("rq");
    let (id, kind, account_c, hash, next) = (
        out.id.to_owned(),
        out.kind.to_owned(),
        account.clone(),
        token_hash(&token),
        out.next.to_owned(),
    );
    state
        .store()
        .call(move |c| {
            let request = store::NewSamlRequest {
                id: &id,
                kind: &kind,
                account: &account_c,
                mode,
                browser_hash: &hash,
                next: &next,
            };
            store::insert_saml_request(c, &request, now, REQUEST_LIFETIME)
        })
        .await?;
    // With the customer's key for this operation and mode, the request goes out signed (R-SG-3);
    // keys of other modes never sign it.
    let operation = if out.kind == "authn" {
        Operation::SamlAuth
    } else {
        Operation::SamlLogout
    };
    let account_c = account.clone();
    let key = state
        .store()
        .call(move |c| store::keys::load_key(c, &account_c, mode, operation))
        .await?;
    let query = match &key {
        Some(key) => redirect::signed_query(MessageKind::Request, out.xml, None, key.pkey()),
        None => redirect::query(MessageKind::Request, out.xml, None),
    }
    .map_err(|e| ApiError::Internal(format!("encoding the {} request: {e}", out.kind)))?;
    let sep = if out.destination.contains('?') {
        '&'
    } else {
        '?'
    };
    with_cookie(
        Redirect::to(&format!("{}{sep}{query}", out.destination)).into_response(),
        &request_cookie(state, account, mode, &token),
    )
}

/// How a logout message arrived: its authentication differs (saml-bindings §3.4.4.1, §3.5.4).
enum Arrival<'a> {
    Redirect(&'a redirect::Received),
    Post,
}

async fn slo_redirect(
    State(state): State<AppState>,
    Path(account): Path<String>,
    RawQuery(raw): RawQuery,
    QueryParams(q): QueryParams<ModeQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (account, mode) = scope(&state, &account, q.mode.as_deref()).await?;
    let received = redirect::parse_query(&raw.unwrap_or_default())
        .map_err(|e| ApiError::from(AcsError::Malformed(e.to_string())))?;
    let arrival = Arrival::Redirect(&received);
    match received.kind {
        MessageKind::Response => {
            logout_response(&state, &headers, &account, mode, &received.xml, arrival).await
        }
        MessageKind::Request => {
            let relay = received.relay_state.clone();
            idp_logout(&state, &account, mode, &received.xml, arrival, relay).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct SloForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

async fn slo_post(
    State(state): State<AppState>,
    Path(account): Path<String>,
    QueryParams(q): QueryParams<ModeQuery>,
    headers: HeaderMap,
    FormBody(form): FormBody<SloForm>,
) -> Result<Response, ApiError> {
    let (account, mode) = scope(&state, &account, q.mode.as_deref()).await?;
    let decode = |v: &str| {
        saml_post::decode(v).map_err(|e| ApiError::from(AcsError::Malformed(e.to_string())))
    };
    match (&form.saml_response, &form.saml_request) {
        (Some(r), None) => {
            let text = decode(r)?;
            logout_response(&state, &headers, &account, mode, &text, Arrival::Post).await
        }
        (None, Some(r)) => {
            let text = decode(r)?;
            idp_logout(
                &state,
                &account,
                mode,
                &text,
                Arrival::Post,
                form.relay_state,
            )
            .await
        }
        _ => Err(ApiError::from(AcsError::Malformed(
            "exactly one of SAMLRequest and SAMLResponse is expected".into(),
        ))),
    }
}

/// Authenticates a logout message like a Response (R-SA-10): a signature present must verify
/// with the configured certificate (Redirect: the query signature over the raw octets,
/// saml-bindings §3.4.4.1; POST: the enveloped XML signature on the message itself); an unsigned
/// one passes only when the mode says its IdP does not sign logout messages.
fn authenticate_logout(
    config: &SamlConfig,
    cert: &Certificate,
    text: &str,
    root: roxmltree::Node<'_, '_>,
    arrival: &Arrival<'_>,
) -> Result<(), AcsError> {
    let signed = match arrival {
        Arrival::Redirect(received) => {
            // The Redirect binding carries the signature in the query; one inside the XML must
            // have been removed (§3.4.4.1).
            if !sign::check_structure(text)?.is_empty() {
                return Err(AcsError::SignatureStructure(
                    "an XML Signature inside a Redirect-binding message".into(),
                ));
            }
            match redirect::verify_query_signature(received, cert, false) {
                Ok(()) => true,
                Err(QuerySignatureError::Unsigned) => false,
                Err(QuerySignatureError::AlgorithmNotAllowed(a)) => {
                    return Err(AcsError::SignatureAlgorithm(a));
                }
                Err(QuerySignatureError::Incomplete | QuerySignatureError::Malformed) => {
                    return Err(AcsError::SignatureStructure(
                        "SigAlg and Signature must come together, Signature in Base64".into(),
                    ));
                }
                Err(_) => return Err(AcsError::BadSignature),
            }
        }
        Arrival::Post => {
            let (elements, _) = sign::verify(text, cert)?;
            let root_id = root.attribute("ID").unwrap_or_default();
            match elements.as_slice() {
                [] => false,
                [only] if only.id == root_id && only.element == root.tag_name().name() => true,
                _ => {
                    return Err(AcsError::SignatureStructure(
                        "a logout message's signature must sign the message itself".into(),
                    ));
                }
            }
        }
    };
    if !signed && config.idp_signs_logout_messages {
        return Err(AcsError::LogoutUnsigned);
    }
    Ok(())
}

/// Shape, Issuer, IssueInstant and Destination of a logout message (saml-core §3.2.2, §3.7).
fn check_logout_envelope(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    config: &SamlConfig,
    root: roxmltree::Node<'_, '_>,
    element: &str,
) -> Result<(), AcsError> {
    if root.tag_name().namespace() != Some(s::NS_PROTOCOL) || root.tag_name().name() != element {
        return Err(AcsError::Malformed(format!("not a {element}")));
    }
    if root.attribute("Version") != Some("2.0") {
        return Err(AcsError::WrongVersion);
    }
    if root.attribute("ID").is_none_or(str::is_empty) {
        return Err(AcsError::Malformed(format!("the {element} has no ID")));
    }
    let issuer = root
        .children()
        .find(|c| {
            c.is_element()
                && c.tag_name().name() == "Issuer"
                && c.tag_name().namespace() == Some(s::NS_ASSERTION)
        })
        .map(acs::text_of)
        .transpose()?
        .unwrap_or_default();
    if !acs::accepted_logout_issuers(&config.idp_entity_id).contains(&issuer) {
        return Err(AcsError::WrongIssuer(issuer));
    }
    acs::check_issue_instant(root, "logout message", state.clock().now())?;
    if let Some(d) = root.attribute("Destination")
        && d != slo_url(state, account, mode)
    {
        return Err(AcsError::WrongDestination(d.to_owned()));
    }
    Ok(())
}

/// The mode's configuration and the parsed logout message (`element`), once its envelope and
/// its authentication pass.
async fn checked_logout_message<'t>(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    text: &'t str,
    arrival: &Arrival<'_>,
    element: &str,
) -> Result<Result<(SamlConfig, roxmltree::Document<'t>), AcsError>, ApiError> {
    let account_c = account.clone();
    let Some(config) = state
        .store()
        .call(move |c| load_config(c, &account_c, mode))
        .await?
    else {
        return Ok(Err(AcsError::NotConfigured));
    };
    let cert = config.certificate()?;
    let doc = match xml::parse(text) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e.into())),
    };
    let root = doc.root_element();
    if let Err(e) = check_logout_envelope(state, account, mode, &config, root, element)
        .and_then(|()| authenticate_logout(&config, &cert, text, root, arrival))
    {
        return Ok(Err(e));
    }
    Ok(Ok((config, doc)))
}

/// A LogoutResponse (saml-core §3.7.2): authenticated (R-SA-10), InResponseTo our outstanding
/// LogoutRequest from this browser, the Issuer the IdP (or Entra's login.microsoftonline.com
/// form), Status Success.
async fn logout_response(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    mode: ExecutionMode,
    text: &str,
    arrival: Arrival<'_>,
) -> Result<Response, ApiError> {
    let refuse = |e: AcsError| {
        tracing::warn!(account = %account, mode = %mode, code = e.code(), error = %e, "LogoutResponse refused");
        Err(ApiError::from(e))
    };
    let (_, doc) =
        match checked_logout_message(state, account, mode, text, &arrival, "LogoutResponse").await?
        {
            Ok(found) => found,
            Err(e) => return refuse(e),
        };
    let root = doc.root_element();
    let status = root
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "Status")
        .and_then(|st| {
            st.children()
                .find(|c| c.is_element() && c.tag_name().name() == "StatusCode")
        })
        .and_then(|c| c.attribute("Value"))
        .unwrap_or_default();
    let Some(irt) = root.attribute("InResponseTo").map(str::to_owned) else {
        return refuse(AcsError::Unsolicited);
    };
    let browser =
        session::cookie_value(headers, &request_cookie_name(account, mode)).map(token_hash);
    let now = state.clock().now();
    let account_c = account.clone();
    let consumed = state
        .store()
        .call(move |c| {
            Ok(store::consume_saml_request(
                c,
                &irt,
                "logout",
                &account_c,
                mode,
                browser.as_deref(),
                now,
            )?
            .map_err(refused))
        })
        .await?;
    let next = match consumed {
        Ok(next) => next,
        Err(e) => return refuse(e),
    };
    if status != s::STATUS_SUCCESS {
        return refuse(AcsError::StatusOther(status.to_owned()));
    }
    tracing::info!(account = %account, mode = %mode, "single logout completed");
    Ok(Redirect::to(&next).into_response())
}

/// IdP-initiated single logout (R-SA-9): a LogoutRequest from the IdP, authenticated like any
/// logout message (R-SA-10) and used once, ends every session of this account and mode whose
/// NameID is the request's (exactly as signed) and, when it names SessionIndexes, whose
/// SessionIndex is one of them. The SP answers a LogoutResponse to the IdP's logout URL,
/// signed with the mode's SAML_LOGOUT key when there is one.
async fn idp_logout(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    text: &str,
    arrival: Arrival<'_>,
    relay_state: Option<String>,
) -> Result<Response, ApiError> {
    let refuse = |e: AcsError| {
        tracing::warn!(account = %account, mode = %mode, code = e.code(), error = %e, "LogoutRequest refused");
        Err(ApiError::from(e))
    };
    let (config, doc) = match checked_logout_message(
        state,
        account,
        mode,
        text,
        &arrival,
        "LogoutRequest",
    )
    .await?
    {
        Ok(found) => found,
        Err(e) => return refuse(e),
    };
    let root = doc.root_element();
    let request_id = root.attribute("ID").unwrap_or_default().to_owned();
    let name_id = match logout_name_id(root) {
        Ok(n) => n,
        Err(e) => return refuse(e),
    };
    let mut indexes = Vec::new();
    for n in root
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "SessionIndex")
    {
        match acs::text_of(n) {
            Ok(v) => indexes.push(v),
            Err(e) => return refuse(e),
        }
    }
    let now = state.clock().now();
    let account_c = account.clone();
    let until = now + REQUEST_LIFETIME + acs::SKEW;
    let key = format!("logout-request:{request_id}");
    let ended = state
        .store()
        .call(move |c| {
            let tx = c.transaction()?;
            // The request ID joins the assertion replay cache: a LogoutRequest works once.
            if !remember_assertion(&tx, &account_c, &key, until, now)? {
                return Ok(Err(AcsError::Replayed));
            }
            let ended = store::end_saml_sessions(&tx, &account_c, mode, &name_id, &indexes)?;
            tx.commit()?;
            Ok(Ok(ended))
        })
        .await?;
    let ended = match ended {
        Ok(n) => n,
        Err(e) => return refuse(e),
    };
    tracing::info!(account = %account, mode = %mode, ended, "IdP-initiated logout");
    let clear = session::clear_cookie(account, mode);
    let Some(logout_url) = config.logout_url.clone() else {
        let body = Json(serde_json::json!({"logged_out": ended}));
        return with_cookie(body.into_response(), &clear);
    };
    let answer = LogoutResponse {
        id: state.ids().new_id("_"),
        issue_instant: now,
        destination: Some(logout_url.clone()),
        in_response_to: request_id,
        issuer: Issuer::new(config.sp_entity_id.clone()),
        status: Status::success(),
    }
    .to_xml(&Style::SAMLP);
    let account_c = account.clone();
    let key = state
        .store()
        .call(move |c| store::keys::load_key(c, &account_c, mode, Operation::SamlLogout))
        .await?;
    let query = match &key {
        Some(key) => redirect::signed_query(
            MessageKind::Response,
            &answer,
            relay_state.as_deref(),
            key.pkey(),
        ),
        None => redirect::query(MessageKind::Response, &answer, relay_state.as_deref()),
    }
    .map_err(|e| ApiError::Internal(format!("encoding the LogoutResponse: {e}")))?;
    let sep = if logout_url.contains('?') { '&' } else { '?' };
    with_cookie(
        Redirect::to(&format!("{logout_url}{sep}{query}")).into_response(),
        &clear,
    )
}

/// The one NameID of a LogoutRequest (saml-core §3.7.1: exactly one identifier), as signed.
fn logout_name_id(root: roxmltree::Node<'_, '_>) -> Result<String, AcsError> {
    let ids: Vec<_> = root
        .children()
        .filter(|c| {
            c.is_element()
                && c.tag_name().namespace() == Some(s::NS_ASSERTION)
                && matches!(c.tag_name().name(), "BaseID" | "NameID" | "EncryptedID")
        })
        .collect();
    match ids.as_slice() {
        [] => Err(AcsError::MissingNameId),
        [only] if only.tag_name().name() == "NameID" => {
            let v = acs::text_of(*only)?;
            if v.is_empty() {
                Err(AcsError::MissingNameId)
            } else {
                Ok(v)
            }
        }
        [only] => Err(AcsError::UnsupportedIdentifier(
            only.tag_name().name().to_owned(),
        )),
        many => Err(AcsError::SubjectIdentifierCount(many.len())),
    }
}

async fn account_management(
    State(state): State<AppState>,
    Path(account): Path<String>,
    QueryParams(q): QueryParams<ModeQuery>,
) -> Result<Response, ApiError> {
    let (account, mode) = scope(&state, &account, q.mode.as_deref()).await?;
    match active_config(&state, &account, mode)
        .await?
        .and_then(|c| c.account_management_url)
    {
        Some(url) => Ok(Redirect::to(&url).into_response()),
        None => Err(ApiError::AccountManagementNotConfigured),
    }
}

async fn metadata(
    State(state): State<AppState>,
    Path(account): Path<String>,
    QueryParams(q): QueryParams<ModeQuery>,
) -> Result<Response, ApiError> {
    let (account, mode) = scope(&state, &account, q.mode.as_deref()).await?;
    let account_c = account.clone();
    let (config, key) = state
        .store()
        .call(move |c| {
            Ok((
                load_config(c, &account_c, mode)?,
                store::keys::load_key(c, &account_c, mode, Operation::SamlAuth)?,
            ))
        })
        .await?;
    // The key is published as its certificate when one was given, else as its RSA key value.
    let signing_key = match &key {
        Some(k) => Some(match k.certificate() {
            Some(cert) => PublishedKey::Certificate(cert.clone()),
            None => {
                let (modulus, exponent) = k
                    .rsa_public_values()
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
                PublishedKey::RsaKeyValue { modulus, exponent }
            }
        }),
        None => None,
    };
    let entity_id = config
        .as_ref()
        .map(|c| c.sp_entity_id.clone())
        .unwrap_or_else(|| default_sp_entity_id(&state, &account));
    let md = SpMetadata {
        entity_id,
        acs_url: acs_url(&state, &account, mode),
        slo_url: slo_url(&state, &account, mode),
        name_id_format: s::NAMEID_EMAIL.to_owned(),
        authn_requests_signed: key.is_some(),
        signing_key,
    };
    Ok((
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        md.to_xml(),
    )
        .into_response())
}

// ---------------------------------------------------------------- admin API

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigBody {
    sso_url: String,
    logout_url: Option<String>,
    name_id_format: String,
    idp_entity_id: String,
    idp_certificate: String,
    sp_entity_id: Option<String>,
    account_management_url: Option<String>,
    #[serde(default)]
    auto_provisioning: bool,
    #[serde(default = "yes")]
    idp_signs_logout_messages: bool,
}

fn yes() -> bool {
    true
}

fn check_url(field: &str, raw: &str) -> Result<String, ApiError> {
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(raw.to_owned()),
        _ => Err(ApiError::invalid(
            "invalid_url",
            format!("{field} must be an absolute http(s) URL"),
        )),
    }
}

async fn get_config(
    State(state): State<AppState>,
    Path((account, mode)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<SamlConfig>, ApiError> {
    let (account, mode) =
        crate::signin::session::admin_of_mode(&state, &headers, &account, &mode).await?;
    state
        .store()
        .call(move |c| load_config(c, &account, mode))
        .await?
        .map(Json)
        .ok_or(ApiError::SamlNotConfigured)
}

async fn put_config(
    State(state): State<AppState>,
    Path((account, mode)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ConfigBody>,
) -> Result<Json<SamlConfig>, ApiError> {
    let (account, mode) =
        crate::signin::session::admin_of_mode(&state, &headers, &account, &mode).await?;
    if body.name_id_format != s::NAMEID_EMAIL {
        return Err(ApiError::invalid(
            "invalid_name_id_format",
            format!(
                "the NameID must carry the user's email: use {}",
                s::NAMEID_EMAIL
            ),
        ));
    }
    let cert = Certificate::from_text(&body.idp_certificate)
        .map_err(|e| ApiError::invalid("invalid_certificate", format!("idp_certificate: {e}")))?;
    if body.auto_provisioning && mode != ExecutionMode::Live {
        return Err(ApiError::invalid(
            "auto_provisioning_live_only",
            "auto-provisioning exists only in LIVE mode",
        ));
    }
    if body.idp_entity_id.trim().is_empty() {
        return Err(ApiError::invalid(
            "invalid_entity_id",
            "idp_entity_id must not be empty",
        ));
    }
    let config = SamlConfig {
        sso_url: check_url("sso_url", &body.sso_url)?,
        logout_url: body
            .logout_url
            .as_deref()
            .map(|u| check_url("logout_url", u))
            .transpose()?,
        name_id_format: body.name_id_format,
        idp_entity_id: body.idp_entity_id.trim().to_owned(),
        idp_certificate: cert.pem(),
        sp_entity_id: match body.sp_entity_id {
            Some(id) if !id.trim().is_empty() => id.trim().to_owned(),
            Some(_) => {
                return Err(ApiError::invalid(
                    "invalid_entity_id",
                    "sp_entity_id must not be empty",
                ));
            }
            None => default_sp_entity_id(&state, &account),
        },
        account_management_url: body
            .account_management_url
            .as_deref()
            .map(|u| check_url("account_management_url", u))
            .transpose()?,
        auto_provisioning: body.auto_provisioning,
        idp_signs_logout_messages: body.idp_signs_logout_messages,
    };
    let saved = config.clone();
    state
        .store()
        .call(move |c| {
            if crate::store::saml::entity_id_taken(c, &saved.sp_entity_id, &account)? {
                return Err(ApiError::EntityIdTaken);
            }
            save_config(c, &account, mode, &saved)
        })
        .await?;
    Ok(Json(config))
}

async fn delete_config(
    State(state): State<AppState>,
    Path((account, mode)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (account, mode) =
        crate::signin::session::admin_of_mode(&state, &headers, &account, &mode).await?;
    state
        .store()
        .call(move |c| {
            if store::mode_config(c, &account, mode)?.method == crate::domain::AuthMethod::Saml {
                return Err(ApiError::MethodInUse);
            }
            crate::store::saml::delete_config(c, &account, mode)
        })
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
