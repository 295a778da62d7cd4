//! `reference-sp`: runs the reference Service Provider alone, on a SQLite file, optionally
//! seeding accounts from a TOML file. The whole demo stack is `cargo xtask up` instead.

use clap::Parser;
use protocol::{RandomIds, SystemClock};
use reference_sp::seed::{self, Seed};
use reference_sp::{AppState, Settings, Store, app};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Reference SP modelled on DigitalSuite user authentication"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on.
    #[arg(long, env = "SP_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// SQLite database file (created if missing).
    #[arg(long, env = "SP_DATABASE", default_value = "reference-sp.sqlite3")]
    database: PathBuf,
    /// TOML seed applied at start to accounts that do not exist yet.
    #[arg(long, env = "SP_SEED")]
    seed: Option<PathBuf>,
    /// Mark session cookies Secure (when served behind HTTPS).
    #[arg(long)]
    secure_cookies: bool,
    /// How browsers and IdPs reach this SP (base of the ACS and logout URLs); default
    /// http://<listen>.
    #[arg(long, env = "SP_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Unlock a user offline (the way out when the locked user is the last administrator);
    /// run it against the SP's `--database`, stopped or running.
    Unlock {
        #[arg(long)]
        account: String,
        #[arg(long)]
        email: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    if let Some(Command::Unlock { account, email }) = &args.command {
        let done = reference_sp::store::unlock_offline(&args.database, account, email)
            .await
            .map_err(anyhow::Error::msg)?;
        println!("{done}");
        return Ok(());
    }
    let store = Store::open(&args.database)
        .map_err(|e| anyhow::anyhow!("opening {}: {e}", args.database.display()))?;
    if let Some(path) = &args.seed {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        let seed = Seed::from_toml(&text).map_err(anyhow::Error::msg)?;
        for outcome in seed::apply(&store, &seed, chrono::Utc::now()).map_err(anyhow::Error::msg)? {
            tracing::info!(?outcome, "seed");
        }
    }
    // Bound first, so that with port 0 the default public URL names the port actually used.
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let public_url = match args.public_url.clone() {
        Some(url) => url,
        None => format!("http://{}", listener.local_addr()?),
    };
    let settings = Settings {
        secure_cookies: args.secure_cookies,
        ..Settings::new(public_url)
    };
    let state = AppState::new(store, Arc::new(SystemClock), Arc::new(RandomIds), settings);
    tracing::info!(
        "reference SP listening on http://{}",
        listener.local_addr()?
    );
    let limits = state.settings().http;
    let router = mock_kit::http::guard(app(state), limits);
    mock_kit::http::serve(listener, router, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}
