//! `harness probe-sp` against real third-party SPs (issue 16, item 3; R-VEN-6): python3-saml
//! (Debian's python3-onelogin-saml2) and node-saml (npm), each in the strictest configuration
//! its README documents (`harness/third-party/`), behind the mock Entra ID on the real clock
//! (the libraries read the system time). The whole result table is a snapshot: a library
//! update or a catalogue change that moves any verdict shows up in review. The reference SP's
//! own run, every case PASS, is features/vendor/probe_sp.feature.

use harness::probe::third_party::{self, App};
use harness::probe::{Options, Probe, Report, TENANT, Verdict, render};
use mock_idp::{IdpConfig, IdpUser, MockIdp, VendorProfile};
use protocol::{RandomIds, SystemClock};
use std::sync::Arc;

async fn probe(app: App) -> Report {
    let config = IdpConfig {
        profile: VendorProfile::EntraId,
        tenant: TENANT.into(),
        apps: Vec::new(),
        users: vec![IdpUser::b_simon()],
    };
    let idp = MockIdp::start(config, Arc::new(SystemClock), Arc::new(RandomIds))
        .await
        .unwrap();
    let sp = third_party::start(app, &idp).await.unwrap();
    let report = Probe::with_idp(idp)
        .run(&sp.target, &Options::default())
        .await
        .unwrap();
    drop(sp);
    report
}

fn table(r: &Report) -> String {
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    port.replace_all(&render::text(r), "127.0.0.1:PORT")
        .into_owned()
}

fn check(r: &Report) {
    assert_eq!(r.control.verdict, Verdict::Pass, "{}", r.control.detail);
    assert_eq!(
        r.control.signed_in_as.as_deref(),
        Some(harness::probe::USER)
    );
    assert_eq!(r.count(Verdict::Inconclusive), 0, "{}", table(r));
}

#[tokio::test]
async fn python3_saml_strict() {
    let r = probe(App::Python3Saml).await;
    check(&r);
    insta::assert_snapshot!("python3_saml", table(&r));
}

#[tokio::test]
async fn node_saml_strict() {
    let r = probe(App::NodeSaml).await;
    check(&r);
    insta::assert_snapshot!("node_saml", table(&r));
}
