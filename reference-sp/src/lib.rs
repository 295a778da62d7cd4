//! The reference Service Provider: behaves as DigitalSuite (RunMyProcess) user authentication.
//!
//! [`app`] builds the whole HTTP surface from an [`AppState`] (axum's testing pattern, so crate
//! tests can call it with `oneshot` and scenarios over real sockets). This file is the only one
//! that wires modules together. The map, with arrows that run one way only
//! (`http -> signin -> scope -> store -> domain/error`, checked by `tests/layers.rs`):
//!
//! - [`http`]: the surfaces. `/live/<account>/...` pages, login, logout, resources
//!   ([`http::browser`], R-ACC-1..6, R-PW-1..6); `/api/<account>/...` users, modes, resources and
//!   composite triggers ([`http::admin`]); `/config/<account>/certificate` request-signing keys
//!   ([`http::certificates`], R-SG-1..4); the cross-site guard ([`http::csrf`]).
//! - [`signin`]: one module per method, none importing another: [`signin::password`] (R-PW-*),
//!   [`signin::saml`] with its `/live/<account>/saml/...` endpoints and configuration (R-SA-*;
//!   [`signin::saml::acs`] is the pure Response validation; [`signin::saml::observe`] tells
//!   vendor mode of every message received, R-VEN-3), [`signin::google`] (R-GO-*),
//!   [`signin::apple`] (R-APPLE-*); and what they share: [`signin::session`], [`signin::hashing`],
//!   [`signin::provisioning`] (R-PROV-*), [`signin::composite`] (R-CA-*), [`signin::oidc`] (on
//!   top of `protocol::oidc`).
//! - [`scope`]: which account and mode a request addresses (and the extractors that resolve it
//!   before a handler runs), and where a browser may go next.
//! - [`store`]: every SQL statement, one file per aggregate, and the migrations;
//!   [`store::configs`] is the one way every method's provider configuration is stored.
//! - [`domain`] and [`error`]: types with no I/O, and the error codes every layer answers with.
//!
//! Time and identifiers come from the injected [`protocol::Clock`] and
//! [`protocol::IdGenerator`]; all state lives in the SQLite [`store::Store`].

pub mod domain;
pub mod error;
pub mod fuzzing;
pub mod http;
pub mod process;
pub mod scope;
pub mod seed;
pub mod signin;
pub mod store;

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
    /// How browsers and IdPs reach the SP, without a trailing slash (`https://live.example`):
    /// the base of ACS, logout and metadata URLs.
    pub public_url: String,
    /// How long a session lasts after login.
    pub session_ttl: Duration,
    /// Mark session cookies `Secure` (set when the SP is served over HTTPS).
    pub secure_cookies: bool,
    /// Longest wait for a composite API (R-CA-3).
    pub composite_timeout: std::time::Duration,
    /// Password-hashing threads and queue length (R-PW-1): beyond the queue, `overloaded`.
    pub hash_pool: signin::hashing::PoolSize,
    /// Connection, timeout and request-size limits of the HTTP server.
    pub http: mock_kit::http::Limits,
    /// Who checks XML signatures: the native verifier (default) or xmlsec, the oracle.
    pub signature_engine: protocol::saml::sign::Engine,
}

