//! `integrations::axum::serve` over real sockets on 127.0.0.1: each timeout closes what it
//! bounds (and no sooner), the connection limit answers 503 and frees its slots, graceful
//! shutdown lets a request in flight finish, and handlers see the peer's address.
//!
//! Clients here are raw TCP streams, so a test controls every byte and when it is sent. Times
//! are bounded as the issue names them: a timeout `T` must have closed its connection by
//! `T + 2 s`.
#![cfg(feature = "axum")]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use oauth_compat::integrations::axum::{ServeOptions, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The timeout under test.
const T: Duration = Duration::from_secs(1);
/// The bound: closed by `T + MARGIN`.
const MARGIN: Duration = Duration::from_secs(2);
/// A timeout that must not play a part in a test.
const LONG: Duration = Duration::from_secs(60);
/// The response that does not fit the socket buffers, for a client that does not read it.
const LARGE: usize = 64 * 1024 * 1024;

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "hello" }))
        .route("/echo", post(|body: Bytes| async move { body }))
        .route("/large", get(|| async { vec![b'x'; LARGE] }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                "slow"
            }),
        )
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        )
}

/// Timeouts that play no part unless a test sets them.
fn long() -> ServeOptions {
    ServeOptions::new()
        .header_read_timeout(LONG)
        .body_read_timeout(LONG)
        .idle_timeout(LONG)
}

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(options: ServeOptions) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(listener, app(), options)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Self {
            addr,
            stop: Some(stop),
            task,
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }
}

/// Reads until the peer closes (EOF or reset): what was read, and when it ended. Panics if it
/// is still open after `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, Instant) {
    let mut read = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return (read, Instant::now()),
            Ok(Ok(n)) => read.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "still open after {within:?}; read so far: {:?}",
                String::from_utf8_lossy(&read[..read.len().min(200)])
            ),
        }
    }
}

/// Sends `request` on a new connection and reads the response until the server closes.
async fn exchange(server: &Server, request: &str) -> String {
    let mut stream = server.connect().await;
    stream.write_all(request.as_bytes()).await.unwrap();
    let (read, _) = read_until_closed(&mut stream, MARGIN).await;
    String::from_utf8(read).unwrap()
}

fn get_close(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
}

#[tokio::test]
async fn a_head_sent_slowly_is_closed_after_the_header_read_timeout() {
    let server = Server::start(long().header_read_timeout(T)).await;
    let stream = server.connect().await;
    let opened = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    // The request line, then a header line every 100 ms: the head never ends.
    let drip = tokio::spawn(async move {
        let mut line = String::from("GET / HTTP/1.1\r\nhost: test\r\n");
        for n in 0.. {
            if writer.write_all(line.as_bytes()).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            line = format!("x-drip-{n}: 1\r\n");
        }
    });
    let mut read = Vec::new();
    let closed = tokio::time::timeout(T + MARGIN, async {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(n) => read.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the dripping connection is still open after T + 2 s");
    drip.abort();
    assert!(read.is_empty(), "{:?}", String::from_utf8_lossy(&read));
    let took = closed - opened;
    assert!(took >= T.mul_f32(0.9), "closed after {took:?}, before T");

    // Whole requests are served as before.
    let response = exchange(&server, &get_close("/")).await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with("hello"), "{response}");
}

#[tokio::test]
async fn a_keep_alive_connection_left_idle_is_closed_after_the_header_read_timeout() {
    let server = Server::start(long().header_read_timeout(T)).await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    let answered = Instant::now();
    let response = String::from_utf8_lossy(&buf[..n]);
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with("hello"), "{response}");
    let (rest, closed) = read_until_closed(&mut stream, T + MARGIN).await;
    assert!(rest.is_empty(), "{rest:?}");
    let idle = closed - answered;
    assert!(
        idle >= T.mul_f32(0.9),
        "closed after {idle:?} idle, before T"
    );
}

