//! `harness bench` (issue 14, item 4): complete sign-ins over real HTTP against the whole stack
//! booted in this process (the SP and the mock the method signs in through, each on its own
//! port), so a change to any layer shows in one number. SAML: SP-initiated, as a browser does it (the sign-on URL, the
//! redirect to the IdP, its login form, the auto-posted Response, the SP's home); password: the
//! SP's login page and form; Google: the SP's Google start, the mock's account chooser, password
//! and consent forms, and the SP's callback (which redeems the code and checks the ID token);
//! Apple: the iOS app's path (a nonce from the SP, the native sign-in at the mock, the credential
//! posted to the SP, which checks the identity token and redeems the code).
//!
//! Bounded: it stops after `count` sign-ins or `duration`, whichever comes first, with at most
//! `concurrency` in flight; every sign-in is checked to land home with a session, and anything
//! else is counted as an error with its first cause kept. It reports sign-ins per second,
//! latency percentiles, errors and this process's peak resident memory.

use crate::Stack;
use anyhow::{Context, bail, ensure};
use mock_idp::{IdpConfig, IdpUser, RegisteredApp, VendorProfile};
use reference_sp::domain::{AuthMethod, Email, ExecutionMode};
use reference_sp::store::{self, NewUser};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ACCOUNT: &str = "112501524864919680";
const EMAIL: &str = "B.Simon@contoso.com";
const PASSWORD: &str = "BSimon-Bench-2026";

/// How sign-ins are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    Saml,
    Password,
    Google,
    Apple,
}

/// The mock a method signs in through, kept alive for the run.
enum Provider {
    None,
    Saml(mock_idp::MockIdp),
    Google(mock_google::MockGoogle),
    Apple(mock_apple::MockApple),
}

impl Provider {
    fn base_url(&self) -> Option<&str> {
        match self {
            Provider::None => None,
            Provider::Saml(m) => Some(m.base_url()),
            Provider::Google(m) => Some(m.issuer()),
            Provider::Apple(m) => Some(m.base_url()),
        }
    }
}

const BUNDLE_ID: &str = "com.runmyprocess.runmyapp";
const TEAM_ID: &str = "TEAM123ABC";
const KEY_ID: &str = "DEVKEY1234";
const GOOGLE_CLIENT_ID: &str = "bench.apps.googleusercontent.com";
const GOOGLE_CLIENT_SECRET: &str = "bench-client-secret";

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub method: Method,
    pub concurrency: usize,
    pub count: usize,
    pub duration: Duration,
    /// Print progress on standard error while running.
    pub progress: bool,
}

/// What was measured.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub method: Method,
    pub concurrency: usize,
    pub ok: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub latency_ms: Vec<f64>,
    pub wall: Duration,
    pub peak_rss_kib: u64,
}

