//! The HTTP-Redirect binding (saml-bindings-2.0-os §3.4): DEFLATE, Base64, URL-encoding.
//!
//! Decoding is bounded twice: the encoded parameter is size-checked before Base64 decoding, and
//! inflation stops one byte past [`MAX_INFLATED`], so a small "zip bomb" query cannot allocate
//! without limit. Parameters are parsed from the raw query so duplicates are refused and the
//! exact octets stay available for query-signature checks (§3.4.4.1).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use std::io::{Read, Write};

/// Largest inflated message accepted.
pub const MAX_INFLATED: usize = 64 * 1024;
/// Largest encoded `SAMLRequest`/`SAMLResponse` parameter accepted (before any decoding).
pub const MAX_ENCODED: usize = 32 * 1024;
/// RelayState "MUST NOT exceed 80 bytes" (§3.4.3).
pub const MAX_RELAY_STATE: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
    #[error("no SAMLRequest or SAMLResponse parameter")]
    MissingMessage,
    #[error("both SAMLRequest and SAMLResponse are present")]
    TwoMessages,
    #[error("parameter {0} appears more than once")]
    DuplicateParameter(String),
    #[error("the encoded message exceeds {MAX_ENCODED} bytes")]
    EncodedTooLarge,
    #[error("the inflated message exceeds {MAX_INFLATED} bytes")]
    InflatedTooLarge,
    #[error("the message is not Base64")]
    NotBase64,
    #[error("the message is not DEFLATE data")]
    NotDeflate,
    #[error("the message is not UTF-8")]
    NotUtf8,
    #[error("RelayState exceeds {MAX_RELAY_STATE} bytes")]
    RelayStateTooLong,
    #[error("a parameter is not validly percent-encoded")]
    BadEncoding,
    #[error("signing the query failed")]
    SigningFailed,
}

/// Which protocol message a Redirect carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Request,
    Response,
}

impl MessageKind {
    pub fn param(self) -> &'static str {
        match self {
            Self::Request => "SAMLRequest",
            Self::Response => "SAMLResponse",
        }
    }
}

/// DEFLATE (raw, RFC 1951) then Base64.
pub fn deflate_base64(xml: &str) -> String {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(xml.as_bytes());
    STANDARD.encode(encoder.finish().unwrap_or_default())
}

/// Base64 then INFLATE, bounded by [`MAX_ENCODED`] and [`MAX_INFLATED`].
pub fn inflate_base64(encoded: &str) -> Result<String, BindingError> {
    if encoded.len() > MAX_ENCODED {
        return Err(BindingError::EncodedTooLarge);
    }
    let compact: String = encoded
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let deflated = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| BindingError::NotBase64)?;
    let mut inflated = Vec::new();
    DeflateDecoder::new(deflated.as_slice())
        .take(MAX_INFLATED as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|_| BindingError::NotDeflate)?;
    if inflated.len() > MAX_INFLATED {
        return Err(BindingError::InflatedTooLarge);
    }
    String::from_utf8(inflated).map_err(|_| BindingError::NotUtf8)
}

fn encode_component(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The query string carrying `xml`: `SAMLRequest=...[&RelayState=...]`, unsigned.
pub fn query(
    kind: MessageKind,
    xml: &str,
    relay_state: Option<&str>,
) -> Result<String, BindingError> {
    let mut q = format!(
        "{}={}",
        kind.param(),
        encode_component(&deflate_base64(xml))
    );
    if let Some(rs) = relay_state {
        if rs.len() > MAX_RELAY_STATE {
            return Err(BindingError::RelayStateTooLong);
        }
        q.push_str("&RelayState=");
        q.push_str(&encode_component(rs));
    }
    Ok(q)
}

/// A received Redirect-binding message, decoded, with the raw parameter octets kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub kind: MessageKind,
    pub xml: String,
    pub relay_state: Option<String>,
    pub sig_alg: Option<String>,
    pub signature: Option<String>,
    /// `name=value` exactly as received, for the parameters the query signature covers.
    pub raw_message: String,
    pub raw_relay_state: Option<String>,
    pub raw_sig_alg: Option<String>,
}

