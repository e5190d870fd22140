//! How a body is decoded: API or token response, a forced content type, a size limit.

use super::MediaType;

/// Which request a response answers; it decides what an unknown content type decodes as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ResponseKind {
    /// An API call (`resp = twitter.get(..)`): an unknown content type stays text
    /// (Flask-OAuthlib's `strict=True`).
    #[default]
    Api,
    /// A token endpoint (request token, access token, refresh): an unknown content type is
    /// read as a form, since many providers send `oauth_token=..` as `text/plain` or
    /// `text/html` (Flask-OAuthlib's `strict=False`).
    Token,
}

/// The default [`DecodeOptions::max_body_bytes`]: 4 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Options for [`OAuthResponse::decode`](super::OAuthResponse::decode).
///
/// ```
/// use oauth_compat::response::{DecodeOptions, MediaType, ResponseKind};
///
/// // Weibo sends JSON tokens as text/plain: force the type, as `content_type=` did.
/// let weibo = DecodeOptions::token().content_type(MediaType::json()).max_body_bytes(64 * 1024);
/// assert_eq!(weibo.kind, ResponseKind::Token);
/// assert_eq!(weibo.content_type.as_ref().map(|m| m.essence()), Some("application/json"));
/// assert_eq!(DecodeOptions::default(), DecodeOptions::api());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// API or token response.
    pub kind: ResponseKind,
    /// A content type that overrides the response's `Content-Type` header.
    pub content_type: Option<MediaType>,
    /// Bodies larger than this are refused before any parsing.
    pub max_body_bytes: usize,
}

impl DecodeOptions {
    /// Options for an API response, with the default limit and no forced type.
    pub fn api() -> Self {
        Self {
            kind: ResponseKind::Api,
            content_type: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Options for a token-endpoint response, with the default limit and no forced type.
    pub fn token() -> Self {
        Self {
            kind: ResponseKind::Token,
            ..Self::api()
        }
    }

    /// Decodes as `media_type` whatever the response's `Content-Type` says.
    #[must_use]
    pub fn content_type(mut self, media_type: MediaType) -> Self {
        self.content_type = Some(media_type);
        self
    }

    /// Sets the largest body accepted, in bytes.
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self::api()
    }
}
