//! `harness probe-sp` against a deliberately naive SP (R-VEN-5): the probe must find what such
//! an SP gets wrong, and say so in the verdict a tester relies on. The naive SP checks nothing:
//! it signs in whoever the first NameID in the document names, signed or not, expired or not.
//! The reference SP's own run (every case PASS) is in features/vendor/probe_sp.feature.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use harness::probe::{IdentityRule, Options, Probe, Report, Target, Verdict, render};
use mock_idp::{IdpConfig, IdpUser, MockIdp, RegisteredApp, VendorProfile};
use protocol::saml::redirect::{self, MessageKind};
use protocol::{FixedClock, SequentialIds};
use std::collections::HashMap;
use std::sync::Arc;

const ENTITY: &str = "https://naive-sp.example/";

#[derive(Clone)]
struct Naive {
    sso_url: String,
}

async fn start(State(n): State<Arc<Naive>>) -> Response {
    let request = "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
        xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_naive1\" Version=\"2.0\" \
        IssueInstant=\"2026-01-05T09:00:00Z\"><saml:Issuer>https://naive-sp.example/</saml:Issuer>\
        </samlp:AuthnRequest>";
    let query = redirect::query(MessageKind::Request, request, None).unwrap();
    let sep = if n.sso_url.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{}{sep}{query}", n.sso_url)).into_response()
}

/// Whoever the first NameID names, with no check at all.
async fn acs(Form(form): Form<HashMap<String, String>>) -> Response {
    let Some(xml) = form
        .get("SAMLResponse")
        .and_then(|v| protocol::saml::post::decode(v).ok())
    else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let who = roxmltree::Document::parse_with_options(&xml, opts)
        .ok()
        .and_then(|d| {
            d.descendants()
                .find(|n| n.tag_name().name() == "NameID")
                .and_then(|n| n.text().map(str::to_owned))
        });
    match who {
        Some(who) => {
            let value: String = url::form_urlencoded::byte_serialize(who.as_bytes()).collect();
            (
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, format!("who={value}; Path=/")),
                    (header::LOCATION, "/whoami".to_owned()),
                ],
            )
                .into_response()
        }
        None => StatusCode::FORBIDDEN.into_response(),
    }
}

