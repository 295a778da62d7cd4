//! The Assertion Consumer Service's checks on a SAML Response: every rule of the Web Browser SSO
//! profile (saml-profiles-2.0-os §4.1.4.2, §4.1.4.3, §4.1.4.5) and of saml-core-2.0-os §2-3 that
//! applies, applied here rather than left to samael (which skips several; ARCHITECTURE.md).
//!
//! Every value the SP acts on is read exactly as signed: the text of an element is all of its
//! text children joined, never trimmed, and an identifier that needs cleaning is refused, not
//! normalised. Comments inside signed content are refused outright (`sign::check_document`).
//!
//! [`validate`] is pure: given the message, this mode's configuration, the ACS URL and the time,
//! it returns the facts of the assertion or the one rule broken. What needs the store (the
//! outstanding request bound to this browser, the replay cache, the user) is the caller's.

pub use super::checks::Check;
use super::checks::Checks;
use crate::store::saml::SamlConfig;
use chrono::{DateTime, Duration, Utc};
use protocol::keys::Certificate;
use protocol::saml::sign::{self, SignError};
use protocol::saml::{self as s, post, xml};
use roxmltree::Node;

/// Clock skew tolerated on every time comparison (Entra adds none of its own).
pub const SKEW: Duration = Duration::seconds(120);

/// How long an AuthnRequest or LogoutRequest waits for its answer (R-SA-6).
pub const REQUEST_LIFETIME: Duration = Duration::minutes(10);

/// One rule's result in a report.
pub type Finding = super::checks::Finding<AcsError>;
pub type Outcome = super::checks::Outcome<AcsError>;

/// Why a Response is refused; each variant has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcsError {
    #[error("the SAMLResponse is not a well-formed message: {0}")]
    Malformed(String),
    #[error("XML with a DTD is refused")]
    Dtd,
    #[error("the XML declaration names the encoding {0:?}; only UTF-8 is accepted")]
    NotUtf8(String),
    #[error("the message is not a samlp:Response")]
    NotAResponse,
    #[error("Version must be 2.0")]
    WrongVersion,
    #[error("SAML is not configured for this mode")]
    NotConfigured,
    #[error("the Issuer {0:?} is not the configured identity provider")]
    WrongIssuer(String),
    #[error("the identity provider refused the sign-in (Requester): {0}")]
    StatusRequester(String),
    #[error("the identity provider failed the sign-in (Responder): {0}")]
    StatusResponder(String),
    #[error("the identity provider answered status {0}")]
    StatusOther(String),
    #[error("Destination {0:?} is not this ACS")]
    WrongDestination(String),
    #[error("an unsolicited Response (no InResponseTo): only SP-initiated sign-in is supported")]
    Unsolicited,
    #[error("a Response must carry exactly one Assertion, found {0}")]
    AssertionCount(usize),
    #[error("encrypted assertions are not supported")]
    EncryptedAssertion,
    #[error("neither the Response nor the Assertion is signed")]
    Unsigned,
    #[error("the signature does not verify with the configured certificate")]
    BadSignature,
    #[error("signature algorithm not allowed: {0}")]
    SignatureAlgorithm(String),
    #[error("signature structure refused: {0}")]
    SignatureStructure(String),
    #[error("comments and processing instructions are refused inside the signed {0}")]
    CommentInSignedContent(String),
    #[error("the Subject has no NameID")]
    MissingNameId,
    #[error("the Subject must carry exactly one identifier (NameID), found {0}")]
    SubjectIdentifierCount(usize),
    #[error("subject identifier {0} is not supported; a NameID is required")]
    UnsupportedIdentifier(String),
    #[error("the NameID's {0} does not name this service provider or identity provider")]
    NameIdQualifier(String),
    #[error("Issuer Format {0:?} is not the entity format")]
    IssuerFormat(String),
    #[error("the {0} was issued in the future")]
    IssuedInFuture(&'static str),
    #[error("the {0} was issued too long ago")]
    IssuedTooLongAgo(&'static str),
    #[error("the identity provider's session (SessionNotOnOrAfter) has already ended")]
    SessionExpired,
    #[error("the logout message is unsigned, and this mode's IdP signs logout messages")]
    LogoutUnsigned,
    #[error("NameID format {0:?} is not the configured format")]
    NameIdFormat(String),
    #[error("the NameID {0:?} is not an email address")]
    NameIdNotEmail(String),
    #[error("no bearer SubjectConfirmation")]
    NoBearerConfirmation,
    #[error("SubjectConfirmationData Recipient {0:?} is not this ACS")]
    WrongRecipient(String),
    #[error("InResponseTo {0:?} does not match the request")]
    WrongInResponseTo(String),
    #[error("the SubjectConfirmationData has expired or has no NotOnOrAfter")]
    ConfirmationExpired,
    #[error("a bearer SubjectConfirmationData must not carry NotBefore")]
    ConfirmationNotBefore,
    #[error("the assertion is not valid yet")]
    NotYetValid,
    #[error("the assertion has expired")]
    Expired,
    #[error("the assertion is not addressed to this service provider (its Audience: {0})")]
    WrongAudience(String),
    #[error("the assertion has no AuthnStatement")]
    MissingAuthnStatement,
    #[error("this assertion was already used")]
    Replayed,
    #[error("InResponseTo names no request this service provider sent")]
    UnknownRequest,
    #[error("the request was started in another browser")]
    RequestOtherBrowser,
    #[error(
        "the browser did not send the cookie its sign-in started with: the Response was carried \
         to another browser, or this browser dropped the cookie, as browsers do on a cross-site \
         POST when the SP is served over plain HTTP (serve the SP over HTTPS, or the SP and the \
         IdP from one site)"
    )]
    RequestCookieMissing,
    #[error("the request has expired; start again")]
    RequestExpired,
    #[error("this request was already answered")]
    RequestUsed,
    #[error("no user with this email in the account")]
    UnknownUser,
}

