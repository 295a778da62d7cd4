//! SAML 2.0 wire layer shared by the reference SP and the mock IdP.
//!
//! - [`xml`]: strict parsing (no DTD) and the canonical pretty-printed form used for snapshots;
//! - [`redirect`], [`post`]: the HTTP-Redirect and HTTP-POST bindings (saml-bindings-2.0-os
//!   §3.4, §3.5);
//! - [`metadata`]: SP and IdP metadata (saml-metadata-2.0-os);
//! - [`messages`]: AuthnRequest, Response, LogoutRequest, LogoutResponse builders
//!   (saml-core-2.0-os §3.2-3.7);
//! - [`sign`]: enveloped XML signatures (RSA-SHA256, SHA-256 digests, exclusive c14n) made and
//!   checked with samael/xmlsec against a pinned certificate, with the structure checks samael
//!   leaves out (ARCHITECTURE.md, samael pitfalls).

pub mod c14n;
pub mod messages;
pub mod metadata;
pub mod post;
pub mod redirect;
pub mod sign;
pub mod xml;

/// Namespace of SAML protocol messages.
pub const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// Namespace of SAML assertions.
pub const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// Namespace of SAML metadata.
pub const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML-DSig namespace (real messages use `http://`, whatever vendor docs print).
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
pub const NS_XS: &str = "http://www.w3.org/2001/XMLSchema";

pub const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
pub const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
pub const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
pub const NAMEID_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
pub const NAMEID_TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
pub const NAMEID_ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
pub const STATUS_REQUESTER: &str = "urn:oasis:names:tc:SAML:2.0:status:Requester";
pub const STATUS_RESPONDER: &str = "urn:oasis:names:tc:SAML:2.0:status:Responder";
pub const STATUS_REQUEST_UNSUPPORTED: &str =
    "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported";
pub const STATUS_REQUEST_DENIED: &str = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied";
pub const STATUS_AUTHN_FAILED: &str = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";

pub const AC_PASSWORD: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password";
pub const AC_PASSWORD_PROTECTED_TRANSPORT: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
pub const AC_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified";

pub const ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const ALG_RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
pub const ALG_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
/// Algorithms no SAML profile of today allows, which the mock IdP's downgrade faults sign with
/// (a verifier must refuse them; xmldsig-core1 §6.1-6.4, NIST SP 800-131A).
pub const ALG_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
pub const ALG_MD5: &str = "http://www.w3.org/2001/04/xmldsig-more#md5";
pub const ALG_RSA_MD5: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-md5";
pub const ALG_HMAC_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
pub const ALG_XPATH: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";
pub const ALG_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ALG_ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// SAML timestamps: UTC, `xs:dateTime` with a `Z`, as every vendor profile emits them.
pub fn instant(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parses an `xs:dateTime`; SAML requires UTC (saml-core-2.0-os §1.3.3), so a time without a
/// zone or with another zone is refused.
pub fn parse_instant(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if !s.ends_with('Z') {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}
