//! Vendor mode (R-VEN-1): `check-response` on what the mock IdP posted, as a vendor would run it
//! on a capture of their own IdP's Response.

use super::DsWorld;
use anyhow::{Context, anyhow, ensure};
use base64::Engine as _;
use cucumber::{given, then, when};
use harness::vendor::render::{self, Format};
use harness::vendor::{self, Expectations, MessageReport, Profile, Verdict, input, metadata};
use mock_idp::VendorProfile;
use reference_sp::domain::ExecutionMode;
use reference_sp::signin::saml::acs::Check;

/// What the SP was configured with for the scenario's IdP, and the AuthnRequest's ID.
fn expectations(w: &DsWorld, request_id: bool) -> anyhow::Result<Expectations> {
    let account: reference_sp::domain::AccountId = w.account()?.parse()?;
    let config = w
        .stack
        .store()
        .call_blocking(|c| reference_sp::store::saml::load_config(c, &account, ExecutionMode::Live))
        .map_err(|e| anyhow!("{e}"))?
        .context("SAML is not configured for LIVE")?;
    let (action, _) = w.saml_post.clone().context("no SAML form was captured")?;
    let request = w
        .idp()?
        .received()
        .into_iter()
        .rev()
        .find(|m| m.kind == "AuthnRequest")
        .context("the IdP received no AuthnRequest")?;
    let id = roxmltree::Document::parse(&request.xml)?
        .root_element()
        .attribute("ID")
        .context("an AuthnRequest without ID")?
        .to_owned();
    let profile = match w.idp()?.profile() {
        VendorProfile::EntraId => Profile::EntraId,
        VendorProfile::Okta => Profile::Okta,
        VendorProfile::GoogleWorkspace => Profile::GoogleWorkspace,
    };
    Ok(Expectations {
        idp_certificate: config.idp_certificate,
        idp_entity_id: config.idp_entity_id,
        sp_entity_id: config.sp_entity_id,
        acs_url: action,
        request_id: request_id.then_some(id),
        now: protocol::Clock::now(w.stack.clock()),
        profile: Some(profile),
    })
}

/// The SAMLResponse of the IdP's auto-posting form, kept without posting it.
fn captured(w: &mut DsWorld) -> anyhow::Result<String> {
    let page = w.expect_status(200)?.body.clone();
    let form = super::saml::saml_form(&page)?;
    let value = form
        .1
        .iter()
        .find(|(n, _)| n == "SAMLResponse")
        .map(|(_, v)| v.clone())
        .context("no SAMLResponse")?;
    w.saml_post = Some(form);
    Ok(value)
}

/// The capture as a vendor would hand it over: `value`, `xml`, `har` or `saml-tracer`.
fn as_input(encoded: &str, shape: &str, acs: &str) -> anyhow::Result<String> {
    Ok(match shape {
        "value" => encoded.to_owned(),
        "xml" => String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded)?)?,
        "har" => {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("SAMLResponse", encoded)
                .append_pair("RelayState", "")
                .finish();
            serde_json::json!({"log": {"version": "1.2", "entries": [
                {"request": {"method": "GET", "url": "https://login.example/authorize", "headers": []}},
                {"request": {"method": "POST", "url": acs, "headers": [],
                    "postData": {"mimeType": "application/x-www-form-urlencoded", "text": body}}}
            ]}})
            .to_string()
        }
        "saml-tracer" => serde_json::json!({"requests": [
            {"requestId": "1", "method": "POST", "url": acs,
             "post": [["SAMLResponse", encoded], ["RelayState", ""]]}
        ], "timestamp": "2026-01-05T09:00:00.000Z"})
        .to_string(),
        other => return Err(anyhow!("unknown capture shape {other}")),
    })
}

fn judge(w: &mut DsWorld, shape: &str, request_id: bool) -> anyhow::Result<()> {
    let encoded = captured(w)?;
    let expect = expectations(w, request_id)?;
    let text = as_input(&encoded, shape, &expect.acs_url)?;
    let found = input::extract(&text).map_err(|e| anyhow!(e))?;
    ensure!(
        found.len() == 1,
        "expected one capture, found {}",
        found.len()
    );
    ensure!(
        found[0].encoded == encoded,
        "the {shape} capture did not yield the posted value"
    );
    let reports = found
        .iter()
        .map(|c| vendor::check_response(&c.source, &c.encoded, &expect))
        .collect::<Result<Vec<_>, _>>()?;
    w.vendor_reports = reports;
    Ok(())
}

