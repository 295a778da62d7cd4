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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
