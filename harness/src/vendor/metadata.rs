//! `check-metadata` (R-VEN-2): judges an IdP's metadata (or, with `--sp`, an SP's) for what the
//! reference SP needs: the entity ID, an SSO endpoint with the HTTP-Redirect binding (the SP
//! sends AuthnRequests that way), single logout, every signing certificate with its expiry (a
//! rollover lists several: all are reported), key sizes, algorithms, NameID formats, and the
//! metadata's own signature and validUntil (saml-metadata-2.0-os §2.3-2.4, §3). What
//! DigitalSuite never uses (Artifact, SOAP, WS-Federation roles) is a warning, not a failure.

use super::{MessageReport, RuleResult, Verdict};
use chrono::{DateTime, Utc};
use protocol::keys::CertFacts;
use protocol::saml::{self as s, xml};
use roxmltree::Node;

/// A certificate that ends within this many days is a warning: plan the rollover.
pub const EXPIRY_WARNING_DAYS: i64 = 30;
/// Smallest RSA key accepted (NIST SP 800-131A).
pub const MIN_RSA_BITS: u32 = 2048;

const ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const NS_ALG: &str = "urn:oasis:names:tc:SAML:metadata:algsupport";
const BINDING_ARTIFACT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";
const BINDING_SOAP: &str = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";

/// Which side the metadata describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Idp,
    Sp,
}

struct Rules(Vec<RuleResult>);

impl Rules {
    fn add(
        &mut self,
        id: &'static str,
        clause: &'static str,
        title: &'static str,
        verdict: Verdict,
        found: impl Into<String>,
        hint: &str,
    ) {
        let found = found.into();
        self.0.push(RuleResult {
            id,
            rule: "R-VEN-2",
            clause,
            title,
            outcome: verdict,
            code: None,
            found: (!found.is_empty()).then_some(found),
            hint: (verdict != Verdict::Pass && !hint.is_empty()).then(|| hint.to_owned()),
        });
    }
}

pub(super) fn is(node: &Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(ns) && node.tag_name().name() == name
}

fn children<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| is(c, ns, name))
}

