//! The mock Apple's web authorization (protocols.md §2.2-2.3) over real HTTP: form_post is
//! required with scopes, the `user` JSON comes only on the first authorization, Cancel answers
//! user_cancelled_authorize, the JWKS publishes the signing key, and the token endpoint answers
//! `invalid_client` to every `client_secret` it cannot trust (§2.4).

use chrono::{TimeZone, Utc};
use mock_apple::{AppleClient, AppleConfig, AppleTeam, AppleUser, MockApple};
use protocol::fixtures::JwtFixture;
use protocol::jwt::{self, Es256Key};
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
    a.enqueue_login("eitan@example.com", false).unwrap();
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
    a.enqueue_login("eitan@example.com", false).unwrap();
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
    a.enqueue_login("eitan@example.com", true).unwrap();
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

/// One team with the web client and the native app, whose developer key is the fixture's.
async fn apple_with_developer_key() -> (MockApple, Es256Key) {
    let key = Es256Key::from_pem(JwtFixture::AppleDeveloper.key_pem(), KEY_ID).unwrap();
    let config = AppleConfig {
        teams: vec![AppleTeam {
            team_id: TEAM.into(),
            keys: BTreeMap::from([(KEY_ID.to_owned(), key.public_pem().to_owned())]),
            clients: vec![
                AppleClient {
                    client_id: APP.into(),
                    redirect_uris: Vec::new(),
                },
                AppleClient {
                    client_id: WEB.into(),
                    redirect_uris: Vec::new(),
                },
            ],
        }],
        users: vec![AppleUser::new("eitan@example.com", "Eitan", "Behar")],
        booleans_as_strings: false,
    };
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    ));
    let apple = MockApple::start(config, clock, Arc::new(SequentialIds::new()))
        .await
        .unwrap();
    (apple, key)
}

const TEAM: &str = "TEAM123ABC";
const KEY_ID: &str = "DEVKEY1234";
const APP: &str = "com.runmyprocess.runmyapp";

