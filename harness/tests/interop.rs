//! Interoperability of the token mocks with a third-party library outside Rust (issue 17, item
//! 6): PyJWT (Debian's python3-jwt, installed by `cargo xtask deps`) fetches each mock's JWKS
//! and verifies its ID tokens, signature, issuer, audience and expiry, as a Python relying
//! party would: mock Apple's identity token from the app and the one its refresh returns, mock
//! Google's ID token from a refresh. The SAML mock is checked the same way by python3-saml and
//! node-saml in third_party_sp.rs (every control sign-in there is the library accepting the
//! mock's Response).

use chrono::Utc;
use mock_apple::{AppleClient, AppleConfig, AppleTeam, AppleUser, MockApple};
use mock_google::{Consent, GoogleClient, GoogleConfig, GoogleUser, MockGoogle};
use protocol::fixtures::JwtFixture;
use protocol::jwt::{self, Es256Key};
use protocol::{RandomIds, SystemClock};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

/// PyJWT verifies `token` with the key of its `kid` from `jwks`; prints the claims as JSON.
const VERIFY: &str = r#"
import json, sys, jwt
jwks, token, audience, issuer = sys.argv[1:5]
key = jwt.PyJWKClient(jwks).get_signing_key_from_jwt(token)
claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=issuer,
                    options={"require": ["exp", "iat", "sub", "aud", "iss"]})
print(json.dumps(claims, sort_keys=True))
"#;

/// Runs the check off the runtime's threads: the mock that answers PyJWT's JWKS request runs on
/// them.
async fn run(args: [&str; 4]) -> std::process::Output {
    let args = args.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        Command::new("/usr/bin/python3")
            .arg("-c")
            .arg(VERIFY)
            .args(&args)
            .output()
            .expect("Debian's python3 (cargo xtask deps installs python3-jwt)")
    })
    .await
    .unwrap()
}

async fn pyjwt(jwks: &str, token: &str, audience: &str, issuer: &str) -> serde_json::Value {
    let out = run([jwks, token, audience, issuer]).await;
    assert!(
        out.status.success(),
        "PyJWT refused the token: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// PyJWT must refuse `token` for `audience`: the check is real.
async fn pyjwt_refuses(jwks: &str, token: &str, audience: &str, issuer: &str) {
    let out = run([jwks, token, audience, issuer]).await;
    assert!(
        !out.status.success(),
        "PyJWT accepted a token for another audience"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("InvalidAudienceError"));
}

const TEAM: &str = "TEAM123ABC";
const KEY_ID: &str = "DEVKEY1234";
const APP: &str = "com.runmyprocess.runmyapp";

#[tokio::test]
async fn pyjwt_verifies_mock_apples_identity_tokens_from_the_app_and_from_a_refresh() {
    let key = Es256Key::from_pem(JwtFixture::AppleDeveloper.key_pem(), KEY_ID).unwrap();
    let config = AppleConfig {
        teams: vec![AppleTeam {
            team_id: TEAM.into(),
            keys: BTreeMap::from([(KEY_ID.to_owned(), key.public_pem().to_owned())]),
            clients: vec![AppleClient {
                client_id: APP.into(),
                redirect_uris: Vec::new(),
            }],
        }],
        users: vec![AppleUser::new("eitan@example.com", "Eitan", "Behar")],
        booleans_as_strings: true,
    };
    let apple = MockApple::start(config, Arc::new(SystemClock), Arc::new(RandomIds))
        .await
        .unwrap();
    let jwks = format!("{}/auth/keys", apple.base_url());
    let iss = "https://appleid.apple.com";
    let credential = apple.native_sign_in(APP, "eitan@example.com", "n").unwrap();
    let claims = pyjwt(&jwks, &credential.identity_token, APP, iss).await;
    assert_eq!(claims["sub"], credential.user);
    assert_eq!(claims["nonce"], jwt::sha256_hex("n"));
    pyjwt_refuses(&jwks, &credential.identity_token, "com.example.other", iss).await;

    let secret = jwt::apple_client_secret(&key, TEAM, APP, Utc::now().timestamp(), 300).unwrap();
    let post = |form: Vec<(&'static str, String)>| {
        let url = format!("{}/auth/token", apple.base_url());
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let redeemed = post(vec![
        ("client_id", APP.into()),
        ("client_secret", secret.clone()),
        ("code", credential.authorization_code.clone()),
        ("grant_type", "authorization_code".into()),
    ])
    .await;
    let refreshed = post(vec![
        ("client_id", APP.into()),
        ("client_secret", secret),
        ("grant_type", "refresh_token".into()),
        (
            "refresh_token",
            redeemed["refresh_token"].as_str().unwrap().to_owned(),
        ),
    ])
    .await;
    let claims = pyjwt(&jwks, refreshed["id_token"].as_str().unwrap(), APP, iss).await;
    assert_eq!(claims["sub"], credential.user);
}

#[tokio::test]
async fn pyjwt_verifies_mock_googles_id_token_from_a_refresh() {
    const CLIENT: &str = "1234-interop.apps.googleusercontent.com";
    const SECRET: &str = "GOCSPX-interop";
    const REDIRECT: &str = "http://127.0.0.1:9/cb";
    let config = GoogleConfig {
        clients: vec![GoogleClient {
            client_id: CLIENT.into(),
            client_secret: SECRET.into(),
            redirect_uris: vec![REDIRECT.into()],
        }],
        users: vec![GoogleUser::workspace(
            "jsmith@example.com",
            "J Smith",
            "example.com",
        )],
    };
    let google = MockGoogle::start(config, Arc::new(SystemClock), Arc::new(RandomIds))
        .await
        .unwrap();
    google
        .enqueue_login("jsmith@example.com", Consent::Allow)
        .unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let auth = format!(
        "{}?client_id={CLIENT}&redirect_uri={REDIRECT}&response_type=code&scope=openid%20email&access_type=offline",
        google.authorization_url()
    );
    let r = browser.get(auth).send().await.unwrap();
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let token = |form: Vec<(&'static str, String)>| {
        let url = format!("{}/token", google.issuer());
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .basic_auth(CLIENT, Some(SECRET))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let first = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code),
        ("redirect_uri", REDIRECT.into()),
    ])
    .await;
    let refreshed = token(vec![
        ("grant_type", "refresh_token".into()),
        (
            "refresh_token",
            first["refresh_token"].as_str().unwrap().to_owned(),
        ),
    ])
    .await;
    let jwks = format!("{}/oauth2/v3/certs", google.issuer());
    for id_token in [&first["id_token"], &refreshed["id_token"]] {
        let claims = pyjwt(&jwks, id_token.as_str().unwrap(), CLIENT, google.issuer()).await;
        assert_eq!(claims["email"], "jsmith@example.com");
        assert_eq!(claims["hd"], "example.com");
    }
}
