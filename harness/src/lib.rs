//! Boots the reference SP (and, in later issues, the mock identity providers) for tests and demos.
//!
//! [`Stack::start`] serves the SP in-process on `127.0.0.1:0` with its own temporary SQLite
//! store, a fixed clock and sequential IDs, so every scenario gets a private, deterministic SP and
//! scenarios run concurrently without sharing state. The listener is bound before the server
//! task starts, so the URL answers as soon as `start` returns: no waiting, no sleeps.

pub mod bench;
pub mod faults;
pub mod forms;
pub mod load;
pub mod probe;
pub mod vendor;

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use protocol::{Clock, FixedClock, SequentialIds};
use reference_sp::domain::AccountId;
use reference_sp::{AppState, Settings, Store, store};
use std::net::SocketAddr;
use std::sync::Arc;

/// The instant every stack's clock starts at.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .expect("a valid fixed date")
}

/// A running SP with its private store.
/// The SP store's file name inside a data dir (`harness up`, `harness unlock`, [`Stack`]).
pub const STORE_FILE: &str = "reference-sp.sqlite3";

/// The embedded demo seed `harness up` starts with; `--config` replaces it.
pub const DEMO_SEED: &str = include_str!("../demo.toml");

#[derive(Debug)]
pub struct Stack {
    sp_addr: SocketAddr,
    state: AppState,
    clock: Arc<FixedClock>,
    /// Vendor mode's kept reports, when this stack keeps them.
    kept: Option<Arc<vendor::kept::Kept>>,
    _server: mock_kit::Server,
    _dir: tempfile::TempDir,
}

impl Stack {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(|_| {}).await
    }

    /// A stack whose SP settings `tweak` adjusts (for example a saturated hashing pool).
    pub async fn start_with(tweak: impl FnOnce(&mut Settings)) -> anyhow::Result<Self> {
        Self::start_inner(tweak, false).await
    }

    /// A stack in vendor mode (R-VEN-3): every SAML message the SP receives is kept with its
    /// report, served at `/vendor/reports`, as under `harness up`.
    pub async fn start_keeping_reports() -> anyhow::Result<Self> {
        Self::start_inner(|_| {}, true).await
    }

    async fn start_inner(
        tweak: impl FnOnce(&mut Settings),
        keep_reports: bool,
    ) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("creating the stack's temp dir")?;
        let store = Store::open(&dir.path().join(STORE_FILE))
            .map_err(|e| anyhow::anyhow!("opening the SP store: {e}"))?;
        let clock = Arc::new(FixedClock::new(epoch()));
        let listener = bind("127.0.0.1:0".parse()?).await?;
        let sp_addr = listener.local_addr()?;
        let mut settings = Settings::new(format!("http://{sp_addr}"));
        // Long enough for a loopback call, short enough that a "slow API" scenario stays quick.
        settings.composite_timeout = std::time::Duration::from_millis(500);
        // Room for the largest burst a scenario sends (50 logins), so counting stays exact;
        // overload has its own scenario with a pool that never drains.
        settings.hash_pool.queue = 256;
        tweak(&mut settings);
        let state = AppState::new(
            store,
            clock.clone(),
            Arc::new(SequentialIds::new()),
            settings,
        );
        let (kept, extra) = if keep_reports {
            let kept = vendor::kept::Kept::new(&format!("http://{sp_addr}"), None);
            state.set_observer(kept.clone());
            let routes = kept.routes();
            (Some(kept), routes)
        } else {
            (None, axum::Router::new())
        };
        let server = spawn_with(listener, state.clone(), extra)?;
        Ok(Self {
            sp_addr,
            state,
            clock,
            kept,
            _server: server,
            _dir: dir,
        })
    }

    /// Absolute URL of `path` (which starts with `/`) on the SP.
    pub fn sp_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.sp_addr)
    }

    /// The folder of the SP's store, as `harness unlock --data-dir` takes it.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The kept reports, in vendor mode.
    pub fn kept(&self) -> Option<&vendor::kept::Kept> {
        self.kept.as_deref()
    }

    pub fn store(&self) -> &Store {
        self.state.store()
    }

    /// The SP's state, for waiting on background work (composite-API calls).
    pub fn sp_state(&self) -> &AppState {
        &self.state
    }

    /// Starts a mock Apple sharing the stack's clock.
    pub async fn start_apple(
        &self,
        config: mock_apple::AppleConfig,
    ) -> anyhow::Result<mock_apple::MockApple> {
        mock_apple::MockApple::start(config, self.clock.clone(), Arc::new(SequentialIds::new()))
            .await
    }

    /// Starts a mock Google sharing the stack's clock.
    pub async fn start_google(
        &self,
        config: mock_google::GoogleConfig,
    ) -> anyhow::Result<mock_google::MockGoogle> {
        mock_google::MockGoogle::start(config, self.clock.clone(), Arc::new(SequentialIds::new()))
            .await
    }

    /// Starts a mock IdP sharing the stack's clock, so validity windows agree on both sides.
    pub async fn start_idp(
        &self,
        config: mock_idp::IdpConfig,
    ) -> anyhow::Result<mock_idp::MockIdp> {
        mock_idp::MockIdp::start(config, self.clock.clone(), Arc::new(SequentialIds::new())).await
    }

    /// As [`Stack::start_idp`], on another loopback address (`127.0.0.2`): another site for a
    /// browser, since a site is the scheme and host.
    pub async fn start_idp_on(
        &self,
        host: std::net::IpAddr,
        config: mock_idp::IdpConfig,
    ) -> anyhow::Result<mock_idp::MockIdp> {
        mock_idp::MockIdp::start_on(
            std::net::SocketAddr::new(host, 0),
            None,
            config,
            self.clock.clone(),
            Arc::new(SequentialIds::new()),
        )
        .await
    }

    pub fn clock(&self) -> &FixedClock {
        &self.clock
    }

    /// Creates a customer account the way the platform operator does (there is no public API for
    /// it): three modes, Login/Password, `max_failed_attempts` in each.
    pub fn create_account(
        &self,
        id: &str,
        name: &str,
        max_failed_attempts: Option<u32>,
    ) -> anyhow::Result<AccountId> {
        let id: AccountId = id
            .parse()
            .map_err(|e| anyhow::anyhow!("account id {id:?}: {e}"))?;
        let now = self.clock.now();
        self.store()
            .call_blocking(|c| store::create_account(c, &id, name, max_failed_attempts, now))
            .map_err(|e| anyhow::anyhow!("creating account {id}: {e}"))?;
        Ok(id)
    }
}

/// Binds `addr`; the address answers as soon as this returns.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    mock_kit::Server::bind(addr).await
}

/// Serves the SP on `listener` until the returned handle is dropped.
pub fn spawn(
    listener: tokio::net::TcpListener,
    state: AppState,
) -> anyhow::Result<mock_kit::Server> {
    spawn_with(listener, state, axum::Router::new())
}

/// As [`spawn`], with `extra` routes served by the SP's server (vendor mode's report pages).
pub fn spawn_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    extra: axum::Router,
) -> anyhow::Result<mock_kit::Server> {
    let limits = state.settings().http;
    let app = reference_sp::app_with(state, extra);
    mock_kit::Server::spawn_with(listener, app, "reference SP", limits)
}
