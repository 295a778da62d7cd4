//! Vendor mode's report pages (R-VEN-3): every SAML message that reaches the SP under
//! `harness up` (Responses, LogoutRequests, LogoutResponses), accepted or refused, is kept with
//! its report and shown at `/vendor/reports`, newest first, and one page per message, as plain
//! HTML and as JSON; `harness report` downloads them as JUnit and Markdown.
//!
//! A report is every rule of the message as the SP's own checks recorded them (the ACS's for a
//! Response, as `check-response` gives them; single logout's for a logout message), against the
//! mode's configuration at that instant, with the SP's actual answer as its last row: that row
//! also covers what only the SP's store can judge (the request this browser started, replay,
//! the user).
//!
//! Memory is bounded: the newest [`MAX_KEPT`] messages are kept, each message's printed form at
//! most [`MAX_PRINTED_BYTES`].

use super::{MessageReport, Profile, RuleResult, Verdict, render};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use mock_kit::html::escape;
use reference_sp::signin::saml::observe::{Binding, Kind, Observer, Received};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

/// Most messages kept; older ones are dropped, oldest first.
pub const MAX_KEPT: usize = 200;
/// Longest printed message kept in a report; the rest is cut with a note.
pub const MAX_PRINTED_BYTES: usize = 64 * 1024;
/// The id of the row that gives the SP's own answer.
pub const ANSWER_CHECK: &str = "sp.answer";

/// One message as the SP received and answered it, with its report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeptMessage {
    /// Its number, from 1, in arrival order.
    pub n: u64,
    pub at: DateTime<Utc>,
    pub account: String,
    pub mode: String,
    pub kind: Kind,
    pub binding: Binding,
    /// The SP's answer: `accepted`, or its error code.
    pub answer: String,
    pub report: MessageReport,
}

/// The kept messages; the SP's observer.
#[derive(Debug)]
pub struct Kept {
    base: String,
    /// Hints in this vendor's terms; `None`: told by each IdP's entity ID.
    profile: Option<Profile>,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    last: u64,
    messages: VecDeque<Arc<KeptMessage>>,
}

impl Kept {
    /// `base` is the SP's public URL, where the pages are served.
    pub fn new(base: &str, profile: Option<Profile>) -> Arc<Self> {
        Arc::new(Self {
            base: base.trim_end_matches('/').to_owned(),
            profile,
            inner: Mutex::default(),
        })
    }

    /// The kept messages, newest first.
    pub fn newest_first(&self) -> Vec<Arc<KeptMessage>> {
        self.lock().messages.iter().rev().cloned().collect()
    }

