//! The reference Service Provider: behaves as DigitalSuite (RunMyProcess) user authentication.
//!
//! [`app`] builds the whole HTTP surface from an [`AppState`] (axum's testing pattern, so crate
//! tests can call it with `oneshot` and scenarios over real sockets):
//!
//! - `/live/<account>/...`: resources, login, logout and the session probe ([`web`]),
//!   with the execution mode chosen by `P_mode` (REQUIREMENTS.md R-ACC-1..6, R-PW-1..6);
//! - `/api/<account>/...`: the administrator's JSON API ([`admin`]).
//!
//! Time and identifiers come from the injected [`protocol::Clock`] and
//! [`protocol::IdGenerator`]; all state lives in the SQLite [`store::Store`].

pub mod admin;
pub mod auth;
pub mod domain;
pub mod error;
pub mod pages;
pub mod seed;
pub mod store;
pub mod web;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use chrono::Duration;
use protocol::{Clock, IdGenerator};
use std::sync::Arc;

pub use error::ApiError;
pub use store::Store;

/// Largest request body accepted by default; checked before any decoding.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Largest uploaded resource (custom login pages, web interfaces).
pub const MAX_RESOURCE_BYTES: usize = 1024 * 1024;

/// Tunables of the SP that are not per-account configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a session lasts after login.
    pub session_ttl: Duration,
    /// Mark session cookies `Secure` (set when the SP is served over HTTPS).
    pub secure_cookies: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_ttl: Duration::hours(8),
            secure_cookies: false,
        }
    }
}

/// Everything a request handler needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    settings: Settings,
}

impl AppState {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        settings: Settings,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                ids,
                settings,
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    pub fn ids(&self) -> &dyn IdGenerator {
        self.inner.ids.as_ref()
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }
}

/// The SP's router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(web::routes())
        .merge(admin::routes())
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
