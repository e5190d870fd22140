//! One accepted connection: HTTP/1 by hyper with the header-read timeout, over the idle
//! timeout, each request's body under the body-read timeout.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::Watcher;
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tower_service::Service as _;

use super::ServeOptions;
use super::body_deadline::DeadlineBody;
use super::idle_timeout::IdleTimeout;

/// Serves `stream` in a task of its own until it closes; `slot` (its place under the
/// connection limit) is given back then.
pub(super) fn spawn(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    options: &ServeOptions,
    watcher: Watcher,
    slot: OwnedSemaphorePermit,
) {
    let body_read_timeout = options.get_body_read_timeout();
    let service =
        service_fn(move |request| handle(router.clone(), request, peer, body_read_timeout));
    let io = TokioIo::new(IdleTimeout::new(stream, options.get_idle_timeout()));
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(options.get_header_read_timeout())
        .serve_connection(io, service);
    let connection = watcher.watch(connection);
    tokio::spawn(async move {
        // A connection's end is no error of the server's: timeouts, resets, bad requests.
        if let Err(err) = connection.await {
            tracing::debug!(%peer, error = %err, "connection closed");
        }
        drop(slot);
    });
}

/// One request through `router`: the peer's address as axum's [`ConnectInfo`], the body under
/// its deadline, and `408` if the deadline passed, whatever the handler answered.
async fn handle(
    mut router: Router,
    request: Request<Incoming>,
    peer: SocketAddr,
    body_read_timeout: Duration,
) -> Result<Response, Infallible> {
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(ConnectInfo(peer));
    let body = DeadlineBody::new(body, body_read_timeout);
    let expired = body.expired();
    // `Router` is always ready (its `poll_ready` returns `Ready`), so it is called directly.
    let response = router
        .call(Request::from_parts(parts, Body::new(body)))
        .await?;
    if expired.load(Ordering::Acquire) {
        return Ok(request_timeout(body_read_timeout));
    }
    Ok(response)
}

fn request_timeout(body_read_timeout: Duration) -> Response {
    let mut response = (
        StatusCode::REQUEST_TIMEOUT,
        format!("the request body did not end within {body_read_timeout:?}"),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