impl crate::error::Refusal for AcsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "saml_malformed",
            Self::Dtd => "saml_dtd",
            Self::NotUtf8(_) => "saml_encoding_not_utf8",
            Self::NotAResponse => "saml_not_a_response",
            Self::WrongVersion => "saml_wrong_version",
            Self::NotConfigured => "saml_not_configured",
            Self::WrongIssuer(_) => "saml_wrong_issuer",
            Self::StatusRequester(_) => "saml_status_requester",
            Self::StatusResponder(_) => "saml_status_responder",
            Self::StatusOther(_) => "saml_status_error",
            Self::WrongDestination(_) => "saml_wrong_destination",
            Self::Unsolicited => "saml_unsolicited_response",
            Self::AssertionCount(_) => "saml_assertion_count",
            Self::EncryptedAssertion => "saml_encrypted_assertion",
            Self::Unsigned => "saml_unsigned",
            Self::BadSignature => "saml_bad_signature",
            Self::SignatureAlgorithm(_) => "saml_signature_algorithm",
            Self::SignatureStructure(_) => "saml_signature_structure",
            Self::CommentInSignedContent(_) => "saml_xml_comment",
            Self::MissingNameId => "saml_missing_name_id",
            Self::SubjectIdentifierCount(_) => "saml_subject_identifier_count",
            Self::UnsupportedIdentifier(_) => "saml_unsupported_identifier",
            Self::NameIdQualifier(_) => "saml_name_id_qualifier",
            Self::IssuerFormat(_) => "saml_issuer_format",
            Self::IssuedInFuture(_) => "saml_issue_instant_future",
            Self::IssuedTooLongAgo(_) => "saml_issue_instant_stale",
            Self::SessionExpired => "saml_session_expired",
            Self::LogoutUnsigned => "saml_logout_unsigned",
            Self::NameIdFormat(_) => "saml_name_id_format",
            Self::NameIdNotEmail(_) => "saml_name_id_not_email",
            Self::NoBearerConfirmation => "saml_no_bearer_confirmation",
            Self::WrongRecipient(_) => "saml_wrong_recipient",
            Self::WrongInResponseTo(_) => "saml_wrong_in_response_to",
            Self::ConfirmationExpired => "saml_confirmation_expired",
            Self::ConfirmationNotBefore => "saml_confirmation_not_before",
            Self::NotYetValid => "saml_not_yet_valid",
            Self::Expired => "saml_expired",
            Self::WrongAudience(_) => "saml_wrong_audience",
            Self::MissingAuthnStatement => "saml_missing_authn_statement",
            Self::Replayed => "saml_replayed_assertion",
            Self::UnknownRequest => "saml_unknown_request",
            Self::RequestOtherBrowser => "saml_request_other_browser",
            Self::RequestCookieMissing => "saml_request_cookie_missing",
            Self::RequestExpired => "saml_request_expired",
            Self::RequestUsed => "saml_request_used",
            Self::UnknownUser => "saml_unknown_user",
        }
    }

    /// A message that cannot be read is a bad request; one that breaks a rule is forbidden.
    fn status(&self) -> axum::http::StatusCode {
        match self {
            Self::Malformed(_) | Self::Dtd => axum::http::StatusCode::BAD_REQUEST,
            _ => axum::http::StatusCode::FORBIDDEN,
        }
    }
}

