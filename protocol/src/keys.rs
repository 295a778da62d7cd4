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
    #[error("the key is not an RSA key")]
    NotRsa,
    #[error("the RSA key has {0} bits; at least {MIN_RSA_BITS} are required")]
    TooShort(u32),
    #[error("the certificate does not hold the public half of this private key")]
    CertificateMismatch,
    #[error("the key or certificate cannot be read: {0}")]
    Unreadable(String),
    #[error("a certificate cannot be made for the key: {0}")]
    CertificateGeneration(String),
}

/// What a self-signed certificate made by [`RequestSigningKey::self_signed_certificate`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfSigned {
    pub certificate: Certificate,
    pub not_before: chrono::DateTime<chrono::Utc>,
    pub not_after: chrono::DateTime<chrono::Utc>,
}

/// A self-signed certificate for `pair` (rcgen, RSA-SHA256): `CN=<common_name>`, valid `days`
/// from `not_before` (seconds dropped), serial from the public key and the start, digital
/// signature only.
fn self_signed(
    pair: &rcgen::KeyPair,
    spki: &[u8],
    common_name: &str,
    not_before: chrono::DateTime<chrono::Utc>,
    days: i64,
) -> Result<SelfSigned, KeyError> {
    let fail = |e: &dyn fmt::Display| KeyError::CertificateGeneration(e.to_string());
    let start = not_before.timestamp() - not_before.timestamp().rem_euclid(60);
    let end = start + days * 86_400;
    let at = |t: i64| time::OffsetDateTime::from_unix_timestamp(t).map_err(|e| fail(&e));
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params.not_before = at(start)?;
    params.not_after = at(end)?;
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    let mut seed = spki.to_vec();
    seed.extend_from_slice(&start.to_be_bytes());
    let mut serial = openssl::sha::sha256(&seed)[..16].to_vec();
    serial[0] &= 0x7f; // a positive INTEGER (RFC 5280 §4.1.2.2)
    params.serial_number = Some(rcgen::SerialNumber::from(serial));
    let cert = params.self_signed(pair).map_err(|e| fail(&e))?;
    let time = |t| chrono::DateTime::from_timestamp(t, 0).ok_or_else(|| fail(&t));
    Ok(SelfSigned {
        certificate: Certificate::from_der(cert.der().to_vec()),
        not_before: time(start)?,
        not_after: time(end)?,
    })
}

/// Smallest RSA modulus accepted for signing keys.
pub const MIN_RSA_BITS: u32 = 2048;

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

/// Most certificates one trust setting holds: a rollover lists two or three (Entra publishes
/// the current and the next); more is a paste gone wrong.
pub const MAX_TRUSTED_CERTIFICATES: usize = 5;

/// One certificate or several (an IdP's rollover, R-SA-11): PEM blocks one after another, with
/// nothing but whitespace between them, or one bare Base64 body.
pub fn certificates_from_text(text: &str) -> Result<Vec<Certificate>, KeyError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    if !text.contains("-----BEGIN") {
        return Ok(vec![Certificate::from_text(text)?]);
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(BEGIN) {
        if !rest[..at].trim().is_empty() {
            return Err(KeyError::NotBase64("text between the certificates".into()));
        }
        let body = &rest[at + BEGIN.len()..];
        let stop = body
            .find(END)
            .ok_or(KeyError::MissingPemBlock("CERTIFICATE"))?;
        out.push(Certificate::from_der(decode_base64_body(&body[..stop])?));
        rest = &body[stop + END.len()..];
    }
    if !rest.trim().is_empty() || out.is_empty() {
        return Err(KeyError::MissingPemBlock("CERTIFICATE"));
    }
    if out.len() > MAX_TRUSTED_CERTIFICATES {
        return Err(KeyError::NotBase64(format!(
            "{} certificates; at most {MAX_TRUSTED_CERTIFICATES}",
            out.len()
        )));
    }
    Ok(out)
}

/// What a certificate says, for an administrator to recognise it (R-SA-11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    /// `CN=..., O=...`, in the certificate's order.
    pub subject: String,
    /// RSA modulus bits (0 for another key type).
    pub bits: u32,
    /// SHA-256 of the DER, colon-separated hex (the thumbprint consoles show, in SHA-256).
    pub sha256_fingerprint: String,
    pub not_before: chrono::DateTime<chrono::Utc>,
    pub not_after: chrono::DateTime<chrono::Utc>,
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
    /// The key parsed, once, shared by clones: loading it costs more than a signature.
    parsed: std::sync::Arc<std::sync::OnceLock<openssl::pkey::PKey<openssl::pkey::Private>>>,
}