#[when("the vendor checks the Response the identity provider posted")]
async fn check(w: &mut DsWorld) -> anyhow::Result<()> {
    judge(w, "value", true)
}

#[when(expr = "the vendor checks the Response the identity provider posted, captured as {word}")]
async fn check_as(w: &mut DsWorld, shape: String) -> anyhow::Result<()> {
    judge(w, &shape, true)
}

#[when("the vendor checks the Response the identity provider posted, without the request ID")]
async fn check_without_request(w: &mut DsWorld) -> anyhow::Result<()> {
    judge(w, "value", false)
}

#[when(
    expr = "the vendor checks the Response the identity provider posted, as an answer to request {string}"
)]
async fn check_other_request(w: &mut DsWorld, id: String) -> anyhow::Result<()> {
    judge(w, "value", true)?;
    let encoded = w
        .saml_post
        .as_ref()
        .and_then(|(_, f)| f.iter().find(|(n, _)| n == "SAMLResponse"))
        .map(|(_, v)| v.clone())
        .context("no capture")?;
    let mut expect = expectations(w, true)?;
    expect.request_id = Some(id);
    w.vendor_reports = vec![vendor::check_response("posted value", &encoded, &expect)?];
    Ok(())
}

fn report(w: &DsWorld) -> anyhow::Result<&MessageReport> {
    w.vendor_reports.first().context("no check-response run")
}

fn verdicts(r: &MessageReport) -> String {
    r.rules
        .iter()
        .map(|x| format!("{}={:?}", x.id, x.outcome))
        .collect::<Vec<_>>()
        .join(", ")
}

#[then("every rule passes")]
async fn all_pass(w: &mut DsWorld) -> anyhow::Result<()> {
    let r = report(w)?;
    ensure!(
        r.rules.iter().all(|x| x.outcome == Verdict::Pass),
        "not every rule passed: {}",
        verdicts(r)
    );
    ensure!(
        r.rules.len() == Check::ALL.len() + 1,
        "{} rules reported, the ACS has {} and check-response adds 1",
        r.rules.len(),
        Check::ALL.len()
    );
    Ok(())
}

/// Exactly these rules failed (comma-separated ids), each with its code; nothing else failed.
#[then(expr = "exactly the rules {string} fail, with {string}")]
async fn exactly_fail(w: &mut DsWorld, ids: String, codes: String) -> anyhow::Result<()> {
    let r = report(w)?;
    let want: Vec<&str> = ids.split(',').map(str::trim).collect();
    let codes: Vec<&str> = codes.split(',').map(str::trim).collect();
    let failed: Vec<&str> = r
        .rules
        .iter()
        .filter(|x| x.outcome == Verdict::Fail)
        .map(|x| x.id)
        .collect();
    ensure!(
        failed == want,
        "failed: {failed:?}, expected {want:?}; {}",
        verdicts(r)
    );
    for (id, code) in want.iter().zip(&codes) {
        let rule = r.rule(id).context("missing rule")?;
        ensure!(
            rule.code == Some(*code),
            "{id}: code {:?}, expected {code}",
            rule.code
        );
        ensure!(
            rule.hint.as_deref().is_some_and(|h| !h.is_empty())
                && rule.found.as_deref().is_some_and(|f| !f.is_empty())
                && !rule.clause.is_empty(),
            "{id} failed without what was found, its clause or a fix: {rule:?}"
        );
    }
    Ok(())
}

#[then(expr = "the fix for {string} says {string}")]
async fn fix_says(w: &mut DsWorld, id: String, words: String) -> anyhow::Result<()> {
    let rule = report(w)?.rule(&id).context("no such rule")?;
    let hint = rule.hint.as_deref().unwrap_or_default();
    ensure!(hint.contains(&words), "{id}'s fix is {hint:?}");
    Ok(())
}