#[tokio::test]
async fn the_token_endpoint_answers_invalid_client_to_any_client_secret_it_cannot_trust() {
    let (apple, registered) = apple_with_developer_key().await;
    let other = Es256Key::from_pem(JwtFixture::AppleDeveloperOther.key_pem(), KEY_ID).unwrap();
    let now = Utc
        .with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .unwrap()
        .timestamp();
    let cases: [(&str, &Es256Key, &str, &str, i64, i64, u16); 7] = [
        ("valid", &registered, TEAM, APP, now, 300, 200),
        ("expired", &registered, TEAM, APP, now - 600, 300, 400),
        ("for another client", &registered, TEAM, WEB, now, 300, 400),
        ("signed by another key", &other, TEAM, APP, now, 300, 400),
        // Six months is 15,777,000 s (§2.4); one second more is refused.
        (
            "exactly six months",
            &registered,
            TEAM,
            APP,
            now,
            15_777_000,
            200,
        ),
        (
            "longer than six months",
            &registered,
            TEAM,
            APP,
            now,
            15_777_001,
            400,
        ),
        (
            "from another team",
            &registered,
            "OTHERTEAM1",
            APP,
            now,
            300,
            400,
        ),
    ];
    for (what, key, team, client, iat, lifetime, status) in cases {
        // Each secret gets a fresh code, so only the secret decides the answer.
        let credential = apple.native_sign_in(APP, "eitan@example.com", "n").unwrap();
        let secret = jwt::apple_client_secret(key, team, client, iat, lifetime).unwrap();
        let r = reqwest::Client::new()
            .post(format!("{}/auth/token", apple.base_url()))
            .form(&[
                ("client_id", APP),
                ("client_secret", secret.as_str()),
                ("code", credential.authorization_code.as_str()),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{what}");
        let body: serde_json::Value = r.json().await.unwrap();
        if status == 200 {
            assert!(body["id_token"].is_string(), "{what}: {body}");
        } else {
            assert_eq!(body["error"], "invalid_client", "{what}: {body}");
        }
    }
}

/// The claims of a JWT, unverified (the mock's own tokens; the SP verifies them for real).
fn claims(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn a_redeemed_only_fault_leaves_the_app_token_genuine_and_changes_the_redeemed_one() {
    let (apple, key) = apple_with_developer_key().await;
    let now = Utc
        .with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .unwrap()
        .timestamp();
    for (fault, claim, genuine) in [
        (
            mock_apple::Fault::RedeemedWrongIss,
            "iss",
            "https://appleid.apple.com",
        ),
        (mock_apple::Fault::RedeemedWrongAud, "aud", APP),
    ] {
        apple.enqueue_fault(fault).unwrap();
        let credential = apple.native_sign_in(APP, "eitan@example.com", "n").unwrap();
        let app_token = claims(&credential.identity_token);
        assert_eq!(app_token[claim], genuine, "{fault:?}: the app's token");
        let secret = jwt::apple_client_secret(&key, TEAM, APP, now, 300).unwrap();
        let body: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/auth/token", apple.base_url()))
            .form(&[
                ("client_id", APP),
                ("client_secret", secret.as_str()),
                ("code", credential.authorization_code.as_str()),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let redeemed = claims(body["id_token"].as_str().unwrap());
        assert_ne!(redeemed[claim], genuine, "{fault:?}: the redeemed token");
        // Only the one claim changes: the other of iss/aud stays genuine.
        let (other, other_genuine) = if claim == "iss" {
            ("aud", APP)
        } else {
            ("iss", "https://appleid.apple.com")
        };
        assert_eq!(redeemed[other], other_genuine, "{fault:?}");
    }
}

async fn post_form(apple: &MockApple, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", apple.base_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_refresh_token_refreshes_without_rotating_until_revoked_and_revocation_forgets_the_authorization()
 {
    let (apple, key) = apple_with_developer_key().await;
    let now = Utc
        .with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .unwrap()
        .timestamp();
    let secret = jwt::apple_client_secret(&key, TEAM, APP, now, 300).unwrap();
    let web_secret = jwt::apple_client_secret(&key, TEAM, WEB, now, 300).unwrap();
    let credential = apple.native_sign_in(APP, "eitan@example.com", "n").unwrap();
    assert!(
        credential.email.is_some(),
        "the first authorization shares the email"
    );
    let (s, body) = post_form(
        &apple,
        "/auth/token",
        &[
            ("client_id", APP),
            ("client_secret", &secret),
            ("code", &credential.authorization_code),
            ("grant_type", "authorization_code"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let redeemed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let refresh = redeemed["refresh_token"].as_str().unwrap().to_owned();
    let refresh_form = |secret: &str, client: &str| {
        vec![
            ("client_id".to_owned(), client.to_owned()),
            ("client_secret".to_owned(), secret.to_owned()),
            ("grant_type".to_owned(), "refresh_token".to_owned()),
            ("refresh_token".to_owned(), refresh.clone()),
        ]
    };
    let send = |form: Vec<(String, String)>| {
        let url = format!("{}/auth/token", apple.base_url());
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    // A refresh: access token and ID token, no refresh token, no nonce; then again.
    let (s, body) = send(refresh_form(&secret, APP)).await;
    assert_eq!(s, 200, "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let c = claims(body["id_token"].as_str().unwrap());
    assert_eq!(
        (c["iss"].as_str(), c["aud"].as_str()),
        (Some(ISS), Some(APP))
    );
    assert_eq!(c["sub"], claims(&credential.identity_token)["sub"]);
    assert!(c.get("nonce").is_none(), "{c}");
    assert_eq!(send(refresh_form(&secret, APP)).await.0, 200);
    // Another client of the team may not use it; a bad secret is invalid_client.
    let (s, body) = send(refresh_form(&web_secret, WEB)).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (s, body) = send(refresh_form("not-a-jwt", APP)).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_client")));
    // Faults wait for the refresh: the sign-in between does not take them.
    apple
        .enqueue_fault(mock_apple::Fault::RefreshRevoked)
        .unwrap();
    apple
        .enqueue_fault(mock_apple::Fault::RefreshWrongClient)
        .unwrap();
    let between = apple
        .native_sign_in(APP, "eitan@example.com", "n2")
        .unwrap();
    assert_eq!(claims(&between.identity_token)["iss"], ISS);
    for _ in 0..2 {
        let (s, body) = send(refresh_form(&secret, APP)).await;
        assert_eq!(
            (s, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{body}"
        );
    }
    assert_eq!(send(refresh_form(&secret, APP)).await.0, 200);
    // And a sign-in's fault waits for the sign-in: the refresh's ID token stays genuine.
    apple.enqueue_fault(mock_apple::Fault::WrongIss).unwrap();
    let (_, body) = send(refresh_form(&secret, APP)).await;
    assert_eq!(claims(body["id_token"].as_str().unwrap())["iss"], ISS);
    let faulty = apple
        .native_sign_in(APP, "eitan@example.com", "n4")
        .unwrap();
    assert_ne!(claims(&faulty.identity_token)["iss"], ISS);

    // Revocation needs the client's secret; then the refresh token is gone and the next
    // authorization shares the name and email again.
    let bad = post_form(
        &apple,
        "/auth/revoke",
        &[
            ("client_id", APP),
            ("client_secret", "x"),
            ("token", &access),
        ],
    )
    .await;
    assert_eq!(bad.0, 400);
    let revoke = [
        ("client_id", APP),
        ("client_secret", secret.as_str()),
        ("token", access.as_str()),
        ("token_type_hint", "access_token"),
    ];
    assert_eq!(
        post_form(&apple, "/auth/revoke", &revoke).await,
        (200, String::new())
    );
    let (s, body) = send(refresh_form(&secret, APP)).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    // Already invalid: still 200, as Apple answers.
    assert_eq!(post_form(&apple, "/auth/revoke", &revoke).await.0, 200);
    let again = apple
        .native_sign_in(APP, "eitan@example.com", "n3")
        .unwrap();
    assert!(again.email.is_some() && again.full_name.is_some());
    // Nothing secret reached the log.
    let logged = serde_json::to_string(&apple.received()).unwrap();
    assert!(!logged.contains(&refresh) && !logged.contains(&access) && !logged.contains(&secret));
}

const ISS: &str = "https://appleid.apple.com";
