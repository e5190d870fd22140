//! OAuth 2.0, sans-IO: authorization URLs, token requests, token responses, bearer tokens.
//!
//! One private module per piece of the specifications, their items re-exported here:
//! [`authorization_url`](fn@authorization_url) (RFC 6749 §4.1.1), [`CodeVerifier`] (RFC 7636),
//! [`generate_state`] (§10.12), [`TokenRequest`] (§4.1.3, §4.3.2, §4.4.2, §6), [`ClientAuth`]
//! (§2.3), [`parse_token_response`] (§5.1, §5.2, RFC 7009), [`Token`] (Authlib's
//! `OAuth2Token`) and [`add_bearer_token`] (RFC 6750). Nothing here does I/O:
//! the HTTP engine sends what these build and hands back what it receives.
//!
//! # The authorization code flow, with PKCE
//!
//! ```
//! use http::{HeaderMap, Method, StatusCode, header};
//! use oauth_compat::oauth2::{
//!     AuthorizationRequest, ClientAuth, ClientAuthMethod, CodeChallengeMethod, CodeVerifier,
//!     TokenPlacement, TokenRequest, add_bearer_token, authorization_url, generate_state,
//!     parse_token_response,
//! };
//!
//! // 1. Redirect the user (Authlib's `authorize_redirect`). Keep the request in the session.
//! let verifier = CodeVerifier::generate();
//! let state = generate_state();
//! let redirect_uri = "https://client.example.com/cb";
//! let url = authorization_url(
//!     "https://server.example.com/authorize",
//!     "s6BhdRkqt3",
//!     Some(redirect_uri),
//!     Some("openid email"),
//!     &state,
//!     Some((&verifier, CodeChallengeMethod::S256)),
//!     &[],
//! )?;
//! assert!(url.contains("&code_challenge_method=S256"));
//! let pending = AuthorizationRequest {
//!     url,
//!     state,
//!     code_verifier: Some(verifier),
//!     redirect_uri: Some(redirect_uri.to_owned()),
//! };
//! let session_value = serde_json::to_string(&pending).unwrap();
//!
//! // 2. On the callback (`?code=..&state=..`): check state, exchange the code.
//! let pending: AuthorizationRequest = serde_json::from_str(&session_value).unwrap();
//! let callback_state = pending.state.clone(); // from the callback's query
//! assert!(pending.state_matches(&callback_state));
//! let mut request = TokenRequest::authorization_code(
//!     "https://server.example.com/token",
//!     "SplxlOBeZQQYbYS6WxSbIA",
//!     pending.redirect_uri.as_deref(),
//!     pending.code_verifier.as_ref(),
//! );
//! ClientAuthMethod::ClientSecretBasic
//!     .apply(&mut request, &ClientAuth::new("s6BhdRkqt3", "gX1fBat3bV"))?;
//! let (method, url, headers, body) = request.into_parts()?;
//! assert_eq!((method, url.as_str()), (Method::POST, "https://server.example.com/token"));
//! assert_eq!(headers[header::AUTHORIZATION], "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW");
//! assert!(body.starts_with(b"grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&"));
//!
//! // 3. The engine sends it; read the answer into a Token.
//! let mut response_headers = HeaderMap::new();
//! response_headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
//! let response_body = br#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer",
//!     "expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"openid email"}"#;
//! let token = parse_token_response(StatusCode::OK, &response_headers, response_body, 1 << 20)?;
//! assert_eq!(token.scope(), Some("openid email"));
//!
//! // 4. Call an API with it.
//! let (mut api_url, mut api_headers, mut api_body) =
//!     ("https://api.example.com/me".to_owned(), HeaderMap::new(), Vec::new());
//! add_bearer_token(
//!     TokenPlacement::Header,
//!     token.access_token(),
//!     token.token_type(),
//!     &mut api_url,
//!     &mut api_headers,
//!     &mut api_body,
//! )?;
//! assert_eq!(api_headers[header::AUTHORIZATION], "Bearer 2YotnFZFEjr1zCsicMWpAA");
//! # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
//! ```
//!
//! Provider errors are typed whatever status they come with ([`OAuth2Error::Provider`]), error pages
//! keep their body ([`OAuth2Error::HttpStatus`]), and no error message or `Debug` output contains a
//! token, secret, code or verifier.

mod authorization_url;
mod client_auth;
mod error;
pub(crate) mod form;
mod pkce;
mod placement;
mod state;
mod token;
mod token_request;
mod token_response;

pub use authorization_url::{AuthorizationRequest, authorization_url};
pub use client_auth::{ClientAuth, ClientAuthMethod, CustomClientAuth};
pub use error::OAuth2Error;
pub use pkce::{CodeChallengeMethod, CodeVerifier};
pub use placement::{TokenPlacement, add_bearer_token};
pub use state::{generate_state, states_match};
pub use token::Token;
pub use token_request::TokenRequest;
pub use token_response::{
    ProviderError, parse_revocation_response, parse_token_response, parse_token_response_with,
};
