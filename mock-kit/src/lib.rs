//! Plumbing the mock identity providers and the harness share, so each mock is only its
//! protocol: serving a router on a listener that is bound before anything uses it (no waiting
//! for servers), stopping it when its handle is dropped, the binaries' logging, and the control
//! API's error body.

pub mod bounded;
pub mod html;
pub mod http;

use anyhow::Context;
use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A server running in the background; dropping the handle stops it (gracefully).
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Server {
    /// Binds `addr`; the address answers as soon as this returns.
    pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
        TcpListener::bind(addr).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                anyhow::anyhow!(
                    "port {} on {} is already in use: another program (or another stack) \
                     listens there",
                    addr.port(),
                    addr.ip()
                )
            } else {
                anyhow::Error::new(e).context(format!("binding {addr}"))
            }
        })
    }

    /// Serves `router` on `listener` with the default [`http::Limits`] until the handle is
    /// dropped. `name` labels the log.
    pub fn spawn(
        listener: TcpListener,
        router: Router,
        name: &'static str,
    ) -> anyhow::Result<Self> {
        Self::spawn_with(listener, router, name, http::Limits::default())
    }

    /// As [`Server::spawn`], with `limits`.
    pub fn spawn_with(
        listener: TcpListener,
        router: Router,
        name: &'static str,
        limits: http::Limits,
    ) -> anyhow::Result<Self> {
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let stop = async {
                let _ = rx.await;
            };
            let router = router.merge(http::assets());
            http::serve(listener, http::guard(router, limits), limits, stop).await;
            tracing::debug!(server = name, "server stopped");
        });
        Ok(Self {
            addr,
            shutdown: Some(tx),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How every mock starts: binds `addr`, builds the mock's state for its base URL
    /// (`public_url`, else `http://<bound address>`; no trailing slash), then serves the router
    /// made from that state. The address answers as soon as this returns.
    pub async fn start_mock<S>(
        addr: SocketAddr,
        public_url: Option<String>,
        name: &'static str,
        build: impl FnOnce(String) -> anyhow::Result<S>,
        router: impl FnOnce(std::sync::Arc<S>) -> Router,
    ) -> anyhow::Result<(Self, std::sync::Arc<S>)> {
        let listener = Self::bind(addr).await?;
        let bound = listener.local_addr()?;
        let base_url = public_url
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned();
        let shared = std::sync::Arc::new(build(base_url)?);
        let server = Self::spawn(listener, router(shared.clone()), name)?;
        Ok((server, shared))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Logging for the binaries: `RUST_LOG`, `info` by default.
pub fn init_tracing() {
    init_tracing_at("info");
}

/// As [`init_tracing`], with `default` as the level when `RUST_LOG` is not set.
pub fn init_tracing_at(default: &str) {
    use std::io::IsTerminal as _;
    tracing_subscriber::fmt()
        // Colour codes only for a person at a terminal, not in a file or a CI log.
        .with_ansi(std::io::stdout().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default.into()),
        )
        .init();
}

/// A control-API refusal: 422 with `{"error":{"code","message"}}`, as the SP's own errors.
pub fn control_error(code: &str, message: impl Into<String>) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": message.into()}});
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// A mock binary's configuration: the TOML file if one is given, else `default()`.
pub fn config_or<T: serde::de::DeserializeOwned>(
    path: Option<&std::path::Path>,
    default: impl FnOnce() -> T,
) -> anyhow::Result<T> {
    match path {
        Some(path) => load_toml(path),
        None => Ok(default()),
    }
}

/// Reads a mock's TOML configuration file.
pub fn load_toml<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{}", path.display()))
}

/// The body of `POST /control/faults`, the same for every mock.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultBody {
    pub fault: String,
}

/// Queues `item` for the control API: 204, or 422 `queue_full` when the queue is at its cap
/// (nothing is dropped or replaced).
pub fn enqueue<T>(queue: &mut bounded::BoundedQueue<T>, item: T) -> Response {
    match queue.push(item) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(full) => control_error("queue_full", full.to_string()),
    }
}

/// The control API's answer to `POST /control/faults {"fault": name}`: queues the named fault
/// (as [`enqueue`]) or refuses an unknown name (422 `unknown_fault`). `parse` is the mock's own
/// fault list.
pub fn enqueue_fault<F>(
    queue: &mut bounded::BoundedQueue<F>,
    name: &str,
    parse: impl FnOnce(&str) -> Option<F>,
) -> Response {
    match parse(name) {
        Some(f) => enqueue(queue, f),
        None => control_error("unknown_fault", format!("no fault named {name:?}")),
    }
}

/// The parameters that are present, by name, for a mock's log.
pub fn present(params: &[(&str, &Option<String>)]) -> std::collections::BTreeMap<String, String> {
    params
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| ((*k).to_owned(), v.clone())))
        .collect()
}

/// A copy of `params` with the value of each name in `secrets` replaced, for a mock's log.
pub fn redacted(
    mut params: std::collections::BTreeMap<String, String>,
    secrets: &[&str],
) -> std::collections::BTreeMap<String, String> {
    for secret in secrets {
        if let Some(v) = params.get_mut(*secret) {
            *v = "[redacted]".into();
        }
    }
    params
}