impl From<xml::XmlError> for AcsError {
    fn from(e: xml::XmlError) -> Self {
        match e {
            xml::XmlError::Dtd => Self::Dtd,
            xml::XmlError::Encoding(enc) => Self::NotUtf8(enc),
            other => Self::Malformed(other.to_string()),
        }
    }
}

impl From<SignError> for AcsError {
    fn from(e: SignError) -> Self {
        match e {
            SignError::Xml(x) => x.into(),
            SignError::InvalidSignature => Self::BadSignature,
            SignError::UnsupportedAlgorithm(alg) => Self::SignatureAlgorithm(alg),
            SignError::CommentInSignedContent(element) => Self::CommentInSignedContent(element),
            other => Self::SignatureStructure(other.to_string()),
        }
    }
}

/// What a valid Response establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedAssertion {
    pub in_response_to: String,
    pub assertion_id: String,
    pub name_id: String,
    pub name_id_format: String,
    pub session_index: Option<String>,
    /// The IdP's `SessionNotOnOrAfter`: the SP session must end by then.
    pub session_not_on_or_after: Option<DateTime<Utc>>,
    /// Attributes in document order: name and values.
    pub attributes: Vec<(String, Vec<String>)>,
    /// Until when the assertion ID must be remembered against replay.
    pub remember_until: DateTime<Utc>,
}

impl ValidatedAssertion {
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// An element named `name` in the namespace `ns` (shared with single logout).
pub(super) fn is(node: &Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(ns) && node.tag_name().name() == name
}

/// The first child element named `name` in `ns` (shared with single logout).
pub(super) fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| is(c, ns, name))
}

/// The text of a value element exactly as signed: all its text children joined, nothing
/// trimmed. A child element is refused: these elements hold text only.
pub fn text_of(node: Node<'_, '_>) -> Result<String, AcsError> {
    let mut out = String::new();
    for c in node.children() {
        if c.is_element() {
            return Err(AcsError::Malformed(format!(
                "{} must hold text only",
                node.tag_name().name()
            )));
        }
        if c.is_text() {
            out.push_str(c.text().unwrap_or_default());
        }
    }
    Ok(out)
}

/// An Issuer (Response or Assertion): no Format or the entity format (saml-profiles §4.1.4.2),
/// and exactly the configured entity ID.
fn check_issuer(issuer: Node<'_, '_>, expected: &str) -> Result<(), AcsError> {
    if let Some(format) = issuer.attribute("Format")
        && format != s::NAMEID_ENTITY
    {
        return Err(AcsError::IssuerFormat(format.to_owned()));
    }
    let value = text_of(issuer)?;
    if value != expected {
        return Err(AcsError::WrongIssuer(value));
    }
    Ok(())
}