#[then(expr = "the rule {string} is not judged")]
async fn not_judged(w: &mut DsWorld, id: String) -> anyhow::Result<()> {
    let rule = report(w)?.rule(&id).context("no such rule")?;
    ensure!(
        rule.outcome == Verdict::NotChecked,
        "{id}: {:?}",
        rule.outcome
    );
    Ok(())
}

#[then(expr = "every rule after {string} is not judged")]
async fn rest_not_judged(w: &mut DsWorld, id: String) -> anyhow::Result<()> {
    let r = report(w)?;
    let at = r
        .rules
        .iter()
        .position(|x| x.id == id)
        .context("no such rule")?;
    // The last rule is check-response's own (the request ID), judged on the decoded message.
    let acs_rules = &r.rules[at + 1..r.rules.len() - 1];
    ensure!(
        !acs_rules.is_empty() && acs_rules.iter().all(|x| x.outcome == Verdict::NotChecked),
        "{}",
        verdicts(r)
    );
    Ok(())
}

#[then(expr = "the {word} report says {int} rule(s) failed, among them {string}")]
async fn rendered(w: &mut DsWorld, format: String, n: usize, id: String) -> anyhow::Result<()> {
    let format: Format = format.parse().map_err(|e: String| anyhow!(e))?;
    let out = render::render(&w.vendor_reports, format, false);
    match format {
        Format::Json => {
            let json: serde_json::Value = serde_json::from_str(&out)?;
            ensure!(json["failed"] == n, "failed: {}", json["failed"]);
            let rule = json["messages"][0]["rules"]
                .as_array()
                .context("rules")?
                .iter()
                .find(|r| r["id"] == id.as_str())
                .context("rule missing from the JSON")?;
            ensure!(rule["outcome"] == "fail", "{rule}");
            ensure!(
                rule["hint"].as_str().is_some_and(|h| !h.is_empty()),
                "{rule}"
            );
        }
        Format::Junit => {
            let doc = roxmltree::Document::parse(&out)?;
            let root = doc.root_element();
            ensure!(
                root.attribute("failures") == Some(n.to_string().as_str()),
                "{out}"
            );
            let cases: Vec<_> = doc
                .descendants()
                .filter(|d| d.has_tag_name("testcase"))
                .collect();
            ensure!(
                root.attribute("tests") == Some(cases.len().to_string().as_str()),
                "tests= does not count the testcases: {out}"
            );
            let case = cases
                .iter()
                .find(|c| c.attribute("name") == Some(id.as_str()))
                .context("testcase missing")?;
            ensure!(
                case.children().any(|c| c.has_tag_name("failure")),
                "{id} is not a failure in {out}"
            );
        }
        Format::Text => {
            ensure!(out.contains(&format!("{n} rule(s) failed")), "{out}");
            ensure!(out.contains(&format!("FAIL {id}")), "{out}");
        }
    }
    Ok(())
}

#[then("the report shows the message with its assertion marked as signed")]
async fn pretty(w: &mut DsWorld) -> anyhow::Result<()> {
    let pretty = &report(w)?.pretty;
    let assertion = pretty
        .lines()
        .find(|l| l.contains(":Assertion ") || l.contains("<Assertion "))
        .context("no Assertion line")?;
    ensure!(
        assertion.starts_with("S "),
        "not marked signed: {assertion}"
    );
    // The Issuer before it is outside the assertion: marked only when the Response is signed.
    let response_signed = pretty.lines().next().is_some_and(|l| l.starts_with("S "));
    let issuer = pretty.lines().nth(1).unwrap_or_default();
    ensure!(
        issuer.starts_with("S ") == response_signed,
        "the Response's Issuer is marked unlike the Response: {issuer}"
    );
    Ok(())
}

/// Runs a built `harness` command; its exit code and what it printed (standard output, then
/// standard error).
async fn run_harness(mut cmd: std::process::Command) -> anyhow::Result<(i32, String)> {
    let out = tokio::task::spawn_blocking(move || cmd.output()).await??;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    ))
}

