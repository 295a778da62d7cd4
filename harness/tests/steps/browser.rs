//! Steps in a real browser (issue 15, item 1): headless Debian Chromium driven over WebDriver
//! (fantoccini), for what a person sees and does, where the reqwest "browsers" of the other
//! steps only see bytes: JavaScript's auto-POST, forms typed into and submitted, reloads.
//!
//! One chromedriver serves the whole run (started on the first `@browser` step, on a port it
//! picks itself and reports, so nothing waits on a guess); each scenario gets its own Chromium
//! session with a fresh profile, a fixed window size, and no network beyond the loopback
//! servers of its stack. The session is closed when the scenario ends; a failed scenario
//! leaves a screenshot and the page's HTML in `target/browser-failures/` (or beside the JUnit
//! report when `FEATURES_JUNIT` is set).

use super::DsWorld;
use anyhow::{Context, bail, ensure};
use cucumber::{given, then, when};
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The run's chromedriver: its process (stopped when the run exits) and its URL.
struct Driver {
    _child: KillOnDrop,
    url: String,
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Started on first use; [`stop_driver`] ends it when the run ends (a static is never dropped).
static DRIVER: std::sync::Mutex<Option<Driver>> = std::sync::Mutex::new(None);

/// The chromedriver URL, starting it on first use.
fn driver_url() -> anyhow::Result<String> {
    let mut driver = DRIVER
        .lock()
        .map_err(|_| anyhow::anyhow!("chromedriver lock poisoned"))?;
    if driver.is_none() {
        *driver = Some(start_driver().map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    Ok(driver.as_ref().map(|d| d.url.clone()).unwrap_or_default())
}

/// Stops the run's chromedriver, if one was started.
pub fn stop_driver() {
    if let Ok(mut driver) = DRIVER.lock() {
        driver.take();
    }
}

/// Starts chromedriver on a port of its own choosing and reads that port from its banner.
fn start_driver() -> Result<Driver, String> {
    let mut child = Command::new("chromedriver")
        .args(["--port=0", "--allowed-ips=127.0.0.1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            format!("chromedriver cannot start ({e}): `cargo xtask deps` installs chromium-driver")
        })?;
    let stdout = child.stdout.take().ok_or("chromedriver has no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let child = KillOnDrop(child);
    // "ChromeDriver was started successfully on port 43669."
    for line in lines.by_ref().take(20) {
        let line = line.map_err(|e| format!("reading chromedriver's banner: {e}"))?;
        if let Some(rest) = line.split("started successfully on port ").nth(1) {
            let port: u16 = rest
                .trim_end_matches('.')
                .trim()
                .parse()
                .map_err(|_| format!("chromedriver's banner has no port: {line}"))?;
            // Its later output is not read; draining it keeps chromedriver from blocking on a
            // full pipe.
            std::thread::spawn(move || for _ in lines {});
            return Ok(Driver {
                _child: child,
                url: format!("http://127.0.0.1:{port}"),
            });
        }
    }
    Err("chromedriver did not say it started".into())
}

/// How many Chromium sessions run at once. Every `@browser` scenario starting its own at the
/// same moment made each take 50-65 s on two cores (processes competing to start); a few at a
/// time finish the same scenarios sooner (BENCHMARKS.md).
pub const BROWSERS_AT_ONCE: usize = 3;

static BROWSER_SLOTS: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| std::sync::Arc::new(tokio::sync::Semaphore::new(BROWSERS_AT_ONCE)));

/// Waits for a free browser slot; the scenario holds it until its browser is closed.
async fn browser_slot(w: &mut DsWorld) -> anyhow::Result<()> {
    let permit = BROWSER_SLOTS.clone().acquire_owned().await?;
    w.chromium_permit = Some(permit);
    Ok(())
}

/// Window sizes of the scenarios: a laptop, and a phone (iPhone 12-15 CSS width).
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);

/// A fresh headless Chromium session. Flags: the machine's network is closed and Chromium's
/// background connections (updates, sync, safe browsing) would fail many at a time.
async fn session(javascript: bool, (width, height): (u32, u32)) -> anyhow::Result<Client> {
    session_as(javascript, (width, height), false).await
}

/// As [`session`]; `phone` emulates one (touch, a phone's user agent, 3 device pixels per CSS
/// pixel), so the page's viewport tag is honoured or its absence shows, as on a real phone.
async fn session_as(
    javascript: bool,
    (width, height): (u32, u32),
    phone: bool,
) -> anyhow::Result<Client> {
    let driver = tokio::task::spawn_blocking(driver_url).await??;
    let profile = tempfile::tempdir()?.keep();
    let mut prefs = serde_json::Map::new();
    if !javascript {
        prefs.insert(
            "profile.managed_default_content_settings.javascript".into(),
            2.into(),
        );
    }
    let mut caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--no-first-run", "--disable-extensions",
                "--disable-features=Translate,OptimizationHints,MediaRouter",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": prefs,
        }
    });
    if phone {
        caps["goog:chromeOptions"]["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 3.0, "touch": true},
            "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) \
                AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
        });
    }
    let serde_json::Value::Object(caps) = caps else {
        bail!("capabilities are an object");
    };
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&driver)
        .await
        .context("starting a Chromium session")?;
    Ok(client)
}