impl SigningKey {
    /// A new RSA-2048 key (rcgen, from the system's randomness) with a self-signed certificate
    /// `CN=<common_name>` valid `days` from `not_before`: an IdP's next signing certificate,
    /// made at run time (issue 17). Not deterministic: what uses it must not be a snapshot.
    pub fn generate(
        common_name: &str,
        not_before: chrono::DateTime<chrono::Utc>,
        days: i64,
    ) -> Result<Self, KeyError> {
        let fail = |e: &dyn fmt::Display| KeyError::CertificateGeneration(e.to_string());
        let pair =
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .map_err(|e| fail(&e))?;
        let made = self_signed(
            &pair,
            rcgen::PublicKeyData::subject_public_key_info(&pair).as_slice(),
            common_name,
            not_before,
            days,
        )?;
        Self::from_pem(&pair.serialize_pem(), &made.certificate.pem())
    }

    pub fn from_pem(key_pem: &str, cert_pem: &str) -> Result<Self, KeyError> {
        Ok(Self {
            key_der: private_key_der(key_pem)?,
            cert_der: certificate_der(cert_pem)?,
            parsed: Default::default(),
        })
    }

    pub fn key_der(&self) -> &[u8] {
        &self.key_der
    }

    /// The private key, parsed on first use.
    pub fn pkey(&self) -> Result<&openssl::pkey::PKey<openssl::pkey::Private>, KeyError> {
        if let Some(key) = self.parsed.get() {
            return Ok(key);
        }
        let key = openssl::pkey::PKey::private_key_from_der(&self.key_der)
            .map_err(|e| KeyError::Unreadable(e.to_string()))?;
        Ok(self.parsed.get_or_init(|| key))
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

/// A customer's own RSA key for signing AuthnRequest and LogoutRequest (HTTP-Redirect query
/// signatures), with its certificate when one was supplied. `Debug` never shows the key.
#[derive(Clone)]
pub struct RequestSigningKey {
    key: openssl::pkey::PKey<openssl::pkey::Private>,
    certificate: Option<Certificate>,
}

impl RequestSigningKey {
    /// Reads an unencrypted RSA private key of at least [`MIN_RSA_BITS`] bits from PEM text, and
    /// the certificate that may follow it in the same text (as `cat key.pem cert.pem` gives),
    /// which must then hold the key's public half.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let der = private_key_der(text)?;
        let key = openssl::pkey::PKey::private_key_from_der(&der)
            .map_err(|e| KeyError::Unreadable(e.to_string()))?;
        if key.id() != openssl::pkey::Id::RSA {
            return Err(KeyError::NotRsa);
        }
        if key.bits() < MIN_RSA_BITS {
            return Err(KeyError::TooShort(key.bits()));
        }
        let certificate = if text.contains("-----BEGIN CERTIFICATE-----") {
            let cert = Certificate::from_text(text)?;
            if !cert.holds_public_key_of(&key)? {
                return Err(KeyError::CertificateMismatch);
            }
            Some(cert)
        } else {
            None
        };
        Ok(Self { key, certificate })
    }

    pub fn pkey(&self) -> &openssl::pkey::PKey<openssl::pkey::Private> {
        &self.key
    }

    pub fn certificate(&self) -> Option<&Certificate> {
        self.certificate.as_ref()
    }

    /// A self-signed certificate for this key (rcgen, RSA-SHA256), for a key given without one:
    /// subject `CN=<common_name>`, valid `days` from `not_before` (seconds dropped), serial from
    /// the key and the start, digital signature only. PKCS#1 v1.5 signatures are deterministic,
    /// so the same key, name and time give the same bytes (snapshots stay exact).
    pub fn self_signed_certificate(
        &self,
        common_name: &str,
        not_before: chrono::DateTime<chrono::Utc>,
        days: i64,
    ) -> Result<SelfSigned, KeyError> {
        let fail = |e: &dyn fmt::Display| KeyError::CertificateGeneration(e.to_string());
        let pem = self.key.private_key_to_pem_pkcs8().map_err(|e| fail(&e))?;
        let pem = String::from_utf8(pem).map_err(|e| fail(&e))?;
        let pair = rcgen::KeyPair::from_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256)
            .map_err(|e| fail(&e))?;
        let spki = self.key.public_key_to_der().map_err(|e| fail(&e))?;
        self_signed(&pair, &spki, common_name, not_before, days)
    }

