//! Enveloped XML signatures on SAML messages (saml-core-2.0-os §5, xmldsig-core): RSA-SHA256,
//! SHA-256 digests, exclusive canonicalisation, `Reference URI="#<ID of the parent>"`.
//!
//! Signing fills a template with samael/xmlsec. Checking is two steps: [`check_document`]
//! refuses every shape the SAML signature profile (§5.4) does not allow, before any crypto runs,
//! then [`verify_document`] checks every signature against the one pinned certificate,
//! natively: exclusive c14n ([`super::c14n`]) of the very roxmltree nodes the caller reads,
//! SHA-256, RSA-SHA256 with the certificate's key parsed once.
//!
//! # Why what is verified is what is read
//!
//! Natively, by construction: the bytes digested are the canonical form of the nodes of the one
//! parse the SP reads its fields from; there is no second view of the message to differ.
//!
//! xmlsec ([`verify_xmlsec`], [`Engine::Xmlsec`]) stays as the oracle the differential tests
//! compare the native verifier with, and can still run the ACS. There two parsers see every
//! message: roxmltree (structure checks, every field the SP acts on) and libxml2 under xmlsec
//! (digests and signatures). They agree on the text because:
//! - **One encoding.** The message is decoded as UTF-8 once, and [`xml::parse`] refuses any XML
//!   declaration naming another encoding. libxml2 honours the declaration; roxmltree does not.
//!   Without the refusal, `encoding="UTF-7"` or `"ISO-8859-1"` would make libxml2 digest other
//!   characters than the ones read (`+ADw-` is `<` in UTF-7).
//! - **No DTD.** Both refuse entity definitions, so no entity expands differently in each.
//! - **No comments or processing instructions in signed elements.** Exclusive c14n drops them
//!   from the digest, so `a@x<!---->.evil` digests as `a@x.evil`; a reader taking the first text
//!   node would see `a@x`. They are refused ([`SignError::CommentInSignedContent`]); the SP also
//!   reads an element's text as all of its text children joined, never trimmed.
//! - **One element per ID, one Signature per element, Reference = `#<parent ID>`.** libxmlsec
//!   resolves the Reference by ID; with unique IDs and the Signature a direct child of the
//!   element it names, the element libxml2 digested is the element roxmltree finds by that ID.
//! - **Read from what was verified.** [`verify_xmlsec`] returns libxml2's serialisation of only
//!   the signed elements; the native path digests the nodes themselves. The SP reads the
//!   assertion from a signed element, never from an unsigned envelope around it (signature
//!   wrapping finds nothing to wrap).

use super::c14n;
use super::xml::{self, XmlError};
use super::{
    ALG_ENVELOPED, ALG_EXC_C14N, ALG_HMAC_SHA1, ALG_MD5, ALG_RSA_MD5, ALG_RSA_SHA1, ALG_RSA_SHA256,
    ALG_SHA1, ALG_SHA256, NS_DSIG,
};
use crate::keys::{Certificate, SigningKey};
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("a Signature must be a direct child of the element it signs, found under {0}")]
    SignatureMisplaced(String),
    #[error("element {0} carries more than one Signature")]
    MoreThanOneSignature(String),
    #[error("a signed element has no ID attribute")]
    SignedElementWithoutId,
    #[error("the signature must reference exactly one element")]
    ReferenceCount,
    #[error("the signature references {found:?}, not its parent #{expected}")]
    ReferenceMismatch { expected: String, found: String },
    #[error("algorithm {0} is not allowed")]
    UnsupportedAlgorithm(String),
    #[error("ID {0} appears more than once")]
    DuplicateId(String),
    #[error("a comment or processing instruction inside the signed {0}")]
    CommentInSignedContent(String),
    #[error("{0} is not canonical base64")]
    MalformedValue(&'static str),
    #[error("the namespace URI {0:?} is not an absolute URI")]
    RelativeNamespace(String),
    #[error("the signature does not verify with the configured certificate")]
    InvalidSignature,
}