impl DsWorld {
    /// The scenario's Chromium session (started by "a real browser" steps).
    pub fn chromium(&self) -> anyhow::Result<&Client> {
        self.chromium
            .as_ref()
            .context("no real browser in this scenario: add `Given a real browser`")
    }
}

/// Where a failed scenario's screenshot and HTML go.
fn failure_dir() -> std::path::PathBuf {
    match std::env::var_os("FEATURES_JUNIT") {
        Some(junit) => std::path::Path::new(&junit)
            .parent()
            .map(|p| p.join("browser-failures"))
            .unwrap_or_else(|| "browser-failures".into()),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-failures"),
    }
}

/// Ends the scenario's browser session; after a failure first keeps what the page showed.
pub async fn finish(client: Client, scenario: &str, failed: bool) {
    if failed {
        let dir = failure_dir();
        let stem: String = scenario
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(100)
            .collect();
        if std::fs::create_dir_all(&dir).is_ok() {
            if let Ok(png) = client.screenshot().await {
                let _ = std::fs::write(dir.join(format!("{stem}.png")), png);
            }
            if let Ok(html) = client.source().await {
                let _ = std::fs::write(dir.join(format!("{stem}.html")), html);
            }
            eprintln!(
                "browser: the page of {scenario:?} is kept in {}",
                dir.display()
            );
        }
    }
    let _ = client.close().await;
}

#[given("a real browser")]
async fn real_browser(w: &mut DsWorld) -> anyhow::Result<()> {
    browser_slot(w).await?;
    w.chromium = Some(session(true, DESKTOP).await?);
    Ok(())
}

#[given("a real browser with JavaScript off")]
async fn real_browser_no_js(w: &mut DsWorld) -> anyhow::Result<()> {
    browser_slot(w).await?;
    w.chromium = Some(session(false, DESKTOP).await?);
    Ok(())
}

#[given("a real browser on a phone")]
async fn real_phone(w: &mut DsWorld) -> anyhow::Result<()> {
    browser_slot(w).await?;
    w.chromium = Some(session_as(true, PHONE, true).await?);
    Ok(())
}

