//! `harness probe-sp` (issue 16, item 2; R-VEN-5): the mock IdP, with its fault catalogue, plays
//! the IdP of ANY SAML service provider and reports, fault by fault, whether the SP can be
//! fooled.
//!
//! - A genuine sign-in runs first (the control). It must sign the IdP's user in; the identity
//!   the SP reports then is what "the right user" means for every case after it.
//! - Each fault runs from a fresh cookie jar: GET the start URL, follow it to the IdP (the
//!   Redirect or the POST binding), let the IdP answer with the fault applied, post its form to
//!   the ACS as a browser does, follow the SP's redirects, then ask the "who am I" URL.
//! - Verdicts, against the catalogue's expected outcome ([`mock_idp::Expect`]): refused when it
//!   should be is PASS; signed in as the control's user when it should have been refused is
//!   FAIL; signed in as anybody else is FAIL-CRITICAL (the attacker chose who); a case whose
//!   browser never reached the ACS, or that timed out, is INCONCLUSIVE. For a valid variant
//!   (`Expect::Accept`) the sign-in must succeed, and a refusal is FAIL (too strict).
//! - Safety: every URL the probe opens (start, redirects, form actions, ACS, who am I,
//!   metadata) must be on loopback or a host the tester allowed by name; each case has a time
//!   limit, the run a time budget, and every body read is capped.

pub mod cli;
pub mod render;
pub mod third_party;

use crate::forms::auto_post_form;
use anyhow::{Context, bail, ensure};
use mock_idp::{Expect, Fault, FaultClass, MockIdp};
use serde::Serialize;
use std::time::{Duration, Instant};
use url::Url;

/// The probe IdP's tenant (Entra tenant, Okta app, Google `idpid`): fixed, so an SP is
/// configured once for every run.
pub const TENANT: &str = "7e1f3c2a-5b4d-4e6f-8a9b-0c1d2e3f4a5b";

/// The IdP user every case signs in; the XSW faults name `root@contoso.com` in the copy
/// they inject.
pub const USER: &str = "B.Simon@contoso.com";

/// Redirects followed at most, from the start URL and after the ACS.
const MAX_HOPS: usize = 10;

/// The most of any one answer the probe reads.
const MAX_BODY: usize = 1024 * 1024;

/// How the probe tells who is signed in from the "who am I" answer.
#[derive(Debug, Clone)]
pub enum IdentityRule {
    /// The first capture group of the regex (or the whole match, without a group).
    Regex(regex::Regex),
    /// A JSON pointer into the answer (RFC 6901); a number or boolean is written as JSON.
    Pointer(String),
}

impl IdentityRule {
    /// Who the answer names; `None` when it names nobody.
    pub fn identity(&self, body: &str) -> Option<String> {
        let found = match self {
            Self::Regex(re) => {
                let c = re.captures(body)?;
                c.get(1).or_else(|| c.get(0))?.as_str().to_owned()
            }
            Self::Pointer(p) => {
                let v: serde_json::Value = serde_json::from_str(body).ok()?;
                match v.pointer(p)? {
                    serde_json::Value::Null => return None,
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                }
            }
        };
        (!found.is_empty()).then_some(found)
    }
}

/// The service provider under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// The SP's entity ID: its AuthnRequests' Issuer and the Audience the IdP sends.
    pub entity_id: String,
    /// The SP's AssertionConsumerService URL (HTTP-POST).
    pub acs: String,
    /// A URL whose GET starts a sign-in: it leads the browser to the IdP.
    pub start: String,
    /// A URL whose GET says who is signed in (a non-2xx answer means nobody).
    pub whoami: String,
    pub identity: IdentityRule,
}

