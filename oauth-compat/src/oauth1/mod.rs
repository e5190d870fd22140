//! OAuth 1.0 (RFC 5849), sans-IO: signing on the client, verification on the provider.
//!
//! One private module per piece of the RFC, their items re-exported here: percent-encoding
//! ([`percent_encode`], §3.6), parameter collection ([`collect_parameters`], §3.4.1.3.1) and
//! normalization ([`normalize_parameters`], §3.4.1.3.2), the base string
//! ([`signature_base_string`], §3.4.1.1–2), the signature methods (§3.4.2–4 plus HMAC-SHA256,
//! and the [`SignatureMethods`] registry), the `Authorization` header
//! ([`parse_authorization_header`], §3.5.1), the client's [`Signer`], the provider's
//! [`SignedRequest`] and credentials responses ([`CredentialsResponse`], §2). A request URI given as text becomes the [`http::Uri`] they take through
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
//! # Ok::<(), oauth_compat::oauth1::SignatureError>(())
//! ```

mod base_string;
mod credentials;
pub(crate) mod encode;
mod error;
mod header;
mod normalize;
pub(crate) mod params;
mod request_uri;
mod sign;
pub(crate) mod signature;
mod twice_decoded;
mod uri_parts;
pub(crate) mod verify;

pub use base_string::{base_string_uri, base_string_uri_str, signature_base_string};
pub use credentials::{ClientCredentials, CredentialsResponse, TokenCredentials};
pub use encode::{form_decode, percent_decode, percent_encode};
pub use error::{ParameterLocation, SignatureError};
pub use header::{AuthorizationHeader, format_authorization_header, parse_authorization_header};
pub use normalize::normalize_parameters;
pub use params::{
    DEFAULT_MAX_PARAMETERS, FORM_CONTENT_TYPE, body_parameters, collect_parameters, has_form_body,
    query_parameters,
};
pub use request_uri::parse_request_uri;
pub use sign::{NonceAndTimestampSource, SignatureType, Signer, SignerBuilder};
pub use signature::{
    HMAC_SHA1, HMAC_SHA256, HmacSha1, HmacSha256, KeyMaterial, PLAINTEXT, Plaintext, RSA_SHA1,
    RsaPrivateKey, RsaPublicKey, RsaSha1, SignatureMethod, SignatureMethods, signing_key,
};
pub use verify::SignedRequest;
