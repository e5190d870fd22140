//! An OAuth 1.0 provider (RFC 5849), ported from Authlib's Flask OAuth 1 server.

mod authorization_server;
mod base_server;
pub mod config;
mod error;
pub mod request_uri;
mod resource_protector;
mod response;
pub mod store;

pub use authorization_server::{AuthorizationRequest, AuthorizationServer};
pub use config::{ConfigError, ServerConfig, TransportRule, generate_token};
pub use error::OAuth1Error;
pub use request_uri::request_uri;
pub use resource_protector::{Credential, ResourceProtector};
