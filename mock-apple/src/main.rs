//! `mock-apple`: the mock Sign in with Apple provider on a fixed port, configured by a TOML file
//! (the shape of [`mock_apple::AppleConfig`]), with the control API under `/control/`.

use clap::Parser;
use mock_apple::{AppleConfig, MockApple};
use protocol::{RandomIds, SystemClock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(version, about = "Mock Sign in with Apple provider")]
struct Args {
    #[arg(long, env = "MOCK_APPLE_LISTEN", default_value = "127.0.0.1:8083")]
    listen: SocketAddr,
    #[arg(long, env = "MOCK_APPLE_PUBLIC_URL")]
    public_url: Option<String>,
    /// TOML with [[teams]] (team_id, keys, clients) and [[users]].
    #[arg(long, env = "MOCK_APPLE_CONFIG")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mock_kit::init_tracing();
    let args = Args::parse();
    let config = mock_kit::config_or(args.config.as_deref(), AppleConfig::default)?;
    let apple = MockApple::start_on(
        args.listen,
        args.public_url,
        config,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    )
    .await?;
    println!("mock Apple at {}", apple.base_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
