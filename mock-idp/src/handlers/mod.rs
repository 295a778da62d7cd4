//! HTTP endpoints of the mock IdP: the routes, the refusals shown on the IdP's own page, what
//! SSO and single logout share (request signatures, the IdP session, the POST form) and the
//! metadata. The flows live beside it: [`sso`] (AuthnRequest, login form, Response), [`slo`]
//! (LogoutRequest and LogoutResponse both ways), [`tamper`] (how each named fault changes a
//! Response), [`launch`] (My Apps and "Test this application") and [`control`] (the control
//! API the harness drives).
//!
//! AuthnRequest checks follow protocols.md §3.2-3.3 (Entra ID) and §4 (Okta, Google
//! Workspace): errors about who is asking (unknown Issuer, unregistered ACS, no message) are shown
//! on the IdP's own page, since there is nowhere safe to post them; errors about what is asked
//! are posted back to the SP as a SAML error Response, as Entra does.

mod control;
mod launch;
mod slo;
mod sso;
mod tamper;

use crate::config::{IdpUser, RegisteredApp};
use crate::{Direction, LoggedMessage, Shared, VendorProfile};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, post};
use control::{
    control_app, control_clear_sessions, control_fault, control_messages, control_next_login,
    control_user,
};
use protocol::keys::Certificate;
use protocol::saml::metadata::IdpMetadata;
use protocol::saml::redirect::{self, MessageKind};
use protocol::saml::{post as saml_post, xml};
use slo::{control_logout, slo_redirect};
pub(crate) use sso::AuthnRequestInfo;
use sso::{login_submit, sso_post, sso_redirect};
use std::sync::Arc;

type St = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let profile = shared.profile;
    let tenant = shared.tenant.clone();
    let mut router = Router::new()
        .route("/", get(index))
        .route(&profile.sso_path(&tenant), get(sso_redirect).post(sso_post))
        .route(&profile.metadata_path(&tenant), get(metadata))
        .route("/login", post(login_submit))
        .route("/myapps", get(launch::my_apps))
        .route("/myapps/launch", get(launch::launch))
        .route("/control/test-sso", get(launch::control_test_sso))
        .route("/control/rollover", post(control::control_rollover))
        .route("/control/next-login", post(control_next_login))
        .route("/control/faults", post(control_fault))
        .route("/control/messages", get(control_messages))
        .route("/control/users", post(control_user))
        .route("/control/apps", post(control_app))
        .route("/control/logout", post(control_logout))
        .route("/control/sessions", delete(control_clear_sessions));
    if let Some(slo) = profile.slo_path(&tenant)
        && slo != profile.sso_path(&tenant)
    {
        router = router.route(&slo, get(slo_redirect));
    }
    router.with_state(shared)
}

// ---------------------------------------------------------------- refusals

/// Why the IdP refuses a request on its own page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PageError {
    /// No SAMLRequest (AADSTS750054).
    MissingRequest,
    /// Unparsable or not a SAML request (AADSTS75005).
    Malformed(String),
    /// Issuer is not a registered identifier (AADSTS700016).
    UnknownIssuer(String),
    /// ACS URL not among the registered reply URLs (AADSTS50011).
    ReplyUrlMismatch(String),
    /// Single logout is not offered (Google Workspace) or has nowhere to answer.
    LogoutUnavailable,
    /// The app requires signed requests and this one is not signed as required.
    RequestSignature(SignatureProblem),
}

/// What is wrong with a request's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureProblem {
    /// No signature (Entra: AADSTS76021).
    Unsigned,
    /// A SigAlg other than RSA-SHA256 (or RSA-SHA1 when allowed).
    AlgorithmNotAllowed,
    /// Wrong key, tampered parameters, or an unreadable signature.
    Invalid,
    /// Signatures are required but no SP certificate is registered.
    NoCertificate,
}

