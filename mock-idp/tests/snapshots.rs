//! Byte-exact snapshots of what the mock IdP really sends, per vendor profile and signing option:
//! fixed clock, sequential IDs, fixture keys and a fixed public URL, so nothing varies between
//! runs, signatures included.

use chrono::{TimeZone, Utc};
use mock_idp::{IdpConfig, IdpUser, MockIdp, RegisteredApp, VendorProfile};
use protocol::saml::messages::{AuthnRequest, LogoutRequest, NameId, Signing, Style};
use protocol::saml::redirect::{self, MessageKind};
use protocol::saml::xml::canonical;
use protocol::saml::{self as s, post};
use protocol::{FixedClock, SequentialIds};
use std::sync::Arc;

const SP: &str = "https://live.runmyprocess.com/live/112501524864919680";
const ACS: &str = "https://live.runmyprocess.com/live/112501524864919680/saml/acs?P_mode=LIVE";
const SLO: &str = "https://live.runmyprocess.com/live/112501524864919680/saml/slo?P_mode=LIVE";

async fn idp(profile: VendorProfile, signing: Option<Signing>) -> MockIdp {
    let mut app = RegisteredApp::new(SP, ACS);
    app.logout_url = Some(SLO.into());
    app.signing = signing;
    let mut user = IdpUser::b_simon();
    user.roles = vec!["Approver".into()];
    let config = IdpConfig {
        profile,
        tenant: "0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a".into(),
        apps: vec![app],
        users: vec![user],
    };
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    ));
    MockIdp::start_on(
        "127.0.0.1:0".parse().unwrap(),
        Some("https://idp.example".into()),
        config,
        clock,
        Arc::new(SequentialIds::new()),
    )
    .await
    .unwrap()
}

/// The IdP's real URL (its public one is fixed for the snapshots).
fn local(idp: &MockIdp, public: &str) -> String {
    public.replace("https://idp.example", &format!("http://{}", idp.addr()))
}

async fn response_to(idp: &MockIdp) -> String {
    idp.enqueue_login("B.Simon@contoso.com").unwrap();
    let request = AuthnRequest {
        id: "id0001".into(),
        issue_instant: Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
        destination: idp.sso_url(),
        acs_url: ACS.into(),
        issuer: SP.into(),
        name_id_format: Some(s::NAMEID_EMAIL.into()),
        force_authn: false,
    }
    .to_xml(&Style::SAMLP);
    let q = redirect::query(MessageKind::Request, &request, None).unwrap();
    let sso = local(idp, &idp.sso_url());
    let sep = if sso.contains('?') { '&' } else { '?' };
    let html = reqwest::get(format!("{sso}{sep}{q}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = html
        .split("name=\"SAMLResponse\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap();
    post::decode(value).unwrap()
}

#[tokio::test]
async fn responses_per_profile_and_signing_option() {
    for (profile, signing, name) in [
        (VendorProfile::EntraId, None, "entra_id__response_default"),
        (
            VendorProfile::EntraId,
            Some(Signing::Response),
            "entra_id__response_response_signed",
        ),
        (
            VendorProfile::EntraId,
            Some(Signing::Both),
            "entra_id__response_both_signed",
        ),
        (VendorProfile::Okta, None, "okta__response_default"),
        (
            VendorProfile::Okta,
            Some(Signing::Assertion),
            "okta__response_assertion_signed",
        ),
        (
            VendorProfile::GoogleWorkspace,
            None,
            "google_workspace__response_default",
        ),
        (
            VendorProfile::GoogleWorkspace,
            Some(Signing::Response),
            "google_workspace__response_response_signed",
        ),
    ] {
        let idp = idp(profile, signing).await;
        let xml = response_to(&idp).await;
        insta::assert_snapshot!(format!("mock_idp__{name}"), canonical(&xml).unwrap());
    }
}

#[tokio::test]
async fn metadata_per_profile() {
    for (profile, name) in [
        (VendorProfile::EntraId, "entra_id"),
        (VendorProfile::Okta, "okta"),
        (VendorProfile::GoogleWorkspace, "google_workspace"),
    ] {
        let idp = idp(profile, None).await;
        let md = reqwest::get(local(&idp, &idp.metadata_url()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        insta::assert_snapshot!(
            format!("mock_idp__{name}__metadata"),
            canonical(&md).unwrap()
        );
    }
}

#[tokio::test]
async fn entra_logout_response() {
    let idp = idp(VendorProfile::EntraId, None).await;
    let logout = LogoutRequest {
        id: "id0002".into(),
        issue_instant: Utc.with_ymd_and_hms(2026, 1, 5, 9, 5, 0).unwrap(),
        destination: idp.slo_url().unwrap(),
        issuer: SP.into(),
        name_id: NameId {
            value: "B.Simon@contoso.com".into(),
            format: Some(s::NAMEID_EMAIL.into()),
        },
        session_index: Some("_0001".into()),
    }
    .to_xml(&Style::SAMLP);
    let q = redirect::query(MessageKind::Request, &logout, None).unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .get(format!("{}?{q}", local(&idp, &idp.slo_url().unwrap())))
        .send()
        .await
        .unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    // The SP's logout URL has its own query (P_mode); parse_query ignores parameters it does
    // not know.
    let got = redirect::parse_query(location.split_once('?').unwrap().1).unwrap();
    insta::assert_snapshot!(
        "mock_idp__entra_id__logout_response",
        canonical(&got.xml).unwrap()
    );
}

/// IdP-initiated logout (`POST /control/logout`) after B.Simon's sign-in: the LogoutRequest the
/// Entra profile sends to the SP, and, with `sign_logout`, its verifying query signature.
#[tokio::test]
async fn entra_idp_initiated_logout_request() {
    for signed in [false, true] {
        let idp = idp(VendorProfile::EntraId, None).await;
        if signed {
            assert!(idp.update_app(SP, |a| a.sign_logout = Some(true)));
        }
        let _ = response_to(&idp).await;
        let reply: serde_json::Value = reqwest::Client::new()
            .post(format!("http://{}/control/logout", idp.addr()))
            .json(&serde_json::json!({"username": "B.Simon@contoso.com"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = reply["url"].as_str().unwrap();
        assert!(url.starts_with(SLO), "{url}");
        let got = redirect::parse_query(url.split_once('?').unwrap().1).unwrap();
        let name = if signed {
            redirect::verify_query_signature(&got, &idp.certificate(), false).unwrap();
            "mock_idp__entra_id__idp_logout_request_signed"
        } else {
            assert!(got.signature.is_none());
            "mock_idp__entra_id__idp_logout_request"
        };
        insta::assert_snapshot!(name, canonical(&got.xml).unwrap());
    }
}
