//! A blocking API beside the async one (feature `blocking`), for scripts, CLIs and sync code.
//!
//! Each blocking client wraps an async client built with the usual builder, and drives it on a
//! small runtime of its own; async callbacks (`update_token`) run there too. Called on a thread
//! that already runs a tokio runtime (async code, and `spawn_blocking` too, which tokio cannot
//! tell apart from it), a blocking call returns
//! [`crate::engine::EngineError::BlockingInsideRuntime`] instead of panicking: use the async client
//! there.
//!
//! Give each blocking client an [`Engine`](crate::Engine) of its own (the default when the
//! async builder gets none): reqwest's pooled connections belong to the runtime that opened
//! them, so an engine shared with another runtime can hand one a connection whose runtime is
//! gone.
//!
//! ```no_run
//! use oauth_compat::blocking::BlockingOAuth2Client;
//! use oauth_compat::{OAuth2Client, TokenGrant};
//!
//! let client = OAuth2Client::builder("client-id")
//!     .client_secret("client-secret")
//!     .access_token_url("https://provider.example/token")
//!     .api_base_url("https://provider.example/api/")
//!     .build()?;
//! let client = BlockingOAuth2Client::new(client)?;
//! let token = client.fetch_token(TokenGrant::client_credentials())?;
//! let me = client.get("me").token(token).send()?;
//! println!("{}", me.data["name"]);
//! # Ok::<(), oauth_compat::Error>(())
//! ```

use std::future::Future;
use std::sync::Arc;

use http::Method;
use serde::Serialize;
use tokio::runtime::{Builder, Handle, Runtime};

use crate::client::{self, ApiRequest, TokenGrant};
use crate::engine;
use crate::oauth2::{AuthorizationRequest, Token};
use crate::response::MediaType;
use crate::{Error, OAuthResponse};

#[derive(Clone)]
struct Driver(Arc<OwnRuntime>);

/// The driver's runtime. A blocking client dropped inside another runtime (made in async code,
/// where its calls return `BlockingInsideRuntime`) shuts it down in the background: dropping a
/// runtime there the usual way panics in tokio.
struct OwnRuntime(Option<Runtime>);

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take()
            && Handle::try_current().is_ok()
        {
            runtime.shutdown_background();
        }
    }
}

impl Driver {
    fn new() -> Result<Self, Error> {
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| engine::EngineError::Build {
                reason: format!("the blocking API's runtime: {err}"),
            })?;
        Ok(Self(Arc::new(OwnRuntime(Some(runtime)))))
    }

    fn block_on<T>(&self, future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        if Handle::try_current().is_ok() {
            return Err(engine::EngineError::BlockingInsideRuntime.into());
        }
        let runtime = self.0.0.as_ref().expect("taken only on drop");
        runtime.block_on(future)
    }
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Driver")
    }
}

/// The blocking face of [`client::OAuth1Client`].
#[derive(Debug, Clone)]
pub struct BlockingOAuth1Client {
    client: client::OAuth1Client,
    driver: Driver,
}

impl BlockingOAuth1Client {
    /// Wraps an async client.
    pub fn new(client: client::OAuth1Client) -> Result<Self, Error> {
        Ok(Self {
            client,
            driver: Driver::new()?,
        })
    }

    /// The async client inside.
    pub fn as_async(&self) -> &client::OAuth1Client {
        &self.client
    }

    /// See [`client::OAuth1Client::fetch_request_token`].
    pub fn fetch_request_token(
        &self,
        callback: Option<&str>,
        params: &[(&str, &str)],
    ) -> Result<Token, Error> {
        self.driver
            .block_on(self.client.fetch_request_token(callback, params))
    }

    /// See [`client::OAuth1Client::authorization_url`].
    pub fn authorization_url(
        &self,
        request_token: &Token,
        params: &[(&str, &str)],
    ) -> Result<String, Error> {
        self.client.authorization_url(request_token, params)
    }

    /// See [`client::OAuth1Client::fetch_access_token`].
    pub fn fetch_access_token(
        &self,
        request_token: &Token,
        verifier: &str,
        params: &[(&str, &str)],
    ) -> Result<Token, Error> {
        self.driver.block_on(
            self.client
                .fetch_access_token(request_token, verifier, params),
        )
    }

    /// See [`client::OAuth1Client::token`].
    pub fn token(&self) -> Option<Token> {
        self.client.token()
    }

    /// See [`client::OAuth1Client::set_token`].
    pub fn set_token(&self, token: Option<Token>) {
        self.client.set_token(token);
    }

    /// A signed request.
    pub fn request(&self, method: Method, url: &str) -> BlockingRequestBuilder<'_> {
        BlockingRequestBuilder {
            inner: self.client.request(method, url),
            driver: &self.driver,
        }
    }

    /// See [`client::OAuth1Client::execute`]: runs a request built by [`BlockingRequestBuilder::build`].
    pub fn execute(&self, request: ApiRequest) -> Result<OAuthResponse, Error> {
        self.driver.block_on(self.client.execute(request))
    }

    client::http_verbs!(BlockingRequestBuilder, "Blocking.");
}

