//! An API request as a plain value: what the caller asked for, before any client has joined
//! its URL, encoded its text or authenticated it.

use std::fmt;

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use url::Url;

use super::ClientError;
use super::common::Common;
use crate::engine;
use crate::engine::url_join::join_url;
use crate::oauth1::params::FORM_CONTENT_TYPE;
use crate::oauth2::Token;
use crate::oauth2::form::{form_urlencode, joined_query};
use crate::response::MediaType;
use crate::wire::OutgoingRequest;

/// An API request: method, URL, query, headers, body, which token authenticates it, and how
/// its response is decoded.
///
/// Built by a [`RequestBuilder`](super::RequestBuilder) (`client.get(..).query(..)`, then
/// [`build`](super::RequestBuilder::build)) and run by
/// [`OAuth1Client::execute`](super::OAuth1Client::execute),
/// [`OAuth2Client::execute`](super::OAuth2Client::execute) or
/// [`RemoteApp::execute`](crate::RemoteApp::execute), as reqwest's `Client::execute` runs a
/// `Request`. `send` on a builder is `build` then `execute`. Nothing here is sent or signed
/// yet: the client joins the URL to its `api_base_url`, encodes a text body in its `encoding`
/// and authenticates the request when it executes it, so one value can be executed by any
/// client, and cloned to be executed again.
///
/// ```
/// use http::Method;
/// use oauth_compat::ApiRequest;
///
/// let request = ApiRequest::new(Method::GET, "user");
/// assert_eq!(request.method(), Method::GET);
/// assert_eq!(request.url(), "user");
/// assert!(request.token().is_none() && !request.withholds_token());
/// ```
#[derive(Clone)]
pub struct ApiRequest {
    method: Method,
    /// As given: relative to `api_base_url`, or absolute.
    url: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Body,
    token: Option<Token>,
    withhold_token: bool,
    content_type: Option<MediaType>,
}

/// A body as given: bytes go out as they are; text is encoded in the client's `encoding`.
#[derive(Clone)]
enum Body {
    Bytes(Vec<u8>),
    Text(String),
}

impl ApiRequest {
    /// A request with no query, headers or body, authenticated by the executing client's
    /// token. `url` is joined to the client's `api_base_url` when it is relative.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Body::Bytes(Vec::new()),
            token: None,
            withhold_token: false,
            content_type: None,
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL as given (not yet joined to `api_base_url`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The query parameters appended to the URL, in order.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The headers given (the client adds its authentication when it executes the request).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The token given for this request, if any (else the client's own is used).
    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    /// Whether the request goes out without a token or signature.
    pub fn withholds_token(&self) -> bool {
        self.withhold_token
    }

    /// The media type the response is decoded as, if forced for this request.
    pub fn content_type(&self) -> Option<&MediaType> {
        self.content_type.as_ref()
    }

    /// Moves the URL out, for the error of a request that failed to build.
    pub(crate) fn take_url(&mut self) -> String {
        std::mem::take(&mut self.url)
    }

    pub(crate) fn extend_query<K: AsRef<str>, V: AsRef<str>>(&mut self, params: &[(K, V)]) {
        self.query.extend(
            params
                .iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())),
        );
    }

    pub(crate) fn set_form<K: AsRef<str>, V: AsRef<str>>(&mut self, params: &[(K, V)]) {
        let encoded = form_urlencode(params.iter().map(|(k, v)| (k.as_ref(), v.as_ref())));
        self.body = Body::Bytes(encoded.into_bytes());
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
    }

    pub(crate) fn set_json<T: serde::Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), ClientError> {
        let body = serde_json::to_vec(value).map_err(|err| ClientError::JsonBody {
            reason: err.to_string(),
        })?;
        self.body = Body::Bytes(body);
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(())
    }

    pub(crate) fn set_body(&mut self, body: Vec<u8>) {
        self.body = Body::Bytes(body);
    }

    pub(crate) fn set_text(&mut self, text: String) {
        self.body = Body::Text(text);
    }

    pub(crate) fn set_header<K, V>(&mut self, name: K, value: V) -> Result<(), engine::EngineError>
    where
        K: TryInto<HeaderName>,
        K::Error: fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: fmt::Display,
    {
        let (name, value) = header_pair(name, value)?;
        self.headers.insert(name, value);
        Ok(())
    }

    pub(crate) fn set_token(&mut self, token: Token) {
        self.token = Some(token);
    }

    pub(crate) fn set_withhold_token(&mut self) {
        self.withhold_token = true;
    }

    pub(crate) fn set_content_type(&mut self, media_type: MediaType) {
        self.content_type = Some(media_type);
    }

    /// The request as `common`'s client sends it, before authentication: the URL joined to
    /// `api_base_url` (parsed once, here) with the query appended, a text body in the
    /// client's `encoding`; with the token choice and forced content type, which the client
    /// decides on.
    pub(crate) fn into_outgoing(self, common: &Common) -> Result<Outgoing, crate::Error> {
        let body = match self.body {
            Body::Bytes(bytes) => bytes,
            Body::Text(text) => common.encode_text(&text)?,
        };
        let mut url = join_url(common.api_base_url.as_ref(), &self.url)?;
        append_query_to_url(
            &mut url,
            &form_urlencode(self.query.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        );
        Ok(Outgoing {
            method: self.method,
            url,
            headers: self.headers,
            body,
            token: self.token,
            withhold_token: self.withhold_token,
            content_type: self.content_type,
        })
    }
}

