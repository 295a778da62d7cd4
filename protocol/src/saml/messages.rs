//! Builders for the SAML protocol messages of Web Browser SSO and Single Logout
//! (saml-core-2.0-os §3.2-3.7, §2.3-2.7), written as text so every byte is under our control
//! and snapshots are exact. Vendor differences (prefixes, where `Signature` lives, which optional
//! parts appear) are data in [`Style`] and in the fields, chosen by the mock IdP's profiles.

use super::sign::{self, DsigStyle, SignError};
use super::xml::{attr, text};
use super::{BINDING_POST, NS_ASSERTION, NS_PROTOCOL, NS_XS, NS_XSI, STATUS_SUCCESS, instant};
use crate::keys::SigningKey;
use chrono::{DateTime, Utc};

/// How a party writes its XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Prefix of protocol elements (`samlp`, `saml2p`).
    pub protocol_prefix: &'static str,
    /// Prefix of assertion elements; `None` writes them in the default namespace, declared on
    /// each `Issuer` and on the `Assertion`, as Entra ID does.
    pub assertion_prefix: Option<&'static str>,
    pub dsig: DsigStyle,
}

impl Style {
    /// Microsoft Entra ID (protocols.md §3.4): `samlp:` and un-prefixed assertion elements.
    pub const ENTRA: Style = Style {
        protocol_prefix: "samlp",
        assertion_prefix: None,
        dsig: DsigStyle::DefaultNamespace,
    };
    /// Okta (protocols.md §4): `saml2p:` and `saml2:`.
    pub const OKTA: Style = Style {
        protocol_prefix: "saml2p",
        assertion_prefix: Some("saml2"),
        dsig: DsigStyle::Prefixed,
    };
    /// Google Workspace and the reference SP: `samlp:` and `saml:`.
    pub const SAMLP: Style = Style {
        protocol_prefix: "samlp",
        assertion_prefix: Some("saml"),
        dsig: DsigStyle::Prefixed,
    };

    fn p(&self, local: &str) -> String {
        format!("{}:{local}", self.protocol_prefix)
    }

    pub fn a(&self, local: &str) -> String {
        match self.assertion_prefix {
            Some(prefix) => format!("{prefix}:{local}"),
            None => local.to_owned(),
        }
    }

    /// Namespace declarations for the root of a protocol message.
    fn root_ns(&self) -> String {
        let mut ns = format!(" xmlns:{}=\"{NS_PROTOCOL}\"", self.protocol_prefix);
        if let Some(prefix) = self.assertion_prefix {
            ns.push_str(&format!(" xmlns:{prefix}=\"{NS_ASSERTION}\""));
        }
        ns
    }

    /// Declaration an assertion-namespace element needs where it opens (only unprefixed style).
    fn a_decl(&self) -> String {
        match self.assertion_prefix {
            Some(_) => String::new(),
            None => format!(" xmlns=\"{NS_ASSERTION}\""),
        }
    }
}

/// `<Issuer>` with an optional `Format` (Okta writes the entity format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    pub value: String,
    pub format: Option<String>,
}

impl Issuer {
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            format: None,
        }
    }

    fn xml(&self, style: &Style, declare: bool) -> String {
        let name = style.a("Issuer");
        let decl = if declare {
            style.a_decl()
        } else {
            String::new()
        };
        let format = self
            .format
            .as_ref()
            .map(|f| format!(" Format=\"{}\"", attr(f)))
            .unwrap_or_default();
        format!("<{name}{decl}{format}>{}</{name}>", text(&self.value))
    }
}

/// `<NameID>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameId {
    pub value: String,
    pub format: Option<String>,
}

impl NameId {
    fn xml(&self, style: &Style) -> String {
        let name = style.a("NameID");
        let format = self
            .format
            .as_ref()
            .map(|f| format!(" Format=\"{}\"", attr(f)))
            .unwrap_or_default();
        format!("<{name}{format}>{}</{name}>", text(&self.value))
    }
}

/// A SAML status: top-level code, optional second-level code and message (§3.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: String,
    pub sub_code: Option<String>,
    pub message: Option<String>,
}

impl Status {
    pub fn success() -> Self {
        Self {
            code: STATUS_SUCCESS.to_owned(),
            sub_code: None,
            message: None,
        }
    }

