//! OAuth 1.0 (RFC 5849), sans-IO: signing on the client, verification on the provider.
//!
//! One module per piece of the RFC: [`encode`] (§3.6), [`params`] (§3.4.1.3.1),
//! [`normalize`] (§3.4.1.3.2), [`base_string`] (§3.4.1.1–2), [`signature`] (§3.4.2–4 plus
//! HMAC-SHA256, and the [`SignatureMethods`] registry), [`header`] (§3.5.1), [`sign`] (the
//! client's [`Signer`]), [`verify`] (the provider's [`SignedRequest`]) and [`credentials`]
//! (§2 responses). A request URI given as text becomes the [`http::Uri`] they take through
//! [`parse_request_uri`], which encodes a raw space as `%20` the way oauthlib does.
//!
//! # Sign a request, then verify it
//!
//! ```
//! use http::{Method, Request, header};
//! use oauth_compat::oauth1::{
//!     ClientCredentials, KeyMaterial, SignatureMethods, SignedRequest, Signer, TokenCredentials,
//! };
//!
//! // Client side: a reusable signer (HMAC-SHA1, Authorization header, oauth_version="1.0").
//! let client = ClientCredentials::new("xvz1evFS4wEEPTGEFPHBog", "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw");
//! let token = TokenCredentials::new(
//!     "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
//!     "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
//! );
//! let signer = Signer::builder(client.clone()).token(token.clone()).build()?;
//!
//! let mut request = Request::post("https://api.twitter.com/1.1/statuses/update.json?include_entities=true")
//!     .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
//!     .body(b"status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21".to_vec())
//!     .unwrap();
//! signer.sign_request(&mut request)?;
//! assert!(request.headers()[header::AUTHORIZATION].to_str().unwrap().starts_with("OAuth "));
//!
//! // Provider side: extract, look up secrets by consumer key and token, verify.
//! let signed = SignedRequest::from_request(&request)?;
//! assert_eq!(signed.consumer_key(), client.key);
//! assert_eq!(signed.token(), Some(token.token.as_str()));
//! let keys = KeyMaterial::new(Some(&client.secret), Some(&token.secret));
//! signed.verify(&SignatureMethods::new(), &["HMAC-SHA1"], &keys)?;
//! # Ok::<(), oauth_compat::oauth1::Error>(())
//! ```

pub mod base_string;
pub mod credentials;
pub mod encode;
mod error;
pub mod header;
pub mod normalize;
pub mod params;
mod request_uri;
pub mod sign;
pub mod signature;
mod twice_decoded;
mod uri_parts;
pub mod verify;

pub use credentials::{ClientCredentials, CredentialsResponse, TokenCredentials};
pub use error::{Error, ParameterLocation};
pub use header::{AuthorizationHeader, format_authorization_header, parse_authorization_header};
pub use request_uri::parse_request_uri;
pub use sign::{SignatureType, Signer, SignerBuilder};
pub use signature::{KeyMaterial, RsaPrivateKey, RsaPublicKey, SignatureMethod, SignatureMethods};
pub use verify::SignedRequest;