/// `IssueInstant` (required, saml-core §3.2.2 and §2.3.3): not ahead of now beyond the skew and
/// not older than an outstanding request can be.
pub(super) fn check_issue_instant(
    node: Node<'_, '_>,
    what: &'static str,
    now: DateTime<Utc>,
) -> Result<(), AcsError> {
    let issued = time(node, "IssueInstant")?
        .ok_or_else(|| AcsError::Malformed(format!("the {what} has no IssueInstant")))?;
    if issued > now + SKEW {
        return Err(AcsError::IssuedInFuture(what));
    }
    if issued < now - REQUEST_LIFETIME - SKEW {
        return Err(AcsError::IssuedTooLongAgo(what));
    }
    Ok(())
}

fn time(node: Node<'_, '_>, attr: &str) -> Result<Option<DateTime<Utc>>, AcsError> {
    match node.attribute(attr) {
        None => Ok(None),
        Some(raw) => s::parse_instant(raw)
            .map(Some)
            .ok_or_else(|| AcsError::Malformed(format!("{attr} is not a UTC xs:dateTime"))),
    }
}

/// The IdP issuers accepted for this configuration: the entity ID and, for Entra ID, the
/// `login.microsoftonline.com` form it writes on LogoutResponses (protocols.md §3.6).
pub fn accepted_logout_issuers(idp_entity_id: &str) -> Vec<String> {
    let mut out = vec![idp_entity_id.to_owned()];
    if let Some(tenant) = idp_entity_id
        .strip_prefix("https://sts.windows.net/")
        .map(|t| t.trim_end_matches('/'))
        && !tenant.is_empty()
    {
        out.push(format!("https://login.microsoftonline.com/{tenant}/"));
    }
    out
}

/// Decodes the POSTed value and checks the Response. `certs` are the configured IdP
/// certificates: a signature that verifies with any of them is the IdP's (R-SA-11).
/// The first broken rule is the answer.
pub fn validate(
    encoded: &str,
    config: &SamlConfig,
    certs: &[Certificate],
    acs_url: &str,
    now: DateTime<Utc>,
) -> Result<ValidatedAssertion, AcsError> {
    validate_with(sign::Engine::Native, encoded, config, certs, acs_url, now)
}

/// [`validate`] with signatures checked by `engine` (the SP's `Settings::signature_engine`).
pub fn validate_with(
    engine: sign::Engine,
    encoded: &str,
    config: &SamlConfig,
    certs: &[Certificate],
    acs_url: &str,
    now: DateTime<Utc>,
) -> Result<ValidatedAssertion, AcsError> {
    let mut checks = Checks::first_failure();
    judge(encoded, config, certs, acs_url, now, engine, &mut checks)
}

/// The same checks as [`validate`], each recorded (R-VEN-1): every rule the message lets the
/// run reach is passed or failed, the rest not checked. The ACS's answer would be the first
/// failure. When the signature fails, the checks after it read the unsigned envelope, which the
/// ACS never does; the report says so by the signature's failure.
pub fn report(
    encoded: &str,
    config: &SamlConfig,
    certs: &[Certificate],
    acs_url: &str,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let mut checks = Checks::every_rule();
    let _ = judge(
        encoded,
        config,
        certs,
        acs_url,
        now,
        sign::Engine::Native,
        &mut checks,
    );
    checks.into_findings(Check::ALL)
}

