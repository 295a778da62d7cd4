//! Steps for Google sign-in against the mock Google (R-GO-1..6, R-PROV-1..3 Google side).
//! The browser follows every hop: SP -> Google authorization (302) -> SP callback (302).

use super::DsWorld;
use anyhow::{Context, anyhow, bail, ensure};
use cucumber::{given, then, when};
use mock_google::{Consent, Fault, GoogleClient, GoogleConfig, GoogleUser};
use serde_json::json;

pub const CLIENT_ID: &str = "1234987819200-contoso.apps.googleusercontent.com";
const CLIENT_SECRET: &str = "GOCSPX-contoso-mock-secret";

impl DsWorld {
    pub fn google(&self) -> anyhow::Result<&mock_google::MockGoogle> {
        self.google
            .as_ref()
            .context("no mock Google in this scenario")
    }
}

#[given("a mock Google with a web client for the account")]
async fn start_google(w: &mut DsWorld) -> anyhow::Result<()> {
    let callback = w
        .stack
        .sp_url(&format!("/live/{}/google/callback", w.account()?));
    let config = GoogleConfig {
        clients: vec![GoogleClient {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: vec![callback],
        }],
        users: Vec::new(),
    };
    w.google = Some(w.stack.start_google(config).await?);
    Ok(())
}

#[given(expr = "Google has the Workspace user {string} in {string}")]
async fn workspace_user(w: &mut DsWorld, email: String, domain: String) -> anyhow::Result<()> {
    let name = email.split('@').next().unwrap_or_default().to_owned();
    w.google()?
        .add_user(GoogleUser::workspace(&email, &name, &domain));
    Ok(())
}

#[given(expr = "Google has the consumer account {string}")]
async fn consumer_user(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    let name = email.split('@').next().unwrap_or_default().to_owned();
    w.google()?.add_user(GoogleUser::consumer(&email, &name));
    Ok(())
}

async fn configure(w: &mut DsWorld, mode: &str, extra: serde_json::Value) -> anyhow::Result<()> {
    let mut body = json!({
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "discovery_url": w.google()?.discovery_url(),
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    w.admin_expect(
        200,
        "PUT",
        &format!("/api/{{account}}/modes/{mode}/google"),
        Some(body),
    )
    .await?;
    Ok(())
}

#[given(expr = "the administrator configures Google sign-in for {word}")]
async fn configure_plain(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    configure(w, &mode, json!({})).await
}

/// A discovery URL at mock Google's origin where nothing is served: Google down, or mistyped.
#[given(
    expr = "the administrator configures Google sign-in for {word} with a discovery URL that answers 404"
)]
async fn configure_dead_discovery(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let url = format!(
        "{}/no-such-tenant/.well-known/openid-configuration",
        w.google()?.issuer()
    );
    configure(w, &mode, json!({ "discovery_url": url })).await
}

#[given(expr = "the administrator configures Google sign-in for {word} with auto-provisioning")]
async fn configure_provisioning(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    configure(w, &mode, json!({"auto_provisioning": true})).await
}

#[given(expr = "the administrator configures Google sign-in for {word} restricted to {string}")]
async fn configure_domain(w: &mut DsWorld, mode: String, domain: String) -> anyhow::Result<()> {
    configure(w, &mode, json!({"domain": domain})).await
}

#[given(
    expr = "the administrator configures Google sign-in for {word} restricted to {string} with auto-provisioning"
)]
async fn configure_domain_provisioning(
    w: &mut DsWorld,
    mode: String,
    domain: String,
) -> anyhow::Result<()> {
    configure(
        w,
        &mode,
        json!({"domain": domain, "auto_provisioning": true}),
    )
    .await
}

#[when(
    expr = "the administrator sends the Google configuration for {word} with {string} set to {string}"
)]
async fn configure_field(
    w: &mut DsWorld,
    mode: String,
    field: String,
    value: String,
) -> anyhow::Result<()> {
    let value: serde_json::Value = serde_json::from_str(&value).unwrap_or(json!(value));
    let mut body = json!({
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "discovery_url": w.google()?.discovery_url(),
    });
    body[&field] = value;
    w.admin_call(
        "PUT",
        &format!("/api/{{account}}/modes/{mode}/google"),
        Some(body),
    )
    .await?;
    Ok(())
}

#[given(expr = "the {word} method is Google")]
async fn method_google(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    w.admin_expect(
        200,
        "PUT",
        &format!("/api/{{account}}/modes/{mode}/method"),
        Some(json!({"method": "google"})),
    )
    .await?;
    Ok(())
}

