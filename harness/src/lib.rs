//! Boots the reference SP (and, in later issues, the mock identity providers) for tests and demos.
//!
//! [`Stack::start`] serves the SP in-process on `127.0.0.1:0` with its own temporary SQLite
//! store, a fixed clock and sequential IDs, so every scenario gets a private, deterministic SP and
//! scenarios run concurrently without sharing state. The listener is bound before the server
//! task starts, so the URL answers as soon as `start` returns: no waiting, no sleeps.

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use protocol::{Clock, FixedClock, SequentialIds};
use reference_sp::domain::AccountId;
use reference_sp::{AppState, Settings, Store, store};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;

/// The instant every stack's clock starts at.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .expect("a valid fixed date")
}

/// A running SP with its private store.
#[derive(Debug)]
pub struct Stack {
    sp_addr: SocketAddr,
    state: AppState,
    clock: Arc<FixedClock>,
    shutdown: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Stack {
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("creating the stack's temp dir")?;
        let store = Store::open(&dir.path().join("sp.sqlite3"))
            .map_err(|e| anyhow::anyhow!("opening the SP store: {e}"))?;
        let clock = Arc::new(FixedClock::new(epoch()));
        let state = AppState::new(
            store,
            clock.clone(),
            Arc::new(SequentialIds::new()),
            Settings::default(),
        );
        let (sp_addr, shutdown) = serve(state.clone(), "127.0.0.1:0".parse()?).await?;
        Ok(Self {
            sp_addr,
            state,
            clock,
            shutdown: Some(shutdown),
            _dir: dir,
        })
    }

    /// Absolute URL of `path` (which starts with `/`) on the SP.
    pub fn sp_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.sp_addr)
    }

    pub fn store(&self) -> &Store {
        self.state.store()
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

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `addr`, then serves the SP on it until the returned sender fires or is dropped.
pub async fn serve(
    state: AppState,
    addr: SocketAddr,
) -> anyhow::Result<(SocketAddr, oneshot::Sender<()>)> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let bound = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async {
            let _ = rx.await;
        };
        if let Err(e) = axum::serve(listener, reference_sp::app(state))
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(%e, "SP server stopped");
        }
    });
    Ok((bound, tx))
}
