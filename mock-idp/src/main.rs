//! `mock-idp`: the mock SAML IdP on a fixed port, configured by a TOML file (the shape of
//! [`mock_idp::IdpConfig`]) or by flags, with the HTTP control API under `/control/`.

use clap::Parser;
use mock_idp::{IdpConfig, IdpUser, MockIdp, RegisteredApp, VendorProfile};
use protocol::{RandomIds, SystemClock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Mock SAML 2.0 IdP (Entra ID, Okta, Google Workspace profiles)"
)]
struct Args {
    #[arg(long, env = "MOCK_IDP_LISTEN", default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// How browsers reach this IdP, if not http://<listen>.
    #[arg(long, env = "MOCK_IDP_PUBLIC_URL")]
    public_url: Option<String>,
    /// TOML configuration; without it: the Entra profile, tenant `contoso`, user B.Simon and one
    /// app given by --app-identifier and --reply-url.
    #[arg(long, env = "MOCK_IDP_CONFIG")]
    config: Option<PathBuf>,
    #[arg(
        long,
        default_value = "https://live.runmyprocess.com/112501524864919680"
    )]
    app_identifier: String,
    #[arg(
        long,
        default_value = "http://127.0.0.1:8080/live/112501524864919680/saml/acs"
    )]
    reply_url: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    mock_kit::init_tracing();
    let args = Args::parse();
    let config = mock_kit::config_or(args.config.as_deref(), || IdpConfig {
        profile: VendorProfile::EntraId,
        tenant: "contoso".into(),
        apps: vec![RegisteredApp::new(args.app_identifier, args.reply_url)],
        users: vec![IdpUser::b_simon()],
    })?;
    let idp = MockIdp::start_on(
        args.listen,
        args.public_url,
        config,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    )
    .await?;
    println!("mock IdP ({}) at {}", idp.profile().name(), idp.base_url());
    println!("  entity ID : {}", idp.entity_id());
    println!("  login URL : {}", idp.sso_url());
    if let Some(slo) = idp.slo_url() {
        println!("  logout URL: {slo}");
    }
    println!("  metadata  : {}", idp.metadata_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