impl BenchReport {
    pub fn render(&self) -> String {
        let mut s = self.latency_ms.clone();
        s.sort_by(f64::total_cmp);
        let at = |q: f64| {
            s.get(((s.len().max(1) - 1) as f64 * q).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        let rate = self.ok as f64 / self.wall.as_secs_f64().max(f64::EPSILON);
        let mut out = format!(
            "method       {:?}, concurrency {}\n\
             sign-ins     {} ok, {} errors, in {:.2} s\n\
             throughput   {rate:.1} sign-ins/s\n\
             latency ms   p50 {:.2}, p90 {:.2}, p99 {:.2}, max {:.2}\n\
             peak RSS     {:.0} MiB (this process: the SP, the mock and the clients)\n",
            self.method,
            self.concurrency,
            self.ok,
            self.errors,
            self.wall.as_secs_f64(),
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0),
            self.peak_rss_kib as f64 / 1024.0,
        );
        if let Some(e) = &self.first_error {
            out.push_str(&format!("first error  {e}\n"));
        }
        out
    }
}

/// Boots the stack, runs the sign-ins, and reports.
pub async fn run(o: &BenchOptions) -> anyhow::Result<BenchReport> {
    ensure!(o.concurrency >= 1, "--concurrency must be at least 1");
    ensure!(o.count >= 1, "--count must be at least 1");
    let stack = Stack::start().await?;
    let account = stack.create_account(ACCOUNT, "Contoso", None)?;
    let hash = stack.sp_state().hashing().hash(PASSWORD.into()).await?;
    let email = Email::parse(EMAIL).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut user = NewUser::new("B.Simon", email);
    user.password_hash = Some(hash);
    let now = chrono::Utc::now();
    let (a, u) = (account.clone(), user);
    stack
        .store()
        .call_blocking(move |c| store::create_user(c, &a, &u, now).map(|_| ()))
        .map_err(|e| anyhow::anyhow!("creating the user: {e}"))?;
    let provider = Arc::new(match o.method {
        Method::Saml => Provider::Saml(wire_saml(&stack, &account).await?),
        Method::Password => Provider::None,
        Method::Google => Provider::Google(wire_google(&stack, &account).await?),
        Method::Apple => Provider::Apple(wire_apple(&stack, &account).await?),
    });
    let base = stack.sp_url("");
    let started = Instant::now();
    let deadline = started + o.duration;
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..o.concurrency {
        let (next, done, base, provider) =
            (next.clone(), done.clone(), base.clone(), provider.clone());
        let (method, count) = (o.method, o.count);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = Vec::new();
            while next.fetch_add(1, Ordering::SeqCst) < count && Instant::now() < deadline {
                let t = Instant::now();
                match sign_in(method, &base, &provider).await {
                    Ok(()) => latencies.push(t.elapsed().as_secs_f64() * 1000.0),
                    Err(e) => errors.push(format!("{e:#}")),
                }
                done.fetch_add(1, Ordering::SeqCst);
            }
            (latencies, errors)
        }));
    }
    let progress = o.progress.then(|| {
        let done = done.clone();
        let count = o.count;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let n = done.load(Ordering::SeqCst).min(count);
                let width = 30 * n / count;
                eprint!(
                    "\r[{}{}] {n}/{count}",
                    "#".repeat(width),
                    " ".repeat(30 - width)
                );
            }
        })
    });
    let mut report = BenchReport {
        method: o.method,
        concurrency: o.concurrency,
        ok: 0,
        errors: 0,
        first_error: None,
        latency_ms: Vec::new(),
        wall: Duration::ZERO,
        peak_rss_kib: 0,
    };
    for w in workers {
        let (latencies, errors) = w.await?;
        report.ok += latencies.len();
        report.latency_ms.extend(latencies);
        report.errors += errors.len();
        if report.first_error.is_none() {
            report.first_error = errors.into_iter().next();
        }
    }
    report.wall = started.elapsed();
    if let Some(p) = progress {
        p.abort();
        eprintln!();
    }
    report.peak_rss_kib = peak_rss_kib();
    Ok(report)
}

/// LIVE signs in through a mock Entra ID that knows the user.
async fn wire_saml(
    stack: &Stack,
    account: &reference_sp::domain::AccountId,
) -> anyhow::Result<mock_idp::MockIdp> {
    let sp_entity = stack.sp_url(&format!("/live/{account}"));
    let acs = stack.sp_url(&format!("/live/{account}/saml/acs?P_mode=LIVE"));
    let idp = stack
        .start_idp(IdpConfig {
            profile: VendorProfile::EntraId,
            tenant: "0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a".into(),
            apps: vec![RegisteredApp::new(sp_entity.clone(), acs)],
            users: vec![IdpUser {
                username: EMAIL.into(),
                password: PASSWORD.into(),
                email: EMAIL.into(),
                display_name: "B.Simon".into(),
                given_name: "B.".into(),
                surname: "Simon".into(),
                object_id: "bench-b-simon".into(),
                roles: Vec::new(),
            }],
        })
        .await?;
    let config = reference_sp::store::saml::SamlConfig {
        sso_url: idp.sso_url(),
        logout_url: idp.slo_url(),
        name_id_format: protocol::saml::NAMEID_EMAIL.into(),
        idp_entity_id: idp.entity_id(),
        idp_certificate: idp.certificate().pem(),
        sp_entity_id: sp_entity,
        account_management_url: None,
        auto_provisioning: false,
        idp_signs_logout_messages: false,
    };
    let a = account.clone();
    stack
        .store()
        .call_blocking(move |c| {
            store::saml::save_config(c, &a, ExecutionMode::Live, &config)?;
            store::set_method(c, &a, ExecutionMode::Live, AuthMethod::Saml)
        })
        .map_err(|e| anyhow::anyhow!("configuring SAML: {e}"))?;
    Ok(idp)
}

