//! `harness load`: password logins under load against a reference SP in its own process
//! (issue 10 item 1, R-PW-1).
//!
//! Starts the `reference-sp` binary on a temporary store seeded with one user, fires `logins`
//! correct password logins with at most `concurrency` in flight (each from its own client: GET
//! the login page, POST it back as a browser would), and meanwhile reads a cheap protected page
//! in a loop. It reports the SP's peak resident memory (`VmHWM`, Linux), the outcome of every
//! login, and latency percentiles of both. This is a measurement, not a test: it fails only when
//! a request fails in a way other than the SP's documented `overloaded` answer.

use anyhow::bail;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const ACCOUNT: &str = "1";
const EMAIL: &str = "load@contoso.com";
const PASSWORD: &str = "Load-Test-2026";

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub sp_binary: PathBuf,
    pub logins: usize,
    pub concurrency: usize,
}

/// What was measured.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub rss_start_kib: u64,
    pub rss_peak_kib: u64,
    pub rss_end_kib: u64,
    pub logins_ok: usize,
    pub logins_overloaded: usize,
    pub failures: Vec<String>,
    pub login_ms: Vec<f64>,
    pub page_ms: Vec<f64>,
    pub wall: Duration,
}

impl LoadReport {
    pub fn render(&self) -> String {
        let mib = |k: u64| k as f64 / 1024.0;
        let (login, page) = (
            Percentiles::of(&self.login_ms),
            Percentiles::of(&self.page_ms),
        );
        format!(
            "logins: {} ok, {} overloaded (503), {} failed, in {:.1} s\n\
             login latency ms: {login}\n\
             protected page during the run: {} requests, latency ms: {page}\n\
             SP resident memory MiB: start {:.0}, peak {:.0}, end {:.0}\n",
            self.logins_ok,
            self.logins_overloaded,
            self.failures.len(),
            self.wall.as_secs_f64(),
            self.page_ms.len(),
            mib(self.rss_start_kib),
            mib(self.rss_peak_kib),
            mib(self.rss_end_kib),
        )
    }
}

struct Percentiles(Option<[f64; 4]>);

impl Percentiles {
    fn of(samples: &[f64]) -> Self {
        if samples.is_empty() {
            return Self(None);
        }
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
        Self(Some([at(0.5), at(0.9), at(0.99), s[s.len() - 1]]))
    }
}

impl std::fmt::Display for Percentiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("no samples"),
            Some([p50, p90, p99, max]) => {
                write!(f, "p50 {p50:.1}, p90 {p90:.1}, p99 {p99:.1}, max {max:.1}")
            }
        }
    }
}

/// The SP in its own process on a temporary store seeded with the one load user.
fn start_sp(
    binary: &std::path::Path,
) -> anyhow::Result<(reference_sp::process::Running, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let seed = dir.path().join("seed.toml");
    std::fs::write(
        &seed,
        format!(
            "[[accounts]]\nid = \"{ACCOUNT}\"\nname = \"Load\"\n\n[[accounts.users]]\n\
             name = \"Load User\"\nemail = \"{EMAIL}\"\npassword = \"{PASSWORD}\"\n"
        ),
    )?;
    let sp =
        reference_sp::process::Running::start(binary, &dir.path().join("sp.sqlite3"), Some(&seed))
            .map_err(anyhow::Error::msg)?;
    Ok((sp, dir))
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()?)
}

enum Outcome {
    Ok,
    Overloaded,
    Failed(String),
}