/// How the `Signature` element is written: `<ds:Signature xmlns:ds=...>` (Okta, Google) or
/// in the default namespace (Entra ID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsigStyle {
    Prefixed,
    DefaultNamespace,
}

/// An unsigned `Signature` template for the element whose ID is `reference_id`, to be placed
/// right after that element's `Issuer` (saml-core-2.0-os §3.2.1, §2.3.3).
pub fn template(reference_id: &str, cert: &Certificate, style: DsigStyle) -> String {
    let (p, decl) = match style {
        DsigStyle::Prefixed => ("ds:", format!(" xmlns:ds=\"{NS_DSIG}\"")),
        DsigStyle::DefaultNamespace => ("", format!(" xmlns=\"{NS_DSIG}\"")),
    };
    format!(
        "<{p}Signature{decl}><{p}SignedInfo>\
         <{p}CanonicalizationMethod Algorithm=\"{ALG_EXC_C14N}\"/>\
         <{p}SignatureMethod Algorithm=\"{ALG_RSA_SHA256}\"/>\
         <{p}Reference URI=\"#{id}\"><{p}Transforms>\
         <{p}Transform Algorithm=\"{ALG_ENVELOPED}\"/>\
         <{p}Transform Algorithm=\"{ALG_EXC_C14N}\"/>\
         </{p}Transforms><{p}DigestMethod Algorithm=\"{ALG_SHA256}\"/>\
         <{p}DigestValue></{p}DigestValue></{p}Reference></{p}SignedInfo>\
         <{p}SignatureValue></{p}SignatureValue>\
         <{p}KeyInfo><{p}X509Data><{p}X509Certificate>{cert}</{p}X509Certificate>\
         </{p}X509Data></{p}KeyInfo></{p}Signature>",
        id = xml::attr(reference_id),
        cert = cert.base64(),
    )
}

/// Fills the first (in document order) unsigned template of `xml` with `key`, natively: the
/// digest of the exclusive c14n of the element minus its Signature, then RSA-SHA256 over the
/// c14n of SignedInfo with that digest in it. The rest of the text is left as it was written;
/// SignatureValue is wrapped at 64 characters as xmlsec writes it, so the output is the same
/// bytes as [`sign_xmlsec`]'s (a test holds them equal).
///
/// To sign both an Assertion and its Response, sign the Assertion first, then add the
/// Response's template (which comes earlier in the document) and sign again: the Response's
/// digest then covers the signed Assertion.
pub fn sign(xml_with_template: &str, key: &SigningKey) -> Result<String, SignError> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let doc = xml::parse(xml_with_template)?;
    let no_template = || SignError::Signing("no unsigned Signature template".into());
    let (sig, reference, digest_node) = doc
        .descendants()
        .filter(|n| dsig_named(n, "Signature"))
        .find_map(|sig| {
            let reference = dsig_child(dsig_child(sig, "SignedInfo")?, "Reference")?;
            let digest = dsig_child(reference, "DigestValue")?;
            digest
                .text()
                .is_none_or(str::is_empty)
                .then_some((sig, reference, digest))
        })
        .ok_or_else(no_template)?;
    let parent = sig.parent_element().ok_or_else(no_template)?;
    let signed_info = dsig_child(sig, "SignedInfo").ok_or_else(no_template)?;
    let transform = reference
        .descendants()
        .filter(|c| dsig_named(c, "Transform"))
        .find(|t| t.attribute("Algorithm") == Some(ALG_EXC_C14N))
        .ok_or_else(no_template)?;
    let method = dsig_child(signed_info, "CanonicalizationMethod").ok_or_else(no_template)?;
    let value_node = dsig_child(sig, "SignatureValue").ok_or_else(no_template)?;
    let content = c14n::canonicalize(
        parent,
        Some(sig.id()),
        &c14n::prefix_list(inclusive_namespaces(transform)?),
    );
    fn algorithm<'a>(n: Option<roxmltree::Node<'a, '_>>) -> &'a str {
        n.and_then(|n| n.attribute("Algorithm")).unwrap_or_default()
    }
    let digest_method = algorithm(dsig_child(reference, "DigestMethod"));
    let digest = openssl::hash::hash(message_digest(digest_method)?, content.as_bytes())
        .map_err(|e| SignError::Signing(e.to_string()))?;
    let digest = b64.encode(digest);
    // SignedInfo as it will read with the digest in place: base64 needs no escaping, so the
    // digest goes between the empty DigestValue's tags of the canonical form.
    let info = c14n::canonicalize(
        signed_info,
        None,
        &c14n::prefix_list(inclusive_namespaces(method)?),
    );
    let src = doc.input_text();
    let q = c14n::element_qname(src, digest_node);
    let empty = format!("<{q}></{q}>");
    let info = info.replacen(&empty, &format!("<{q}>{digest}</{q}>"), 1);
    let signature = sign_info(
        algorithm(dsig_child(signed_info, "SignatureMethod")),
        key,
        info.as_bytes(),
    )?;
    let value = b64.encode(signature);
    let value: Vec<&str> = value
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    let vq = c14n::element_qname(src, value_node);
    let (d, v) = (digest_node.range(), value_node.range());
    let mut out = String::with_capacity(src.len() + 512);
    out.push_str(&src[..d.start]);
    out.push_str(&format!("<{q}>{digest}</{q}>"));
    out.push_str(&src[d.end..v.start]);
    out.push_str(&format!("<{vq}>{}</{vq}>", value.join("\n")));
    out.push_str(&src[v.end..]);
    Ok(out)
}

