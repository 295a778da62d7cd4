//! The cucumber World and the step modules, one per domain (ARCHITECTURE.md example 6).
//!
//! Each scenario gets its own [`harness::Stack`]: a private SP on `127.0.0.1:0` with a temporary
//! store. Steps talk to it over real HTTP through browser-like clients that keep cookies and do
//! not follow redirects, so every hop can be asserted. Strings in steps may use `{account}` for
//! the scenario's current customer account.

mod accounts;
mod api;
mod apple;
pub mod browser;
mod google;
pub mod logcheck;
mod password;
mod probe;
mod reports;
mod resources;
mod saml;
mod signing;
pub mod vendor;

use anyhow::{Context, anyhow, bail, ensure};
use cucumber::World;
use harness::Stack;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::HeaderMap;
use std::collections::HashMap;
use std::sync::Arc;

/// Password of the administrator every scenario account starts with.
pub const ADMIN_EMAIL: &str = "admin@contoso.com";
pub const ADMIN_PASSWORD: &str = "Admin-Pass-2026";

/// The client of every step call that keeps no cookies (admin API, mocks' control APIs): one
/// for the whole run. Building a client loads and parses the system's root certificates
/// (rustls-platform-verifier), which cost more than the call itself, and steps only speak plain
/// HTTP to loopback. Without an idle pool each call opens its own connection, as a client built
/// per call did, so no scenario can reuse a connection to another scenario's server.
pub fn plain_client() -> &'static reqwest::Client {
    static CLIENT: std::sync::LazyLock<reqwest::Client> = std::sync::LazyLock::new(|| {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .tls_certs_only(std::iter::empty())
            .build()
            .expect("a plain HTTP client builds")
    });
    &CLIENT
}

/// A cookie-keeping HTTP client that shows every redirect instead of following it.
#[derive(Debug, Clone)]
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
}

impl Browser {
    pub fn new() -> anyhow::Result<Self> {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            // Loopback over plain HTTP only: no root certificates to load (see plain_client).
            .tls_certs_only(std::iter::empty())
            .build()?;
        Ok(Self { client, jar })
    }
}

/// One HTTP answer, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> anyhow::Result<Self> {
        Ok(Self {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await?,
        })
    }

    pub fn location(&self) -> anyhow::Result<&str> {
        self.headers
            .get(reqwest::header::LOCATION)
            .context("no Location header")?
            .to_str()
            .context("Location is not text")
    }

    /// `error.code` of a JSON error body.
    pub fn error_code(&self) -> anyhow::Result<String> {
        let json: serde_json::Value = serde_json::from_str(&self.body)
            .with_context(|| format!("body is not JSON: {}", self.body))?;
        json["error"]["code"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("no error.code in {json}"))
    }

    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_str(&self.body).with_context(|| format!("body is not JSON: {}", self.body))
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