/// LIVE signs in with a mock Google that knows the user as a Workspace account.
async fn wire_google(
    stack: &Stack,
    account: &reference_sp::domain::AccountId,
) -> anyhow::Result<mock_google::MockGoogle> {
    let google = stack
        .start_google(mock_google::GoogleConfig {
            clients: vec![mock_google::GoogleClient {
                client_id: GOOGLE_CLIENT_ID.into(),
                client_secret: GOOGLE_CLIENT_SECRET.into(),
                redirect_uris: vec![stack.sp_url(&format!("/live/{account}/google/callback"))],
            }],
            users: Vec::new(),
        })
        .await?;
    let mut user = mock_google::GoogleUser::workspace(EMAIL, "B.Simon", "contoso.com");
    user.password = PASSWORD.into();
    google.add_user(user);
    let config = reference_sp::store::google::GoogleConfig {
        client_id: GOOGLE_CLIENT_ID.into(),
        client_secret: GOOGLE_CLIENT_SECRET.into(),
        discovery_url: google.discovery_url(),
        domain: None,
        auto_provisioning: false,
    };
    let a = account.clone();
    stack
        .store()
        .call_blocking(move |c| {
            reference_sp::store::google::save_config(c, &a, ExecutionMode::Live, &config)
        })
        .map_err(|e| anyhow::anyhow!("configuring Google: {e}"))?;
    Ok(google)
}

/// Sign in with Apple from the iOS app, through a mock Apple that knows the user.
async fn wire_apple(
    stack: &Stack,
    account: &reference_sp::domain::AccountId,
) -> anyhow::Result<mock_apple::MockApple> {
    use protocol::fixtures::JwtFixture;
    let developer =
        protocol::jwt::Es256Key::from_pem(JwtFixture::AppleDeveloper.key_pem(), KEY_ID)?;
    let apple = stack
        .start_apple(mock_apple::AppleConfig {
            teams: vec![mock_apple::AppleTeam {
                team_id: TEAM_ID.into(),
                keys: std::collections::BTreeMap::from([(
                    KEY_ID.to_owned(),
                    developer.public_pem().to_owned(),
                )]),
                clients: vec![mock_apple::AppleClient {
                    client_id: BUNDLE_ID.into(),
                    redirect_uris: Vec::new(),
                }],
            }],
            users: vec![mock_apple::AppleUser::new(EMAIL, "Bea", "Simon")],
            booleans_as_strings: false,
        })
        .await?;
    let config = reference_sp::store::apple::AppleConfig {
        bundle_id: BUNDLE_ID.into(),
        team_id: TEAM_ID.into(),
        key_id: KEY_ID.into(),
        private_key: Some(JwtFixture::AppleDeveloper.key_pem().to_owned()),
        apple_base_url: apple.base_url().to_owned(),
    };
    let a = account.clone();
    stack
        .store()
        .call_blocking(move |c| reference_sp::store::apple::save_config(c, &a, &config))
        .map_err(|e| anyhow::anyhow!("configuring Apple: {e}"))?;
    Ok(apple)
}

/// The value of the hidden field `name` in an HTML form.
fn hidden(page: &str, name: &str) -> anyhow::Result<String> {
    page.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(str::to_owned)
        .with_context(|| format!("no field {name} on the page"))
}

fn location(r: &reqwest::Response) -> anyhow::Result<String> {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .with_context(|| format!("{} without a Location", r.status()))
}