/// Every rule, in order, through `checks`: the ACS's run stops at the first failure; a report's
/// goes on wherever the message still allows (`checks.value` fallbacks; `fatal` ends both).
fn judge(
    encoded: &str,
    config: &SamlConfig,
    certs: &[Certificate],
    acs_url: &str,
    now: DateTime<Utc>,
    engine: sign::Engine,
    checks: &mut Checks<AcsError>,
) -> Result<ValidatedAssertion, AcsError> {
    let text = checks.fatal(
        Check::Decoding,
        post::decode(encoded).map_err(|e| AcsError::Malformed(e.to_string())),
    )?;
    // The encoding declaration is judged first of all (xml::parse): what libxml2 verifies must
    // be the text read here.
    let doc = checks.fatal(
        Check::WellFormedXml,
        xml::parse(&text).map_err(AcsError::from),
    )?;
    let root = doc.root_element();
    checks.fatal(
        Check::IsResponse,
        if is(&root, s::NS_PROTOCOL, "Response") {
            Ok(())
        } else {
            Err(AcsError::NotAResponse)
        },
    )?;
    checks.check(Check::ResponseVersion, version(root))?;
    // The Response's own Issuer is optional (§3.2.2) but, when present, must be the IdP.
    checks.check(
        Check::ResponseIssuer,
        child(root, s::NS_ASSERTION, "Issuer")
            .map_or(Ok(()), |issuer| check_issuer(issuer, &config.idp_entity_id)),
    )?;
    checks.check(
        Check::ResponseIssueInstant,
        check_issue_instant(root, "Response", now),
    )?;
    let in_response_to = root.attribute("InResponseTo").map(str::to_owned);
    checks.fatal(Check::Status, status(root))?;
    // Destination is required: Entra, Okta and Google always send it, and a signed Response
    // must carry it (saml-bindings-2.0-os §3.5.5.2).
    checks.check(
        Check::Destination,
        match root.attribute("Destination") {
            Some(d) if d == acs_url => Ok(()),
            other => Err(AcsError::WrongDestination(
                other.unwrap_or_default().to_owned(),
            )),
        },
    )?;
    let in_response_to = checks.value(
        Check::InResponseTo,
        in_response_to.ok_or(AcsError::Unsolicited),
        String::new,
    )?;
    checks.fatal(
        Check::NotEncrypted,
        if doc
            .descendants()
            .any(|n| is(&n, s::NS_ASSERTION, "EncryptedAssertion"))
        {
            Err(AcsError::EncryptedAssertion)
        } else {
            Ok(())
        },
    )?;
    // Exactly one assertion in the whole document, a direct child of the Response: an extra one
    // anywhere (samael would silently drop it) is a wrapping attempt.
    let assertions: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|n| is(n, s::NS_ASSERTION, "Assertion"))
        .collect();
    let envelope_assertion = checks.fatal(
        Check::OneAssertion,
        match assertions.as_slice() {
            [only] if only.parent_element() == Some(root) => Ok(*only),
            _ => Err(AcsError::AssertionCount(assertions.len())),
        },
    )?;
    let response_id = root.attribute("ID").unwrap_or_default();
    let assertion_id = checks.fatal(
        Check::AssertionId,
        envelope_assertion
            .attribute("ID")
            .ok_or_else(|| AcsError::Malformed("the Assertion has no ID".into())),
    )?;

    // Signatures: shape first, then crypto against the configured certificate only, over the
    // nodes of `doc` itself: the assertion read below is the one whose bytes were verified.
    // Only a report goes on past a failure here (and then reads an unsigned assertion).
    checks.check(
        Check::Signature,
        signed_elements(engine, &doc, certs, response_id, assertion_id),
    )?;
    let assertion = envelope_assertion;

    checks.check(Check::AssertionVersion, version(assertion))?;
    checks.check(
        Check::AssertionIssuer,
        match child(assertion, s::NS_ASSERTION, "Issuer") {
            Some(issuer) => check_issuer(issuer, &config.idp_entity_id),
            None => Err(AcsError::WrongIssuer(String::new())),
        },
    )?;
    checks.check(
        Check::AssertionIssueInstant,
        check_issue_instant(assertion, "Assertion", now),
    )?;

    // Subject and NameID (the login, R-SA-4): exactly one identifier, a NameID, used as signed.
    let subject = child(assertion, s::NS_ASSERTION, "Subject");
    let name_id_node = checks.value(
        Check::Subject,
        subject
            .ok_or(AcsError::MissingNameId)
            .and_then(subject_name_id)
            .and_then(|n| {
                let text = text_of(n)?;
                if text.is_empty() {
                    return Err(AcsError::MissingNameId);
                }
                Ok(Some((n, text)))
            }),
        || None,
    )?;
    let (name_id, format) = match name_id_node {
        Some((node, name_id)) => {
            let format = node.attribute("Format").unwrap_or(s::NAMEID_UNSPECIFIED);
            checks.check(
                Check::NameIdFormat,
                if format == config.name_id_format {
                    Ok(())
                } else {
                    Err(AcsError::NameIdFormat(format.to_owned()))
                },
            )?;
            checks.check(Check::NameIdQualifiers, qualifiers(node, config))?;
            checks.check(
                Check::NameIdIsEmail,
                if format == s::NAMEID_EMAIL && crate::domain::Email::parse(&name_id).is_err() {
                    Err(AcsError::NameIdNotEmail(name_id.clone()))
                } else {
                    Ok(())
                },
            )?;
            (name_id, format)
        }
        None => (String::new(), s::NAMEID_UNSPECIFIED),
    };

    // Conditions (§2.5.1): time window and an AudienceRestriction naming us. The profile
    // requires the restriction (§4.1.4.2), so its absence is refused too.
    let conditions = checks.value(
        Check::Audience,
        child(assertion, s::NS_ASSERTION, "Conditions")
            .map(Some)
            .ok_or_else(|| AcsError::WrongAudience("none: the Assertion has no Conditions".into())),
        || None,
    )?;
    let mut not_on_or_after = None;
    if let Some(conditions) = conditions {
        checks.check(
            Check::NotBefore,
            time(conditions, "NotBefore").and_then(|nb| match nb {
                Some(nb) if now + SKEW < nb => Err(AcsError::NotYetValid),
                _ => Ok(()),
            }),
        )?;
        not_on_or_after = checks.value(
            Check::NotOnOrAfter,
            time(conditions, "NotOnOrAfter").and_then(|noa| match noa {
                Some(noa) if now >= noa + SKEW => Err(AcsError::Expired),
                other => Ok(other),
            }),
            || None,
        )?;
        checks.check(Check::Audience, audience(conditions, config))?;
    }

    // Bearer confirmation (§4.1.4.2): Recipient = ACS, NotOnOrAfter in the future, no NotBefore,
    // InResponseTo = the request.
    let confirmation_until = checks.value(
        Check::BearerConfirmation,
        match subject {
            Some(subject) => bearer_confirmation(subject, acs_url, &in_response_to, now),
            None => Err(AcsError::NoBearerConfirmation),
        },
        || now,
    )?;

    let authn = checks.value(
        Check::AuthnStatement,
        child(assertion, s::NS_ASSERTION, "AuthnStatement")
            .map(Some)
            .ok_or(AcsError::MissingAuthnStatement),
        || None,
    )?;
    let session_index = authn.and_then(|a| a.attribute("SessionIndex").map(str::to_owned));
    let session_not_on_or_after = checks.value(
        Check::SessionNotOnOrAfter,
        session_end(assertion, now),
        || None,
    )?;
    let attributes = checks.value(Check::Attributes, attributes(assertion), Vec::new)?;

    Ok(ValidatedAssertion {
        in_response_to,
        assertion_id: assertion_id.to_owned(),
        name_id,
        name_id_format: format.to_owned(),
        session_index,
        session_not_on_or_after,
        attributes,
        remember_until: not_on_or_after
            .unwrap_or(confirmation_until)
            .max(confirmation_until)
            + SKEW,
    })
}

