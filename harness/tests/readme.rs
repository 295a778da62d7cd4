//! The README walked as written (issue 15, item 5): every fenced `sh` block is marked, on the
//! line before it, `<!-- readme: run NAME -->` or `<!-- readme: not run: REASON -->`; the run
//! ones go, in README order, through bash (`-euo pipefail`, so a `grep` that finds nothing
//! fails the block) against `harness up` started exactly as `cargo xtask up` starts it, from a
//! fresh working folder. What each prints is snapshotted (`snapshots/readme__NAME.snap`), with
//! the ports the stack got shown as the README's and per-run values (IDs, tokens, times)
//! masked, so an example whose answer changes, or a command that stops working, fails here.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The README's default addresses, in the order `harness up` prints its servers.
const README_ADDRS: [&str; 4] = [
    "127.0.0.1:8080",
    "127.0.0.1:8081",
    "127.0.0.1:8082",
    "127.0.0.1:8083",
];

/// The banner line naming each server's base URL, in the order of `README_ADDRS`.
const BANNER_PREFIXES: [&str; 4] = [
    "DigitalSuite reference SP: http://",
    "Mock SAML IdP (Entra ID profile): http://",
    "Mock Google: http://",
    "Mock Apple: http://",
];

/// `cargo run [..] -p harness -- ARGS` in a block runs the harness binary this test was built
/// with (cargo cannot run inside `cargo test`); any other cargo command fails the block.
const CARGO_SHIM: &str = r#"cargo() {
  if [ "${1:-}" != run ]; then echo "readme test: only 'cargo run ... -p harness -- ...' runs here" >&2; return 97; fi
  local pkg=""
  while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
    if [ "$1" = -p ]; then pkg="${2:-}"; fi
    shift
  done
  if [ "$pkg" != harness ] || [ "$#" -eq 0 ]; then echo "readme test: not a harness command" >&2; return 97; fi
  shift
  "$HARNESS_BIN" "$@"
}
"#;

#[derive(Debug, PartialEq)]
enum Mark {
    Run(String),
    NotRun,
}

#[derive(Debug)]
struct Block {
    line: usize,
    mark: Mark,
    body: String,
}

/// Every ```sh block with its mark; an unmarked block, a mark without a name or a reason, or a
/// name used twice is an error naming the README line.
fn sh_blocks(readme: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```sh" {
            i += 1;
            continue;
        }
        let line = i + 1;
        let before = i.checked_sub(1).map(|j| lines[j].trim()).unwrap_or("");
        let mark = before
            .strip_prefix("<!-- readme: ")
            .and_then(|m| m.strip_suffix("-->"))
            .map(str::trim)
            .ok_or(format!(
                "README.md:{line}: the sh block has no `<!-- readme: run NAME -->` or \
                 `<!-- readme: not run: REASON -->` on the line before it"
            ))?;
        let mark = if let Some(name) = mark.strip_prefix("run ") {
            let name = name.trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("README.md:{line}: a run name is [A-Za-z0-9_]+"));
            }
            Mark::Run(name.to_owned())
        } else if let Some(reason) = mark.strip_prefix("not run:") {
            if reason.trim().is_empty() {
                return Err(format!("README.md:{line}: `not run:` says why"));
            }
            Mark::NotRun
        } else {
            return Err(format!("README.md:{line}: unknown readme mark {mark:?}"));
        };
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_end() == "```")
            .ok_or(format!("README.md:{line}: the block is not closed"))?;
        let body = lines[i + 1..end].join("\n") + "\n";
        if let Mark::Run(name) = &mark
            && blocks
                .iter()
                .any(|b: &Block| matches!(&b.mark, Mark::Run(n) if n == name))
        {
            return Err(format!(
                "README.md:{line}: the run name {name} is used twice"
            ));
        }
        blocks.push(Block { line, mark, body });
        i = end + 1;
    }
    Ok(blocks)
}

/// `harness up` on ports the system chooses, killed when dropped.
struct Stack {
    child: Child,
    /// The address each server got, in the order of `README_ADDRS`.
    addrs: [String; 4],
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Stack {
    /// Starts it in `dir` (its store lands in `dir/target/harness-demo`, as the README's
    /// `unlock` example expects) and reads the banner up to "Press Ctrl-C to stop.".
    fn start(dir: &Path) -> Stack {
        let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(["up", "--sp-port", "0", "--idp-port", "0"])
            .args(["--google-port", "0", "--apple-port", "0"])
            .current_dir(dir)
            .env_remove("HARNESS_CONFIG")
            .env_remove("HARNESS_DATA_DIR")
            .env_remove("HARNESS_HOST")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("stack.log")).expect("the stack's log"))
            .spawn()
            .expect("harness up starts");
        let stdout = child.stdout.take().expect("piped");
        let mut addrs: [Option<String>; 4] = Default::default();
        let mut banner = String::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.expect("the banner is text");
            banner.push_str(&line);
            banner.push('\n');
            for (slot, prefix) in addrs.iter_mut().zip(BANNER_PREFIXES) {
                if let Some(addr) = line.strip_prefix(prefix) {
                    *slot = Some(addr.trim_end_matches('/').to_owned());
                }
            }
            if line == "Press Ctrl-C to stop." {
                break;
            }
        }
        let log = std::fs::read_to_string(dir.join("stack.log")).unwrap_or_default();
        let addrs = addrs.map(|a| {
            a.unwrap_or_else(|| panic!("the banner names every server:\n{banner}\nlog:\n{log}"))
        });
        Stack { child, addrs }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_owned()
}