    /// SHA-256 of the DER SubjectPublicKeyInfo, as colon-separated hex: safe to show.
    pub fn public_key_fingerprint(&self) -> Result<String, KeyError> {
        let spki = self
            .key
            .public_key_to_der()
            .map_err(|e| KeyError::Unreadable(e.to_string()))?;
        let digest = openssl::sha::sha256(&spki);
        Ok(digest
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":"))
    }
}

impl fmt::Debug for RequestSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigningKey")
            .field("key", &"[redacted]")
            .field("certificate", &self.certificate)
            .finish()
    }
}

/// Most certificates whose public key [`Certificate::public_key`] keeps parsed.
pub const MAX_CACHED_KEYS: usize = 256;

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

    /// Subject, key size, fingerprint and validity.
    pub fn facts(&self) -> Result<CertFacts, KeyError> {
        let bad = |e: &dyn fmt::Display| KeyError::Unreadable(e.to_string());
        let x509 = openssl::x509::X509::from_der(&self.0).map_err(|e| bad(&e))?;
        let subject = x509
            .subject_name()
            .entries()
            .map(|e| {
                format!(
                    "{}={}",
                    e.object().nid().short_name().unwrap_or("?"),
                    e.data().to_string().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let bits = x509
            .public_key()
            .ok()
            .and_then(|k| k.rsa().ok())
            .map(|r| r.size() * 8)
            .unwrap_or(0);
        let epoch = openssl::asn1::Asn1Time::from_unix(0).map_err(|e| bad(&e))?;
        let to_utc = |t: &openssl::asn1::Asn1TimeRef| {
            let diff = epoch.diff(t).map_err(|e| bad(&e))?;
            chrono::DateTime::from_timestamp(
                i64::from(diff.days) * 86_400 + i64::from(diff.secs),
                0,
            )
            .ok_or_else(|| bad(&"a date out of range"))
        };
        let sha256_fingerprint = openssl::sha::sha256(&self.0)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");
        Ok(CertFacts {
            subject,
            bits,
            sha256_fingerprint,
            not_before: to_utc(x509.not_before())?,
            not_after: to_utc(x509.not_after())?,
        })
    }

    /// The certificate's public key, for verifying signatures. Parsing the X.509 costs several
    /// times the RSA verify itself, so each certificate's key is parsed once and kept, keyed by
    /// the SHA-256 of its DER (at most [`MAX_CACHED_KEYS`]; a full cache starts over).
    pub fn public_key(&self) -> Result<openssl::pkey::PKey<openssl::pkey::Public>, KeyError> {
        use std::collections::HashMap;
        use std::sync::{Mutex, OnceLock};
        type Cache = Mutex<HashMap<[u8; 32], openssl::pkey::PKey<openssl::pkey::Public>>>;
        static KEYS: OnceLock<Cache> = OnceLock::new();
        let fingerprint = openssl::sha::sha256(&self.0);
        let cache = KEYS.get_or_init(Cache::default);
        if let Some(key) = cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&fingerprint)
        {
            return Ok(key.clone());
        }
        let key = openssl::x509::X509::from_der(&self.0)
            .and_then(|x| x.public_key())
            .map_err(|e| KeyError::Unreadable(e.to_string()))?;
        let mut keys = cache.lock().unwrap_or_else(|p| p.into_inner());
        if keys.len() >= MAX_CACHED_KEYS {
            keys.clear();
        }
        keys.insert(fingerprint, key.clone());
        Ok(key)
    }

    fn holds_public_key_of(
        &self,
        key: &openssl::pkey::PKey<openssl::pkey::Private>,
    ) -> Result<bool, KeyError> {
        Ok(self.public_key()?.public_eq(key))
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
    fn a_self_signed_certificate_holds_the_key_says_its_year_and_is_the_same_bytes_each_time() {
        use chrono::TimeZone;
        let key = RequestSigningKey::from_pem(Fixture::SpContoso.key_pem()).unwrap();
        let at = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 42).unwrap();
        let made = key
            .self_signed_certificate("DigitalSuite 112501524864919680 LIVE", at, 365)
            .unwrap();
        let again = key
            .self_signed_certificate("DigitalSuite 112501524864919680 LIVE", at, 365)
            .unwrap();
        assert_eq!(made, again, "deterministic");
        assert_eq!(made.not_before.to_rfc3339(), "2026-01-05T09:00:00+00:00");
        assert_eq!(made.not_after.to_rfc3339(), "2027-01-05T09:00:00+00:00");
        let x509 = openssl::x509::X509::from_der(made.certificate.der()).unwrap();
        // It holds this key, and its own key verifies its signature (self-signed).
        let public = x509.public_key().unwrap();
        assert!(public.public_eq(key.pkey()));
        assert!(x509.verify(&public).unwrap());
        assert_eq!(
            x509.signature_algorithm().object().nid(),
            openssl::nid::Nid::SHA256WITHRSAENCRYPTION
        );
        let cn = x509
            .subject_name()
            .entries_by_nid(openssl::nid::Nid::COMMONNAME)
            .next()
            .unwrap()
            .data()
            .to_string()
            .unwrap();
        assert_eq!(cn, "DigitalSuite 112501524864919680 LIVE");
        assert_eq!(x509.not_before().to_string(), "Jan  5 09:00:00 2026 GMT");
        assert_eq!(x509.not_after().to_string(), "Jan  5 09:00:00 2027 GMT");
        let serial = x509.serial_number().to_bn().unwrap();
        assert!(!serial.is_negative() && serial.num_bits() > 64);
        // The key with it reads back as a key with its certificate.
        let with = format!("{}{}", Fixture::SpContoso.key_pem(), made.certificate.pem());
        let read = RequestSigningKey::from_pem(&with).unwrap();
        assert_eq!(read.certificate(), Some(&made.certificate));
        // Another start, another serial.
        let later = key
            .self_signed_certificate(
                "DigitalSuite 112501524864919680 LIVE",
                at + chrono::Duration::days(1),
                365,
            )
            .unwrap();
        assert_ne!(later.certificate, made.certificate);
    }

    #[test]
    fn a_trust_setting_takes_one_certificate_or_several_pem_blocks_and_nothing_else() {
        let a = Fixture::IdpEntra.cert_pem();
        let b = Fixture::IdpOkta.cert_pem();
        let one = certificates_from_text(a).unwrap();
        assert_eq!(one, vec![Certificate::from_text(a).unwrap()]);
        let two = certificates_from_text(&format!("{a}\n\n{b}")).unwrap();
        assert_eq!(two.len(), 2);
        assert_eq!(two[1], Certificate::from_text(b).unwrap());
        let bare = Certificate::from_text(a).unwrap().base64();
        assert_eq!(certificates_from_text(&bare).unwrap(), one);
        for bad in [
            format!("{a}junk{b}"),
            format!("junk{a}"),
            format!("{a}trailing"),
            "-----BEGIN CERTIFICATE-----".to_owned(),
            "not base64".to_owned(),
            a.repeat(MAX_TRUSTED_CERTIFICATES + 1),
        ] {
            assert!(certificates_from_text(&bad).is_err(), "{bad:.60}");
        }
        let facts = one[0].facts().unwrap();
        assert!(facts.bits >= 2048 && facts.not_after > facts.not_before);
        assert_eq!(facts.sha256_fingerprint.len(), 32 * 3 - 1);
    }

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
    fn request_signing_keys_are_checked() {
        let sp = Fixture::SpContoso;
        let key = RequestSigningKey::from_pem(sp.key_pem()).unwrap();
        assert!(key.certificate().is_none());
        let with_cert = format!("{}{}", sp.key_pem(), sp.cert_pem());
        let key = RequestSigningKey::from_pem(&with_cert).unwrap();
        assert_eq!(key.certificate(), Some(&sp.certificate()));
        assert_eq!(key.public_key_fingerprint().unwrap().len(), 32 * 3 - 1);
        let mismatch = format!("{}{}", sp.key_pem(), Fixture::IdpEntra.cert_pem());
        assert_eq!(
            RequestSigningKey::from_pem(&mismatch).unwrap_err(),
            KeyError::CertificateMismatch
        );
        // A 1024-bit RSA key and an EC key, made on the fly.
        let small = openssl::rsa::Rsa::generate(1024).unwrap();
        let small_pem = String::from_utf8(
            openssl::pkey::PKey::from_rsa(small)
                .unwrap()
                .private_key_to_pem_pkcs8()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            RequestSigningKey::from_pem(&small_pem).unwrap_err(),
            KeyError::TooShort(1024)
        );
        let group =
            openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        let ec = openssl::ec::EcKey::generate(&group).unwrap();
        let ec_pem = String::from_utf8(
            openssl::pkey::PKey::from_ec_key(ec)
                .unwrap()
                .private_key_to_pem_pkcs8()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            RequestSigningKey::from_pem(&ec_pem).unwrap_err(),
            KeyError::NotRsa
        );
        let shown = format!("{key:?}");
        assert!(shown.contains("[redacted]") && !shown.contains("PRIVATE"));
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