fn version(node: Node<'_, '_>) -> Result<(), AcsError> {
    if node.attribute("Version") == Some("2.0") {
        Ok(())
    } else {
        Err(AcsError::WrongVersion)
    }
}

/// The Status must be Success; otherwise the IdP's refusal, with its message.
fn status(root: Node<'_, '_>) -> Result<(), AcsError> {
    let status = child(root, s::NS_PROTOCOL, "Status");
    let code = status
        .and_then(|st| child(st, s::NS_PROTOCOL, "StatusCode"))
        .and_then(|c| c.attribute("Value"))
        .unwrap_or_default();
    if code == s::STATUS_SUCCESS {
        return Ok(());
    }
    let message = status
        .and_then(|st| child(st, s::NS_PROTOCOL, "StatusMessage"))
        .and_then(|m| m.text())
        .unwrap_or_default()
        .to_owned();
    Err(match code {
        s::STATUS_REQUESTER => AcsError::StatusRequester(message),
        s::STATUS_RESPONDER => AcsError::StatusResponder(message),
        other => AcsError::StatusOther(other.to_owned()),
    })
}

/// Verifies the signatures, which must cover the Response or this Assertion.
fn signed_elements(
    engine: sign::Engine,
    doc: &roxmltree::Document<'_>,
    certs: &[Certificate],
    response_id: &str,
    assertion_id: &str,
) -> Result<(), AcsError> {
    let signed = engine.verify_any(doc, certs)?;
    // IDs are unique in the document (`check_document`), so an ID names one element: the
    // signature must cover the root Response or this Assertion. (Comparing element names too
    // would add nothing a scenario could tell apart; cargo-mutants showed it.)
    let covers_assertion = signed
        .iter()
        .any(|e| e.id == response_id || e.id == assertion_id);
    if !covers_assertion {
        return Err(AcsError::Unsigned);
    }
    Ok(())
}