#[derive(Debug, World)]
#[world(init = Self::new)]
pub struct DsWorld {
    /// When the scenario began (FEATURES_TIMINGS prints how long each took).
    pub started: std::time::Instant,
    pub stack: Stack,
    /// The customer account steps address by default.
    pub account: Option<String>,
    /// Named browsers; "the browser" is `default`.
    pub browsers: HashMap<String, Browser>,
    pub last: Option<Reply>,
    /// Answers kept by name for comparison.
    pub remembered: HashMap<String, Reply>,
    /// Session cookie values seen, in order, per scope name.
    pub session_ids: Vec<String>,
    /// Statuses of a burst of concurrent requests.
    pub burst: Vec<Reply>,
    /// The scenario's mock SAML IdP.
    pub idp: Option<mock_idp::MockIdp>,
    /// The mode the IdP serves.
    pub saml_mode: Option<String>,
    /// The last SAML form posted to the SP (action and fields), for replays.
    pub saml_post: Option<(String, Vec<(String, String)>)>,
    /// The scenario's composite API.
    pub composite: Option<wiremock::MockServer>,
    /// The scenario's mock Google.
    pub google: Option<mock_google::MockGoogle>,
    /// The scenario's mock Apple, the app's bundle ID and the last native credential.
    pub apple: Option<mock_apple::MockApple>,
    pub bundle_id: Option<String>,
    pub apple_credential: Option<(mock_apple::NativeCredential, String)>,
    /// The URL of the last IdP-initiated LogoutRequest, for replays.
    pub saml_logout_url: Option<String>,
    /// The SP's password-verification count when last noted.
    pub verifications_mark: u64,
    /// A composite API that answers only when released: its server, the release, the calls seen.
    pub held_composite: Option<HeldApi>,
    /// The last Google callback URL the browser followed (real code and state), for replays.
    pub google_callback: Option<String>,
    /// The last check-response reports, and the exit code and output of the last command run.
    pub vendor_reports: Vec<harness::vendor::MessageReport>,
    pub vendor_exit: Option<(i32, String)>,
    /// A folder of saved captures for `harness report`.
    pub vendor_dir: Option<tempfile::TempDir>,
    /// The last external-IdP wiring computed from metadata.
    pub vendor_wired: Option<Result<harness::vendor::external::IdpValues, String>>,
    /// Processes a scenario started (a vendor's IdP, the stack), killed when it ends; the IdP's
    /// base and metadata URLs; the stack's SP URL and data folder.
    pub vendor_processes: Vec<vendor::Process>,
    pub vendor_idp: Option<(String, String)>,
    pub vendor_sp: Option<(String, tempfile::TempDir)>,
    /// The last `probe-sp` report.
    pub probe_report: Option<harness::probe::Report>,
    /// A certificate (Base64 DER) an answer carried, for a later step to find again.
    pub remembered_certificate: Option<String>,
    /// The next certificate the scenario's IdP published in a rollover (R-SA-11).
    pub idp_next_certificate: Option<protocol::keys::Certificate>,
    /// A third-party SP the probe attacks (R-VEN-6); killed with the World.
    pub third_party_sp: Option<harness::probe::third_party::RunningSp>,
    /// The scenario's real browser (headless Chromium over WebDriver), if it has one.
    pub chromium: Option<fantoccini::Client>,
    /// Its place among the browsers allowed at once ([`browser::BROWSERS_AT_ONCE`]).
    pub chromium_permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

#[derive(Debug)]
pub struct HeldApi {
    pub _server: mock_kit::Server,
    pub release: Arc<tokio::sync::Semaphore>,
    pub received: Arc<tokio::sync::watch::Sender<usize>>,
}

impl DsWorld {
    async fn new() -> anyhow::Result<Self> {
        Ok(Self {
            started: std::time::Instant::now(),
            stack: Stack::start().await?,
            account: None,
            browsers: HashMap::new(),
            last: None,
            remembered: HashMap::new(),
            session_ids: Vec::new(),
            burst: Vec::new(),
            idp: None,
            saml_mode: None,
            saml_post: None,
            composite: None,
            google: None,
            apple: None,
            bundle_id: None,
            apple_credential: None,
            saml_logout_url: None,
            probe_report: None,
            remembered_certificate: None,
            idp_next_certificate: None,
            third_party_sp: None,
            verifications_mark: 0,
            held_composite: None,
            google_callback: None,
            vendor_reports: Vec::new(),
            vendor_exit: None,
            vendor_dir: None,
            vendor_wired: None,
            vendor_processes: Vec::new(),
            vendor_idp: None,
            vendor_sp: None,
            chromium: None,
            chromium_permit: None,
        })
    }

    pub fn account(&self) -> anyhow::Result<&str> {
        self.account
            .as_deref()
            .context("no customer account in this scenario yet")
    }

    /// Replaces `{account}` in a step's string.
    /// `{account}`: the current account; `{sp}`: the SP's origin (`http://127.0.0.1:port`).
    pub fn expand(&self, s: &str) -> anyhow::Result<String> {
        let s = s.replace("{sp}", &self.stack.sp_url(""));
        if s.contains("{account}") {
            Ok(s.replace("{account}", self.account()?))
        } else {
            Ok(s)
        }
    }

    pub fn browser(&mut self, name: &str) -> anyhow::Result<Browser> {
        if let Some(b) = self.browsers.get(name) {
            return Ok(b.clone());
        }
        let b = Browser::new()?;
        self.browsers.insert(name.to_owned(), b.clone());
        Ok(b)
    }

    pub fn last(&self) -> anyhow::Result<&Reply> {
        self.last.as_ref().context("no request made yet")
    }

    /// GET `path` (on the SP) with the named browser.
    pub async fn get(&mut self, browser: &str, path: &str) -> anyhow::Result<&Reply> {
        let url = self.stack.sp_url(&self.expand(path)?);
        let b = self.browser(browser)?;
        let reply = Reply::read(b.client.get(url).send().await?).await?;
        Ok(self.last.insert(reply))
    }

