//! External-IdP mode of `harness up` (R-VEN-3, first part): the demo account's LIVE SAML
//! configuration from a vendor's real IdP, given as its metadata or as the values its portal
//! shows (the Entra tutorial's Login URL, Logout URL and Certificate (Base64)).

use super::metadata::{describe, endpoint, is, signing_keys};
use chrono::{DateTime, Utc};
use protocol::keys::Certificate;
use protocol::saml::{self as s, xml};

/// What the SP needs to know about the IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpValues {
    pub entity_id: String,
    pub sso_url: String,
    pub slo_url: Option<String>,
    /// PEM.
    pub certificate: String,
}

/// From IdP metadata: the entity ID, the HTTP-Redirect SSO and SLO endpoints, and every
/// signing certificate valid at `now` (during a rollover the current and the next, which the SP
/// trusts both, R-SA-11).
pub fn from_metadata(text: &str, now: DateTime<Utc>) -> Result<IdpValues, String> {
    let doc = xml::parse(text).map_err(|e| format!("the IdP metadata is not readable XML: {e}"))?;
    let root = doc.root_element();
    if !is(&root, s::NS_METADATA, "EntityDescriptor") {
        return Err("the IdP metadata is not an md:EntityDescriptor".into());
    }
    let entity_id = root
        .attribute("entityID")
        .filter(|e| !e.is_empty())
        .ok_or("the IdP metadata has no entityID")?
        .to_owned();
    let idp = root
        .children()
        .find(|c| is(c, s::NS_METADATA, "IDPSSODescriptor"))
        .ok_or("the metadata has no IDPSSODescriptor")?;
    let sso_url = endpoint(idp, "SingleSignOnService", s::BINDING_REDIRECT)
        .ok_or("the IdP offers no SingleSignOnService with the HTTP-Redirect binding")?
        .to_owned();
    let slo_url = endpoint(idp, "SingleLogoutService", s::BINDING_REDIRECT).map(str::to_owned);
    let valid: Vec<String> = signing_keys(idp)
        .flat_map(|k| {
            k.descendants()
                .filter(|n| is(n, s::NS_DSIG, "X509Certificate"))
        })
        .map(|n| {
            n.text()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<String>()
        })
        .filter(|b64| describe(b64).is_ok_and(|c| c.not_before <= now && now < c.not_after))
        .take(protocol::keys::MAX_TRUSTED_CERTIFICATES)
        .collect();
    if valid.is_empty() {
        return Err("the IdP metadata has no signing certificate valid now".into());
    }
    let mut certificate = String::new();
    for b64 in &valid {
        let cert =
            Certificate::from_text(b64).map_err(|e| format!("the IdP's certificate: {e}"))?;
        certificate.push_str(&cert.pem());
    }
    Ok(IdpValues {
        entity_id,
        sso_url,
        slo_url,
        certificate,
    })
}

/// From the values a portal shows. Entra's entity ID ("Azure AD Identifier") follows from its
/// Login URL (`https://login.microsoftonline.com/<tenant>/saml2`); other IdPs must give it.
pub fn from_portal(
    login_url: &str,
    logout_url: Option<&str>,
    certificate: &str,
    entity_id: Option<&str>,
) -> Result<IdpValues, String> {
    let entity_id = match entity_id {
        Some(e) => e.to_owned(),
        None => entra_entity_id(login_url).ok_or(
            "give --idp-entity-id: it follows from the Login URL only for Entra ID \
             (https://login.microsoftonline.com/<tenant>/saml2)",
        )?,
    };
    let certificate = Certificate::from_text(certificate)
        .map_err(|e| format!("--idp-cert: {e}"))?
        .pem();
    Ok(IdpValues {
        entity_id,
        sso_url: login_url.to_owned(),
        slo_url: logout_url.map(str::to_owned),
        certificate,
    })
}

fn entra_entity_id(login_url: &str) -> Option<String> {
    let tenant = login_url
        .strip_prefix("https://login.microsoftonline.com/")?
        .strip_suffix("/saml2")?;
    (!tenant.is_empty() && !tenant.contains('/'))
        .then(|| format!("https://sts.windows.net/{tenant}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entras_identifier_follows_from_its_login_url_and_nothing_else_does() {
        assert_eq!(
            entra_entity_id("https://login.microsoftonline.com/0b6f4a8c/saml2").as_deref(),
            Some("https://sts.windows.net/0b6f4a8c/")
        );
        assert_eq!(
            entra_entity_id("https://login.microsoftonline.com//saml2"),
            None
        );
        assert_eq!(
            entra_entity_id("https://contoso.okta.com/app/x/sso/saml"),
            None
        );
        let cert = protocol::fixtures::Fixture::IdpEntra.certificate().pem();
        let err = from_portal("https://contoso.okta.com/sso", None, &cert, None).unwrap_err();
        assert!(err.contains("--idp-entity-id"), "{err}");
        assert!(from_portal("https://x/sso", None, "not a cert", Some("e")).is_err());
    }

    #[test]
    fn metadata_during_a_rollover_gives_every_certificate_valid_now() {
        use protocol::fixtures::Fixture;
        use protocol::saml::metadata::IdpMetadata;
        let now = chrono::Utc::now();
        let current = Fixture::IdpEntra.certificate();
        let next = Fixture::IdpOkta.certificate();
        let md = |certs: Vec<protocol::keys::Certificate>| {
            IdpMetadata {
                entity_id: "https://sts.windows.net/t/".into(),
                sso_url: "https://login.microsoftonline.com/t/saml2".into(),
                slo_url: None,
                signing_certs: certs,
                name_id_formats: Vec::new(),
            }
            .to_xml()
        };
        let both = from_metadata(&md(vec![current.clone(), next.clone()]), now).unwrap();
        assert_eq!(
            protocol::keys::certificates_from_text(&both.certificate).unwrap(),
            vec![current.clone(), next]
        );
        // One that has ended is left out; none valid is an error.
        let ended = from_metadata(
            &md(vec![current.clone()]),
            now + chrono::Duration::days(40_000),
        );
        assert!(
            ended
                .unwrap_err()
                .contains("no signing certificate valid now")
        );
    }
}