/// One browser's sign-in: the login page (its token and pre-session cookie, when the SP sets
/// them), then the form posted back from the SP's own origin.
async fn login(base: &str) -> anyhow::Result<(Outcome, Option<String>)> {
    let client = client()?;
    let page = client
        .get(format!("{base}/live/{ACCOUNT}/login?P_mode=LIVE"))
        .send()
        .await?
        .text()
        .await?;
    let token = reference_sp::http::pages::login_token_of(&page);
    let mut form = vec![("email", EMAIL), ("password", PASSWORD)];
    if let Some(token) = token.as_deref() {
        form.push(("login_token", token));
    }
    let answer = client
        .post(format!("{base}/live/{ACCOUNT}/login?P_mode=LIVE"))
        .header("Origin", base)
        .form(&form)
        .send()
        .await?;
    let status = answer.status().as_u16();
    let session = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find(|c| c.starts_with("DS_SESSION_"))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    let body = answer.text().await.unwrap_or_default();
    let outcome = match status {
        303 if session.is_some() => Outcome::Ok,
        503 if body.contains("\"overloaded\"") => Outcome::Overloaded,
        _ => Outcome::Failed(format!(
            "{status} {}",
            body.chars().take(120).collect::<String>()
        )),
    };
    Ok((outcome, session))
}

pub async fn run(options: &LoadOptions) -> anyhow::Result<LoadReport> {
    let (sp, _dir) = start_sp(&options.sp_binary)?;
    let pid = sp.pid();
    let base = sp.base_url().to_owned();
    // A signed-in browser for the protected page, before the load starts.
    let (first, cookie) = login(&base).await?;
    let cookie = match (first, cookie) {
        (Outcome::Ok, Some(cookie)) => cookie,
        (Outcome::Failed(why), _) => bail!("the first login did not succeed: {why}"),
        _ => bail!("the first login did not succeed"),
    };
    let page_url = format!("{base}/live/{ACCOUNT}/session?P_mode=LIVE");
    let mut report = LoadReport {
        rss_start_kib: status_kib(pid, "VmRSS:"),
        ..LoadReport::default()
    };
    let done = Arc::new(AtomicBool::new(false));
    // The probe has its own thread and runtime, so what it measures is the SP, not this
    // process's 200 login tasks competing for the same workers.
    let prober = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || -> anyhow::Result<(Vec<f64>, Vec<String>)> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let viewer = client()?;
            Ok(runtime.block_on(async move {
                let mut samples = Vec::new();
                let mut failures = Vec::new();
                while !done.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    match viewer.get(&page_url).header("Cookie", &cookie).send().await {
                        Ok(r) if r.status() == 200 => {
                            let _ = r.bytes().await;
                            samples.push(t.elapsed().as_secs_f64() * 1000.0);
                        }
                        Ok(r) => failures.push(format!("protected page: {}", r.status())),
                        Err(e) => failures.push(format!("protected page: {e}")),
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                (samples, failures)
            }))
        })
    };
    let started = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut tasks = Vec::with_capacity(options.logins);
    for _ in 0..options.logins {
        let gate = Arc::clone(&gate);
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            let t = Instant::now();
            let outcome = login(&base).await.map(|(o, _)| o);
            (outcome, t.elapsed().as_secs_f64() * 1000.0)
        }));
    }
    for task in tasks {
        let (outcome, ms) = task.await?;
        report.login_ms.push(ms);
        match outcome {
            Ok(Outcome::Ok) => report.logins_ok += 1,
            Ok(Outcome::Overloaded) => report.logins_overloaded += 1,
            Ok(Outcome::Failed(why)) => report.failures.push(why),
            Err(e) => report.failures.push(e.to_string()),
        }
    }
    report.wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let (samples, failures) = prober
        .join()
        .map_err(|_| anyhow::anyhow!("the probe thread panicked"))??;
    report.page_ms = samples;
    report.failures.extend(failures);
    report.rss_peak_kib = status_kib(pid, "VmHWM:");
    report.rss_end_kib = status_kib(pid, "VmRSS:");
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_nearest_ranks() {
        let s: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(
            Percentiles::of(&s).to_string(),
            "p50 51.0, p90 90.0, p99 99.0, max 100.0"
        );
        assert_eq!(Percentiles::of(&[]).to_string(), "no samples");
    }
}
