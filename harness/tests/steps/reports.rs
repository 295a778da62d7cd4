//! Steps for vendor mode's kept reports (R-VEN-3): the stack keeps every SAML message the SP
//! receives; the scenarios read `/vendor/reports` as a vendor would, over HTTP, in JSON and HTML,
//! and run `harness report` against it as a separate process.

use super::{DsWorld, Reply};
use anyhow::{Context, anyhow, ensure};
use cucumber::{given, then, when};

#[given("the SP keeps a report of every SAML message it receives")]
async fn keeping_reports(w: &mut DsWorld) -> anyhow::Result<()> {
    ensure!(
        w.account.is_none(),
        "this step must come before the account is created"
    );
    w.stack = harness::Stack::start_keeping_reports().await?;
    Ok(())
}

async fn get_json(w: &DsWorld, path: &str) -> anyhow::Result<serde_json::Value> {
    let r = reqwest::get(w.stack.sp_url(path)).await?;
    ensure!(r.status() == 200, "{path}: {}", r.status());
    Ok(r.json().await?)
}

async fn get_page(w: &DsWorld, path: &str) -> anyhow::Result<String> {
    let r = reqwest::get(w.stack.sp_url(path)).await?;
    ensure!(r.status() == 200, "{path}: {}", r.status());
    let ctype = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    ensure!(ctype.starts_with("text/html"), "{path} is {ctype}");
    let csp = r
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    ensure!(
        csp.contains("default-src 'none'"),
        "{path} without the SP's page CSP: {csp:?}"
    );
    let page = r.text().await?;
    ensure!(
        page.contains("<meta name=\"viewport\""),
        "{path} has no viewport"
    );
    Ok(page)
}

fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[then(expr = "the SP kept {int} report(s), the newest a {word} answered {string}")]
async fn kept_count(w: &mut DsWorld, n: u64, kind: String, answer: String) -> anyhow::Result<()> {
    let all = get_json(w, "/vendor/reports.json").await?;
    ensure!(all["kept"] == n, "{all:#}");
    let newest = &all["messages"][0];
    ensure!(newest["n"] == n, "not newest first: {all:#}");
    ensure!(newest["kind"] == kind.as_str(), "{newest:#}");
    ensure!(newest["answer"] == answer.as_str(), "{newest:#}");
    ensure!(newest["account"] == w.account()?, "{newest:#}");
    let refused = all["messages"]
        .as_array()
        .context("no messages")?
        .iter()
        .filter(|m| m["answer"] != "accepted")
        .count();
    ensure!(all["refused"] == refused, "{all:#}");
    // The page lists the same, newest first, each linking to its report.
    let page = get_page(w, "/vendor/reports").await?;
    let first = page
        .find(&format!("<a href=\"/vendor/reports/{n}\">{n}</a>"))
        .with_context(|| format!("no row for report {n}: {page}"))?;
    if n > 1 {
        let older = page
            .find(&format!("<a href=\"/vendor/reports/{}\">", n - 1))
            .context("no row for the older report")?;
        ensure!(first < older, "the page is not newest first");
    }
    ensure!(page.contains(&format!("<code>{answer}</code>")), "{page}");
    Ok(())
}

async fn report(w: &DsWorld, n: u64) -> anyhow::Result<serde_json::Value> {
    get_json(w, &format!("/vendor/reports/{n}.json")).await
}

#[then(expr = "report {int} says all {int} rules passed")]
async fn all_passed(w: &mut DsWorld, n: u64, count: usize) -> anyhow::Result<()> {
    let r = report(w, n).await?;
    let rules = r["report"]["rules"].as_array().context("no rules")?;
    ensure!(rules.len() == count, "{} rules: {r:#}", rules.len());
    let not_passed: Vec<_> = rules.iter().filter(|x| x["outcome"] != "pass").collect();
    ensure!(not_passed.is_empty(), "not passed: {not_passed:#?}");
    ensure!(rules.last().context("empty")?["id"] == "sp.answer", "{r:#}");
    let page = get_page(w, &format!("/vendor/reports/{n}")).await?;
    ensure!(
        page.contains("<strong>accepted</strong>") && !page.contains("<td>FAIL</td>"),
        "{page}"
    );
    Ok(())
}

#[then(expr = "report {int} prints the message with {string} inside a signed element")]
async fn printed_signed(w: &mut DsWorld, n: u64, element: String) -> anyhow::Result<()> {
    let r = report(w, n).await?;
    let pretty = r["report"]["pretty"].as_str().unwrap_or_default();
    ensure!(
        pretty
            .lines()
            .any(|l| l.starts_with('S') && l.contains(&element)),
        "{element} is not marked as signed: {pretty}"
    );
    let page = get_page(w, &format!("/vendor/reports/{n}")).await?;
    ensure!(
        page.contains("<pre>"),
        "the page does not print the message"
    );
    Ok(())
}

