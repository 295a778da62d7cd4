//! `harness`: the stack on fixed ports for people (`harness up`), with a seeded demo account.

use anyhow::Context;
use clap::{Parser, Subcommand};
use mock_apple::{AppleClient, AppleConfig, AppleTeam, AppleUser, MockApple};
use mock_google::{GoogleClient, GoogleConfig, GoogleUser, MockGoogle};
use mock_idp::{IdpConfig, IdpUser, MockIdp, RegisteredApp, VendorProfile};
use protocol::fixtures::JwtFixture;
use protocol::jwt::Es256Key;
use protocol::{RandomIds, SystemClock};
use reference_sp::domain::{AuthMethod, ExecutionMode};
use reference_sp::seed::{self, Seed, SeedOutcome};
use reference_sp::signin::saml::SamlConfig;
use reference_sp::{AppState, Settings, Store};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// The mock IdP's tenant in the demo.
const DEMO_TENANT: &str = "0b6f4a8c-2d1e-4c1a-9a7b-5f3e2d1c0b9a";

/// The demo's Google client secret (public demo material).
const DEMO_GOOGLE_SECRET: &str = "GOCSPX-demo-secret";

/// The demo's RunMyApp bundle ID, Apple team and developer key ID.
const DEMO_BUNDLE_ID: &str = "com.runmyprocess.runmyapp";
const DEMO_APPLE_TEAM: &str = "TEAM123ABC";
const DEMO_APPLE_KEY_ID: &str = "DEVKEY1234";

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
        /// Port of the mock SAML IdP (Entra ID profile).
        #[arg(long, env = "HARNESS_IDP_PORT", default_value_t = 8081)]
        idp_port: u16,
        /// Port of the mock Google.
        #[arg(long, env = "HARNESS_GOOGLE_PORT", default_value_t = 8082)]
        google_port: u16,
        /// Port of the mock Apple.
        #[arg(long, env = "HARNESS_APPLE_PORT", default_value_t = 8083)]
        apple_port: u16,
        /// Folder for the SP's SQLite store; kept across restarts.
        #[arg(long, env = "HARNESS_DATA_DIR", default_value = "target/harness-demo")]
        data_dir: PathBuf,
        /// A TOML seed replacing the embedded demo (same format as harness/demo.toml).
        #[arg(long, env = "HARNESS_CONFIG")]
        config: Option<PathBuf>,
        #[command(flatten)]
        external: ExternalIdp,
    },
    /// Drive concurrent password logins against a reference SP in its own process and report
    /// its peak memory and the latency of a protected page meanwhile.
    Load {
        /// Correct password logins to send.
        #[arg(long, default_value_t = 200)]
        logins: usize,
        /// Logins in flight at once.
        #[arg(long, default_value_t = 200)]
        concurrency: usize,
        /// The `reference-sp` binary to measure; default: the one beside this binary.
        #[arg(long)]
        sp_binary: Option<PathBuf>,
    },
    /// Complete sign-ins over HTTP against the whole stack in this process: throughput,
    /// latency percentiles, errors, peak memory. Stops by itself (--count or --duration).
    Bench {
        /// How to sign in: saml (through the mock IdP), password, google (the mock's chooser and
        /// consent, then the SP's callback) or apple (the iOS app's native sign-in).
        #[arg(long, value_enum, default_value_t = harness::bench::Method::Saml)]
        method: harness::bench::Method,
        /// Sign-ins in flight at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Sign-ins to make.
        #[arg(long, default_value_t = 500)]
        count: usize,
        /// Stop after this many seconds, whatever is left.
        #[arg(long, default_value_t = 50)]
        duration: u64,
    },
    /// Judge captured SAMLResponses against every rule of the reference SP's ACS (R-VEN-1).
    /// Exit code 0: every rule passed; 1: a rule failed; 2: the input cannot be judged.
    CheckResponse(harness::vendor::cli::CheckResponse),
    /// Judge every capture in a folder (as check-response) and write one JUnit file and a
    /// Markdown summary to attach to a ticket (R-VEN-1). Exit codes as check-response.
    Report(harness::vendor::cli::Report),
    /// Judge an IdP's SAML metadata (or with --sp an SP's) for what the reference SP needs
    /// (R-VEN-2). Exit code 0: nothing failed (warnings allowed); 1: a rule failed; 2: not
    /// metadata, or unreadable.
    CheckMetadata(harness::vendor::cli::CheckMetadata),
    /// The mock IdP's fault catalogue: each fault's class, what a correct SP does with it, the
    /// clause it breaks and where the attack is documented.
    Faults {
        /// Only this class: signature, subject, time, addressing, issuer, status, encoding, logout.
        #[arg(long)]
        class: Option<String>,
        /// text, or json (every field of every entry).
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Play the IdP of any SAML SP and send it every fault of the catalogue, each from a fresh
    /// browser session: which ones does it accept, and as whom (R-VEN-5)? Exit code 0: every
    /// case passed; 1: a case failed; 2: the SP could not be judged (the control sign-in failed).
    ProbeSp(harness::probe::cli::ProbeSp),
    /// Unlock a user of the stack's store offline (e.g. the only administrator).
    Unlock {
        /// Folder of the SP's SQLite store (as given to `up`).
        #[arg(long, env = "HARNESS_DATA_DIR", default_value = "target/harness-demo")]
        data_dir: PathBuf,
        #[arg(long)]
        account: String,
        #[arg(long)]
        email: String,
    },
}