impl Settings {
    pub fn new(public_url: impl Into<String>) -> Self {
        Self {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            session_ttl: Duration::hours(8),
            secure_cookies: false,
            composite_timeout: std::time::Duration::from_secs(5),
            hash_pool: signin::hashing::PoolSize::default(),
            http: mock_kit::http::Limits::default(),
            signature_engine: protocol::saml::sign::Engine::default(),
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
    http: reqwest::Client,
    composite_done: tokio::sync::Notify,
    /// Composite-API tasks started and finished (whether or not a trigger was bound), so a test
    /// can tell that the background work of a sign-in is over without waiting blindly.
    composite_started: std::sync::atomic::AtomicU64,
    composite_finished: std::sync::atomic::AtomicU64,
    oidc_cache: protocol::oidc::ProviderCache,
    hashing: signin::hashing::HashPool,
    /// Vendor mode's message tap (R-VEN-3); unset, the SP keeps nothing of what it receives.
    observer: std::sync::OnceLock<Arc<dyn signin::saml::observe::Observer>>,
}

impl AppState {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        settings: Settings,
    ) -> Self {
        let hashing = signin::hashing::HashPool::new(settings.hash_pool);
        Self {
            inner: Arc::new(Inner {
                hashing,
                store,
                clock,
                ids,
                settings,
                // Composite APIs are called without following redirects: a trigger goes where
                // the administrator said, nowhere else.
                http: reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap_or_default(),
                composite_done: tokio::sync::Notify::new(),
                composite_started: Default::default(),
                composite_finished: Default::default(),
                oidc_cache: protocol::oidc::ProviderCache::default(),
                observer: std::sync::OnceLock::new(),
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

    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The argon2id pool every password check and hash goes through.
    pub fn hashing(&self) -> &signin::hashing::HashPool {
        &self.inner.hashing
    }

    pub fn oidc_cache(&self) -> &protocol::oidc::ProviderCache {
        &self.inner.oidc_cache
    }

    /// Tells `observer` of every SAML message from now on; only the first one set is kept.
    pub fn set_observer(&self, observer: Arc<dyn signin::saml::observe::Observer>) -> bool {
        self.inner.observer.set(observer).is_ok()
    }

    /// Whether an observer is set: a message is then judged a second time, every rule recorded.
    pub(crate) fn observing(&self) -> bool {
        self.inner.observer.get().is_some()
    }

    /// Tells the observer, if any, of `message`; the URL of its report when one is kept.
    pub(crate) fn observe(&self, message: &signin::saml::observe::Received<'_>) -> Option<String> {
        self.inner.observer.get()?.received(message)
    }

    /// Notified each time a composite-API call has been recorded (tests wait on it).
    pub fn composite_done(&self) -> &tokio::sync::Notify {
        &self.inner.composite_done
    }

    pub(crate) fn composite_task(&self, finished: bool) {
        let counter = if finished {
            &self.inner.composite_finished
        } else {
            &self.inner.composite_started
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether every composite-API task started so far has finished.
    pub fn composite_idle(&self) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        self.inner.composite_finished.load(SeqCst) == self.inner.composite_started.load(SeqCst)
    }
}

/// The SP's router.
pub fn app(state: AppState) -> Router {
    app_with(state, Router::new())
}

/// The SP's router with `extra` routes (vendor mode's report pages) behind the same limits,
/// cross-site guard and security headers.
pub fn app_with(state: AppState, extra: Router) -> Router {
    Router::new()
        .merge(http::browser::routes())
        .merge(http::admin::routes())
        .merge(signin::saml::routes())
        .merge(http::certificates::routes())
        .merge(signin::google::routes())
        .merge(signin::apple::routes())
        .with_state(state.clone())
        .merge(extra)
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::csrf::origin_guard,
        ))
        .layer(axum::middleware::from_fn(http::error_pages::negotiate))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
}

/// The SP's own HTML pages: no script, the shared stylesheet and favicon only, forms post to
/// the SP only, never framed (the same policy as the mocks' pages).
pub const PAGE_CSP: &str = mock_kit::html::PAGE_CSP;

/// Headers every answer carries (issue 10 item 5): `nosniff`, no Referer leaking URLs with
/// codes or states to other sites, HSTS when served over HTTPS; HTML that sets no CSP of its own
/// (uploaded pages and web interfaces) still may not be framed, against clickjacking of a custom
/// login page; and nothing tied to a session or setting a cookie is kept by a cache, so Back
/// after logout shows no signed-in page.
async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let with_session = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("DS_SESSION_"));
    let mut response = next.run(request).await;
    let sets_cookie = response.headers().contains_key(header::SET_COOKIE);
    let html = mock_kit::http::is_html(&response);
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if html && !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        );
    }
    if with_session || sets_cookie {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.settings().secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}