/// Bounds and choices of a run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Hosts beyond loopback the probe may open, exactly as written in the URLs.
    pub allowed_hosts: Vec<String>,
    /// Only these faults or classes (empty: all).
    pub only: Vec<String>,
    /// Not these faults or classes.
    pub skip: Vec<String>,
    pub case_timeout: Duration,
    /// The whole run's budget; cases left when it is spent are not run.
    pub budget: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            allowed_hosts: Vec::new(),
            only: Vec::new(),
            skip: Vec::new(),
            case_timeout: Duration::from_secs(10),
            budget: Duration::from_secs(300),
        }
    }
}

/// What one case found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The SP did what a correct SP does.
    Pass,
    /// The SP accepted a message it must refuse (as the right user), or refused a valid one.
    Fail,
    /// The SP signed in somebody other than the IdP's user: the attacker chose who.
    FailCritical,
    /// The case could not be judged: the control failed, the browser never reached the ACS,
    /// or a time limit was hit.
    Inconclusive,
    /// Not run, with the reason.
    NotRun,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::FailCritical => "FAIL-CRITICAL",
            Self::Inconclusive => "INCONCLUSIVE",
            Self::NotRun => "NOT-RUN",
        }
    }
}

/// One case of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// The fault's catalogue name, or `control`.
    pub name: String,
    pub class: String,
    /// What a correct SP does: `refuse <the reference SP's code>` or `accept`.
    pub expect: String,
    pub verdict: Verdict,
    /// Who the SP said was signed in afterwards.
    pub signed_in_as: Option<String>,
    /// What happened, in a sentence (the ACS status, why it is inconclusive).
    pub detail: String,
    /// Where the attack is documented.
    pub source: String,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub idp_entity_id: String,
    pub profile: String,
    pub sp_entity_id: String,
    pub acs: String,
    pub control: Case,
    pub cases: Vec<Case>,
}

impl Report {
    pub fn count(&self, v: Verdict) -> usize {
        self.cases.iter().filter(|c| c.verdict == v).count()
    }

    /// 0: every case run passed; 1: a case failed; 2: the SP could not be judged (the control
    /// failed, or a case was inconclusive).
    pub fn exit_code(&self) -> i32 {
        if self.count(Verdict::Fail) + self.count(Verdict::FailCritical) > 0 {
            1
        } else if self.control.verdict != Verdict::Pass || self.count(Verdict::Inconclusive) > 0 {
            2
        } else {
            0
        }
    }
}

fn name<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The faults a run takes, in catalogue order; an unknown name or class is an error that lists
/// the classes.
pub fn select(only: &[String], skip: &[String]) -> anyhow::Result<Vec<Fault>> {
    let matches = |f: &Fault, sel: &str| name(f) == sel || name(f.info().class) == sel;
    for sel in only.iter().chain(skip) {
        if !Fault::ALL.iter().any(|f| matches(f, sel)) {
            let mut classes: Vec<String> =
                Fault::ALL.iter().map(|f| name(f.info().class)).collect();
            classes.sort();
            classes.dedup();
            bail!(
                "no fault or class {sel:?} (the classes are {}; `harness faults` lists the faults)",
                classes.join(", ")
            );
        }
    }
    Ok(Fault::ALL
        .iter()
        .copied()
        .filter(|f| only.is_empty() || only.iter().any(|s| matches(f, s)))
        .filter(|f| !skip.iter().any(|s| matches(f, s)))
        .collect())
}

/// Whether the probe may open `url`: http(s), on loopback or an allowed host.
pub fn check_url(url: &Url, allowed: &[String]) -> anyhow::Result<()> {
    ensure!(
        matches!(url.scheme(), "http" | "https"),
        "{url}: only http and https URLs are opened"
    );
    let ok = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    } || url
        .host_str()
        .is_some_and(|h| allowed.iter().any(|a| a == h));
    ensure!(
        ok,
        "{url}: the host is neither loopback nor allowed (--allow-host {})",
        url.host_str().unwrap_or_default()
    );
    Ok(())
}

/// How the browser got to the IdP.
enum ToIdp {
    Get(Url),
    Post(Url, Vec<(String, String)>),
}