/// External-IdP mode (R-VEN-3): wire LIVE of every seeded account to a vendor's real IdP,
/// from its metadata or from the values its portal shows.
#[derive(Debug, clap::Args)]
struct ExternalIdp {
    /// The IdP's metadata: a file or an http(s) URL.
    #[arg(long, conflicts_with_all = ["idp_login_url", "idp_logout_url", "idp_cert"])]
    idp_metadata: Option<String>,
    /// The IdP's Login URL (Entra: "Login URL"); with --idp-cert.
    #[arg(long, requires = "idp_cert")]
    idp_login_url: Option<String>,
    /// The IdP's Logout URL (Entra: "Logout URL").
    #[arg(long, requires = "idp_login_url")]
    idp_logout_url: Option<String>,
    /// The IdP's signing certificate file: PEM, or the Base64 file Entra downloads.
    #[arg(long, requires = "idp_login_url")]
    idp_cert: Option<PathBuf>,
    /// The IdP's entity ID; derived from the Login URL for Entra ID.
    #[arg(long)]
    idp_entity_id: Option<String>,
}

impl ExternalIdp {
    async fn values(&self) -> anyhow::Result<Option<harness::vendor::external::IdpValues>> {
        use harness::vendor::external;
        if let Some(input) = &self.idp_metadata {
            let text = harness::vendor::cli::read_metadata(input)
                .await
                .map_err(anyhow::Error::msg)?;
            let mut values =
                external::from_metadata(&text, chrono::Utc::now()).map_err(anyhow::Error::msg)?;
            if let Some(e) = &self.idp_entity_id {
                values.entity_id = e.clone();
            }
            return Ok(Some(values));
        }
        let (Some(login), Some(cert)) = (&self.idp_login_url, &self.idp_cert) else {
            return Ok(None);
        };
        let cert =
            std::fs::read_to_string(cert).with_context(|| format!("reading {}", cert.display()))?;
        external::from_portal(
            login,
            self.idp_logout_url.as_deref(),
            &cert,
            self.idp_entity_id.as_deref(),
        )
        .map(Some)
        .map_err(anyhow::Error::msg)
    }
}