    fn xml(&self, style: &Style) -> String {
        let (status, code, msg) = (
            style.p("Status"),
            style.p("StatusCode"),
            style.p("StatusMessage"),
        );
        let inner = match &self.sub_code {
            Some(sub) => format!(
                "<{code} Value=\"{}\"><{code} Value=\"{}\"/></{code}>",
                attr(&self.code),
                attr(sub)
            ),
            None => format!("<{code} Value=\"{}\"/>", attr(&self.code)),
        };
        let message = self
            .message
            .as_ref()
            .map(|m| format!("<{msg}>{}</{msg}>", text(m)))
            .unwrap_or_default();
        format!("<{status}>{inner}{message}</{status}>")
    }
}

/// An AuthnRequest as the SP sends it (§3.4.1), for the HTTP-POST response binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    pub id: String,
    pub issue_instant: DateTime<Utc>,
    pub destination: String,
    pub acs_url: String,
    pub issuer: String,
    pub name_id_format: Option<String>,
    pub force_authn: bool,
}

impl AuthnRequest {
    pub fn to_xml(&self, style: &Style) -> String {
        let name = style.p("AuthnRequest");
        let force = if self.force_authn {
            " ForceAuthn=\"true\""
        } else {
            ""
        };
        let policy = self
            .name_id_format
            .as_ref()
            .map(|f| format!("<{} Format=\"{}\"/>", style.p("NameIDPolicy"), attr(f)))
            .unwrap_or_default();
        format!(
            "<{name}{ns} ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{t}\" Destination=\"{dest}\"{force} \
             ProtocolBinding=\"{BINDING_POST}\" AssertionConsumerServiceURL=\"{acs}\">{issuer}{policy}</{name}>",
            ns = style.root_ns(),
            id = attr(&self.id),
            t = instant(self.issue_instant),
            dest = attr(&self.destination),
            acs = attr(&self.acs_url),
            issuer = Issuer::new(&self.issuer).xml(style, true),
        )
    }
}

/// `<SubjectConfirmation Method="bearer">` data (§2.4.1.2, profiles §4.1.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Confirmation {
    pub in_response_to: Option<String>,
    pub not_on_or_after: Option<DateTime<Utc>>,
    pub recipient: Option<String>,
}

/// `<Conditions>` (§2.5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Conditions {
    pub not_before: Option<DateTime<Utc>>,
    pub not_on_or_after: Option<DateTime<Utc>>,
    pub audiences: Vec<String>,
}

/// One `<Attribute>` with its values (§2.7.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub name_format: Option<String>,
    pub values: Vec<String>,
    /// `xsi:type` of each value (`xs:string`, `xs:anyType`), when the vendor writes one.
    pub value_type: Option<String>,
}

/// `<AuthnStatement>` (§2.7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnStatement {
    pub instant: DateTime<Utc>,
    pub session_index: Option<String>,
    /// When the IdP wants the SP's session to end (`SessionNotOnOrAfter`); Entra sends none.
    pub session_not_on_or_after: Option<DateTime<Utc>>,
    pub class_ref: String,
}

/// An assertion (§2.3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    pub id: String,
    pub issue_instant: DateTime<Utc>,
    pub issuer: Issuer,
    pub name_id: Option<NameId>,
    pub confirmation: Confirmation,
    pub conditions: Conditions,
    pub attributes: Vec<Attribute>,
    pub authn: AuthnStatement,
}