/// Runs the built `harness check-response` on `capture` written to a file; keeps the exit code
/// and what it printed (standard output, then standard error).
async fn run_binary(w: &mut DsWorld, capture: &str, extra: &str) -> anyhow::Result<()> {
    let expect = expectations(w, true)?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("capture.txt");
    let cert = dir.path().join("idp.cer");
    std::fs::write(&file, capture)?;
    std::fs::write(&cert, &expect.idp_certificate)?;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.arg("check-response")
        .arg(&file)
        .arg("--idp-cert")
        .arg(&cert)
        .args(["--idp-entity-id", &expect.idp_entity_id])
        .args(["--sp-entity-id", &expect.sp_entity_id])
        .args(["--acs", &expect.acs_url])
        .args(["--now", &expect.now.to_rfc3339()])
        .args(extra.split_whitespace());
    w.vendor_exit = Some(run_harness(cmd).await?);
    Ok(())
}

#[when(expr = "the vendor runs check-response on the captured Response with {string}")]
async fn run_on_capture(w: &mut DsWorld, extra: String) -> anyhow::Result<()> {
    let encoded = captured(w)?;
    run_binary(w, &encoded, &extra).await
}

#[when("the vendor runs check-response on a HAR file in which nothing was posted")]
async fn run_on_empty_har(w: &mut DsWorld) -> anyhow::Result<()> {
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "GET", "url": "https://login.example/", "headers": []}}
    ]}});
    run_binary(w, &har.to_string(), "").await
}

/// The README's check-response example, run exactly as written (from the workspace root), and
/// the output the README shows after it.
#[when("the vendor runs the README's check-response example")]
async fn readme_example(w: &mut DsWorld) -> anyhow::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("the workspace root")?
        .to_owned();
    let readme = std::fs::read_to_string(root.join("README.md"))?;
    let after = readme
        .split("not run: the check-response example")
        .nth(1)
        .context("the README has no check-response example")?;
    let mut blocks = after.split("```").skip(1).step_by(2);
    let command = blocks.next().context("no command block")?;
    let shown = blocks.next().context("no output block")?;
    let line = command.trim_start_matches("sh").replace("\\\n", " ");
    let words = shell_words(&line);
    let args = words
        .strip_prefix(&["cargo", "run", "-q", "-p", "harness", "--"].map(String::from))
        .context("the example is not `cargo run -q -p harness -- ...`")?
        .to_vec();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.current_dir(&root).args(&args);
    let out = tokio::task::spawn_blocking(move || cmd.output()).await??;
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    for expected in shown
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
    {
        ensure!(
            printed.lines().any(|l| l.trim_end() == expected),
            "the README shows {expected:?}, the command printed:\n{printed}"
        );
    }
    w.vendor_exit = Some((out.status.code().unwrap_or(-1), printed));
    Ok(())
}

/// Words of a one-line shell command: spaces separate, single quotes group.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

#[then(expr = "the command exits with {int} and prints {string}")]
async fn exits(w: &mut DsWorld, code: i32, text: String) -> anyhow::Result<()> {
    let (got, out) = w.vendor_exit.as_ref().context("no command run")?;
    ensure!(*got == code, "exit code {got}, expected {code}: {out}");
    ensure!(out.contains(&text), "output lacks {text:?}: {out}");
    Ok(())
}

// ---------------------------------------------------------------- check-metadata

async fn judge_metadata(
    w: &mut DsWorld,
    source: &str,
    text: &str,
    role: metadata::Role,
) -> anyhow::Result<()> {
    let now = protocol::Clock::now(w.stack.clock());
    judge_metadata_at(w, source, text, role, now)
}

fn judge_metadata_at(
    w: &mut DsWorld,
    source: &str,
    text: &str,
    role: metadata::Role,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let report = metadata::check_metadata(source, text, role, now).map_err(|e| anyhow!(e))?;
    w.vendor_reports = vec![report];
    Ok(())
}

#[when(expr = "the vendor checks the identity provider's metadata as of {string}")]
async fn idp_metadata(w: &mut DsWorld, at: String) -> anyhow::Result<()> {
    let url = w.idp()?.metadata_url();
    let text = reqwest::get(&url).await?.text().await?;
    let now = chrono::DateTime::parse_from_rfc3339(&at)?.with_timezone(&chrono::Utc);
    judge_metadata_at(w, &url, &text, metadata::Role::Idp, now)
}

