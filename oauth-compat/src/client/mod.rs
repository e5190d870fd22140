//! OAuth 1.0a and OAuth 2.0 clients over the [engine](crate::engine): what Authlib's
//! `OAuth1Session` / `OAuth2Session` (and requests-oauthlib's) do, in Rust.
//!
//! - [`OAuth1Client`]: temporary credentials, the authorization URL, token credentials, signed
//!   API calls (RFC 5849).
//! - [`OAuth2Client`]: authorization URL with `state` and PKCE, every grant, client
//!   authentication, token placement, auto refresh (single-flight; across processes with a
//!   [refresh lock](OAuth2ClientBuilder::refresh_lock)), revocation (RFC 6749, 6750, 7636,
//!   7009).
//!
//! Both send API calls through a [`RequestBuilder`] shaped like reqwest's:
//! `client.get("user").query(..).send().await?` gives an [`OAuthResponse`](crate::OAuthResponse).
//! The builder makes an [`ApiRequest`], a plain value that `send` hands to the client's
//! `execute` ([`OAuth1Client::execute`], [`OAuth2Client::execute`]); build one with
//! [`RequestBuilder::build`] to execute it yourself.

/// `get`, `post`, `put`, `patch` and `delete` as shorthands for `request(Method, url)`, on the
/// async and blocking clients alike.
macro_rules! http_verbs {
    ($builder:ident, $what:literal) => {
        /// A GET (see `request`).
        #[doc = $what]
        pub fn get(&self, url: &str) -> $builder<'_> {
            self.request(::http::Method::GET, url)
        }

        /// A POST (see `request`).
        #[doc = $what]
        pub fn post(&self, url: &str) -> $builder<'_> {
            self.request(::http::Method::POST, url)
        }

        /// A PUT (see `request`).
        #[doc = $what]
        pub fn put(&self, url: &str) -> $builder<'_> {
            self.request(::http::Method::PUT, url)
        }

        /// A PATCH (see `request`).
        #[doc = $what]
        pub fn patch(&self, url: &str) -> $builder<'_> {
            self.request(::http::Method::PATCH, url)
        }

        /// A DELETE (see `request`).
        #[doc = $what]
        pub fn delete(&self, url: &str) -> $builder<'_> {
            self.request(::http::Method::DELETE, url)
        }
    };
}
pub(crate) use http_verbs;

mod api_request;
mod api_token;
mod common;
mod error;
mod oauth1;
mod oauth2;
mod refresh;
mod refresh_lock;
pub(crate) mod request_builder;
mod text_encoding;

pub use api_request::ApiRequest;
pub use error::{BoxError, ClientError};
pub use oauth1::{OAuth1Client, OAuth1ClientBuilder};
pub use oauth2::{DEFAULT_LEEWAY_SECS, OAuth2Client, OAuth2ClientBuilder, TokenGrant, TokenUpdate};
pub use request_builder::RequestBuilder;

/// The value of a setting a flow needs, or the error naming it.
pub(crate) fn require<'a>(
    value: &'a Option<String>,
    setting: &'static str,
    purpose: &'static str,
) -> Result<&'a str, ClientError> {
    value
        .as_deref()
        .ok_or(ClientError::MissingSetting { setting, purpose })
}