/// The digest a template's DigestMethod names. Only the mock IdP's downgrade faults write
/// anything but SHA-256; verification ([`check_document`]) takes SHA-256 alone.
fn message_digest(uri: &str) -> Result<openssl::hash::MessageDigest, SignError> {
    use openssl::hash::MessageDigest;
    match uri {
        ALG_SHA256 => Ok(MessageDigest::sha256()),
        ALG_SHA1 => Ok(MessageDigest::sha1()),
        ALG_MD5 => Ok(MessageDigest::md5()),
        other => Err(SignError::Signing(format!("no digest {other:?}"))),
    }
}

/// SignatureValue over the canonical SignedInfo by the template's SignatureMethod. HMAC-SHA1 is
/// keyed with the certificate's DER bytes: the key confusion an HMAC-accepting verifier falls
/// for (anyone holding the public certificate can compute it).
fn sign_info(method: &str, key: &SigningKey, info: &[u8]) -> Result<Vec<u8>, SignError> {
    use openssl::hash::MessageDigest;
    let failed = |e: openssl::error::ErrorStack| SignError::Signing(e.to_string());
    let hmac;
    let (digest, pkey) = match method {
        ALG_RSA_SHA256 => (MessageDigest::sha256(), key.pkey()),
        ALG_RSA_SHA1 => (MessageDigest::sha1(), key.pkey()),
        ALG_RSA_MD5 => (MessageDigest::md5(), key.pkey()),
        ALG_HMAC_SHA1 => {
            let der = key.certificate().der().to_vec();
            hmac = openssl::pkey::PKey::hmac(&der).map_err(failed)?;
            (MessageDigest::sha1(), Ok(&hmac))
        }
        other => return Err(SignError::Signing(format!("no signature method {other:?}"))),
    };
    let pkey = pkey.map_err(|e| SignError::Signing(e.to_string()))?;
    openssl::sign::Signer::new(digest, pkey)
        .and_then(|mut s| {
            s.update(info)?;
            s.sign_to_vec()
        })
        .map_err(failed)
}

fn dsig_named(n: &roxmltree::Node<'_, '_>, name: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(NS_DSIG) && n.tag_name().name() == name
}

fn dsig_child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| dsig_named(c, name))
}

