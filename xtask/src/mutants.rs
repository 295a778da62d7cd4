//! `cargo xtask mutants`: cargo-mutants over the rule-relevant files of the reference SP, with
//! the feature suite as the test command (issue 11, item 5). Not part of CI: it takes hours.
//!
//! - What is tested is the committed `HEAD`, checked out in a git worktree under
//!   `target/mutants/tree` and mutated in place there, so the developer's tree is never touched
//!   and the worktree's build stays warm between runs (`target/mutants/target`).
//! - Each file is tested against the scenarios of its rules (a cucumber tag expression, below):
//!   a mutant those miss is then re-run against the whole suite with `--full`, so "missed" in
//!   the report always means "missed by every scenario" once a full pass has run.
//! - Runs are resumable: cargo-mutants' `--iterate` skips what an earlier run caught, and a
//!   ledger (`target/mutants/ledger.tsv`) keeps every outcome, so a time budget
//!   (`--budget-minutes`, default 60) can stop a run anywhere and the next one goes on.
//! - Equivalent mutants are excluded in `.cargo/mutants.toml`, each with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The cargo-mutants release this command is written against (`cargo install --locked`).
const VERSION: &str = "27.1.0";

const SAML_TAGS: &str = "@r-sa-1 or @r-sa-2 or @r-sa-3 or @r-sa-4 or @r-sa-5 or @r-sa-6 or \
     @r-sa-7 or @r-sa-8 or @r-sa-9 or @r-sa-10 or @r-sa-11 or @r-sg-3 or @r-en-1 or @r-en-2 or @r-prov-1 or \
     @r-prov-2 or @r-prov-3 or @r-ca-1 or @r-ca-2 or @r-ca-3 or @r-ven-1 or @r-ven-3";
const GOOGLE_TAGS: &str = "@r-go-1 or @r-go-2 or @r-go-3 or @r-go-4 or @r-go-5 or @r-go-6 or \
     @r-prov-1 or @r-prov-2 or @r-prov-3";
const APPLE_TAGS: &str = "@r-apple-1 or @r-apple-2 or @r-apple-3 or @r-apple-4";
const PASSWORD_TAGS: &str = "@r-pw-1 or @r-pw-2 or @r-pw-3 or @r-pw-4 or @r-pw-5 or @r-pw-6 or \
     @r-acc-6 or @csrf";
const PROVISIONING_TAGS: &str = "@r-prov-1 or @r-prov-2 or @r-prov-3";
const REQUEST_TAGS: &str = "@r-sa-6 or @r-sa-9 or @r-go-6 or @r-apple-4";
const SIGNING_TAGS: &str = "@r-sg-1 or @r-sg-2 or @r-sg-3 or @r-sg-4";

/// The files in scope and the scenarios that speak for their rules.
const SCOPE: &[(&str, &str)] = &[
    // ACS validation (R-SA-2, R-SA-4..6) and the SAML flows: ACS, requests, SLO, configuration.
    ("reference-sp/src/signin/saml/acs.rs", SAML_TAGS),
    // The rule recorder the ACS and the vendor report share (R-SA-6, R-VEN-1).
    ("reference-sp/src/signin/saml/checks.rs", SAML_TAGS),
    ("reference-sp/src/signin/saml/mod.rs", SAML_TAGS),
    ("reference-sp/src/signin/saml/request.rs", SAML_TAGS),
    ("reference-sp/src/signin/saml/slo.rs", SAML_TAGS),
    ("reference-sp/src/signin/saml/config.rs", SAML_TAGS),
    // Google's ID-token checks, hd and triggers (R-GO-*).
    ("reference-sp/src/signin/google.rs", GOOGLE_TAGS),
    // Apple identity token, nonce and code redemption (R-APPLE-*).
    ("reference-sp/src/signin/apple.rs", APPLE_TAGS),
    // Password check and lockout (R-PW-*), sessions (R-ACC-6).
    ("reference-sp/src/signin/password.rs", PASSWORD_TAGS),
    ("reference-sp/src/signin/session.rs", PASSWORD_TAGS),
    // Auto-provisioning (R-PROV-*), for SAML and Google.
    ("reference-sp/src/signin/provisioning.rs", PROVISIONING_TAGS),
    // The one outstanding-request lifecycle (R-SA-6, R-GO-6, R-APPLE-4).
    ("reference-sp/src/store/requests.rs", REQUEST_TAGS),
    // The certificate API (R-SG-*).
    ("reference-sp/src/http/certificates.rs", SIGNING_TAGS),
];

