//! Single logout (R-SA-5, R-SA-9, R-SA-10): the SP's LogoutRequest when a SAML session ends,
//! the IdP's LogoutResponse, and the IdP's own LogoutRequest, on both bindings, each checked
//! for issuer, destination, signature (when the IdP signs them) and replay.

use super::checks::{Check, Checks};
use super::*;
use crate::scope::{Scoped, ScopedWith};

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
    // Signed out at the IdP too: a page that says so, not a password page the mode never uses.
    let next = crate::scope::signed_out_path(account, mode);
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

/// How a logout message arrived: its authentication differs (saml-bindings §3.4.4.1, §3.5.4).
pub(super) enum Arrival<'a> {
    Redirect(&'a redirect::Received),
    Post,
}

pub(super) async fn slo_redirect(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    Scoped { account, mode, .. }: Scoped,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let received = redirect::parse_query(&raw.unwrap_or_default())
        .map_err(|e| ApiError::from(AcsError::Malformed(e.to_string())))?;
    let message = Incoming {
        kind: received.kind,
        text: &received.xml,
        arrival: Arrival::Redirect(&received),
        relay_state: received.relay_state.clone(),
    };
    answer_logout(&state, &headers, &account, mode, message).await
}

#[derive(Debug, Deserialize)]
pub(super) struct SloForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

pub(super) async fn slo_post(
    State(state): State<AppState>,
    ScopedWith {
        account,
        mode,
        headers,
        body: FormBody(form),
        ..
    }: ScopedWith<FormBody<SloForm>>,
) -> Result<Response, ApiError> {
    let decode = |v: &str| {
        saml_post::decode(v).map_err(|e| ApiError::from(AcsError::Malformed(e.to_string())))
    };
    let (kind, text) = match (&form.saml_response, &form.saml_request) {
        (Some(r), None) => (MessageKind::Response, decode(r)?),
        (None, Some(r)) => (MessageKind::Request, decode(r)?),
        _ => {
            return Err(ApiError::from(AcsError::Malformed(
                "exactly one of SAMLRequest and SAMLResponse is expected".into(),
            )));
        }
    };
    let message = Incoming {
        kind,
        text: &text,
        arrival: Arrival::Post,
        relay_state: form.relay_state,
    };
    answer_logout(&state, &headers, &account, mode, message).await
}

/// A logout message as it reached the logout URL.
pub(super) struct Incoming<'a> {
    kind: MessageKind,
    /// The decoded XML.
    text: &'a str,
    arrival: Arrival<'a>,
    relay_state: Option<String>,
}

/// Answers a logout message from the IdP (a LogoutResponse to our request, or its own
/// LogoutRequest), then tells the observer how it was answered (R-VEN-3).
async fn answer_logout(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    mode: ExecutionMode,
    message: Incoming<'_>,
) -> Result<Response, ApiError> {
    let account_c = account.clone();
    let config = state
        .store()
        .call(move |c| load_config(c, &account_c, mode))
        .await?;
    let endpoint = slo_url(state, account, mode);
    let now = state.clock().now();
    let (result, findings) = match &config {
        None => (Err(AcsError::NotConfigured), Vec::new()),
        Some(config) => {
            let certs = config.certificates()?;
            let judged = Judge {
                config,
                certs: &certs,
                slo_url: &endpoint,
                now,
                engine: state.settings().signature_engine,
            };
            let result = match message.kind {
                MessageKind::Response => {
                    logout_response(state, headers, account, mode, &judged, &message).await?
                }
                MessageKind::Request => idp_logout(state, account, mode, &judged, &message).await?,
            };
            // Judged again, every rule recorded, only for an observer's report.
            let findings = if state.observing() {
                judged.report(&message)
            } else {
                Vec::new()
            };
            (result, findings)
        }
    };
    let (kind, name) = match message.kind {
        MessageKind::Response => (observe::Kind::LogoutResponse, "LogoutResponse"),
        MessageKind::Request => (observe::Kind::LogoutRequest, "LogoutRequest"),
    };
    let report = state.observe(&observe::Received {
        account,
        mode,
        kind,
        binding: match message.arrival {
            Arrival::Redirect(_) => observe::Binding::Redirect,
            Arrival::Post => observe::Binding::Post,
        },
        encoded: None,
        xml: Some(message.text),
        config: config.as_ref(),
        endpoint: &endpoint,
        at: now,
        findings,
        refusal: result.as_ref().err(),
    });
    answer(result, report, account, mode, name)
}

/// What a logout message is judged against: the mode's configuration, its IdP certificates
/// (any of them, R-SA-11), its logout URL and the instant.
pub(super) struct Judge<'a> {
    config: &'a SamlConfig,
    certs: &'a [Certificate],
    slo_url: &'a str,
    now: chrono::DateTime<chrono::Utc>,
    engine: sign::Engine,
}

