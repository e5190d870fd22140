//! Serving a router the way a provider on the open network must: [`serve`], with the
//! timeouts and the connection limit of [`ServeOptions`], and graceful shutdown.
//!
//! `axum::serve` times nothing and accepts without limit: a few hundred clients that send
//! their headers or bodies slowly hold their connections for as long as they like, and once the
//! process runs out of file descriptors, legitimate requests wait with them.

mod body_deadline;
mod connection;
mod idle_timeout;
mod options;
mod over_limit;

use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use options::ServeOptions;

/// How long the accept loop waits after an error that retrying at once would repeat (out of
/// file descriptors or memory), so it never spins.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(250);

/// Serves `router` on `listener` (HTTP/1.1) with `options`' timeouts and connection limit:
/// the way to serve a provider built with this module. Await it to serve until an error, or
/// stop it with [`with_graceful_shutdown`](Serve::with_graceful_shutdown).
///
/// What it does to clients that hold connections (each bound is a [`ServeOptions`] setting):
/// - a request head (request line and headers) not received within
///   [`header_read_timeout`](ServeOptions::header_read_timeout), and a keep-alive connection
///   idle as long: the connection is closed;
/// - a request body not ended within [`body_read_timeout`](ServeOptions::body_read_timeout)
///   of its head: `408 Request Timeout`, and the connection is closed;
/// - no byte read or written for [`idle_timeout`](ServeOptions::idle_timeout) (a client that
///   does not read its response): the connection is closed;
/// - at [`max_connections`](ServeOptions::max_connections): a new connection is answered
///   `503 Service Unavailable` with `Retry-After: 1` at once and closed, so the server never
///   holds more connections, and never stops accepting.
///
/// Handlers can extract the peer's address as axum's
/// [`ConnectInfo`](axum::extract::ConnectInfo)`<SocketAddr>`.
///
/// Errors: an accept error that says the listener itself is unusable (on Unix `EBADF`,
/// `EINVAL`, `ENOTSOCK`, `EFAULT`) ends serving with it. Errors of one incoming connection are
/// skipped, and running out of file descriptors or memory is retried after a short pause
/// (logged at `warn`).
///
/// ```no_run
/// use std::time::Duration;
/// use axum::Router;
/// use axum::routing::get;
/// use oauth_compat::integrations::axum::{ServeOptions, serve};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let app = Router::new().route("/", get(|| async { "hello" }));
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:5000").await?;
/// let options = ServeOptions::new().header_read_timeout(Duration::from_secs(5));
/// serve(listener, app, options)
///     .with_graceful_shutdown(async {
///         let _ = tokio::signal::ctrl_c().await;
///     })
///     .await
/// # }
/// ```
pub fn serve(listener: TcpListener, router: Router, options: ServeOptions) -> Serve {
    Serve {
        listener,
        router,
        options,
    }
}

/// A server that [`serve`] set up: await it (it serves until an accept error it cannot get
/// past), or add a shutdown signal with [`with_graceful_shutdown`](Self::with_graceful_shutdown).
#[must_use = "a server does nothing until awaited"]
pub struct Serve {
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
}

impl Serve {
    /// Serves until `signal` resolves, then shuts down gracefully: stops accepting (the
    /// listener is closed), closes idle connections, lets each request in flight get its
    /// response, and resolves once every connection is closed. Connections still sending are
    /// bounded by the timeouts; to bound the whole wait (a slow handler), wrap the future in
    /// [`tokio::time::timeout`].
    pub fn with_graceful_shutdown<F>(self, signal: F) -> WithGracefulShutdown<F>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        WithGracefulShutdown {
            serve: self,
            signal,
        }
    }
}

impl fmt::Debug for Serve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener.local_addr().ok())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl IntoFuture for Serve {
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run(self, std::future::pending()))
    }
}

/// A [`Serve`] with a shutdown signal; await it.
#[must_use = "a server does nothing until awaited"]
pub struct WithGracefulShutdown<F> {
    serve: Serve,
    signal: F,
}

impl<F> fmt::Debug for WithGracefulShutdown<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithGracefulShutdown")
            .field("serve", &self.serve)
            .finish_non_exhaustive()
    }
}

impl<F> IntoFuture for WithGracefulShutdown<F>
where
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run(self.serve, self.signal))
    }
}

/// The accept loop, until `signal`; then the graceful shutdown of every connection.
async fn run(serve: Serve, signal: impl Future<Output = ()> + Send) -> io::Result<()> {
    let Serve {
        listener,
        router,
        options,
    } = serve;
    // Routes are turned into services once here, not at every request (as `axum::serve` does).
    let router = router.with_state(());
    // tokio's semaphore holds at most `MAX_PERMITS` (2^61 - 1): more is no limit anyway.
    let slots = Arc::new(Semaphore::new(
        options.get_max_connections().min(Semaphore::MAX_PERMITS),
    ));
    let graceful = GracefulShutdown::new();
    let mut signal = std::pin::pin!(signal);
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut signal => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => match AcceptError::of(&err) {
                AcceptError::Connection => continue,
                AcceptError::Resources => {
                    tracing::warn!(error = %err, "accept failed; retrying in {ACCEPT_BACKOFF:?}");
                    tokio::select! {
                        biased;
                        () = &mut signal => break,
                        () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    }
                }
                AcceptError::Listener => return Err(err),
            },
        };
        match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                connection::spawn(
                    stream,
                    peer,
                    router.clone(),
                    &options,
                    graceful.watcher(),
                    slot,
                );
            }
            Err(_) => over_limit::refuse(stream),
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// What an accept error means for the loop.
enum AcceptError {
    /// One incoming connection failed (it was reset or aborted before it was accepted, or
    /// Linux passed on its network error): accept the next at once.
    Connection,
    /// Out of file descriptors, buffers or memory, or an error not known to be either: wait a
    /// little, then accept again.
    Resources,
    /// The listener itself is unusable: retrying cannot help.
    Listener,
}

impl AcceptError {
    fn of(err: &io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable => Self::Connection,
            _ if listener_unusable(err) => Self::Listener,
            _ => Self::Resources,
        }
    }
}

#[cfg(unix)]
fn listener_unusable(err: &io::Error) -> bool {
    use rustix::io::Errno;
    matches!(
        Errno::from_io_error(err),
        Some(Errno::BADF | Errno::INVAL | Errno::NOTSOCK | Errno::FAULT)
    )
}

#[cfg(not(unix))]
fn listener_unusable(_: &io::Error) -> bool {
    false
}
