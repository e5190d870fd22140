//! OAuth 2.0, sans-IO: authorization URLs, token requests, token responses, bearer tokens.
//!
//! Nothing here does I/O: the HTTP engine sends what these build and hands back what it
//! receives.

pub mod authorization_url;
pub mod client_auth;
mod error;
mod form;
pub mod pkce;
pub mod placement;
pub mod state;
pub mod token_request;

pub use authorization_url::{AuthorizationRequest, authorization_url};
pub use client_auth::{ClientAuth, ClientAuthMethod, CustomClientAuth};
pub use error::Error;
pub use pkce::{CodeChallengeMethod, CodeVerifier};
pub use placement::{TokenPlacement, add_bearer_token};
pub use state::{generate_state, states_match};
pub use token_request::TokenRequest;
