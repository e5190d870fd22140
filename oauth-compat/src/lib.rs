//! # oauth-compat
//!
//! Flask-OAuthlib and Authlib OAuth integrations, ported to Rust without rethinking them: the
//! same configuration keys, the same provider quirks, typed errors where Python returned
//! `None`, and an OAuth 1.0 provider that keeps every existing client working.
//!
//! ## Map
//!
//! What you name is at the crate root; the modules hold the protocol pieces and the provider.
//!
//! | where | what |
//! |---|---|
//! | [`OAuth`], [`RemoteApp`], [`RegisterOptions`], [`RemoteRequest`] | the registry: Flask-OAuthlib's `remote_app` and Authlib's `register`, apps resolved lazily from a [`Config`] |
//! | [`OAuth1Client`], [`OAuth2Client`], [`RequestBuilder`], [`ApiRequest`] | Authlib's `OAuth1Session` / `OAuth2Session`: flows, signed or bearer API calls, auto refresh, revocation |
//! | [`Engine`], [`Hooks`], [`OutgoingRequest`] | the HTTP engine over [`reqwest`] (transport rule, redirects, size bound, timeout, spans) and the `pre_request` / compliance hooks it runs |
//! | [`OAuthResponse`] | `resp.status` / `resp.data`, decoded as Flask-OAuthlib's `parse_response` does; the decoders in [`response`] |
//! | [`Error`], [`Step`] | any error, with where it happened; each layer's own error ([`ClientError`], [`EngineError`], [`FlowError`], [`ConfigError`], ...) inside |
//! | [`config`] | lazy configuration (Flask's `app.config`): environment, TOML, maps, code; the key table |
//! | [`oauth1`] | RFC 5849 signing and verification, sans-IO, exact to the RFC's own examples |
//! | [`oauth2`] | RFC 6749/6750/7636/7009 pieces, sans-IO: PKCE, state, client authentication, token requests and responses, [`Token`](oauth2::Token) |
//! | [`server`] | an OAuth 1.0 provider (Authlib's Flask OAuth 1 server): `AuthorizationServer`, `ResourceProtector`, the storage traits |
//! | [`store`] | the provider's storage: in memory, over any [`Cache`](cache::Cache), SQLite and PostgreSQL (features) |
//! | [`cache`] | a cache with an atomic add-if-absent: in memory, Redis (feature) |
//! | [`integrations`] | the provider in axum: handlers, extractors, a `require_oauth` layer and `serve` (feature `axum`) |
//! | `blocking` | a blocking API beside the async one (feature `blocking`) |
//! | [`ClientSecret`], [`MapEnv`], [`EnvSource`] | secrets whose `Debug` prints `[redacted]`; injectable environment variables |
//!
//! The `remote_app!` / `#[tokengetter]` macros, still to come, will build on these.
//!
//! ## Call an API (Authlib's `OAuth2Session`)
//!
//! ```no_run
//! use oauth_compat::{OAuth2Client, TokenGrant};
//!
//! # async fn run() -> Result<(), oauth_compat::Error> {
//! let client = OAuth2Client::builder("client-id")
//!     .client_secret("client-secret")
//!     .access_token_url("https://provider.example/oauth/token")
//!     .api_base_url("https://provider.example/api/v1/")
//!     .build()?;
//! let token = client.fetch_token(TokenGrant::client_credentials().scope("read")).await?;
//! let resp = client.get("users/me").token(token).send().await?;
//! if resp.status == 200 {
//!     println!("{}", resp.data["name"]);
//! }
//! # Ok(()) }
//! ```
//!
//! ## Sign a request (Authlib's `ClientAuth`, oauthlib's `Client`)
//!
//! ```
//! use http::{Method, Uri};
//! use oauth_compat::oauth1::{ClientCredentials, SignatureType, Signer, TokenCredentials};
//!
//! let signer = Signer::builder(ClientCredentials::new("dpf43f3p2l4k3l03", "kd94hf93k423kf44"))
//!     .token(TokenCredentials::new("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00"))
//!     .signature_type(SignatureType::Header) // Authlib's SIGNATURE_TYPE_HEADER, the default
//!     .build()?;
//! let uri: Uri = "http://photos.example.net/photos?file=vacation.jpg&size=original".parse().unwrap();
//! let authorization = signer.authorization_header(&Method::GET, &uri, &[])?;
//! assert!(authorization.starts_with("OAuth oauth_consumer_key=\"dpf43f3p2l4k3l03\""));
//! # Ok::<(), oauth_compat::Error>(())
//! ```
//!
//! ## Read a provider's answer (Flask-OAuthlib's `resp.status`, `resp.data`)
//!
//! ```
//! use http::{HeaderMap, StatusCode, header};
//! use oauth_compat::response::{DecodeOptions, OAuthResponse};
//!
//! let mut headers = HeaderMap::new();
//! headers.insert(header::CONTENT_TYPE, "application/json; charset=utf-8".parse().unwrap());
//! let body = r#"[{"text": "hello", "user": {"screen_name": "twitterapi"}}]"#;
//! let resp = OAuthResponse::decode(StatusCode::OK, headers, body, &DecodeOptions::api())?;
//! assert!(resp.status == 200);
//! assert_eq!(resp.data[0]["user"]["screen_name"], "twitterapi");
//! assert!(resp.data[5]["missing"].is_null()); // like a dict lookup that never raises
//! # Ok::<(), oauth_compat::Error>(())
//! ```
//!
//! ## Errors
//!
//! Every layer has its own `#[non_exhaustive]` error enum ([`oauth1::SignatureError`],
//! [`oauth2::OAuth2Error`], [`response::DecodeError`], [`engine::EngineError`], [`client::ClientError`]) whose messages name the parameter, field or key at fault and say what
//! to fix; [`Error`] wraps them so `?` works across layers. An error from a client or a remote
//! app comes as [`Error::Step`]: the app, the [`Step`] and the URL (without its query) it
//! happened at, then the error itself; match on [`Error::underlying`], which looks through it.
//! No error, and no `Debug` output, contains a secret or a signature.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `blocking` | no | `oauth_compat::blocking`: a blocking API beside the async one, on a runtime of its own |
//! | `axum` | no | `oauth_compat::integrations::axum`: the provider's endpoints as axum handlers, the `OAuth1Credential` extractor, the `require_oauth` layer, and `serve` (the way to serve them: header-read, body-read and idle timeouts, a connection limit) |
//! | `redis` | no | `oauth_compat::cache::RedisCache`: a [`Cache`](cache::Cache) in Redis, shared by every process, and the re-exported `redis` crate |
//! | `sqlite` | no | `oauth_compat::store::SqliteStore`: provider storage in SQLite (bundled), the embedded default |
//! | `postgres` | no | `oauth_compat::store::PostgresStore`: provider storage in PostgreSQL, for several machines |
//!
//! TLS is always rustls with its aws-lc-rs provider (reqwest's own choice), so a client built
//! from the re-exported [`reqwest`] works without installing a process-wide crypto provider; the
//! library never installs one. HTTP/2 is not enabled: enable reqwest's `http2` feature in your
//! own manifest (same reqwest version) if a provider needs it.

