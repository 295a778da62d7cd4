//! "Secrets never appear in logs", observed: every scenario's SP logs (down to `debug`) go
//! through this writer, which keeps each line that carries a secret pattern. The run fails if
//! any was seen (issue 11 item 3).

use std::io::Write;
use std::sync::Mutex;

/// What must never be written: key material, the scenarios' passwords, session cookies, JWTs
/// (ID tokens, Apple client secrets: they all start `eyJ`), and secrets logged as fields.
const PATTERNS: &[&str] = &[
    "PRIVATE KEY",
    "-Pass-2026",
    "wrong-password",
    "DS_SESSION_",
    "eyJ",
    "client_secret=",
    "password=",
    "Basic ",
];

/// The first lines found to carry a secret (bounded).
pub static LEAKS: Mutex<Vec<String>> = Mutex::new(Vec::new());
const MAX_KEPT: usize = 20;

#[derive(Debug, Default)]
pub struct Scanner(Vec<u8>);

impl Write for Scanner {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Scanner {
    // One Scanner per event: the whole formatted line is here when it is dropped.
    fn drop(&mut self) {
        let line = String::from_utf8_lossy(&self.0);
        if PATTERNS.iter().any(|p| line.contains(p)) {
            let mut leaks = LEAKS.lock().unwrap_or_else(|e| e.into_inner());
            if leaks.len() < MAX_KEPT {
                leaks.push(line.trim_end().to_owned());
            }
        }
    }
}

/// Installs the scanner as the process's subscriber: the SP and the mocks at `debug`.
pub fn install() {
    let filter = tracing_subscriber::EnvFilter::new(
        "warn,reference_sp=debug,mock_idp=debug,mock_google=debug,mock_apple=debug,mock_kit=debug",
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Scanner::default)
        .try_init();
}

pub fn leaks() -> Vec<String> {
    LEAKS.lock().unwrap_or_else(|e| e.into_inner()).clone()
}
