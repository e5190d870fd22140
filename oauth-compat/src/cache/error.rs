//! The cache contract's own error and future type, so that the client side (sessions,
//! request tokens, the refresh lock) and the provider side each speak their own error and
//! neither imports the other.

/// A cache (or a store built on one: a session, the request-token store) failed: connection,
/// command, serialization. Never carries a value or a secret.
///
/// The provider's stores over a cache turn it into a
/// [`StoreError`](crate::server::StoreError) with the same fields.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[error("{backend} store failed to {operation}: {source}")]
pub struct CacheError {
    /// `memory`, `redis`, `cache`, `session`, or a custom backend's name.
    pub backend: &'static str,
    /// What it was doing (`read a key`, `decode a request token`, ...).
    pub operation: &'static str,
    /// The backend's own error.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl CacheError {
    /// A backend error.
    ///
    /// ```
    /// use oauth_compat::cache::CacheError;
    /// let err = CacheError::new("redis", "read a key", "connection refused");
    /// assert_eq!(err.to_string(), "redis store failed to read a key: connection refused");
    /// ```
    pub fn new(
        backend: &'static str,
        operation: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            backend,
            operation,
            source: source.into(),
        }
    }
}
