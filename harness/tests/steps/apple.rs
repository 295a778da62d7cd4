//! Steps for Apple ID from the iOS app against the mock Apple (R-APPLE-1..4).

use super::{DsWorld, Reply};
use anyhow::{Context, anyhow, bail, ensure};
use cucumber::{given, then, when};
use mock_apple::{AppleClient, AppleConfig, AppleTeam, AppleUser, Fault, NativeCredential};
use protocol::fixtures::JwtFixture;
use protocol::jwt::Es256Key;
use serde_json::json;
use std::collections::BTreeMap;

pub const TEAM_ID: &str = "TEAM123ABC";
pub const KEY_ID: &str = "DEVKEY1234";
pub const WEB_SERVICES_ID: &str = "com.runmyprocess.web";

impl DsWorld {
    pub fn apple(&self) -> anyhow::Result<&mock_apple::MockApple> {
        self.apple
            .as_ref()
            .context("no mock Apple in this scenario")
    }
}

fn developer_key(name: &str) -> anyhow::Result<Es256Key> {
    let f = match name {
        "registered" => JwtFixture::AppleDeveloper,
        "unregistered" => JwtFixture::AppleDeveloperOther,
        other => bail!("unknown developer key {other}"),
    };
    Ok(Es256Key::from_pem(f.key_pem(), KEY_ID)?)
}

#[given(expr = "a mock Apple with the team of the bundle ID {string}")]
async fn start_apple(w: &mut DsWorld, bundle: String) -> anyhow::Result<()> {
    let registered = developer_key("registered")?;
    let config = AppleConfig {
        teams: vec![AppleTeam {
            team_id: TEAM_ID.into(),
            keys: BTreeMap::from([(KEY_ID.to_owned(), registered.public_pem().to_owned())]),
            clients: vec![
                AppleClient {
                    client_id: bundle.clone(),
                    redirect_uris: Vec::new(),
                },
                AppleClient {
                    client_id: WEB_SERVICES_ID.into(),
                    redirect_uris: Vec::new(),
                },
            ],
        }],
        users: Vec::new(),
        booleans_as_strings: false,
    };
    w.apple = Some(w.stack.start_apple(config).await?);
    w.bundle_id = Some(bundle);
    Ok(())
}

#[given(expr = "Apple has the Apple ID {string}")]
async fn apple_user(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    w.apple()?.add_user(AppleUser::new(&email, "Bea", "Simon"));
    Ok(())
}

#[given(expr = "Apple has the Apple ID {string}, who hides the email")]
async fn apple_user_hidden(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    let mut u = AppleUser::new(&email, "Bea", "Simon");
    u.hide_email = true;
    w.apple()?.add_user(u);
    Ok(())
}

#[given("Apple sends email_verified as strings")]
async fn strings(w: &mut DsWorld) -> anyhow::Result<()> {
    w.apple()?.set_booleans_as_strings(true);
    Ok(())
}

async fn configure(w: &mut DsWorld, key: &str, with_key: bool) -> anyhow::Result<()> {
    configure_as(w, key, with_key, TEAM_ID, KEY_ID).await
}

/// An Apple base URL under which nothing is served: its JWKS answers 404.
#[given(
    "the administrator configures Sign in with Apple for the app with an Apple base URL that answers 404"
)]
async fn configure_gone(w: &mut DsWorld) -> anyhow::Result<()> {
    let base = format!("{}/gone", w.apple()?.base_url());
    configure_with(w, "registered", true, TEAM_ID, KEY_ID, &base).await
}

async fn configure_as(
    w: &mut DsWorld,
    key: &str,
    with_key: bool,
    team_id: &str,
    key_id: &str,
) -> anyhow::Result<()> {
    let base = w.apple()?.base_url().to_owned();
    configure_with(w, key, with_key, team_id, key_id, &base).await
}

