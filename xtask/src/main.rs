//! Project automation, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! - `deps`: make sure the Debian packages the build needs are installed (apt-get as root,
//!   otherwise print the exact command and fail), and the npm packages of the node-saml SP the
//!   probe is tested against (`npm ci`, pinned by its lock file).
//! - `up [ARGS]`: deps, then start the whole stack with its embedded demo configuration
//!   (`harness up`, which takes ARGS).
//! - `test`: deps, `cargo fmt --check`, `cargo clippy --all-targets -D warnings`,
//!   `cargo test --workspace`, then one closing line `N passed, N failed` that totals every
//!   libtest test and every cucumber scenario.
//! - `mutants [--budget-minutes N] [--full] [FILE...]`: cargo-mutants over the rule-relevant
//!   files with the feature suite as the test command (`mutants.rs`); not part of `test`.
//! - `fixtures [--check]`: writes each fixture certificate from its key by its recipe (rcgen,
//!   `protocol/examples/fixtures.rs`), or only checks they match; a protocol test checks too.
//! - `bench [ARGS]`: the SAML criterion benchmarks, then each row as a ratio to its
//!   cryptographic floor measured in the same run (`bench.rs`); not part of `test`.
//!
//! Std only, so this builds on a machine that has none of the system packages yet.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};

mod bench;
mod mutants;

/// Debian packages the workspace needs: samael's xmlsec bindings are generated with bindgen
/// (libclang) and link libxmlsec1, libxml2 and OpenSSL found through pkg-config; the SP's HTTPS
/// client (rustls with the platform verifier) trusts Debian's CA store; the real-browser
/// scenarios need Chromium and its WebDriver.
const SYSTEM_PACKAGES: &[&str] = &[
    "libclang-dev",
    "libxmlsec1-dev",
    "libxml2-dev",
    "libssl-dev",
    "pkg-config",
    "ca-certificates",
    // The `@browser` scenarios: headless Chromium driven over WebDriver (issue 15).
    "chromium",
    "chromium-driver",
    // The README's examples, run as written by harness/tests/readme.rs: curl, the openssl
    // command line and python3 (the Apple example's JSON).
    "curl",
    "openssl",
    "python3",
    // `harness probe-sp` is proven against a python3-saml SP (harness/third-party, issue 16).
    "python3-onelogin-saml2",
    // PyJWT verifies the token mocks' ID tokens (harness/tests/interop.rs, issue 17).
    "python3-jwt",
];

/// The node-saml SP the probe is proven against: its npm packages, pinned by package-lock.json.
const NODE_SAML_DIR: &str = "harness/third-party/node-saml";

const USAGE: &str = "usage: cargo xtask <command> [ARGS]

commands:
  deps     install the missing Debian packages the build and the tests need
  up       build and start the whole stack (SP with its demo account and the mocks);
           ARGS go to `harness up`, with or without a leading --: cargo xtask up --sp-port 9410
  test     fmt, clippy, then every test and scenario; the last line is `N passed, N failed`
  mutants  [--budget-minutes N] [--full] [FILE...]: mutation testing (hours; not in CI)
  bench    [CRITERION ARGS]: the SAML benchmarks, each as a ratio to its floor
  fixtures [--check]: remake the fixture certificates from their keys (rcgen), or check them
";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let mut rest: Vec<String> = args.collect();
    // `cargo xtask up -- --sp-port 9410` works as `cargo xtask up --sp-port 9410` does.
    if rest.first().is_some_and(|a| a == "--") {
        rest.remove(0);
    }
    let result = match command.as_str() {
        "deps" => deps(),
        "up" => deps().and_then(|()| up(&rest)),
        "test" => deps().and_then(|()| test()),
        "mutants" => deps().and_then(|()| mutants::run(&rest)),
        "bench" => deps().and_then(|()| bench::run(&rest)),
        "fixtures" => deps().and_then(|()| {
            run(cargo()
                .args(["run", "-q", "-p", "protocol", "--example", "fixtures", "--"])
                .args(&rest))
        }),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        "" => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
        _ => {
            eprint!("{USAGE}");
            eprintln!("xtask: unknown command {command:?}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn deps() -> Result<(), String> {
    if std::env::var_os("XTASK_SKIP_DEPS").is_some() {
        eprintln!("xtask: XTASK_SKIP_DEPS set, not checking system packages");
        return Ok(());
    }
    debian_packages()?;
    npm_packages()
}

/// `npm ci` for the node-saml SP when its packages are missing or older than the lock file.
/// Node.js and npm come with the machine (Debian's own nodejs is older than node-saml needs).
fn npm_packages() -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join(NODE_SAML_DIR);
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if matches!((modified(&installed), modified(&lock)), (Some(i), Some(l)) if i >= l) {
        return Ok(());
    }
    if Command::new("npm").arg("--version").output().is_err() {
        return Err(format!(
            "npm not found: the node-saml SP in {NODE_SAML_DIR} needs Node.js 18 or later with npm"
        ));
    }
    eprintln!("xtask: npm ci in {NODE_SAML_DIR}");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir))
}

