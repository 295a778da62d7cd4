//! Steps for `harness probe-sp` (R-VEN-5): the probe plays the scenario's mock IdP against the
//! reference SP, which must refuse every fault the catalogue says to refuse and accept every
//! valid variant, each from a fresh browser session.

use super::DsWorld;
use anyhow::{Context, ensure};
use cucumber::{given, then, when};
use harness::probe::third_party::{self, App};
use harness::probe::{IdentityRule, Options, Probe, Report, TENANT, Target, Verdict};
use mock_idp::{IdpConfig, IdpUser, MockIdp};
use std::sync::Arc;

impl DsWorld {
    fn probe_report(&self) -> anyhow::Result<&Report> {
        self.probe_report.as_ref().context("the probe has not run")
    }
}

async fn run(w: &mut DsWorld, mode: &str, only: Vec<String>) -> anyhow::Result<()> {
    let account = w.account()?.to_owned();
    let target = Target {
        entity_id: w.sp_entity_id()?,
        acs: w.acs_url(mode)?,
        start: w.stack.sp_url(&format!("/live/{account}?P_mode={mode}")),
        whoami: w
            .stack
            .sp_url(&format!("/live/{account}/session?P_mode={mode}")),
        identity: IdentityRule::Pointer("/user/email".into()),
    };
    // The probe plays the scenario's IdP, which the SP is configured with.
    let idp = w.idp.take().context("no mock IdP in this scenario")?;
    let options = Options {
        only,
        ..Options::default()
    };
    w.probe_report = Some(Probe::with_idp(idp).run(&target, &options).await?);
    Ok(())
}

#[when(expr = "the probe sends every fault to the reference SP's {word} mode")]
async fn probe_all(w: &mut DsWorld, mode: String) -> anyhow::Result<()> {
    run(w, &mode, Vec::new()).await
}

#[when(expr = "the probe sends the faults {string} to the reference SP's {word} mode")]
async fn probe_some(w: &mut DsWorld, only: String, mode: String) -> anyhow::Result<()> {
    let only = only.split(',').map(|s| s.trim().to_owned()).collect();
    run(w, &mode, only).await
}

/// A third-party SP (R-VEN-6) beside a mock IdP of its own, on the real clock: the libraries
/// read the system time.
#[given(
    expr = "the {word} service provider in its strictest configuration, behind a mock {word} IdP"
)]
async fn third_party_sp(w: &mut DsWorld, app: String, vendor: String) -> anyhow::Result<()> {
    let profile = harness::probe::cli::profile(&vendor)?;
    let config = IdpConfig {
        profile,
        tenant: TENANT.into(),
        apps: Vec::new(),
        users: vec![IdpUser::b_simon()],
    };
    let idp = MockIdp::start(
        config,
        Arc::new(protocol::SystemClock),
        Arc::new(protocol::RandomIds),
    )
    .await?;
    w.third_party_sp = Some(third_party::start(App::parse(&app)?, &idp).await?);
    w.idp = Some(idp);
    Ok(())
}

#[when(expr = "the probe sends the faults {string} to that service provider")]
async fn probe_third_party(w: &mut DsWorld, only: String) -> anyhow::Result<()> {
    let sp = w.third_party_sp.as_ref().context("no third-party SP")?;
    let idp = w.idp.take().context("no mock IdP in this scenario")?;
    let options = Options {
        only: only.split(',').map(|s| s.trim().to_owned()).collect(),
        ..Options::default()
    };
    w.probe_report = Some(Probe::with_idp(idp).run(&sp.target, &options).await?);
    Ok(())
}

#[then(expr = "the probe's control sign-in passed as {string}")]
async fn control_passed(w: &mut DsWorld, who: String) -> anyhow::Result<()> {
    let c = &w.probe_report()?.control;
    ensure!(
        c.verdict == Verdict::Pass && c.signed_in_as.as_deref() == Some(who.as_str()),
        "control: {} as {:?}: {}",
        c.verdict.label(),
        c.signed_in_as,
        c.detail
    );
    Ok(())
}

/// Every Response fault PASS; the logout faults, which the probe does not send yet, NOT-RUN.
#[then(
    expr = "every one of the {int} Response cases passed and the {int} logout cases were not run"
)]
async fn all_passed(w: &mut DsWorld, responses: usize, logouts: usize) -> anyhow::Result<()> {
    let r = w.probe_report()?;
    let bad: Vec<String> = r
        .cases
        .iter()
        .filter(|c| {
            let expected = if c.class == "logout" {
                Verdict::NotRun
            } else {
                Verdict::Pass
            };
            c.verdict != expected
        })
        .map(|c| format!("{} {}: {}", c.verdict.label(), c.name, c.detail))
        .collect();
    ensure!(
        bad.is_empty(),
        "cases the reference SP did not pass:\n{}",
        bad.join("\n")
    );
    ensure!(
        r.count(Verdict::Pass) == responses && r.count(Verdict::NotRun) == logouts,
        "{} passed and {} not run",
        r.count(Verdict::Pass),
        r.count(Verdict::NotRun)
    );
    ensure!(r.exit_code() == 0, "exit code {}", r.exit_code());
    Ok(())
}

#[then(expr = "the probe case {string} is {word}")]
async fn case_is(w: &mut DsWorld, name: String, verdict: String) -> anyhow::Result<()> {
    let r = w.probe_report()?;
    let c = r
        .cases
        .iter()
        .find(|c| c.name == name)
        .with_context(|| format!("no probe case {name}"))?;
    ensure!(
        c.verdict.label() == verdict,
        "{name}: {} ({})",
        c.verdict.label(),
        c.detail
    );
    Ok(())
}

#[then(expr = "the probe ran exactly {int} case(s)")]
async fn ran(w: &mut DsWorld, n: usize) -> anyhow::Result<()> {
    let got = w.probe_report()?.cases.len();
    ensure!(got == n, "{got} cases");
    Ok(())
}
