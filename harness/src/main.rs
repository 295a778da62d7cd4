//! `harness`: the stack on fixed ports for people (`harness up`), with a seeded demo account.

use anyhow::Context;
use clap::{Parser, Subcommand};
use protocol::{RandomIds, SystemClock};
use reference_sp::seed::{self, Seed, SeedOutcome};
use reference_sp::{AppState, Settings, Store};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// The embedded demo seed; `--config` replaces it.
const DEMO_SEED: &str = include_str!("../demo.toml");

#[derive(Debug, Parser)]
#[command(version, about = "DigitalSuite authentication conformance harness")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the stack (reference SP) on fixed ports with a seeded demo account.
    Up {
        /// Interface to listen on.
        #[arg(long, env = "HARNESS_HOST", default_value = "127.0.0.1")]
        host: IpAddr,
        /// Port of the reference SP.
        #[arg(long, env = "HARNESS_SP_PORT", default_value_t = 8080)]
        sp_port: u16,
        /// Folder for the SP's SQLite store; kept across restarts.
        #[arg(long, env = "HARNESS_DATA_DIR", default_value = "target/harness-demo")]
        data_dir: PathBuf,
        /// A TOML seed replacing the embedded demo (same format as harness/demo.toml).
        #[arg(long, env = "HARNESS_CONFIG")]
        config: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Up {
            host,
            sp_port,
            data_dir,
            config,
        } => up(host, sp_port, data_dir, config).await,
    }
}

async fn up(
    host: IpAddr,
    sp_port: u16,
    data_dir: PathBuf,
    config: Option<PathBuf>,
) -> anyhow::Result<()> {
    let seed_text = match &config {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading seed {}", path.display()))?,
        None => DEMO_SEED.to_owned(),
    };
    let seed = Seed::from_toml(&seed_text).map_err(anyhow::Error::msg)?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let db = data_dir.join("reference-sp.sqlite3");
    let store = Store::open(&db).map_err(|e| anyhow::anyhow!("opening {}: {e}", db.display()))?;
    let outcomes = seed::apply(&store, &seed, chrono::Utc::now()).map_err(anyhow::Error::msg)?;

    let state = AppState::new(
        store,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        Settings::default(),
    );
    let (addr, _shutdown) = harness::serve(state, SocketAddr::new(host, sp_port)).await?;
    let base = format!("http://{addr}");

    println!("DigitalSuite reference SP: {base}");
    println!("  store: {}", db.display());
    for (account, outcome) in seed.accounts.iter().zip(&outcomes) {
        let note = match outcome {
            SeedOutcome::Created(_) => "seeded",
            SeedOutcome::AlreadyPresent(_) => "already in the store, kept as it is",
        };
        println!("\naccount {} \"{}\" ({note})", account.id, account.name);
        println!("  sign-on URL : {base}/live/{}", account.id);
        println!(
            "  login page  : {base}/live/{}/login?P_mode=LIVE",
            account.id
        );
        println!("  admin API   : {base}/api/{}/users", account.id);
        for user in &account.users {
            println!(
                "  user        : {} <{}> profile {} password {}",
                user.name,
                user.email,
                user.profile.as_deref().unwrap_or("User"),
                user.password.as_deref().unwrap_or("(none)")
            );
        }
    }
    println!("\nPress Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