impl Assertion {
    fn xml(&self, style: &Style, signature: &str) -> String {
        let a = |local: &str| style.a(local);
        let name_id = self
            .name_id
            .as_ref()
            .map(|n| n.xml(style))
            .unwrap_or_default();
        let c = &self.confirmation;
        let mut data_attrs = String::new();
        if let Some(irt) = &c.in_response_to {
            data_attrs.push_str(&format!(" InResponseTo=\"{}\"", attr(irt)));
        }
        if let Some(t) = c.not_on_or_after {
            data_attrs.push_str(&format!(" NotOnOrAfter=\"{}\"", instant(t)));
        }
        if let Some(r) = &c.recipient {
            data_attrs.push_str(&format!(" Recipient=\"{}\"", attr(r)));
        }
        let subject = format!(
            "<{s}>{name_id}<{sc} Method=\"{cm}\"><{scd}{data_attrs}/></{sc}></{s}>",
            s = a("Subject"),
            sc = a("SubjectConfirmation"),
            scd = a("SubjectConfirmationData"),
            cm = super::CM_BEARER,
        );
        let mut cond_attrs = String::new();
        if let Some(t) = self.conditions.not_before {
            cond_attrs.push_str(&format!(" NotBefore=\"{}\"", instant(t)));
        }
        if let Some(t) = self.conditions.not_on_or_after {
            cond_attrs.push_str(&format!(" NotOnOrAfter=\"{}\"", instant(t)));
        }
        let audiences: String = self
            .conditions
            .audiences
            .iter()
            .map(|aud| format!("<{n}>{}</{n}>", text(aud), n = a("Audience")))
            .collect();
        let restriction = if self.conditions.audiences.is_empty() {
            String::new()
        } else {
            format!("<{r}>{audiences}</{r}>", r = a("AudienceRestriction"))
        };
        let conditions = format!("<{n}{cond_attrs}>{restriction}</{n}>", n = a("Conditions"));
        let attributes = if self.attributes.is_empty() {
            String::new()
        } else {
            let body: String = self
                .attributes
                .iter()
                .map(|at| {
                    let format = at
                        .name_format
                        .as_ref()
                        .map(|f| format!(" NameFormat=\"{}\"", attr(f)))
                        .unwrap_or_default();
                    let ty = at
                        .value_type
                        .as_ref()
                        .map(|t| {
                            format!(
                                " xmlns:xs=\"{NS_XS}\" xmlns:xsi=\"{NS_XSI}\" xsi:type=\"{}\"",
                                attr(t)
                            )
                        })
                        .unwrap_or_default();
                    let values: String = at
                        .values
                        .iter()
                        .map(|v| format!("<{n}{ty}>{}</{n}>", text(v), n = a("AttributeValue")))
                        .collect();
                    format!(
                        "<{n} Name=\"{}\"{format}>{values}</{n}>",
                        attr(&at.name),
                        n = a("Attribute")
                    )
                })
                .collect();
            format!("<{n}>{body}</{n}>", n = a("AttributeStatement"))
        };
        let session = self
            .authn
            .session_index
            .as_ref()
            .map(|s| format!(" SessionIndex=\"{}\"", attr(s)))
            .unwrap_or_default();
        let session_end = self
            .authn
            .session_not_on_or_after
            .map(|t| format!(" SessionNotOnOrAfter=\"{}\"", instant(t)))
            .unwrap_or_default();
        let authn = format!(
            "<{n} AuthnInstant=\"{}\"{session}{session_end}><{ctx}><{cr}>{}</{cr}></{ctx}></{n}>",
            instant(self.authn.instant),
            text(&self.authn.class_ref),
            n = a("AuthnStatement"),
            ctx = a("AuthnContext"),
            cr = a("AuthnContextClassRef"),
        );
        format!(
            "<{n}{decl} ID=\"{id}\" IssueInstant=\"{t}\" Version=\"2.0\">{issuer}{signature}{subject}{conditions}{attributes}{authn}</{n}>",
            n = a("Assertion"),
            decl = style.a_decl(),
            id = attr(&self.id),
            t = instant(self.issue_instant),
            issuer = self.issuer.xml(style, false),
        )
    }
}

/// Which parts of a Response the IdP signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    Unsigned,
    Assertion,
    Response,
    Both,
}

/// A `<Response>` (§3.3.3), with at most one assertion as the Web SSO profile allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub id: String,
    pub issue_instant: DateTime<Utc>,
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    pub issuer: Issuer,
    pub status: Status,
    pub assertion: Option<Assertion>,
}

impl Response {
    fn xml(&self, style: &Style, response_sig: &str, assertion_sig: &str) -> String {
        let name = style.p("Response");
        let mut attrs = format!(
            " ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\"",
            attr(&self.id),
            instant(self.issue_instant)
        );
        if let Some(d) = &self.destination {
            attrs.push_str(&format!(" Destination=\"{}\"", attr(d)));
        }
        if let Some(irt) = &self.in_response_to {
            attrs.push_str(&format!(" InResponseTo=\"{}\"", attr(irt)));
        }
        let assertion = self
            .assertion
            .as_ref()
            .map(|a| a.xml(style, assertion_sig))
            .unwrap_or_default();
        format!(
            "<{name}{ns}{attrs}>{issuer}{response_sig}{status}{assertion}</{name}>",
            ns = style.root_ns(),
            issuer = self.issuer.xml(style, true),
            status = self.status.xml(style),
        )
    }

