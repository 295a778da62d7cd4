//! The mock IdP over real HTTP: a correct flow per profile, session reuse, refusals on its own
//! page and posted back, faults, single logout, and the message log.

use chrono::{TimeZone, Utc};
use mock_idp::{Fault, IdpConfig, IdpUser, MockIdp, RegisteredApp, VendorProfile};
use protocol::saml::messages::{AuthnRequest, LogoutRequest, NameId, Style};
use protocol::saml::redirect::{self, MessageKind};
use protocol::saml::{self as s, post, sign, xml};
use protocol::{FixedClock, SequentialIds};
use std::sync::Arc;

const SP: &str = "https://live.runmyprocess.com/112501524864919680";
const ACS: &str = "http://127.0.0.1:9/live/112501524864919680/saml/acs";
const SLO: &str = "http://127.0.0.1:9/live/112501524864919680/saml/slo";

async fn idp(profile: VendorProfile) -> MockIdp {
    let mut app = RegisteredApp::new(SP, ACS);
    app.logout_url = Some(SLO.into());
    let config = IdpConfig {
        profile,
        tenant: "0b6f4a8c".into(),
        apps: vec![app],
        users: vec![IdpUser::b_simon()],
    };
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    ));
    MockIdp::start(config, clock, Arc::new(SequentialIds::new()))
        .await
        .unwrap()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn authn_request(idp: &MockIdp, id: &str, acs: &str) -> String {
    AuthnRequest {
        id: id.into(),
        issue_instant: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        destination: idp.sso_url(),
        acs_url: acs.into(),
        issuer: SP.into(),
        name_id_format: Some(s::NAMEID_EMAIL.into()),
        force_authn: false,
    }
    .to_xml(&Style::SAMLP)
}

async fn send(client: &reqwest::Client, idp: &MockIdp, request_xml: &str) -> (u16, String) {
    let q = redirect::query(
        MessageKind::Request,
        request_xml,
        Some("/live/112501524864919680"),
    )
    .unwrap();
    let sep = if idp.sso_url().contains('?') {
        '&'
    } else {
        '?'
    };
    let r = client
        .get(format!("{}{sep}{q}", idp.sso_url()))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The SAMLResponse carried by an auto-submitting form.
/// The SP's LogoutRequest `id` for B.Simon, sent by Redirect; the IdP's answer.
async fn send_logout_request(
    client: &reqwest::Client,
    idp: &MockIdp,
    id: &str,
) -> reqwest::Response {
    let logout = logout_request_xml(idp, id);
    let q = redirect::query(MessageKind::Request, &logout, None).unwrap();
    client
        .get(format!("{}?{q}", idp.slo_url().unwrap()))
        .send()
        .await
        .unwrap()
}

/// The SP's LogoutRequest `id` for B.Simon, unsigned.
fn logout_request_xml(idp: &MockIdp, id: &str) -> String {
    LogoutRequest {
        id: id.into(),
        issue_instant: Utc.with_ymd_and_hms(2026, 1, 5, 9, 5, 0).unwrap(),
        destination: idp.slo_url().unwrap(),
        issuer: SP.into(),
        name_id: NameId {
            value: "B.Simon@contoso.com".into(),
            format: Some(s::NAMEID_EMAIL.into()),
        },
        session_index: None,
    }
    .to_xml(&Style::SAMLP)
}

fn posted_response(html: &str) -> String {
    let value = html
        .split("name=\"SAMLResponse\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a SAMLResponse form");
    post::decode(value).unwrap()
}

#[tokio::test]
async fn each_profile_answers_a_queued_login_with_a_response_signed_as_the_vendor_signs() {
    for (profile, signed) in [
        (VendorProfile::EntraId, vec!["Assertion"]),
        (VendorProfile::Okta, vec!["Response", "Assertion"]),
        (VendorProfile::GoogleWorkspace, vec!["Assertion"]),
    ] {
        let idp = idp(profile).await;
        idp.enqueue_login("B.Simon@contoso.com").unwrap();
        let (status, html) = send(&browser(), &idp, &authn_request(&idp, "id0001", ACS)).await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains("name=\"RelayState\" value=\"/live/112501524864919680\""),
            "{html}"
        );
        let response = posted_response(&html);
        let elements = sign::verify(&response, &idp.certificate()).unwrap();
        assert_eq!(
            sign::verify_xmlsec(&response, &idp.certificate())
                .unwrap()
                .0,
            elements
        );
        let names: Vec<_> = elements.into_iter().map(|e| e.element).collect();
        assert_eq!(names, signed, "{profile:?}");
        let doc = xml::parse(&response).unwrap();
        let issuer = doc
            .descendants()
            .find(|n| n.tag_name().name() == "Issuer")
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(issuer, idp.entity_id());
        assert!(response.contains("InResponseTo=\"id0001\""));
        assert!(response.contains(">B.Simon@contoso.com</"));
    }
}

