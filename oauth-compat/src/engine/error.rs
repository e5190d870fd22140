//! The engine's error: what stopped a request before, during or right after the exchange.

use std::time::Duration;

/// Errors of the HTTP engine. URLs in messages are cut to scheme, host and path: queries can
/// carry tokens and signatures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A URL could not be parsed or resolved against the base URL.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL (scheme, host and path only).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Credentials would cross the network in clear.
    #[error(
        "refusing to send OAuth credentials over plain HTTP to `{url}`: use https, or set \
         AUTHLIB_INSECURE_TRANSPORT=1 (or OAUTHLIB_INSECURE_TRANSPORT) for development, or \
         `EngineBuilder::insecure_transport(true)`"
    )]
    InsecureTransport {
        /// The URL (scheme, host and path only).
        url: String,
    },
    /// A header name or value a hook or caller set is not valid HTTP.
    #[error("invalid HTTP header `{name}`: {reason}")]
    InvalidHeader {
        /// The header name (as given).
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The provider did not answer in time.
    #[error(
        "{method} `{url}` timed out{}; raise the timeout on the engine or on your reqwest client",
        .after.map(|d| format!(" after {d:?}")).unwrap_or_default()
    )]
    Timeout {
        /// The request method.
        method: String,
        /// The URL (scheme, host and path only).
        url: String,
        /// The timeout that elapsed, when the engine set it.
        after: Option<Duration>,
    },
    /// Connecting or exchanging bytes with the provider failed.
    #[error("{method} `{url}` failed: {source}")]
    Transport {
        /// The request method.
        method: String,
        /// The URL (scheme, host and path only).
        url: String,
        /// reqwest's error, with its URL removed.
        #[source]
        source: reqwest::Error,
    },
    /// The response body is over the engine's limit; reading stopped there.
    #[error(
        "response from `{url}` is over the {limit}-byte limit; raise \
         `EngineBuilder::max_response_bytes` if this provider really sends that much"
    )]
    ResponseTooLarge {
        /// The URL (scheme, host and path only).
        url: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// A 307 or 308 asked to repeat a request body at another origin: the body of a token,
    /// refresh or revocation request carries the client secret or a refresh token, so it is
    /// not sent.
    #[error(
        "HTTP {status} from {from} asked to re-send the request body to {to}, another origin; \
         refused (the body can carry the client secret or a refresh token): configure the \
         endpoint's final URL instead"
    )]
    RedirectWithBody {
        /// The origin that answered the redirect (`scheme://host[:port]`).
        from: String,
        /// The origin it pointed to.
        to: String,
        /// 307 or 308.
        status: u16,
    },
    /// A request was redirected more times than the engine follows.
    #[error("more than {limit} redirects, the last from `{url}`; check the endpoint URL")]
    TooManyRedirects {
        /// The URL (scheme, host and path only) that answered the last redirect.
        url: String,
        /// The most hops followed.
        limit: usize,
    },
    /// A blocking call was made on a thread that runs a tokio runtime, where blocking would
    /// stall (or, in tokio, panic).
    #[cfg(feature = "blocking")]
    #[error(
        "a blocking oauth-compat call was made inside a tokio runtime (async code or \
         `spawn_blocking` alike); call the async API there (`.await`, or \
         `Handle::current().block_on(..)` inside `spawn_blocking`)"
    )]
    BlockingInsideRuntime,
    /// Building the engine's own runtime or HTTP client failed.
    #[error("could not build the HTTP engine: {reason}")]
    Build {
        /// What failed.
        reason: String,
    },
}