#[when("the vendor checks the SP's metadata with --sp")]
async fn sp_metadata(w: &mut DsWorld) -> anyhow::Result<()> {
    let path = w.expand("/live/{account}/saml/metadata?P_mode=LIVE")?;
    let url = w.stack.sp_url(&path);
    let text = reqwest::get(&url).await?.text().await?;
    judge_metadata(w, &url, &text, metadata::Role::Sp).await
}

/// A self-signed RSA certificate valid from `from` to `to` days around the stack's clock.
fn certificate(w: &DsWorld, from: i64, to: i64, bits: u32) -> anyhow::Result<String> {
    use openssl::{asn1::Asn1Time, hash::MessageDigest, pkey::PKey, rsa::Rsa, x509};
    let now = protocol::Clock::now(w.stack.clock()).timestamp();
    let key = PKey::from_rsa(Rsa::generate(bits)?)?;
    let mut name = x509::X509NameBuilder::new()?;
    name.append_entry_by_text("CN", "Vendor IdP Signing")?;
    let name = name.build();
    let mut b = x509::X509Builder::new()?;
    b.set_version(2)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(&name)?;
    b.set_pubkey(&key)?;
    let not_before = Asn1Time::from_unix(now + from * 86_400)?;
    let not_after = Asn1Time::from_unix(now + to * 86_400)?;
    b.set_not_before(&not_before)?;
    b.set_not_after(&not_after)?;
    b.sign(&key, MessageDigest::sha256())?;
    Ok(base64::engine::general_purpose::STANDARD.encode(b.build().to_der()?))
}

/// IdP metadata with these parts (`certs`: base64 DER each).
fn idp_metadata_xml(
    certs: &[String],
    sso_binding: &str,
    extra: &str,
    valid_until: Option<&str>,
) -> String {
    let keys: String = certs
        .iter()
        .map(|c| format!("<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>{c}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"))
        .collect();
    let until = valid_until
        .map(|v| format!(" validUntil=\"{v}\""))
        .unwrap_or_default();
    format!(
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://idp.vendor.example/\"{until}>{extra}<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">{keys}<md:SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"https://idp.vendor.example/slo\"/><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat><md:SingleSignOnService Binding=\"{sso_binding}\" Location=\"https://idp.vendor.example/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>"
    )
}

const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

#[when(
    expr = "the vendor checks IdP metadata whose signing certificates are valid for the day spans {string}"
)]
async fn metadata_with_certs(w: &mut DsWorld, spans: String) -> anyhow::Result<()> {
    let mut certs = Vec::new();
    for span in spans.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (from, to) = span.split_once("..").context("spans are FROM..TO")?;
        certs.push(certificate(
            w,
            from.trim().parse()?,
            to.trim().parse()?,
            2048,
        )?);
    }
    let xml = idp_metadata_xml(&certs, REDIRECT, "", None);
    judge_metadata(w, "vendor metadata", &xml, metadata::Role::Idp).await
}

#[when("the vendor checks IdP metadata offering single sign-on only by POST")]
async fn metadata_post_only(w: &mut DsWorld) -> anyhow::Result<()> {
    let cert = certificate(w, -1, 365, 2048)?;
    let xml = idp_metadata_xml(
        &[cert],
        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
        "",
        None,
    );
    judge_metadata(w, "vendor metadata", &xml, metadata::Role::Idp).await
}