/// What a person sees of the page, measured by the browser: the smallest text and the
/// narrowest control, in on-screen pixels (CSS pixels times the page's zoom, which is below
/// 1 on a phone when a page has no viewport tag and is laid out for a desktop).
const MEASURE: &str = r#"
const scale = window.visualViewport ? window.visualViewport.scale : 1;
let smallestText = Infinity, narrowest = Infinity, what = [];
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  const hasText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== '');
  if (hasText || el.matches('input, button')) {
    const px = parseFloat(getComputedStyle(el).fontSize) * scale;
    if (px < smallestText) { smallestText = px; what[0] = el.tagName + ' ' + (el.textContent || el.name || '').trim().slice(0, 30); }
  }
  if (el.matches('a, button, input:not([type=hidden]), select, textarea')) {
    const w = r.width * scale;
    if (w < narrowest) { narrowest = w; what[1] = el.tagName + ' ' + (el.textContent || el.name || '').trim().slice(0, 30); }
  }
}
return [smallestText, narrowest, what[0] || '', what[1] || '', scale];
"#;

#[then(expr = "on screen no text is smaller than {int} px and no control narrower than {int} px")]
async fn legible(w: &mut DsWorld, text_px: u32, control_px: u32) -> anyhow::Result<()> {
    let client = w.chromium()?;
    let url = client.current_url().await?;
    let v = client.execute(MEASURE, Vec::new()).await?;
    let (text, control) = (v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0));
    ensure!(
        text >= f64::from(text_px),
        "{url}: the smallest text is {text:.1} px on screen ({}; zoom {})",
        v[2],
        v[4]
    );
    ensure!(
        control >= f64::from(control_px),
        "{url}: the narrowest control is {control:.1} px on screen ({}; zoom {})",
        v[3],
        v[4]
    );
    Ok(())
}

#[when(expr = "the person opens {string}")]
async fn opens(w: &mut DsWorld, path: String) -> anyhow::Result<()> {
    let url = w.stack.sp_url(&w.expand(&path)?);
    w.chromium()?.goto(&url).await?;
    Ok(())
}

#[when(expr = "the person types {string} into {string}")]
async fn types(w: &mut DsWorld, text: String, label: String) -> anyhow::Result<()> {
    let input = field(w.chromium()?, &label).await?;
    input.clear().await?;
    input.send_keys(&text).await?;
    Ok(())
}

/// The input a label names: `<label>Email <input ...></label>` or `<label for=...>`.
async fn field(client: &Client, label: &str) -> anyhow::Result<fantoccini::elements::Element> {
    let xpath = format!(
        "//label[normalize-space(text())={q}]//input | //input[@id=//label[normalize-space(.)={q}]/@for]",
        q = xpath_literal(label)
    );
    // Waited for, as a click's target is: the step before may have started a navigation the
    // browser has not finished (seen under load: the Google password page not yet there).
    client
        .wait()
        .at_most(std::time::Duration::from_secs(15))
        .for_element(Locator::XPath(&xpath))
        .await
        .with_context(|| format!("no input labelled {label:?} on the page"))
}

fn xpath_literal(s: &str) -> String {
    if s.contains('"') {
        format!("'{s}'")
    } else {
        format!("\"{s}\"")
    }
}

#[when(expr = "the person presses {string}")]
async fn presses(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let xpath = format!(
        "//button[normalize-space(.)={q}] | //input[@type='submit' and @value={q}]",
        q = xpath_literal(&text)
    );
    click(w.chromium()?, &xpath, &format!("no button {text:?}")).await
}

/// A click on the link whose text is `text` (the way a person leaves an error or signed-out page).
#[when(expr = "the person follows {string}")]
async fn follows(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let xpath = format!("//a[normalize-space(.)={}]", xpath_literal(&text));
    click(w.chromium()?, &xpath, &format!("no link {text:?}")).await
}

/// Clicks the element `xpath` finds, waiting (bounded, by asking the browser) for the page that
/// has it: the press before may still be loading the next page. `missing` says what was looked
/// for when there is none.
async fn click(client: &Client, xpath: &str, missing: &str) -> anyhow::Result<()> {
    let element = client
        .wait()
        .at_most(std::time::Duration::from_secs(15))
        .for_element(Locator::XPath(xpath))
        .await
        .with_context(|| missing.to_owned())?;
    element.click().await?;
    Ok(())
}