fn debian_packages() -> Result<(), String> {
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        return Err(format!(
            "dpkg-query not found: this is not a Debian system. Install the equivalents of {} \
             and rerun with XTASK_SKIP_DEPS=1",
            SYSTEM_PACKAGES.join(" ")
        ));
    }
    let missing: Vec<&str> = SYSTEM_PACKAGES
        .iter()
        .copied()
        .filter(|package| !installed(package))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root() {
        return Err(format!(
            "missing system packages: {}\nrun as root:\n  {install}",
            missing.join(" ")
        ));
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    let still: Vec<&str> = missing.into_iter().filter(|p| !installed(p)).collect();
    if still.is_empty() {
        Ok(())
    } else {
        Err(format!("apt-get did not install: {}", still.join(" ")))
    }
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .stderr(Stdio::null())
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed with {status}"))
    }
}

fn up(args: &[String]) -> Result<(), String> {
    // Cargo's own progress stays visible: the first build takes minutes (every dependency is
    // compiled optimised), and a silent terminal looks like a hang.
    eprintln!(
        "xtask: building the harness, then starting the stack (the first build takes minutes)"
    );
    run(cargo()
        .args([
            "run",
            "--package",
            "harness",
            "--bin",
            "harness",
            "--",
            "up",
        ])
        .args(args))
}

fn test() -> Result<(), String> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;

    let mut child = cargo()
        .args(["test", "--workspace"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start cargo test: {e}"))?;
    let mut tally = Tally::default();
    let stdout = child.stdout.take().ok_or("cargo test has no stdout")?;
    let mut out = std::io::stdout().lock();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading cargo test output: {e}"))?;
        let _ = writeln!(out, "{line}");
        tally.read(&line);
    }
    drop(out);
    let status = child
        .wait()
        .map_err(|e| format!("waiting for cargo test: {e}"))?;
    if !status.success() && tally.failed == 0 {
        // A build error or a crashed test binary: count it, so the closing line cannot read green.
        eprintln!("xtask: cargo test exited with {status} before reporting a failed test");
        tally.failed = 1;
    }
    println!();
    if tally.skipped > 0 {
        println!(
            "{} passed, {} failed, {} skipped",
            tally.passed, tally.failed, tally.skipped
        );
    } else {
        println!("{} passed, {} failed", tally.passed, tally.failed);
    }
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo test failed with {status}"))
    }
}

/// Totals of libtest's `test result:` lines and the cucumber runner's `features:` line.
#[derive(Debug, Default)]
struct Tally {
    passed: u64,
    failed: u64,
    skipped: u64,
}

impl Tally {
    fn read(&mut self, raw: &str) {
        let line = strip_ansi(raw);
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test result: ") {
            // "ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s"
            for part in rest.split(['.', ';']) {
                self.add(part);
            }
        } else if let Some(rest) = line.strip_prefix("features: ") {
            // "N passed, N failed, N skipped, in T s wall" (the wall time counts nothing)
            for part in rest.split(',') {
                self.add(part);
            }
        }
    }

    fn add(&mut self, part: &str) {
        let mut words = part.split_whitespace();
        let (Some(n), Some(what)) = (words.next(), words.next()) else {
            return;
        };
        let Ok(n) = n.parse::<u64>() else { return };
        match what {
            "passed" => self.passed += n,
            "failed" => self.failed += n,
            "skipped" | "ignored" => self.skipped += n,
            _ => {}
        }
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI sequence: ESC [ ... final byte in @..~
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) && c != '[' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_libtest_and_cucumber_lines() {
        let mut t = Tally::default();
        t.read("test result: ok. 12 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.20s");
        t.read("test result: FAILED. 1 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out");
        t.read("\u{1b}[1mfeatures: 40 passed, 1 failed, 0 skipped\u{1b}[0m");
        t.read("features: 2 passed, 0 failed, 0 skipped, in 12.5 s wall");
        t.read("running 3 tests");
        assert_eq!((t.passed, t.failed, t.skipped), (55, 4, 2));
    }
}