/// What the SP did with one sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    SignedIn {
        who: String,
        acs_status: u16,
        /// The NameID the IdP asserted, as signed (`None`: unreadable, taken as [`USER`]).
        asserted: Option<String>,
    },
    NotSignedIn {
        acs_status: u16,
    },
    /// The case never reached the point of judging (why).
    Broken(String),
}

/// The probe: the attack-capable IdP and the browser that runs the cases.
#[derive(Debug)]
pub struct Probe {
    idp: MockIdp,
}

impl Probe {
    /// A probe around an IdP already registered with the target's entity ID and ACS.
    pub fn with_idp(idp: MockIdp) -> Self {
        Self { idp }
    }

    pub fn idp(&self) -> &MockIdp {
        &self.idp
    }

    /// The control, then each selected fault.
    pub async fn run(&self, target: &Target, o: &Options) -> anyhow::Result<Report> {
        let faults = select(&o.only, &o.skip)?;
        for url in [&target.start, &target.whoami, &target.acs] {
            check_url(
                &Url::parse(url).with_context(|| url.to_string())?,
                &o.allowed_hosts,
            )?;
        }
        let deadline = Instant::now() + o.budget;
        let control_outcome = self.attempt(None, target, o).await;
        let control = control_case(&control_outcome);
        let expected = match &control_outcome {
            Outcome::SignedIn { who, .. } => Some(who.clone()),
            _ => None,
        };
        let mut cases = Vec::with_capacity(faults.len());
        for fault in faults {
            let info = fault.info();
            let mut case = Case {
                name: name(fault),
                class: name(info.class),
                expect: match info.expect {
                    Expect::Refuse(code) => format!("refuse {code}"),
                    Expect::Accept => "accept".into(),
                },
                verdict: Verdict::NotRun,
                signed_in_as: None,
                detail: String::new(),
                source: info.source.to_owned(),
            };
            let Some(expected) = &expected else {
                case.verdict = Verdict::Inconclusive;
                case.detail = "the control sign-in did not sign the user in".into();
                cases.push(case);
                continue;
            };
            if info.class == FaultClass::Logout {
                case.detail = "logout messages are not probed yet: it takes the SP's logout \
                               URL and a way to start a sign-out"
                    .into();
                cases.push(case);
                continue;
            }
            if Instant::now() >= deadline {
                case.detail = format!("the run's budget of {} s was spent", o.budget.as_secs());
                cases.push(case);
                continue;
            }
            // A replay resends what the SP accepted last: a fresh genuine sign-in goes first.
            if matches!(
                fault,
                Fault::ReplayPreviousResponse | Fault::AssertionRewrapped
            ) {
                let fresh = self.attempt(None, target, o).await;
                if !matches!(&fresh, Outcome::SignedIn { who, .. } if who == expected) {
                    case.verdict = Verdict::Inconclusive;
                    case.detail = "the genuine sign-in the replay needs did not succeed".into();
                    cases.push(case);
                    continue;
                }
            }
            let outcome = self.attempt(Some(fault), target, o).await;
            judge(&mut case, info.expect, expected, &outcome);
            cases.push(case);
        }
        Ok(Report {
            idp_entity_id: self.idp.entity_id(),
            profile: self.idp.profile().name().to_owned(),
            sp_entity_id: target.entity_id.clone(),
            acs: target.acs.clone(),
            control,
            cases,
        })
    }