    fn get(&self, n: u64) -> Option<Arc<KeptMessage>> {
        self.lock().messages.iter().find(|m| m.n == n).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves the list whole: keep serving it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn keep(&self, build: impl FnOnce(u64) -> KeptMessage) -> u64 {
        let mut inner = self.lock();
        inner.last += 1;
        let n = inner.last;
        if inner.messages.len() == MAX_KEPT {
            inner.messages.pop_front();
        }
        inner.messages.push_back(Arc::new(build(n)));
        n
    }

    /// The pages: `/vendor/reports` (HTML), `/vendor/reports.json`, `.junit.xml`, `.md`, and
    /// `/vendor/reports/<n>` (HTML) or `/vendor/reports/<n>.json`.
    pub fn routes(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/vendor/reports", get(list_html))
            .route("/vendor/reports.json", get(list_json))
            .route("/vendor/reports.junit.xml", get(list_junit))
            .route("/vendor/reports.md", get(list_markdown))
            .route("/vendor/reports/{n}", get(one))
            .with_state(self.clone())
    }
}

impl Observer for Kept {
    fn received(&self, m: &Received<'_>) -> Option<String> {
        use reference_sp::error::Refusal as _;
        let answer = m.refusal.map_or("accepted", |e| e.code()).to_owned();
        let mut report = judge(m, self.profile);
        cap(&mut report.pretty);
        let n = self.keep(|n| {
            report.source = format!("message {n}: {} at {}", kind_name(m.kind), m.endpoint);
            KeptMessage {
                n,
                at: m.at,
                account: m.account.to_string(),
                mode: m.mode.to_string(),
                kind: m.kind,
                binding: m.binding,
                answer,
                report,
            }
        });
        Some(format!("{}/vendor/reports/{n}", self.base))
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Response => "Response",
        Kind::LogoutRequest => "LogoutRequest",
        Kind::LogoutResponse => "LogoutResponse",
    }
}

fn cap(printed: &mut String) {
    if printed.len() > MAX_PRINTED_BYTES {
        let mut end = MAX_PRINTED_BYTES;
        while !printed.is_char_boundary(end) {
            end -= 1;
        }
        printed.truncate(end);
        printed.push_str("\n[… cut: the message is longer than the report keeps]\n");
    }
}

/// The report of one received message: every rule as the SP's own checks recorded it, then
/// the SP's answer.
fn judge(m: &Received<'_>, profile: Option<Profile>) -> MessageReport {
    let profile = profile.or_else(|| m.config.and_then(|c| Profile::guess(&c.idp_entity_id)));
    let mut rules: Vec<RuleResult> = m
        .findings
        .iter()
        .map(|f| super::rule_result(f, profile))
        .collect();
    let decoded = m.encoded.and_then(|e| protocol::saml::post::decode(e).ok());
    let pretty = decoded
        .as_deref()
        .or(m.xml)
        .map(render::pretty_xml)
        .unwrap_or_default();
    let failed_before = rules.iter().any(|r| r.outcome == Verdict::Fail);
    rules.push(answer_row(m, failed_before));
    let (pass, fail) = match m.kind {
        Kind::Response => (
            "the reference SP accepted this Response",
            "the reference SP refused this Response",
        ),
        Kind::LogoutRequest => (
            "the reference SP accepted this LogoutRequest",
            "the reference SP refused this LogoutRequest",
        ),
        Kind::LogoutResponse => (
            "the reference SP accepted this LogoutResponse",
            "the reference SP refused this LogoutResponse",
        ),
    };
    MessageReport {
        source: String::new(),
        rules,
        pretty,
        verdict_pass: pass,
        verdict_fail: fail,
    }
}

fn answer_row(m: &Received<'_>, failed_before: bool) -> RuleResult {
    use reference_sp::error::Refusal as _;
    let (rule, clause, title) = match m.kind {
        Kind::Response => (
            "R-SA-4, R-SA-6",
            "saml-profiles §4.1.4.3, §4.1.4.5",
            "the SP accepts the Response: it answers the request this browser started, its assertion is new, its NameID is a user of the account",
        ),
        Kind::LogoutRequest => (
            "R-SA-9, R-SA-10",
            "saml-core §3.7.1, saml-profiles §4.4.4",
            "the SP accepts the LogoutRequest: from the IdP, to this logout URL, authenticated as configured, one NameID, used once",
        ),
        Kind::LogoutResponse => (
            "R-SA-5, R-SA-10",
            "saml-core §3.7.2, saml-profiles §4.4.4",
            "the SP accepts the LogoutResponse: from the IdP, to this logout URL, authenticated as configured, answering the SP's LogoutRequest from this browser, Status Success",
        ),
    };
    let (outcome, code, found, hint) = match m.refusal {
        None => (Verdict::Pass, None, None, None),
        Some(e) => {
            let hint = if failed_before {
                "Fix the failed rules above: the first of them decided the SP's answer.".to_owned()
            } else {
                answer_hint(m.kind, e.code())
            };
            (
                Verdict::Fail,
                Some(e.code()),
                Some(e.to_string()),
                Some(hint),
            )
        }
    };
    RuleResult {
        id: ANSWER_CHECK,
        rule,
        clause,
        title,
        outcome,
        code,
        found,
        hint,
    }
}

/// How to fix what the SP's answer refused, where no rule above says it.
fn answer_hint(kind: Kind, code: &str) -> String {
    let s = match code {
        "saml_not_configured" => {
            "Configure SAML for this mode of the account (the admin API's PUT /api/<account>/modes/<MODE>/saml)."
        }
        "saml_replayed_assertion" => {
            "Each assertion (and each LogoutRequest) is accepted once: issue a new one, with a new ID, for every sign-in or logout."
        }
        "saml_unknown_request" => {
            "The message answers no request the SP has outstanding: start at the SP's sign-on URL (/live/<account>); IdP-initiated or stale messages are refused."
        }
        "saml_request_other_browser" => {
            "The request was started in another browser, or the browser did not send the SP's request cookie with the IdP's POST: over plain http a cross-site POST carries no SameSite=Lax cookie; serve the SP over https (SameSite=None; Secure)."
        }
        "saml_request_expired" => "Answer within 10 minutes of the SP's request.",
        "saml_request_used" => {
            "That request was already answered once: start a new sign-in or logout."
        }
        "saml_unknown_user" => {
            "The NameID is no user of this account: add the user (exactly that email) in the SP, or turn on auto-provisioning for LIVE."
        }
        "saml_name_id_not_email" => "The NameID must be the user's email address exactly.",
        _ => match kind {
            Kind::Response => {
                "Read the found value and the clause: the SP refused the Response with this code."
            }
            _ => {
                "Read the found value and the clause: the SP refused the logout message with this code."
            }
        },
    };
    s.to_owned()
}

// ---------------------------------------------------------------- pages

type Shared = State<Arc<Kept>>;

fn page(title: &str, body: &str) -> Response {
    let html = mock_kit::html::page(title, body);
    (
        [(header::CONTENT_SECURITY_POLICY, reference_sp::PAGE_CSP)],
        Html(html),
    )
        .into_response()
}

fn verdict(m: &KeptMessage) -> &'static str {
    if m.answer == "accepted" {
        "accepted"
    } else {
        "refused"
    }
}

