//! The mock Google's strictness over real HTTP: redirect URI, client authentication, single-use
//! codes, PKCE, consent denial, prompt=none, key rotation.

use chrono::{TimeZone, Utc};
use mock_google::{Consent, GoogleClient, GoogleConfig, GoogleUser, MockGoogle};
use protocol::{FixedClock, SequentialIds};
use std::sync::Arc;

const CLIENT: &str = "1234-mock.apps.googleusercontent.com";
const SECRET: &str = "GOCSPX-secret";
const REDIRECT: &str = "http://127.0.0.1:9/cb";

async fn google() -> MockGoogle {
    let config = GoogleConfig {
        clients: vec![GoogleClient {
            client_id: CLIENT.into(),
            client_secret: SECRET.into(),
            redirect_uris: vec![REDIRECT.into()],
        }],
        users: vec![GoogleUser::consumer("ann@gmail.com", "Ann Example")],
    };
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    ));
    MockGoogle::start(config, clock, Arc::new(SequentialIds::new()))
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

/// The body of a GET, for a page the test reads.
async fn text_of(b: &reqwest::Client, url: &str) -> String {
    b.get(url).send().await.unwrap().text().await.unwrap()
}

fn auth_url(g: &MockGoogle, extra: &str) -> String {
    format!(
        "{}?client_id={CLIENT}&redirect_uri={REDIRECT}&response_type=code&scope=openid%20email&state=st{extra}",
        g.authorization_url()
    )
}

async fn location(client: &reqwest::Client, url: &str) -> url::Url {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302, "{}", r.text().await.unwrap());
    url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap()
}

fn param(u: &url::Url, name: &str) -> Option<String> {
    u.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn redeem(g: &MockGoogle, form: &[(&str, &str)], basic: bool) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new().post(format!("{}/token", g.issuer()));
    if basic {
        req = req.basic_auth(CLIENT, Some(SECRET));
    }
    let r = req.form(form).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_redirect_uri_mismatch_is_shown_on_googles_page_never_redirected() {
    let g = google().await;
    let url = auth_url(&g, "").replace(REDIRECT, "http://127.0.0.1:9/cb/");
    let r = browser().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("data-code=\"redirect_uri_mismatch\"")
    );
}

#[tokio::test]
async fn an_unknown_client_is_shown_on_googles_page_never_redirected() {
    let g = google().await;
    let url = auth_url(&g, "").replace(CLIENT, "unknown-client.apps.googleusercontent.com");
    let r = browser().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.headers().get("location").is_none());
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("data-code=\"invalid_client\"")
    );
}

#[tokio::test]
async fn codes_are_single_use_and_bound_to_client_redirect_uri_and_pkce() {
    let g = google().await;
    g.enqueue_login("ann@gmail.com", Consent::Allow).unwrap();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = protocol::jwt::pkce_s256(verifier);
    let loc = location(
        &browser(),
        &auth_url(
            &g,
            &format!("&code_challenge={challenge}&code_challenge_method=S256"),
        ),
    )
    .await;
    assert_eq!(param(&loc, "state").as_deref(), Some("st"));
    let code = param(&loc, "code").unwrap();
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let (s, body) = redeem(
        &g,
        &[
            &base[..],
            &[("client_id", CLIENT), ("client_secret", "wrong")],
        ]
        .concat(),
        false,
    )
    .await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
    let (s, body) = redeem(&g, &base, true).await;
    assert_eq!(
        (s, body["error_description"].as_str()),
        (400, Some("Missing code verifier."))
    );
    let (s, body) = redeem(
        &g,
        &[&base[..], &[("code_verifier", "wrong-verifier")]].concat(),
        true,
    )
    .await;
    assert_eq!(
        (s, body["error_description"].as_str()),
        (400, Some("Invalid code verifier."))
    );
    let other_uri = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:9/other"),
        ("code_verifier", verifier),
    ];
    let (s, body) = redeem(&g, &other_uri, true).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("redirect_uri_mismatch"))
    );
    let ok = [&base[..], &[("code_verifier", verifier)]].concat();
    let (s, body) = redeem(&g, &ok, true).await;
    assert_eq!(s, 200, "{body}");
    assert!(body["id_token"].as_str().unwrap().split('.').count() == 3);
    let (s, body) = redeem(&g, &ok, true).await;
    assert_eq!(
        (s, body["error_description"].as_str()),
        (400, Some("Code was already redeemed."))
    );
    // Secrets never reach the log.
    let logged = serde_json::to_string(&g.received()).unwrap();
    assert!(!logged.contains(SECRET) && !logged.contains(verifier) && !logged.contains(&code));
}

