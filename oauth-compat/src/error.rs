//! The crate-wide error: one variant per layer, each wrapping that layer's own typed error.

/// Any error oauth-compat returns.
///
/// Each layer has its own `#[non_exhaustive]` error enum that says what went wrong and what to
/// fix; this enum lets application code use `?` across layers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Signing or verifying an OAuth 1 request, or reading OAuth 1 credentials.
    #[error(transparent)]
    OAuth1(#[from] crate::oauth1::Error),
    /// Building an OAuth 2 request or reading an OAuth 2 response.
    #[error(transparent)]
    OAuth2(#[from] crate::oauth2::Error),
    /// A client flow or API call (missing token or setting, refresh, callbacks).
    #[error(transparent)]
    Client(#[from] crate::client::Error),
    /// Sending a request or reading its response.
    #[error(transparent)]
    Engine(#[from] crate::engine::Error),
    /// Decoding a provider's response body.
    #[error(transparent)]
    Response(#[from] crate::response::Error),
}