    /// One sign-in from a fresh cookie jar, within the case's time limit. The IdP's queues are
    /// emptied before and after, so a case the IdP never answered leaves nothing behind.
    async fn attempt(&self, fault: Option<Fault>, t: &Target, o: &Options) -> Outcome {
        self.idp.clear_queues();
        let outcome = match tokio::time::timeout(o.case_timeout, self.sign_in(fault, t, o)).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => Outcome::Broken(format!("{e:#}")),
            Err(_) => Outcome::Broken(format!(
                "no outcome within the case's {} s",
                o.case_timeout.as_secs()
            )),
        };
        self.idp.clear_queues();
        outcome
    }

    async fn sign_in(
        &self,
        fault: Option<Fault>,
        t: &Target,
        o: &Options,
    ) -> anyhow::Result<Outcome> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(o.case_timeout)
            .build()?;
        let idp = Url::parse(self.idp.base_url())?;
        let allowed = &o.allowed_hosts;
        // 1. The start URL, to the IdP.
        let mut url = Url::parse(&t.start)?;
        let mut hops = 0;
        let to_idp = loop {
            check_url(&url, allowed)?;
            let resp = client.get(url.clone()).send().await?;
            let status = resp.status();
            if status.is_redirection() {
                let next = location(&resp, &url)?;
                if next.origin() == idp.origin() {
                    break ToIdp::Get(next);
                }
                hops += 1;
                ensure!(
                    hops <= MAX_HOPS,
                    "more than {MAX_HOPS} redirects from the start URL"
                );
                url = next;
                continue;
            }
            let body = read_capped(resp).await?;
            if let Ok((action, fields)) = auto_post_form(&body, "SAMLRequest") {
                let action = url.join(&action)?;
                if action.origin() == idp.origin() {
                    break ToIdp::Post(action, fields);
                }
            }
            bail!(
                "the start URL ended at {status} without sending the browser to the IdP \
                 (is the SP configured with this IdP's SSO URL?)"
            );
        };
        // 2. The IdP signs the user in and answers, with the fault.
        self.idp.enqueue_login(USER)?;
        if let Some(f) = fault {
            self.idp.enqueue_fault(f)?;
        }
        let resp = match to_idp {
            ToIdp::Get(u) => client.get(u).send().await?,
            ToIdp::Post(u, fields) => client.post(u).form(&fields).send().await?,
        };
        let status = resp.status();
        let body = read_capped(resp).await?;
        ensure!(
            status.is_success(),
            "the IdP refused the SP's AuthnRequest: {} (are the SP's entity ID and ACS the \
             ones given to the probe?)",
            idp_error(&body)
        );
        let (action, fields) = auto_post_form(&body, "SAMLResponse")?;
        let asserted = self.idp.last_asserted_name_id();
        // 3. The browser posts the form to the ACS and follows the SP.
        let mut url = Url::parse(&action)?;
        check_url(&url, allowed)?;
        let resp = client.post(url.clone()).form(&fields).send().await?;
        let acs_status = resp.status().as_u16();
        let mut resp = resp;
        for _ in 0..MAX_HOPS {
            if !resp.status().is_redirection() {
                break;
            }
            let next = location(&resp, &url)?;
            // Back to the IdP (an SP starting over): the outcome is already decided.
            if next.origin() == idp.origin() || check_url(&next, allowed).is_err() {
                break;
            }
            url = next;
            resp = client.get(url.clone()).send().await?;
        }
        drop(read_capped(resp).await);
        // 4. Who is signed in now.
        let whoami = Url::parse(&t.whoami)?;
        let resp = client.get(whoami).send().await?;
        let ok = resp.status().is_success();
        let body = read_capped(resp).await?;
        Ok(match ok.then(|| t.identity.identity(&body)).flatten() {
            Some(who) => Outcome::SignedIn {
                who,
                acs_status,
                asserted,
            },
            None => Outcome::NotSignedIn { acs_status },
        })
    }
}

