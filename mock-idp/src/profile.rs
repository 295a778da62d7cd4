//! Vendor profiles: what each identity provider's messages look like and how it judges a request
//! (protocols.md §3 for Microsoft Entra ID, §4 for Okta and Google Workspace).

use crate::config::IdpUser;
use chrono::Duration;
use protocol::fixtures::Fixture;
use protocol::saml::messages::{Attribute, Signing, Style};
use protocol::saml::{self as s};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum VendorProfile {
    #[default]
    EntraId,
    Okta,
    GoogleWorkspace,
}

impl VendorProfile {
    pub fn name(self) -> &'static str {
        match self {
            Self::EntraId => "entra-id",
            Self::Okta => "okta",
            Self::GoogleWorkspace => "google-workspace",
        }
    }

    pub fn style(self) -> Style {
        match self {
            Self::EntraId => Style::ENTRA,
            Self::Okta => Style::OKTA,
            Self::GoogleWorkspace => Style::SAMLP,
        }
    }

    pub fn fixture(self) -> Fixture {
        match self {
            Self::EntraId => Fixture::IdpEntra,
            Self::Okta => Fixture::IdpOkta,
            Self::GoogleWorkspace => Fixture::IdpGoogleWorkspace,
        }
    }

    /// What the vendor signs unless told otherwise: Entra the assertion (§3.4), Okta both
    /// (real fixtures, §4), Google the assertion (§4).
    pub fn default_signing(self) -> Signing {
        match self {
            Self::EntraId | Self::GoogleWorkspace => Signing::Assertion,
            Self::Okta => Signing::Both,
        }
    }

    /// The IdP's entity ID, which is also the Issuer of its Responses.
    pub fn entity_id(self, tenant: &str) -> String {
        match self {
            Self::EntraId => format!("https://sts.windows.net/{tenant}/"),
            Self::Okta => format!("http://www.okta.com/{tenant}"),
            Self::GoogleWorkspace => format!("https://accounts.google.com/o/saml2?idpid={tenant}"),
        }
    }

    /// Whether the Issuer carries `Format="...:entity"` (Okta does).
    pub fn issuer_format(self) -> Option<String> {
        match self {
            Self::Okta => Some(s::NAMEID_ENTITY.to_owned()),
            _ => None,
        }
    }

    /// Issuer of LogoutResponses: Entra writes `login.microsoftonline.com`, not its entity ID
    /// (§3.6).
    pub fn logout_issuer(self, tenant: &str) -> String {
        match self {
            Self::EntraId => format!("https://login.microsoftonline.com/{tenant}/"),
            other => other.entity_id(tenant),
        }
    }

    /// Path of the SSO endpoint (both bindings).
    pub fn sso_path(self, tenant: &str) -> String {
        match self {
            Self::EntraId => format!("/{tenant}/saml2"),
            Self::Okta => format!("/app/mock/{tenant}/sso/saml"),
            Self::GoogleWorkspace => "/o/saml2/idp".to_owned(),
        }
    }

    /// Query the SSO URL carries (Google's `idpid`).
    pub fn sso_query(self, tenant: &str) -> Option<String> {
        match self {
            Self::GoogleWorkspace => Some(format!("idpid={tenant}")),
            _ => None,
        }
    }

    /// Whether the profile signs its logout messages: Okta does (its LogoutResponse is POSTed,
    /// signed); for Entra ID no source says so (protocols.md §3.6), so the mock does not.
    pub fn signs_logout(self) -> bool {
        self == Self::Okta
    }

    /// Path of the single-logout endpoint; Google Workspace has none.
    pub fn slo_path(self, tenant: &str) -> Option<String> {
        match self {
            // Entra takes LogoutRequests on the same URL as AuthnRequests.
            Self::EntraId => Some(format!("/{tenant}/saml2")),
            Self::Okta => Some(format!("/app/mock/{tenant}/slo/saml")),
            Self::GoogleWorkspace => None,
        }
    }

    pub fn metadata_path(self, tenant: &str) -> String {
        match self {
            Self::EntraId => format!("/{tenant}/federationmetadata/2007-06/federationmetadata.xml"),
            Self::Okta => format!("/app/{tenant}/sso/saml/metadata"),
            Self::GoogleWorkspace => "/o/saml2/metadata".to_owned(),
        }
    }

    /// (Conditions before, Conditions after, SubjectConfirmationData after) relative to the
    /// issue instant: Entra's observed T-5m..T+60m with confirmation = conditions (§3.4); Okta
    /// and Google T-5m..T+5m (§4).
    pub fn validity(self) -> (Duration, Duration, Duration) {
        match self {
            Self::EntraId => (
                Duration::minutes(5),
                Duration::minutes(60),
                Duration::minutes(60),
            ),
            Self::Okta | Self::GoogleWorkspace => (
                Duration::minutes(5),
                Duration::minutes(5),
                Duration::minutes(5),
            ),
        }
    }

    pub fn authn_context(self) -> &'static str {
        match self {
            Self::EntraId => s::AC_PASSWORD,
            Self::Okta => s::AC_PASSWORD_PROTECTED_TRANSPORT,
            Self::GoogleWorkspace => s::AC_UNSPECIFIED,
        }
    }

    /// NameID formats an AuthnRequest's NameIDPolicy may ask for (Entra §3.2; the others accept
    /// the same set here).
    pub fn accepts_name_id_format(self, format: &str) -> bool {
        [
            s::NAMEID_PERSISTENT,
            s::NAMEID_EMAIL,
            s::NAMEID_UNSPECIFIED,
            s::NAMEID_TRANSIENT,
        ]
        .contains(&format)
    }

    /// Name of the attribute carrying the user's roles.
    pub fn role_attribute(self) -> &'static str {
        match self {
            Self::EntraId => "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
            Self::Okta | Self::GoogleWorkspace => "role",
        }
    }

    /// The attributes sent for `user`: Entra's default claims in observed order (§3.5); Okta a
    /// small admin-mapped set; Google Workspace none but what is mapped (here: roles only).
    pub fn attributes(self, tenant: &str, user: &IdpUser) -> Vec<Attribute> {
        let plain = |name: &str, values: Vec<String>| Attribute {
            name: name.to_owned(),
            name_format: None,
            values,
            value_type: None,
        };
        let mut out = match self {
            Self::EntraId => vec![
                plain("http://schemas.microsoft.com/identity/claims/tenantid", vec![tenant.to_owned()]),
                plain("http://schemas.microsoft.com/identity/claims/objectidentifier", vec![user.object_id.clone()]),
                plain("http://schemas.microsoft.com/identity/claims/displayname", vec![user.display_name.clone()]),
                plain("http://schemas.microsoft.com/identity/claims/identityprovider", vec![self.entity_id(tenant)]),
                plain(
                    "http://schemas.microsoft.com/claims/authnmethodsreferences",
                    vec!["http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password".to_owned()],
                ),
                plain("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", vec![user.given_name.clone()]),
                plain("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", vec![user.surname.clone()]),
                plain("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", vec![user.email.clone()]),
                plain("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", vec![user.username.clone()]),
            ],
            Self::Okta => vec![
                Attribute {
                    name: "email".into(),
                    name_format: Some("urn:oasis:names:tc:SAML:2.0:attrname-format:basic".into()),
                    values: vec![user.email.clone()],
                    value_type: Some("xs:string".into()),
                },
                Attribute {
                    name: "displayName".into(),
                    name_format: Some("urn:oasis:names:tc:SAML:2.0:attrname-format:basic".into()),
                    values: vec![user.display_name.clone()],
                    value_type: Some("xs:string".into()),
                },
            ],
            Self::GoogleWorkspace => Vec::new(),
        };
        if !user.roles.is_empty() {
            let value_type = match self {
                Self::EntraId => None,
                Self::Okta => Some("xs:string".into()),
                Self::GoogleWorkspace => Some("xs:anyType".into()),
            };
            out.push(Attribute {
                name: self.role_attribute().to_owned(),
                name_format: None,
                values: user.roles.clone(),
                value_type,
            });
        }
        out
    }
}