/// [`sign`] by xmlsec, the oracle the native signer is held equal to.
pub fn sign_xmlsec(xml_with_template: &str, key: &SigningKey) -> Result<String, SignError> {
    let signed = Crypto::sign_xml(xml_with_template, key.key_der())
        .map_err(|e| SignError::Signing(e.to_string()))?;
    // libxml prepends an XML declaration; the messages carry none, before or after signing.
    let body = match signed.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map(|(_, b)| b).unwrap_or(rest),
        None => signed.as_str(),
    };
    Ok(body.trim().to_owned())
}

/// An element whose signature passed [`check_structure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedElement {
    /// Local name: `Response`, `Assertion`, `AuthnRequest`, ...
    pub element: String,
    pub id: String,
}

/// Checks the shape of every signature in the document: a direct child of the element it signs,
/// one per element, one Reference to `#<that element's ID>`, only RSA-SHA256, SHA-256,
/// enveloped and exclusive-c14n transforms; and no ID used twice in the document.
pub fn check_structure(text: &str) -> Result<Vec<SignedElement>, SignError> {
    check_document(&xml::parse(text)?)
}

/// [`check_structure`] on a document already parsed (with [`xml::parse`]).
pub fn check_document(doc: &roxmltree::Document<'_>) -> Result<Vec<SignedElement>, SignError> {
    let mut seen_ids = std::collections::HashSet::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        if let Some(id) = node.attribute("ID")
            && !seen_ids.insert(id)
        {
            return Err(SignError::DuplicateId(id.to_owned()));
        }
    }
    // Canonical XML fails on relative namespace URIs (c14n 1.0 §2.1), and libxml2 refuses them
    // when it digests; the native path must refuse exactly the same documents.
    for node in doc.descendants().filter(|n| n.is_element()) {
        if let Some(ns) = node
            .namespaces()
            .find(|ns| !ns.uri().is_empty() && !absolute_uri(ns.uri()))
        {
            return Err(SignError::RelativeNamespace(ns.uri().to_owned()));
        }
    }
    let mut signed = Vec::new();
    for sig in doc.descendants().filter(|n| {
        n.is_element()
            && n.tag_name().namespace() == Some(NS_DSIG)
            && n.tag_name().name() == "Signature"
    }) {
        let parent = sig
            .parent_element()
            .ok_or_else(|| SignError::SignatureMisplaced("the document".into()))?;
        let parent_name = parent.tag_name().name().to_owned();
        if !matches!(
            parent_name.as_str(),
            "Response"
                | "Assertion"
                | "AuthnRequest"
                | "LogoutRequest"
                | "LogoutResponse"
                | "EntityDescriptor"
        ) {
            return Err(SignError::SignatureMisplaced(parent_name));
        }
        let siblings = parent
            .children()
            .filter(|c| {
                c.is_element()
                    && c.tag_name().namespace() == Some(NS_DSIG)
                    && c.tag_name().name() == "Signature"
            })
            .count();
        if siblings != 1 {
            return Err(SignError::MoreThanOneSignature(parent_name));
        }
        let id = parent
            .attribute("ID")
            .ok_or(SignError::SignedElementWithoutId)?;
        // Canonicalisation drops comments from the digest, so a comment can change what a
        // careless reader sees without touching the signature; no IdP needs one.
        if parent.descendants().any(|n| n.is_comment() || n.is_pi()) {
            return Err(SignError::CommentInSignedContent(parent_name));
        }
        let dsig = |n: roxmltree::Node<'_, '_>, name: &str| {
            n.is_element()
                && n.tag_name().namespace() == Some(NS_DSIG)
                && n.tag_name().name() == name
        };
        let signed_info = sig
            .children()
            .find(|c| dsig(*c, "SignedInfo"))
            .ok_or(SignError::ReferenceCount)?;
        let algorithm = |name: &str| {
            signed_info
                .descendants()
                .find(|c| dsig(*c, name))
                .and_then(|c| c.attribute("Algorithm"))
                .unwrap_or_default()
                .to_owned()
        };
        for (name, wanted) in [
            ("CanonicalizationMethod", ALG_EXC_C14N),
            ("SignatureMethod", ALG_RSA_SHA256),
            ("DigestMethod", ALG_SHA256),
        ] {
            let found = algorithm(name);
            if found != wanted {
                return Err(SignError::UnsupportedAlgorithm(found));
            }
        }
        let references: Vec<_> = signed_info
            .children()
            .filter(|c| dsig(*c, "Reference"))
            .collect();
        let [reference] = references.as_slice() else {
            return Err(SignError::ReferenceCount);
        };
        let uri = reference.attribute("URI").unwrap_or_default();
        if uri != format!("#{id}") {
            return Err(SignError::ReferenceMismatch {
                expected: id.to_owned(),
                found: uri.to_owned(),
            });
        }
        // DigestValue and SignatureValue in canonical base64 (RFC 4648 §3.5: padding bits zero),
        // so one signature has one spelling; libxml2 would also take the other spellings.
        for (holder, name) in [(*reference, "DigestValue"), (sig, "SignatureValue")] {
            let node = holder.children().find(|c| dsig(*c, name));
            if base64_value(node).is_none() {
                return Err(SignError::MalformedValue(name));
            }
        }
        // Exactly the profile's transforms, in order (saml-core §5.4.3, §5.4.4): enveloped
        // signature, then exclusive c14n with at most an InclusiveNamespaces PrefixList.
        let transforms: Vec<_> = reference
            .descendants()
            .filter(|c| dsig(*c, "Transform"))
            .collect();
        for transform in &transforms {
            let alg = transform.attribute("Algorithm").unwrap_or_default();
            if alg != ALG_ENVELOPED && alg != ALG_EXC_C14N {
                return Err(SignError::UnsupportedAlgorithm(alg.to_owned()));
            }
        }
        let algorithms: Vec<&str> = transforms
            .iter()
            .map(|t| t.attribute("Algorithm").unwrap_or_default())
            .collect();
        if algorithms != [ALG_ENVELOPED, ALG_EXC_C14N]
            || transforms[0].children().any(|c| c.is_element())
        {
            return Err(SignError::UnsupportedAlgorithm(format!(
                "transforms {algorithms:?}: the profile's are enveloped-signature then exclusive c14n"
            )));
        }
        let canonicalization = signed_info
            .children()
            .find(|c| dsig(*c, "CanonicalizationMethod"));
        for method in [Some(transforms[1]), canonicalization]
            .into_iter()
            .flatten()
        {
            inclusive_namespaces(method)?;
        }
        signed.push(SignedElement {
            element: parent_name,
            id: id.to_owned(),
        });
    }
    Ok(signed)
}

