//! SAML signature paths against their cryptographic floor (issue 14, item 3), each measured in
//! the same run as the RSA-2048 operation and SHA-256 it cannot avoid, so `cargo xtask bench`
//! can print every row as a ratio to its floor. The messages are the mock IdP's own
//! ([`mock_idp::Answer`]), signed as each vendor profile signs them.
//!
//! Rows: the SP's `acs::validate` on an assertion-signed (Entra) and a Response-and-assertion
//! signed (Okta) Response, with the native signature engine and with xmlsec (`_xmlsec`); the mock IdP building and signing a Response; the mock IdP decoding
//! and verifying a signed HTTP-Redirect AuthnRequest.

use base64::Engine as _;
use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use mock_idp::{Answer, IdpUser, VendorProfile};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::{Signer, Verifier};
use protocol::SequentialIds;
use protocol::fixtures::Fixture;
use protocol::saml::messages::{AuthnRequest, Signing};
use protocol::saml::redirect::{self, MessageKind};
use protocol::saml::sign::Engine;
use reference_sp::signin::saml::acs;
use reference_sp::store::saml::SamlConfig;
use std::hint::black_box;

const TENANT: &str = "0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a";
const SP: &str = "https://live.runmyprocess.com/live/112501524864919680";
const ACS: &str = "https://live.runmyprocess.com/live/112501524864919680/saml/acs?P_mode=LIVE";

fn user() -> IdpUser {
    IdpUser {
        username: "B.Simon@contoso.com".into(),
        password: String::new(),
        email: "B.Simon@contoso.com".into(),
        display_name: "B.Simon".into(),
        given_name: "B.".into(),
        surname: "Simon".into(),
        object_id: "2d3f7b61-5f8a-4c6e-9a1b-0c4d2e6f8a13".into(),
        roles: Vec::new(),
    }
}

/// The posted value (base64) of a Response the mock IdP in `profile` sends, signed with `key`.
fn response(profile: VendorProfile, key: Fixture, signing: Signing) -> (String, String) {
    signed_response(profile, &key.signing_key(), signing)
}

/// As [`response`], with a key loaded once (as the mock IdP holds its key).
fn signed_response(
    profile: VendorProfile,
    key: &protocol::keys::SigningKey,
    signing: Signing,
) -> (String, String) {
    let u = user();
    let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let answer = Answer {
        profile,
        tenant: TENANT,
        user: &u,
        audience: SP,
        acs: ACS,
        request_id: "id0001",
        name_id_format: None,
    };
    let xml = answer
        .response(&SequentialIds::new(), now)
        .to_xml(&profile.style(), signing, key)
        .unwrap();
    (base64::engine::general_purpose::STANDARD.encode(&xml), xml)
}

fn config(profile: VendorProfile, key: Fixture) -> SamlConfig {
    SamlConfig {
        sso_url: String::new(),
        logout_url: None,
        name_id_format: protocol::saml::NAMEID_EMAIL.into(),
        idp_entity_id: profile.entity_id(TENANT),
        idp_certificate: key.certificate().pem(),
        sp_entity_id: SP.into(),
        account_management_url: None,
        auto_provisioning: false,
        idp_signs_logout_messages: false,
    }
}

fn floors(c: &mut Criterion) {
    let (_, xml) = response(
        VendorProfile::EntraId,
        Fixture::IdpEntra,
        Signing::Assertion,
    );
    let key = PKey::private_key_from_der(Fixture::IdpEntra.signing_key().key_der()).unwrap();
    let public = Fixture::IdpEntra.certificate().public_key().unwrap();
    let sign = |bytes: &[u8]| {
        let mut s = Signer::new(MessageDigest::sha256(), &key).unwrap();
        s.update(bytes).unwrap();
        s.sign_to_vec().unwrap()
    };
    let signature = sign(xml.as_bytes());
    let mut g = c.benchmark_group("floor");
    // SHA-256 of the whole message and one RSA-2048 verify: what checking one signature costs.
    g.bench_function("rsa2048_verify_sha256_response", |b| {
        b.iter(|| {
            let mut v = Verifier::new(MessageDigest::sha256(), &public).unwrap();
            v.update(black_box(xml.as_bytes())).unwrap();
            assert!(v.verify(&signature).unwrap());
        })
    });
    g.bench_function("rsa2048_sign_sha256_response", |b| {
        b.iter(|| sign(black_box(xml.as_bytes())))
    });
    g.finish();
}

fn sp(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 30).unwrap();
    let mut g = c.benchmark_group("sp");
    for (name, profile, key, signing) in [
        (
            "acs_validate_assertion_signed",
            VendorProfile::EntraId,
            Fixture::IdpEntra,
            Signing::Assertion,
        ),
        (
            "acs_validate_both_signed",
            VendorProfile::Okta,
            Fixture::IdpOkta,
            Signing::Both,
        ),
    ] {
        let (encoded, _) = response(profile, key, signing);
        let config = config(profile, key);
        let cert = [key.certificate()];
        // The row measures an accepted Response: a refused one would be a different path.
        acs::validate(&encoded, &config, &cert, ACS, now).unwrap();
        for (engine, suffix) in [(Engine::Native, ""), (Engine::Xmlsec, "_xmlsec")] {
            g.bench_function(format!("{name}{suffix}"), |b| {
                b.iter(|| {
                    acs::validate_with(engine, black_box(&encoded), &config, &cert, ACS, now)
                        .unwrap()
                })
            });
        }
    }
    g.finish();
}

fn idp(c: &mut Criterion) {
    let mut g = c.benchmark_group("idp");
    let key = Fixture::IdpEntra.signing_key();
    g.bench_function("build_and_sign_response", |b| {
        b.iter(|| signed_response(VendorProfile::EntraId, &key, Signing::Assertion))
    });
    let request = AuthnRequest {
        id: "id0001".into(),
        issue_instant: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        destination: format!("https://login.microsoftonline.com/{TENANT}/saml2"),
        acs_url: ACS.into(),
        issuer: SP.into(),
        name_id_format: None,
        force_authn: false,
    }
    .to_xml(&protocol::saml::messages::Style::SAMLP);
    let sp_key = Fixture::SpContoso.signing_key();
    let pkey = PKey::private_key_from_der(sp_key.key_der()).unwrap();
    let query = redirect::signed_query(MessageKind::Request, &request, Some("r1"), &pkey).unwrap();
    let sp_cert = sp_key.certificate();
    g.bench_function("decode_and_verify_signed_redirect_request", |b| {
        b.iter(|| {
            let received = redirect::parse_query(black_box(&query)).unwrap();
            redirect::verify_query_signature(&received, &sp_cert, false).unwrap();
            received
        })
    });
    g.finish();
    // Its floor: one verify of the signed octets (the query up to &Signature).
    let signed = query.split("&Signature=").next().unwrap().to_owned();
    let signature = {
        let mut s = Signer::new(MessageDigest::sha256(), &pkey).unwrap();
        s.update(signed.as_bytes()).unwrap();
        s.sign_to_vec().unwrap()
    };
    let public = sp_cert.public_key().unwrap();
    let mut g = c.benchmark_group("floor");
    g.bench_function("rsa2048_verify_sha256_query", |b| {
        b.iter(|| {
            let mut v = Verifier::new(MessageDigest::sha256(), &public).unwrap();
            v.update(black_box(signed.as_bytes())).unwrap();
            assert!(v.verify(&signature).unwrap());
        })
    });
    g.finish();
}

criterion_group!(benches, floors, sp, idp);
criterion_main!(benches);