/// The command line. `harness report <URL>` downloads reports that were judged on arrival, so
/// what to judge against (required for a folder of captures) is optional there; a folder
/// without it is refused by `report` itself, with the same exit code 2.
fn parse_cli() -> Cli {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let command = Cli::command().mut_subcommand("report", |c| {
        ["idp_cert", "idp_entity_id", "sp_entity_id", "acs"]
            .into_iter()
            .fold(c, |c, id| c.mut_arg(id, |a| a.required(false)))
    });
    let matches = command.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = parse_cli();
    // A benchmark measures the sign-ins, not a terminal printing a line for each (RUST_LOG=info
    // puts the logging back in).
    mock_kit::init_tracing_at(if matches!(cli.command, Command::Bench { .. }) {
        "warn"
    } else {
        "info"
    });
    match cli.command {
        Command::Load {
            logins,
            concurrency,
            sp_binary,
        } => {
            let sp_binary = match sp_binary {
                Some(path) => path,
                None => std::env::current_exe()?.with_file_name("reference-sp"),
            };
            let report = harness::load::run(&harness::load::LoadOptions {
                sp_binary,
                logins,
                concurrency,
            })
            .await?;
            print!("{}", report.render());
            for failure in report.failures.iter().take(10) {
                println!("failed: {failure}");
            }
            anyhow::ensure!(
                report.failures.is_empty(),
                "{} requests failed",
                report.failures.len()
            );
            Ok(())
        }
        Command::CheckResponse(options) => {
            harness::vendor::cli::finish(harness::vendor::cli::check_response(&options))
        }
        Command::Bench {
            method,
            concurrency,
            count,
            duration,
        } => {
            let report = harness::bench::run(&harness::bench::BenchOptions {
                method,
                concurrency,
                count,
                duration: std::time::Duration::from_secs(duration),
                progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            })
            .await?;
            print!("{}", report.render());
            if report.errors > 0 {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Report(options) => {
            harness::vendor::cli::finish(harness::vendor::cli::report(&options).await)
        }
        Command::CheckMetadata(options) => {
            harness::vendor::cli::finish(harness::vendor::cli::check_metadata(&options).await)
        }
        Command::ProbeSp(options) => {
            harness::vendor::cli::finish(harness::probe::cli::probe_sp(&options).await)
        }
        Command::Faults { class, format } => {
            print!("{}", harness::faults::render(class.as_deref(), &format)?);
            Ok(())
        }
        Command::Unlock {
            data_dir,
            account,
            email,
        } => {
            let db = data_dir.join(harness::STORE_FILE);
            let done = reference_sp::store::unlock_offline(&db, &account, &email)
                .await
                .map_err(anyhow::Error::msg)?;
            println!("{done}");
            Ok(())
        }
        Command::Up {
            host,
            sp_port,
            idp_port,
            google_port,
            apple_port,
            data_dir,
            config,
            external,
        } => {
            let external = external.values().await?;
            up(
                host,
                [sp_port, idp_port, google_port, apple_port],
                data_dir,
                config,
                external,
            )
            .await
        }
    }
}

/// LIVE of `id` signs in through `idp` (SAML, the SP's default entity ID for the account).
fn wire_live(
    store: &Store,
    id: &reference_sp::domain::AccountId,
    base: &str,
    idp: &harness::vendor::external::IdpValues,
) -> Result<(), String> {
    let saml = SamlConfig {
        sso_url: idp.sso_url.clone(),
        logout_url: idp.slo_url.clone(),
        name_id_format: protocol::saml::NAMEID_EMAIL.into(),
        idp_entity_id: idp.entity_id.clone(),
        idp_certificate: idp.certificate.clone(),
        sp_entity_id: format!("{base}/live/{id}"),
        account_management_url: None,
        auto_provisioning: false,
        // Neither the mock Entra profile nor, per any source, Entra itself signs logout
        // messages (protocols.md §3.6); a vendor whose IdP does sets it through the admin API.
        idp_signs_logout_messages: false,
    };
    store
        .call_blocking(|c| {
            reference_sp::store::saml::save_config(c, id, ExecutionMode::Live, &saml)?;
            reference_sp::store::set_method(c, id, ExecutionMode::Live, AuthMethod::Saml)
        })
        .map_err(|e| format!("wiring account {id} to its IdP: {e}"))
}

async fn up(
    host: IpAddr,
    [sp_port, idp_port, google_port, apple_port]: [u16; 4],
    data_dir: PathBuf,
    config: Option<PathBuf>,
    external: Option<harness::vendor::external::IdpValues>,
) -> anyhow::Result<()> {
    // Start-up, phase by phase, printed with the banner (issue 14, item 5).
    let started = std::time::Instant::now();
    let mut phases: Vec<(&str, std::time::Duration)> = Vec::new();
    let seed_text = match &config {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading seed {}", path.display()))?,
        None => harness::DEMO_SEED.to_owned(),
    };
    let seed = Seed::from_toml(&seed_text).map_err(anyhow::Error::msg)?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let db = data_dir.join(harness::STORE_FILE);
    let store = Store::open(&db).map_err(|e| anyhow::anyhow!("opening {}: {e}", db.display()))?;
    phases.push(("store", started.elapsed()));
    let outcomes = seed::apply(&store, &seed, chrono::Utc::now()).map_err(anyhow::Error::msg)?;
    phases.push(("seed", started.elapsed()));

    let listener = harness::bind(SocketAddr::new(host, sp_port))
        .await
        .context("the reference SP cannot start (choose another port with --sp-port)")?;
    let base = format!("http://{}", listener.local_addr()?);
    let settings = Settings::new(base.clone());

    // The mock IdP, in the Entra ID profile, with every seeded account registered as an app and
    // its users as directory users; LIVE of each newly seeded account signs in through it.
    let mut idp_config = IdpConfig {
        profile: VendorProfile::EntraId,
        tenant: DEMO_TENANT.into(),
        apps: Vec::new(),
        users: Vec::new(),
    };
    for account in &seed.accounts {
        let mut app = RegisteredApp::new(
            format!("{base}/live/{}", account.id),
            format!("{base}/live/{}/saml/acs?P_mode=LIVE", account.id),
        );
        app.logout_url = Some(format!("{base}/live/{}/saml/slo?P_mode=LIVE", account.id));
        // The tutorial's Sign on URL: My Apps and "Test this application" start here.
        app.sign_on_url = Some(format!("{base}/live/{}", account.id));
        idp_config.apps.push(app);
        for user in &account.users {
            idp_config.users.push(IdpUser::named(
                user.email.clone(),
                user.password.clone().unwrap_or_default(),
                user.email.clone(),
                user.name.clone(),
                format!("demo-{}", user.email.to_ascii_lowercase()),
            ));
        }
    }
    let idp = MockIdp::start_on(
        SocketAddr::new(host, idp_port),
        None,
        idp_config,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    )
    .await
    .context("the mock IdP cannot start (choose another port with --idp-port)")?;
    for outcome in &outcomes {
        if let SeedOutcome::Created(id) = outcome {
            let mock = harness::vendor::external::IdpValues {
                entity_id: idp.entity_id(),
                sso_url: idp.sso_url(),
                slo_url: idp.slo_url(),
                certificate: idp.certificate().pem(),
            };
            wire_live(&store, id, &base, &mock).map_err(anyhow::Error::msg)?;
        }
    }

    // The mock Google: one web client per seeded account, the seeded users as Workspace
    // accounts of their email domain (same passwords); every mode of each newly seeded account
    // gets "Sign in with Google" on its login page.
    let mut google_config = GoogleConfig::default();
    for account in &seed.accounts {
        google_config.clients.push(GoogleClient {
            client_id: format!("{}-demo.apps.googleusercontent.com", account.id),
            client_secret: DEMO_GOOGLE_SECRET.into(),
            redirect_uris: vec![format!("{base}/live/{}/google/callback", account.id)],
        });
        for user in &account.users {
            let domain = user
                .email
                .split('@')
                .nth(1)
                .unwrap_or("example.com")
                .to_ascii_lowercase();
            let mut g = GoogleUser::workspace(&user.email, &user.name, &domain);
            g.password = user.password.clone().unwrap_or_default();
            google_config.users.push(g);
        }
    }
    phases.push(("mock IdP", started.elapsed()));
    let google = MockGoogle::start_on(
        SocketAddr::new(host, google_port),
        None,
        google_config,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    )
    .await
    .context("the mock Google cannot start (choose another port with --google-port)")?;
    for outcome in &outcomes {
        if let SeedOutcome::Created(id) = outcome {
            let config = reference_sp::signin::google::GoogleConfig {
                client_id: format!("{id}-demo.apps.googleusercontent.com"),
                client_secret: DEMO_GOOGLE_SECRET.into(),
                discovery_url: google.discovery_url(),
                domain: None,
                auto_provisioning: false,
            };
            store
                .call_blocking(|c| {
                    for mode in ExecutionMode::ALL {
                        reference_sp::store::google::save_config(c, id, mode, &config)?;
                    }
                    Ok(())
                })
                .map_err(|e| anyhow::anyhow!("wiring account {id} to the mock Google: {e}"))?;
        }
    }

    // The mock Apple: one developer team whose app is RunMyApp, the seeded users as Apple IDs;
    // each newly seeded account accepts Apple sign-in from the app.
    let developer = Es256Key::from_pem(JwtFixture::AppleDeveloper.key_pem(), DEMO_APPLE_KEY_ID)
        .map_err(|e| anyhow::anyhow!("demo Apple developer key: {e}"))?;
    let apple_config = AppleConfig {
        teams: vec![AppleTeam {
            team_id: DEMO_APPLE_TEAM.into(),
            keys: BTreeMap::from([(
                DEMO_APPLE_KEY_ID.to_owned(),
                developer.public_pem().to_owned(),
            )]),
            clients: vec![AppleClient {
                client_id: DEMO_BUNDLE_ID.into(),
                redirect_uris: Vec::new(),
            }],
        }],
        users: seed
            .accounts
            .iter()
            .flat_map(|a| &a.users)
            .map(|u| {
                let (first, last) = u.name.split_once(['.', ' ']).unwrap_or((&u.name, ""));
                let mut apple = AppleUser::new(&u.email, first, last);
                apple.password = u.password.clone().unwrap_or_default();
                apple
            })
            .collect(),
        booleans_as_strings: false,
    };
    phases.push(("mock Google", started.elapsed()));
    let apple = MockApple::start_on(
        SocketAddr::new(host, apple_port),
        None,
        apple_config,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    )
    .await
    .context("the mock Apple cannot start (choose another port with --apple-port)")?;
    for outcome in &outcomes {
        if let SeedOutcome::Created(id) = outcome {
            let config = reference_sp::signin::apple::AppleConfig {
                bundle_id: DEMO_BUNDLE_ID.into(),
                team_id: DEMO_APPLE_TEAM.into(),
                key_id: DEMO_APPLE_KEY_ID.into(),
                private_key: Some(JwtFixture::AppleDeveloper.key_pem().into()),
                apple_base_url: apple.base_url().to_owned(),
            };
            store
                .call_blocking(|c| reference_sp::store::apple::save_config(c, id, &config))
                .map_err(|e| anyhow::anyhow!("wiring account {id} to the mock Apple: {e}"))?;
        }
    }

    // External-IdP mode: LIVE of every seeded account, new or kept, signs in at the vendor's IdP.
    if let Some(ext) = &external {
        for account in &seed.accounts {
            let id: reference_sp::domain::AccountId =
                account.id.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            wire_live(&store, &id, &base, ext).map_err(anyhow::Error::msg)?;
        }
    }

    phases.push(("mock Apple", started.elapsed()));
    let state = AppState::new(store, Arc::new(SystemClock), Arc::new(RandomIds), settings);
    // Every SAML message the SP receives is kept with its report (R-VEN-3), with fix hints in
    // the terms of the vendor its IdP's entity ID names (the mock IdP's: Entra ID).
    let kept = harness::vendor::kept::Kept::new(&base, None);
    state.set_observer(kept.clone());
    let _server = harness::spawn_with(listener, state, kept.routes())?;

    phases.push(("SP serving", started.elapsed()));
    let mut last = std::time::Duration::ZERO;
    let split: Vec<String> = phases
        .iter()
        .map(|(name, at)| {
            let took = *at - last;
            last = *at;
            format!("{name} {:.1} ms", took.as_secs_f64() * 1000.0)
        })
        .collect();
    println!(
        "Started in {:.1} ms ({})",
        started.elapsed().as_secs_f64() * 1000.0,
        split.join(", ")
    );
    println!("DigitalSuite reference SP: {base}");
    println!("  store: {}", db.display());
    println!("  reports: {base}/vendor/reports (every SAML message the SP receives, rule by rule)");
    println!("Mock SAML IdP (Entra ID profile): {}", idp.base_url());
    println!("  login URL   : {}", idp.sso_url());
    println!("  metadata    : {}", idp.metadata_url());
    println!("  IdP users   : the seeded users, with the same passwords");
    println!("Mock Google: {}", google.issuer());
    println!("  discovery   : {}", google.discovery_url());
    println!(
        "  accounts    : the seeded users, with the same passwords (\"Sign in with Google\" on every login page)"
    );
    println!("Mock Apple: {}", apple.base_url());
    println!("  app         : bundle ID {DEMO_BUNDLE_ID}; the seeded users are Apple IDs");
    for (account, outcome) in seed.accounts.iter().zip(&outcomes) {
        let note = match outcome {
            SeedOutcome::Created(_) => "seeded",
            SeedOutcome::AlreadyPresent(_) => "already in the store, kept as it is",
        };
        println!("\naccount {} \"{}\" ({note})", account.id, account.name);
        let through = if external.is_some() {
            "your IdP"
        } else {
            "the mock IdP"
        };
        println!(
            "  sign-on URL : {base}/live/{} (LIVE signs in through {through})",
            account.id
        );
        println!(
            "  login page  : {base}/live/{}/login?P_mode=TEST (Login/Password, any mode)",
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
    if let Some(ext) = &external {
        println!(
            "\nExternal IdP {} (LIVE of every seeded account signs in there)",
            ext.entity_id
        );
        println!("  login URL   : {}", ext.sso_url);
        for account in &seed.accounts {
            let a = &account.id;
            println!("  register at your IdP, for account {a}:");
            println!("    Identifier (Entity ID) : {base}/live/{a}");
            println!("    Reply URL (ACS)        : {base}/live/{a}/saml/acs?P_mode=LIVE");
            println!("    Sign on URL            : {base}/live/{a}");
            println!("    Logout URL             : {base}/live/{a}/saml/slo?P_mode=LIVE");
            println!("    SP metadata            : {base}/live/{a}/saml/metadata?P_mode=LIVE");
        }
    }
    println!("\nPress Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