impl PageError {
    /// The code shown: Entra's AADSTS numbers, snake-case names for the other profiles.
    pub fn code(&self, profile: VendorProfile) -> &'static str {
        let entra = profile == VendorProfile::EntraId;
        match (self, entra) {
            (Self::MissingRequest, true) => "AADSTS750054",
            (Self::Malformed(_), true) => "AADSTS75005",
            (Self::UnknownIssuer(_), true) => "AADSTS700016",
            (Self::ReplyUrlMismatch(_), true) => "AADSTS50011",
            (Self::LogoutUnavailable, true) => "AADSTS50061",
            (Self::RequestSignature(SignatureProblem::Unsigned), true) => "AADSTS76021",
            (Self::RequestSignature(SignatureProblem::Unsigned), false) => "request_unsigned",
            // Entra's codes for these are not documented (protocols.md §3.2): mock codes.
            (Self::RequestSignature(SignatureProblem::AlgorithmNotAllowed), _) => {
                "sigalg_not_allowed"
            }
            (Self::RequestSignature(SignatureProblem::Invalid), _) => "invalid_request_signature",
            (Self::RequestSignature(SignatureProblem::NoCertificate), _) => {
                "no_verification_certificate"
            }
            (Self::MissingRequest, false) => "missing_request",
            (Self::Malformed(_), false) => "malformed_request",
            (Self::UnknownIssuer(_), false) => "unknown_issuer",
            (Self::ReplyUrlMismatch(_), false) => "acs_mismatch",
            (Self::LogoutUnavailable, false) => "logout_unavailable",
        }
    }

    fn message(&self, tenant: &str) -> String {
        match self {
            Self::MissingRequest => {
                "The request does not contain a SAMLRequest or SAMLResponse parameter.".into()
            }
            Self::Malformed(why) => format!("The SAML request is malformed: {why}"),
            Self::UnknownIssuer(issuer) => format!(
                "Application with identifier '{issuer}' was not found in the directory '{tenant}'."
            ),
            Self::ReplyUrlMismatch(url) => format!(
                "The reply URL specified in the request does not match the reply URLs configured for the application: '{url}'."
            ),
            Self::LogoutUnavailable => {
                "Single logout is not available for this application.".into()
            }
            Self::RequestSignature(SignatureProblem::Unsigned) => {
                "The request is not signed, but the application requires signed requests.".into()
            }
            Self::RequestSignature(SignatureProblem::AlgorithmNotAllowed) => {
                "The request's signature algorithm is not allowed.".into()
            }
            Self::RequestSignature(SignatureProblem::Invalid) => {
                "The request's signature does not verify with the registered certificate.".into()
            }
            Self::RequestSignature(SignatureProblem::NoCertificate) => {
                "No verification certificate is registered for this application.".into()
            }
        }
    }
}

/// What this server is, and its URLs.
async fn index(State(shared): St) -> Response {
    let mut links = vec![
        (
            "Federation metadata",
            shared.url(&shared.profile.metadata_path(&shared.tenant)),
        ),
        (
            "Sign-on URL (SAML HTTP-Redirect and POST)",
            shared.sso_url(),
        ),
    ];
    if let Some(slo) = shared.profile.slo_path(&shared.tenant) {
        links.push(("Logout URL", shared.url(&slo)));
    }
    links.push((
        "My Apps (a tile per app with a Sign on URL)",
        shared.url("/myapps"),
    ));
    links.push((
        "Messages received and sent (control API)",
        shared.url("/control/messages"),
    ));
    Html(mock_kit::html::index_page(
        &format!(
            "Mock SAML identity provider ({} profile)",
            shared.profile.name()
        ),
        &format!(
            "A mock IdP for the DigitalSuite conformance harness, tenant {}, entity ID {}. \
             Its users sign in on its own page; the control API queues users and faults.",
            shared.tenant,
            shared.profile.entity_id(&shared.tenant)
        ),
        &links,
    ))
    .into_response()
}