#[tokio::test]
async fn deny_and_prompt_none_come_back_as_errors_with_the_state() {
    let g = google().await;
    g.enqueue_login("ann@gmail.com", Consent::Deny).unwrap();
    let loc = location(&browser(), &auth_url(&g, "")).await;
    assert_eq!(param(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&loc, "state").as_deref(), Some("st"));
    let loc = location(&browser(), &auth_url(&g, "&prompt=none")).await;
    assert_eq!(
        param(&loc, "error").as_deref(),
        Some("interaction_required")
    );
}

#[tokio::test]
async fn a_signed_in_browser_is_not_asked_again() {
    let g = google().await;
    let b = browser();
    g.enqueue_login("ann@gmail.com", Consent::Allow).unwrap();
    assert!(param(&location(&b, &auth_url(&g, "")).await, "code").is_some());
    assert!(param(&location(&b, &auth_url(&g, "")).await, "code").is_some());
    let page = text_of(&browser(), &auth_url(&g, "")).await;
    assert!(page.contains("Choose an account"));
}

#[tokio::test]
async fn rotation_publishes_the_next_key_and_drops_the_old_one() {
    let g = google().await;
    let jwks = |g: &MockGoogle| {
        let url = format!("{}/oauth2/v3/certs", g.issuer());
        async move {
            let v: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            v["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let first = g.current_kid();
    let before = jwks(&g).await;
    assert_eq!(before.len(), 2);
    assert_eq!(before[0], first);
    g.rotate_keys();
    let after = jwks(&g).await;
    assert_eq!(after[0], before[1]);
    assert!(!after.contains(&first));
}

/// The value of `name="<field>" value="..."` in a page (first occurrence).
fn hidden(page: &str, field: &str) -> String {
    let at = page.find(&format!("name=\"{field}\" value=\"")).unwrap() + field.len() + 15;
    page[at..at + page[at..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn each_account_of_the_chooser_is_a_button_to_its_password_and_consent_may_redirect_to_the_client()
 {
    let g = google().await;
    let b = browser();
    let chooser = text_of(&b, &auth_url(&g, "")).await;
    assert!(
        chooser.contains("<button name=\"email\" value=\"ann@gmail.com\">Ann Example &lt;ann@gmail.com&gt;</button>"),
        "{chooser}"
    );
    let pending = hidden(&chooser, "pending");
    let choose = |pending: String| {
        let b = b.clone();
        let url = format!("{}/signin/choose", g.issuer());
        async move {
            b.post(url)
                .form(&[("pending", pending.as_str()), ("email", "ann@gmail.com")])
                .send()
                .await
                .unwrap()
        }
    };
    let welcome = choose(pending.clone()).await.text().await.unwrap();
    assert!(
        welcome.contains("<p id=\"account\">ann@gmail.com</p>"),
        "{welcome}"
    );
    assert_eq!(hidden(&welcome, "email"), "ann@gmail.com");
    // A chooser that was never shown has no password page.
    assert_eq!(choose("ga-unknown".into()).await.status(), 400);
    let consent = b
        .post(format!("{}/signin", g.issuer()))
        .form(&[
            ("pending", pending.as_str()),
            ("email", "ann@gmail.com"),
            ("password", "Google-Pass-2026"),
        ])
        .send()
        .await
        .unwrap();
    // Allow answers with a redirect to the client: the page's form-action must name its origin.
    assert_eq!(
        consent.headers()["content-security-policy"],
        "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self' http://127.0.0.1:9; frame-ancestors 'none'; base-uri 'none'"
    );
}

/// A sign-in's code, redeemed with HTTP Basic: the token answer.
async fn sign_in_and_redeem(g: &MockGoogle, b: &reqwest::Client, extra: &str) -> serde_json::Value {
    let loc = location(b, &auth_url(g, extra)).await;
    let code = param(&loc, "code").unwrap_or_else(|| panic!("no code: {loc}"));
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let (s, body) = redeem(g, &form, true).await;
    assert_eq!(s, 200, "{body}");
    body
}

fn claims(id_token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = id_token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn revoke(g: &MockGoogle, token: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/revoke", g.issuer()))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn userinfo_status(g: &MockGoogle, access_token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/v1/userinfo", g.issuer()))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn offline_access_gives_one_refresh_token_that_refreshes_without_rotating_until_revoked() {
    let g = google().await;
    let b = browser();
    // Online access (the default): no refresh token.
    g.enqueue_login("ann@gmail.com", Consent::Allow).unwrap();
    let online = sign_in_and_redeem(&g, &b, "").await;
    assert!(online.get("refresh_token").is_none(), "{online}");
    // The first offline exchange has one; the next, from the same signed-in browser, none;
    // prompt=consent asks again and gets a new one.
    let first = sign_in_and_redeem(&g, &b, "&access_type=offline").await;
    let refresh = first["refresh_token"].as_str().unwrap().to_owned();
    assert!(refresh.starts_with("1//0"), "{refresh}");
    let again = sign_in_and_redeem(&g, &b, "&access_type=offline").await;
    assert!(again.get("refresh_token").is_none(), "{again}");
    g.enqueue_login("ann@gmail.com", Consent::Allow).unwrap();
    let consent = sign_in_and_redeem(&g, &b, "&access_type=offline&prompt=consent").await;
    let second = consent["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, refresh);

    // A refresh: a new access token and ID token, no refresh token (not rotated), no nonce.
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let (s, body) = redeem(&g, &form, true).await;
    assert_eq!(s, 200, "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    assert_ne!(access, first["access_token"].as_str().unwrap());
    let c = claims(body["id_token"].as_str().unwrap());
    assert_eq!(c["aud"], CLIENT);
    assert_eq!(c["email"], "ann@gmail.com");
    assert!(c.get("nonce").is_none(), "{c}");
    assert_eq!(body["scope"], "openid email");
    assert_eq!(userinfo_status(&g, &access).await, 200);
    // The same refresh token works again: Google does not rotate it.
    let (s, _) = redeem(&g, &form, true).await;
    assert_eq!(s, 200);

    // Missing, unknown, another client's secret.
    let (s, body) = redeem(&g, &[("grant_type", "refresh_token")], true).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_request")));
    let (s, body) = redeem(
        &g,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "1//0nope"),
        ],
        true,
    )
    .await;
    assert_eq!(
        (s, body["error_description"].as_str()),
        (400, Some("Token has been expired or revoked."))
    );

    // Revoking the access token revokes the refresh token it came from, and the access tokens
    // that refresh token gave.
    assert_eq!(revoke(&g, &access).await, 200);
    assert_eq!(userinfo_status(&g, &access).await, 401);
    let (s, body) = redeem(&g, &form, true).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(revoke(&g, &access).await, 400);
    // Revoking a refresh token revokes the access tokens it gave; the other one stays.
    let other = [
        ("grant_type", "refresh_token"),
        ("refresh_token", second.as_str()),
    ];
    let (_, body) = redeem(&g, &other, true).await;
    let from_second = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(revoke(&g, &second).await, 200);
    assert_eq!(userinfo_status(&g, &from_second).await, 401);
    // The code exchange's access token came with the first refresh token: gone with it. The
    // online sign-in's had none: untouched.
    assert_eq!(
        userinfo_status(&g, first["access_token"].as_str().unwrap()).await,
        401
    );
    assert_eq!(
        userinfo_status(&g, online["access_token"].as_str().unwrap()).await,
        200
    );
    // No refresh token or revoked token reaches the log.
    let logged = serde_json::to_string(&g.received()).unwrap();
    assert!(!logged.contains(&refresh) && !logged.contains(&second) && !logged.contains(&access));
    // Discovery lists the revocation endpoint it serves.
    let d: serde_json::Value = reqwest::get(g.discovery_url())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["revocation_endpoint"], format!("{}/revoke", g.issuer()));
}

#[tokio::test]
async fn refresh_faults_wait_for_the_next_refresh_and_an_unknown_access_type_is_refused() {
    let g = google().await;
    let b = browser();
    g.enqueue_login("ann@gmail.com", Consent::Allow).unwrap();
    // Queued before a sign-in, which does not take them.
    for f in ["refresh_revoked", "refresh_expired", "refresh_wrong_client"] {
        let r = reqwest::Client::new()
            .post(format!("{}/control/faults", g.issuer()))
            .json(&serde_json::json!({ "fault": f }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{f}");
    }
    let body = sign_in_and_redeem(&g, &b, "&access_type=offline").await;
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let expect = [
        ("invalid_grant", "Token has been expired or revoked."),
        ("invalid_grant", "Token has been expired or revoked."),
        ("unauthorized_client", "Unauthorized"),
    ];
    for (error, description) in expect {
        let (s, body) = redeem(&g, &form, true).await;
        assert_eq!(
            (
                s,
                body["error"].as_str(),
                body["error_description"].as_str()
            ),
            (400, Some(error), Some(description))
        );
    }
    // Each fault was one refresh; the token itself is still good.
    let (s, _) = redeem(&g, &form, true).await;
    assert_eq!(s, 200);
    let page = browser()
        .get(auth_url(&g, "&access_type=forever"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 400);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("data-code=\"invalid_request\"")
    );
}

#[tokio::test]
async fn the_device_flow_polls_until_the_person_answers_at_the_verification_page() {
    let config = GoogleConfig {
        clients: vec![GoogleClient {
            client_id: CLIENT.into(),
            client_secret: SECRET.into(),
            redirect_uris: vec![REDIRECT.into()],
        }],
        users: vec![GoogleUser::consumer("ann@gmail.com", "Ann Example")],
    };
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap(),
    ));
    let g = MockGoogle::start(config, clock.clone(), Arc::new(SequentialIds::new()))
        .await
        .unwrap();
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let url = format!("{}{path}", g.issuer());
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    let d: serde_json::Value = reqwest::get(g.discovery_url())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        d["device_authorization_endpoint"],
        format!("{}/device/code", g.issuer())
    );
    // Unknown client, and a scope the device flow does not take.
    let (s, _) = post(
        "/device/code",
        vec![("client_id", "nope".into()), ("scope", "openid".into())],
    )
    .await;
    assert_eq!(s, 401);
    let (s, body) = post(
        "/device/code",
        vec![
            ("client_id", CLIENT.into()),
            (
                "scope",
                "openid https://www.googleapis.com/auth/drive".into(),
            ),
        ],
    )
    .await;
    assert!(s == 400 && body.contains("invalid_scope"), "{body}");

    let start = || {
        post(
            "/device/code",
            vec![
                ("client_id", CLIENT.into()),
                ("scope", "openid email".into()),
            ],
        )
    };
    let (s, body) = start().await;
    assert_eq!(s, 200, "{body}");
    let codes: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (codes["expires_in"].as_i64(), codes["interval"].as_i64()),
        (Some(1800), Some(5))
    );
    let device_code = codes["device_code"].as_str().unwrap().to_owned();
    let user_code = codes["user_code"].as_str().unwrap().to_owned();
    assert!(
        user_code.len() == 9 && user_code.as_bytes()[4] == b'-',
        "{user_code}"
    );
    let poll = |code: String| {
        let url = format!("{}/token", g.issuer());
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .basic_auth(CLIENT, Some(SECRET))
                .form(&[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("device_code", code.as_str()),
                ])
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let v: serde_json::Value = r.json().await.unwrap();
            (status, v)
        }
    };
    let (s, v) = poll(device_code.clone()).await;
    assert_eq!(
        (s, v["error"].as_str()),
        (428, Some("authorization_pending"))
    );
    let (s, v) = poll(device_code.clone()).await;
    assert_eq!((s, v["error"].as_str()), (403, Some("slow_down")));
    // The person enters the code (lower case is fine); the queued login consents.
    g.enqueue_login("ann@gmail.com", Consent::Allow).unwrap();
    let (s, page) = post("/device", vec![("user_code", user_code.to_lowercase())]).await;
    assert!(
        s == 200 && page.contains("ann@gmail.com is signed in"),
        "{page}"
    );
    clock.advance(chrono::Duration::seconds(5));
    let (s, v) = poll(device_code.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["refresh_token"].as_str().unwrap().starts_with("1//0"));
    let id_token = v["id_token"].as_str().unwrap();
    let payload: serde_json::Value = {
        use base64::Engine;
        let p = id_token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(
        (payload["aud"].as_str(), payload["email"].as_str()),
        (Some(CLIENT), Some("ann@gmail.com"))
    );
    // Used once; the code cannot be entered again.
    clock.advance(chrono::Duration::seconds(5));
    let (s, v) = poll(device_code).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")));
    let (s, _) = post("/device", vec![("user_code", user_code)]).await;
    assert_eq!(s, 400);

    // Denied, and expired.
    let (_, body) = start().await;
    let denied: serde_json::Value = serde_json::from_str(&body).unwrap();
    g.enqueue_login("ann@gmail.com", Consent::Deny).unwrap();
    post(
        "/device",
        vec![(
            "user_code",
            denied["user_code"].as_str().unwrap().to_owned(),
        )],
    )
    .await;
    let (s, v) = poll(denied["device_code"].as_str().unwrap().to_owned()).await;
    assert_eq!((s, v["error"].as_str()), (403, Some("access_denied")));
    let (_, body) = start().await;
    let late: serde_json::Value = serde_json::from_str(&body).unwrap();
    clock.advance(chrono::Duration::seconds(1801));
    let (s, v) = poll(late["device_code"].as_str().unwrap().to_owned()).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("expired_token")));
    // The device code never reaches the log.
    let logged = serde_json::to_string(&g.received()).unwrap();
    assert!(!logged.contains(late["device_code"].as_str().unwrap()));
}
