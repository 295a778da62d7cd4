//! `mock-google`: the mock Google OIDC provider on a fixed port, configured by a TOML file (the
//! shape of [`mock_google::GoogleConfig`]), with the control API under `/control/`.

use clap::Parser;
use mock_google::{GoogleConfig, MockGoogle};
use protocol::{RandomIds, SystemClock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(version, about = "Mock Google OAuth 2.0 / OpenID Connect provider")]
struct Args {
    #[arg(long, env = "MOCK_GOOGLE_LISTEN", default_value = "127.0.0.1:8082")]
    listen: SocketAddr,
    /// The issuer (how browsers and RPs reach it), if not http://<listen>.
    #[arg(long, env = "MOCK_GOOGLE_PUBLIC_URL")]
    public_url: Option<String>,
    /// TOML with [[clients]] and [[users]].
    #[arg(long, env = "MOCK_GOOGLE_CONFIG")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mock_kit::init_tracing();
    let args = Args::parse();
    let config = mock_kit::config_or(args.config.as_deref(), GoogleConfig::default)?;
    let google = MockGoogle::start_on(
        args.listen,
        args.public_url,
        config,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    )
    .await?;
    println!("mock Google at {}", google.issuer());
    println!("  discovery: {}", google.discovery_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
