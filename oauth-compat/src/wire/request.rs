//! A request and a response as they pass through the pipeline's hooks: plain data, owned, so a
//! hook can rewrite any part.

use http::{HeaderMap, Method, StatusCode};

/// A request after it was built and authenticated, before it is sent.
///
/// Hooks receive it by `&mut`: Flask-OAuthlib's `pre_request(uri, headers, body)` and
/// Authlib's request compliance hooks `(url, headers, data)` map onto its fields.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutgoingRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, query included.
    pub url: String,
    /// The headers (an OAuth 1 or bearer `Authorization` header is already here).
    pub headers: HeaderMap,
    /// The body as it will be sent.
    pub body: Vec<u8>,
}

impl OutgoingRequest {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Self {
            method,
            url: url.into(),
            headers: HeaderMap::new(),
            body: Vec::new(),
        }
    }
}

// The URL and headers carry tokens and signatures: show only their shape.
impl std::fmt::Debug for OutgoingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingRequest")
            .field("method", &self.method)
            .field("url", &super::redact::redact_url_str(&self.url))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

/// A response as read off the wire, before it is decoded. Response hooks (Authlib's
/// `access_token_response`, `refresh_token_response`) may rewrite it; the Slack fix adds
/// the missing `token_type` to the body.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// A response with the given parts.
    pub fn new(status: StatusCode, headers: HeaderMap, body: Vec<u8>) -> Self {
        Self {
            status,
            headers,
            body,
        }
    }
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &format_args!("{} bytes", self.body.len()))
            .finish()
    }
}

/// What a request is for: picks the compliance hooks that run on it and names it in spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestKind {
    /// An API call with the user's token (Authlib's `protected_request`).
    Protected,
    /// An API call sent without a token or signature (`withhold_token`).
    Withheld,
    /// OAuth 1 temporary credentials (request token).
    RequestToken,
    /// A token request: OAuth 1 token credentials, or an OAuth 2 grant other than refresh.
    AccessToken,
    /// An OAuth 2 refresh-token grant.
    RefreshToken,
    /// An RFC 7009 revocation.
    Revoke,
}

impl RequestKind {
    /// A short name for spans and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Protected => "protected",
            Self::Withheld => "withheld",
            Self::RequestToken => "request_token",
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
            Self::Revoke => "revoke",
        }
    }
}