/// One complete sign-in from a fresh browser; Ok when it lands home with a session (Apple: when
/// the app is given a session).
async fn sign_in(method: Method, base: &str, provider: &Provider) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // Loopback over plain HTTP: loading the system's root certificates for every client
        // would cost more than a sign-in.
        .tls_certs_only(std::iter::empty())
        .build()?;
    let last = match method {
        Method::Google => {
            let google = provider.base_url().context("no mock Google")?;
            let start = client
                .get(format!("{base}/live/{ACCOUNT}/google/login?P_mode=LIVE"))
                .send()
                .await?;
            let chooser = client.get(location(&start)?).send().await?.text().await?;
            let consent = client
                .post(format!("{google}/signin"))
                .form(&[
                    ("pending", hidden(&chooser, "pending")?.as_str()),
                    ("email", EMAIL),
                    ("password", PASSWORD),
                ])
                .send()
                .await?
                .text()
                .await?;
            let back = client
                .post(format!("{google}/consent"))
                .form(&[
                    ("pending", hidden(&consent, "pending")?.as_str()),
                    ("decision", "allow"),
                ])
                .send()
                .await?;
            client.get(location(&back)?).send().await?
        }
        Method::Apple => {
            let Provider::Apple(apple) = provider else {
                bail!("no mock Apple");
            };
            let nonce: serde_json::Value = client
                .post(format!("{base}/live/{ACCOUNT}/apple/nonce?P_mode=LIVE"))
                .send()
                .await?
                .json()
                .await?;
            let raw_nonce = nonce["nonce"].as_str().context("no nonce")?;
            let c = apple.native_sign_in(BUNDLE_ID, EMAIL, raw_nonce)?;
            let answer = client
                .post(format!("{base}/live/{ACCOUNT}/apple/signin?P_mode=LIVE"))
                .json(&serde_json::json!({
                    "identity_token": c.identity_token,
                    "authorization_code": c.authorization_code,
                    "raw_nonce": raw_nonce,
                }))
                .send()
                .await?;
            let status = answer.status().as_u16();
            let body: serde_json::Value = answer.json().await.unwrap_or_default();
            if status == 200
                && body["session"]["token"]
                    .as_str()
                    .is_some_and(|t| !t.is_empty())
            {
                return Ok(());
            }
            bail!("the Apple sign-in ended with {status}: {body}");
        }
        Method::Saml => {
            let idp = provider.base_url().context("no IdP")?;
            let start = client.get(format!("{base}/live/{ACCOUNT}")).send().await?;
            let to_idp = location(&start).context("the SP did not redirect to the IdP")?;
            let page = client.get(&to_idp).send().await?.text().await?;
            let pending = hidden(&page, "pending").context("no login form at the IdP")?;
            let posted = client
                .post(format!("{idp}/login"))
                .form(&[
                    ("pending", pending.as_str()),
                    ("username", EMAIL),
                    ("password", PASSWORD),
                ])
                .send()
                .await?
                .text()
                .await?;
            let (action, fields) = crate::forms::auto_post_form(&posted, "SAMLResponse")?;
            client.post(action).form(&fields).send().await?
        }
        Method::Password => {
            let login = format!("{base}/live/{ACCOUNT}/login?P_mode=LIVE");
            let page = client.get(&login).send().await?.text().await?;
            let token =
                reference_sp::http::pages::login_token_of(&page).context("no login form")?;
            client
                .post(&login)
                .header("origin", base)
                .form(&[
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("login_token", token.as_str()),
                ])
                .send()
                .await?
        }
    };
    let status = last.status().as_u16();
    let location = last
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let session = last
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .any(|c| c.starts_with("DS_SESSION_"));
    let home = format!("/live/{ACCOUNT}");
    let at_home = location == home || location.starts_with(&format!("{home}?"));
    if status == 303 && at_home && session {
        return Ok(());
    }
    let body = last.text().await.unwrap_or_default();
    bail!(
        "the sign-in ended with {status} {location:?}: {}",
        body.chars().take(160).collect::<String>()
    )
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(method: Method, count: usize) -> BenchOptions {
        BenchOptions {
            method,
            concurrency: 2,
            count,
            duration: Duration::from_secs(60),
            progress: false,
        }
    }

    /// Every sign-in counted as ok landed home with a session (the bench checks each one).
    #[tokio::test]
    async fn a_short_run_signs_in_every_time_by_each_method() {
        for method in [
            Method::Saml,
            Method::Password,
            Method::Google,
            Method::Apple,
        ] {
            let r = run(&options(method, 3)).await.unwrap();
            assert_eq!((r.ok, r.errors), (3, 0), "{method:?}: {:?}", r.first_error);
            assert_eq!(r.latency_ms.len(), 3);
            assert!(r.render().contains("3 ok, 0 errors"));
        }
    }

    #[tokio::test]
    async fn nothing_to_run_is_refused() {
        assert!(run(&options(Method::Saml, 0)).await.is_err());
    }
}