#[when("the vendor checks IdP metadata that expired yesterday and carries a WS-Federation role")]
async fn metadata_stale_wsfed(w: &mut DsWorld) -> anyhow::Result<()> {
    let cert = certificate(w, -1, 365, 2048)?;
    let yesterday = (protocol::Clock::now(w.stack.clock()) - chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let wsfed = "<md:RoleDescriptor xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:fed=\"http://docs.oasis-open.org/wsfed/federation/200706\" xsi:type=\"fed:SecurityTokenServiceType\" protocolSupportEnumeration=\"http://docs.oasis-open.org/wsfed/federation/200706\"/>";
    let xml = idp_metadata_xml(&[cert], REDIRECT, wsfed, Some(&yesterday));
    judge_metadata(w, "vendor metadata", &xml, metadata::Role::Idp).await
}

#[then(expr = "the metadata rule {string} is {word}, saying {string}")]
async fn metadata_rule(
    w: &mut DsWorld,
    id: String,
    verdict: String,
    says: String,
) -> anyhow::Result<()> {
    let r = report(w)?;
    let rule = r
        .rule(&id)
        .with_context(|| format!("no rule {id}: {}", verdicts(r)))?;
    let want = match verdict.as_str() {
        "passed" => Verdict::Pass,
        "failed" => Verdict::Fail,
        "a warning" | "warned" => Verdict::Warn,
        other => return Err(anyhow!("unknown verdict {other}")),
    };
    ensure!(rule.outcome == want, "{id} is {:?}: {rule:?}", rule.outcome);
    let found = rule.found.as_deref().unwrap_or_default();
    ensure!(found.contains(&says), "{id} says {found:?}");
    if want != Verdict::Pass {
        ensure!(
            rule.hint.as_deref().is_some_and(|h| !h.is_empty()),
            "{id} has no fix"
        );
    }
    Ok(())
}

#[then("no metadata rule failed")]
async fn metadata_ok(w: &mut DsWorld) -> anyhow::Result<()> {
    let r = report(w)?;
    ensure!(r.failed() == 0, "{}", verdicts(r));
    ensure!(r.rules.len() >= 9, "only {} rules judged", r.rules.len());
    Ok(())
}

#[when("the vendor runs check-metadata on a web page that is not metadata")]
async fn metadata_not_xml(w: &mut DsWorld) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("page.html");
    std::fs::write(&file, "<!DOCTYPE html><html><body>Sign in</body></html>")?;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.arg("check-metadata").arg(&file);
    w.vendor_exit = Some(run_harness(cmd).await?);
    Ok(())
}

#[when(
    expr = "the vendor runs check-metadata on the identity provider's metadata URL as of {string}"
)]
async fn metadata_binary_url(w: &mut DsWorld, now: String) -> anyhow::Result<()> {
    let url = w.idp()?.metadata_url();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.args(["check-metadata", &url, "--now", &now, "--format", "json"]);
    w.vendor_exit = Some(run_harness(cmd).await?);
    Ok(())
}

// ---------------------------------------------------------------- harness report

#[when(
    expr = "the vendor saves the Response the identity provider posted as {string}, captured as {word}"
)]
async fn save_capture(w: &mut DsWorld, name: String, shape: String) -> anyhow::Result<()> {
    let encoded = captured(w)?;
    let acs = w
        .saml_post
        .as_ref()
        .map(|(a, _)| a.clone())
        .unwrap_or_default();
    let text = as_input(&encoded, &shape, &acs)?;
    if w.vendor_dir.is_none() {
        w.vendor_dir = Some(tempfile::tempdir()?);
    }
    let dir = w
        .vendor_dir
        .as_ref()
        .context("a folder")?
        .path()
        .join("captures");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), text)?;
    Ok(())
}

#[when("the vendor runs harness report on the saved captures")]
async fn run_report(w: &mut DsWorld) -> anyhow::Result<()> {
    let expect = expectations(w, false)?;
    let dir = w
        .vendor_dir
        .as_ref()
        .context("no captures saved")?
        .path()
        .to_owned();
    let cert = dir.join("idp.cer");
    std::fs::write(&cert, &expect.idp_certificate)?;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.arg("report")
        .arg(dir.join("captures"))
        .arg("--idp-cert")
        .arg(&cert)
        .args(["--idp-entity-id", &expect.idp_entity_id])
        .args(["--sp-entity-id", &expect.sp_entity_id])
        .args(["--acs", &expect.acs_url])
        .args(["--now", &expect.now.to_rfc3339()])
        .args(["--profile", "entra-id"])
        .arg("--junit")
        .arg(dir.join("out.xml"))
        .arg("--markdown")
        .arg(dir.join("out.md"));
    w.vendor_exit = Some(run_harness(cmd).await?);
    Ok(())
}

