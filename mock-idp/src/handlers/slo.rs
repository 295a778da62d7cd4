//! Single logout at the mock IdP (protocols.md §3.6, §4): LogoutRequests from the SP by the
//! Redirect binding, IdP-initiated logout (`POST /control/logout`), and the signing of logout
//! messages in both directions.

use super::tamper::other_idp;
use super::{
    Arrival, PageError, St, check_request_signature, error_page, log_received, root_name,
    send_post, session_token,
};
use crate::{Direction, Fault, LoggedMessage, Shared, VendorProfile};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use protocol::saml::messages::{Issuer, LogoutRequest, LogoutResponse, NameId, Status};
use protocol::saml::redirect::{self, MessageKind};
use protocol::saml::{self as s, xml};
use serde::Deserialize;
use serde_json::json;

pub(super) async fn slo_redirect(
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
pub(super) fn handle_logout(
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
    let fault = shared.runtime().logout_faults.pop();
    let response = LogoutResponse {
        id: shared.ids.new_id("_"),
        issue_instant: shared.clock.now(),
        destination: Some(if fault == Some(Fault::LogoutDestinationWrong) {
            "https://sp.elsewhere.example/saml/slo".to_owned()
        } else {
            logout_url.clone()
        }),
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
        &protocol::saml::sign::template(id, &shared.signing_key().certificate(), style.dsig),
    );
    let signed = protocol::saml::sign::sign(&with_template, &shared.signing_key())
        .map_err(|e| e.to_string())?;
    Ok(if corrupt {
        corrupt_signature_value(&signed)
    } else {
        signed
    })
}

/// The unsigned `text` with a signed copy of itself (ID `<id>-copy`) in its Extensions, right
/// after the Issuer (saml-core §3.2.1 order: Issuer, Signature, Extensions).
fn wrapped_copy(shared: &Shared, text: &str, id: &str) -> Result<String, String> {
    let copy_id = format!("{id}-copy");
    let copy = text.replacen(&format!("ID=\"{id}\""), &format!("ID=\"{copy_id}\""), 1);
    let signed_copy = sign_logout_xml(shared, &copy, &copy_id, false)?;
    let style = shared.profile.style();
    let close = format!("</{}>", style.a("Issuer"));
    let at = text.find(&close).ok_or("no Issuer")? + close.len();
    let p = style.protocol_prefix;
    Ok(format!(
        "{}<{p}:Extensions>{signed_copy}</{p}:Extensions>{}",
        &text[..at],
        &text[at..]
    ))
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
        let pkey = openssl::pkey::PKey::private_key_from_der(shared.signing_key().key_der())
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
pub(super) fn logout_answer(shared: &Shared, received: &redirect::Received) -> Response {
    shared.log(LoggedMessage {
        direction: Direction::Received,
        binding: "redirect",
        kind: root_name(&received.xml).unwrap_or_default(),
        xml: received.xml.clone(),
        relay_state: received.relay_state.clone(),
        destination: None,
        sig_alg: received.sig_alg.clone(),
    });
    Html(mock_kit::html::page(
        "Signed out",
        "<h1>You signed out of your account</h1>\n<p data-code=\"signed_out\" role=\"status\">\
         You signed out. It's a good idea to close all browser windows.</p>\n",
    ))
    .into_response()
}

/// The LogoutRequest with its NameID replaced by an EncryptedID in the assertion namespace (an
/// opaque cipher value: no SP has its key), the rest of the message unchanged.
fn encrypted_id_instead(request: &str) -> String {
    let Ok(doc) = roxmltree::Document::parse(request) else {
        return request.to_owned();
    };
    let Some(name_id) = doc
        .root_element()
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "NameID")
    else {
        return request.to_owned();
    };
    let range = name_id.range();
    format!(
        "{}<EncryptedID xmlns=\"{}\"><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\">\
         <xenc:CipherData><xenc:CipherValue>bW9jaw==</xenc:CipherValue></xenc:CipherData>\
         </xenc:EncryptedData></EncryptedID>{}",
        &request[..range.start],
        s::NS_ASSERTION,
        &request[range.end..]
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LogoutBody {
    username: String,
    /// `redirect` (the default, as Entra sends) or `post`: the LogoutRequest in an
    /// auto-submitting form, signed in the XML when the app's logout messages are signed.
    #[serde(default)]
    binding: Option<String>,
}

/// IdP-initiated logout, as Entra sends when the user signs out elsewhere (protocols.md §3.6):
/// a LogoutRequest for the user's last sign-in (NameID, SessionIndex) to that app's logout URL,
/// by the Redirect binding. Answers `{"url"}` for the browser to follow. Okta (SP-initiated SLO
/// only) and Google Workspace (no SLO) answer 409.
pub(super) async fn control_logout(State(shared): St, Json(body): Json<LogoutBody>) -> Response {
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
    let request_id = shared.ids.new_id("_");
    let request = LogoutRequest {
        id: request_id.clone(),
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
    let fault = shared.runtime().logout_faults.pop();
    let request = if fault == Some(Fault::LogoutRequestEncryptedId) {
        encrypted_id_instead(&request)
    } else {
        request
    };
    let sign = app.sign_logout.unwrap_or(shared.profile.signs_logout())
        && fault != Some(Fault::LogoutUnsigned);
    let corrupt = fault == Some(Fault::LogoutBadSignature);
    match body.binding.as_deref() {
        None | Some("redirect") => {}
        Some("post") => {
            let text = if fault == Some(Fault::LogoutSignatureWrapped) {
                match wrapped_copy(&shared, &request, &request_id) {
                    Ok(t) => t,
                    Err(e) => return mock_kit::control_error("signing", &e),
                }
            } else if sign || corrupt {
                match sign_logout_xml(&shared, &request, &request_id, corrupt) {
                    Ok(t) => t,
                    Err(e) => return mock_kit::control_error("signing", &e),
                }
            } else {
                request.clone()
            };
            let page = send_post(&shared, &logout_url, &text, None);
            let html = match axum::body::to_bytes(page.into_body(), 1024 * 1024).await {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => return mock_kit::control_error("encoding", e.to_string()),
            };
            return Json(json!({ "form": html })).into_response();
        }
        Some(other) => {
            return mock_kit::control_error(
                "unknown_binding",
                format!("binding {other:?}: redirect or post"),
            );
        }
    }
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
