//! The `reference-sp` binary as a child process, for the measurements and tests that need the SP
//! in a process of its own: `harness load` (its memory is the SP's alone) and the SIGKILL
//! durability test (issue 10). The child listens on `127.0.0.1:0`; its address is read from its
//! log line once it listens, so nothing waits or guesses a port.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `reference-sp`; killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct Running {
    child: Child,
    base: String,
}

impl Running {
    /// Starts `binary` on `database`, seeded from `seed` if given, and returns once it listens.
    pub fn start(binary: &Path, database: &Path, seed: Option<&Path>) -> Result<Self, String> {
        let mut command = Command::new(binary);
        command
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--database")
            .arg(database)
            .env("RUST_LOG", "warn,reference_sp=info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(seed) = seed {
            command.arg("--seed").arg(seed);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = std::io::BufReader::new(stdout).lines();
        let base = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                let _ = child.wait();
                return Err("the SP exited before listening".into());
            };
            if let Some(at) = line.find("listening on http://") {
                let rest = &line[at + "listening on ".len()..];
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
            }
        };
        // Keep draining the log so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Self { child, base })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}