#[given(expr = "Google will sign in {string}")]
#[when(expr = "Google will sign in {string}")]
async fn queue(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    w.google()?.enqueue_login(&email, Consent::Allow)?;
    Ok(())
}

#[given(expr = "Google will sign in {string}, who denies consent")]
#[when(expr = "Google will sign in {string}, who denies consent")]
async fn queue_deny(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    w.google()?.enqueue_login(&email, Consent::Deny)?;
    Ok(())
}

#[when(expr = "Google's next tokens have the fault {string}")]
async fn fault(w: &mut DsWorld, name: String) -> anyhow::Result<()> {
    let f = Fault::parse(&name).ok_or_else(|| anyhow!("unknown Google fault {name}"))?;
    w.google()?.enqueue_fault(f)?;
    Ok(())
}

#[when("Google rotates its signing keys")]
async fn rotate(w: &mut DsWorld) -> anyhow::Result<()> {
    w.google()?.rotate_keys();
    Ok(())
}

/// Follows a 302/303 wherever it points.
async fn follow_any(w: &mut DsWorld) -> anyhow::Result<()> {
    let reply = w.last()?;
    ensure!(
        reply.status == 302 || reply.status == 303,
        "expected a redirect, got {} {}",
        reply.status,
        reply.body
    );
    let location = reply.location()?.to_owned();
    w.get_url("default", &location).await?;
    Ok(())
}

#[then("the browser is sent to Google")]
async fn sent_to_google(w: &mut DsWorld) -> anyhow::Result<()> {
    let auth = w.google()?.authorization_url();
    let reply = w.last()?;
    ensure!(
        reply.status == 302,
        "expected 302 to Google, got {} {}",
        reply.status,
        reply.body
    );
    let location = reply.location()?;
    ensure!(
        location.starts_with(&auth),
        "sent to {location}, not {auth}"
    );
    Ok(())
}

#[then(expr = "the request to Google asks for the domain {string}")]
async fn asks_domain(w: &mut DsWorld, domain: String) -> anyhow::Result<()> {
    let location = url::Url::parse(w.last()?.location()?)?;
    let hd = location
        .query_pairs()
        .find(|(k, _)| k == "hd")
        .map(|(_, v)| v.into_owned());
    ensure!(hd.as_deref() == Some(domain.as_str()), "hd = {hd:?}");
    Ok(())
}

#[then(expr = "the request to Google names the client {string}")]
async fn names_client(w: &mut DsWorld, client: String) -> anyhow::Result<()> {
    let location = url::Url::parse(w.last()?.location()?)?;
    let sent: Vec<_> = location
        .query_pairs()
        .filter(|(k, _)| k == "client_id")
        .map(|(_, v)| v.into_owned())
        .collect();
    ensure!(sent == [client.as_str()], "client_id = {sent:?}");
    Ok(())
}

#[when("the browser follows the redirect to Google")]
async fn to_google(w: &mut DsWorld) -> anyhow::Result<()> {
    follow_any(w).await
}

/// An attacker (or a curious user) removes the `hd` hint before reaching Google.
#[when("the browser follows the redirect to Google without the hd parameter")]
async fn to_google_without_hd(w: &mut DsWorld) -> anyhow::Result<()> {
    let mut location = url::Url::parse(w.last()?.location()?)?;
    let pairs: Vec<(String, String)> = location
        .query_pairs()
        .filter(|(k, _)| k != "hd")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    location.query_pairs_mut().clear().extend_pairs(pairs);
    w.get_url("default", location.as_str()).await?;
    Ok(())
}

#[when("the browser follows Google's redirect back to the SP")]
async fn back_from_google(w: &mut DsWorld) -> anyhow::Result<()> {
    // Kept for replays: the real code and state the browser carried.
    keep_back(w).await?;
    follow_any(w).await
}

/// The whole flow from `path`: SP -> Google -> SP; the last answer is the SP's callback answer.
#[when(expr = "{string} signs in with Google from {string}")]
async fn full_flow(w: &mut DsWorld, email: String, path: String) -> anyhow::Result<()> {
    w.google()?.enqueue_login(&email, Consent::Allow)?;
    browser_flow(w, path).await
}

#[when(expr = "the browser signs in with Google from {string}")]
async fn browser_flow(w: &mut DsWorld, path: String) -> anyhow::Result<()> {
    w.get("default", &path).await?;
    sent_to_google(w).await?;
    to_google(w).await?;
    back_from_google(w).await
}

