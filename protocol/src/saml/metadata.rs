//! SAML metadata documents (saml-metadata-2.0-os §2.4.3, §2.4.4): what the reference SP and the
//! mock IdP publish about themselves. Unsigned: both sides here are configured by hand, as the
//! Entra ID tutorial does, and never fetch each other's metadata.

use super::xml::{attr, text};
use super::{BINDING_POST, BINDING_REDIRECT, NS_DSIG, NS_METADATA, NS_PROTOCOL};
use crate::keys::Certificate;

/// A signing key as metadata publishes it: always its certificate (`ds:X509Data`); the SP
/// makes one for a key given without (issue 17), since a bare `RSAKeyValue` is what pysaml2
/// and Entra cannot take.
fn key_descriptor(cert: &Certificate) -> String {
    format!(
        "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"{NS_DSIG}\"><ds:X509Data>\
         <ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
        cert.base64()
    )
}

/// The SP's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpMetadata {
    pub entity_id: String,
    pub acs_url: String,
    pub slo_url: String,
    pub name_id_format: String,
    /// Whether AuthnRequests are signed (a SAML_AUTH key is configured for the mode).
    pub authn_requests_signed: bool,
    /// The customer's own request-signing key, when one is configured.
    pub signing_key: Option<Certificate>,
}

impl SpMetadata {
    pub fn to_xml(&self) -> String {
        let keys = self
            .signing_key
            .as_ref()
            .map(key_descriptor)
            .unwrap_or_default();
        format!(
            "<md:EntityDescriptor xmlns:md=\"{NS_METADATA}\" entityID=\"{entity}\">\
             <md:SPSSODescriptor AuthnRequestsSigned=\"{signed}\" WantAssertionsSigned=\"true\" \
             protocolSupportEnumeration=\"{NS_PROTOCOL}\">{keys}\
             <md:SingleLogoutService Binding=\"{BINDING_REDIRECT}\" Location=\"{slo}\"/>\
             <md:NameIDFormat>{format}</md:NameIDFormat>\
             <md:AssertionConsumerService Binding=\"{BINDING_POST}\" Location=\"{acs}\" index=\"0\" isDefault=\"true\"/>\
             </md:SPSSODescriptor></md:EntityDescriptor>",
            entity = attr(&self.entity_id),
            signed = self.authn_requests_signed,
            slo = attr(&self.slo_url),
            format = text(&self.name_id_format),
            acs = attr(&self.acs_url),
        )
    }
}

/// The IdP's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    pub entity_id: String,
    pub sso_url: String,
    /// `None` for IdPs without single logout (Google Workspace).
    pub slo_url: Option<String>,
    /// One KeyDescriptor each, in order: during a rollover the IdP publishes the next
    /// certificate beside the current one (Entra, protocols.md §3.7).
    pub signing_certs: Vec<Certificate>,
    pub name_id_formats: Vec<String>,
}

impl IdpMetadata {
    pub fn to_xml(&self) -> String {
        let slo = self
            .slo_url
            .as_ref()
            .map(|u| {
                format!(
                    "<md:SingleLogoutService Binding=\"{BINDING_REDIRECT}\" Location=\"{}\"/>",
                    attr(u)
                )
            })
            .unwrap_or_default();
        let formats: String = self
            .name_id_formats
            .iter()
            .map(|f| format!("<md:NameIDFormat>{}</md:NameIDFormat>", text(f)))
            .collect();
        format!(
            "<md:EntityDescriptor xmlns:md=\"{NS_METADATA}\" entityID=\"{entity}\">\
             <md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\" protocolSupportEnumeration=\"{NS_PROTOCOL}\">\
             {keys}{slo}{formats}\
             <md:SingleSignOnService Binding=\"{BINDING_REDIRECT}\" Location=\"{sso}\"/>\
             <md:SingleSignOnService Binding=\"{BINDING_POST}\" Location=\"{sso}\"/>\
             </md:IDPSSODescriptor></md:EntityDescriptor>",
            entity = attr(&self.entity_id),
            keys = self
                .signing_certs
                .iter()
                .map(key_descriptor)
                .collect::<String>(),
            sso = attr(&self.sso_url),
        )
    }
}
