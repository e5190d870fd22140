//! An API request being built: reqwest's builder shape, sent through an OAuth client.

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method};

use super::common::Common;
use super::{Error, OAuth1Client, OAuth2Client};
use crate::engine::url_join::join_url;
use crate::engine::{self, OutgoingRequest};
use crate::oauth1::params::FORM_CONTENT_TYPE;
use crate::oauth2::Token;
use crate::oauth2::form::{append_query, form_urlencode};
use crate::response::MediaType;
use crate::{OAuthResponse, Step};

#[derive(Clone, Copy)]
pub(crate) enum ClientRef<'a> {
    OAuth1(&'a OAuth1Client),
    OAuth2(&'a OAuth2Client),
}

impl<'a> ClientRef<'a> {
    fn common(self) -> &'a Common {
        match self {
            Self::OAuth1(client) => client.common(),
            Self::OAuth2(client) => client.common(),
        }
    }
}

/// An API request: add a query, a body, headers or a token, then [`send`](Self::send) it.
///
/// Made by `get`/`post`/`put`/`patch`/`delete`/`request` on [`OAuth1Client`] and
/// [`OAuth2Client`]. A relative URL is joined to the client's `api_base_url` the way Python's
/// `urljoin` does. Errors in the builder (a bad header) surface from `send`.
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder<'a> {
    client: ClientRef<'a>,
    pub(crate) method: Method,
    url: String,
    query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// A body given as text, encoded in the client's `encoding` when sent.
    text: Option<String>,
    pub(crate) token: Option<Token>,
    pub(crate) withhold_token: bool,
    pub(crate) content_type: Option<MediaType>,
    /// The first error met while building, reported by `send`.
    error: Option<crate::Error>,
}

impl<'a> RequestBuilder<'a> {
    pub(crate) fn new(client: ClientRef<'a>, method: Method, url: &str) -> Self {
        Self {
            client,
            method,
            url: url.to_owned(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Vec::new(),
            text: None,
            token: None,
            withhold_token: false,
            content_type: None,
            error: None,
        }
    }

    /// Appends query parameters (encoded as Python's `urlencode`, as requests' `params=` does).
    pub fn query<K: AsRef<str>, V: AsRef<str>>(mut self, params: &[(K, V)]) -> Self {
        self.query.extend(
            params
                .iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())),
        );
        self
    }

    /// Sends `params` as an `application/x-www-form-urlencoded` body, encoded as Python's
    /// `urlencode` (requests' `data=`);
    /// OAuth 1 signs them.
    pub fn form<K: AsRef<str>, V: AsRef<str>>(mut self, params: &[(K, V)]) -> Self {
        self.text = None;
        self.body =
            form_urlencode(params.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))).into_bytes();
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
        self
    }

    /// Sends `value` as a JSON body (requests' `json=`).
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.text = None;
                self.body = body;
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(err) => self.fail(Error::JsonBody {
                reason: err.to_string(),
            }),
        }
        self
    }

    /// Sends these bytes as the body; set `Content-Type` with [`header`](Self::header).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.text = None;
        self.body = body.into();
        self
    }

    /// Sends this text as the body, encoded in the client's
    /// [`encoding`](super::OAuth2ClientBuilder::encoding) (UTF-8 unless set), as
    /// Flask-OAuthlib's `request(data='..', content_type=..)` sends a text body as
    /// `data.encode(encoding)`. Set `Content-Type` with [`header`](Self::header); no
    /// `charset` is added, as Flask-OAuthlib added none.
    ///
    /// A character the encoding cannot represent makes `send` fail with
    /// [`Error::UnencodableText`] (Python's `UnicodeEncodeError`), before anything is sent.
    ///
    /// ```no_run
    /// use oauth_compat::client::OAuth2Client;
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
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.body.clear();
        self.text = Some(text.into());
        self
    }

    /// Adds a header (replacing one of the same name).
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: std::fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: std::fmt::Display,
    {
        match header_pair(name, value) {
            Ok((name, value)) => {
                self.headers.insert(name, value);
            }
            Err(err) => self.fail(err),
        }
        self
    }

    /// Authenticates with this token instead of the client's own (Authlib's `token=`).
    pub fn token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }

    /// Sends the request without any token or signature (Authlib's `withhold_token=True`).
    pub fn withhold_token(mut self) -> Self {
        self.withhold_token = true;
        self
    }

    /// Decodes the response as this media type whatever its `Content-Type` says
    /// (Flask-OAuthlib's `content_type`), overriding the client's setting.
    pub fn content_type(mut self, media_type: MediaType) -> Self {
        self.content_type = Some(media_type);
        self
    }

    fn fail(&mut self, err: impl Into<crate::Error>) {
        self.error.get_or_insert(err.into());
    }

    /// Authenticates, runs the hooks, sends, and decodes the response.
    ///
    /// # Errors
    /// Each names the step (`api`, or `refresh` for an automatic refresh that failed) and the
    /// URL (see [`StepError`](crate::StepError)).
    pub async fn send(self) -> Result<OAuthResponse, crate::Error> {
        let client = self.client;
        // Joined to `api_base_url` only if it fails: no second parse on the way that succeeds.
        let url = self.url.clone();
        let result = match client {
            ClientRef::OAuth1(client) => client.send_api(self).await,
            ClientRef::OAuth2(client) => client.send_api(self).await,
        };
        result.map_err(|err| {
            let common = client.common();
            common.locate(err, Step::Api, Some(&common.step_url(&url)))
        })
    }

    /// The request as built, before authentication: the URL joined to the client's
    /// `api_base_url` with the query appended, a text body in the client's `encoding`.
    /// Consumes the builder's deferred error, if any.
    pub(crate) fn take_outgoing(
        &mut self,
        common: &Common,
    ) -> Result<OutgoingRequest, crate::Error> {
        if let Some(err) = self.error.take() {
            return Err(err);
        }
        if let Some(text) = self.text.take() {
            self.body = common.encode_text(&text)?;
        }
        let mut url = String::from(join_url(common.api_base_url.as_ref(), &self.url)?);
        append_query(
            &mut url,
            &form_urlencode(self.query.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        );
        let mut request = OutgoingRequest::new(self.method.clone(), url);
        request.headers = std::mem::take(&mut self.headers);
        request.body = std::mem::take(&mut self.body);
        Ok(request)
    }
}

/// A header name and value converted, or the error naming the header at fault.
pub(crate) fn header_pair<K, V>(
    name: K,
    value: V,
) -> Result<(HeaderName, HeaderValue), engine::Error>
where
    K: TryInto<HeaderName>,
    K::Error: std::fmt::Display,
    V: TryInto<HeaderValue>,
    V::Error: std::fmt::Display,
{
    match (name.try_into(), value.try_into()) {
        (Ok(name), Ok(value)) => Ok((name, value)),
        (Err(err), _) => Err(engine::Error::InvalidHeader {
            name: "<not a valid header name>".to_owned(),
            reason: err.to_string(),
        }),
        (Ok(name), Err(err)) => Err(engine::Error::InvalidHeader {
            name: name.to_string(),
            reason: err.to_string(),
        }),
    }
}