/// What a judged LogoutRequest asks: end the sessions of this NameID (and SessionIndexes).
pub(super) struct LogoutTarget {
    request_id: String,
    name_id: String,
    indexes: Vec<String>,
}

impl Judge<'_> {
    /// Every rule of a LogoutRequest from the IdP, through `checks` (saml-core §3.7.1).
    pub(super) fn logout_request(
        &self,
        text: &str,
        arrival: &Arrival<'_>,
        checks: &mut Checks<AcsError>,
    ) -> Result<LogoutTarget, AcsError> {
        let doc = checks.fatal(Check::LogoutXml, xml::parse(text).map_err(AcsError::from))?;
        let root = doc.root_element();
        self.envelope(root, arrival, "LogoutRequest", checks)?;
        let name_id = checks.value(Check::LogoutNameId, logout_name_id(root), String::new)?;
        let mut indexes = Vec::new();
        checks.check(Check::LogoutSessionIndex, Ok(()))?;
        for n in root
            .children()
            .filter(|c| acs::is(c, s::NS_PROTOCOL, "SessionIndex"))
        {
            indexes.push(checks.value(Check::LogoutSessionIndex, acs::text_of(n), String::new)?);
        }
        Ok(LogoutTarget {
            request_id: root.attribute("ID").unwrap_or_default().to_owned(),
            name_id,
            indexes,
        })
    }

    /// Every rule of a LogoutResponse to the SP's request, through `checks` (saml-core §3.7.2):
    /// the request it answers, which the SP's store then matches.
    pub(super) fn logout_response(
        &self,
        text: &str,
        arrival: &Arrival<'_>,
        checks: &mut Checks<AcsError>,
    ) -> Result<String, AcsError> {
        let doc = checks.fatal(Check::LogoutXml, xml::parse(text).map_err(AcsError::from))?;
        let root = doc.root_element();
        self.envelope(root, arrival, "LogoutResponse", checks)?;
        let in_response_to = checks.value(
            Check::LogoutInResponseTo,
            root.attribute("InResponseTo")
                .map(str::to_owned)
                .ok_or(AcsError::Unsolicited),
            String::new,
        )?;
        let status = acs::child(root, s::NS_PROTOCOL, "Status")
            .and_then(|st| acs::child(st, s::NS_PROTOCOL, "StatusCode"))
            .and_then(|c| c.attribute("Value"))
            .unwrap_or_default();
        checks.check(
            Check::LogoutStatus,
            if status == s::STATUS_SUCCESS {
                Ok(())
            } else {
                Err(AcsError::StatusOther(status.to_owned()))
            },
        )?;
        Ok(in_response_to)
    }

    /// Every rule of `message`, recorded (R-VEN-3).
    fn report(&self, message: &Incoming<'_>) -> Vec<acs::Finding> {
        let mut checks = Checks::every_rule();
        match message.kind {
            MessageKind::Request => {
                let _ = self.logout_request(message.text, &message.arrival, &mut checks);
                checks.into_findings(Check::LOGOUT_REQUEST)
            }
            MessageKind::Response => {
                let _ = self.logout_response(message.text, &message.arrival, &mut checks);
                checks.into_findings(Check::LOGOUT_RESPONSE)
            }
        }
    }

    /// Shape, Issuer, IssueInstant and Destination of a logout message (saml-core §3.2.2,
    /// §3.7), then its authentication (R-SA-10).
    fn envelope(
        &self,
        root: roxmltree::Node<'_, '_>,
        arrival: &Arrival<'_>,
        element: &str,
        checks: &mut Checks<AcsError>,
    ) -> Result<(), AcsError> {
        checks.fatal(
            Check::LogoutElement,
            if acs::is(&root, s::NS_PROTOCOL, element) {
                Ok(())
            } else {
                Err(AcsError::Malformed(format!("not a {element}")))
            },
        )?;
        checks.check(
            Check::LogoutVersion,
            if root.attribute("Version") == Some("2.0") {
                Ok(())
            } else {
                Err(AcsError::WrongVersion)
            },
        )?;
        checks.check(
            Check::LogoutId,
            if root.attribute("ID").is_none_or(str::is_empty) {
                Err(AcsError::Malformed(format!("the {element} has no ID")))
            } else {
                Ok(())
            },
        )?;
        let issuer = acs::child(root, s::NS_ASSERTION, "Issuer")
            .map(acs::text_of)
            .transpose()
            .map(Option::unwrap_or_default);
        let issuer = issuer.and_then(|issuer| {
            if acs::accepted_logout_issuers(&self.config.idp_entity_id).contains(&issuer) {
                Ok(())
            } else {
                Err(AcsError::WrongIssuer(issuer))
            }
        });
        checks.check(Check::LogoutIssuer, issuer)?;
        checks.check(
            Check::LogoutIssueInstant,
            acs::check_issue_instant(root, "logout message", self.now),
        )?;
        checks.check(
            Check::LogoutDestination,
            match root.attribute("Destination") {
                Some(d) if d != self.slo_url => Err(AcsError::WrongDestination(d.to_owned())),
                _ => Ok(()),
            },
        )?;
        checks.check(
            Check::LogoutSignature,
            authenticate_logout(self, root, arrival),
        )
    }
}