#[then(expr = "the SP refuses the Google sign-in with {string}")]
async fn refused(w: &mut DsWorld, code: String) -> anyhow::Result<()> {
    w.expect_refusal(&code)
}

#[then(expr = "Google shows the error {string}")]
async fn google_error(w: &mut DsWorld, code: String) -> anyhow::Result<()> {
    let reply = w.expect_status(400)?;
    ensure!(
        reply.body.contains(&format!("data-code=\"{code}\"")),
        "{}",
        reply.body
    );
    Ok(())
}

#[when(expr = "the browser follows the {string} link")]
async fn follow_link(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let page = w.expect_status(200)?.body.clone();
    let anchor = page
        .split("<a ")
        .skip(1)
        .find(|a| a.contains(&format!(">{text}</a>")))
        .with_context(|| format!("no link {text:?} on the page"))?;
    let href = anchor
        .split("href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .context("the link has no href")?
        .replace("&amp;", "&");
    w.get("default", &href).await?;
    Ok(())
}

#[when(expr = "the browser posts the login form of {word} with the Google policy")]
async fn policy_post(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    w.post_login("default", &mode, &[("policy", "google")])
        .await?;
    Ok(())
}

#[when(
    expr = "the browser posts the login form of {word} with the Google policy and the domain {string}"
)]
async fn policy_post_domain(w: &mut DsWorld, mode: String, domain: String) -> anyhow::Result<()> {
    w.post_login(
        "default",
        &mode,
        &[("policy", "google"), ("domain", &domain)],
    )
    .await?;
    Ok(())
}

#[then(expr = "Google received {int} authorization request(s)")]
async fn auth_count(w: &mut DsWorld, n: usize) -> anyhow::Result<()> {
    let count = w
        .google()?
        .received()
        .iter()
        .filter(|r| r.endpoint == "authorize")
        .count();
    ensure!(
        count == n,
        "Google received {count} authorization requests, expected {n}"
    );
    Ok(())
}

#[then(expr = "Google's JWKS was fetched {int} time(s)")]
async fn jwks_count(w: &mut DsWorld, n: usize) -> anyhow::Result<()> {
    let count = w
        .google()?
        .received()
        .iter()
        .filter(|r| r.endpoint == "jwks")
        .count();
    if count != n {
        bail!("the JWKS was fetched {count} times, expected {n}");
    }
    Ok(())
}

#[when("another browser follows Google's redirect back to the SP")]
async fn other_browser_back(w: &mut DsWorld) -> anyhow::Result<()> {
    let location = w.last()?.location()?.to_owned();
    w.get_url("other", &location).await?;
    Ok(())
}

/// Google's redirect back is held, not followed: the browser does something else first.
#[when("the browser keeps Google's redirect back to the SP for later")]
async fn keep_back(w: &mut DsWorld) -> anyhow::Result<()> {
    let callback = w
        .stack
        .sp_url(&format!("/live/{}/google/callback", w.account()?));
    let location = w.last()?.location()?.to_owned();
    ensure!(
        location.starts_with(&callback),
        "Google redirected to {location}, not {callback}"
    );
    w.google_callback = Some(location);
    Ok(())
}

/// Replays, exactly, the callback the browser followed (or kept) last (its real code and state).
#[when("the browser follows the kept redirect back to the SP")]
#[when("the browser replays Google's redirect back to the SP")]
async fn replay_back(w: &mut DsWorld) -> anyhow::Result<()> {
    let callback = w
        .google_callback
        .clone()
        .context("no callback followed yet")?;
    w.get_url("default", &callback).await?;
    Ok(())
}

/// Code reuse: a fresh sign-in (new state) that comes back with the previous sign-in's code,
/// which Google has already redeemed once.
#[when("the browser starts a new Google sign-in and comes back with the previous code")]
async fn reuse_code(w: &mut DsWorld) -> anyhow::Result<()> {
    let previous = w
        .google_callback
        .clone()
        .context("no callback followed yet")?;
    let code = url::Url::parse(&previous)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .context("no code in the callback")?;
    w.get("default", "/live/{account}/google/login?P_mode=LIVE")
        .await?;
    let to_google = w.expect_status(302)?.location()?.to_owned();
    let state = url::Url::parse(&to_google)?
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .context("no state in the authorization request")?;
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("state", &state).append_pair("code", &code);
    let path = format!("/live/{{account}}/google/callback?{}", q.finish());
    w.get("default", &path).await?;
    Ok(())
}
