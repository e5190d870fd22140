//! The HTTP engine: a thin layer over [`reqwest::Client`] that every OAuth 1 and OAuth 2 client
//! sends through.

mod error;
mod redirect;
mod send;
pub(crate) mod url_join;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

pub use error::EngineError;
pub use redirect::MAX_REDIRECTS;

use crate::env::{EnvSource, ProcessEnv};

/// The timeout of the client the engine builds when none is given: Python's requests has none
/// by default, which is how a stuck provider hangs a Flask worker.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest response body read by default (4 MiB, the response layer's own bound): token responses are tiny and API
/// responses rarely approach it.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = crate::response::DEFAULT_MAX_BODY_BYTES;

/// The HTTP engine: cheap to clone, share it between clients and handlers.
///
/// It adds what OAuth needs around a plain HTTP exchange: the transport-security rule (HTTPS, or
/// plain HTTP to this machine, unless `AUTHLIB_INSECURE_TRANSPORT` is set), the hook pipeline
/// ([`Hooks`](crate::Hooks)), a bound on the response size, a default timeout, and a `tracing` span per
/// request that names method, host, path, status and duration, never a secret.
///
/// # Bring your own reqwest client
/// Pools, proxies and timeouts are reqwest's job: build a client with the re-exported
/// [`crate::reqwest`] (the exact version the engine uses, so the types match) and hand it over.
/// Its timeout then applies; the engine sets none of its own unless asked to.
///
/// ```
/// use std::time::Duration;
/// use oauth_compat::{Engine, reqwest};
///
/// let client = reqwest::Client::builder()
///     .timeout(Duration::from_secs(5))
///     .pool_max_idle_per_host(4)
///     .build()?;
/// let engine = Engine::builder().client(client).max_response_bytes(256 * 1024).build()?;
/// # let _ = engine;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Redirects
/// The engine follows redirects itself, at most [`MAX_REDIRECTS`] hops, by these rules:
/// no hop carries a `Referer` (the previous URL can hold an `access_token` or a
/// `client_secret`); a 301/302/303 continues as a GET without a body; a 307/308 repeats the
/// method and body, except that a body is never sent to another origin (scheme, host and port):
/// that is [`EngineError::RedirectWithBody`], naming both origins, and nothing is sent there;
/// `Authorization`, `Cookie` and `Proxy-Authorization` never go to another origin; every hop
/// must pass the transport rule. A client you pass should leave redirects to the engine (see
/// [`EngineBuilder::client`]).
///
/// TLS is rustls with its aws-lc-rs provider (reqwest's default choice), so clients built from
/// the re-exported reqwest work without installing a process-wide crypto provider; the engine
/// never installs one either. Building aws-lc-sys is the largest single step of a cold build:
/// its build script took 45 s of an 88 s `cargo build -p oauth-compat` on 2 cores (`--timings`).
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    /// Set on each request: only when asked for on a client the caller passed.
    per_request_timeout: Option<Duration>,
    /// The timeout known to apply, for error messages.
    timeout: Option<Duration>,
    max_response_bytes: usize,
    insecure_transport: bool,
    /// Whether the warning that a passed client follows redirects itself was logged.
    warned_client_redirect: AtomicBool,
}

impl Engine {
    /// An engine with its own reqwest client, the default timeout and response bound, and the
    /// insecure-transport switch read from the process environment.
    pub fn new() -> Result<Self, EngineError> {
        Self::builder().build()
    }