    /// POST a form to `path` with the named browser, from a page of the SP (a browser sends the
    /// posting page's `Origin`).
    pub async fn post_form(
        &mut self,
        browser: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> anyhow::Result<&Reply> {
        let url = self.stack.sp_url(&self.expand(path)?);
        let origin = self.stack.sp_url("");
        let b = self.browser(browser)?;
        let request = b.client.post(url).header("Origin", origin).form(form);
        let reply = Reply::read(request.send().await?).await?;
        Ok(self.last.insert(reply))
    }

    /// Signs in as a person does: opens the mode's standard login page (which sets the
    /// pre-session cookie and carries its token), then posts `fields` with that token.
    pub async fn post_login(
        &mut self,
        browser: &str,
        mode: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<&Reply> {
        let path = format!("/live/{{account}}/login?P_mode={mode}");
        let page = self.get(browser, &path).await?;
        let mut form = fields.to_vec();
        // A mode with a custom page redirects there: the cookie is set, the page has no token.
        let token = match page.status {
            200 => Some(
                reference_sp::http::pages::login_token_of(&page.body).context("no login_token")?,
            ),
            303 => None,
            other => bail!("login page: {other} {}", page.body),
        };
        if let Some(token) = &token {
            form.push(("login_token", token));
        }
        self.post_form(browser, &path, &form).await
    }

    /// Calls the admin API as the account's administrator (HTTP Basic).
    pub async fn admin_call(
        &mut self,
        method: &str,
        path: &str,
        json: Option<serde_json::Value>,
    ) -> anyhow::Result<&Reply> {
        self.api_call_as(ADMIN_EMAIL, ADMIN_PASSWORD, method, path, json)
            .await
    }

    /// [`DsWorld::admin_call`] that must answer `status`; otherwise the step fails with the
    /// call and the SP's answer.
    pub async fn admin_expect(
        &mut self,
        status: u16,
        method: &str,
        path: &str,
        json: Option<serde_json::Value>,
    ) -> anyhow::Result<&Reply> {
        let reply = self.admin_call(method, path, json).await?;
        ensure!(
            reply.status == status,
            "{method} {path}: expected {status}, got {} {}",
            reply.status,
            reply.body
        );
        Ok(reply)
    }

    pub async fn api_call_as(
        &mut self,
        email: &str,
        password: &str,
        method: &str,
        path: &str,
        json: Option<serde_json::Value>,
    ) -> anyhow::Result<&Reply> {
        let url = self.stack.sp_url(&self.expand(path)?);
        let method: reqwest::Method = method.parse()?;
        let mut request = plain_client()
            .request(method, url)
            .basic_auth(email, Some(password));
        if let Some(json) = json {
            request = request.json(&json);
        }
        let reply = Reply::read(request.send().await?).await?;
        Ok(self.last.insert(reply))
    }

    /// The admin API's view of a user, by email (ASCII case-insensitive).
    pub async fn user(&mut self, email: &str) -> anyhow::Result<serde_json::Value> {
        let reply = self.admin_call("GET", "/api/{account}/users", None).await?;
        ensure!(
            reply.status == 200,
            "listing users: {} {}",
            reply.status,
            reply.body
        );
        let users = reply.json()?;
        users["users"]
            .as_array()
            .context("users is not a list")?
            .iter()
            .find(|u| {
                u["email"]
                    .as_str()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
            .cloned()
            .ok_or_else(|| anyhow!("no user {email} in account"))
    }

    pub async fn user_id(&mut self, email: &str) -> anyhow::Result<i64> {
        self.user(email).await?["id"]
            .as_i64()
            .context("user id is not a number")
    }

    /// The value of a browser's session cookie for `account`/`mode`, if it holds one.
    pub fn session_cookie(&self, browser: &str, account: &str, mode: &str) -> Option<String> {
        let b = self.browsers.get(browser)?;
        let url = self.stack.sp_url("/").parse().ok()?;
        let header = b.jar.cookies(&url)?;
        let name = format!("DS_SESSION_{account}_{mode}=");
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix(name.as_str()).map(str::to_owned))
    }

    /// Puts a cookie into a browser's jar, as a hand-crafted or stolen cookie would arrive.
    pub fn plant_cookie(&mut self, browser: &str, name: &str, value: &str) -> anyhow::Result<()> {
        let url: reqwest::Url = self.stack.sp_url("/").parse()?;
        let b = self.browser(browser)?;
        b.jar
            .add_cookie_str(&format!("{name}={value}; Path=/"), &url);
        Ok(())
    }

    /// The last answer refuses a sign-in with the error `code` and opens no session.
    pub fn expect_refusal(&self, code: &str) -> anyhow::Result<()> {
        let reply = self.last()?;
        ensure!(
            matches!(reply.status, 400..=599),
            "expected a refusal, got {} {}",
            reply.status,
            reply.body
        );
        let actual = reply.error_code()?;
        ensure!(
            actual == code,
            "expected {code}, got {actual}: {}",
            reply.body
        );
        ensure!(
            !reply
                .set_cookies()
                .iter()
                .any(|c| c.starts_with("DS_SESSION_")),
            "a refused sign-in opened a session"
        );
        Ok(())
    }

    pub fn expect_status(&self, status: u16) -> anyhow::Result<&Reply> {
        let last = self.last()?;
        if last.status != status {
            bail!(
                "expected status {status}, got {}: {}",
                last.status,
                last.body
            );
        }
        Ok(last)
    }
}
