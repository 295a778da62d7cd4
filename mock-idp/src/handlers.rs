//! HTTP endpoints of the mock IdP: SSO (Redirect and POST bindings), single logout, metadata,
//! the login form for people, and the control API.
//!
//! AuthnRequest checks follow protocols.md §3.2-3.3 (Entra ID) and §4 (Okta, Google
//! Workspace): errors about who is asking (unknown Issuer, unregistered ACS, no message) are shown
//! on the IdP's own page, since there is nowhere safe to post them; errors about what is asked
//! are posted back to the SP as a SAML error Response, as Entra does.

use crate::config::{IdpUser, RegisteredApp, parse_signing};
use crate::{Direction, Fault, LoggedMessage, Pending, Shared, VendorProfile};
use axum::extract::{Form, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::Duration;
use protocol::fixtures::Fixture;
use protocol::keys::Certificate;
use protocol::saml::messages::{
    Assertion, AuthnStatement, Conditions, Confirmation, Issuer, LogoutRequest, LogoutResponse,
    NameId, Response as SamlResponse, Signing, Status,
};
use protocol::saml::metadata::IdpMetadata;
use protocol::saml::redirect::{self, MessageKind};
use protocol::saml::{self as s, post as saml_post, xml};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

type St = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let profile = shared.profile;
    let tenant = shared.tenant.clone();
    let mut router = Router::new()
        .route(&profile.sso_path(&tenant), get(sso_redirect).post(sso_post))
        .route(&profile.metadata_path(&tenant), get(metadata))
        .route("/login", post(login_submit))
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

fn error_page(shared: &Shared, error: &PageError) -> Response {
    let code = error.code(shared.profile);
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Sign in error</title></head><body>\n\
         <h1>Sorry, but we're having trouble signing you in.</h1>\n\
         <p class=\"error\" data-code=\"{code}\">{code}: {}</p>\n</body></html>\n",
        xml::text(&error.message(&shared.tenant))
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

// ---------------------------------------------------------------- AuthnRequest

/// What the IdP reads from an AuthnRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthnRequestInfo {
    pub id: String,
    pub issuer: String,
    pub acs_url: Option<String>,
    pub force_authn: bool,
    pub is_passive: bool,
    pub name_id_format: Option<String>,
    pub has_subject: bool,
}

fn truthy(v: Option<&str>) -> bool {
    matches!(v, Some("true" | "1"))
}

pub(crate) fn parse_authn_request(text: &str) -> Result<AuthnRequestInfo, PageError> {
    let doc = xml::parse(text).map_err(|e| PageError::Malformed(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(s::NS_PROTOCOL)
        || root.tag_name().name() != "AuthnRequest"
    {
        return Err(PageError::Malformed(format!(
            "expected samlp:AuthnRequest, got {}",
            root.tag_name().name()
        )));
    }
    let id = root.attribute("ID").unwrap_or_default();
    // Entra: "ID ... must not begin with a digit" (it must be an xs:ID anyway).
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(PageError::Malformed(
            "the ID attribute is missing or begins with a digit".into(),
        ));
    }
    if root.attribute("Version") != Some("2.0") {
        return Err(PageError::Malformed("Version must be 2.0".into()));
    }
    if root
        .attribute("IssueInstant")
        .and_then(s::parse_instant)
        .is_none()
    {
        return Err(PageError::Malformed(
            "IssueInstant is missing or not a UTC xs:dateTime".into(),
        ));
    }
    let child = |ns: &str, name: &str| {
        root.children().find(|c| {
            c.is_element() && c.tag_name().namespace() == Some(ns) && c.tag_name().name() == name
        })
    };
    let issuer = child(s::NS_ASSERTION, "Issuer")
        .and_then(|n| n.text())
        .map(|t| t.trim().to_owned())
        .ok_or_else(|| PageError::Malformed("no Issuer".into()))?;
    Ok(AuthnRequestInfo {
        id: id.to_owned(),
        issuer,
        acs_url: root
            .attribute("AssertionConsumerServiceURL")
            .map(str::to_owned),
        force_authn: truthy(root.attribute("ForceAuthn")),
        is_passive: truthy(root.attribute("IsPassive")),
        name_id_format: child(s::NS_PROTOCOL, "NameIDPolicy")
            .and_then(|n| n.attribute("Format"))
            .map(str::to_owned),
        has_subject: child(s::NS_ASSERTION, "Subject").is_some(),
    })
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
                Ok((signed, _)) if signed.iter().any(|e| Some(&e.id) == root_id.as_ref()) => Ok(()),
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

async fn sso_redirect(
    State(shared): St,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    let received = match redirect::parse_query(&query) {
        Ok(r) => r,
        Err(redirect::BindingError::MissingMessage) => {
            return error_page(&shared, &PageError::MissingRequest);
        }
        Err(e) => return error_page(&shared, &PageError::Malformed(e.to_string())),
    };
    if received.kind != MessageKind::Request {
        // Entra's SSO URL is its logout URL too: the SP's answer to an IdP-initiated logout.
        if shared.profile.slo_path(&shared.tenant) == Some(shared.profile.sso_path(&shared.tenant))
        {
            return logout_answer(&shared, &received);
        }
        return error_page(
            &shared,
            &PageError::Malformed("a SAMLResponse was sent to the SSO endpoint".into()),
        );
    }
    let arrival = Arrival::Redirect(&received);
    log_received(
        &shared,
        arrival,
        &received.xml,
        received.relay_state.clone(),
    );
    // Entra takes LogoutRequests on its SSO URL.
    if root_name(&received.xml).as_deref() == Some("LogoutRequest") {
        return handle_logout(
            &shared,
            &headers,
            &received.xml,
            received.relay_state.clone(),
            arrival,
        );
    }
    handle_authn(
        &shared,
        &headers,
        &received.xml,
        received.relay_state.clone(),
        arrival,
    )
}

#[derive(Debug, Deserialize)]
struct PostForm {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

async fn sso_post(State(shared): St, headers: HeaderMap, Form(form): Form<PostForm>) -> Response {
    let Some(encoded) = form.saml_request else {
        return error_page(&shared, &PageError::MissingRequest);
    };
    let text = match saml_post::decode(&encoded) {
        Ok(t) => t,
        Err(e) => return error_page(&shared, &PageError::Malformed(e.to_string())),
    };
    log_received(&shared, Arrival::Post, &text, form.relay_state.clone());
    handle_authn(&shared, &headers, &text, form.relay_state, Arrival::Post)
}

fn handle_authn(
    shared: &Shared,
    headers: &HeaderMap,
    text: &str,
    relay_state: Option<String>,
    arrival: Arrival<'_>,
) -> Response {
    let request = match parse_authn_request(text) {
        Ok(r) => r,
        Err(e) => return error_page(shared, &e),
    };
    let Some(app) = shared
        .config()
        .apps
        .iter()
        .find(|a| a.identifier == request.issuer)
        .cloned()
    else {
        return error_page(shared, &PageError::UnknownIssuer(request.issuer.clone()));
    };
    if let Err(e) = check_request_signature(shared, &app, text, arrival, false) {
        return error_page(shared, &e);
    }
    let default_acs = app.reply_urls.first().cloned().unwrap_or_default();
    let acs = match &request.acs_url {
        Some(url) if app.reply_urls.contains(url) => url.clone(),
        Some(url) if shared.profile == VendorProfile::GoogleWorkspace => {
            // Google posts an error Response to the configured ACS (§4).
            let status = Status {
                code: s::STATUS_REQUESTER.into(),
                sub_code: Some(s::STATUS_REQUEST_DENIED.into()),
                message: Some(format!(
                    "Invalid request, ACS Url in request {url} doesn't match configured ACS Url {default_acs}."
                )),
            };
            return post_error(shared, &request, &default_acs, relay_state, status);
        }
        Some(url) => return error_page(shared, &PageError::ReplyUrlMismatch(url.clone())),
        None => default_acs,
    };
    if let Some(format) = &request.name_id_format
        && !shared.profile.accepts_name_id_format(format)
    {
        let status = Status {
            code: s::STATUS_REQUESTER.into(),
            sub_code: Some("urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy".into()),
            message: Some(format!(
                "AADSTS75016: NameIDPolicy format '{format}' is not supported."
            )),
        };
        return post_error(shared, &request, &acs, relay_state, status);
    }
    if request.has_subject {
        let status = Status {
            code: s::STATUS_REQUESTER.into(),
            sub_code: Some(s::STATUS_REQUEST_UNSUPPORTED.into()),
            message: Some("AADSTS900236: The SAML authentication request property 'Subject' is not supported.".into()),
        };
        return post_error(shared, &request, &acs, relay_state, status);
    }
    // Who signs in: an IdP session (unless ForceAuthn), else the next queued login.
    let session_user = if request.force_authn {
        None
    } else {
        session_user(shared, headers)
    };
    let user = session_user.or_else(|| shared.runtime().next_logins.pop());
    let Some(username) = user else {
        if request.is_passive {
            let status = Status {
                code: s::STATUS_RESPONDER.into(),
                sub_code: Some("urn:oasis:names:tc:SAML:2.0:status:NoPassive".into()),
                message: None,
            };
            return post_error(shared, &request, &acs, relay_state, status);
        }
        return login_form(shared, request, acs, relay_state, None);
    };
    let Some(user) = find_user(shared, &username) else {
        return error_page(
            shared,
            &PageError::Malformed(format!("no user {username} at this IdP")),
        );
    };
    respond(shared, &app, &request, &acs, relay_state, &user)
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

fn login_form(
    shared: &Shared,
    request: AuthnRequestInfo,
    acs: String,
    relay_state: Option<String>,
    error: Option<&str>,
) -> Response {
    let pending = shared.ids.new_id("p");
    shared.runtime().pending.insert(
        pending.clone(),
        Pending {
            request,
            acs,
            relay_state,
        },
    );
    let error = error
        .map(|m| {
            format!(
                "<p class=\"error\" data-code=\"invalid_credentials\">{}</p>\n",
                xml::text(m)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Sign in</title></head><body>\n\
         <h1>Sign in to your account</h1>\n<p>Mock {} IdP</p>\n{error}\
         <form method=\"post\" action=\"{}\">\n\
         <input type=\"hidden\" name=\"pending\" value=\"{pending}\">\n\
         <label>Username <input name=\"username\" autocomplete=\"username\"></label>\n\
         <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\n\
         <button type=\"submit\">Sign in</button>\n</form>\n</body></html>\n",
        shared.profile.name(),
        xml::attr(&shared.url("/login")),
    );
    Html(body).into_response()
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    pending: String,
    username: String,
    password: String,
}

async fn login_submit(State(shared): St, Form(form): Form<LoginForm>) -> Response {
    let Some(pending) = shared.runtime().pending.remove(&form.pending) else {
        return error_page(
            &shared,
            &PageError::Malformed(
                "this sign-in has expired; start again from the application".into(),
            ),
        );
    };
    let user = find_user(&shared, &form.username).filter(|u| u.password == form.password);
    let Some(user) = user else {
        return login_form(
            &shared,
            pending.request,
            pending.acs,
            pending.relay_state,
            Some("Your account or password is incorrect."),
        );
    };
    let Some(app) = shared
        .config()
        .apps
        .iter()
        .find(|a| a.identifier == pending.request.issuer)
        .cloned()
    else {
        return error_page(
            &shared,
            &PageError::UnknownIssuer(pending.request.issuer.clone()),
        );
    };
    respond(
        &shared,
        &app,
        &pending.request,
        &pending.acs,
        pending.relay_state,
        &user,
    )
}

/// Builds the success Response for `user` (with the next fault, if one is queued), opens an IdP
/// session, and answers with the auto-submitting form to the ACS.
fn respond(
    shared: &Shared,
    app: &RegisteredApp,
    request: &AuthnRequestInfo,
    acs: &str,
    relay_state: Option<String>,
    user: &IdpUser,
) -> Response {
    let fault = shared.runtime().faults.pop();
    let profile = shared.profile;
    let now = shared.clock.now();
    let (before, after, confirm_after) = profile.validity();
    let issuer = Issuer {
        value: profile.entity_id(&shared.tenant),
        format: profile.issuer_format(),
    };
    let assertion_id = shared.ids.new_id("_");
    let assertion_id_for_logout = assertion_id.clone();
    let mut response = SamlResponse {
        id: shared.ids.new_id("_"),
        issue_instant: now,
        destination: Some(acs.to_owned()),
        in_response_to: Some(request.id.clone()),
        issuer: issuer.clone(),
        status: Status::success(),
        assertion: Some(Assertion {
            id: assertion_id.clone(),
            issue_instant: now,
            issuer,
            name_id: Some(NameId {
                value: user.email.clone(),
                format: Some(
                    request
                        .name_id_format
                        .clone()
                        .unwrap_or_else(|| s::NAMEID_EMAIL.to_owned()),
                ),
            }),
            confirmation: Confirmation {
                in_response_to: Some(request.id.clone()),
                not_on_or_after: Some(now + confirm_after),
                recipient: Some(acs.to_owned()),
            },
            conditions: Conditions {
                not_before: Some(now - before),
                not_on_or_after: Some(now + after),
                audiences: vec![app.identifier.clone()],
            },
            attributes: profile.attributes(&shared.tenant, user),
            authn: AuthnStatement {
                instant: now,
                session_index: Some(assertion_id),
                session_not_on_or_after: None,
                class_ref: profile.authn_context().to_owned(),
            },
        }),
    };
    let mut signing = app.signing.unwrap_or_else(|| profile.default_signing());
    let mut key = shared.key.clone();
    let mut edit = Edit::None;
    if let Some(fault) = fault {
        apply_fault(fault, &mut response, &mut signing, &mut key, now);
        edit = xml_edit(fault, &response.issuer.value, &app.identifier);
    }
    let signed = match &edit {
        Edit::BeforeSigning(f) => response.to_xml_edited(&profile.style(), signing, &key, f),
        _ => response.to_xml(&profile.style(), signing, &key),
    };
    let signed = signed.map(|t| match &edit {
        Edit::AfterSigning(f) => f(t),
        _ => t,
    });
    let text = match signed {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(%e, "signing a Response");
            return (StatusCode::INTERNAL_SERVER_ERROR, "signing failed").into_response();
        }
    };
    let token = shared.ids.new_id("idp");
    shared
        .runtime()
        .sessions
        .insert(token.clone(), user.username.clone());
    shared.runtime().last_sign_in.insert(
        user.username.clone(),
        (app.identifier.clone(), assertion_id_for_logout.clone()),
    );
    let mut out = send_post(shared, acs, &text, relay_state);
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax",
        shared.cookie_name()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        out.headers_mut().append(header::SET_COOKIE, v);
    }
    out
}

fn apply_fault(
    fault: Fault,
    r: &mut SamlResponse,
    signing: &mut Signing,
    key: &mut protocol::keys::SigningKey,
    now: chrono::DateTime<chrono::Utc>,
) {
    let elsewhere = "https://sp.elsewhere.example/saml/acs".to_owned();
    match fault {
        Fault::Expired => {
            if let Some(a) = r.assertion.as_mut() {
                a.conditions.not_before = Some(now - Duration::hours(2));
                a.conditions.not_on_or_after = Some(now - Duration::hours(1));
                a.confirmation.not_on_or_after = Some(now - Duration::hours(1));
            }
        }
        Fault::NotYetValid => {
            if let Some(a) = r.assertion.as_mut() {
                a.conditions.not_before = Some(now + Duration::hours(1));
            }
        }
        Fault::WrongAudience => {
            if let Some(a) = r.assertion.as_mut() {
                a.conditions.audiences = vec!["https://sp.elsewhere.example/".into()];
            }
        }
        Fault::WrongIssuer => {
            r.issuer = other_idp();
            if let Some(a) = r.assertion.as_mut() {
                a.issuer = other_idp();
            }
        }
        Fault::ResponseIssuerWrong => r.issuer = other_idp(),
        Fault::AssertionIssuerWrong => {
            if let Some(a) = r.assertion.as_mut() {
                a.issuer = other_idp();
            }
        }
        Fault::ConditionsExpired => {
            if let Some(a) = r.assertion.as_mut() {
                a.conditions.not_before = Some(now - Duration::hours(2));
                a.conditions.not_on_or_after = Some(now - Duration::hours(1));
            }
        }
        Fault::ConfirmationExpired => {
            if let Some(a) = r.assertion.as_mut() {
                a.confirmation.not_on_or_after = Some(now - Duration::hours(1));
            }
        }
        Fault::ResponseInResponseToWrong => r.in_response_to = Some("id-never-sent".into()),
        Fault::ConfirmationInResponseToWrong => {
            if let Some(a) = r.assertion.as_mut() {
                a.confirmation.in_response_to = Some("id-never-sent".into());
            }
        }
        Fault::NotYetValidPastSkew | Fault::NotYetValidWithinSkew => {
            if let Some(a) = r.assertion.as_mut() {
                let ahead = if fault == Fault::NotYetValidPastSkew {
                    121
                } else {
                    120
                };
                a.conditions.not_before = Some(now + Duration::seconds(ahead));
            }
        }
        Fault::ConditionsExpiredPastSkew | Fault::ConditionsExpiredWithinSkew => {
            if let Some(a) = r.assertion.as_mut() {
                let ago = if fault == Fault::ConditionsExpiredPastSkew {
                    120
                } else {
                    119
                };
                a.conditions.not_before = Some(now - Duration::minutes(10));
                a.conditions.not_on_or_after = Some(now - Duration::seconds(ago));
            }
        }
        Fault::ConfirmationExpiredPastSkew | Fault::ConfirmationExpiredWithinSkew => {
            if let Some(a) = r.assertion.as_mut() {
                let ago = if fault == Fault::ConfirmationExpiredPastSkew {
                    120
                } else {
                    119
                };
                a.confirmation.not_on_or_after = Some(now - Duration::seconds(ago));
            }
        }
        Fault::WrongDestination => r.destination = Some(elsewhere),
        Fault::WrongRecipient => {
            if let Some(a) = r.assertion.as_mut() {
                a.confirmation.recipient = Some(elsewhere);
            }
        }
        Fault::WrongInResponseTo => {
            r.in_response_to = Some("id-never-sent".into());
            if let Some(a) = r.assertion.as_mut() {
                a.confirmation.in_response_to = Some("id-never-sent".into());
            }
        }
        Fault::Unsigned => *signing = Signing::Unsigned,
        Fault::UntrustedKey => *key = Fixture::IdpUntrusted.signing_key(),
        Fault::StatusRequester | Fault::StatusResponder => {
            r.assertion = None;
            r.status = Status {
                code: if fault == Fault::StatusRequester {
                    s::STATUS_REQUESTER
                } else {
                    s::STATUS_RESPONDER
                }
                .into(),
                sub_code: Some(s::STATUS_AUTHN_FAILED.into()),
                message: Some("The user could not be authenticated.".into()),
            };
        }
        Fault::MissingNameId => {
            if let Some(a) = r.assertion.as_mut() {
                a.name_id = None;
            }
        }
        Fault::NameIdPersistent => {
            if let Some(a) = r.assertion.as_mut() {
                a.name_id = Some(NameId {
                    value: "AAAAAAAAAAAAAAAAAAAAAFzXYOvPqXvnpAAnHqvVN5o".into(),
                    format: Some(s::NAMEID_PERSISTENT.into()),
                });
            }
        }
        Fault::NameIdLeadingSpace => name_id_value(r, |v| format!(" {v}")),
        Fault::NameIdTrailingSpace => name_id_value(r, |v| format!("{v} ")),
        Fault::NameIdLeadingTab => name_id_value(r, |v| format!("\t{v}")),
        Fault::NameIdTrailingNewline => name_id_value(r, |v| format!("{v}\n")),
        Fault::NameIdNbsp => name_id_value(r, |v| format!("{v}\u{A0}")),
        Fault::NameIdZeroWidthSpace => name_id_value(r, |v| v.replacen('@', "\u{200B}@", 1)),
        Fault::NameIdNel => name_id_value(r, |v| format!("{v}\u{85}")),
        Fault::ResponseIssuerFormat => r.issuer.format = Some(s::NAMEID_UNSPECIFIED.into()),
        Fault::AssertionIssuerFormat => {
            if let Some(a) = r.assertion.as_mut() {
                a.issuer.format = Some(s::NAMEID_EMAIL.into());
            }
        }
        Fault::ResponseIssuedADayAgo => r.issue_instant = now - Duration::hours(24),
        Fault::ResponseIssuedPastSkew => r.issue_instant = now + Duration::seconds(121),
        Fault::ResponseIssuedWithinSkew => r.issue_instant = now + Duration::seconds(120),
        Fault::ResponseIssuedStale => r.issue_instant = now - Duration::seconds(12 * 60 + 1),
        Fault::ResponseIssuedAlmostStale => {
            r.issue_instant = now - Duration::seconds(12 * 60);
        }
        Fault::ResponseIssuedADayAhead => r.issue_instant = now + Duration::hours(24),
        Fault::AssertionIssuedADayAgo | Fault::AssertionIssuedADayAhead => {
            if let Some(a) = r.assertion.as_mut() {
                let day = Duration::hours(24);
                a.issue_instant = if fault == Fault::AssertionIssuedADayAgo {
                    now - day
                } else {
                    now + day
                };
            }
        }
        Fault::SessionEnded | Fault::SessionEndsSoon => {
            if let Some(a) = r.assertion.as_mut() {
                a.authn.session_not_on_or_after = Some(if fault == Fault::SessionEnded {
                    now - Duration::minutes(1)
                } else {
                    now + Duration::minutes(5)
                });
            }
        }
        // Faults made on the XML text (xml_edit).
        Fault::NameIdTrailingCr
        | Fault::NameIdCommentSuffix
        | Fault::TwoNameIds
        | Fault::NameIdAndEncryptedId
        | Fault::NameIdAndBaseId
        | Fault::ConfirmationNameId
        | Fault::SpNameQualifierOther
        | Fault::NameQualifierOther
        | Fault::NameIdQualified
        | Fault::EncodingUtf7
        | Fault::EncodingUtf16
        | Fault::EncodingLatin1
        | Fault::EncodingUtf8Declared
        | Fault::NoAuthnStatement
        | Fault::AssertionInExtensions
        | Fault::LogoutUnsigned
        | Fault::LogoutBadSignature
        | Fault::LogoutIssuerWrong
        | Fault::LogoutStatusError => {}
    }
}

/// An Entra tenant that is not the one the SP trusts.
fn other_idp() -> Issuer {
    Issuer::new("https://sts.windows.net/00000000-0000-0000-0000-000000000000/")
}

/// The span of the first element named `local` (any prefix): start of its start tag, end of
/// its end tag, and its prefix (with the colon, or empty).
fn element_span(xml: &str, local: &str) -> Option<(usize, usize, String)> {
    let mut from = 0;
    loop {
        let lt = from + xml[from..].find('<')?;
        let name_end = lt + 1 + xml[lt + 1..].find([' ', '>', '/'])?;
        let name = &xml[lt + 1..name_end];
        let (prefix, tag) = match name.split_once(':') {
            Some((p, t)) => (format!("{p}:"), t),
            None => (String::new(), name),
        };
        if tag == local {
            let close = format!("</{prefix}{local}>");
            let end = lt + xml[lt..].find(&close)? + close.len();
            return Some((lt, end, prefix));
        }
        from = name_end;
    }
}

fn name_id_value(r: &mut SamlResponse, f: impl Fn(&str) -> String) {
    if let Some(n) = r.assertion.as_mut().and_then(|a| a.name_id.as_mut()) {
        n.value = f(&n.value);
    }
}

type TextEdit = Box<dyn Fn(String) -> String + Send + Sync>;

/// A change to the message text no struct field can express: made before signing (the IdP
/// signs the odd message, as a broken or hostile IdP would) or after (the envelope only).
enum Edit {
    None,
    BeforeSigning(TextEdit),
    AfterSigning(TextEdit),
}

/// Where the first NameID is in `xml`: the start of its start tag, the end of its start tag
/// (after `>`), the start of its end tag, and the end of the element; plus its prefix.
fn name_id_span(xml: &str) -> Option<(usize, usize, usize, usize, String)> {
    let tag_at = xml.find("NameID ").or_else(|| xml.find("NameID>"))?;
    let open = xml[..tag_at].rfind('<')?;
    let prefix = xml[open + 1..tag_at].to_owned();
    let content = tag_at + xml[tag_at..].find('>')? + 1;
    let close_tag = format!("</{prefix}NameID>");
    let close = content + xml[content..].find(&close_tag)?;
    Some((open, content, close, close + close_tag.len(), prefix))
}

fn with_name_id(
    f: impl Fn(&str, (usize, usize, usize, usize), &str) -> String + Send + Sync + 'static,
) -> Edit {
    Edit::BeforeSigning(Box::new(move |xml: String| match name_id_span(&xml) {
        Some((a, b, c, d, prefix)) => f(&xml, (a, b, c, d), &prefix),
        None => xml,
    }))
}

fn declaration(encoding: &'static str) -> Edit {
    Edit::AfterSigning(Box::new(move |xml: String| {
        format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>{xml}")
    }))
}

/// The text edit a fault needs, if any (`idp` is the Issuer, `sp` the app's Identifier).
fn xml_edit(fault: Fault, idp: &str, sp: &str) -> Edit {
    let attribute = |extra: String| {
        with_name_id(move |xml, (a, _, _, _), prefix| {
            let name_end = a + 1 + prefix.len() + "NameID".len();
            format!("{}{extra}{}", &xml[..name_end], &xml[name_end..])
        })
    };
    let insert_after = |element: fn(&str) -> String| {
        with_name_id(move |xml, (_, _, _, d), prefix| {
            format!("{}{}{}", &xml[..d], element(prefix), &xml[d..])
        })
    };
    match fault {
        Fault::NameIdTrailingCr => {
            with_name_id(|xml, (_, _, c, _), _| format!("{}&#13;{}", &xml[..c], &xml[c..]))
        }
        Fault::NameIdCommentSuffix => with_name_id(|xml, (_, _, c, _), _| {
            format!("{}<!---->.evil.example{}", &xml[..c], &xml[c..])
        }),
        Fault::TwoNameIds => with_name_id(|xml, (a, b, _, d), prefix| {
            let second = format!("{}root@contoso.com</{prefix}NameID>", &xml[a..b]);
            format!("{}{second}{}", &xml[..d], &xml[d..])
        }),
        Fault::NameIdAndEncryptedId => insert_after(|p| {
            format!(
                "<{p}EncryptedID><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></{p}EncryptedID>"
            )
        }),
        Fault::NameIdAndBaseId => insert_after(|p| format!("<{p}BaseID NameQualifier=\"x\"/>")),
        Fault::ConfirmationNameId => Edit::BeforeSigning(Box::new(|xml: String| {
            let Some((a, b, _, _, prefix)) = name_id_span(&xml) else {
                return xml;
            };
            let tag = format!("<{prefix}SubjectConfirmationData");
            match xml.find(&tag) {
                Some(at) => format!(
                    "{}{}root@contoso.com</{prefix}NameID>{}",
                    &xml[..at],
                    &xml[a..b],
                    &xml[at..]
                ),
                None => xml,
            }
        })),
        Fault::SpNameQualifierOther => {
            attribute(" SPNameQualifier=\"https://sp.elsewhere.example/\"".into())
        }
        Fault::NameQualifierOther => {
            attribute(" NameQualifier=\"https://idp.elsewhere.example/\"".into())
        }
        Fault::NameIdQualified => attribute(format!(
            " NameQualifier=\"{}\" SPNameQualifier=\"{}\"",
            xml::attr(idp),
            xml::attr(sp)
        )),
        Fault::NoAuthnStatement => {
            Edit::BeforeSigning(Box::new(|xml: String| {
                match element_span(&xml, "AuthnStatement") {
                    Some((a, b, _)) => format!("{}{}", &xml[..a], &xml[b..]),
                    None => xml,
                }
            }))
        }
        // The classic wrapping move: the signed assertion, byte for byte, where a lax SP that
        // searches the document for "an Assertion" still finds it.
        Fault::AssertionInExtensions => Edit::AfterSigning(Box::new(|xml: String| {
            let (Some((a, b, _)), Some((st, _, rp))) = (
                element_span(&xml, "Assertion"),
                element_span(&xml, "Status"),
            ) else {
                return xml;
            };
            let assertion = &xml[a..b];
            let without = format!("{}{}", &xml[..a], &xml[b..]);
            format!(
                "{}<{rp}Extensions>{assertion}</{rp}Extensions>{}",
                &without[..st],
                &without[st..]
            )
        })),
        Fault::EncodingUtf7 => declaration("UTF-7"),
        Fault::EncodingUtf16 => declaration("UTF-16"),
        Fault::EncodingLatin1 => declaration("ISO-8859-1"),
        Fault::EncodingUtf8Declared => declaration("UTF-8"),
        _ => Edit::None,
    }
}

/// Posts an error Response (no assertion, unsigned, as Entra's documented sample) to the SP.
fn post_error(
    shared: &Shared,
    request: &AuthnRequestInfo,
    acs: &str,
    relay_state: Option<String>,
    status: Status,
) -> Response {
    let response = SamlResponse {
        id: shared.ids.new_id("_"),
        issue_instant: shared.clock.now(),
        destination: Some(acs.to_owned()),
        in_response_to: Some(request.id.clone()),
        issuer: Issuer {
            value: shared.profile.entity_id(&shared.tenant),
            format: shared.profile.issuer_format(),
        },
        status,
        assertion: None,
    };
    match response.to_xml(&shared.profile.style(), Signing::Unsigned, &shared.key) {
        Ok(text) => send_post(shared, acs, &text, relay_state),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn send_post(shared: &Shared, to: &str, text: &str, relay_state: Option<String>) -> Response {
    shared.log(LoggedMessage {
        direction: Direction::Sent,
        binding: "post",
        kind: root_name(text).unwrap_or_default(),
        xml: text.to_owned(),
        relay_state: relay_state.clone(),
        destination: Some(to.to_owned()),
        sig_alg: None,
    });
    let mut page = Html(saml_post::form(
        to,
        MessageKind::Response,
        text,
        relay_state.as_deref(),
    ))
    .into_response();
    if let Ok(csp) = HeaderValue::from_str(&saml_post::auto_submit_csp(to)) {
        page.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    page
}

// ---------------------------------------------------------------- single logout

async fn slo_redirect(
    State(shared): St,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let received = match redirect::parse_query(&query.unwrap_or_default()) {
        Ok(r) if r.kind == MessageKind::Request => r,
        Ok(r) => return logout_answer(&shared, &r),
        Err(redirect::BindingError::MissingMessage) => {
            return error_page(&shared, &PageError::MissingRequest);
        }
        Err(e) => return error_page(&shared, &PageError::Malformed(e.to_string())),
    };
    let arrival = Arrival::Redirect(&received);
    log_received(
        &shared,
        arrival,
        &received.xml,
        received.relay_state.clone(),
    );
    handle_logout(
        &shared,
        &headers,
        &received.xml,
        received.relay_state.clone(),
        arrival,
    )
}

/// LogoutRequest (§3.6): ID, Version, IssueInstant and a registered Issuer are checked; NameID
/// must be present but is not evaluated. The browser's IdP session ends and a LogoutResponse
/// goes to the app's registered logout URL.
fn handle_logout(
    shared: &Shared,
    headers: &HeaderMap,
    text: &str,
    relay_state: Option<String>,
    arrival: Arrival<'_>,
) -> Response {
    let doc = match xml::parse(text) {
        Ok(d) => d,
        Err(e) => return error_page(shared, &PageError::Malformed(e.to_string())),
    };
    let root = doc.root_element();
    let id = root.attribute("ID").unwrap_or_default();
    if root.tag_name().namespace() != Some(s::NS_PROTOCOL)
        || root.tag_name().name() != "LogoutRequest"
        || id.is_empty()
        || id.starts_with(|c: char| c.is_ascii_digit())
        || root.attribute("Version") != Some("2.0")
        || root
            .attribute("IssueInstant")
            .and_then(s::parse_instant)
            .is_none()
    {
        return error_page(
            shared,
            &PageError::Malformed("not a valid LogoutRequest".into()),
        );
    }
    let elem = |ns: &str, name: &str| {
        root.children().find(|c| {
            c.is_element() && c.tag_name().namespace() == Some(ns) && c.tag_name().name() == name
        })
    };
    let issuer = elem(s::NS_ASSERTION, "Issuer")
        .and_then(|n| n.text())
        .unwrap_or_default()
        .trim()
        .to_owned();
    if elem(s::NS_ASSERTION, "NameID").is_none() {
        return error_page(
            shared,
            &PageError::Malformed("a LogoutRequest needs a NameID".into()),
        );
    }
    let Some(app) = shared
        .config()
        .apps
        .iter()
        .find(|a| a.identifier == issuer)
        .cloned()
    else {
        return error_page(shared, &PageError::UnknownIssuer(issuer));
    };
    if let Err(e) = check_request_signature(shared, &app, text, arrival, true) {
        return error_page(shared, &e);
    }
    let Some(logout_url) = app.logout_url.clone() else {
        return error_page(shared, &PageError::LogoutUnavailable);
    };
    if let Some(token) = session_token(shared, headers) {
        shared.runtime().sessions.remove(&token);
    }
    let fault = shared.runtime().faults.pop();
    let response = LogoutResponse {
        id: shared.ids.new_id("_"),
        issue_instant: shared.clock.now(),
        destination: Some(logout_url.clone()),
        in_response_to: id.to_owned(),
        issuer: if fault == Some(Fault::LogoutIssuerWrong) {
            other_idp()
        } else {
            Issuer::new(shared.profile.logout_issuer(&shared.tenant))
        },
        status: if fault == Some(Fault::LogoutStatusError) {
            Status {
                code: s::STATUS_REQUESTER.into(),
                sub_code: None,
                message: None,
            }
        } else {
            Status::success()
        },
    };
    let text = response.to_xml(&shared.profile.style());
    let sign = app.sign_logout.unwrap_or(shared.profile.signs_logout())
        && fault != Some(Fault::LogoutUnsigned);
    let corrupt = fault == Some(Fault::LogoutBadSignature);
    let clear = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
        shared.cookie_name()
    );
    let mut out = if shared.profile == VendorProfile::Okta {
        // Okta posts the LogoutResponse (§4), signed.
        let text = if sign || corrupt {
            match sign_logout_xml(shared, &text, &response.id, corrupt) {
                Ok(t) => t,
                Err(e) => return error_page(shared, &PageError::Malformed(e)),
            }
        } else {
            text
        };
        send_post(shared, &logout_url, &text, relay_state)
    } else {
        match redirect_logout_message(
            shared,
            MessageKind::Response,
            &text,
            &logout_url,
            relay_state,
            sign || corrupt,
            corrupt,
        ) {
            Ok(r) => r,
            Err(e) => return error_page(shared, &PageError::Malformed(e)),
        }
    };
    if let Ok(v) = HeaderValue::from_str(&clear) {
        out.headers_mut().append(header::SET_COOKIE, v);
    }
    out
}

/// Signs a logout message's XML (enveloped, after its Issuer), optionally then corrupting the
/// signature value.
fn sign_logout_xml(shared: &Shared, text: &str, id: &str, corrupt: bool) -> Result<String, String> {
    let style = shared.profile.style();
    let close = format!("</{}>", style.a("Issuer"));
    let at = text.find(&close).ok_or("no Issuer")? + close.len();
    let mut with_template = text.to_owned();
    with_template.insert_str(
        at,
        &protocol::saml::sign::template(id, &shared.key.certificate(), style.dsig),
    );
    let signed =
        protocol::saml::sign::sign(&with_template, &shared.key).map_err(|e| e.to_string())?;
    Ok(if corrupt {
        corrupt_signature_value(&signed)
    } else {
        signed
    })
}

fn corrupt_signature_value(signed: &str) -> String {
    match signed.find("SignatureValue>") {
        Some(at) => {
            let i = at + "SignatureValue>".len();
            let flipped = if signed[i..].starts_with('A') {
                "B"
            } else {
                "A"
            };
            format!("{}{flipped}{}", &signed[..i], &signed[i + 1..])
        }
        None => signed.to_owned(),
    }
}

/// A logout message sent to the SP by the Redirect binding, with a query signature when `sign`
/// (corrupted when `corrupt`), logged as sent.
fn redirect_logout_message(
    shared: &Shared,
    kind: MessageKind,
    text: &str,
    to: &str,
    relay_state: Option<String>,
    sign: bool,
    corrupt: bool,
) -> Result<Response, String> {
    let mut query = if sign {
        let pkey = openssl::pkey::PKey::private_key_from_der(shared.key.key_der())
            .map_err(|e| e.to_string())?;
        redirect::signed_query(kind, text, relay_state.as_deref(), &pkey)
    } else {
        redirect::query(kind, text, relay_state.as_deref())
    }
    .map_err(|e| e.to_string())?;
    if corrupt && let Some(at) = query.find("&Signature=") {
        let i = at + "&Signature=".len();
        let flipped = if query[i..].starts_with('A') {
            "B"
        } else {
            "A"
        };
        query = format!("{}{flipped}{}", &query[..i], &query[i + 1..]);
    }
    let sep = if to.contains('?') { '&' } else { '?' };
    let target = format!("{to}{sep}{query}");
    shared.log(LoggedMessage {
        direction: Direction::Sent,
        binding: "redirect",
        kind: root_name(text).unwrap_or_default(),
        xml: text.to_owned(),
        relay_state,
        destination: Some(to.to_owned()),
        sig_alg: sign.then(|| s::ALG_RSA_SHA256.to_owned()),
    });
    Ok(Redirect::to(&target).into_response())
}

/// A LogoutResponse from the SP (its answer to an IdP-initiated logout): logged with its
/// SigAlg, then a "signed out" page.
fn logout_answer(shared: &Shared, received: &redirect::Received) -> Response {
    shared.log(LoggedMessage {
        direction: Direction::Received,
        binding: "redirect",
        kind: root_name(&received.xml).unwrap_or_default(),
        xml: received.xml.clone(),
        relay_state: received.relay_state.clone(),
        destination: None,
        sig_alg: received.sig_alg.clone(),
    });
    Html("<!doctype html><title>Signed out</title><p data-code=\"signed_out\">You signed out.</p>")
        .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogoutBody {
    username: String,
}

/// IdP-initiated logout, as Entra sends when the user signs out elsewhere (protocols.md §3.6):
/// a LogoutRequest for the user's last sign-in (NameID, SessionIndex) to that app's logout URL,
/// by the Redirect binding. Answers `{"url"}` for the browser to follow. Okta (SP-initiated SLO
/// only) and Google Workspace (no SLO) answer 409.
async fn control_logout(State(shared): St, Json(body): Json<LogoutBody>) -> Response {
    if shared.profile != VendorProfile::EntraId {
        return mock_kit::control_error(
            "idp_logout_unsupported",
            "only the Entra ID profile sends IdP-initiated LogoutRequests",
        );
    }
    let last = shared.runtime().last_sign_in.get(&body.username).cloned();
    let Some((identifier, session_index)) = last else {
        return mock_kit::control_error("no_session", "that user has not signed in to any app");
    };
    let app = shared
        .config()
        .apps
        .iter()
        .find(|a| a.identifier == identifier)
        .cloned();
    let (Some(app), Some(user)) = (
        app,
        shared
            .config()
            .users
            .iter()
            .find(|u| u.username == body.username)
            .cloned(),
    ) else {
        return mock_kit::control_error("no_session", "the app or the user is gone");
    };
    let Some(logout_url) = app.logout_url.clone() else {
        return mock_kit::control_error("no_logout_url", "the app has no logout URL");
    };
    let request = LogoutRequest {
        id: shared.ids.new_id("_"),
        issue_instant: shared.clock.now(),
        destination: logout_url.clone(),
        issuer: shared.profile.entity_id(&shared.tenant),
        name_id: NameId {
            value: user.email.clone(),
            format: Some(s::NAMEID_EMAIL.into()),
        },
        session_index: Some(session_index),
    }
    .to_xml(&shared.profile.style());
    let fault = shared.runtime().faults.pop();
    let sign = app.sign_logout.unwrap_or(shared.profile.signs_logout())
        && fault != Some(Fault::LogoutUnsigned);
    let corrupt = fault == Some(Fault::LogoutBadSignature);
    match redirect_logout_message(
        &shared,
        MessageKind::Request,
        &request,
        &logout_url,
        None,
        sign || corrupt,
        corrupt,
    ) {
        Ok(r) => {
            let url = r
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            Json(json!({ "url": url })).into_response()
        }
        Err(e) => mock_kit::control_error("encoding", &e),
    }
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
        signing_cert: shared.key.certificate(),
        name_id_formats: Vec::new(),
    };
    (
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        md.to_xml(),
    )
        .into_response()
}

// ---------------------------------------------------------------- control API

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NextLogin {
    username: String,
}

async fn control_next_login(State(shared): St, Json(body): Json<NextLogin>) -> Response {
    if find_user(&shared, &body.username).is_none() {
        return mock_kit::control_error(
            "unknown_user",
            format!("no user {} at this IdP", body.username),
        );
    }
    mock_kit::enqueue(&mut shared.runtime().next_logins, body.username)
}

async fn control_fault(State(shared): St, Json(body): Json<mock_kit::FaultBody>) -> Response {
    mock_kit::enqueue_fault(&mut shared.runtime().faults, &body.fault, Fault::parse)
}

async fn control_messages(State(shared): St) -> Response {
    Json(json!({ "messages": shared.runtime().log.to_vec() })).into_response()
}

async fn control_user(State(shared): St, Json(user): Json<IdpUser>) -> Response {
    shared.config().users.push(user);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppBody {
    identifier: String,
    reply_urls: Vec<String>,
    logout_url: Option<String>,
    signing: Option<String>,
    #[serde(default)]
    require_signed_requests: bool,
    sp_certificate: Option<String>,
    #[serde(default)]
    allow_sha1: bool,
    sign_logout: Option<bool>,
}

async fn control_app(State(shared): St, Json(body): Json<AppBody>) -> Response {
    let signing = match body.signing.as_deref().map(parse_signing) {
        Some(None) => {
            return mock_kit::control_error(
                "unknown_signing",
                "signing must be assertion, response, both or unsigned",
            );
        }
        Some(Some(s)) => Some(s),
        None => None,
    };
    let app = RegisteredApp {
        identifier: body.identifier,
        reply_urls: body.reply_urls,
        logout_url: body.logout_url,
        signing,
        require_signed_requests: body.require_signed_requests,
        sp_certificate: body.sp_certificate,
        allow_sha1: body.allow_sha1,
        sign_logout: body.sign_logout,
    };
    let mut config = shared.config();
    config.apps.retain(|a| a.identifier != app.identifier);
    config.apps.push(app);
    StatusCode::NO_CONTENT.into_response()
}

async fn control_clear_sessions(State(shared): St) -> Response {
    shared.runtime().sessions.clear();
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(attrs: &str, body: &str) -> String {
        format!(
            "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" {attrs}><saml:Issuer>https://sp.example/</saml:Issuer>{body}</samlp:AuthnRequest>"
        )
    }

    #[test]
    fn authn_requests_are_read_as_entra_reads_them() {
        let ok = request(
            "ID=\"id1\" Version=\"2.0\" IssueInstant=\"2026-01-05T09:00:00Z\" ForceAuthn=\"true\" AssertionConsumerServiceURL=\"https://sp.example/acs\"",
            "<samlp:NameIDPolicy Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\"/>",
        );
        let info = parse_authn_request(&ok).unwrap();
        assert_eq!(info.issuer, "https://sp.example/");
        assert!(info.force_authn && !info.is_passive && !info.has_subject);
        assert_eq!(info.acs_url.as_deref(), Some("https://sp.example/acs"));
        for bad in [
            request(
                "ID=\"1abc\" Version=\"2.0\" IssueInstant=\"2026-01-05T09:00:00Z\"",
                "",
            ),
            request(
                "ID=\"id1\" Version=\"1.1\" IssueInstant=\"2026-01-05T09:00:00Z\"",
                "",
            ),
            request(
                "ID=\"id1\" Version=\"2.0\" IssueInstant=\"2026-01-05T09:00:00+02:00\"",
                "",
            ),
            "<x/>".to_owned(),
        ] {
            assert!(
                matches!(parse_authn_request(&bad), Err(PageError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn page_errors_carry_entra_codes_in_the_entra_profile() {
        assert_eq!(
            PageError::UnknownIssuer("x".into()).code(VendorProfile::EntraId),
            "AADSTS700016"
        );
        assert_eq!(
            PageError::ReplyUrlMismatch("x".into()).code(VendorProfile::EntraId),
            "AADSTS50011"
        );
        assert_eq!(
            PageError::MissingRequest.code(VendorProfile::EntraId),
            "AADSTS750054"
        );
        assert_eq!(
            PageError::UnknownIssuer("x".into()).code(VendorProfile::Okta),
            "unknown_issuer"
        );
    }
}