#[tokio::test]
async fn a_body_that_never_ends_gets_408_and_the_connection_is_closed() {
    let server = Server::start(long().body_read_timeout(T)).await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 100000\r\n\r\n")
        .await
        .unwrap();
    let sent_head = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    // A byte every 50 ms: data keeps coming, the body never ends.
    let drip = tokio::spawn(async move {
        while writer.write_all(b"a").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut read = Vec::new();
    let closed = tokio::time::timeout(T + MARGIN, async {
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(n) => read.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the connection is still open after T + 2 s");
    drip.abort();
    let response = String::from_utf8_lossy(&read);
    assert!(
        response.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{response}"
    );
    assert!(response.contains("\r\nconnection: close\r\n"), "{response}");
    let took = closed - sent_head;
    assert!(took >= T.mul_f32(0.9), "closed after {took:?}, before T");

    // A body that ends in time is read whole.
    let response = exchange(
        &server,
        "POST /echo HTTP/1.1\r\nhost: test\r\nconnection: close\r\ncontent-length: 5\r\n\r\nhello",
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with("hello"), "{response}");
}

#[tokio::test]
async fn a_client_that_does_not_read_its_response_is_closed_after_the_idle_timeout() {
    let server = Server::start(long().idle_timeout(T)).await;
    let mut stream = server.connect().await;
    stream
        .write_all(get_close("/large").as_bytes())
        .await
        .unwrap();
    // Not reading: the server's writes stall once the socket buffers are full.
    tokio::time::sleep(T + MARGIN).await;
    let (read, _) = read_until_closed(&mut stream, MARGIN).await;
    assert!(
        read.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{:?}",
        String::from_utf8_lossy(&read[..read.len().min(200)])
    );
    // The server gave up: what was left in its buffers arrived, the rest never will.
    assert!(
        read.len() < LARGE,
        "the whole response arrived: {}",
        read.len()
    );

    // A client that reads gets all of it.
    let mut stream = server.connect().await;
    stream
        .write_all(get_close("/large").as_bytes())
        .await
        .unwrap();
    let (read, _) = read_until_closed(&mut stream, Duration::from_secs(30)).await;
    assert!(read.len() > LARGE, "{}", read.len());
}

#[tokio::test]
async fn at_the_limit_a_connection_gets_503_and_a_freed_slot_serves_again() {
    let server = Server::start(long().max_connections(2)).await;
    // Two connections that hold their slots (their heads are not finished).
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = server.connect().await;
        stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        held.push(stream);
    }
    // The server accepts in order: make sure both are in before the third.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let response = exchange(&server, &get_close("/")).await;
    assert!(
        response.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{response}"
    );
    assert!(response.contains("\r\nretry-after: 1\r\n"), "{response}");
    assert!(response.contains("\r\nconnection: close\r\n"), "{response}");

    // One held connection goes: its slot serves the next client (once the server noticed).
    drop(held.pop());
    let deadline = Instant::now() + MARGIN;
    loop {
        let response = exchange(&server, &get_close("/")).await;
        if response.starts_with("HTTP/1.1 200 OK\r\n") {
            break;
        }
        assert!(
            response.starts_with("HTTP/1.1 503"),
            "neither 200 nor 503: {response}"
        );
        assert!(Instant::now() < deadline, "no slot freed within 2 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The other one still holds its slot: the limit is still 2.
    let mut second = server.connect().await;
    second.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = exchange(&server, &get_close("/")).await;
    assert!(response.starts_with("HTTP/1.1 503"), "{response}");
}

#[tokio::test]
async fn graceful_shutdown_lets_a_request_in_flight_finish() {
    let mut server = Server::start(long()).await;
    // An idle keep-alive connection, and a request in flight on another.
    let mut idle = server.connect().await;
    idle.write_all(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK\r\n"));
    let mut in_flight = server.connect().await;
    in_flight
        .write_all(b"GET /slow HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    server.stop.take().unwrap().send(()).unwrap();
    let (response, _) = read_until_closed(&mut in_flight, MARGIN).await;
    let response = String::from_utf8(response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with("slow"), "{response}");
    let (rest, _) = read_until_closed(&mut idle, MARGIN).await;
    assert!(rest.is_empty(), "{rest:?}");
    let served = tokio::time::timeout(MARGIN, &mut server.task)
        .await
        .expect("serving did not end after the shutdown signal");
    served.unwrap().unwrap();
    // The listener is closed.
    assert!(TcpStream::connect(server.addr).await.is_err());
}

#[tokio::test]
async fn handlers_see_the_peer_address() {
    let server = Server::start(long()).await;
    let mut stream = server.connect().await;
    let local = stream.local_addr().unwrap();
    stream
        .write_all(get_close("/peer").as_bytes())
        .await
        .unwrap();
    let (response, _) = read_until_closed(&mut stream, MARGIN).await;
    let response = String::from_utf8(response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with(&local.to_string()), "{response}");
}

/// As documented: the idle timeout also counts a handler's time before its response starts
/// (hyper reads the socket meanwhile, to notice a client that leaves), so it must be set above
/// the slowest handler. `/slow` takes 500 ms.
#[tokio::test]
async fn a_handler_slower_than_the_idle_timeout_is_cut_off() {
    let server = Server::start(long().idle_timeout(Duration::from_millis(200))).await;
    let mut stream = server.connect().await;
    stream
        .write_all(get_close("/slow").as_bytes())
        .await
        .unwrap();
    let (read, _) = read_until_closed(&mut stream, MARGIN).await;
    assert!(read.is_empty(), "{:?}", String::from_utf8_lossy(&read));

    let server = Server::start(long().idle_timeout(T)).await;
    let response = exchange(&server, &get_close("/slow")).await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
}

/// `Duration::MAX` ("never") and `usize::MAX` ("no limit") serve, rather than overflow a
/// deadline or tokio's semaphore.
#[tokio::test]
async fn never_and_no_limit_serve() {
    let options = ServeOptions::new()
        .header_read_timeout(Duration::MAX)
        .body_read_timeout(Duration::MAX)
        .idle_timeout(Duration::MAX)
        .max_connections(usize::MAX);
    let server = Server::start(options).await;
    let response = exchange(
        &server,
        "POST /echo HTTP/1.1\r\nhost: test\r\nconnection: close\r\ncontent-length: 5\r\n\r\nhello",
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with("hello"), "{response}");
}
