//! Configuration of a mock IdP: its profile and tenant, the service providers registered with
//! it (Entra's "enterprise applications") and its users. Serde-readable, for the standalone
//! binary's TOML file.

use crate::profile::VendorProfile;
use protocol::saml::messages::Signing;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpConfig {
    #[serde(default)]
    pub profile: VendorProfile,
    /// Entra tenant ID, Okta app ID or Google `idpid`.
    pub tenant: String,
    #[serde(default)]
    pub apps: Vec<RegisteredApp>,
    #[serde(default)]
    pub users: Vec<IdpUser>,
}

/// A service provider registered at the IdP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisteredApp {
    /// The SP's entity ID ("Identifier"); an AuthnRequest's Issuer must equal it exactly.
    pub identifier: String,
    /// Registered ACS URLs ("Reply URLs"); the first is the default.
    pub reply_urls: Vec<String>,
    /// Where LogoutResponses go.
    #[serde(default)]
    pub logout_url: Option<String>,
    /// Overrides the profile's signing choice.
    #[serde(default, with = "signing_serde")]
    pub signing: Option<Signing>,
    /// Entra's "Require verification certificates": requests must be signed with the key of
    /// `sp_certificate`; otherwise signatures are ignored (protocols.md §3.2).
    #[serde(default)]
    pub require_signed_requests: bool,
    /// The SP's request-signing certificate (PEM), as uploaded to the IdP.
    #[serde(default)]
    pub sp_certificate: Option<String>,
    /// Accept RSA-SHA1 query signatures (Entra's opt-in).
    #[serde(default)]
    pub allow_sha1: bool,
    /// Overrides whether the IdP signs its logout messages (the profile's default: Okta signs,
    /// Entra ID does not, as no source says it does; protocols.md §3.6, §4).
    #[serde(default)]
    pub sign_logout: Option<bool>,
}

impl RegisteredApp {
    pub fn new(identifier: impl Into<String>, reply_url: impl Into<String>) -> Self {
        Self {
            identifier: identifier.into(),
            reply_urls: vec![reply_url.into()],
            logout_url: None,
            signing: None,
            require_signed_requests: false,
            sp_certificate: None,
            allow_sha1: false,
            sign_logout: None,
        }
    }
}

/// A user who can sign in at the IdP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpUser {
    /// Login name (Entra's UPN), e.g. `B.Simon@contoso.com`.
    pub username: String,
    pub password: String,
    pub email: String,
    pub display_name: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub surname: String,
    /// Immutable directory ID (Entra `objectidentifier`).
    pub object_id: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

impl IdpUser {
    /// B.Simon of the Entra tutorial.
    pub fn b_simon() -> Self {
        Self {
            username: "B.Simon@contoso.com".into(),
            password: "BSimon-Idp-2026".into(),
            email: "B.Simon@contoso.com".into(),
            display_name: "B.Simon".into(),
            given_name: "B".into(),
            surname: "Simon".into(),
            object_id: "9f2c1e55-0000-4000-8000-00000000b51a".into(),
            roles: Vec::new(),
        }
    }
}

/// Parses signing choices as `assertion`, `response`, `both`, `unsigned`.
pub fn parse_signing(s: &str) -> Option<Signing> {
    match s {
        "assertion" => Some(Signing::Assertion),
        "response" => Some(Signing::Response),
        "both" => Some(Signing::Both),
        "unsigned" => Some(Signing::Unsigned),
        _ => None,
    }
}

pub fn signing_name(s: Signing) -> &'static str {
    match s {
        Signing::Assertion => "assertion",
        Signing::Response => "response",
        Signing::Both => "both",
        Signing::Unsigned => "unsigned",
    }
}

mod signing_serde {
    use super::{parse_signing, signing_name};
    use protocol::saml::messages::Signing;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Signing>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(signing_name(*v)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Signing>, D::Error> {
        let raw: Option<String> = Option::deserialize(d)?;
        raw.map(|r| {
            parse_signing(&r).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "signing must be assertion, response, both or unsigned, not {r:?}"
                ))
            })
        })
        .transpose()
    }
}