/// An [`ApiRequest`] ready for a client to authenticate and send.
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) token: Option<Token>,
    pub(crate) withhold_token: bool,
    pub(crate) content_type: Option<MediaType>,
}

/// The engine's request, once authenticated.
pub(crate) fn outgoing_request(
    method: Method,
    url: impl Into<String>,
    headers: HeaderMap,
    body: Vec<u8>,
) -> OutgoingRequest {
    let mut request = OutgoingRequest::new(method, url);
    request.headers = headers;
    request.body = body;
    request
}

/// Appends `params` (already encoded) to the query of `url`, as `oauth2::form::append_query`
/// does to a URL as text: after `?` or a trailing `&` nothing is added between.
pub(crate) fn append_query_to_url(url: &mut Url, params: &str) {
    if params.is_empty() {
        return;
    }
    let query = joined_query(url.query(), params);
    url.set_query(Some(&query));
}

// Headers, body and token may carry secrets, the query too: show their shape only.
impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body_len = match &self.body {
            Body::Bytes(bytes) => bytes.len(),
            Body::Text(text) => text.len(),
        };
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("url", &crate::wire::redact::redact_url_str(&self.url))
            .field(
                "query",
                &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &format_args!("{body_len} bytes"))
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("withhold_token", &self.withhold_token)
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// A header name and value converted, or the error naming the header at fault.
pub(crate) fn header_pair<K, V>(
    name: K,
    value: V,
) -> Result<(HeaderName, HeaderValue), engine::EngineError>
where
    K: TryInto<HeaderName>,
    K::Error: fmt::Display,
    V: TryInto<HeaderValue>,
    V::Error: fmt::Display,
{
    match (name.try_into(), value.try_into()) {
        (Ok(name), Ok(value)) => Ok((name, value)),
        (Err(err), _) => Err(engine::EngineError::InvalidHeader {
            name: "<not a valid header name>".to_owned(),
            reason: err.to_string(),
        }),
        (Ok(name), Err(err)) => Err(engine::EngineError::InvalidHeader {
            name: name.to_string(),
            reason: err.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The same cases as `oauth2::form`'s `append_query` on text.
    #[test]
    fn append_query_to_url_keeps_query_and_fragment() {
        for (url, want) in [
            ("https://x/a", "https://x/a?k=v"),
            ("https://x/a?b=1", "https://x/a?b=1&k=v"),
            ("https://x/a?", "https://x/a?k=v"),
            ("https://x/a?b=1&", "https://x/a?b=1&k=v"),
            ("https://x/a#frag", "https://x/a?k=v#frag"),
            ("https://x/a?b=1#f?g", "https://x/a?b=1&k=v#f?g"),
        ] {
            let mut url = Url::parse(url).unwrap();
            append_query_to_url(&mut url, "k=v");
            assert_eq!(url.as_str(), want);
        }
        let mut url = Url::parse("https://x/a").unwrap();
        append_query_to_url(&mut url, "");
        assert_eq!(url.as_str(), "https://x/a");
    }

    #[test]
    fn debug_shows_the_shape_not_the_secrets() {
        let mut request = ApiRequest::new(Method::POST, "https://api.example/me?key=SECRET1");
        request.extend_query(&[("access_token", "SECRET2")]);
        request.set_header("x-api-key", "SECRET3").unwrap();
        request.set_text("SECRET4".to_owned());
        request.set_token(Token::bearer("SECRET5"));
        let shown = format!("{request:?}");
        for secret in ["SECRET1", "SECRET2", "SECRET3", "SECRET4", "SECRET5"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.contains("access_token") && shown.contains("x-api-key"),
            "{shown}"
        );
    }
}