fn control_case(outcome: &Outcome) -> Case {
    let (verdict, signed_in_as, detail) = match outcome {
        Outcome::SignedIn {
            who, acs_status, ..
        } => (
            Verdict::Pass,
            Some(who.clone()),
            format!("signed in (the ACS answered {acs_status})"),
        ),
        Outcome::NotSignedIn { acs_status } => (
            Verdict::Inconclusive,
            None,
            format!(
                "the genuine Response signed nobody in (the ACS answered {acs_status}): is the \
                 SP configured with this IdP's certificate, and does it know {USER}?"
            ),
        ),
        Outcome::Broken(why) => (Verdict::Inconclusive, None, why.clone()),
    };
    Case {
        name: "control".into(),
        class: "control".into(),
        expect: "accept".into(),
        verdict,
        signed_in_as,
        detail,
        source: "a genuine sign-in, as the IdP's profile sends it".into(),
    }
}

/// `control` is who the SP said the control signed in: the SP's name for [`USER`]. A case whose
/// IdP asserted another NameID (a space, a comment inside it, another format) is judged against
/// that NameID as signed; signing in anybody else means the SP read an identity the signature
/// does not vouch for (a wrapped copy, a comment that cut the name, a name folded onto another).
fn judge(case: &mut Case, expect: Expect, control: &str, outcome: &Outcome) {
    let (verdict, detail) = match (outcome, expect) {
        (Outcome::Broken(why), _) => (Verdict::Inconclusive, why.clone()),
        (Outcome::NotSignedIn { acs_status }, Expect::Refuse(_)) => (
            Verdict::Pass,
            format!("refused (the ACS answered {acs_status})"),
        ),
        (Outcome::NotSignedIn { acs_status }, Expect::Accept) => (
            Verdict::Fail,
            format!("a valid Response was refused (the ACS answered {acs_status})"),
        ),
        (
            Outcome::SignedIn {
                who,
                acs_status,
                asserted,
            },
            _,
        ) => {
            let asserted = asserted.as_deref().unwrap_or(USER);
            let right = if asserted == USER { control } else { asserted };
            // Quoted and escaped: the names these faults produce differ by a space, a
            // newline or an invisible character.
            if who != right {
                (
                    Verdict::FailCritical,
                    format!(
                        "signed in as {who:?}, but the IdP signed {asserted:?} (the ACS \
                         answered {acs_status})"
                    ),
                )
            } else if let Expect::Refuse(_) = expect {
                let who = if asserted == USER {
                    String::new()
                } else {
                    format!(" as {who:?}, the NameID as signed")
                };
                (
                    Verdict::Fail,
                    format!("accepted: signed in{who} (the ACS answered {acs_status})"),
                )
            } else {
                (
                    Verdict::Pass,
                    format!("accepted, as it should be (the ACS answered {acs_status})"),
                )
            }
        }
    };
    case.verdict = verdict;
    case.detail = detail;
    if let Outcome::SignedIn { who, .. } = outcome {
        case.signed_in_as = Some(who.clone());
    }
}

/// The `Location` of a redirect, resolved against the URL that answered.
fn location(resp: &reqwest::Response, base: &Url) -> anyhow::Result<Url> {
    let loc = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .context("a redirect without Location")?
        .to_str()
        .context("a Location that is not text")?;
    Ok(base.join(loc)?)
}