async fn list_html(State(kept): Shared) -> Response {
    let messages = kept.newest_first();
    let mut body = format!(
        "<h1>Conformance reports</h1>\n<p>Every SAML message the reference SP received, newest \
         first ({} kept, at most {MAX_KEPT}). Also as <a href=\"/vendor/reports.json\">JSON</a>, \
         <a href=\"/vendor/reports.junit.xml\">JUnit</a> and \
         <a href=\"/vendor/reports.md\">Markdown</a>.</p>\n",
        messages.len()
    );
    if messages.is_empty() {
        body.push_str("<p>No message yet: sign in at the SP's sign-on URL.</p>\n");
    } else {
        body.push_str(
            "<table>\n<caption>Messages received</caption>\n<thead><tr><th scope=\"col\">#</th>\
             <th scope=\"col\">received (UTC)</th><th scope=\"col\">message</th>\
             <th scope=\"col\">account, mode</th><th scope=\"col\">SP's answer</th>\
             <th scope=\"col\">failed rules</th></tr></thead>\n<tbody>\n",
        );
        for m in &messages {
            let _ = writeln!(
                body,
                "<tr><td><a href=\"/vendor/reports/{n}\">{n}</a></td><td>{}</td><td>{}</td>\
                 <td>{}, {}</td><td>{} (<code>{}</code>)</td><td>{}</td></tr>",
                m.at.format("%Y-%m-%d %H:%M:%S"),
                kind_name(m.kind),
                escape(&m.account),
                escape(&m.mode),
                verdict(m),
                escape(&m.answer),
                m.report.failed(),
                n = m.n,
            );
        }
        body.push_str("</tbody>\n</table>\n");
    }
    page("Conformance reports", &body)
}

async fn list_json(State(kept): Shared) -> Response {
    let messages = kept.newest_first();
    let refused = messages.iter().filter(|m| m.answer != "accepted").count();
    axum::Json(serde_json::json!({
        "kept": messages.len(),
        "refused": refused,
        "messages": messages.iter().map(|m| &**m).collect::<Vec<&KeptMessage>>(),
    }))
    .into_response()
}

/// The kept reports, oldest first, as the files `harness report` writes.
fn oldest_first(kept: &Kept) -> Vec<MessageReport> {
    let mut all: Vec<MessageReport> = kept
        .newest_first()
        .iter()
        .map(|m| m.report.clone())
        .collect();
    all.reverse();
    all
}

