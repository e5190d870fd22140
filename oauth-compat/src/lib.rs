//! # oauth-compat
//!
//! Flask-OAuthlib and Authlib OAuth integrations, ported to Rust without rethinking them.
//!
//! This release holds the foundation every other layer stands on:
//!
//! - [`oauth1`]: RFC 5849 signing and verification, sans-IO, exact to the RFC's own examples.
//! - [`response`]: `resp.status` / `resp.data`, decoded from JSON, XML or form bodies the way
//!   Flask-OAuthlib's `parse_response` does.
//! - [`secret`]: secrets whose `Debug` prints `[redacted]`.
//! - [`env`]: an injectable source of environment variables.

#![warn(missing_docs)]

pub mod env;
pub mod error;
pub mod oauth1;
pub mod response;
pub mod secret;

pub use error::Error;
pub use response::OAuthResponse;

#[doc(hidden)]
pub use oauth_compat_macros as __macros;

/// What the macros' generated code names. Not public API.
#[doc(hidden)]
pub mod __private {}
