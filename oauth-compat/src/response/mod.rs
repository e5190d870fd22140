//! Provider responses: `resp.status`, `resp.data`.

/// Errors of the response layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {}

/// A decoded provider response.
#[derive(Debug)]
pub struct OAuthResponse {}