/// Runs one block in `dir` against `stack`; its standard output, with the stack's real
/// addresses shown as the README's.
fn run_block(block: &Block, dir: &Path, stack: &Stack) -> String {
    let mut script = block.body.clone();
    for (readme, real) in README_ADDRS.iter().zip(&stack.addrs) {
        script = script.replace(readme, real);
    }
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &format!("{CARGO_SHIM}\n{script}")])
        .current_dir(dir)
        .env("HARNESS_BIN", env!("CARGO_BIN_EXE_harness"))
        .env_remove("HARNESS_DATA_DIR")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("bash runs");
    let mut stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    for (readme, real) in README_ADDRS.iter().zip(&stack.addrs) {
        stdout = stdout.replace(real, readme);
    }
    assert!(
        out.status.success(),
        "README.md:{}: the block exited {:?}\n--- block\n{}--- stdout\n{stdout}--- stderr\n{}",
        block.line,
        out.status.code(),
        block.body,
        String::from_utf8_lossy(&out.stderr),
    );
    stdout
}

/// What changes from run to run in the examples' answers, masked in the snapshots.
fn per_run_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        // Times the stack's real clock stamps (created_at, last_login, expiry...).
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "[time]",
        ),
        // The certificate the SP makes for a key given alone: signed over the real clock's
        // start, so its bytes change with each run (a fixed clock's are a scenario's check).
        (
            r#"(<p:certificate generated="self-signed"[^>]*>)-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----"#,
            "$1[a certificate made at run time]",
        ),
        // What check-metadata counts from today to a certificate's end.
        (r"\(\d+ days left\)", "([n] days left)"),
        // A SAMLRequest and its signature, deflated and random per request.
        (r"(SAMLRequest|Signature|RelayState)=[^&\s]+", "$1=[..]"),
        // Session and request tokens, nonces, authorization codes.
        (
            r#""(token|nonce|cookie_value|id_token|code)":"[^"]*""#,
            r#""$1":"[..]""#,
        ),
    ]
}

#[test]
fn every_sh_block_is_marked() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let blocks = sh_blocks(&readme).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        blocks
            .iter()
            .filter(|b| matches!(b.mark, Mark::Run(_)))
            .count()
            >= 5,
        "the README's runnable examples are run"
    );
}

#[test]
fn marks_are_parsed_strictly() {
    let ok = "<!-- readme: run one -->\n```sh\necho 1\n```\n<!-- readme: not run: needs nightly -->\n```sh\nx\n```\n";
    let blocks = sh_blocks(ok).expect("valid marks");
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].mark, Mark::Run("one".into()));
    assert_eq!(blocks[0].body, "echo 1\n");
    assert_eq!(blocks[1].mark, Mark::NotRun);
    for (bad, says) in [
        ("text\n```sh\necho\n```\n", "has no"),
        (
            "<!-- readme: run -->\n```sh\necho\n```\n",
            "unknown readme mark",
        ),
        ("<!-- readme: run a b -->\n```sh\necho\n```\n", "run name"),
        ("<!-- readme: not run: -->\n```sh\necho\n```\n", "says why"),
        ("<!-- readme: run a -->\n```sh\necho\n", "not closed"),
        (
            "<!-- readme: run a -->\n```sh\n```\n<!-- readme: run a -->\n```sh\n```\n",
            "used twice",
        ),
    ] {
        let err = sh_blocks(bad).expect_err(bad);
        assert!(err.contains(says), "{bad:?}: {err}");
    }
}

#[test]
fn readme_examples_run_as_written() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let blocks = sh_blocks(&readme).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("a working folder");
    // The examples name committed files by their path from the workspace root.
    for committed in ["fixtures", "harness"] {
        std::os::unix::fs::symlink(workspace_root().join(committed), dir.path().join(committed))
            .expect("committed files linked");
    }
    let stack = Stack::start(dir.path());
    for block in &blocks {
        let Mark::Run(name) = &block.mark else {
            continue;
        };
        let printed = run_block(block, dir.path(), &stack);
        let mut settings = insta::Settings::clone_current();
        for (pattern, replacement) in per_run_filters() {
            settings.add_filter(pattern, replacement);
        }
        settings.set_description(format!("README.md:{}\n{}", block.line, block.body));
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name.as_str(), printed));
    }
}
