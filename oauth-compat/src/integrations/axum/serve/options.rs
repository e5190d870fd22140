//! [`ServeOptions`]: the timeouts and the connection limit [`serve`](super::serve) applies.

use std::time::Duration;

/// The connection limit when the fd limit is unknown or generous.
const MAX_CONNECTIONS_CAP: usize = 512;

/// The longest timeout kept: a longer one (`Duration::MAX` for "never") would overflow the
/// deadlines computed from it, and a year is never in practice.
const LONGEST_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// How [`serve`](super::serve) bounds what clients may hold: three timeouts and a connection
/// limit. [`ServeOptions::new`] (or `default()`) gives the defaults; each setter changes one.
/// A timeout longer than a year counts as a year (so `Duration::MAX` means "never").
///
/// | setting | default | past it |
/// |---|---|---|
/// | [`header_read_timeout`](Self::header_read_timeout) | 10 s | the connection is closed |
/// | [`body_read_timeout`](Self::body_read_timeout) | 30 s | `408 Request Timeout`, then closed |
/// | [`idle_timeout`](Self::idle_timeout) | 60 s | the connection is closed |
/// | [`max_connections`](Self::max_connections) | half the soft `RLIMIT_NOFILE`, at most 512 | `503 Service Unavailable`, then closed |
///
/// ```
/// use std::time::Duration;
/// use oauth_compat::integrations::axum::ServeOptions;
///
/// let options = ServeOptions::new()
///     .header_read_timeout(Duration::from_secs(5))
///     .max_connections(256);
/// assert_eq!(options.get_header_read_timeout(), Duration::from_secs(5));
/// assert_eq!(options.get_body_read_timeout(), Duration::from_secs(30));
/// assert_eq!(options.get_max_connections(), 256);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl ServeOptions {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: default_max_connections(),
        }
    }

    /// How long a client may take to send a request head (request line and headers), timed
    /// from when the connection starts waiting for it: from accept for the first request, and
    /// from the end of the previous response on a keep-alive connection (hyper starts the
    /// timer there), so this also bounds how long a keep-alive connection may sit idle between
    /// requests. Past it the connection is closed without an answer. Default 10 s.
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout.min(LONGEST_TIMEOUT);
        self
    }

    /// How long a client may take to send a request body, timed from the end of its head.
    /// A body that is still unfinished then (one that drips, or never ends) fails for the
    /// handler reading it; the client gets `408 Request Timeout` with `Connection: close`
    /// whatever the handler answered, and the connection is closed. A body no handler reads
    /// is never waited for: hyper closes the connection after the response instead of
    /// reading it. Default 30 s.
    #[must_use]
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout.min(LONGEST_TIMEOUT);
        self
    }

    /// The longest a connection may go without a byte read from it or written to it while
    /// waiting on the socket: a client that stops reading a response (or goes silent in a way
    /// the two other timeouts do not cover) is closed after it. A handler that works longer
    /// than this before its response starts is cut off too, so keep it above your slowest
    /// handler. Default 60 s.
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout.min(LONGEST_TIMEOUT);
        self
    }

    /// The most connections served at once. A connection accepted at the limit is answered
    /// `503 Service Unavailable` with `Retry-After: 1` and `Connection: close` at once, without
    /// reading its request, and closed (best effort: a client still sending may see a reset
    /// instead): the server never holds more, its accept loop never waits behind slow
    /// clients, and clients retry. `0` refuses every connection; `usize::MAX` means no limit.
    ///
    /// The default is half the process's soft `RLIMIT_NOFILE` (the other half is left for the
    /// database, files and outgoing connections), at most 512; 512 when the limit is unknown
    /// or unlimited. Above the fd limit, accepting fails (`EMFILE`) and the server can only
    /// wait, so set it below what the process may open.
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// The [`header_read_timeout`](Self::header_read_timeout).
    pub fn get_header_read_timeout(&self) -> Duration {
        self.header_read_timeout
    }

    /// The [`body_read_timeout`](Self::body_read_timeout).
    pub fn get_body_read_timeout(&self) -> Duration {
        self.body_read_timeout
    }

    /// The [`idle_timeout`](Self::idle_timeout).
    pub fn get_idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// The [`max_connections`](Self::max_connections).
    pub fn get_max_connections(&self) -> usize {
        self.max_connections
    }
}

/// Half the soft fd limit, at most [`MAX_CONNECTIONS_CAP`].
fn default_max_connections() -> usize {
    limit_for(soft_fd_limit())
}

/// The connection limit for a soft fd limit (`None`: unknown or unlimited).
fn limit_for(soft_fd_limit: Option<u64>) -> usize {
    soft_fd_limit
        .and_then(|limit| usize::try_from(limit / 2).ok())
        .map_or(MAX_CONNECTIONS_CAP, |half| {
            half.clamp(1, MAX_CONNECTIONS_CAP)
        })
}

#[cfg(unix)]
fn soft_fd_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn soft_fd_limit() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limit_is_half_the_soft_fd_limit_at_most_512() {
        assert_eq!(limit_for(Some(256)), 128);
        assert_eq!(limit_for(Some(1024)), 512);
        assert_eq!(limit_for(Some(1_048_576)), 512);
        assert_eq!(limit_for(None), 512);
        assert_eq!(limit_for(Some(1)), 1);
    }

    #[test]
    fn never_is_a_year() {
        let options = ServeOptions::new()
            .header_read_timeout(Duration::MAX)
            .body_read_timeout(Duration::MAX)
            .idle_timeout(Duration::MAX);
        assert_eq!(options.get_header_read_timeout(), LONGEST_TIMEOUT);
        assert_eq!(options.get_body_read_timeout(), LONGEST_TIMEOUT);
        assert_eq!(options.get_idle_timeout(), LONGEST_TIMEOUT);
    }
}