#[derive(Debug)]
struct Options {
    budget: Duration,
    full: bool,
    files: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        budget: Duration::from_secs(60 * 60),
        full: false,
        files: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--budget-minutes" => {
                let v = it.next().ok_or("--budget-minutes needs a number")?;
                let m: u64 = v
                    .parse()
                    .map_err(|_| format!("--budget-minutes: not a number: {v:?}"))?;
                o.budget = Duration::from_secs(m * 60);
            }
            "--full" => o.full = true,
            f if !f.starts_with('-') => {
                if !SCOPE.iter().any(|(s, _)| *s == f) {
                    return Err(format!(
                        "{f} is not in scope; the files are:\n  {}",
                        SCOPE
                            .iter()
                            .map(|(s, _)| *s)
                            .collect::<Vec<_>>()
                            .join("\n  ")
                    ));
                }
                o.files.push(f.to_owned());
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let work = root.join("target/mutants");
    ensure_tool()?;
    enough_disk(&root)?;
    let tree = worktree(&root, &work)?;
    let deadline = Instant::now() + o.budget;
    let mut ledger = Ledger::load(&work.join("ledger.tsv"));
    let mut out_of_time = false;
    for (file, rule_tags) in SCOPE {
        // Real-browser scenarios are left to `--full`: a mutant that breaks a flow leaves each
        // in-flight browser scenario waiting out its 15 s element timeouts (a caught mutant took
        // 55 s to test instead of 16 s), and every rule they touch has an HTTP scenario too.
        let tags = &format!("({rule_tags}) and not @browser");
        if !o.files.is_empty() && !o.files.iter().any(|f| f == file) {
            continue;
        }
        if Instant::now() >= deadline {
            out_of_time = true;
            break;
        }
        let slug = file.replace(['/', '.'], "_");
        let out = work.join("out").join(&slug);
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        // The vendor scenarios start the mock IdP as its own process (features/vendor/
        // external_idp.feature); `cargo test -p harness` builds only the harness's binaries.
        let mut bins = crate::cargo();
        bins.current_dir(&tree)
            .env("CARGO_TARGET_DIR", work.join("target"))
            .args(["build", "-q", "-p", "mock-idp"]);
        if !must_pass(&mut bins, deadline, "cargo build -p mock-idp failed")? {
            out_of_time = true;
            break;
        }
        // Our own baseline: cargo-mutants 27 runs its baseline on the mutated package's tests,
        // not on `test_package`, so it is skipped there and run here (it also warms the build).
        let mut baseline = crate::cargo();
        baseline
            .current_dir(&tree)
            .env("CARGO_TARGET_DIR", work.join("target"))
            .args(["test", "-q", "-p", "harness", "--test", "features"]);
        if !o.full {
            baseline.args(["--", "--tags", tags]);
        }
        eprintln!("xtask: baseline for {file}: the unmutated suite must pass");
        if !must_pass(
            &mut baseline,
            deadline,
            "the suite fails on the unmutated tree",
        )? {
            out_of_time = true;
            break;
        }
        let mut cmd = crate::cargo();
        cmd.current_dir(&tree)
            .env("CARGO_TARGET_DIR", work.join("target"))
            // In place (in the worktree): one mutant at a time, on the warm build.
            .args([
                "mutants",
                "--in-place",
                "--iterate",
                "--no-shuffle",
                "--baseline",
                "skip",
            ])
            .args(["--timeout", "600", "--build-timeout", "900"])
            .args(["--file", file, "--output"])
            .arg(&out)
            // A caught mutant needs one red scenario: stop there (halves a caught mutant's time).
            .args(["--", "--test", "features", "--", "--fail-fast"]);
        if !o.full {
            cmd.args(["--tags", tags]);
        }
        eprintln!(
            "xtask: mutants of {file} against {}",
            if o.full { "the whole suite" } else { tags }
        );
        // What an earlier run left there, in case it was killed before it could be absorbed
        // (cargo-mutants' `previously_caught.txt` mixes caught with unviable, so it is not read).
        ledger.absorb(&out.join("mutants.out"));
        let finished = run_until(&mut cmd, deadline)?;
        ledger.absorb(&out.join("mutants.out"));
        ledger.save(&work.join("ledger.tsv"))?;
        match finished {
            // 0: all caught, 2: some missed, 3: some timed out (the outcomes are in the ledger);
            // any other exit is an error (usage, internal).
            Some(status) if matches!(status.code(), Some(0 | 2 | 3)) => {}
            Some(status) => return Err(format!("cargo mutants failed: {status}")),
            None => {
                out_of_time = true;
                break;
            }
        }
    }
    report(&tree, &work, &ledger, out_of_time)
}

