//! The shared server's limits over real sockets (issue 10 item 2): timeouts, the connection cap,
//! and framework or transport refusals answered as JSON codes.

use axum::Router;
use axum::routing::{get, post};
use mock_kit::http::{Limits, guard, serve};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(serde::Deserialize)]
struct Form {
    #[allow(dead_code)]
    name: String,
}

async fn start(limits: Limits) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let router = Router::new().route("/", get(|| async { "ok" })).route(
        "/form",
        post(|axum::Form(_f): axum::Form<Form>| async { "posted" }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, guard(router, limits), limits, async {
        let _ = rx.await;
    }));
    (addr, tx)
}

/// Everything the server sends until it closes (or 5 s pass: then the test fails on content).
async fn read_all(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn short() -> Limits {
    Limits {
        header_read_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_millis(300),
        ..Limits::default()
    }
}

#[tokio::test]
async fn a_body_trickled_slower_than_the_request_timeout_gets_408() {
    // Idle long enough that the request timeout is what ends it.
    let (addr, _stop) = start(Limits {
        idle_timeout: Duration::from_secs(30),
        ..short()
    })
    .await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 100\r\n\r\nna",
    )
    .await
    .unwrap();
    let answer = read_all(&mut s).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
}

#[tokio::test]
async fn an_idle_connection_is_closed() {
    let (addr, _stop) = start(short()).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // The answer, then the close of the idle keep-alive connection.
    let answer = read_all(&mut s).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    let mut more = [0u8; 1];
    assert_eq!(
        s.read(&mut more).await.unwrap_or(0),
        0,
        "the connection is still open"
    );
}

#[tokio::test]
async fn a_head_that_never_ends_is_cut_off() {
    let (addr, _stop) = start(Limits {
        idle_timeout: Duration::from_secs(30),
        ..short()
    })
    .await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let answer = read_all(&mut s).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    let mut more = [0u8; 1];
    assert_eq!(s.read(&mut more).await.unwrap_or(0), 0);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let (addr, _stop) = start(Limits {
        max_connections: 1,
        ..short()
    })
    .await;
    let mut first = TcpStream::connect(addr).await.unwrap();
    first
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut second = TcpStream::connect(addr).await.unwrap();
    second
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    // The second is served once the first's unfinished head times out and frees the slot.
    let answer = read_all(&mut second).await;
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

#[tokio::test]
async fn framework_and_transport_refusals_are_json_codes() {
    let (addr, _stop) = start(Limits::default()).await;
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            b"POST /form HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\nx=1".to_vec(),
            "422",
            "invalid_request",
        ),
        (
            b"POST /form HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/xml\r\nContent-Length: 3\r\n\r\nx=1".to_vec(),
            "415",
            "unsupported_media_type",
        ),
        (
            [b"GET /".as_slice(), &vec![b'a'; 100_000], b" HTTP/1.1\r\nHost: x\r\n\r\n"].concat(),
            "414",
            "uri_too_long",
        ),
        (
            [b"GET /".as_slice(), &vec![b'a'; 20_000], b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"].concat(),
            "414",
            "uri_too_long",
        ),
        (b"GARBAGE\r\n\r\n".to_vec(), "400", "malformed_request"),
        (
            b"GET /%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
            "400",
            "invalid_path",
        ),
        (
            [
                b"GET / HTTP/1.1\r\nHost: x\r\n".as_slice(),
                &(0..1100).flat_map(|i| format!("x{i}: 1\r\n").into_bytes()).collect::<Vec<u8>>(),
                b"\r\n",
            ]
            .concat(),
            "431",
            "headers_too_large",
        ),
        (
            [
                b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".as_slice(),
                &(0..150).flat_map(|i| format!("x{i}: 1\r\n").into_bytes()).collect::<Vec<u8>>(),
                b"\r\n",
            ]
            .concat(),
            "431",
            "headers_too_large",
        ),
    ];
    for (request, status, code) in cases {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(&request).await.unwrap();
        let answer = read_all(&mut s).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{status} {code}: {answer}"
        );
        assert!(
            answer.contains("content-type: application/json"),
            "{answer}"
        );
        assert!(answer.contains(&format!("\"code\":\"{code}\"")), "{answer}");
    }
}
