//! The cucumber runner over `features/` (`[[test]] harness = false`).
//!
//! `cargo test -p harness --test features` runs every scenario concurrently, each against its own
//! in-process stack; `-- --tags @r-pw-3` (any cucumber CLI option) filters. With
//! `FEATURES_JUNIT=<file>` a JUnit XML report is written too. The last line printed is
//! `features: N passed, N failed, N skipped, in T s wall` (scenarios), and the exit code is non-zero on any
//! failure, step without a matching function, or parse error.
//!
//! Scenarios tagged `@unsupported` (each with a comment giving the reason) are left out of a
//! run without `--tags` and counted as skipped (ARCHITECTURE.md example 9).

mod steps;

use cucumber::{World as _, WriterExt as _, event, gherkin, writer};
use futures::FutureExt as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use steps::DsWorld;

/// Scenario outcomes, counted by an after-hook so the tally is the same whatever writer runs.
#[derive(Debug, Default)]
struct Tally {
    passed: AtomicUsize,
    failed: AtomicUsize,
    skipped: AtomicUsize,
}

/// Longest a whole run may take; past it the run is reported failed instead of hanging CI.
const WATCHDOG: std::time::Duration = std::time::Duration::from_secs(15 * 60);

#[tokio::main]
async fn main() -> ExitCode {
    let started = std::time::Instant::now();
    steps::logcheck::install();
    // A plain thread, so it fires even if every runtime worker were stuck.
    std::thread::spawn(|| {
        std::thread::sleep(WATCHDOG);
        println!(
            "features: watchdog: the run took longer than {} s",
            WATCHDOG.as_secs()
        );
        println!("features: 0 passed, 1 failed, 0 skipped");
        steps::browser::stop_driver();
        std::process::exit(1);
    });
    let features = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../features");
    let tally = Arc::new(Tally::default());
    let counter = tally.clone();
    let skips = tally.clone();
    let supported = move |feature: &gherkin::Feature,
                          rule: Option<&gherkin::Rule>,
                          scenario: &gherkin::Scenario| {
        let unsupported = feature
            .tags
            .iter()
            .chain(rule.iter().flat_map(|r| &r.tags))
            .chain(&scenario.tags)
            .any(|t| t == "unsupported");
        if unsupported {
            skips.skipped.fetch_add(1, Ordering::Relaxed);
        }
        !unsupported
    };
    let cucumber = DsWorld::cucumber()
        .max_concurrent_scenarios(16)
        .after(move |feature, _, scenario, finished, world| {
            // FEATURES_TIMINGS=1: how long each scenario took, to find what dominates the run.
            if let Some(w) = world.as_deref()
                && std::env::var_os("FEATURES_TIMINGS").is_some()
            {
                eprintln!(
                    "timing: {:7.2} s  {}: {}",
                    w.started.elapsed().as_secs_f64(),
                    feature.name,
                    scenario.name
                );
            }
            let slot = match finished {
                event::ScenarioFinished::StepPassed => &counter.passed,
                // A step without a matching function: `fail_on_skipped` makes it a failure.
                event::ScenarioFinished::StepSkipped
                | event::ScenarioFinished::StepFailed(..)
                | event::ScenarioFinished::BeforeHookFailed(_) => &counter.failed,
            };
            slot.fetch_add(1, Ordering::Relaxed);
            // wiremock's MockServer blocks in its Drop (block_on of its verification); dropped
            // on a runtime worker while one of its requests is still in flight, it can deadlock
            // the worker. Drop it on the blocking pool instead.
            let failed = !matches!(finished, event::ScenarioFinished::StepPassed);
            let (composite, chromium, permit) = match world {
                Some(w) => (
                    w.composite.take(),
                    w.chromium.take(),
                    w.chromium_permit.take(),
                ),
                None => (None, None, None),
            };
            let name = scenario.name.clone();
            async move {
                if let Some(client) = chromium {
                    steps::browser::finish(client, &name, failed).await;
                }
                // The next scenario's browser starts once this one is closed.
                drop(permit);
                if let Some(server) = composite {
                    let _ = tokio::task::spawn_blocking(move || drop(server)).await;
                }
            }
            .boxed_local()
        })
        .fail_on_skipped();

    let has_failed = match std::env::var_os("FEATURES_JUNIT") {
        Some(path) => {
            let file = match std::fs::File::create(&path) {
                Ok(file) => file,
                Err(e) => {
                    eprintln!("features: cannot create JUnit report {path:?}: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let writer = cucumber
                .with_writer(
                    writer::Basic::raw(std::io::stdout(), writer::Coloring::Auto, 0)
                        .summarized()
                        .tee::<DsWorld, _>(writer::JUnit::for_tee(file, 0))
                        .normalized(),
                )
                .filter_run(features, supported)
                .await;
            writer::Stats::execution_has_failed(&writer)
        }
        None => {
            let writer = cucumber.filter_run(features, supported).await;
            writer::Stats::execution_has_failed(&writer)
        }
    };

    steps::browser::stop_driver();
    let passed = tally.passed.load(Ordering::Relaxed);
    let mut failed = tally.failed.load(Ordering::Relaxed);
    let skipped = tally.skipped.load(Ordering::Relaxed);
    if has_failed && failed == 0 && skipped == 0 {
        // A parse error or a failed hook outside any scenario: never report it as green.
        failed = 1;
    }
    let leaks = steps::logcheck::leaks();
    if !leaks.is_empty() {
        println!(
            "features: secrets were written to the log ({} lines, first shown):",
            leaks.len()
        );
        for line in &leaks {
            println!("  {line}");
        }
        failed += 1;
    }
    println!(
        "features: {passed} passed, {failed} failed, {skipped} skipped, in {:.1} s wall",
        started.elapsed().as_secs_f64()
    );
    if has_failed || failed > 0 || skipped > 0 || !leaks.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