/// Authenticates a logout message like a Response (R-SA-10): a signature present must verify
/// with the configured certificate (Redirect: the query signature over the raw octets,
/// saml-bindings §3.4.4.1; POST: the enveloped XML signature on the message itself); an unsigned
/// one passes only when the mode says its IdP does not sign logout messages.
pub(super) fn authenticate_logout(
    judge: &Judge<'_>,
    root: roxmltree::Node<'_, '_>,
    arrival: &Arrival<'_>,
) -> Result<(), AcsError> {
    let (config, certs) = (judge.config, judge.certs);
    let signed = match arrival {
        Arrival::Redirect(received) => {
            // The Redirect binding carries the signature in the query; one inside the XML must
            // have been removed (§3.4.4.1).
            if !sign::check_document(root.document())?.is_empty() {
                return Err(AcsError::SignatureStructure(
                    "an XML Signature inside a Redirect-binding message".into(),
                ));
            }
            match redirect::verify_query_signature_any(received, certs, false) {
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
            let elements = judge.engine.verify_any(root.document(), certs)?;
            let root_id = root.attribute("ID").unwrap_or_default();
            match elements.as_slice() {
                [] => false,
                // IDs are unique in the document, so the root's ID names the message itself.
                [only] if only.id == root_id => true,
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

/// A LogoutResponse (saml-core §3.7.2): authenticated (R-SA-10), the Issuer the IdP (or Entra's
/// login.microsoftonline.com form), Status Success, InResponseTo our outstanding LogoutRequest
/// from this browser.
pub(super) async fn logout_response(
    state: &AppState,
    headers: &HeaderMap,
    account: &AccountId,
    mode: ExecutionMode,
    judge: &Judge<'_>,
    message: &Incoming<'_>,
) -> Result<Result<Response, AcsError>, ApiError> {
    let irt =
        match judge.logout_response(message.text, &message.arrival, &mut Checks::first_failure()) {
            Ok(irt) => irt,
            Err(e) => return Ok(Err(e)),
        };
    let browser =
        session::cookie_value(headers, &request_cookie_name(account, mode)).map(token_hash);
    let now = judge.now;
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
        Err(e) => return Ok(Err(e)),
    };
    tracing::info!(account = %account, mode = %mode, "single logout completed");
    Ok(Ok(Redirect::to(&next).into_response()))
}

/// IdP-initiated single logout (R-SA-9): a LogoutRequest from the IdP, authenticated like any
/// logout message (R-SA-10) and used once, ends every session of this account and mode whose
/// NameID is the request's (exactly as signed) and, when it names SessionIndexes, whose
/// SessionIndex is one of them. The SP answers a LogoutResponse to the IdP's logout URL,
/// signed with the mode's SAML_LOGOUT key when there is one.
pub(super) async fn idp_logout(
    state: &AppState,
    account: &AccountId,
    mode: ExecutionMode,
    judge: &Judge<'_>,
    message: &Incoming<'_>,
) -> Result<Result<Response, AcsError>, ApiError> {
    let LogoutTarget {
        request_id,
        name_id,
        indexes,
    } = match judge.logout_request(message.text, &message.arrival, &mut Checks::first_failure()) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    let config = judge.config;
    let now = judge.now;
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
        Err(e) => return Ok(Err(e)),
    };
    tracing::info!(account = %account, mode = %mode, ended, "IdP-initiated logout");
    let clear = session::clear_cookie(account, mode);
    let Some(logout_url) = config.logout_url.clone() else {
        let body = Json(serde_json::json!({"logged_out": ended}));
        return with_cookie(body.into_response(), &clear).map(Ok);
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
            message.relay_state.as_deref(),
            key.pkey(),
        ),
        None => redirect::query(
            MessageKind::Response,
            &answer,
            message.relay_state.as_deref(),
        ),
    }
    .map_err(|e| ApiError::Internal(format!("encoding the LogoutResponse: {e}")))?;
    let sep = if logout_url.contains('?') { '&' } else { '?' };
    with_cookie(
        Redirect::to(&format!("{logout_url}{sep}{query}")).into_response(),
        &clear,
    )
    .map(Ok)
}

/// The one NameID of a LogoutRequest (saml-core §3.7.1: exactly one identifier), as signed.
pub(super) fn logout_name_id(root: roxmltree::Node<'_, '_>) -> Result<String, AcsError> {
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