    /// The Response as XML, signed as `signing` says with `key`.
    pub fn to_xml(
        &self,
        style: &Style,
        signing: Signing,
        key: &SigningKey,
    ) -> Result<String, SignError> {
        self.to_xml_edited(style, signing, key, &|xml| xml)
    }

    /// As [`Response::to_xml`], with `edit` applied to the XML before it is signed: how a test
    /// IdP emits a message no struct field can express (a comment in a NameID, a second NameID),
    /// signed as a real IdP would sign it.
    pub fn to_xml_edited(
        &self,
        style: &Style,
        signing: Signing,
        key: &SigningKey,
        edit: &dyn Fn(String) -> String,
    ) -> Result<String, SignError> {
        let cert = key.certificate();
        let assertion_id = self.assertion.as_ref().map(|a| a.id.clone());
        let sign_assertion =
            matches!(signing, Signing::Assertion | Signing::Both) && assertion_id.is_some();
        let assertion_sig = match (&assertion_id, sign_assertion) {
            (Some(id), true) => sign::template(id, &cert, style.dsig),
            _ => String::new(),
        };
        let sign_response = matches!(signing, Signing::Response | Signing::Both);
        let unsigned_response_template = if sign_response && !sign_assertion {
            sign::template(&self.id, &cert, style.dsig)
        } else {
            String::new()
        };
        let mut out = edit(self.xml(style, &unsigned_response_template, &assertion_sig));
        if sign_assertion || sign_response {
            out = sign::sign(&out, key)?;
        }
        if sign_assertion && sign_response {
            // Second pass: the Response's template goes right after its Issuer, the first Issuer
            // of the document, and its digest covers the already signed Assertion.
            let close = format!("</{}>", style.a("Issuer"));
            let at = out
                .find(&close)
                .ok_or_else(|| SignError::Signing("no Issuer in the Response".into()))?
                + close.len();
            out.insert_str(at, &sign::template(&self.id, &cert, style.dsig));
            out = sign::sign(&out, key)?;
        }
        Ok(out)
    }
}

/// A `<LogoutRequest>` (§3.7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    pub id: String,
    pub issue_instant: DateTime<Utc>,
    pub destination: String,
    pub issuer: String,
    pub name_id: NameId,
    pub session_index: Option<String>,
}

impl LogoutRequest {
    pub fn to_xml(&self, style: &Style) -> String {
        let name = style.p("LogoutRequest");
        let session = self
            .session_index
            .as_ref()
            .map(|s| format!("<{n}>{}</{n}>", text(s), n = style.p("SessionIndex")))
            .unwrap_or_default();
        let name_id = if style.assertion_prefix.is_none() {
            // Unprefixed style: the NameID declares the assertion namespace itself.
            self.name_id.xml(style).replacen(
                "<NameID",
                &format!("<NameID xmlns=\"{NS_ASSERTION}\""),
                1,
            )
        } else {
            self.name_id.xml(style)
        };
        format!(
            "<{name}{ns} ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{t}\" Destination=\"{d}\">{issuer}{name_id}{session}</{name}>",
            ns = style.root_ns(),
            id = attr(&self.id),
            t = instant(self.issue_instant),
            d = attr(&self.destination),
            issuer = Issuer::new(&self.issuer).xml(style, true),
        )
    }
}

/// A `<LogoutResponse>` (§3.7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutResponse {
    pub id: String,
    pub issue_instant: DateTime<Utc>,
    pub destination: Option<String>,
    pub in_response_to: String,
    pub issuer: Issuer,
    pub status: Status,
}

impl LogoutResponse {
    pub fn to_xml(&self, style: &Style) -> String {
        let name = style.p("LogoutResponse");
        let destination = self
            .destination
            .as_ref()
            .map(|d| format!(" Destination=\"{}\"", attr(d)))
            .unwrap_or_default();
        format!(
            "<{name}{ns} ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{t}\"{destination} InResponseTo=\"{irt}\">{issuer}{status}</{name}>",
            ns = style.root_ns(),
            id = attr(&self.id),
            t = instant(self.issue_instant),
            irt = attr(&self.in_response_to),
            issuer = self.issuer.xml(style, true),
            status = self.status.xml(style),
        )
    }
}