#[then(expr = "the Markdown summary lists {string} as {word}, and {string} as {word} for {string}")]
async fn markdown_lists(
    w: &mut DsWorld,
    ok_name: String,
    ok_verdict: String,
    bad_name: String,
    bad_verdict: String,
    rule: String,
) -> anyhow::Result<()> {
    let dir = w
        .vendor_dir
        .as_ref()
        .context("no report")?
        .path()
        .to_owned();
    let md = std::fs::read_to_string(dir.join("out.md"))?;
    let row = |name: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {name}: ")))
            .map(str::to_owned)
    };
    let ok = row(&ok_name).with_context(|| format!("no row for {ok_name}: {md}"))?;
    ensure!(ok.contains(&format!("| {ok_verdict} | none |")), "{ok}");
    let bad = row(&bad_name).with_context(|| format!("no row for {bad_name}: {md}"))?;
    ensure!(
        bad.contains(&format!("| {bad_verdict} | {rule} |")),
        "{bad}"
    );
    ensure!(
        md.contains(&format!("- **{rule}**")),
        "no detail for {rule}: {md}"
    );
    let junit = std::fs::read_to_string(dir.join("out.xml"))?;
    let doc = roxmltree::Document::parse(&junit)?;
    let suites = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .count();
    ensure!(suites == 2, "{suites} testsuites in {junit}");
    ensure!(
        doc.root_element().attribute("failures") == Some("1"),
        "{junit}"
    );
    Ok(())
}

// ---------------------------------------------------------------- external-IdP mode

#[when(expr = "the demo is wired to the identity provider's metadata as of {string}")]
async fn wire_from_metadata(w: &mut DsWorld, at: String) -> anyhow::Result<()> {
    let text = reqwest::get(w.idp()?.metadata_url()).await?.text().await?;
    let now = chrono::DateTime::parse_from_rfc3339(&at)?.with_timezone(&chrono::Utc);
    w.vendor_wired = Some(vendor::external::from_metadata(&text, now));
    Ok(())
}

#[then(
    "the SP would sign in at the identity provider's login URL, trusting its entity ID and certificate"
)]
async fn wired_as_idp(w: &mut DsWorld) -> anyhow::Result<()> {
    let idp = w.idp()?;
    let wired = w
        .vendor_wired
        .as_ref()
        .context("not wired")?
        .as_ref()
        .map_err(|e| anyhow!("wiring failed: {e}"))?;
    ensure!(wired.entity_id == idp.entity_id(), "{wired:?}");
    ensure!(
        wired.sso_url == idp.sso_url(),
        "{} vs {}",
        wired.sso_url,
        idp.sso_url()
    );
    ensure!(wired.slo_url == idp.slo_url(), "{wired:?}");
    ensure!(
        wired.certificate == idp.certificate().pem(),
        "another certificate"
    );
    Ok(())
}

#[then(expr = "the wiring is refused, saying {string}")]
async fn wiring_refused(w: &mut DsWorld, says: String) -> anyhow::Result<()> {
    match w.vendor_wired.as_ref().context("not wired")? {
        Ok(v) => Err(anyhow!("wired anyway: {v:?}")),
        Err(e) => {
            ensure!(e.contains(&says), "{e}");
            Ok(())
        }
    }
}