/// Waits (bounded, by asking the browser) until the page's text contains `text`.
async fn wait_for_text(client: &Client, text: &str) -> bool {
    client
        .wait()
        .at_most(std::time::Duration::from_secs(15))
        .for_element(Locator::XPath(&format!(
            "//body[contains(., {})]",
            xpath_literal(text)
        )))
        .await
        .is_ok()
}

/// The browser's Back button: the page comes from its history, or from the server again when
/// it was not kept (`Cache-Control: no-store`).
#[when("the person goes back")]
async fn goes_back(w: &mut DsWorld) -> anyhow::Result<()> {
    w.chromium()?.back().await?;
    Ok(())
}

#[then(expr = "the browser does not show {string}")]
async fn does_not_show(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let client = w.chromium()?;
    let url = client.current_url().await?;
    let body = client.source().await?;
    ensure!(
        !body.contains(&text),
        "the page at {url} shows {text:?}:\n{body}"
    );
    Ok(())
}

/// IdP-initiated single logout as the person's browser sees it: the IdP sends it to the SP's
/// logout URL with a LogoutRequest, and the SP answers through the same browser.
#[when(expr = "the identity provider signs {string} out of every app in the real browser")]
async fn idp_logout_in_browser(w: &mut DsWorld, username: String) -> anyhow::Result<()> {
    let to = super::saml::idp_logout_url(w, &username).await?;
    w.chromium()?.goto(&to).await?;
    Ok(())
}

/// Waits (bounded) until the browser is on the identity provider's site and shows `text`.
#[then(expr = "the browser shows {string} at the identity provider")]
async fn shows_at_idp(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let base = w.idp()?.base_url().to_owned();
    shows_on_site(w, &base, &text).await
}

/// As at the identity provider, on mock Google's site.
#[then(expr = "the browser shows {string} at Google")]
async fn shows_at_google(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let base = w.google()?.issuer().to_owned();
    shows_on_site(w, &base, &text).await
}

async fn shows_on_site(w: &DsWorld, base: &str, text: &str) -> anyhow::Result<()> {
    let client = w.chromium()?;
    let found = wait_for_text(client, text).await;
    let url = client.current_url().await?;
    let page = client.source().await?;
    ensure!(
        url.as_str().starts_with(base),
        "the browser is at {url}, not at {base}"
    );
    ensure!(found, "the page at {url} does not show {text:?}:\n{page}");
    Ok(())
}

/// What an input holds now, as the browser has it (typed, or filled in by the page).
#[then(expr = "the field {string} holds {string}")]
async fn field_holds(w: &mut DsWorld, label: String, want: String) -> anyhow::Result<()> {
    let input = field(w.chromium()?, &label).await?;
    let value = input.prop("value").await?.unwrap_or_default();
    ensure!(value == want, "{label} holds {value:?}, not {want:?}");
    Ok(())
}

/// The shared stylesheet reached the page (its policy let it load): the body is laid out at
/// the stylesheet's width, 36rem, which no browser default gives.
#[then("the page is styled by the shared stylesheet")]
async fn styled(w: &mut DsWorld) -> anyhow::Result<()> {
    let client = w.chromium()?;
    let url = client.current_url().await?;
    let v = client
        .execute(
            "return getComputedStyle(document.body).maxWidth;",
            Vec::new(),
        )
        .await?;
    ensure!(
        v.as_str() == Some("576px"),
        "{url}: the body's max-width is {v}, not the stylesheet's 576px"
    );
    Ok(())
}

#[when("the person reloads the page")]
async fn reloads(w: &mut DsWorld) -> anyhow::Result<()> {
    w.chromium()?.refresh().await?;
    Ok(())
}