async fn whoami(headers: HeaderMap) -> Response {
    let who = headers
        .get(header::COOKIE)
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split("; ").find_map(|kv| kv.strip_prefix("who=")))
        .map(|v| {
            url::form_urlencoded::parse(format!("v={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        });
    match who {
        Some(who) => format!("<p>Signed in as [{who}]</p>").into_response(),
        None => (StatusCode::UNAUTHORIZED, "nobody").into_response(),
    }
}

async fn probe_naive(only: &[&str]) -> Report {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sp = format!("http://{}", listener.local_addr().unwrap());
    let config = IdpConfig {
        profile: VendorProfile::EntraId,
        tenant: harness::probe::TENANT.into(),
        apps: vec![RegisteredApp::new(ENTITY, format!("{sp}/acs"))],
        users: vec![IdpUser::b_simon()],
    };
    let clock = Arc::new(FixedClock::new(harness::epoch()));
    let idp = MockIdp::start(config, clock, Arc::new(SequentialIds::new()))
        .await
        .unwrap();
    let app = Router::new()
        .route("/start", get(start))
        .route("/acs", post(acs))
        .route("/whoami", get(whoami))
        .with_state(Arc::new(Naive {
            sso_url: idp.sso_url(),
        }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let target = Target {
        entity_id: ENTITY.into(),
        acs: format!("{sp}/acs"),
        start: format!("{sp}/start"),
        whoami: format!("{sp}/whoami"),
        identity: IdentityRule::Regex(regex::Regex::new(r"Signed in as \[([^\]]*)\]").unwrap()),
    };
    let options = Options {
        only: only.iter().map(|s| s.to_string()).collect(),
        ..Options::default()
    };
    Probe::with_idp(idp).run(&target, &options).await.unwrap()
}

fn verdict(r: &Report, name: &str) -> Verdict {
    r.cases
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
        .verdict
}

#[tokio::test]
async fn a_naive_sp_fails_what_it_accepts_and_fails_critically_where_the_attacker_chose_who() {
    let r = probe_naive(&[]).await;
    assert_eq!(r.control.verdict, Verdict::Pass, "{}", r.control.detail);
    assert_eq!(
        r.control.signed_in_as.as_deref(),
        Some("B.Simon@contoso.com")
    );
    // Accepted as the right user: nothing is checked.
    for f in [
        "unsigned",
        "expired",
        "wrong_audience",
        "untrusted_key",
        "wrong_destination",
        "two_name_ids",
    ] {
        assert_eq!(verdict(&r, f), Verdict::Fail, "{f}");
    }
    // The evil assertion comes first: root@contoso.com is signed in.
    for f in [
        "xsw_evil_assertion_first",
        "xsw_signed_assertion_inside_evil",
    ] {
        let case = r.cases.iter().find(|c| c.name == f).unwrap();
        assert_eq!(case.verdict, Verdict::FailCritical, "{f}: {}", case.detail);
        assert_eq!(
            case.signed_in_as.as_deref(),
            Some("root@contoso.com"),
            "{f}"
        );
    }
    // It reads the NameID's first text node only: the comment cuts the attacker's signed
    // "B.Simon@contoso.com.evil.example" to the victim's name (CVE-2017-11427 and siblings).
    let cut = r
        .cases
        .iter()
        .find(|c| c.name == "name_id_comment_suffix")
        .unwrap();
    assert_eq!(cut.verdict, Verdict::FailCritical, "{}", cut.detail);
    assert_eq!(cut.signed_in_as.as_deref(), Some("B.Simon@contoso.com"));
    // A NameID with a space is signed in as signed: accepted, but nobody else's.
    assert_eq!(verdict(&r, "name_id_trailing_space"), Verdict::Fail);
    // Without a NameID it has nobody to sign in: a refusal, by accident.
    assert_eq!(verdict(&r, "missing_name_id"), Verdict::Pass);
    assert_eq!(r.exit_code(), 1);
    // Every Response fault ran; the logout ones are reported as not run, with why.
    let not_run: Vec<&str> = r
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::NotRun)
        .map(|c| c.class.as_str())
        .collect();
    assert!(!not_run.is_empty() && not_run.iter().all(|c| *c == "logout"));
    assert_eq!(r.count(Verdict::Inconclusive), 0);

    let json: serde_json::Value = serde_json::from_str(&render::json(&r)).unwrap();
    assert_eq!(
        json["summary"]["fail-critical"],
        r.count(Verdict::FailCritical)
    );
    assert_eq!(json["exit_code"], 1);
    let junit = render::junit(&r);
    let failures = r.count(Verdict::Fail) + r.count(Verdict::FailCritical);
    assert!(
        junit.contains(&format!("failures=\"{failures}\"")),
        "{junit}"
    );
    assert!(junit.contains("<failure type=\"FAIL-CRITICAL\""));
    roxmltree::Document::parse(&junit).expect("JUnit is well-formed XML");

    let text = render::text(&r);
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    insta::assert_snapshot!("naive_sp", port.replace_all(&text, "127.0.0.1:PORT"));
}

#[tokio::test]
async fn a_control_that_fails_makes_every_case_inconclusive_and_exit_code_2() {
    // The SP at the start URL is not there: nothing can be judged.
    let idp_config = IdpConfig {
        profile: VendorProfile::EntraId,
        tenant: harness::probe::TENANT.into(),
        apps: vec![RegisteredApp::new(ENTITY, "http://127.0.0.1:9/acs")],
        users: vec![IdpUser::b_simon()],
    };
    let clock = Arc::new(FixedClock::new(harness::epoch()));
    let idp = MockIdp::start(idp_config, clock, Arc::new(SequentialIds::new()))
        .await
        .unwrap();
    let target = Target {
        entity_id: ENTITY.into(),
        acs: "http://127.0.0.1:9/acs".into(),
        start: "http://127.0.0.1:9/start".into(),
        whoami: "http://127.0.0.1:9/whoami".into(),
        identity: IdentityRule::Pointer("/user".into()),
    };
    let options = Options {
        only: vec!["unsigned".into()],
        ..Options::default()
    };
    let r = Probe::with_idp(idp).run(&target, &options).await.unwrap();
    assert_eq!(r.control.verdict, Verdict::Inconclusive);
    assert_eq!(verdict(&r, "unsigned"), Verdict::Inconclusive);
    assert_eq!(r.exit_code(), 2);
    // A host that is neither loopback nor allowed is refused before anything is sent.
    let far = Target {
        start: "https://sp.example.com/start".into(),
        ..target
    };
    let idp = MockIdp::start(
        IdpConfig {
            profile: VendorProfile::EntraId,
            tenant: harness::probe::TENANT.into(),
            apps: Vec::new(),
            users: Vec::new(),
        },
        Arc::new(FixedClock::new(harness::epoch())),
        Arc::new(SequentialIds::new()),
    )
    .await
    .unwrap();
    let err = Probe::with_idp(idp)
        .run(&far, &Options::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("neither loopback nor allowed"), "{err}");
}