/// Parses a raw query string (without `?`). Unknown parameters are ignored; the SAML ones may
/// appear once each.
pub fn parse_query(raw_query: &str) -> Result<Received, BindingError> {
    let mut message: Option<(MessageKind, &str)> = None;
    let (mut relay, mut sig_alg, mut signature) = (None, None, None);
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (name, _) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match name {
            "SAMLRequest" | "SAMLResponse" => {
                let kind = if name == "SAMLRequest" {
                    MessageKind::Request
                } else {
                    MessageKind::Response
                };
                if let Some((existing, _)) = message {
                    return Err(if existing == kind {
                        BindingError::DuplicateParameter(name.to_owned())
                    } else {
                        BindingError::TwoMessages
                    });
                }
                message = Some((kind, pair));
                continue;
            }
            "RelayState" => &mut relay,
            "SigAlg" => &mut sig_alg,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(pair).is_some() {
            return Err(BindingError::DuplicateParameter(name.to_owned()));
        }
    }
    let (kind, raw_message) = message.ok_or(BindingError::MissingMessage)?;
    let value = |pair: &str| -> Result<String, BindingError> {
        let raw = pair.split_once('=').map(|(_, v)| v).unwrap_or("");
        // Percent-decoding of a query value; '+' is a space (form encoding).
        let decoded: String = url::form_urlencoded::parse(format!("v={raw}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .ok_or(BindingError::BadEncoding)?;
        Ok(decoded)
    };
    let encoded = value(raw_message)?;
    if encoded.len() > MAX_ENCODED {
        return Err(BindingError::EncodedTooLarge);
    }
    let relay_state = relay.map(value).transpose()?;
    if relay_state
        .as_ref()
        .is_some_and(|r| r.len() > MAX_RELAY_STATE)
    {
        return Err(BindingError::RelayStateTooLong);
    }
    Ok(Received {
        kind,
        xml: inflate_base64(&encoded)?,
        relay_state,
        sig_alg: sig_alg.map(value).transpose()?,
        signature: signature.map(value).transpose()?,
        raw_message: raw_message.to_owned(),
        raw_relay_state: relay.map(str::to_owned),
        raw_sig_alg: sig_alg.map(str::to_owned),
    })
}

/// Why a Redirect-binding query signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuerySignatureError {
    #[error("the request is not signed")]
    Unsigned,
    #[error("a Signature without SigAlg, or a SigAlg without Signature")]
    Incomplete,
    #[error("signature algorithm {0} is not allowed")]
    AlgorithmNotAllowed(String),
    #[error("the Signature parameter is not Base64")]
    Malformed,
    #[error("the signature does not verify with the registered certificate")]
    Invalid,
    #[error("the registered certificate cannot be used: {0}")]
    Certificate(String),
}

/// The query for `xml` signed as saml-bindings-2.0-os §3.4.4.1 prescribes: RSA-SHA256 over the
/// exact octets `SAMLRequest=...[&RelayState=...]&SigAlg=...`, then `&Signature=...`.
pub fn signed_query(
    kind: MessageKind,
    xml: &str,
    relay_state: Option<&str>,
    key: &openssl::pkey::PKey<openssl::pkey::Private>,
) -> Result<String, BindingError> {
    let mut q = query(kind, xml, relay_state)?;
    q.push_str("&SigAlg=");
    q.push_str(&encode_component(super::ALG_RSA_SHA256));
    let signature = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), key)
        .and_then(|mut signer| {
            signer.update(q.as_bytes())?;
            signer.sign_to_vec()
        })
        .map_err(|_| BindingError::SigningFailed)?;
    q.push_str("&Signature=");
    q.push_str(&encode_component(&STANDARD.encode(signature)));
    Ok(q)
}