fn error_page(shared: &Shared, error: &PageError) -> Response {
    let code = error.code(shared.profile);
    let body = mock_kit::html::page(
        "Sign in error",
        &format!(
            "<h1>Sorry, but we're having trouble signing you in.</h1>\n\
         <p class=\"error\" role=\"alert\" data-code=\"{code}\">{code}: {}</p>\n",
            xml::text(&error.message(&shared.tenant))
        ),
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// How a request reached the IdP; a Redirect carries its query signature, if any.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arrival<'a> {
    Redirect(&'a redirect::Received),
    Post,
}

fn log_received(shared: &Shared, arrival: Arrival<'_>, text: &str, relay_state: Option<String>) {
    let (binding, sig_alg) = match arrival {
        Arrival::Redirect(r) => ("redirect", r.sig_alg.clone()),
        Arrival::Post => ("post", None),
    };
    shared.log(LoggedMessage {
        direction: Direction::Received,
        binding,
        kind: root_name(text).unwrap_or_default(),
        xml: text.to_owned(),
        relay_state,
        destination: None,
        sig_alg,
    });
}

/// Checks a request's signature when the app requires signed requests ("Require verification
/// certificates", protocols.md §3.2) or, for Okta, on every LogoutRequest (§4). Otherwise a
/// signature is ignored, not validated, as Entra does.
fn check_request_signature(
    shared: &Shared,
    app: &RegisteredApp,
    text: &str,
    arrival: Arrival<'_>,
    logout: bool,
) -> Result<(), PageError> {
    let required = app.require_signed_requests || (logout && shared.profile == VendorProfile::Okta);
    if !required {
        return Ok(());
    }
    let cert = app
        .sp_certificate
        .as_deref()
        .ok_or(PageError::RequestSignature(SignatureProblem::NoCertificate))
        .and_then(|pem| {
            Certificate::from_text(pem)
                .map_err(|_| PageError::RequestSignature(SignatureProblem::NoCertificate))
        })?;
    match arrival {
        Arrival::Redirect(received) => {
            redirect::verify_query_signature(received, &cert, app.allow_sha1).map_err(|e| {
                PageError::RequestSignature(match e {
                    redirect::QuerySignatureError::Unsigned => SignatureProblem::Unsigned,
                    redirect::QuerySignatureError::AlgorithmNotAllowed(_) => {
                        SignatureProblem::AlgorithmNotAllowed
                    }
                    _ => SignatureProblem::Invalid,
                })
            })
        }
        Arrival::Post => {
            let root_id = xml::parse(text)
                .ok()
                .and_then(|d| d.root_element().attribute("ID").map(str::to_owned));
            match protocol::saml::sign::verify(text, &cert) {
                Ok(signed) if signed.iter().any(|e| Some(&e.id) == root_id.as_ref()) => Ok(()),
                Ok(_) => Err(PageError::RequestSignature(SignatureProblem::Unsigned)),
                Err(_) => Err(PageError::RequestSignature(SignatureProblem::Invalid)),
            }
        }
    }
}

fn root_name(text: &str) -> Option<String> {
    xml::parse(text)
        .ok()
        .map(|d| d.root_element().tag_name().name().to_owned())
}

fn find_user(shared: &Shared, username: &str) -> Option<IdpUser> {
    shared
        .config()
        .users
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(username))
        .cloned()
}

fn session_user(shared: &Shared, headers: &HeaderMap) -> Option<String> {
    let token = session_token(shared, headers)?;
    shared.runtime().sessions.get(&token).cloned()
}

/// The auto-submitting form carrying `text` to `to`: a `SAMLRequest` field for a request
/// (a LogoutRequest), else `SAMLResponse` (saml-bindings §3.5.4).
fn send_post(shared: &Shared, to: &str, text: &str, relay_state: Option<String>) -> Response {
    let root = root_name(text).unwrap_or_default();
    let field = if root.ends_with("Request") {
        MessageKind::Request
    } else {
        MessageKind::Response
    };
    shared.log(LoggedMessage {
        direction: Direction::Sent,
        binding: "post",
        kind: root,
        xml: text.to_owned(),
        relay_state: relay_state.clone(),
        destination: Some(to.to_owned()),
        sig_alg: None,
    });
    let mut page = Html(saml_post::form(to, field, text, relay_state.as_deref())).into_response();
    if let Ok(csp) = HeaderValue::from_str(&saml_post::auto_submit_csp(to)) {
        page.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    page
}

fn session_token(shared: &Shared, headers: &HeaderMap) -> Option<String> {
    let name = shared.cookie_name();
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

// ---------------------------------------------------------------- metadata

async fn metadata(State(shared): St) -> Response {
    let md = IdpMetadata {
        entity_id: shared.profile.entity_id(&shared.tenant),
        sso_url: shared.sso_url(),
        slo_url: shared
            .profile
            .slo_path(&shared.tenant)
            .map(|p| shared.url(&p)),
        signing_certs: shared.published_certificates(),
        name_id_formats: Vec::new(),
    };
    (
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        md.to_xml(),
    )
        .into_response()
}
