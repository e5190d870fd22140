//! The one builder of an [`ApiRequest`]: reqwest's `RequestBuilder { client, request }`
//! shape, executed by an OAuth client.

use http::Method;
use http::header::{HeaderName, HeaderValue};

use super::api_request::ApiRequest;
use super::common::Common;
use super::{OAuth1Client, OAuth2Client};
use crate::OAuthResponse;
use crate::oauth2::Token;
use crate::response::MediaType;

#[derive(Clone, Copy)]
pub(crate) enum ClientRef<'a> {
    OAuth1(&'a OAuth1Client),
    OAuth2(&'a OAuth2Client),
}

/// Builds an [`ApiRequest`]: add a query, a body, headers or a token, then
/// [`send`](Self::send) it (or [`build`](Self::build) it and `execute` it yourself).
///
/// Made by `get`/`post`/`put`/`patch`/`delete`/`request` on [`OAuth1Client`] and
/// [`OAuth2Client`]. A relative URL is joined to the client's `api_base_url` the way Python's
/// `urljoin` does. As in reqwest, the builder holds the request or the first error met while
/// building it (a bad header, a value that does not serialize to JSON); later setters are
/// then ignored, and `send` or `build` reports that error.
///
/// ```no_run
/// use oauth_compat::OAuth2Client;
///
/// # async fn run(client: OAuth2Client) -> Result<(), oauth_compat::Error> {
/// // In one go...
/// let me = client.get("me").query(&[("fields", "name")]).send().await?;
/// // ...or as a value, executed later (and cloned to be executed again).
/// let request = client.get("me").query(&[("fields", "name")]).build()?;
/// let again = client.execute(request.clone()).await?;
/// # let _ = (me, again); Ok(()) }
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder<'a> {
    client: ClientRef<'a>,
    request: Result<ApiRequest, BuildFailure>,
}

/// The first error met while building a request, and the request's URL, which the error
/// names when it is reported.
pub(crate) struct BuildFailure {
    pub(crate) error: crate::Error,
    pub(crate) url: String,
}

impl BuildFailure {
    /// The error at the `api` step and the request's URL, as `execute` reports its own.
    pub(crate) fn locate(self, common: &Common) -> crate::Error {
        common.locate_api(self.error, &self.url)
    }
}

/// Applies a setter to `request` unless it already failed; its error becomes the request's.
pub(crate) fn apply<E: Into<crate::Error>>(
    request: &mut Result<ApiRequest, BuildFailure>,
    set: impl FnOnce(&mut ApiRequest) -> Result<(), E>,
) {
    let Ok(built) = request else { return };
    if let Err(err) = set(built) {
        let url = built.take_url();
        *request = Err(BuildFailure {
            error: err.into(),
            url,
        });
    }
}

impl<'a> RequestBuilder<'a> {
    pub(crate) fn new(client: ClientRef<'a>, method: Method, url: &str) -> Self {
        Self {
            client,
            request: Ok(ApiRequest::new(method, url)),
        }
    }

    fn with<E: Into<crate::Error>>(
        mut self,
        set: impl FnOnce(&mut ApiRequest) -> Result<(), E>,
    ) -> Self {
        apply(&mut self.request, set);
        self
    }

    fn set(self, set: impl FnOnce(&mut ApiRequest)) -> Self {
        self.with(|request| {
            set(request);
            Ok::<(), crate::Error>(())
        })
    }

    /// Appends query parameters (encoded as Python's `urlencode`, as requests' `params=` does).
    pub fn query<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        self.set(|request| request.extend_query(params))
    }

    /// Sends `params` as an `application/x-www-form-urlencoded` body, encoded as Python's
    /// `urlencode` (requests' `data=`);
    /// OAuth 1 signs them.
    pub fn form<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        self.set(|request| request.set_form(params))
    }

    /// Sends `value` as a JSON body (requests' `json=`).
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        self.with(|request| request.set_json(value))
    }

    /// Sends these bytes as the body; set `Content-Type` with [`header`](Self::header).
    pub fn body(self, body: impl Into<Vec<u8>>) -> Self {
        self.set(|request| request.set_body(body.into()))
    }

    /// Sends this text as the body, encoded in the client's
    /// [`encoding`](super::OAuth2ClientBuilder::encoding) (UTF-8 unless set), as
    /// Flask-OAuthlib's `request(data='..', content_type=..)` sends a text body as
    /// `data.encode(encoding)`. Set `Content-Type` with [`header`](Self::header); no
    /// `charset` is added, as Flask-OAuthlib added none.
    ///
    /// A character the encoding cannot represent makes `send` fail with
    /// [`ClientError::UnencodableText`](super::ClientError::UnencodableText) (Python's
    /// `UnicodeEncodeError`), before anything is sent.
    ///
    /// ```no_run
    /// use oauth_compat::OAuth2Client;
    ///
    /// # async fn run() -> Result<(), oauth_compat::Error> {
    /// let legacy = OAuth2Client::builder("client-id")
    ///     .api_base_url("https://legacy.example/api/")
    ///     .encoding("latin-1")
    ///     .build()?;
    /// // The body goes out as the bytes `caf\xE9`.
    /// let resp = legacy
    ///     .post("notes")
    ///     .header("content-type", "text/plain")
    ///     .text("café")
    ///     .send()
    ///     .await?;
    /// # let _ = resp; Ok(()) }
    /// ```
    pub fn text(self, text: impl Into<String>) -> Self {
        self.set(|request| request.set_text(text.into()))
    }

    /// Adds a header (replacing one of the same name).
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: std::fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: std::fmt::Display,
    {
        self.with(|request| request.set_header(name, value))
    }

    /// Authenticates with this token instead of the client's own (Authlib's `token=`).
    pub fn token(self, token: Token) -> Self {
        self.set(|request| request.set_token(token))
    }

    /// Sends the request without any token or signature (Authlib's `withhold_token=True`).
    pub fn withhold_token(self) -> Self {
        self.set(ApiRequest::set_withhold_token)
    }

    /// Decodes the response as this media type whatever its `Content-Type` says
    /// (Flask-OAuthlib's `content_type`), overriding the client's setting.
    pub fn content_type(self, media_type: MediaType) -> Self {
        self.set(|request| request.set_content_type(media_type))
    }

    /// The request built, for the client's `execute`.
    ///
    /// # Errors
    /// The first error met while building (an invalid header, a JSON body that does not
    /// serialize), at step `api` and the request's URL, as `send` reports it.
    pub fn build(self) -> Result<ApiRequest, crate::Error> {
        let common = match self.client {
            ClientRef::OAuth1(client) => client.common(),
            ClientRef::OAuth2(client) => client.common(),
        };
        self.request
            .map_err(|failed| common.locate_api(failed.error, &failed.url))
    }

    /// Authenticates, runs the hooks, sends, and decodes the response: `build`, then the
    /// client's `execute` ([`OAuth1Client::execute`], [`OAuth2Client::execute`]).
    ///
    /// # Errors
    /// Each names the step (`api`, or `refresh` for an automatic refresh that failed) and the
    /// URL (see [`StepError`](crate::StepError)).
    pub async fn send(self) -> Result<OAuthResponse, crate::Error> {
        match (self.client, self.request) {
            (ClientRef::OAuth1(client), Ok(request)) => client.execute(request).await,
            (ClientRef::OAuth2(client), Ok(request)) => client.execute(request).await,
            (ClientRef::OAuth1(client), Err(failed)) => Err(failed.locate(client.common())),
            (ClientRef::OAuth2(client), Err(failed)) => Err(failed.locate(client.common())),
        }
    }
}
