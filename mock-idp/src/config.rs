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
    /// Entra's "Sign on URL" (Basic SAML Configuration): where "Test this application" and the
    /// My Apps tile send the user of an SP-initiated app, which then sends its AuthnRequest.
    #[serde(default)]
    pub sign_on_url: Option<String>,
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
            sign_on_url: None,
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

    /// A directory user whose given name and surname come from the display name, so that
    /// Entra's default `givenname` and `surname` claims are never empty: split at the first
    /// space, else at the first dot ("B.Simon" gives "B" and "Simon", as [`Self::b_simon`]);
    /// a single word is the given name, with the display name as surname.
    pub fn named(
        username: impl Into<String>,
        password: impl Into<String>,
        email: impl Into<String>,
        display_name: impl Into<String>,
        object_id: impl Into<String>,
    ) -> Self {
        let display_name = display_name.into();
        let (given_name, surname) = split_name(&display_name);
        Self {
            username: username.into(),
            password: password.into(),
            email: email.into(),
            display_name,
            given_name,
            surname,
            object_id: object_id.into(),
            roles: Vec::new(),
        }
    }
}

fn split_name(display: &str) -> (String, String) {
    let display = display.trim();
    let split = display
        .split_once(' ')
        .or_else(|| display.split_once('.'))
        .map(|(g, s)| (g.trim(), s.trim()))
        .filter(|(g, s)| !g.is_empty() && !s.is_empty());
    match split {
        Some((g, s)) => (g.to_owned(), s.to_owned()),
        None => (display.to_owned(), display.to_owned()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_users_never_have_an_empty_given_name_or_surname() {
        let names = |d: &str| {
            let u = IdpUser::named("u@x", "p", "u@x", d, "oid");
            (u.given_name, u.surname)
        };
        let b = IdpUser::b_simon();
        assert_eq!(names("B.Simon"), (b.given_name, b.surname));
        assert_eq!(names("Contoso Admin"), ("Contoso".into(), "Admin".into()));
        assert_eq!(
            names("Ann Marie Smith"),
            ("Ann".into(), "Marie Smith".into())
        );
        assert_eq!(names("Root"), ("Root".into(), "Root".into()));
        assert_eq!(names("Dot."), ("Dot.".into(), "Dot.".into()));
    }
}
