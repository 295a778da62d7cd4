//! The native signer and verifier (`sign::sign`, `sign::verify_document`, over our own
//! exclusive c14n) against the independent oracle, xmlsec (`sign::sign_xmlsec`,
//! `sign::verify_xmlsec`, through samael): on every message both verifiers must agree, accept
//! and reject alike, and both signers compute the same values (issue 14, item 2). Messages are
//! signed from templates with random namespace prefixes, declarations used and unused,
//! attribute orders, escapes, whitespace and InclusiveNamespaces PrefixLists, then tampered at
//! one random character.

use proptest::prelude::*;
use protocol::fixtures::Fixture;
use protocol::saml::messages::{Signing, Style};
use protocol::saml::sign::{self, SignError};
use protocol::saml::{ALG_ENVELOPED, ALG_EXC_C14N, ALG_RSA_SHA256, ALG_SHA256, NS_DSIG, xml};

const NS_A: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

/// Both verifiers on `text`: Ok(signed element IDs) or the error.
fn both(
    text: &str,
    cert: &protocol::keys::Certificate,
) -> (
    Result<Vec<String>, SignError>,
    Result<Vec<String>, SignError>,
) {
    let ids = |v: Vec<sign::SignedElement>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let oracle = sign::verify_xmlsec(text, cert).map(|(v, _)| ids(v));
    let native = match xml::parse(text) {
        Ok(doc) => sign::verify_document(&doc, cert).map(ids),
        Err(e) => Err(e.into()),
    };
    (oracle, native)
}

fn assert_agree(text: &str) {
    let cert = Fixture::IdpEntra.certificate();
    let (oracle, native) = both(text, &cert);
    assert_eq!(
        oracle.is_ok(),
        native.is_ok(),
        "xmlsec {oracle:?}, native {native:?} on\n{text}"
    );
    if let (Ok(a), Ok(b)) = (&oracle, &native) {
        assert_eq!(a, b);
    }
}

/// DigestValue and SignatureValue texts.
fn values(text: &str) -> Vec<String> {
    let doc = xml::parse(text).unwrap();
    doc.descendants()
        .filter(|n| matches!(n.tag_name().name(), "DigestValue" | "SignatureValue"))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

/// A Signature template for `#id`, with a PrefixList on both c14n methods when given.
fn template(id: &str, prefixed: bool, prefix_list: Option<&str>) -> String {
    let (p, decl) = if prefixed {
        ("ds:", format!(" xmlns:ds=\"{NS_DSIG}\""))
    } else {
        ("", format!(" xmlns=\"{NS_DSIG}\""))
    };
    let inclusive = prefix_list
        .map(|l| {
            format!("<ec:InclusiveNamespaces xmlns:ec=\"{ALG_EXC_C14N}\" PrefixList=\"{l}\"/>")
        })
        .unwrap_or_default();
    let cert = Fixture::IdpEntra.certificate().base64();
    format!(
        "<{p}Signature{decl}><{p}SignedInfo><{p}CanonicalizationMethod Algorithm=\"{ALG_EXC_C14N}\">{inclusive}</{p}CanonicalizationMethod>\
         <{p}SignatureMethod Algorithm=\"{ALG_RSA_SHA256}\"/><{p}Reference URI=\"#{id}\"><{p}Transforms>\
         <{p}Transform Algorithm=\"{ALG_ENVELOPED}\"/><{p}Transform Algorithm=\"{ALG_EXC_C14N}\">{inclusive}</{p}Transform>\
         </{p}Transforms><{p}DigestMethod Algorithm=\"{ALG_SHA256}\"/><{p}DigestValue></{p}DigestValue>\
         </{p}Reference></{p}SignedInfo><{p}SignatureValue></{p}SignatureValue><{p}KeyInfo><{p}X509Data>\
         <{p}X509Certificate>{cert}</{p}X509Certificate></{p}X509Data></{p}KeyInfo></{p}Signature>"
    )
}

#[derive(Debug, Clone)]
struct Shape {
    prefix: &'static str,
    prefixed_dsig: bool,
    unused: Vec<&'static str>,
    attrs: Vec<(&'static str, String)>,
    text: String,
    undo_default: bool,
    qualified_attr: bool,
    prefix_list: Option<&'static str>,
    whitespace: &'static str,
}

fn shape() -> impl Strategy<Value = Shape> {
    let chars = prop::collection::vec(
        prop::sample::select(vec![
            'a', 'Z', '0', ' ', '&', '<', '>', '"', '\'', '\t', '\n', 'é', '€', '𝄞',
        ]),
        0..12,
    )
    .prop_map(|v| v.into_iter().collect::<String>());
    (
        prop::sample::select(vec!["", "saml", "a", "x1"]),
        any::<bool>(),
        prop::sample::subsequence(vec!["xs", "xsi", "q", "z"], 0..=4),
        prop::collection::vec(
            (
                prop::sample::select(vec!["b", "a", "Z", "m1"]),
                chars.clone(),
            ),
            0..3,
        ),
        chars,
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![None, Some("xs"), Some("q #default"), Some("xsi z q")]),
        prop::sample::select(vec!["", "\n", "  ", "\n\t"]),
    )
        .prop_map(
            |(
                prefix,
                prefixed_dsig,
                unused,
                attrs,
                text,
                undo_default,
                qualified_attr,
                prefix_list,
                whitespace,
            )| Shape {
                prefix,
                prefixed_dsig,
                unused,
                attrs,
                text,
                undo_default,
                qualified_attr,
                prefix_list,
                whitespace,
            },
        )
}

fn attr_escape(s: &str) -> String {
    xml::attr(s).replace('\'', "&apos;")
}

/// An Assertion-like element in the shape, unsigned but with its template.
fn document(s: &Shape) -> String {
    let q = |name: &str| {
        if s.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}:{name}", s.prefix)
        }
    };
    let decl = if s.prefix.is_empty() {
        format!(" xmlns=\"{NS_A}\"")
    } else {
        format!(" xmlns:{}=\"{NS_A}\"", s.prefix)
    };
    let unused: String = s
        .unused
        .iter()
        .map(|p| format!(" xmlns:{p}=\"urn:unused:{p}\""))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let attrs: String = s
        .attrs
        .iter()
        .filter(|(n, _)| seen.insert(*n))
        .map(|(n, v)| format!(" {n}=\"{}\"", attr_escape(v)))
        .collect();
    let qualified = if s.qualified_attr && s.unused.contains(&"q") {
        " q:flag=\"1\""
    } else {
        ""
    };
    let inner = if s.undo_default && s.prefix.is_empty() {
        "<Plain xmlns=\"\" k=\"v\"><Deeper/></Plain>".to_owned()
    } else {
        format!("<{}/>", q("Empty"))
    };
    let ws = s.whitespace;
    format!(
        "<{root}{decl}{unused} ID=\"_a1\" Version=\"2.0\"{attrs}{qualified}>{ws}<{issuer}>https://idp.example/</{issuer}>{ws}{sig}{ws}<{subject}>{text}</{subject}>{ws}{inner}{ws}</{root}>",
        root = q("Assertion"),
        issuer = q("Issuer"),
        subject = q("Subject"),
        sig = template("_a1", s.prefixed_dsig, s.prefix_list),
        text = xml::text(&s.text),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_native_verifier_agrees_with_xmlsec_on_signed_and_tampered_messages(s in shape(), at in any::<prop::sample::Index>(), with in prop::sample::select(vec!['x', ' ', '"', '<', '0'])) {
        let unsigned = document(&s);
        let signed = sign::sign_xmlsec(&unsigned, &Fixture::IdpEntra.signing_key()).expect("xmlsec signs it");
        // The native signer computes the very same digest and signature, and leaves the rest as
        // written (libxml2 re-serialises it: `<a></a>` becomes `<a/>`); xmlsec accepts it.
        let native = sign::sign(&unsigned, &Fixture::IdpEntra.signing_key()).expect("signs it");
        prop_assert_eq!(values(&native), values(&signed));
        prop_assert!(sign::verify_xmlsec(&native, &Fixture::IdpEntra.certificate()).is_ok());
        let cert = Fixture::IdpEntra.certificate();
        let (oracle, native) = both(&signed, &cert);
        prop_assert!(oracle.is_ok(), "xmlsec refuses its own signature: {oracle:?}\n{signed}");
        prop_assert_eq!(native, Ok(vec!["_a1".to_owned()]), "on\n{}", signed);
        // One character changed anywhere: both verifiers must still agree.
        let chars: Vec<char> = signed.chars().collect();
        let i = at.index(chars.len());
        let mut tampered = chars.clone();
        tampered[i] = with;
        let tampered: String = tampered.into_iter().collect();
        assert_agree(&tampered);
    }
}