/// Which implementation checks XML signatures: the native one ([`verify_document`], the
/// default) or xmlsec through samael ([`verify_xmlsec`]), kept as the independent oracle and for
/// comparison in the benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    #[default]
    Native,
    Xmlsec,
}

impl Engine {
    /// Verifies every signature of `doc` (parsed from `text` with [`xml::parse`]); the signed
    /// elements. Both engines run [`check_document`] first and refuse the same documents.
    pub fn verify(
        self,
        doc: &roxmltree::Document<'_>,
        cert: &Certificate,
    ) -> Result<Vec<SignedElement>, SignError> {
        match self {
            Self::Native => verify_document(doc, cert),
            Self::Xmlsec => verify_xmlsec(doc.input_text(), cert).map(|(signed, _)| signed),
        }
    }
}

impl Engine {
    /// [`Self::verify`] trusting any of `certs` (an IdP's rollover, R-SA-11): the first that
    /// verifies every signature wins. A document refused for its shape is refused whatever the
    /// certificate, so the first certificate's error is the answer when none verifies.
    pub fn verify_any(
        self,
        doc: &roxmltree::Document<'_>,
        certs: &[Certificate],
    ) -> Result<Vec<SignedElement>, SignError> {
        let mut first = None;
        for cert in certs {
            match self.verify(doc, cert) {
                Ok(signed) => return Ok(signed),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        Err(first.unwrap_or(SignError::InvalidSignature))
    }
}

/// Parses `text` and verifies every signature natively ([`verify_document`]).
pub fn verify(text: &str, cert: &Certificate) -> Result<Vec<SignedElement>, SignError> {
    verify_document(&xml::parse(text)?, cert)
}

/// Verifies every signature of `xml` with the pinned `cert` (RSA-SHA256 only) with xmlsec,
/// after [`check_structure`], and returns the signed elements with the document reduced to
/// what the signatures cover (samael's `ValidateAndMarkNoAncestors`).
pub fn verify_xmlsec(
    text: &str,
    cert: &Certificate,
) -> Result<(Vec<SignedElement>, String), SignError> {
    let signed = check_structure(text)?;
    if signed.is_empty() {
        return Ok((signed, String::new()));
    }
    let reduced = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        text,
        &[CertificateDer::from(cert.der().to_vec())],
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(&[AllowedSignatureAlgorithm::RsaSha256]),
    )
    .map_err(|_| SignError::InvalidSignature)?;
    Ok((signed, reduced))
}

/// The bytes of a base64 element (`DigestValue`, `SignatureValue`): its text without
/// whitespace, decoded strictly (canonical padding).
fn base64_value(node: Option<roxmltree::Node<'_, '_>>) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let text: String = node?
        .children()
        .filter_map(|c| c.text())
        .flat_map(str::chars)
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// An absolute URI (RFC 3986 §4.3): a scheme, `:`, then only characters a URI may hold.
fn absolute_uri(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c))
}

