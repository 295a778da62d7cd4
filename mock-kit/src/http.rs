//! The HTTP server every process of the project runs (the reference SP and the mocks), with
//! bounded resources and JSON refusals at every layer (issue 10 item 2).
//!
//! - **Connections**: at most `max_connections` at once (beyond, new ones wait in the kernel's
//!   backlog); a connection with no byte read or written for `idle_timeout` is closed, which also
//!   ends idle keep-alive connections; a request head must arrive within `header_read_timeout`.
//! - **Requests**: a whole request (body read included) must be answered within
//!   `request_timeout`, else `408 request_timeout`, so a client trickling its body cannot hold a
//!   worker. URI and headers are limited before routing: `414 uri_too_long`,
//!   `431 headers_too_large`; a path whose percent-decoding is not UTF-8 is `400 invalid_path`.
//! - **Framework refusals** (axum's extractor rejections, plain text) become
//!   `{"error":{"code","message"}}` with a code named for the status.
//! - **Transport refusals**: hyper answers a request it cannot parse at all (a URI over 64 KiB, a
//!   head over its buffer, more headers than it can index, a malformed request line) by itself,
//!   with an empty body and no hook. [`GuardedIo`] recognises that answer on the way out (a 400,
//!   414 or 431 head without `content-type`: the application never sends one, every refusal it
//!   makes has a JSON body) and writes the same status with the JSON body instead.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

/// Limits of one server; [`Limits::default`] is what every process uses unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub request_timeout: Duration,
    /// Longest request target (path and query), in bytes.
    pub max_uri_len: usize,
    pub max_headers: usize,
    /// Total size of all header names and values.
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_uri_len: 16 * 1024,
            max_headers: 100,
            max_header_bytes: 32 * 1024,
        }
    }
}

/// Hyper's own ceilings, above ours so that ours answer first with JSON.
const HYPER_MAX_HEADERS: usize = 1024;
const HYPER_MAX_BUF: usize = 1024 * 1024;

/// `{"error":{"code","message"}}` with `status`, as every refusal of the project.
pub fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

/// The code of a refusal that has no more specific one, named for its status.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "malformed_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_request",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        s if s.is_server_error() => "internal_error",
        _ => "refused",
    }
}

/// What every server serves beside its own routes: the shared stylesheet and the favicon
/// ([`crate::html`]), cacheable for a day.
pub fn assets() -> Router {
    use axum::routing::get;
    fn asset(content_type: &'static str, body: &'static str) -> Response {
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            body,
        )
            .into_response()
    }
    let svg = || async { asset("image/svg+xml", crate::html::FAVICON_SVG) };
    Router::new()
        .route(
            "/style.css",
            get(|| async { asset("text/css; charset=utf-8", crate::html::STYLESHEET) }),
        )
        .route("/favicon.svg", get(svg))
        .route("/favicon.ico", get(svg))
}

/// Applies [`Limits`] to a router: limits before routing, the request timeout around it, and
/// plain-text framework refusals turned into JSON.
pub fn guard(router: Router, limits: Limits) -> Router {
    router.layer(axum::middleware::from_fn(
        move |req: Request, next: Next| limit(limits, req, next),
    ))
}

async fn limit(limits: Limits, req: Request, next: Next) -> Response {
    with_page_headers(checked(limits, req, next).await)
}

async fn checked(limits: Limits, req: Request, next: Next) -> Response {
    let uri_len = req
        .uri()
        .path_and_query()
        .map_or(req.uri().path().len(), |pq| pq.as_str().len());
    if uri_len > limits.max_uri_len {
        return json_error(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            &format!(
                "the request target is longer than {} bytes",
                limits.max_uri_len
            ),
        );
    }
    let headers = req.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if headers.len() > limits.max_headers || header_bytes > limits.max_header_bytes {
        return json_error(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            &format!(
                "at most {} headers of {} bytes in all",
                limits.max_headers, limits.max_header_bytes
            ),
        );
    }
    let path = req.uri().path();
    if percent_decode(path).is_none_or(|bytes| std::str::from_utf8(&bytes).is_err()) {
        return json_error(
            StatusCode::BAD_REQUEST,
            "invalid_path",
            "the path is not valid percent-encoded UTF-8",
        );
    }
    match tokio::time::timeout(limits.request_timeout, next.run(req)).await {
        Ok(response) => jsonify(response).await,
        Err(_) => json_error(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request was not received and answered in time",
        ),
    }
}

fn percent_decode(path: &str) -> Option<Vec<u8>> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Whether `response` is an HTML page (the answers that need a page policy).
pub fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// `nosniff` and `no-referrer` on every answer; HTML that sets no policy of its own gets one
/// that allows no script, forms to its own origin only, and no framing. A page with an inline
/// script (the auto-posting forms) sets its own, allowing that script by hash.
fn with_page_headers(mut response: Response) -> Response {
    let html = is_html(&response);
    let h = response.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    if html {
        h.entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(crate::html::PAGE_CSP));
    }
    response
}

