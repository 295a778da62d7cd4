//! The mock Apple's web authorization (protocols.md §2.2-2.3) over real HTTP: form_post is
//! required with scopes, the `user` JSON comes only on the first authorization, Cancel answers
//! user_cancelled_authorize, and the JWKS publishes the signing key.

use chrono::{TimeZone, Utc};
use mock_apple::{AppleClient, AppleConfig, AppleTeam, AppleUser, MockApple};
use protocol::{FixedClock, SequentialIds};
use std::collections::BTreeMap;
use std::sync::Arc;

const WEB: &str = "com.runmyprocess.web";
const REDIRECT: &str = "https://live.example/apple/callback";

async fn apple() -> MockApple {
    let config = AppleConfig {
        teams: vec![AppleTeam {
            team_id: "TEAM123ABC".into(),
            keys: BTreeMap::new(),
            clients: vec![AppleClient {
                client_id: WEB.into(),
                redirect_uris: vec![REDIRECT.into()],
            }],
        }],
        users: vec![AppleUser::new("eitan@example.com", "Eitan", "Behar")],
        booleans_as_strings: true,
    };
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    ));
    MockApple::start(config, clock, Arc::new(SequentialIds::new()))
        .await
        .unwrap()
}

fn url(a: &MockApple, extra: &str) -> String {
    format!(
        "{}/auth/authorize?client_id={WEB}&redirect_uri={REDIRECT}&response_type=code%20id_token&state=st{extra}",
        a.base_url()
    )
}

#[tokio::test]
async fn scopes_or_an_id_token_need_form_post() {
    let a = apple().await;
    let r = reqwest::get(url(&a, "&scope=name%20email")).await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["error_description"], "Invalid response mode");
}

#[tokio::test]
async fn the_user_json_comes_on_the_first_authorization_only() {
    let a = apple().await;
    a.enqueue_login("eitan@example.com", false);
    let first = reqwest::get(url(&a, "&scope=name%20email&response_mode=form_post"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.contains(&format!("action=\"{REDIRECT}\"")));
    assert!(first.contains("name=\"user\""), "{first}");
    assert!(first.contains("&quot;firstName&quot;:&quot;Eitan&quot;"));
    assert!(first.contains("name=\"id_token\"") && first.contains("name=\"code\""));
    a.enqueue_login("eitan@example.com", false);
    let second = reqwest::get(url(&a, "&scope=name%20email&response_mode=form_post"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!second.contains("name=\"user\""), "{second}");
}

#[tokio::test]
async fn cancel_answers_user_cancelled_authorize() {
    let a = apple().await;
    a.enqueue_login("eitan@example.com", true);
    let page = reqwest::get(url(&a, "&scope=email&response_mode=form_post"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("name=\"error\" value=\"user_cancelled_authorize\""),
        "{page}"
    );
    assert!(page.contains("name=\"state\" value=\"st\""));
}

#[tokio::test]
async fn the_jwks_publishes_one_rs256_key_with_a_ten_character_kid() {
    let a = apple().await;
    let jwks: serde_json::Value = reqwest::get(format!("{}/auth/keys", a.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["kid"].as_str().unwrap().len(), 10);
}