/// Waits (bounded) until the browser is at `path` of the SP, then checks the page shows
/// `text`. Navigation after a click or an auto-POST is asynchronous: the wait asks the
/// browser where it is, it does not sleep for a guessed time.
#[then(expr = "the browser shows {string} at {string}")]
async fn shows_at(w: &mut DsWorld, text: String, path: String) -> anyhow::Result<()> {
    let want = url::Url::parse(&w.stack.sp_url(&w.expand(&path)?))?;
    let client = w.chromium()?;
    let arrived = client
        .wait()
        .at_most(std::time::Duration::from_secs(15))
        .for_url(&want)
        .await;
    let url = client.current_url().await?;
    let body = client.source().await?;
    ensure!(
        arrived.is_ok(),
        "the browser is at {url}, not {want}; the page:\n{body}"
    );
    ensure!(
        body.contains(&text),
        "the page at {url} does not show {text:?}:\n{body}"
    );
    Ok(())
}

/// As "shows ... at", for a page whose query the scenario cannot know (a callback's `state`
/// and `code`): waits (bounded) for `text`, then compares the path alone.
#[then(expr = "the browser shows {string} on the page {string}")]
async fn shows_on_page(w: &mut DsWorld, text: String, path: String) -> anyhow::Result<()> {
    let want = w.expand(&path)?;
    let client = w.chromium()?;
    let found = wait_for_text(client, &text).await;
    let url = client.current_url().await?;
    let body = client.source().await?;
    ensure!(found, "the page at {url} does not show {text:?}:\n{body}");
    ensure!(url.path() == want, "the browser is at {url}, not on {want}");
    Ok(())
}

#[then(expr = "the browser shows {string}")]
async fn shows(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let text = w.expand(&text)?;
    let client = w.chromium()?;
    let body = client.source().await?;
    ensure!(
        body.contains(&text),
        "the page does not show {text:?}:\n{body}"
    );
    Ok(())
}

#[then(expr = "the browser is at the identity provider's login page")]
async fn at_idp(w: &mut DsWorld) -> anyhow::Result<()> {
    let base = w.idp()?.base_url().to_owned();
    let client = w.chromium()?;
    let url = client.current_url().await?;
    ensure!(
        url.as_str().starts_with(&base),
        "the browser is at {url}, not at {base}"
    );
    client
        .find(Locator::Css("input[name=username]"))
        .await
        .context("no username field at the IdP")?;
    Ok(())
}

/// The SP's own account of the real browser's session: its cookie, asked of `/session`.
#[then(expr = "the browser is signed in to {word} as {string} in the real browser")]
async fn chromium_session(w: &mut DsWorld, mode: String, email: String) -> anyhow::Result<()> {
    let path = w.expand(&format!("/live/{{account}}/session?P_mode={mode}"))?;
    let client = w.chromium()?;
    client.goto(&w.stack.sp_url(&path)).await?;
    let body = client.find(Locator::Css("body")).await?.text().await?;
    let json: serde_json::Value =
        serde_json::from_str(&body).with_context(|| format!("/session answered {body}"))?;
    ensure!(
        json["user"]["email"].as_str() == Some(email.as_str()),
        "the session is {json}"
    );
    Ok(())
}

/// The real browser holds no session cookie of the scope (cookies read from the browser
/// itself, on the SP's origin).
#[then(expr = "the real browser has no session in {word}")]
async fn chromium_no_session(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    let name = format!("DS_SESSION_{}_{mode}", w.account()?);
    let client = w.chromium()?;
    client.goto(&w.stack.sp_url("/")).await?;
    let cookies = client.get_all_cookies().await?;
    let names: Vec<String> = cookies.iter().map(|c| c.name().to_owned()).collect();
    ensure!(
        !names.contains(&name),
        "the real browser holds {name}: {names:?}"
    );
    Ok(())
}

/// An error a screen reader announces: an element with `role="alert"` that says `text`.
#[then(expr = "the page announces {string}")]
async fn announces(w: &mut DsWorld, text: String) -> anyhow::Result<()> {
    let client = w.chromium()?;
    let alert = client
        .find(Locator::Css("[role=alert]"))
        .await
        .context("no element with role=alert on the page")?;
    let said = alert.text().await?;
    ensure!(
        said.contains(&text),
        "the alert says {said:?}, not {text:?}"
    );
    Ok(())
}