/// A refusal in plain text (axum's extractor rejections) rewritten as the JSON error body.
async fn jsonify(response: Response) -> Response {
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Framework messages are short; a longer body is cut, not buffered without bound.
    let text = match axum::body::to_bytes(body, 4096).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    };
    let mut rewritten = json_error(status, code_for(status), text.trim());
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = parts.headers.get(&name) {
            rewritten.headers_mut().insert(name, v.clone());
        }
    }
    rewritten
}

/// Serves `router` (already [`guard`]ed) on `listener` until `stop` completes, then lets the
/// connections in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: impl Future<Output = ()> + Send,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_headers(HYPER_MAX_HEADERS)
        .max_buf_size(HYPER_MAX_BUF);
    let builder = builder.http1_only();
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly, keep serving.
                    tracing::warn!(%e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let io = TokioIo::new(GuardedIo::new(stream, limits.idle_timeout));
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let conn = builder
            .serve_connection_with_upgrades(io, service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    graceful.shutdown().await;
}

/// A connection's stream with an idle deadline, and hyper's bodiless automatic refusals
/// rewritten to JSON (see the module documentation).
#[derive(Debug)]
pub struct GuardedIo<S> {
    inner: S,
    idle: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
    /// A rewritten refusal being written: the bytes left, and the length hyper asked for.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> GuardedIo<S> {
    pub fn new(inner: S, idle: Duration) -> Self {
        Self {
            inner,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
            pending: None,
        }
    }

    fn touch(&mut self) {
        let at = tokio::time::Instant::now() + self.idle;
        self.deadline.as_mut().reset(at);
    }
}

/// The JSON answer replacing hyper's automatic one, if `head` is such an answer.
fn rewrite_automatic(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let (status_line, rest) = text.split_once("\r\n")?;
    let code: u16 = status_line
        .strip_prefix("HTTP/1.1 ")?
        .get(..3)?
        .parse()
        .ok()?;
    if !matches!(code, 400 | 414 | 431) || !rest.ends_with("\r\n\r\n") {
        return None;
    }
    let lower = rest.to_ascii_lowercase();
    if lower.contains("content-type:") || !lower.contains("content-length: 0\r\n") {
        return None;
    }
    let status = StatusCode::from_u16(code).ok()?;
    let body = serde_json::json!({"error": {
        "code": code_for(status),
        "message": "the request could not be read: it is malformed or exceeds the server's limits",
    }})
    .to_string();
    let date = HeaderValue::from_str(&httpdate_now()).ok()?;
    Some(
        format!(
            "HTTP/1.1 {code} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             x-content-type-options: nosniff\r\nconnection: close\r\ndate: {}\r\n\r\n{body}",
            status.canonical_reason().unwrap_or(""),
            body.len(),
            date.to_str().unwrap_or_default(),
        )
        .into_bytes(),
    )
}

fn httpdate_now() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

impl<S: AsyncRead + Unpin> AsyncRead for GuardedIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.touch();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if self.deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "connection idle",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for GuardedIo<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.pending.is_none()
            && let Some(replacement) = rewrite_automatic(buf)
        {
            self.pending = Some((replacement, buf.len()));
        }
        if let Some((mut left, asked)) = self.pending.take() {
            while !left.is_empty() {
                match Pin::new(&mut self.inner).poll_write(cx, &left) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                    }
                    Poll::Ready(Ok(n)) => {
                        left.drain(..n);
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        self.pending = Some((left, asked));
                        return Poll::Pending;
                    }
                }
            }
            self.touch();
            return Poll::Ready(Ok(asked));
        }
        let n = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        self.touch();
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // Not vectored, so hyper hands each answer over as one buffer that starts with its head.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hyper_bodiless_refusals_are_rewritten() {
        let hyper = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(rewrite_automatic(hyper).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\ncontent-type: application/json"));
        assert!(out.ends_with("\"code\":\"uri_too_long\",\"message\":\"the request could not be read: it is malformed or exceeds the server's limits\"}}"));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert!(rewrite_automatic(ours).is_none());
        assert!(rewrite_automatic(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(
            rewrite_automatic(b"HTTP/1.1 303 See Other\r\ncontent-length: 0\r\n\r\n").is_none()
        );
    }

    #[test]
    fn percent_decoding_finds_invalid_utf8() {
        assert_eq!(percent_decode("/a%2Fb").unwrap(), b"/a/b");
        assert!(percent_decode("/a%zz").is_none());
        assert!(std::str::from_utf8(&percent_decode("/%ff").unwrap()).is_err());
    }
}