    /// A builder.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The reqwest client requests go through.
    pub fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// The timeout the engine set, on its own client or per request (`None`: a client you
    /// passed keeps whatever it has).
    pub fn timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }

    /// The largest response body read, in bytes.
    pub fn max_response_bytes(&self) -> usize {
        self.inner.max_response_bytes
    }

    /// Whether plain HTTP to any host is allowed.
    pub fn insecure_transport(&self) -> bool {
        self.inner.insecure_transport
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("timeout", &self.inner.timeout)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("insecure_transport", &self.inner.insecure_transport)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Engine`].
#[derive(Default)]
#[must_use]
pub struct EngineBuilder {
    client: Option<reqwest::Client>,
    timeout: Option<Duration>,
    max_response_bytes: Option<usize>,
    insecure_transport: Option<bool>,
    env: Option<Box<dyn EnvSource>>,
}

impl EngineBuilder {
    /// Sends through this client (built with [`crate::reqwest`]) instead of a new one.
    ///
    /// **Build it with `.redirect(reqwest::redirect::Policy::none())` and `.referer(false)`.**
    /// The engine follows redirects itself, by rules reqwest cannot know (see
    /// [`MAX_REDIRECTS`] and the [engine's rules](Engine#redirects)): no `Referer` on any hop, no
    /// body re-sent to another origin, every hop on secure transport. A client that follows
    /// redirects by its own policy does so before the engine sees them, with reqwest's
    /// defaults: a `Referer` header carrying the previous URL (an `access_token` in its query
    /// with `token_placement = "uri"`, a `client_secret` in a GET token request) and a 307/308
    /// re-posting the token request's body (client secret, refresh token) to whatever origin
    /// the provider names. The engine cannot inspect a built client; it logs a warning the
    /// first time such a client follows a redirect.
    ///
    /// ```
    /// use std::time::Duration;
    /// use oauth_compat::{Engine, reqwest};
    ///
    /// let client = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none()) // the engine follows redirects
    ///     .referer(false)                              // and never sends a Referer
    ///     .timeout(Duration::from_secs(10))
    ///     .build()?;
    /// let engine = Engine::builder().client(client).build()?;
    /// # let _ = engine;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Its other settings (timeouts, pools, proxies) apply as they are.
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// A timeout for each whole request (connect, send, read the body). Without this, a client
    /// the engine builds gets [`DEFAULT_TIMEOUT`] and a client you pass keeps its own.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The largest response body read ([`DEFAULT_MAX_RESPONSE_BYTES`] by default); a larger
    /// one is [`EngineError::ResponseTooLarge`], read no further than the limit.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Allows (`true`) or forbids (`false`) plain HTTP to any host, whatever the environment
    /// says. Unset, `AUTHLIB_INSECURE_TRANSPORT` / `OAUTHLIB_INSECURE_TRANSPORT` decide.
    pub fn insecure_transport(mut self, allow: bool) -> Self {
        self.insecure_transport = Some(allow);
        self
    }

    /// Reads the insecure-transport variables from `env` instead of the process environment.
    pub fn env(mut self, env: impl EnvSource + 'static) -> Self {
        self.env = Some(Box::new(env));
        self
    }

    /// Builds the engine (and its reqwest client, when none was given).
    pub fn build(self) -> Result<Engine, EngineError> {
        let insecure_transport = self.insecure_transport.unwrap_or_else(|| {
            let env: &dyn EnvSource = self.env.as_deref().unwrap_or(&ProcessEnv);
            crate::wire::transport::insecure_transport_allowed(env)
        });
        let (client, per_request_timeout, timeout) = match self.client {
            Some(client) => (client, self.timeout, self.timeout),
            None => {
                let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
                // The engine follows redirects itself (`redirect.rs`); no Referer ever, also
                // for requests a hook sends through this client.
                let client = reqwest::Client::builder()
                    .timeout(timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .referer(false)
                    .build()
                    .map_err(|err| EngineError::Build {
                        reason: err.to_string(),
                    })?;
                (client, None, Some(timeout))
            }
        };
        Ok(Engine {
            inner: Arc::new(Inner {
                client,
                per_request_timeout,
                timeout,
                max_response_bytes: self
                    .max_response_bytes
                    .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                insecure_transport,
                warned_client_redirect: AtomicBool::new(false),
            }),
        })
    }
}