/// A Response as the mock IdP sends one, with an `xs:`-typed attribute value (Okta's shape).
fn response() -> protocol::saml::messages::Response {
    use chrono::TimeZone as _;
    use protocol::saml::messages::*;
    let now = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let issuer = Issuer::new("https://idp.example/");
    Response {
        id: "_r1".into(),
        issue_instant: now,
        destination: Some("https://sp.example/acs?P_mode=LIVE&x=1".into()),
        in_response_to: Some("id0001".into()),
        issuer: issuer.clone(),
        status: Status::success(),
        assertion: Some(Assertion {
            id: "_a1".into(),
            issue_instant: now,
            issuer,
            name_id: Some(NameId {
                value: "b.simon@contoso.com".into(),
                format: Some(protocol::saml::NAMEID_EMAIL.into()),
            }),
            confirmation: Confirmation {
                in_response_to: Some("id0001".into()),
                not_on_or_after: Some(now),
                recipient: Some("https://sp.example/acs?P_mode=LIVE&x=1".into()),
            },
            conditions: Conditions {
                not_before: Some(now),
                not_on_or_after: Some(now),
                audiences: vec!["https://sp.example/".into()],
            },
            attributes: vec![Attribute {
                name: "email".into(),
                name_format: None,
                values: vec!["b.simon@contoso.com".into(), "<é & \"q\">".into()],
                value_type: Some("xs:string".into()),
            }],
            authn: AuthnStatement {
                instant: now,
                session_index: Some("_a1".into()),
                session_not_on_or_after: None,
                class_ref: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password".into(),
            },
        }),
    }
}

#[test]
fn every_vendor_style_and_signing_verifies_the_same_both_ways() {
    for style in [Style::ENTRA, Style::OKTA, Style::SAMLP] {
        for signing in [Signing::Assertion, Signing::Response, Signing::Both] {
            let text = response()
                .to_xml(&style, signing, &Fixture::IdpEntra.signing_key())
                .unwrap();
            // Signed natively (to_xml); xmlsec verifies it as the oracle.
            assert!(sign::verify_xmlsec(&text, &Fixture::IdpEntra.certificate()).is_ok());
            assert_agree(&text);
            let (_, native) = both(&text, &Fixture::IdpEntra.certificate());
            assert!(native.is_ok(), "{signing:?}: {native:?}\n{text}");
            let (oracle, native) = both(&text, &Fixture::IdpUntrusted.certificate());
            assert!(oracle.is_err() && native.is_err());
            let tampered = text.replacen("b.simon@contoso.com", "admin@contoso.com", 1);
            assert_ne!(tampered, text);
            assert_agree(&tampered);
            assert!(both(&tampered, &Fixture::IdpEntra.certificate()).1.is_err());
        }
    }
}