async fn configure_with(
    w: &mut DsWorld,
    key: &str,
    with_key: bool,
    team_id: &str,
    key_id: &str,
    apple_base_url: &str,
) -> anyhow::Result<()> {
    let pem = match key {
        "registered" => JwtFixture::AppleDeveloper.key_pem(),
        _ => JwtFixture::AppleDeveloperOther.key_pem(),
    };
    let mut body = json!({
        "bundle_id": w.bundle_id.clone().context("no bundle ID")?,
        "team_id": team_id,
        "key_id": key_id,
        "apple_base_url": apple_base_url,
    });
    if with_key {
        body["private_key"] = json!(pem);
    }
    let reply = w
        .admin_call("PUT", "/api/{account}/apple", Some(body))
        .await?;
    if with_key {
        ensure!(
            reply.status == 200,
            "configuring Apple: {} {}",
            reply.status,
            reply.body
        );
    }
    w.last = Some(reply.clone());
    Ok(())
}

/// The app's configuration with one ID field `length` characters long (0: empty), the others
/// as registered; the answer is the last.
#[when(
    expr = "the administrator configures Sign in with Apple for the app with a {word} of {int} characters"
)]
async fn configure_field_length(
    w: &mut DsWorld,
    field: String,
    length: usize,
) -> anyhow::Result<()> {
    let mut body = json!({
        "bundle_id": w.bundle_id.clone().context("no bundle ID")?,
        "team_id": "TEAM123ABC",
        "key_id": "DEVKEY1234",
        "private_key": JwtFixture::AppleDeveloper.key_pem(),
    });
    ensure!(body.get(&field).is_some(), "no field {field}");
    body[&field] = json!("A".repeat(length));
    let reply = w
        .admin_call("PUT", "/api/{account}/apple", Some(body))
        .await?
        .clone();
    w.last = Some(reply);
    Ok(())
}

#[given("the administrator configures Sign in with Apple for the app")]
async fn configure_app(w: &mut DsWorld) -> anyhow::Result<()> {
    configure(w, "registered", true).await
}

#[when("the administrator configures Sign in with Apple for the app without a developer key")]
async fn configure_no_key(w: &mut DsWorld) -> anyhow::Result<()> {
    configure(w, "registered", false).await
}

#[given(
    "the administrator configures Sign in with Apple for the app with an unregistered developer key"
)]
async fn configure_other_key(w: &mut DsWorld) -> anyhow::Result<()> {
    configure(w, "unregistered", true).await
}

/// The registered developer key, filed under a team or key ID Apple has not registered for it.
#[given(
    expr = "the administrator configures Sign in with Apple for the app with the team ID {string}"
)]
async fn configure_other_team(w: &mut DsWorld, team: String) -> anyhow::Result<()> {
    configure_as(w, "registered", true, &team, KEY_ID).await
}

#[given(
    expr = "the administrator configures Sign in with Apple for the app with the key ID {string}"
)]
async fn configure_other_kid(w: &mut DsWorld, kid: String) -> anyhow::Result<()> {
    configure_as(w, "registered", true, TEAM_ID, &kid).await
}

/// A fault of the ID token the token endpoint returns when the SP redeems the code; the
/// identity token the app receives stays genuine.
#[when(expr = "the ID token Apple returns for the next code has the fault {string}")]
async fn redeemed_fault(w: &mut DsWorld, name: String) -> anyhow::Result<()> {
    let f = Fault::parse(&name).ok_or_else(|| anyhow!("unknown Apple fault {name}"))?;
    ensure!(
        f.redeemed_only(),
        "{name} is not a fault of the redeemed ID token"
    );
    w.apple()?.enqueue_fault(f)?;
    Ok(())
}

#[when(expr = "Apple's next identity token has the fault {string}")]
async fn fault(w: &mut DsWorld, name: String) -> anyhow::Result<()> {
    let f = Fault::parse(&name).ok_or_else(|| anyhow!("unknown Apple fault {name}"))?;
    w.apple()?.enqueue_fault(f)?;
    Ok(())
}

/// The app asks the SP for a nonce (R-APPLE-4).
async fn sp_nonce(w: &mut DsWorld, mode: &str) -> anyhow::Result<String> {
    let url = w
        .stack
        .sp_url(&w.expand(&format!("/live/{{account}}/apple/nonce?P_mode={mode}"))?);
    let b = w.browser("default")?;
    let reply = Reply::read(b.client.post(url).send().await?).await?;
    ensure!(
        reply.status == 200,
        "nonce: {} {}",
        reply.status,
        reply.body
    );
    Ok(reply.json()?["nonce"]
        .as_str()
        .context("no nonce")?
        .to_owned())
}