async fn list_junit(State(kept): Shared) -> Response {
    let body = render::render(&oldest_first(&kept), render::Format::Junit, false);
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn list_markdown(State(kept): Shared) -> Response {
    let body = render::markdown(&oldest_first(&kept));
    (
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn one(State(kept): Shared, Path(n): Path<String>) -> Response {
    let (number, json) = match n.strip_suffix(".json") {
        Some(number) => (number, true),
        None => (n.as_str(), false),
    };
    let Some(m) = number.parse::<u64>().ok().and_then(|n| kept.get(n)) else {
        return mock_kit::http::json_error(
            StatusCode::NOT_FOUND,
            "report_not_found",
            &format!("no kept report {n:?}: the newest {MAX_KEPT} messages are kept"),
        );
    };
    if json {
        return axum::Json(&*m).into_response();
    }
    page(&format!("Report {}", m.n), &report_html(&m))
}

fn report_html(m: &KeptMessage) -> String {
    let r = &m.report;
    let mut body = format!(
        "<p><a href=\"/vendor/reports\">All reports</a> · <a href=\"/vendor/reports/{n}.json\">\
         This report as JSON</a></p>\n<h1>Report {n}: {} {}</h1>\n<dl>\n<dt>Received</dt><dd>{} \
         UTC, {} binding</dd>\n<dt>Account, mode</dt><dd>{}, {}</dd>\n<dt>SP's answer</dt>\
         <dd><strong>{}</strong> (<code>{}</code>): {}</dd>\n</dl>\n",
        kind_name(m.kind),
        verdict(m),
        m.at.format("%Y-%m-%d %H:%M:%S"),
        match m.binding {
            Binding::Post => "HTTP-POST",
            Binding::Redirect => "HTTP-Redirect",
        },
        escape(&m.account),
        escape(&m.mode),
        verdict(m),
        escape(&m.answer),
        escape(if r.failed() == 0 {
            r.verdict_pass
        } else {
            r.verdict_fail
        }),
        n = m.n,
    );
    body.push_str(
        "<h2>Rules</h2>\n<table>\n<thead><tr><th scope=\"col\">result</th>\
         <th scope=\"col\">check</th><th scope=\"col\">rule</th><th scope=\"col\">clause</th>\
         <th scope=\"col\">requires</th><th scope=\"col\">found</th><th scope=\"col\">fix</th>\
         </tr></thead>\n<tbody>\n",
    );
    for x in &r.rules {
        let result = match x.outcome {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Warn => "WARN",
            Verdict::NotChecked => "not checked",
        };
        let found = match (x.found.as_deref(), x.code) {
            (Some(f), Some(c)) => format!("{} (<code>{}</code>)", escape(f), escape(c)),
            (Some(f), None) => escape(f),
            _ => String::new(),
        };
        let _ = writeln!(
            body,
            "<tr><td>{result}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{found}</td><td>{}</td></tr>",
            escape(x.id),
            escape(x.rule),
            escape(x.clause),
            escape(x.title),
            escape(x.hint.as_deref().unwrap_or_default()),
        );
    }
    body.push_str("</tbody>\n</table>\n");
    if !r.pretty.is_empty() {
        body.push_str(
            "<h2>Message</h2>\n<p>Lines marked S are inside a signed element.</p>\n<pre>",
        );
        body.push_str(&escape(&r.pretty));
        body.push_str("</pre>\n");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_bounded_and_keeps_the_newest() {
        let kept = Kept::new("http://sp", None);
        for _ in 0..MAX_KEPT + 5 {
            kept.keep(|n| KeptMessage {
                n,
                at: chrono::DateTime::UNIX_EPOCH,
                account: "1".into(),
                mode: "LIVE".into(),
                kind: Kind::Response,
                binding: Binding::Post,
                answer: "accepted".into(),
                report: MessageReport {
                    source: String::new(),
                    rules: Vec::new(),
                    pretty: String::new(),
                    verdict_pass: "",
                    verdict_fail: "",
                },
            });
        }
        let all = kept.newest_first();
        assert_eq!(all.len(), MAX_KEPT);
        assert_eq!(all[0].n, (MAX_KEPT + 5) as u64);
        assert!(kept.get(5).is_none(), "the oldest went first");
        assert!(kept.get(6).is_some());
    }

    #[test]
    fn a_long_message_is_cut_on_a_character_boundary() {
        let mut s = "é".repeat(MAX_PRINTED_BYTES);
        cap(&mut s);
        assert!(s.len() < MAX_PRINTED_BYTES + 100);
        assert!(s.ends_with("keeps]\n"));
    }
}
