//! OAuth 1.0 (RFC 5849), sans-IO.

/// Errors of the OAuth 1 layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {}