#[then(expr = "report {int} prints the message with {string}, nothing marked as signed")]
async fn printed_unsigned(w: &mut DsWorld, n: u64, element: String) -> anyhow::Result<()> {
    let r = report(w, n).await?;
    let pretty = r["report"]["pretty"].as_str().unwrap_or_default();
    ensure!(pretty.contains(&element), "no {element}: {pretty}");
    ensure!(
        !pretty.lines().any(|l| l.starts_with('S')),
        "marked as signed: {pretty}"
    );
    Ok(())
}

#[then(expr = "report {int} says {string} failed with {string}, clause {string}, fix {string}")]
async fn rule_failed(
    w: &mut DsWorld,
    n: u64,
    id: String,
    code: String,
    clause: String,
    fix: String,
) -> anyhow::Result<()> {
    let r = report(w, n).await?;
    let rule = r["report"]["rules"]
        .as_array()
        .context("no rules")?
        .iter()
        .find(|x| x["id"] == id.as_str())
        .with_context(|| format!("no rule {id}: {r:#}"))?
        .clone();
    ensure!(rule["outcome"] == "fail", "{rule:#}");
    ensure!(rule["code"] == code.as_str(), "{rule:#}");
    ensure!(
        rule["clause"].as_str().is_some_and(|c| c.contains(&clause)),
        "{rule:#}"
    );
    ensure!(
        rule["hint"].as_str().is_some_and(|h| h.contains(&fix)),
        "{rule:#}"
    );
    ensure!(
        rule["found"].as_str().is_some_and(|f| !f.is_empty()),
        "nothing found: {rule:#}"
    );
    // The page shows the same row: result, check, clause, what was found, the fix.
    let page = unescape(&get_page(w, &format!("/vendor/reports/{n}")).await?);
    let row = page
        .lines()
        .find(|l| l.contains(&format!("<code>{id}</code>")))
        .with_context(|| format!("no row for {id}: {page}"))?;
    ensure!(row.starts_with("<tr><td>FAIL</td>"), "{row}");
    ensure!(row.contains(&clause) && row.contains(&fix), "{row}");
    ensure!(row.contains(&format!("<code>{code}</code>")), "{row}");
    ensure!(page.contains("<strong>refused</strong>"), "{page}");
    Ok(())
}

#[then(expr = "report {int} says no rule but {string} failed")]
async fn only_failed(w: &mut DsWorld, n: u64, id: String) -> anyhow::Result<()> {
    only_these_failed(w, n, &[&id]).await
}

#[then(expr = "report {int} says no rule but {string} and {string} failed")]
async fn only_two_failed(w: &mut DsWorld, n: u64, a: String, b: String) -> anyhow::Result<()> {
    only_these_failed(w, n, &[&a, &b]).await
}

async fn only_these_failed(w: &DsWorld, n: u64, ids: &[&str]) -> anyhow::Result<()> {
    let r = report(w, n).await?;
    let failed: Vec<&str> = r["report"]["rules"]
        .as_array()
        .context("no rules")?
        .iter()
        .filter(|x| x["outcome"] == "fail")
        .filter_map(|x| x["id"].as_str())
        .collect();
    ensure!(failed == ids, "failed: {failed:?}");
    Ok(())
}

#[then(expr = "the SP's refusal links to report {int}")]
async fn refusal_links(w: &mut DsWorld, n: u64) -> anyhow::Result<()> {
    let want = w.stack.sp_url(&format!("/vendor/reports/{n}"));
    let last = w.last()?;
    let json: serde_json::Value = serde_json::from_str(&last.body)?;
    ensure!(json["error"]["report"] == want.as_str(), "{json}");
    let link = last
        .headers
        .get("link")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    ensure!(
        link == format!("<{want}>; rel=\"report\""),
        "Link: {link:?}"
    );
    Ok(())
}

#[then("the SP's refusal links to no report")]
async fn refusal_links_nothing(w: &mut DsWorld) -> anyhow::Result<()> {
    let last = w.last()?;
    let json: serde_json::Value = serde_json::from_str(&last.body)?;
    ensure!(json["error"]["code"].is_string(), "not a refusal: {json}");
    ensure!(json["error"].get("report").is_none(), "{json}");
    ensure!(last.headers.get("link").is_none(), "a Link header");
    let r = reqwest::get(w.stack.sp_url("/vendor/reports")).await?;
    ensure!(r.status() == 404, "report pages outside vendor mode");
    Ok(())
}

#[when("the browser posts the identity provider's form to the SP, accepting an HTML page")]
async fn post_form_as_page(w: &mut DsWorld) -> anyhow::Result<()> {
    let page = w.expect_status(200)?.body.clone();
    let (action, fields) = super::saml::saml_form(&page)?;
    let b = w.browser("default")?;
    let reply = b
        .client
        .post(action)
        .header("accept", "text/html,application/xhtml+xml")
        .form(&fields)
        .send()
        .await?;
    w.last = Some(Reply::read(reply).await?);
    Ok(())
}

