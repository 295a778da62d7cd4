//! Keys and certificates: PEM and bare-Base64 decoding, a signing key that never prints its
//! secret, and the pinned certificate a verifier trusts (saml-metadata-2.0 §2.4.1.1: keys are
//! configured out of band; KeyInfo in a message is never trusted).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("no PEM block labelled {0}")]
    MissingPemBlock(&'static str),
    #[error("the text is neither PEM nor Base64: {0}")]
    NotBase64(String),
    #[error("the decoded bytes are not a DER structure")]
    NotDer,
    #[error("the PEM private key is encrypted; supply an unencrypted key")]
    EncryptedKey,
}

/// The DER bytes of the first PEM block labelled `label` (`CERTIFICATE`, `PRIVATE KEY`, ...).
pub fn pem_block(text: &str, label: &'static str) -> Result<Vec<u8>, KeyError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).ok_or(KeyError::MissingPemBlock(label))? + begin.len();
    let stop = text[start..]
        .find(&end)
        .ok_or(KeyError::MissingPemBlock(label))?
        + start;
    decode_base64_body(&text[start..stop])
}

fn decode_base64_body(body: &str) -> Result<Vec<u8>, KeyError> {
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| KeyError::NotBase64(e.to_string()))?;
    // Every certificate and key is an ASN.1 SEQUENCE.
    if der.first() != Some(&0x30) || der.len() < 16 {
        return Err(KeyError::NotDer);
    }
    Ok(der)
}

/// A certificate given as PEM, or as the bare Base64 body that Entra ID's "Certificate (Base64)"
/// download and many admin consoles offer for copy and paste.
pub fn certificate_der(text: &str) -> Result<Vec<u8>, KeyError> {
    if text.contains("-----BEGIN") {
        pem_block(text, "CERTIFICATE")
    } else {
        decode_base64_body(text)
    }
}

/// An RSA private key as PKCS#8 DER (`-----BEGIN PRIVATE KEY-----`) or PKCS#1 DER
/// (`-----BEGIN RSA PRIVATE KEY-----`).
pub fn private_key_der(text: &str) -> Result<Vec<u8>, KeyError> {
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || text.contains("Proc-Type: 4,ENCRYPTED")
    {
        return Err(KeyError::EncryptedKey);
    }
    pem_block(text, "PRIVATE KEY").or_else(|_| pem_block(text, "RSA PRIVATE KEY"))
}

pub fn der_to_pem(der: &[u8], label: &str) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A private key with its certificate, for signing. `Debug` never shows the key.
#[derive(Clone)]
pub struct SigningKey {
    key_der: Vec<u8>,
    cert_der: Vec<u8>,
}

impl SigningKey {
    pub fn from_pem(key_pem: &str, cert_pem: &str) -> Result<Self, KeyError> {
        Ok(Self {
            key_der: private_key_der(key_pem)?,
            cert_der: certificate_der(cert_pem)?,
        })
    }

    pub fn key_der(&self) -> &[u8] {
        &self.key_der
    }

    pub fn certificate(&self) -> Certificate {
        Certificate(self.cert_der.clone())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key", &"[redacted]")
            .field("certificate", &self.certificate().base64())
            .finish()
    }
}

/// An X.509 certificate (DER). As a verifier's trust anchor it is pinned: only signatures made
/// by its key are accepted, whatever certificate a message carries.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate(Vec<u8>);

impl Certificate {
    pub fn from_der(der: Vec<u8>) -> Self {
        Self(der)
    }

    /// PEM, or bare Base64 as Entra ID offers it.
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        certificate_der(text).map(Self)
    }

    pub fn der(&self) -> &[u8] {
        &self.0
    }

    /// The Base64 body, on one line, as `ds:X509Certificate` carries it.
    pub fn base64(&self) -> String {
        STANDARD.encode(&self.0)
    }

    pub fn pem(&self) -> String {
        der_to_pem(&self.0, "CERTIFICATE")
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b64 = self.base64();
        write!(f, "Certificate({}…)", &b64[..b64.len().min(24)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixture;

    #[test]
    fn certificates_load_from_pem_and_from_bare_base64() {
        let pem = Fixture::IdpEntra.cert_pem();
        let from_pem = Certificate::from_text(pem).unwrap();
        let bare: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(Certificate::from_text(&bare).unwrap(), from_pem);
        assert_eq!(Certificate::from_text(&from_pem.pem()).unwrap(), from_pem);
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        assert!(matches!(
            Certificate::from_text("not base64 !!"),
            Err(KeyError::NotBase64(_))
        ));
        assert_eq!(Certificate::from_text("AAAA"), Err(KeyError::NotDer));
        assert_eq!(
            Certificate::from_text("-----BEGIN CERTIFICATE-----\nAAAA"),
            Err(KeyError::MissingPemBlock("CERTIFICATE"))
        );
        assert_eq!(
            private_key_der(
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----"
            ),
            Err(KeyError::EncryptedKey)
        );
    }

    #[test]
    fn signing_keys_never_print_the_secret() {
        let key = Fixture::IdpEntra.signing_key();
        let shown = format!("{key:?}");
        assert!(shown.contains("[redacted]"));
        let secret_b64 = STANDARD.encode(key.key_der());
        assert!(!shown.contains(&secret_b64[..40]));
    }
}