/// Checks the query signature of a received message with the registered certificate.
/// RSA-SHA256 always; RSA-SHA1 only when `allow_sha1` (Entra's opt-in).
/// [`verify_query_signature`] trusting any of `certs` (R-SA-11); the first certificate's error
/// when none verifies.
pub fn verify_query_signature_any(
    received: &Received,
    certs: &[crate::keys::Certificate],
    allow_sha1: bool,
) -> Result<(), QuerySignatureError> {
    let mut first = None;
    for cert in certs {
        match verify_query_signature(received, cert, allow_sha1) {
            Ok(()) => return Ok(()),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    Err(first.unwrap_or(QuerySignatureError::Invalid))
}

pub fn verify_query_signature(
    received: &Received,
    cert: &crate::keys::Certificate,
    allow_sha1: bool,
) -> Result<(), QuerySignatureError> {
    let (Some(sig_alg), Some(signature), Some(raw_sig_alg)) = (
        &received.sig_alg,
        &received.signature,
        &received.raw_sig_alg,
    ) else {
        return match (&received.sig_alg, &received.signature) {
            (None, None) => Err(QuerySignatureError::Unsigned),
            _ => Err(QuerySignatureError::Incomplete),
        };
    };
    let digest = match sig_alg.as_str() {
        super::ALG_RSA_SHA256 => openssl::hash::MessageDigest::sha256(),
        super::ALG_RSA_SHA1 if allow_sha1 => openssl::hash::MessageDigest::sha1(),
        other => return Err(QuerySignatureError::AlgorithmNotAllowed(other.to_owned())),
    };
    // The signed octets, in the order the binding fixes, as they arrived (still URL-encoded).
    let mut octets = received.raw_message.clone();
    if let Some(rs) = &received.raw_relay_state {
        octets.push('&');
        octets.push_str(rs);
    }
    octets.push('&');
    octets.push_str(raw_sig_alg);
    let compact: String = signature
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let signature = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| QuerySignatureError::Malformed)?;
    let public = cert
        .public_key()
        .map_err(|e| QuerySignatureError::Certificate(e.to_string()))?;
    let ok = openssl::sign::Verifier::new(digest, &public)
        .and_then(|mut v| {
            v.update(octets.as_bytes())?;
            v.verify(&signature)
        })
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(QuerySignatureError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixture;
    use crate::keys::RequestSigningKey;
    use proptest::prelude::*;

    fn sp_key() -> RequestSigningKey {
        RequestSigningKey::from_pem(Fixture::SpContoso.key_pem()).unwrap()
    }

    #[test]
    fn a_signed_query_verifies_and_is_deterministic() {
        let key = sp_key();
        let q = signed_query(
            MessageKind::Request,
            "<a ID=\"id1\"/>",
            Some("rs"),
            key.pkey(),
        )
        .unwrap();
        assert_eq!(
            q,
            signed_query(
                MessageKind::Request,
                "<a ID=\"id1\"/>",
                Some("rs"),
                key.pkey()
            )
            .unwrap()
        );
        let got = parse_query(&q).unwrap();
        verify_query_signature(&got, &Fixture::SpContoso.certificate(), false).unwrap();
        assert_eq!(
            verify_query_signature(&got, &Fixture::SpContosoNext.certificate(), false),
            Err(QuerySignatureError::Invalid)
        );
        // The parameters may come in any order; the signed octets are rebuilt in the fixed one.
        let mut parts: Vec<&str> = q.split('&').collect();
        parts.reverse();
        let reordered = parse_query(&parts.join("&")).unwrap();
        verify_query_signature(&reordered, &Fixture::SpContoso.certificate(), false).unwrap();
    }

    #[test]
    fn unsigned_incomplete_and_sha1_queries_are_refused() {
        let cert = Fixture::SpContoso.certificate();
        let plain = parse_query(&query(MessageKind::Request, "<a/>", None).unwrap()).unwrap();
        assert_eq!(
            verify_query_signature(&plain, &cert, false),
            Err(QuerySignatureError::Unsigned)
        );
        let q = signed_query(MessageKind::Request, "<a/>", None, sp_key().pkey()).unwrap();
        let no_sig = q.split("&Signature=").next().unwrap();
        assert_eq!(
            verify_query_signature(&parse_query(no_sig).unwrap(), &cert, false),
            Err(QuerySignatureError::Incomplete)
        );
        let sha1 = q.replace(
            &encode_component(crate::saml::ALG_RSA_SHA256),
            &encode_component(crate::saml::ALG_RSA_SHA1),
        );
        assert!(matches!(
            verify_query_signature(&parse_query(&sha1).unwrap(), &cert, false),
            Err(QuerySignatureError::AlgorithmNotAllowed(_))
        ));
        // Allowed, SHA-1 is checked like any other: this one was made with SHA-256, so it fails.
        assert_eq!(
            verify_query_signature(&parse_query(&sha1).unwrap(), &cert, true),
            Err(QuerySignatureError::Invalid)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn signer_and_verifier_agree_and_any_changed_byte_is_refused(
            xml in "\\PC{1,200}",
            rs in proptest::option::of("\\PC{0,20}"),
            at in any::<proptest::sample::Index>(),
            delta in 1u8..=255,
        ) {
            let key = sp_key();
            let cert = Fixture::SpContoso.certificate();
            let q = signed_query(MessageKind::Request, &xml, rs.as_deref(), key.pkey()).unwrap();
            let got = parse_query(&q).unwrap();
            prop_assert_eq!(&got.xml, &xml);
            prop_assert!(verify_query_signature(&got, &cert, false).is_ok());
            let mut bytes = q.clone().into_bytes();
            let i = at.index(bytes.len());
            bytes[i] = bytes[i].wrapping_add(delta);
            // A changed byte either breaks the query itself or the signature; never both fine.
            let refused = match String::from_utf8(bytes) {
                Err(_) => true,
                Ok(changed) => match parse_query(&changed) {
                    Err(_) => true,
                    Ok(parsed) => verify_query_signature(&parsed, &cert, false).is_err(),
                },
            };
            prop_assert!(refused, "a one-byte change at {} was accepted", i);
        }
    }

    #[test]
    fn a_query_round_trips() {
        let xml = "<samlp:AuthnRequest ID=\"id1\"/>";
        let q = query(MessageKind::Request, xml, Some("/live/1?P_mode=TEST&x=y")).unwrap();
        let got = parse_query(&q).unwrap();
        assert_eq!(got.kind, MessageKind::Request);
        assert_eq!(got.xml, xml);
        assert_eq!(got.relay_state.as_deref(), Some("/live/1?P_mode=TEST&x=y"));
        assert_eq!(got.signature, None);
    }

    #[test]
    fn bad_queries_are_refused_with_their_reason() {
        let ok = query(MessageKind::Request, "<a/>", None).unwrap();
        assert_eq!(
            parse_query("RelayState=x").unwrap_err(),
            BindingError::MissingMessage
        );
        assert_eq!(
            parse_query(&format!("{ok}&{ok}")).unwrap_err(),
            BindingError::DuplicateParameter("SAMLRequest".into())
        );
        assert_eq!(
            parse_query(&format!("{ok}&RelayState=a&RelayState=b")).unwrap_err(),
            BindingError::DuplicateParameter("RelayState".into())
        );
        let resp = query(MessageKind::Response, "<a/>", None).unwrap();
        assert_eq!(
            parse_query(&format!("{ok}&{resp}")).unwrap_err(),
            BindingError::TwoMessages
        );
        assert_eq!(
            parse_query("SAMLRequest=%%%").unwrap_err(),
            BindingError::NotBase64
        );
        assert_eq!(
            parse_query("SAMLRequest=AAAA").unwrap_err(),
            BindingError::NotDeflate
        );
        let long = "r".repeat(81);
        assert_eq!(
            query(MessageKind::Request, "<a/>", Some(&long)).unwrap_err(),
            BindingError::RelayStateTooLong
        );
        assert_eq!(
            parse_query(&format!("{ok}&RelayState={long}")).unwrap_err(),
            BindingError::RelayStateTooLong
        );
    }

    #[test]
    fn inflation_is_capped() {
        // 10 MiB of one byte deflates to about 10 KiB: a bomb the cap must stop.
        let bomb = "a".repeat(10 * 1024 * 1024);
        let encoded = deflate_base64(&bomb);
        assert!(encoded.len() < MAX_ENCODED);
        assert_eq!(
            inflate_base64(&encoded).unwrap_err(),
            BindingError::InflatedTooLarge
        );
        assert_eq!(
            inflate_base64(&"A".repeat(MAX_ENCODED + 4)).unwrap_err(),
            BindingError::EncodedTooLarge
        );
    }

    proptest! {
        #[test]
        fn any_message_and_relay_state_round_trip(xml in "\\PC{0,300}", rs in "\\PC{0,20}") {
            let q = query(MessageKind::Response, &xml, Some(&rs)).unwrap();
            let got = parse_query(&q).unwrap();
            prop_assert_eq!(got.xml, xml);
            prop_assert_eq!(got.relay_state, Some(rs));
        }
    }
}
