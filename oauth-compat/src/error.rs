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
    /// Reading configuration or resolving an app's settings from it.
    #[error(transparent)]
    Config(#[from] crate::config::Error),
    /// An authorization flow on a remote app (denied, state mismatch, session or cache).
    #[error(transparent)]
    Flow(#[from] crate::registry::FlowError),
    /// Decoding a provider's response body.
    #[error(transparent)]
    Response(#[from] crate::response::Error),
}

impl Error {
    /// The error itself or, for a token refresh that failed (shared by every request that waited
    /// for it), the error the refresh failed with.
    ///
    /// ```
    /// use oauth_compat::Error;
    /// use oauth_compat::client::Error as ClientError;
    /// let err = Error::from(ClientError::MissingToken);
    /// assert!(matches!(err.underlying(), Error::Client(ClientError::MissingToken)));
    /// ```
    pub fn underlying(&self) -> &Error {
        match self {
            Self::Client(crate::client::Error::RefreshFailed(cause)) => cause.underlying(),
            other => other,
        }
    }

    /// The provider's OAuth error answer (`invalid_grant`, ...), looking through a shared refresh
    /// failure.
    pub fn provider_error(&self) -> Option<&crate::oauth2::ProviderError> {
        match self.underlying() {
            Self::OAuth2(crate::oauth2::Error::Provider(provider)) => Some(provider),
            _ => None,
        }
    }
}