#[then(expr = "the browser is shown the page {string} with {string} and a link to report {int}")]
async fn shown_page(w: &mut DsWorld, title: String, code: String, n: u64) -> anyhow::Result<()> {
    let want = w.stack.sp_url(&format!("/vendor/reports/{n}"));
    let last = w.last()?;
    ensure!(
        (400..500).contains(&last.status),
        "status {}: {}",
        last.status,
        last.body
    );
    let ctype = last
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    ensure!(ctype.starts_with("text/html"), "{ctype}");
    ensure!(
        last.body.contains(&format!("<title>{title}</title>")),
        "{}",
        last.body
    );
    ensure!(
        last.body.contains(&format!("<code>{code}</code>")),
        "{}",
        last.body
    );
    ensure!(
        last.body.contains(&format!("<a href=\"{want}\">")),
        "no link to {want}: {}",
        last.body
    );
    ensure!(
        !last
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("DS_SESSION_")),
        "a refused sign-in opened a session"
    );
    Ok(())
}

#[when(expr = "the vendor opens the report {string}")]
async fn open_report(w: &mut DsWorld, n: String) -> anyhow::Result<()> {
    w.get("default", &format!("/vendor/reports/{n}")).await?;
    Ok(())
}

#[when("the vendor runs harness report on the SP's kept reports")]
async fn run_report_kept(w: &mut DsWorld) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.arg("report")
        .arg(w.stack.sp_url("/vendor/reports"))
        .arg("--junit")
        .arg(dir.path().join("out.xml"))
        .arg("--markdown")
        .arg(dir.path().join("out.md"));
    let out = tokio::task::spawn_blocking(move || cmd.output()).await??;
    w.vendor_exit = Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    ));
    w.vendor_dir = Some(dir);
    Ok(())
}

#[then(expr = "harness report exits {int}")]
async fn report_exit(w: &mut DsWorld, code: i32) -> anyhow::Result<()> {
    let (got, out) = w.vendor_exit.as_ref().context("not run")?;
    ensure!(*got == code, "exit {got}: {out}");
    Ok(())
}

fn written(w: &DsWorld, name: &str) -> anyhow::Result<String> {
    let dir = w.vendor_dir.as_ref().context("no report written")?;
    std::fs::read_to_string(dir.path().join(name)).map_err(|e| anyhow!("{name}: {e}"))
}

#[then(expr = "its JUnit file holds {int} messages, {string} failed in message {int} only")]
async fn junit_holds(w: &mut DsWorld, count: usize, id: String, n: u64) -> anyhow::Result<()> {
    let junit = written(w, "out.xml")?;
    let doc = roxmltree::Document::parse(&junit)?;
    let suites: Vec<_> = doc
        .descendants()
        .filter(|x| x.has_tag_name("testsuite"))
        .collect();
    ensure!(suites.len() == count, "{} suites: {junit}", suites.len());
    for suite in &suites {
        let name = suite.attribute("name").unwrap_or_default();
        let failed = suite
            .children()
            .filter(|c| c.has_tag_name("testcase") && c.attribute("name") == Some(id.as_str()))
            .any(|c| c.children().any(|f| f.has_tag_name("failure")));
        let this = name.starts_with(&format!("message {n}: "));
        ensure!(failed == this, "{id} in {name:?}: failed {failed}");
    }
    Ok(())
}

#[then(
    expr = "its Markdown summary lists message {int} as {word} and message {int} as {word} for {string}"
)]
async fn markdown_kept(
    w: &mut DsWorld,
    a: u64,
    a_verdict: String,
    b: u64,
    b_verdict: String,
    id: String,
) -> anyhow::Result<()> {
    let md = written(w, "out.md")?;
    let row = |n: u64| {
        md.lines()
            .find(|l| l.starts_with(&format!("| message {n}: ")))
            .map(str::to_owned)
            .with_context(|| format!("no row for message {n}: {md}"))
    };
    let ra = row(a)?;
    ensure!(ra.contains(&format!("| {a_verdict} | none |")), "{ra}");
    let rb = row(b)?;
    ensure!(
        rb.contains(&format!("| {b_verdict} | {id}, sp.answer |")),
        "{rb}"
    );
    ensure!(
        md.contains(&format!("- **{id}**")),
        "no detail for {id}: {md}"
    );
    Ok(())
}

#[then(expr = "the stack's report page lists {int} {word} the SP answered {string}")]
async fn process_reports(
    w: &mut DsWorld,
    n: u64,
    kind: String,
    answer: String,
) -> anyhow::Result<()> {
    let (sp, _) = w.vendor_sp.as_ref().context("no stack process")?;
    let all: serde_json::Value = reqwest::get(format!("{sp}/vendor/reports.json"))
        .await?
        .json()
        .await?;
    ensure!(all["kept"] == n, "{all:#}");
    let newest = &all["messages"][0];
    ensure!(
        newest["kind"] == kind.as_str() && newest["answer"] == answer.as_str(),
        "{newest:#}"
    );
    let failed: Vec<_> = newest["report"]["rules"]
        .as_array()
        .context("no rules")?
        .iter()
        .filter(|x| x["outcome"] == "fail")
        .collect();
    ensure!(
        failed.is_empty() == (answer == "accepted"),
        "failed rules: {failed:#?}"
    );
    let page = reqwest::get(format!("{sp}/vendor/reports/{}", newest["n"]))
        .await?
        .text()
        .await?;
    ensure!(page.contains(&format!("<code>{answer}</code>")), "{page}");
    Ok(())
}