/// Qualifiers, when present, must name the two parties of this sign-in (saml-core §2.2.2).
fn qualifiers(name_id: Node<'_, '_>, config: &SamlConfig) -> Result<(), AcsError> {
    if name_id
        .attribute("SPNameQualifier")
        .is_some_and(|q| q != config.sp_entity_id)
    {
        return Err(AcsError::NameIdQualifier("SPNameQualifier".into()));
    }
    if name_id
        .attribute("NameQualifier")
        .is_some_and(|q| q != config.idp_entity_id)
    {
        return Err(AcsError::NameIdQualifier("NameQualifier".into()));
    }
    Ok(())
}

/// Every AudienceRestriction must name us (§2.5.1.4: they are ANDed), and there must be one.
fn audience(conditions: Node<'_, '_>, config: &SamlConfig) -> Result<(), AcsError> {
    let restrictions: Vec<Node<'_, '_>> = conditions
        .children()
        .filter(|c| is(c, s::NS_ASSERTION, "AudienceRestriction"))
        .collect();
    if restrictions.is_empty()
        || !restrictions.iter().all(|r| {
            r.children()
                .filter(|a| is(a, s::NS_ASSERTION, "Audience"))
                .any(|a| text_of(a).is_ok_and(|v| v == config.sp_entity_id))
        })
    {
        let found: Vec<String> = restrictions
            .iter()
            .flat_map(|r| r.children().filter(|a| is(a, s::NS_ASSERTION, "Audience")))
            .map(|a| format!("{:?}", text_of(a).unwrap_or_default()))
            .collect();
        return Err(AcsError::WrongAudience(if found.is_empty() {
            "none".into()
        } else {
            found.join(", ")
        }));
    }
    Ok(())
}

