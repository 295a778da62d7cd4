//! Single sign-on at the mock IdP: the AuthnRequest as Entra reads it (protocols.md §3.2-3.3,
//! §4 for Okta and Google Workspace), the login form, and the signed Response of §3.4-3.5 posted
//! to the ACS (with the next queued fault applied by [`super::tamper`]).

use super::slo::{handle_logout, logout_answer};
use super::tamper::{Edit, apply_fault, xml_edit};
use super::{
    Arrival, PageError, St, check_request_signature, error_page, find_user, log_received,
    root_name, send_post, session_user,
};
use crate::config::{IdpUser, RegisteredApp};
use crate::{Pending, Shared, VendorProfile};
use axum::extract::{Form, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use protocol::saml::messages::{Issuer, Response as SamlResponse, Signing, Status};
use protocol::saml::redirect::{self, MessageKind};
use protocol::saml::{self as s, post as saml_post, xml};
use serde::Deserialize;

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

pub(super) async fn sso_redirect(
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
pub(super) struct PostForm {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

pub(super) async fn sso_post(
    State(shared): St,
    headers: HeaderMap,
    Form(form): Form<PostForm>,
) -> Response {
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
                "<p class=\"error\" role=\"alert\" data-code=\"invalid_credentials\">{}</p>\n",
                xml::text(m)
            )
        })
        .unwrap_or_default();
    let body = mock_kit::html::page(
        "Sign in",
        &format!(
            "<h1>Sign in to your account</h1>\n<p>Mock {} IdP</p>\n{error}\
         <form method=\"post\" action=\"{}\">\n\
         <input type=\"hidden\" name=\"pending\" value=\"{pending}\">\n\
         <label>Username <input name=\"username\" autocomplete=\"username\"></label>\n\
         <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>\n\
         <button type=\"submit\">Sign in</button>\n</form>\n",
            shared.profile.name(),
            xml::attr(&shared.url("/login")),
        ),
    );
    Html(body).into_response()
}

#[derive(Debug, Deserialize)]
pub(super) struct LoginForm {
    pending: String,
    username: String,
    password: String,
}

pub(super) async fn login_submit(State(shared): St, Form(form): Form<LoginForm>) -> Response {
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
    let mut response = crate::Answer {
        profile,
        tenant: &shared.tenant,
        user,
        audience: &app.identifier,
        acs,
        request_id: &request.id,
        name_id_format: request.name_id_format.as_deref(),
    }
    .response(shared.ids.as_ref(), now);
    let assertion_id_for_logout = response
        .assertion
        .as_ref()
        .map(|a| a.id.clone())
        .unwrap_or_default();
    let mut signing = app.signing.unwrap_or_else(|| profile.default_signing());
    let mut key = shared.signing_key();
    let mut edit = Edit::None;
    if let Some(fault) = fault {
        apply_fault(fault, &mut response, &mut signing, &mut key, now);
        edit = xml_edit(fault, &response.issuer.value, &app.identifier, now);
    }
    let signed = match &edit {
        Edit::BeforeSigning(f) => response.to_xml_edited(&profile.style(), signing, &key, f),
        _ => response.to_xml(&profile.style(), signing, &key),
    };
    let asserted = signed.as_deref().ok().and_then(asserted_name_id);
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
    // The replays send what was sent before (or its assertion); without an earlier Response
    // there is nothing to replay, and the fresh one goes.
    let previous = {
        let mut rt = shared.runtime();
        rt.last_asserted = asserted;
        rt.last_response.replace(text.clone())
    };
    let text = match (fault, previous) {
        (Some(crate::Fault::ReplayPreviousResponse), Some(previous)) => previous,
        (Some(crate::Fault::AssertionRewrapped), Some(previous)) => {
            super::tamper::rewrap(&previous, &text).unwrap_or(text)
        }
        _ => text,
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

/// The first assertion's Subject NameID as an XML signature sees it: its text nodes joined, so
/// a comment inside is dropped and a character reference resolved (xml-exc-c14n). `None` for a
/// document this parser refuses (a DTD) or an assertion without a direct NameID.
fn asserted_name_id(xml: &str) -> Option<String> {
    use protocol::saml::NS_ASSERTION;
    let doc = roxmltree::Document::parse(xml).ok()?;
    fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
        n.children()
            .find(|c| c.tag_name().namespace() == Some(NS_ASSERTION) && c.tag_name().name() == name)
    }
    let assertion = doc.descendants().find(|n| {
        n.tag_name().namespace() == Some(NS_ASSERTION) && n.tag_name().name() == "Assertion"
    })?;
    let name_id = child(child(assertion, "Subject")?, "NameID")?;
    Some(
        name_id
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect(),
    )
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
    match response.to_xml(
        &shared.profile.style(),
        Signing::Unsigned,
        &shared.signing_key(),
    ) {
        Ok(text) => send_post(shared, acs, &text, relay_state),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
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
    fn the_asserted_name_id_is_read_as_a_signature_reads_it() {
        let response = |name_id: &str| {
            format!(
                "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"><Assertion><Subject><NameID>{name_id}</NameID></Subject></Assertion><Assertion><Subject><NameID>second@x</NameID></Subject></Assertion></samlp:Response>"
            )
        };
        let read = |n: &str| asserted_name_id(&response(n));
        assert_eq!(read("b@x").as_deref(), Some("b@x"));
        // Comments and PIs are not text; references are resolved: what c14n signs.
        assert_eq!(read("b@x<!---->.evil").as_deref(), Some("b@x.evil"));
        assert_eq!(read("b@x<?pi?>.evil").as_deref(), Some("b@x.evil"));
        assert_eq!(read("b@x&#13;").as_deref(), Some("b@x\r"));
        assert_eq!(read(" b@x ").as_deref(), Some(" b@x "));
        let dtd = format!("<!DOCTYPE r [<!ENTITY e \"x\">]>{}", response("b@x"));
        assert_eq!(asserted_name_id(&dtd), None);
        assert_eq!(asserted_name_id("<Assertion/>"), None);
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