async fn post_credential(
    w: &mut DsWorld,
    mode: &str,
    c: &NativeCredential,
    raw_nonce: &str,
) -> anyhow::Result<()> {
    post_credential_from(w, "default", mode, c, raw_nonce).await
}

async fn post_credential_from(
    w: &mut DsWorld,
    browser: &str,
    mode: &str,
    c: &NativeCredential,
    raw_nonce: &str,
) -> anyhow::Result<()> {
    let url = w
        .stack
        .sp_url(&w.expand(&format!("/live/{{account}}/apple/signin?P_mode={mode}"))?);
    let full_name = c
        .full_name
        .as_ref()
        .map(|n| json!({"given_name": n.given_name, "family_name": n.family_name}));
    let body = json!({
        "identity_token": c.identity_token,
        "authorization_code": c.authorization_code,
        "raw_nonce": raw_nonce,
        "full_name": full_name,
    });
    let b = w.browser(browser)?;
    let reply = Reply::read(b.client.post(url).json(&body).send().await?).await?;
    w.last = Some(reply);
    Ok(())
}

/// The app's side: the native flow at Apple, then the credential posted to the SP.
#[when(expr = "the app signs {string} in with Apple to {word}")]
async fn app_signs_in(w: &mut DsWorld, username: String, mode: String) -> anyhow::Result<()> {
    let raw_nonce = sp_nonce(w, &mode).await?;
    let bundle = w.bundle_id.clone().context("no bundle ID")?;
    let credential = w.apple()?.native_sign_in(&bundle, &username, &raw_nonce)?;
    post_credential(w, &mode, &credential, &raw_nonce).await?;
    w.apple_credential = Some((credential, raw_nonce));
    Ok(())
}

/// A nonce the SP issued, with an identity token that is not a JWT (no header to read).
#[when(expr = "the app posts an identity token that is not a JWT to {word}")]
async fn app_garbage_token(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let raw_nonce = sp_nonce(w, &mode).await?;
    let credential = NativeCredential {
        user: "000000.garbage.0000".into(),
        identity_token: "not-a-jwt".into(),
        authorization_code: "c0.0.mock".into(),
        email: None,
        full_name: None,
    };
    post_credential(w, &mode, &credential, &raw_nonce).await
}

#[when(expr = "the app signs {string} in with Apple to {word} but sends another nonce")]
async fn app_other_nonce(w: &mut DsWorld, username: String, mode: String) -> anyhow::Result<()> {
    let bundle = w.bundle_id.clone().context("no bundle ID")?;
    let real = sp_nonce(w, &mode).await?;
    let other = sp_nonce(w, &mode).await?;
    let credential = w.apple()?.native_sign_in(&bundle, &username, &real)?;
    post_credential(w, &mode, &credential, &other).await
}

#[when(expr = "the app signs {string} in with Apple to {word} with a nonce it made itself")]
async fn app_own_nonce(w: &mut DsWorld, username: String, mode: String) -> anyhow::Result<()> {
    let bundle = w.bundle_id.clone().context("no bundle ID")?;
    let credential = w
        .apple()?
        .native_sign_in(&bundle, &username, "nonce-made-by-the-app")?;
    post_credential(w, &mode, &credential, "nonce-made-by-the-app").await
}

/// Apple's side only: the credential is kept, not posted (it is what an attacker captures).
#[when(expr = "Apple signs {string} in for the app with a nonce the SP issued for {word}")]
async fn apple_signs_with_sp_nonce(
    w: &mut DsWorld,
    username: String,
    mode: String,
) -> anyhow::Result<()> {
    let raw_nonce = sp_nonce(w, &mode).await?;
    let bundle = w.bundle_id.clone().context("no bundle ID")?;
    let credential = w.apple()?.native_sign_in(&bundle, &username, &raw_nonce)?;
    w.apple_credential = Some((credential, raw_nonce));
    Ok(())
}

#[when(expr = "the app posts that credential to {word}")]
async fn post_kept(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let (credential, nonce) = w.apple_credential.clone().context("no credential yet")?;
    post_credential(w, &mode, &credential, &nonce).await
}