/// The first bearer SubjectConfirmation that meets every rule; its NotOnOrAfter. None meeting
/// them: the last one's reason.
fn bearer_confirmation(
    subject: Node<'_, '_>,
    acs_url: &str,
    in_response_to: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, AcsError> {
    let mut last_error = AcsError::NoBearerConfirmation;
    for sc in subject
        .children()
        .filter(|c| is(c, s::NS_ASSERTION, "SubjectConfirmation"))
        .filter(|c| c.attribute("Method") == Some(s::CM_BEARER))
    {
        let Some(data) = child(sc, s::NS_ASSERTION, "SubjectConfirmationData") else {
            last_error = AcsError::ConfirmationExpired;
            continue;
        };
        let check = || -> Result<DateTime<Utc>, AcsError> {
            let recipient = data.attribute("Recipient").unwrap_or_default();
            if recipient != acs_url {
                return Err(AcsError::WrongRecipient(recipient.to_owned()));
            }
            if data.attribute("NotBefore").is_some() {
                return Err(AcsError::ConfirmationNotBefore);
            }
            let until = time(data, "NotOnOrAfter")?.ok_or(AcsError::ConfirmationExpired)?;
            if now >= until + SKEW {
                return Err(AcsError::ConfirmationExpired);
            }
            let irt = data.attribute("InResponseTo").unwrap_or_default();
            if irt != in_response_to {
                return Err(AcsError::WrongInResponseTo(irt.to_owned()));
            }
            Ok(until)
        };
        match check() {
            Ok(until) => return Ok(until),
            Err(e) => last_error = e,
        }
    }
    Err(last_error)
}

/// The earliest SessionNotOnOrAfter of all AuthnStatements bounds the SP session
/// (saml-core §2.7.2); one already past refuses the sign-in.
fn session_end(
    assertion: Node<'_, '_>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, AcsError> {
    let mut session_not_on_or_after: Option<DateTime<Utc>> = None;
    for st in assertion
        .children()
        .filter(|c| is(c, s::NS_ASSERTION, "AuthnStatement"))
    {
        if let Some(t) = time(st, "SessionNotOnOrAfter")? {
            session_not_on_or_after = Some(session_not_on_or_after.map_or(t, |u| u.min(t)));
        }
    }
    if session_not_on_or_after.is_some_and(|t| t <= now) {
        return Err(AcsError::SessionExpired);
    }
    Ok(session_not_on_or_after)
}

/// Attributes in document order, each with its values as text.
fn attributes(assertion: Node<'_, '_>) -> Result<Vec<(String, Vec<String>)>, AcsError> {
    Ok(child(assertion, s::NS_ASSERTION, "AttributeStatement")
        .map(|st| {
            st.children()
                .filter(|c| is(c, s::NS_ASSERTION, "Attribute"))
                .map(|a| {
                    let values = a
                        .children()
                        .filter(|v| is(v, s::NS_ASSERTION, "AttributeValue"))
                        .map(text_of)
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok((a.attribute("Name").unwrap_or_default().to_owned(), values))
                })
                .collect::<Result<Vec<_>, AcsError>>()
        })
        .transpose()?
        .unwrap_or_default())
}

/// The Subject's one identifier (saml-core §2.4.1: a choice of BaseID, NameID or EncryptedID),
/// which must be a NameID. An identifier inside a SubjectConfirmation counts too: a bearer
/// confirmation confirms the subject itself, so a second name there is ambiguity, refused.
fn subject_name_id<'a, 'i>(subject: Node<'a, 'i>) -> Result<Node<'a, 'i>, AcsError> {
    let identifier = |n: &Node<'_, '_>| {
        n.is_element()
            && n.tag_name().namespace() == Some(s::NS_ASSERTION)
            && matches!(n.tag_name().name(), "BaseID" | "NameID" | "EncryptedID")
    };
    let direct: Vec<Node<'a, 'i>> = subject.children().filter(identifier).collect();
    let in_confirmations = subject
        .children()
        .filter(|c| is(c, s::NS_ASSERTION, "SubjectConfirmation"))
        .flat_map(|c| c.children())
        .filter(identifier)
        .count();
    let total = direct.len() + in_confirmations;
    match direct.as_slice() {
        [] if total == 0 => Err(AcsError::MissingNameId),
        [only] if total == 1 => {
            if only.tag_name().name() == "NameID" {
                Ok(*only)
            } else {
                Err(AcsError::UnsupportedIdentifier(
                    only.tag_name().name().to_owned(),
                ))
            }
        }
        _ => Err(AcsError::SubjectIdentifierCount(total)),
    }
}
