//! The HTTP engine: a thin layer over [`reqwest::Client`] that every OAuth 1 and OAuth 2 client
//! sends through.
//!
//! It adds what OAuth needs around a plain HTTP exchange: the transport-security rule (HTTPS, or
//! plain HTTP to this machine, unless `AUTHLIB_INSECURE_TRANSPORT` is set), the hook pipeline
//! ([`crate::hooks`]), a bound on the response size, a default timeout, and a `tracing` span per
//! request that names method, host, path, status and duration, never a secret.
//!
//! # Bring your own reqwest client
//! Pools, proxies and timeouts are reqwest's job: build a client with the re-exported
//! [`crate::reqwest`] (the exact version the engine uses, so the types match) and hand it over.
//! Its timeout then applies; the engine sets none of its own unless asked to.
//!
//! ```
//! use std::time::Duration;
//! use oauth_compat::{Engine, reqwest};
//!
//! let client = reqwest::Client::builder()
//!     .timeout(Duration::from_secs(5))
//!     .pool_max_idle_per_host(4)
//!     .build()?;
//! let engine = Engine::builder().client(client).max_response_bytes(256 * 1024).build()?;
//! # let _ = engine;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! TLS is rustls with its aws-lc-rs provider (reqwest's default choice), so clients built from
//! the re-exported reqwest work without installing a process-wide crypto provider; the engine
//! never installs one either. Building aws-lc-sys is the largest single step of a cold build:
//! its build script took 45 s of an 88 s `cargo build -p oauth-compat` on 2 cores (`--timings`).

mod error;
pub(crate) mod redact;
mod request;
mod send;
pub mod transport;
pub mod url_join;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use error::Error;
pub use request::{OutgoingRequest, RawResponse, RequestKind};

use crate::env::{EnvSource, ProcessEnv};

/// The timeout of the client the engine builds when none is given: Python's requests has none
/// by default, which is how a stuck provider hangs a Flask worker.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest response body read by default (4 MiB, the response layer's own bound): token responses are tiny and API
/// responses rarely approach it.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = crate::response::DEFAULT_MAX_BODY_BYTES;

/// The HTTP engine: cheap to clone, share it between clients and handlers.
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
}

impl Engine {
    /// An engine with its own reqwest client, the default timeout and response bound, and the
    /// insecure-transport switch read from the process environment.
    pub fn new() -> Result<Self, Error> {
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

/// reqwest's default redirect policy (at most 10 hops), refusing a hop to a URL that fails the
/// transport rule: a 307 from a token endpoint would otherwise resend the form (client secret
/// included) in clear.
fn secure_redirects(insecure_transport: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("too many redirects (more than 10)")
        } else if insecure_transport || transport::is_secure_transport(attempt.url()) {
            attempt.follow()
        } else {
            let url = redact::redact_url(attempt.url());
            attempt.error(InsecureRedirect { url })
        }
    })
}

/// The redirect policy's refusal; mapped to [`Error::InsecureTransport`] naming the target.
#[derive(Debug)]
pub(crate) struct InsecureRedirect {
    pub(crate) url: String,
}

impl fmt::Display for InsecureRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "redirect to plain HTTP `{}` refused", self.url)
    }
}

impl std::error::Error for InsecureRedirect {}

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
    /// Its own settings apply, its redirect policy included: the engine checks the transport
    /// rule on the URL it sends to, and the client it builds itself also refuses redirects to
    /// plain HTTP; give yours a policy that does the same if it follows redirects.
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
    /// one is [`Error::ResponseTooLarge`], read no further than the limit.
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
    pub fn build(self) -> Result<Engine, Error> {
        let insecure_transport = self.insecure_transport.unwrap_or_else(|| {
            let env: &dyn EnvSource = self.env.as_deref().unwrap_or(&ProcessEnv);
            transport::insecure_transport_allowed(env)
        });
        let (client, per_request_timeout, timeout) = match self.client {
            Some(client) => (client, self.timeout, self.timeout),
            None => {
                let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
                let client = reqwest::Client::builder()
                    .timeout(timeout)
                    .redirect(secure_redirects(insecure_transport))
                    .build()
                    .map_err(|err| Error::Build {
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
            }),
        })
    }
}