#![warn(missing_docs)]

#[cfg(feature = "blocking")]
pub mod blocking;
pub mod cache;
mod client;
pub mod config;
mod engine;
mod env;
mod error;
mod hooks;
pub mod integrations;
pub mod oauth1;
pub mod oauth2;
mod registry;
pub mod response;
mod secret;
pub mod server;
pub mod store;
mod wire;

pub use client::{
    ApiRequest, BoxError, ClientError, DEFAULT_LEEWAY_SECS, OAuth1Client, OAuth1ClientBuilder,
    OAuth2Client, OAuth2ClientBuilder, RequestBuilder, TokenGrant, TokenUpdate,
};
pub use config::{Config, ConfigError};
pub use engine::{
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, Engine, EngineBuilder, EngineError, MAX_REDIRECTS,
};
pub use env::{EnvSource, MapEnv, ProcessEnv};
pub use error::{Error, Step, StepError};
pub use hooks::Hooks;
/// The exact redis the Redis cache uses: build the connection you pass to
/// [`RedisCache::from_connection`](cache::RedisCache::from_connection) from it, so the
/// types match.
#[cfg(feature = "redis")]
pub use redis;
pub use registry::{
    CallbackQuery, DataFormat, FlowError, MemorySession, OAuth, Protocol, REQUEST_TOKEN_TTL,
    RegisterOptions, RemoteApp, RemoteClient, RemoteRequest, RequestTokenStore, SessionStore,
};
/// The exact reqwest the engine uses: build the client you pass to
/// [`EngineBuilder::client`] from it, so the types match.
pub use reqwest;
pub use response::OAuthResponse;
pub use secret::{ClientSecret, TokenSecret};
pub use wire::{BoxFuture, OutgoingRequest, RawResponse, RequestKind};

#[doc(hidden)]
pub use oauth_compat_macros as __macros;

/// What the macros' generated code names. Not public API.
#[doc(hidden)]
pub mod __private {}