#[tokio::test]
async fn a_browser_with_an_idp_session_is_not_asked_again() {
    let idp = idp(VendorProfile::EntraId).await;
    let client = browser();
    idp.enqueue_login("B.Simon@contoso.com").unwrap();
    let (_, first) = send(&client, &idp, &authn_request(&idp, "id0001", ACS)).await;
    assert!(first.contains("SAMLResponse"));
    // Nothing queued: the IdP session cookie alone signs B.Simon in.
    let (_, second) = send(&client, &idp, &authn_request(&idp, "id0002", ACS)).await;
    assert!(posted_response(&second).contains("InResponseTo=\"id0002\""));
    // Another browser gets the login form.
    let (_, other) = send(&browser(), &idp, &authn_request(&idp, "id0003", ACS)).await;
    assert!(other.contains("Sign in to your account"), "{other}");
}

/// Posts the login form found in `page` with these credentials; the IdP's answer.
async fn submit_login(
    client: &reqwest::Client,
    idp: &MockIdp,
    page: &str,
    username: &str,
    password: &str,
) -> String {
    let pending = page
        .split("name=\"pending\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a login form");
    client
        .post(format!("{}/login", idp.base_url()))
        .form(&[
            ("pending", pending),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_login_form_signs_a_person_in() {
    let idp = idp(VendorProfile::EntraId).await;
    let client = browser();
    let (_, page) = send(&client, &idp, &authn_request(&idp, "id0001", ACS)).await;
    let wrong = submit_login(&client, &idp, &page, "B.Simon@contoso.com", "nope").await;
    assert!(wrong.contains("data-code=\"invalid_credentials\""));
    let ok = submit_login(
        &client,
        &idp,
        &wrong,
        "b.simon@contoso.com",
        "BSimon-Idp-2026",
    )
    .await;
    assert!(posted_response(&ok).contains("InResponseTo=\"id0001\""));
}

#[tokio::test]
async fn entra_shows_who_is_asking_errors_on_its_page() {
    let idp = idp(VendorProfile::EntraId).await;
    let client = browser();
    let unknown = authn_request(&idp, "id0001", ACS).replace(SP, "https://unknown.example/");
    let (status, page) = send(&client, &idp, &unknown).await;
    assert_eq!(status, 400);
    assert!(page.contains("data-code=\"AADSTS700016\""), "{page}");
    let (_, page) = send(
        &client,
        &idp,
        &authn_request(&idp, "id0001", "https://evil.example/acs"),
    )
    .await;
    assert!(page.contains("data-code=\"AADSTS50011\""), "{page}");
    let (_, page) = send(&client, &idp, &authn_request(&idp, "1d0001", ACS)).await;
    assert!(page.contains("data-code=\"AADSTS75005\""), "{page}");
    let r = client
        .get(idp.sso_url())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(r.contains("data-code=\"AADSTS750054\""));
}

#[tokio::test]
async fn google_posts_an_acs_mismatch_back_as_request_denied() {
    let idp = idp(VendorProfile::GoogleWorkspace).await;
    let (_, html) = send(
        &browser(),
        &idp,
        &authn_request(&idp, "id0001", "https://evil.example/acs"),
    )
    .await;
    let response = posted_response(&html);
    assert!(response.contains(s::STATUS_REQUEST_DENIED));
    assert!(html.contains(&format!("action=\"{ACS}\"")));
}

#[tokio::test]
async fn faults_apply_once_and_are_precise() {
    let idp = idp(VendorProfile::EntraId).await;
    idp.enqueue_fault(Fault::WrongAudience).unwrap();
    idp.enqueue_login("B.Simon@contoso.com").unwrap();
    idp.enqueue_login("B.Simon@contoso.com").unwrap();
    let (_, html) = send(&browser(), &idp, &authn_request(&idp, "id0001", ACS)).await;
    let faulty = posted_response(&html);
    assert!(faulty.contains("<Audience>https://sp.elsewhere.example/</Audience>"));
    sign::verify(&faulty, &idp.certificate()).unwrap();
    let (_, html) = send(&browser(), &idp, &authn_request(&idp, "id0002", ACS)).await;
    assert!(posted_response(&html).contains(&format!("<Audience>{SP}</Audience>")));

    idp.enqueue_fault(Fault::UntrustedKey).unwrap();
    idp.enqueue_login("B.Simon@contoso.com").unwrap();
    let (_, html) = send(&browser(), &idp, &authn_request(&idp, "id0003", ACS)).await;
    assert_eq!(
        sign::verify(&posted_response(&html), &idp.certificate()).unwrap_err(),
        sign::SignError::InvalidSignature
    );

    // The KeyInfo faults change the certificate the signature carries, not the signature.
    for (n, fault) in [
        Fault::KeyInfoCertificateExpired,
        Fault::KeyInfoCertificateNotYetValid,
        Fault::KeyInfoCertificateOtherKey,
    ]
    .into_iter()
    .enumerate()
    {
        idp.enqueue_fault(fault).unwrap();
        idp.enqueue_login("B.Simon@contoso.com").unwrap();
        let id = format!("id001{n}");
        let (_, html) = send(&browser(), &idp, &authn_request(&idp, &id, ACS)).await;
        let xml = posted_response(&html);
        sign::verify(&xml, &idp.certificate()).unwrap();
        assert!(!xml.contains(&idp.certificate().base64()), "{fault:?}");
        let carried: String = xml
            .split("<X509Certificate>")
            .nth(1)
            .and_then(|r| r.split("</X509Certificate>").next())
            .unwrap()
            .to_owned();
        let facts = protocol::keys::Certificate::from_text(&carried)
            .unwrap()
            .facts()
            .unwrap();
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
        match fault {
            Fault::KeyInfoCertificateExpired => assert!(facts.not_after < now),
            Fault::KeyInfoCertificateNotYetValid => assert!(facts.not_before > now),
            _ => assert_eq!(facts.subject, "CN=Untrusted signer"),
        }
    }
}

/// No Response fault is silently a no-op in any profile: each text edit finds the shape it
/// expects in Entra's, Okta's and Google Workspace's messages, so the Response differs from the
/// one the same IdP sends without it. The replays send the previous Response (or its
/// assertion) again.
#[tokio::test]
async fn every_response_fault_changes_the_response_in_every_profile() {
    async fn first_response(profile: VendorProfile, fault: Option<Fault>) -> String {
        let idp = idp(profile).await;
        if let Some(fault) = fault {
            idp.enqueue_fault(fault).unwrap();
        }
        idp.enqueue_login("B.Simon@contoso.com").unwrap();
        let (_, html) = send(&browser(), &idp, &authn_request(&idp, "id0001", ACS)).await;
        posted_response(&html)
    }
    let replays = [Fault::ReplayPreviousResponse, Fault::AssertionRewrapped];
    for profile in [
        VendorProfile::EntraId,
        VendorProfile::Okta,
        VendorProfile::GoogleWorkspace,
    ] {
        let correct = first_response(profile, None).await;
        for fault in Fault::ALL {
            if fault.is_logout() || replays.contains(&fault) {
                continue;
            }
            let faulty = first_response(profile, Some(fault)).await;
            assert_ne!(faulty, correct, "{profile:?}: {fault:?} changed nothing");
            if fault == Fault::DtdEntityExpansion {
                assert!(
                    faulty.contains("StatusMessage>&lol9;</"),
                    "{profile:?}: unreferenced"
                );
            }
        }
        for fault in replays {
            let idp = idp(profile).await;
            idp.enqueue_login("B.Simon@contoso.com").unwrap();
            idp.enqueue_login("B.Simon@contoso.com").unwrap();
            let (_, first) = send(&browser(), &idp, &authn_request(&idp, "id0001", ACS)).await;
            idp.enqueue_fault(fault).unwrap();
            let (_, again) = send(&browser(), &idp, &authn_request(&idp, "id0002", ACS)).await;
            let (first, again) = (posted_response(&first), posted_response(&again));
            let assertion = |x: &str| {
                let start = x
                    .find("Assertion ")
                    .and_then(|i| x[..i].rfind('<'))
                    .unwrap();
                x[start..].to_owned()
            };
            match fault {
                Fault::ReplayPreviousResponse => assert_eq!(again, first, "{profile:?}"),
                _ => {
                    assert_ne!(again, first, "{profile:?}");
                    assert!(again.contains("InResponseTo=\"id0002\""), "{profile:?}");
                    assert!(assertion(&again).starts_with(&assertion(&first)[..200]));
                }
            }
        }
    }
}

/// The wrapping and downgrade faults are attacks, not broken messages: xmlsec, told to allow
/// any algorithm, verifies the IdP's signature in each, so an SP that checks only "a signature
/// verifies" and then reads another element is fooled. The reference SP refuses them by their
/// shape (features/saml/attacks.feature).
#[tokio::test]
async fn the_attack_faults_carry_a_signature_a_lax_verifier_accepts() {
    use samael::crypto::{CertificateDer, Crypto, CryptoProvider, ReduceMode};
    let idp = idp(VendorProfile::EntraId).await;
    let cert = CertificateDer::from(idp.certificate().der().to_vec());
    for (n, fault) in [
        Fault::XswEvilAssertionFirst,
        Fault::XswEvilAssertionLast,
        Fault::XswSignedAssertionInsideEvil,
        // Not XswSignedAssertionInSignatureObject nor XswResponseWrapped (XSW8, XSW1): their
        // Reference points inside their own Signature, which xmlsec's enveloped-signature
        // transform removes whole (xmldsig-core §6.6.4); they fool the verifiers that remove
        // only the referenced element's own Signature child.
        Fault::XswSignedAssertionInAdvice,
        Fault::ResponseSignatureInAssertion,
        Fault::ReferenceUriEmpty,
        Fault::TransformXpath,
        Fault::DigestSha1,
        Fault::SignatureRsaSha1,
        Fault::ProcessingInstructionInNameId,
        Fault::AudienceSecondRestrictionOther,
        Fault::StatusRequesterWithAssertion,
    ]
    .into_iter()
    .enumerate()
    {
        idp.enqueue_fault(fault).unwrap();
        idp.enqueue_login("B.Simon@contoso.com").unwrap();
        let id = format!("id1{n:03}");
        let (_, html) = send(&browser(), &idp, &authn_request(&idp, &id, ACS)).await;
        let xml = posted_response(&html);
        Crypto::reduce_xml_to_signed_with_allowed_algorithms(
            &xml,
            std::slice::from_ref(&cert),
            ReduceMode::ValidateAndMarkNoAncestors,
            None,
        )
        .unwrap_or_else(|e| panic!("{fault:?}: xmlsec refused the signature: {e}\n{xml}"));
        if format!("{fault:?}").starts_with("Xsw") {
            assert!(
                xml.contains("root@contoso.com"),
                "{fault:?}: no evil assertion"
            );
        }
    }
}

#[tokio::test]
async fn entra_single_logout_answers_with_its_login_microsoftonline_issuer() {
    let idp = idp(VendorProfile::EntraId).await;
    let client = browser();
    idp.enqueue_login("B.Simon@contoso.com").unwrap();
    send(&client, &idp, &authn_request(&idp, "id0001", ACS)).await;
    let r = send_logout_request(&client, &idp, "id0002").await;
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{SLO}?SAMLResponse=")));
    let got = redirect::parse_query(location.split_once('?').unwrap().1).unwrap();
    assert!(got.xml.contains("InResponseTo=\"id0002\""));
    assert!(
        got.xml
            .contains(">https://login.microsoftonline.com/0b6f4a8c/</Issuer>")
    );
    // The IdP session is gone: the next AuthnRequest gets the login form.
    let (_, page) = send(&client, &idp, &authn_request(&idp, "id0003", ACS)).await;
    assert!(page.contains("Sign in to your account"));
    let kinds: Vec<_> = idp.received().into_iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [
            "AuthnRequest",
            "Response",
            "LogoutRequest",
            "LogoutResponse",
            "AuthnRequest"
        ]
    );
}

/// A logout fault waits for the next logout message and a Response fault for the next
/// Response, whichever comes first: a sign-in between never takes the logout fault, and a
/// logout never swallows a fault meant for a Response.
#[tokio::test]
async fn logout_faults_and_response_faults_wait_in_their_own_queues() {
    let idp = idp(VendorProfile::EntraId).await;
    let client = browser();
    idp.enqueue_fault(Fault::LogoutIssuerWrong).unwrap();
    idp.enqueue_fault(Fault::WrongAudience).unwrap();
    idp.enqueue_login("B.Simon@contoso.com").unwrap();
    let (_, html) = send(&client, &idp, &authn_request(&idp, "id0001", ACS)).await;
    assert!(
        posted_response(&html).contains("<Audience>https://sp.elsewhere.example/</Audience>"),
        "the Response took its own fault, not the logout one queued before it"
    );
    idp.enqueue_fault(Fault::WrongRecipient).unwrap();
    let r = send_logout_request(&client, &idp, "id0002").await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let got = redirect::parse_query(location.split_once('?').unwrap().1).unwrap();
    assert!(
        got.xml
            .contains(">https://sts.windows.net/00000000-0000-0000-0000-000000000000/</Issuer>"),
        "the LogoutResponse took the logout fault: {}",
        got.xml
    );
    idp.enqueue_login("B.Simon@contoso.com").unwrap();
    let (_, html) = send(&client, &idp, &authn_request(&idp, "id0003", ACS)).await;
    assert!(
        posted_response(&html).contains("Recipient=\"https://sp.elsewhere.example/"),
        "the Response fault queued before the logout was not swallowed by it"
    );
}

/// The control queues are bounded and refuse rather than drop: a fault the harness queued is
/// never lost behind later ones (mock_kit::bounded::MAX_QUEUED).
#[tokio::test]
async fn the_control_queues_refuse_beyond_their_cap_and_keep_their_order() {
    let idp = idp(VendorProfile::EntraId).await;
    let c = reqwest::Client::new();
    let base = idp.base_url().to_owned();
    let post =
        |path: &str, body: serde_json::Value| c.post(format!("{base}{path}")).json(&body).send();
    let first = post("/control/faults", serde_json::json!({"fault": "unsigned"}))
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 204);
    for _ in 1..mock_kit::bounded::MAX_QUEUED {
        let r = post(
            "/control/faults",
            serde_json::json!({"fault": "wrong_audience"}),
        )
        .await
        .unwrap();
        assert_eq!(r.status().as_u16(), 204);
    }
    let full = post(
        "/control/faults",
        serde_json::json!({"fault": "wrong_audience"}),
    )
    .await
    .unwrap();
    assert_eq!(full.status().as_u16(), 422);
    let body: serde_json::Value = full.json().await.unwrap();
    assert_eq!(body["error"]["code"], "queue_full");
    assert!(idp.enqueue_fault(Fault::WrongAudience).is_err());
    for _ in 0..mock_kit::bounded::MAX_QUEUED {
        idp.enqueue_login("B.Simon@contoso.com").unwrap();
    }
    let full = post(
        "/control/next-login",
        serde_json::json!({"username": "B.Simon@contoso.com"}),
    )
    .await
    .unwrap();
    assert_eq!(full.status().as_u16(), 422);
    // The first fault queued is the one the next Response carries: nothing was dropped.
    let (_, html) = send(&browser(), &idp, &authn_request(&idp, "id0001", ACS)).await;
    assert!(
        sign::verify(&posted_response(&html), &idp.certificate())
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_control_api_has_the_same_powers() {
    let idp = idp(VendorProfile::EntraId).await;
    let c = reqwest::Client::new();
    let base = idp.base_url().to_owned();
    let r = c
        .post(format!("{base}/control/faults"))
        .json(&serde_json::json!({"fault": "nonsense"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let r = c
        .post(format!("{base}/control/faults"))
        .json(&serde_json::json!({"fault": "unsigned"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let r = c
        .post(format!("{base}/control/next-login"))
        .json(&serde_json::json!({"username": "B.Simon@contoso.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (_, html) = send(&browser(), &idp, &authn_request(&idp, "id0001", ACS)).await;
    assert!(
        sign::verify(&posted_response(&html), &idp.certificate())
            .unwrap()
            .is_empty()
    );
    let log: serde_json::Value = c
        .get(format!("{base}/control/messages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["messages"][1]["kind"], "Response");
    assert_eq!(log["messages"][1]["direction"], "sent");
    let md = c
        .get(idp.metadata_url())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(md.contains(&format!("entityID=\"{}\"", idp.entity_id())));
}

mod signed_requests {
    use super::*;
    use protocol::fixtures::Fixture;
    use protocol::keys::RequestSigningKey;

    async fn strict_idp(profile: VendorProfile, allow_sha1: bool) -> MockIdp {
        let idp = idp(profile).await;
        assert!(idp.update_app(SP, |app| {
            app.require_signed_requests = true;
            app.sp_certificate = Some(Fixture::SpContoso.cert_pem().into());
            app.allow_sha1 = allow_sha1;
        }));
        idp.enqueue_login("B.Simon@contoso.com").unwrap();
        idp
    }

    fn key(f: Fixture) -> RequestSigningKey {
        RequestSigningKey::from_pem(f.key_pem()).unwrap()
    }

    async fn send_query(idp: &MockIdp, query: &str) -> (u16, String) {
        let r = browser()
            .get(format!("{}?{query}", idp.sso_url()))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    #[tokio::test]
    async fn entra_with_verification_certificates_accepts_only_correctly_signed_requests() {
        let idp = strict_idp(VendorProfile::EntraId, false).await;
        let xml = authn_request(&idp, "id0001", ACS);
        let unsigned = redirect::query(MessageKind::Request, &xml, Some("rs")).unwrap();
        let (_, page) = send_query(&idp, &unsigned).await;
        assert!(page.contains("data-code=\"AADSTS76021\""), "{page}");

        let wrong = redirect::signed_query(
            MessageKind::Request,
            &xml,
            Some("rs"),
            key(Fixture::SpContosoNext).pkey(),
        )
        .unwrap();
        let (_, page) = send_query(&idp, &wrong).await;
        assert!(
            page.contains("data-code=\"invalid_request_signature\""),
            "{page}"
        );

        let good = redirect::signed_query(
            MessageKind::Request,
            &xml,
            Some("rs"),
            key(Fixture::SpContoso).pkey(),
        )
        .unwrap();
        let tampered = good.replace("RelayState=rs", "RelayState=rt");
        let (_, page) = send_query(&idp, &tampered).await;
        assert!(
            page.contains("data-code=\"invalid_request_signature\""),
            "{page}"
        );
        let duplicated = format!("{good}&RelayState=rs");
        let (_, page) = send_query(&idp, &duplicated).await;
        assert!(page.contains("data-code=\"AADSTS75005\""), "{page}");
        let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        let sha1 = good.replace(&enc(s::ALG_RSA_SHA256), &enc(s::ALG_RSA_SHA1));
        assert_ne!(sha1, good);
        let (_, page) = send_query(&idp, &sha1).await;
        assert!(page.contains("data-code=\"sigalg_not_allowed\""), "{page}");

        let (status, html) = send_query(&idp, &good).await;
        assert_eq!(status, 200);
        assert!(posted_response(&html).contains("InResponseTo=\"id0001\""));
        let last = idp
            .received()
            .into_iter()
            .rfind(|m| m.kind == "AuthnRequest")
            .unwrap();
        assert_eq!(last.sig_alg.as_deref(), Some(s::ALG_RSA_SHA256));
    }

    #[tokio::test]
    async fn without_verification_certificates_a_signature_is_ignored() {
        let idp = idp(VendorProfile::EntraId).await;
        idp.enqueue_login("B.Simon@contoso.com").unwrap();
        let xml = authn_request(&idp, "id0001", ACS);
        // Signed with a key nobody registered: Entra ignores it rather than validating it.
        let q = redirect::signed_query(
            MessageKind::Request,
            &xml,
            None,
            key(Fixture::SpContosoNext).pkey(),
        )
        .unwrap();
        let (status, html) = send_query(&idp, &q).await;
        assert_eq!(status, 200);
        assert!(posted_response(&html).contains("InResponseTo=\"id0001\""));
    }

    #[tokio::test]
    async fn okta_requires_signed_logout_requests() {
        let idp = idp(VendorProfile::Okta).await;
        assert!(idp.update_app(SP, |app| app.sp_certificate =
            Some(Fixture::SpContoso.cert_pem().into())));
        let logout = logout_request_xml(&idp, "id0002");
        let slo = idp.slo_url().unwrap();
        let unsigned = redirect::query(MessageKind::Request, &logout, None).unwrap();
        let page = browser()
            .get(format!("{slo}?{unsigned}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("data-code=\"request_unsigned\""), "{page}");
        let signed = redirect::signed_query(
            MessageKind::Request,
            &logout,
            None,
            key(Fixture::SpContoso).pkey(),
        )
        .unwrap();
        let html = browser()
            .get(format!("{slo}?{signed}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("name=\"SAMLResponse\""),
            "Okta posts its LogoutResponse: {html}"
        );
    }
}

/// `mock-idp/idp.example.toml`, the file the README points at, is a valid configuration: the IdP
/// starts from it and signs its first user in to its app.
#[tokio::test]
async fn the_example_configuration_starts_and_signs_its_user_in() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("idp.example.toml");
    let config: IdpConfig = mock_kit::load_toml(&path).unwrap();
    assert_eq!(config.profile, VendorProfile::EntraId);
    let app = config.apps[0].clone();
    let user = config.users[0].clone();
    let idp = MockIdp::start(
        config,
        Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        )),
        Arc::new(SequentialIds::new()),
    )
    .await
    .unwrap();
    let request = AuthnRequest {
        id: "id0001".into(),
        issue_instant: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        destination: idp.sso_url(),
        acs_url: app.reply_urls[0].clone(),
        issuer: app.identifier.clone(),
        name_id_format: Some(s::NAMEID_EMAIL.into()),
        force_authn: false,
    }
    .to_xml(&Style::SAMLP);
    let client = browser();
    let (status, page) = send(&client, &idp, &request).await;
    assert_eq!(status, 200, "{page}");
    let posted = submit_login(&client, &idp, &page, &user.username, &user.password).await;
    let response = posted_response(&posted);
    assert!(response.contains("InResponseTo=\"id0001\""), "{response}");
    assert!(
        response.contains(&format!(">{}</", user.email)),
        "{response}"
    );
}

/// Entra's certificate rollover through the control API: publish (both in the metadata, the
/// old one signs), activate (the new one signs), retire (only the new one published); a step
/// out of order is refused and changes nothing.
#[tokio::test]
async fn the_rollover_publishes_activates_and_retires_the_next_certificate_in_order() {
    let idp = idp(VendorProfile::EntraId).await;
    let control = |step: &'static str| {
        let url = format!("{}/control/rollover", idp.base_url());
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .json(&serde_json::json!({ "step": step }))
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let published = || async {
        let md = reqwest::get(idp.metadata_url())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        md.matches("<ds:X509Certificate>").count()
    };
    let original = idp.certificate();
    let (s, body) = control("activate").await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (422, Some("rollover_out_of_order"))
    );
    assert_eq!(published().await, 1);
    let (s, body) = control("publish").await;
    assert_eq!(s, 200, "{body}");
    let next =
        protocol::keys::Certificate::from_text(body["certificate"].as_str().unwrap()).unwrap();
    assert_ne!(next, original);
    assert_eq!(published().await, 2);
    assert_eq!(idp.certificate(), original, "the current key still signs");
    assert_eq!(control("activate").await.0, 200);
    assert_eq!(idp.certificate(), next);
    assert_eq!(published().await, 2);
    assert_eq!(control("retire").await.0, 200);
    assert_eq!(published().await, 1);
    assert_eq!(control("publish").await.0, 422, "one rollover per run");
    assert_eq!(idp.certificate(), next);
}