#[when(expr = "another client posts that identity token and nonce to {word} without a code")]
async fn replay_without_code(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let (mut credential, nonce) = w.apple_credential.clone().context("no credential yet")?;
    credential.authorization_code = String::new();
    post_credential_from(w, "attacker", &mode, &credential, &nonce).await
}

#[when(
    expr = "another client posts that identity token and nonce to {word} with the code of {string}'s own sign-in"
)]
async fn replay_with_other_code(
    w: &mut DsWorld,
    mode: String,
    attacker: String,
) -> anyhow::Result<()> {
    let (mut credential, nonce) = w.apple_credential.clone().context("no credential yet")?;
    let own_nonce = sp_nonce(w, &mode).await?;
    let bundle = w.bundle_id.clone().context("no bundle ID")?;
    let own = w.apple()?.native_sign_in(&bundle, &attacker, &own_nonce)?;
    credential.authorization_code = own.authorization_code;
    post_credential_from(w, "attacker", &mode, &credential, &nonce).await
}

#[when(expr = "the app sends the same credential to {word} again")]
async fn app_replays(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let (credential, nonce) = w.apple_credential.clone().context("no credential yet")?;
    post_credential(w, &mode, &credential, &nonce).await
}

#[then(expr = "the app gets a session for {word} as {string}")]
async fn app_session(w: &mut DsWorld, mode: String, email: String) -> anyhow::Result<()> {
    let reply = w.expect_status(200)?;
    let json = reply.json()?;
    ensure!(json["mode"] == mode.as_str(), "mode: {json}");
    ensure!(
        json["user"]["email"]
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case(&email)),
        "user: {json}"
    );
    ensure!(
        json["session"]["token"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "no session token: {json}"
    );
    Ok(())
}

#[then(expr = "the first sign-in told the app the name {string} and the email {string}")]
async fn first_time_data(w: &mut DsWorld, name: String, email: String) -> anyhow::Result<()> {
    let (c, _) = w.apple_credential.as_ref().context("no credential")?;
    let full = c
        .full_name
        .as_ref()
        .context("no name on the first authorization")?;
    ensure!(
        format!("{} {}", full.given_name, full.family_name) == name,
        "name {full:?}"
    );
    ensure!(
        c.email.as_deref() == Some(email.as_str()),
        "email {:?}",
        c.email
    );
    Ok(())
}

#[then("the app was not told the name again")]
async fn not_again(w: &mut DsWorld) -> anyhow::Result<()> {
    let (c, _) = w.apple_credential.as_ref().context("no credential")?;
    ensure!(
        c.full_name.is_none() && c.email.is_none(),
        "name or email sent again: {c:?}"
    );
    Ok(())
}

#[then(expr = "the SP refuses the Apple sign-in with {string}")]
async fn refused(w: &mut DsWorld, code: String) -> anyhow::Result<()> {
    w.expect_refusal(&code)
}

/// Redeems a fresh native code at the mock's token endpoint with a hand-made client_secret.
/// The relay address the mock Apple gives `email` for this scenario's team.
fn relay_address(email: &str) -> String {
    let mut u = AppleUser::new(email, "Bea", "Simon");
    u.hide_email = true;
    u.shared_email(TEAM_ID)
}

#[when(expr = "the administrator provisions the user with the relay address of {string}")]
async fn provision_relay(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    let relay = relay_address(&email);
    let body = json!({"name": "Relay user", "email": relay});
    w.admin_expect(201, "POST", "/api/{account}/users", Some(body))
        .await?;
    Ok(())
}

#[then(expr = "the app gets a session for {word} with the relay address of {string}")]
async fn session_relay(w: &mut DsWorld, mode: String, email: String) -> anyhow::Result<()> {
    let relay = relay_address(&email);
    ensure!(relay.ends_with("@privaterelay.appleid.com"), "{relay}");
    app_session(w, mode, relay).await
}

#[given("Apple sends email_verified as booleans")]
async fn booleans(w: &mut DsWorld) -> anyhow::Result<()> {
    w.apple()?.set_booleans_as_strings(false);
    Ok(())
}