/// The PrefixList of the one `ec:InclusiveNamespaces` an exclusive c14n method may carry
/// (xml-exc-c14n §3); any other content is refused.
fn inclusive_namespaces<'a>(method: roxmltree::Node<'a, '_>) -> Result<&'a str, SignError> {
    let children: Vec<_> = method.children().filter(|c| c.is_element()).collect();
    match children.as_slice() {
        [] => Ok(""),
        [only]
            if only.tag_name().namespace() == Some(ALG_EXC_C14N)
                && only.tag_name().name() == "InclusiveNamespaces" =>
        {
            Ok(only.attribute("PrefixList").unwrap_or_default())
        }
        _ => Err(SignError::UnsupportedAlgorithm(
            "exclusive c14n with content other than one InclusiveNamespaces".into(),
        )),
    }
}

/// Verifies every signature of the parsed `doc` with the pinned `cert`, natively: exclusive
/// c14n of the referenced element minus its Signature, SHA-256 against DigestValue, exclusive
/// c14n of SignedInfo, RSA-SHA256 against SignatureValue, with the certificate's key parsed
/// once ([`Certificate::public_key`]). Returns the signed elements.
///
/// What is verified is what is read, by construction: the digested bytes are the canonical
/// form of the very roxmltree nodes the caller then reads, in the one parse of the message,
/// so no second parser's view (libxml2's, under xmlsec) can differ from the SP's. The shape
/// rules of [`check_document`] still come first; [`verify`] (xmlsec) stays as the oracle the
/// tests compare this with.
pub fn verify_document(
    doc: &roxmltree::Document<'_>,
    cert: &Certificate,
) -> Result<Vec<SignedElement>, SignError> {
    let signed = check_document(doc)?;
    if signed.is_empty() {
        return Ok(signed);
    }
    let key = cert.public_key().map_err(|_| SignError::InvalidSignature)?;
    fn dsig(n: &roxmltree::Node<'_, '_>, name: &str) -> bool {
        n.is_element() && n.tag_name().namespace() == Some(NS_DSIG) && n.tag_name().name() == name
    }
    fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
        n.children().find(|c| dsig(c, name))
    }
    let base64 = |n| base64_value(n).ok_or(SignError::InvalidSignature);
    for sig in doc.descendants().filter(|n| dsig(n, "Signature")) {
        // check_document: a direct child of its element, one SignedInfo with one Reference to
        // that element, the profile's algorithms and transforms.
        let (Some(parent), Some(signed_info)) = (sig.parent_element(), child(sig, "SignedInfo"))
        else {
            return Err(SignError::ReferenceCount);
        };
        let reference = child(signed_info, "Reference").ok_or(SignError::ReferenceCount)?;
        let transform = reference
            .descendants()
            .filter(|c| dsig(c, "Transform"))
            .nth(1)
            .ok_or(SignError::ReferenceCount)?;
        let content = c14n::canonicalize(
            parent,
            Some(sig.id()),
            &c14n::prefix_list(inclusive_namespaces(transform)?),
        );
        let digest = base64(child(reference, "DigestValue"))?;
        if openssl::sha::sha256(content.as_bytes()).as_slice() != digest.as_slice() {
            return Err(SignError::InvalidSignature);
        }
        let method =
            child(signed_info, "CanonicalizationMethod").ok_or(SignError::ReferenceCount)?;
        let info = c14n::canonicalize(
            signed_info,
            None,
            &c14n::prefix_list(inclusive_namespaces(method)?),
        );
        let value = base64(child(sig, "SignatureValue"))?;
        let verified = openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &key)
            .and_then(|mut v| {
                v.update(info.as_bytes())?;
                v.verify(&value)
            })
            .unwrap_or(false);
        if !verified {
            return Err(SignError::InvalidSignature);
        }
    }
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixture;

    fn assertion(id: &str, with_template: bool, style: DsigStyle) -> String {
        let sig = if with_template {
            template(id, &Fixture::IdpEntra.certificate(), style)
        } else {
            String::new()
        };
        format!(
            "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" \
             IssueInstant=\"2026-01-05T09:00:00Z\"><Issuer>https://sts.windows.net/t/</Issuer>{sig}\
             <Subject><NameID>b.simon@contoso.com</NameID></Subject></Assertion>"
        )
    }

    /// The mock IdP's downgrade faults sign with what the template names: a weak signature is
    /// still a genuine one (xmlsec, told to allow anything, verifies RSA-SHA1), and the SP's
    /// structure check refuses every one of them by its algorithm.
    #[test]
    fn a_template_naming_a_weak_algorithm_is_signed_with_it_and_refused() {
        let key = Fixture::IdpEntra.signing_key();
        let rsa_sha1 = assertion("_a1", true, DsigStyle::Prefixed)
            .replace(ALG_RSA_SHA256, ALG_RSA_SHA1)
            .replace(ALG_SHA256, ALG_SHA1);
        let signed = sign(&rsa_sha1, &key).unwrap();
        Crypto::reduce_xml_to_signed_with_allowed_algorithms(
            &signed,
            &[CertificateDer::from(
                Fixture::IdpEntra.certificate().der().to_vec(),
            )],
            ReduceMode::ValidateAndMarkNoAncestors,
            None,
        )
        .expect("xmlsec verifies the RSA-SHA1 signature");
        assert_eq!(
            check_structure(&signed),
            Err(SignError::UnsupportedAlgorithm(ALG_RSA_SHA1.into()))
        );
        for (from, to) in [
            (ALG_RSA_SHA256, ALG_RSA_MD5),
            (ALG_RSA_SHA256, ALG_HMAC_SHA1),
            (ALG_SHA256, ALG_MD5),
        ] {
            let signed = sign(
                &assertion("_a1", true, DsigStyle::Prefixed).replace(from, to),
                &key,
            )
            .unwrap();
            assert_eq!(
                check_structure(&signed),
                Err(SignError::UnsupportedAlgorithm(to.into())),
                "{to}"
            );
        }
        let unknown = assertion("_a1", true, DsigStyle::Prefixed).replace(ALG_SHA256, "urn:x");
        assert!(matches!(sign(&unknown, &key), Err(SignError::Signing(_))));
    }

    #[test]
    fn a_signed_assertion_verifies_with_the_pinned_certificate_only() {
        for style in [DsigStyle::Prefixed, DsigStyle::DefaultNamespace] {
            let signed = sign(
                &assertion("_a1", true, style),
                &Fixture::IdpEntra.signing_key(),
            )
            .unwrap();
            assert!(!signed.starts_with("<?xml"));
            let (elements, reduced) =
                verify_xmlsec(&signed, &Fixture::IdpEntra.certificate()).unwrap();
            assert_eq!(
                verify(&signed, &Fixture::IdpEntra.certificate()).unwrap(),
                elements
            );
            assert_eq!(
                elements,
                vec![SignedElement {
                    element: "Assertion".into(),
                    id: "_a1".into()
                }]
            );
            assert!(reduced.contains("b.simon@contoso.com"));
            assert_eq!(
                verify(&signed, &Fixture::IdpUntrusted.certificate()).unwrap_err(),
                SignError::InvalidSignature
            );
        }
    }

    #[test]
    fn the_native_signer_writes_what_xmlsec_writes_for_the_builders_messages() {
        let key = Fixture::IdpEntra.signing_key();
        for style in [DsigStyle::Prefixed, DsigStyle::DefaultNamespace] {
            let unsigned = assertion("_a1", true, style);
            assert_eq!(
                sign(&unsigned, &key).unwrap(),
                sign_xmlsec(&unsigned, &key).unwrap()
            );
        }
        let unsigned = assertion("_a1", false, DsigStyle::Prefixed);
        assert!(matches!(sign(&unsigned, &key), Err(SignError::Signing(_))));
    }

    #[test]
    fn signatures_are_deterministic() {
        let key = Fixture::IdpEntra.signing_key();
        let a = sign(&assertion("_a1", true, DsigStyle::Prefixed), &key).unwrap();
        let b = sign(&assertion("_a1", true, DsigStyle::Prefixed), &key).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn a_tampered_assertion_fails() {
        let signed = sign(
            &assertion("_a1", true, DsigStyle::Prefixed),
            &Fixture::IdpEntra.signing_key(),
        )
        .unwrap();
        let tampered = signed.replace("b.simon@contoso.com", "admin@contoso.com");
        assert_eq!(
            verify(&tampered, &Fixture::IdpEntra.certificate()).unwrap_err(),
            SignError::InvalidSignature
        );
    }

    #[test]
    fn misshapen_signatures_are_refused_before_crypto() {
        let key = Fixture::IdpEntra.signing_key();
        let signed = sign(&assertion("_a1", true, DsigStyle::Prefixed), &key).unwrap();
        let cert = Fixture::IdpEntra.certificate();
        // A reference to something other than the parent.
        let other = signed.replace("URI=\"#_a1\"", "URI=\"\"");
        assert!(matches!(
            verify(&other, &cert),
            Err(SignError::ReferenceMismatch { .. })
        ));
        let external = signed.replace("URI=\"#_a1\"", "URI=\"http://127.0.0.1:9/x\"");
        assert!(matches!(
            verify(&external, &cert),
            Err(SignError::ReferenceMismatch { .. })
        ));
        // SHA-1.
        let sha1 = signed.replace(ALG_RSA_SHA256, "http://www.w3.org/2000/09/xmldsig#rsa-sha1");
        assert!(matches!(
            verify(&sha1, &cert),
            Err(SignError::UnsupportedAlgorithm(_))
        ));
        // The same ID twice (a wrapping attempt).
        let wrapped = format!(
            "<Wrapper>{signed}{}</Wrapper>",
            assertion("_a1", false, DsigStyle::Prefixed)
        );
        assert_eq!(
            verify(&wrapped, &cert).unwrap_err(),
            SignError::DuplicateId("_a1".into())
        );
        // A signature moved under another element.
        let moved = signed.replacen("<Subject>", "<Subject><X>", 1).replacen(
            "</Subject>",
            "</X></Subject>",
            1,
        );
        assert!(verify(&moved, &cert).is_err());
    }
}