/// Judges metadata text; `Err` when it is not SAML metadata at all (exit code 2).
pub fn check_metadata(
    source: &str,
    text: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<MessageReport, String> {
    let doc = xml::parse(text).map_err(|e| format!("not readable XML: {e}"))?;
    let root = doc.root_element();
    if is(&root, s::NS_METADATA, "EntitiesDescriptor") {
        return Err("an EntitiesDescriptor (a federation's aggregate): give the one EntityDescriptor of this IdP".into());
    }
    if !is(&root, s::NS_METADATA, "EntityDescriptor") {
        return Err(format!(
            "the document is a {:?}, not an md:EntityDescriptor",
            root.tag_name().name()
        ));
    }
    let mut r = Rules(Vec::new());
    let entity_id = root.attribute("entityID").unwrap_or_default();
    r.add(
        "metadata.entity_id",
        "saml-metadata §2.3.2",
        "the EntityDescriptor has an entityID (the Issuer the SP will expect)",
        if entity_id.is_empty() {
            Verdict::Fail
        } else {
            Verdict::Pass
        },
        entity_id,
        "Publish the entity ID in entityID.",
    );
    valid_until(&mut r, root, now);
    signature(&mut r, text, root);
    let (descriptor_name, wanted) = match role {
        Role::Idp => ("IDPSSODescriptor", "an IDPSSODescriptor for SAML 2.0"),
        Role::Sp => ("SPSSODescriptor", "an SPSSODescriptor for SAML 2.0"),
    };
    let descriptor = children(root, s::NS_METADATA, descriptor_name).find(|d| {
        d.attribute("protocolSupportEnumeration")
            .is_some_and(|p| p.split_whitespace().any(|x| x == s::NS_PROTOCOL))
    });
    r.add(
        "metadata.role",
        "saml-metadata §2.4.1",
        wanted,
        if descriptor.is_some() { Verdict::Pass } else { Verdict::Fail },
        if descriptor.is_some() { "" } else { "none found" },
        "Publish the SAML 2.0 role descriptor (protocolSupportEnumeration with the SAML 2.0 protocol URI).",
    );
    if let Some(d) = descriptor {
        match role {
            Role::Idp => idp(&mut r, d),
            Role::Sp => sp(&mut r, d),
        }
        certificates(&mut r, d, now, role);
    }
    unused(&mut r, root);
    Ok(MessageReport {
        source: source.to_owned(),
        rules: r.0,
        pretty: super::render::pretty_xml(text),
        verdict_pass: "the reference SP can use this metadata",
        verdict_fail: "fix the failures before configuring the reference SP with it",
    })
}

pub(super) fn endpoint<'a>(d: Node<'a, '_>, name: &str, binding: &str) -> Option<&'a str> {
    d.children()
        .filter(|c| is(c, s::NS_METADATA, name))
        .find(|c| c.attribute("Binding") == Some(binding))
        .and_then(|c| c.attribute("Location"))
}

fn idp(r: &mut Rules, d: Node<'_, '_>) {
    let sso = endpoint(d, "SingleSignOnService", s::BINDING_REDIRECT);
    r.add(
        "idp.sso_redirect",
        "saml-metadata §2.4.3; saml-bindings §3.4",
        "a SingleSignOnService with the HTTP-Redirect binding (where the SP sends AuthnRequests)",
        if sso.is_some() { Verdict::Pass } else { Verdict::Fail },
        sso.unwrap_or("none with HTTP-Redirect"),
        "Publish the login URL with Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\".",
    );
    let slo = endpoint(d, "SingleLogoutService", s::BINDING_REDIRECT);
    r.add(
        "idp.slo_redirect",
        "saml-metadata §2.4.2; saml-profiles §4.4",
        "a SingleLogoutService with the HTTP-Redirect binding (single logout, R-SA-5)",
        if slo.is_some() {
            Verdict::Pass
        } else {
            Verdict::Warn
        },
        slo.unwrap_or("none: users signing out of DigitalSuite stay signed in at the IdP"),
        "Publish a logout URL with the HTTP-Redirect binding to have single logout.",
    );
    let formats: Vec<String> = children(d, s::NS_METADATA, "NameIDFormat")
        .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
        .collect();
    let offers_email = formats.is_empty() || formats.iter().any(|f| f == s::NAMEID_EMAIL);
    r.add(
        "idp.name_id_formats",
        "saml-metadata §2.4.1; saml-core §8.3",
        "the emailAddress NameID format is offered (or no format is listed)",
        if offers_email { Verdict::Pass } else { Verdict::Warn },
        if formats.is_empty() {
            "none listed".to_owned()
        } else {
            formats.join(", ")
        },
        "DigitalSuite finds the user by the NameID's email: offer urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress.",
    );
    algorithms(r, d);
}

fn sp(r: &mut Rules, d: Node<'_, '_>) {
    let acs = endpoint(d, "AssertionConsumerService", s::BINDING_POST);
    r.add(
        "sp.acs_post",
        "saml-metadata §2.4.4; saml-bindings §3.5",
        "an AssertionConsumerService with the HTTP-POST binding",
        if acs.is_some() {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        acs.unwrap_or("none with HTTP-POST"),
        "Publish the ACS with Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\".",
    );
    let want_signed = d.attribute("WantAssertionsSigned") == Some("true");
    r.add(
        "sp.want_assertions_signed",
        "saml-metadata §2.4.4",
        "WantAssertionsSigned=\"true\" (the SP refuses unsigned assertions)",
        if want_signed {
            Verdict::Pass
        } else {
            Verdict::Warn
        },
        d.attribute("WantAssertionsSigned").unwrap_or("absent"),
        "Set WantAssertionsSigned=\"true\" so IdPs know the SP requires signatures.",
    );
    let signs = d.attribute("AuthnRequestsSigned") == Some("true");
    let has_key = signing_keys(d).next().is_some();
    r.add(
        "sp.request_signing_key",
        "saml-metadata §2.4.4",
        "AuthnRequestsSigned=\"true\" comes with a signing key to verify them",
        if !signs || has_key {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        format!("AuthnRequestsSigned={signs}, signing key published: {has_key}"),
        "Publish the request-signing certificate in a KeyDescriptor use=\"signing\".",
    );
    let email = children(d, s::NS_METADATA, "NameIDFormat")
        .any(|n| n.text().is_some_and(|t| t.trim() == s::NAMEID_EMAIL));
    r.add(
        "sp.name_id_format",
        "saml-metadata §2.4.1",
        "the emailAddress NameID format is asked for",
        if email { Verdict::Pass } else { Verdict::Warn },
        "",
        "List urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress.",
    );
}

/// `alg:SigningMethod` / `alg:DigestMethod` (saml-metadata-algsupport): when listed, RSA-SHA256
/// must be among them; SHA-1 offered is a warning.
fn algorithms(r: &mut Rules, d: Node<'_, '_>) {
    let listed: Vec<&str> = d
        .descendants()
        .chain(
            d.parent_element()
                .into_iter()
                .flat_map(|p| p.children().filter(|c| is(c, s::NS_METADATA, "Extensions")))
                .flat_map(|e| e.descendants()),
        )
        .filter(|n| is(n, NS_ALG, "SigningMethod"))
        .filter_map(|n| n.attribute("Algorithm"))
        .collect();
    let (verdict, found) = if listed.is_empty() {
        (
            Verdict::Pass,
            "none listed (RSA-SHA256 is what the SP accepts)".to_owned(),
        )
    } else if !listed.contains(&ALG_RSA_SHA256) {
        (Verdict::Fail, listed.join(", "))
    } else if listed.iter().any(|a| a.contains("sha1")) {
        (Verdict::Warn, listed.join(", "))
    } else {
        (Verdict::Pass, listed.join(", "))
    };
    r.add(
        "idp.algorithms",
        "saml-metadata-algsupport §2; xmldsig-core",
        "the signing algorithms listed include RSA-SHA256 (the only one the SP accepts)",
        verdict,
        found,
        "Sign with RSA-SHA256; SHA-1 signatures are refused.",
    );
}

/// The KeyDescriptors usable for signing: `use="signing"` or no `use`.
pub(super) fn signing_keys<'a, 'i>(d: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    d.children()
        .filter(|c| is(c, s::NS_METADATA, "KeyDescriptor"))
        .filter(|k| k.attribute("use").is_none_or(|u| u == "signing"))
}

fn certificates(r: &mut Rules, d: Node<'_, '_>, now: DateTime<Utc>, role: Role) {
    let certs: Vec<String> = signing_keys(d)
        .flat_map(|k| {
            k.descendants()
                .filter(|n| is(n, s::NS_DSIG, "X509Certificate"))
        })
        .map(|n| n.text().unwrap_or_default().split_whitespace().collect())
        .collect();
    if certs.is_empty() {
        let verdict = match role {
            Role::Idp => Verdict::Fail,
            // An SP that signs nothing publishes no key.
            Role::Sp => Verdict::Pass,
        };
        r.add(
            "keys.signing_certificates",
            "saml-metadata §2.4.1.1",
            "signing certificates are published, each valid now, RSA of 2048 bits or more",
            verdict,
            "no signing certificate (X509Certificate in a KeyDescriptor use=\"signing\")",
            "Publish the signing certificate: the SP verifies every Response with it.",
        );
        return;
    }
    let mut valid = 0;
    let mut warn = false;
    let mut fail = false;
    let mut notes = Vec::new();
    for (i, b64) in certs.iter().enumerate() {
        let n = i + 1;
        match describe(b64) {
            Ok(c) => {
                let days = (c.not_after - now).num_days();
                let mut note = format!(
                    "#{n} {} (RSA {} bits) valid {} to {}",
                    c.subject,
                    c.bits,
                    c.not_before.format("%Y-%m-%d"),
                    c.not_after.format("%Y-%m-%d")
                );
                if c.bits < MIN_RSA_BITS {
                    fail = true;
                    note.push_str(": key too small");
                } else if now < c.not_before {
                    warn = true;
                    note.push_str(": not valid yet");
                } else if now >= c.not_after {
                    warn = true;
                    note.push_str(": EXPIRED");
                } else {
                    valid += 1;
                    if days < EXPIRY_WARNING_DAYS {
                        warn = true;
                    }
                    note.push_str(&format!(" ({days} days left)"));
                }
                notes.push(note);
            }
            Err(e) => {
                fail = true;
                notes.push(format!("#{n} unreadable: {e}"));
            }
        }
    }
    let verdict = if fail || valid == 0 {
        Verdict::Fail
    } else if warn {
        Verdict::Warn
    } else {
        Verdict::Pass
    };
    r.add(
        "keys.signing_certificates",
        "saml-metadata §2.4.1.1; ENTRA rollover (protocols.md §3.7)",
        "signing certificates are published, each valid now, RSA of 2048 bits or more",
        verdict,
        format!("{} certificate(s): {}", certs.len(), notes.join("; ")),
        "Publish a current certificate of an RSA key of 2048 bits or more; renew those ending within 30 days and remove expired ones once the new one is active.",
    );
}

pub(super) fn describe(b64: &str) -> Result<CertFacts, String> {
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("not base64: {e}"))?;
    protocol::keys::Certificate::from_der(der)
        .facts()
        .map_err(|e| e.to_string())
}

fn valid_until(r: &mut Rules, root: Node<'_, '_>, now: DateTime<Utc>) {
    let (verdict, found) = match root.attribute("validUntil") {
        None => (Verdict::Pass, "no validUntil".to_owned()),
        Some(raw) => match s::parse_instant(raw) {
            Some(t) if t > now => (Verdict::Pass, raw.to_owned()),
            Some(_) => (Verdict::Fail, format!("{raw}: the metadata has expired")),
            None => (Verdict::Fail, format!("{raw:?} is not an xs:dateTime")),
        },
    };
    r.add(
        "metadata.valid_until",
        "saml-metadata §2.3.2",
        "validUntil, if present, is in the future",
        verdict,
        found,
        "Publish fresh metadata (validUntil in the future).",
    );
}

/// The metadata's own signature: verified with the certificate it carries, which proves the
/// document is intact, not who published it (fetch it over HTTPS from the IdP for that).
fn signature(r: &mut Rules, text: &str, root: Node<'_, '_>) {
    let has = root.children().any(|c| is(&c, s::NS_DSIG, "Signature"));
    if !has {
        r.add(
            "metadata.signature",
            "saml-metadata §3",
            "the metadata is signed, or fetched over HTTPS from the IdP",
            Verdict::Warn,
            "unsigned",
            "Sign the metadata, or have customers download it over HTTPS from your domain.",
        );
        return;
    }
    let verified = root
        .descendants()
        .filter(|n| is(n, s::NS_DSIG, "X509Certificate"))
        .filter_map(|n| protocol::keys::Certificate::from_text(n.text().unwrap_or_default()).ok())
        .any(|cert| {
            protocol::saml::sign::verify(text, &cert).is_ok_and(|signed| !signed.is_empty())
        });
    r.add(
        "metadata.signature",
        "saml-metadata §3; xmldsig-core",
        "the metadata is signed, or fetched over HTTPS from the IdP",
        if verified {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        if verified {
            "signed; verifies with a certificate it carries"
        } else {
            "signed, but the signature does not verify with any certificate it carries"
        },
        "Re-sign the metadata after every change (RSA-SHA256, exclusive c14n, enveloped).",
    );
}

/// Roles and bindings DigitalSuite never uses: a warning each, so nobody counts on them.
fn unused(r: &mut Rules, root: Node<'_, '_>) {
    let mut seen = Vec::new();
    for n in root.descendants().filter(|n| n.is_element()) {
        if let Some(b) = n.attribute("Binding") {
            if b == BINDING_ARTIFACT {
                seen.push(format!("{} with HTTP-Artifact", n.tag_name().name()));
            } else if b == BINDING_SOAP {
                seen.push(format!("{} with SOAP", n.tag_name().name()));
            }
        }
        if is(&n, s::NS_METADATA, "RoleDescriptor") {
            let kind = n.attribute((s::NS_XSI, "type")).unwrap_or("RoleDescriptor");
            seen.push(format!("{kind} (WS-Federation)"));
        }
    }
    seen.dedup();
    r.add(
        "metadata.unused",
        "saml-profiles §4.1 (Web Browser SSO uses Redirect and POST only)",
        "nothing DigitalSuite ignores (Artifact, SOAP, WS-Federation roles) is counted on",
        if seen.is_empty() { Verdict::Pass } else { Verdict::Warn },
        seen.join("; "),
        "These are ignored by DigitalSuite: sign-in uses HTTP-Redirect to the IdP and HTTP-POST back.",
    );
}