/// The blocking face of [`client::OAuth2Client`].
#[derive(Debug, Clone)]
pub struct BlockingOAuth2Client {
    client: client::OAuth2Client,
    driver: Driver,
}

impl BlockingOAuth2Client {
    /// Wraps an async client.
    pub fn new(client: client::OAuth2Client) -> Result<Self, Error> {
        Ok(Self {
            client,
            driver: Driver::new()?,
        })
    }

    /// The async client inside.
    pub fn as_async(&self) -> &client::OAuth2Client {
        &self.client
    }

    /// See [`client::OAuth2Client::create_authorization_url`].
    pub fn create_authorization_url(
        &self,
        redirect_uri: Option<&str>,
        params: &[(&str, &str)],
    ) -> Result<AuthorizationRequest, Error> {
        self.client.create_authorization_url(redirect_uri, params)
    }

    /// See [`client::OAuth2Client::fetch_token`].
    pub fn fetch_token(&self, grant: TokenGrant) -> Result<Token, Error> {
        self.driver.block_on(self.client.fetch_token(grant))
    }

    /// See [`client::OAuth2Client::refresh_token`].
    pub fn refresh_token(&self, refresh_token: Option<&str>) -> Result<Token, Error> {
        self.driver
            .block_on(self.client.refresh_token(refresh_token))
    }

    /// See [`client::OAuth2Client::revoke_token`].
    pub fn revoke_token(&self, token: &str, token_type_hint: Option<&str>) -> Result<(), Error> {
        self.driver
            .block_on(self.client.revoke_token(token, token_type_hint))
    }

    /// See [`client::OAuth2Client::token`].
    pub fn token(&self) -> Option<Token> {
        self.client.token()
    }

    /// See [`client::OAuth2Client::set_token`].
    pub fn set_token(&self, token: Option<Token>) {
        self.client.set_token(token);
    }

    /// A request carrying the token.
    pub fn request(&self, method: Method, url: &str) -> BlockingRequestBuilder<'_> {
        BlockingRequestBuilder {
            inner: self.client.request(method, url),
            driver: &self.driver,
        }
    }

    /// See [`client::OAuth2Client::execute`]: runs a request built by [`BlockingRequestBuilder::build`].
    pub fn execute(&self, request: ApiRequest) -> Result<OAuthResponse, Error> {
        self.driver.block_on(self.client.execute(request))
    }

    client::http_verbs!(BlockingRequestBuilder, "Blocking.");
}

/// The blocking face of [`client::RequestBuilder`]: the same setters building the same
/// [`ApiRequest`], and a blocking `send`.
#[must_use = "a request does nothing until it is sent"]
pub struct BlockingRequestBuilder<'a> {
    inner: client::RequestBuilder<'a>,
    driver: &'a Driver,
}

impl<'a> BlockingRequestBuilder<'a> {
    fn map(self, f: impl FnOnce(client::RequestBuilder<'a>) -> client::RequestBuilder<'a>) -> Self {
        Self {
            inner: f(self.inner),
            driver: self.driver,
        }
    }

    /// See [`client::RequestBuilder::query`].
    pub fn query<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        self.map(|b| b.query(params))
    }

    /// See [`client::RequestBuilder::form`].
    pub fn form<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        self.map(|b| b.form(params))
    }

    /// See [`client::RequestBuilder::json`].
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        self.map(|b| b.json(value))
    }

    /// See [`client::RequestBuilder::body`].
    pub fn body(self, body: impl Into<Vec<u8>>) -> Self {
        self.map(|b| b.body(body))
    }

    /// See [`client::RequestBuilder::text`].
    pub fn text(self, text: impl Into<String>) -> Self {
        self.map(|b| b.text(text))
    }

    /// See [`client::RequestBuilder::header`].
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        K: TryInto<http::HeaderName>,
        K::Error: std::fmt::Display,
        V: TryInto<http::HeaderValue>,
        V::Error: std::fmt::Display,
    {
        self.map(|b| b.header(name, value))
    }

    /// See [`client::RequestBuilder::token`].
    pub fn token(self, token: Token) -> Self {
        self.map(|b| b.token(token))
    }

    /// See [`client::RequestBuilder::withhold_token`].
    pub fn withhold_token(self) -> Self {
        self.map(client::RequestBuilder::withhold_token)
    }

    /// See [`client::RequestBuilder::content_type`].
    pub fn content_type(self, media_type: MediaType) -> Self {
        self.map(|b| b.content_type(media_type))
    }

    /// See [`client::RequestBuilder::build`].
    pub fn build(self) -> Result<ApiRequest, Error> {
        self.inner.build()
    }

    /// Sends the request and waits for the decoded response.
    pub fn send(self) -> Result<OAuthResponse, Error> {
        self.driver.block_on(self.inner.send())
    }
}