/// The mock IdP's error code on its error page (`data-code`), or the status.
fn idp_error(body: &str) -> String {
    body.split("data-code=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("an error page")
        .to_owned()
}

async fn read_capped(mut resp: reqwest::Response) -> anyhow::Result<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        buf.extend_from_slice(&chunk);
        ensure!(
            buf.len() <= MAX_BODY,
            "an answer larger than {MAX_BODY} bytes"
        );
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_and_skip_take_names_and_classes_and_an_unknown_one_says_what_exists() {
        let time = select(&["time".into()], &[]).unwrap();
        assert!(time.contains(&Fault::Expired));
        assert!(time.iter().all(|f| f.info().class == FaultClass::Time));
        let no_unsigned = select(&[], &["unsigned".into()]).unwrap();
        assert_eq!(no_unsigned.len(), Fault::ALL.len() - 1);
        assert!(!no_unsigned.contains(&Fault::Unsigned));
        let err = select(&["timing".into()], &[]).unwrap_err().to_string();
        assert!(err.contains("the classes are addressing"), "{err}");
    }

    #[test]
    fn only_loopback_and_allowed_hosts_are_opened() {
        let ok = |u: &str, allowed: &[&str]| {
            let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
            check_url(&Url::parse(u).unwrap(), &allowed).is_ok()
        };
        assert!(ok("http://127.0.0.1:8080/acs", &[]));
        assert!(ok("http://127.3.4.5/acs", &[]));
        assert!(ok("http://[::1]:80/acs", &[]));
        assert!(ok("http://localhost:3000/", &[]));
        assert!(!ok("https://sp.example.com/acs", &[]));
        assert!(ok("https://sp.example.com/acs", &["sp.example.com"]));
        assert!(!ok(
            "https://sp.example.com.evil.example/",
            &["sp.example.com"]
        ));
        assert!(!ok("http://localhost.evil.example/", &[]));
        assert!(!ok("ftp://127.0.0.1/", &[]));
        assert!(!ok("http://10.0.0.1/", &[]));
    }

    #[test]
    fn identity_comes_from_the_first_group_or_a_json_pointer_and_empty_is_nobody() {
        let re = IdentityRule::Regex(regex::Regex::new("Signed in as ([^<]+)<").unwrap());
        assert_eq!(
            re.identity("<p>Signed in as b@x.example</p>").as_deref(),
            Some("b@x.example")
        );
        assert_eq!(re.identity("<p>Not signed in</p>"), None);
        let p = IdentityRule::Pointer("/user".into());
        assert_eq!(p.identity(r#"{"user":"b@x"}"#).as_deref(), Some("b@x"));
        assert_eq!(p.identity(r#"{"user":null}"#), None);
        assert_eq!(p.identity(r#"{"user":""}"#), None);
        assert_eq!(p.identity(r#"{"user":7}"#).as_deref(), Some("7"));
        assert_eq!(p.identity("not json"), None);
    }

    #[test]
    fn verdicts_follow_the_expected_outcome_and_who_signed_in() {
        // The SP calls the control's user "b@x"; the IdP asserted USER unless told otherwise.
        let run = |expect, outcome: Outcome| {
            let mut c = control_case(&Outcome::Broken(String::new()));
            judge(&mut c, expect, "b@x", &outcome);
            c.verdict
        };
        let signed_in = |who: &str, asserted: Option<&str>| Outcome::SignedIn {
            who: who.into(),
            acs_status: 303,
            asserted: asserted.map(str::to_owned),
        };
        let refuse = Expect::Refuse("saml_x");
        let right = || signed_in("b@x", Some(USER));
        let other = || signed_in("root@x", Some(USER));
        let nobody = || Outcome::NotSignedIn { acs_status: 403 };
        assert_eq!(run(refuse, nobody()), Verdict::Pass);
        assert_eq!(run(refuse, right()), Verdict::Fail);
        assert_eq!(run(refuse, other()), Verdict::FailCritical);
        assert_eq!(run(Expect::Accept, right()), Verdict::Pass);
        assert_eq!(run(Expect::Accept, nobody()), Verdict::Fail);
        assert_eq!(run(Expect::Accept, other()), Verdict::FailCritical);
        // An unreadable NameID is taken as the IdP's user.
        assert_eq!(run(refuse, signed_in("b@x", None)), Verdict::Fail);
        // Another NameID asserted: signed in as exactly that is accepting it; signed in as the
        // control's user is a name folded (a trim, a comment that cut it) onto another user.
        let odd = " B.Simon@contoso.com";
        assert_eq!(run(refuse, signed_in(odd, Some(odd))), Verdict::Fail);
        assert_eq!(
            run(refuse, signed_in("b@x", Some(odd))),
            Verdict::FailCritical
        );
        assert_eq!(
            run(refuse, Outcome::Broken("timeout".into())),
            Verdict::Inconclusive
        );
    }
}
