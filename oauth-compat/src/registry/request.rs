//! An API request through a remote app: the client's [`RequestBuilder`], or the error that
//! resolving the app met, reported by `send`.

use http::header::{HeaderName, HeaderValue};

use crate::OAuthResponse;
use crate::client::RequestBuilder;
use crate::oauth2::Token;
use crate::response::MediaType;

/// An API request made by [`RemoteApp::request`](super::RemoteApp::request) and its
/// `get`/`post`/`put`/`patch`/`delete` shorthands: the methods of
/// [`RequestBuilder`]. If the app's settings could not be resolved, [`send`](Self::send)
/// returns that error.
#[must_use = "a request does nothing until it is sent"]
pub struct RemoteRequest<'a> {
    builder: Result<RequestBuilder<'a>, crate::Error>,
}

impl<'a> RemoteRequest<'a> {
    pub(crate) fn new(builder: Result<RequestBuilder<'a>, crate::Error>) -> Self {
        Self { builder }
    }

    fn map(self, f: impl FnOnce(RequestBuilder<'a>) -> RequestBuilder<'a>) -> Self {
        Self {
            builder: self.builder.map(f),
        }
    }

    /// See [`RequestBuilder::query`].
    pub fn query<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        self.map(|b| b.query(params))
    }

    /// See [`RequestBuilder::form`].
    pub fn form<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        self.map(|b| b.form(params))
    }

    /// See [`RequestBuilder::json`].
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        self.map(|b| b.json(value))
    }

    /// See [`RequestBuilder::body`].
    pub fn body(self, body: impl Into<Vec<u8>>) -> Self {
        self.map(|b| b.body(body))
    }

    /// See [`RequestBuilder::text`] (encoded in the app's `encoding`).
    pub fn text(self, text: impl Into<String>) -> Self {
        self.map(|b| b.text(text))
    }

    /// See [`RequestBuilder::header`].
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: std::fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: std::fmt::Display,
    {
        self.map(|b| b.header(name, value))
    }

    /// The user's token for this request (the app's client holds none). See
    /// [`RequestBuilder::token`].
    pub fn token(self, token: Token) -> Self {
        self.map(|b| b.token(token))
    }

    /// See [`RequestBuilder::withhold_token`].
    pub fn withhold_token(self) -> Self {
        self.map(RequestBuilder::withhold_token)
    }

    /// See [`RequestBuilder::content_type`].
    pub fn content_type(self, media_type: MediaType) -> Self {
        self.map(|b| b.content_type(media_type))
    }

    /// Sends the request.
    ///
    /// # Errors
    /// The app's settings could not be resolved, or as [`RequestBuilder::send`].
    pub async fn send(self) -> Result<OAuthResponse, crate::Error> {
        self.builder?.send().await
    }
}