/// The mutants' own build (`target/mutants/target`: every dependency optimised, with debug
/// info) takes about 30 GB beside the developer's `target/debug`; a full disk fails the
/// baseline half-way and can leave the machine without room to run anything.
const MIN_FREE_GIB: u64 = 40;

fn enough_disk(root: &Path) -> Result<(), String> {
    let out = Command::new("df")
        .args(["-Pk"])
        .arg(root)
        .output()
        .map_err(|e| format!("df: {e}"))?;
    let free_gib = free_kib(&String::from_utf8_lossy(&out.stdout))
        .ok_or("cannot read df's answer")?
        / (1024 * 1024);
    if free_gib < MIN_FREE_GIB {
        return Err(format!(
            "only {free_gib} GiB free on the disk of {}; the mutants' build needs about \
             {MIN_FREE_GIB} GiB beside target/debug (cargo clean, or remove target/mutants/target)",
            root.display()
        ));
    }
    Ok(())
}

/// The "Available" column (KiB) of `df -Pk PATH`'s one data line.
fn free_kib(df: &str) -> Option<u64> {
    df.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()
}

fn ensure_tool() -> Result<(), String> {
    let have = crate::cargo()
        .args(["mutants", "--version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(VERSION))
        .unwrap_or(false);
    if !have {
        eprintln!("xtask: installing cargo-mutants {VERSION}");
        crate::run(crate::cargo().args([
            "install",
            "--locked",
            &format!("cargo-mutants@{VERSION}"),
        ]))?;
    }
    Ok(())
}

/// A detached worktree at `HEAD`, reused between runs so its build stays warm.
fn worktree(root: &Path, work: &Path) -> Result<PathBuf, String> {
    let tree = work.join("tree");
    let head = git(root, &["rev-parse", "HEAD"])?;
    if tree.join(".git").exists() {
        // Drop anything an interrupted run left mutated, then move to HEAD.
        git(&tree, &["checkout", "--detach", "--force", head.trim()])?;
    } else {
        std::fs::create_dir_all(work).map_err(|e| e.to_string())?;
        let _ = git(root, &["worktree", "prune"]);
        git(
            root,
            &[
                "worktree",
                "add",
                "--detach",
                &tree.to_string_lossy(),
                head.trim(),
            ],
        )?;
    }
    eprintln!("xtask: testing commit {}", head.trim());
    Ok(tree)
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!("git {args:?} failed in {}", dir.display()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `cmd` to the deadline: `Ok(true)` when it succeeded, `Ok(false)` when the deadline
/// stopped it, `Err(failure)` when it failed.
fn must_pass(cmd: &mut Command, deadline: Instant, failure: &str) -> Result<bool, String> {
    match run_until(cmd, deadline)? {
        Some(status) if status.success() => Ok(true),
        Some(_) => Err(failure.into()),
        None => Ok(false),
    }
}

/// Runs `cmd` in its own process group; at the deadline the whole group is stopped.
/// `None`: stopped by the deadline; otherwise how it exited.
fn run_until(cmd: &mut Command, deadline: Instant) -> Result<Option<ExitStatus>, String> {
    use std::os::unix::process::CommandExt as _;
    let mut child = cmd
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            eprintln!("xtask: time budget used up; stopping");
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Every outcome seen, by mutant name (`file:line:col: replace ...`).
#[derive(Debug, Default)]
struct Ledger(BTreeMap<String, String>);

const OUTCOMES: &[(&str, &str)] = &[
    ("caught.txt", "caught"),
    ("missed.txt", "missed"),
    ("timeout.txt", "timeout"),
    ("unviable.txt", "unviable"),
];

impl Ledger {
    fn load(path: &Path) -> Self {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        Ledger(
            text.lines()
                .filter_map(|l| l.split_once('\t'))
                .map(|(o, n)| (n.to_owned(), o.to_owned()))
                .collect(),
        )
    }

    fn absorb(&mut self, out: &Path) {
        for (file, outcome) in OUTCOMES {
            let text = std::fs::read_to_string(out.join(file)).unwrap_or_default();
            for name in text.lines().filter(|l| !l.is_empty()) {
                self.0.insert(name.to_owned(), (*outcome).to_owned());
            }
        }
    }

    fn save(&self, path: &Path) -> Result<(), String> {
        let text: String = self.0.iter().map(|(n, o)| format!("{o}\t{n}\n")).collect();
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Per file: the mutants cargo-mutants lists now (after exclusions), each with its outcome.
fn report(tree: &Path, work: &Path, ledger: &Ledger, out_of_time: bool) -> Result<(), String> {
    let mut rows = Vec::new();
    let mut missed = Vec::new();
    for (file, _) in SCOPE {
        let out = crate::cargo()
            .current_dir(tree)
            .env("CARGO_TARGET_DIR", work.join("target"))
            .args(["mutants", "--list", "--file", file])
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cargo mutants --list: {e}"))?;
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for name in String::from_utf8_lossy(&out.stdout).lines() {
            let outcome = ledger.0.get(name).map_or("untested", String::as_str);
            *counts.entry(outcome).or_default() += 1;
            if outcome == "missed" {
                missed.push(name.to_owned());
            }
        }
        rows.push((*file, counts));
    }
    let mut text = String::from(
        "file                                     caught missed timeout unviable untested\n",
    );
    let mut total = [0usize; 5];
    for (file, c) in &rows {
        let v = ["caught", "missed", "timeout", "unviable", "untested"]
            .map(|k| c.get(k).copied().unwrap_or(0));
        for (t, n) in total.iter_mut().zip(v) {
            *t += n;
        }
        text.push_str(&format!(
            "{file:<40} {:>6} {:>6} {:>7} {:>8} {:>8}\n",
            v[0], v[1], v[2], v[3], v[4]
        ));
    }
    text.push_str(&format!(
        "{:<40} {:>6} {:>6} {:>7} {:>8} {:>8}\n",
        "total", total[0], total[1], total[2], total[3], total[4]
    ));
    if !missed.is_empty() {
        text.push_str("\nmissed:\n");
        for m in &missed {
            text.push_str(&format!("  {m}\n"));
        }
    }
    if out_of_time || total[4] > 0 {
        text.push_str(
            "\nincomplete: run `cargo xtask mutants` again to go on where this stopped\n",
        );
    }
    print!("{text}");
    let _ = std::fs::write(work.join("report.txt"), &text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_read_from_df() {
        let df = "Filesystem     1024-blocks      Used Available Capacity Mounted on\n\
                  /dev/vda        264091960 199535116  51066380      80% /\n";
        assert_eq!(free_kib(df), Some(51_066_380));
        assert_eq!(free_kib("Filesystem\n"), None);
        assert_eq!(free_kib(""), None);
    }

    #[test]
    fn options_take_a_budget_files_in_scope_and_full() {
        let o = parse(&[
            "--budget-minutes".into(),
            "5".into(),
            "--full".into(),
            "reference-sp/src/signin/apple.rs".into(),
        ])
        .unwrap();
        assert_eq!(o.budget, Duration::from_secs(300));
        assert!(o.full);
        assert_eq!(o.files, ["reference-sp/src/signin/apple.rs"]);
        assert!(parse(&["reference-sp/src/main.rs".into()]).is_err());
        assert!(parse(&["--budget-minutes".into(), "soon".into()]).is_err());
    }

    #[test]
    fn the_ledger_keeps_the_latest_outcome_of_each_mutant() {
        let dir = std::env::temp_dir().join(format!("xtask-ledger-{}", std::process::id()));
        let out = dir.join("mutants.out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("missed.txt"), "a.rs:1:1: replace f\n").unwrap();
        std::fs::write(out.join("caught.txt"), "a.rs:2:1: replace g\n").unwrap();
        let mut l = Ledger::default();
        l.absorb(&out);
        std::fs::write(out.join("missed.txt"), "").unwrap();
        std::fs::write(out.join("caught.txt"), "a.rs:1:1: replace f\n").unwrap();
        l.absorb(&out);
        l.save(&dir.join("ledger.tsv")).unwrap();
        let back = Ledger::load(&dir.join("ledger.tsv"));
        assert_eq!(back.0["a.rs:1:1: replace f"], "caught");
        assert_eq!(back.0["a.rs:2:1: replace g"], "caught");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