/// A child process killed when the scenario ends.
#[derive(Debug)]
pub struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cmd` and reads its standard output until a line containing `until`: the process has
/// bound its ports by then (each binary prints its banner after binding). Every line read.
async fn start_process(
    w: &mut DsWorld,
    mut cmd: std::process::Command,
    until: &'static str,
) -> anyhow::Result<Vec<String>> {
    use std::io::BufRead as _;
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().context("starting a process")?;
    let stdout = child.stdout.take().context("no stdout")?;
    w.vendor_processes.push(Process(child));
    tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line?;
            let done = line.contains(until);
            lines.push(line);
            if done {
                return Ok(lines);
            }
        }
        Err(anyhow!(
            "the process ended before printing {until:?}: {lines:?}"
        ))
    })
    .await?
}

fn banner_value(lines: &[String], label: &str) -> anyhow::Result<String> {
    lines
        .iter()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .map(|v| v.trim().trim_start_matches(':').trim().to_owned())
        .with_context(|| format!("no {label:?} in {lines:?}"))
}

#[given("a vendor's IdP runs as its own process")]
async fn vendor_idp_process(w: &mut DsWorld) -> anyhow::Result<()> {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_harness")).with_file_name("mock-idp");
    ensure!(
        bin.exists(),
        "{} is missing: cargo build -p mock-idp",
        bin.display()
    );
    let mut cmd = std::process::Command::new(bin);
    cmd.args(["--listen", "127.0.0.1:0"]);
    let lines = start_process(w, cmd, "metadata").await?;
    w.vendor_idp = Some((
        banner_value(&lines, "mock IdP (entra-id) at")?,
        banner_value(&lines, "metadata")?,
    ));
    Ok(())
}

#[given("the stack runs as its own process, wired to that IdP's metadata")]
async fn stack_process(w: &mut DsWorld) -> anyhow::Result<()> {
    let (_, metadata) = w.vendor_idp.clone().context("no vendor IdP")?;
    let data = tempfile::tempdir()?;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.arg("up")
        .args([
            "--sp-port",
            "0",
            "--idp-port",
            "0",
            "--google-port",
            "0",
            "--apple-port",
            "0",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .args(["--idp-metadata", &metadata]);
    let lines = start_process(w, cmd, "Press Ctrl-C").await?;
    let sp = banner_value(&lines, "DigitalSuite reference SP:")?;
    let account = w.account()?.to_owned();
    ensure!(
        lines.iter().any(|l| l.contains("External IdP")),
        "not in external-IdP mode: {lines:?}"
    );
    // The vendor registers the SP at the IdP with the values the banner printed.
    let identifier = banner_value(&lines, "Identifier (Entity ID) :")?;
    let reply = banner_value(&lines, "Reply URL (ACS)        :")?;
    ensure!(identifier == format!("{sp}/live/{account}"), "{identifier}");
    let (idp, _) = w.vendor_idp.clone().context("no vendor IdP")?;
    let r = super::plain_client()
        .post(format!("{idp}/control/apps"))
        .json(&serde_json::json!({"identifier": identifier, "reply_urls": [reply]}))
        .send()
        .await?;
    ensure!(
        r.status() == 204,
        "registering the SP at the IdP: {}",
        r.status()
    );
    w.vendor_sp = Some((sp, data));
    Ok(())
}

#[when(expr = "the browser signs in through the vendor's IdP as {string} with password {string}")]
async fn external_sign_in(w: &mut DsWorld, user: String, password: String) -> anyhow::Result<()> {
    let (sp, _) = w.vendor_sp.as_ref().context("no stack process")?;
    let (idp, _) = w.vendor_idp.clone().context("no vendor IdP")?;
    let account = w.account()?.to_owned();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_only(std::iter::empty())
        .build()?;
    let start = client.get(format!("{sp}/live/{account}")).send().await?;
    ensure!(start.status() == 303, "the SP answered {}", start.status());
    let to_idp = start
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .context("no redirect")?
        .to_owned();
    ensure!(
        to_idp.starts_with(&idp),
        "redirected to {to_idp}, not the vendor's IdP {idp}"
    );
    let page = client.get(&to_idp).send().await?.text().await?;
    let pending = page
        .split("name=\"pending\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .with_context(|| format!("no login form: {page}"))?
        .to_owned();
    let posted = client
        .post(format!("{idp}/login"))
        .form(&[
            ("pending", pending.as_str()),
            ("username", &user),
            ("password", &password),
        ])
        .send()
        .await?
        .text()
        .await?;
    let (action, fields) = super::saml::saml_form(&posted)?;
    ensure!(action.starts_with(sp.as_str()), "the IdP posts to {action}");
    let acs = client.post(action).form(&fields).send().await?;
    let status = acs.status().as_u16();
    let location = acs
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = acs.text().await?;
    ensure!(
        status == 303 && location == format!("/live/{account}"),
        "the ACS answered {status} {location}: {body}"
    );
    let session = client
        .get(format!("{sp}/live/{account}/session?P_mode=LIVE"))
        .send()
        .await?
        .text()
        .await?;
    w.vendor_exit = Some((0, session));
    Ok(())
}

#[then(expr = "the SP's session is {string}'s")]
async fn external_session(w: &mut DsWorld, email: String) -> anyhow::Result<()> {
    let (_, session) = w.vendor_exit.as_ref().context("no sign-in")?;
    let json: serde_json::Value = serde_json::from_str(session)?;
    ensure!(json["user"]["email"] == email.as_str(), "{json}");
    Ok(())
}
