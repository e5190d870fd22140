//! An OAuth 1.0 provider (RFC 5849), ported from Authlib's Flask OAuth 1 server.
//!
//! A provider has two parts: an [`AuthorizationServer`] that issues token credentials, and a
//! [`ResourceProtector`] that checks requests to the users' resources. Both are
//! framework-neutral: they take an `http::Request` whose body is in memory and answer an
//! `http::Response<Vec<u8>>` (or a typed [`OAuth1Error`]), so any framework can host them.
//! Signatures are verified by the same sans-IO code the client signs with
//! ([`crate::oauth1`]).
//!
//! | Authlib (Flask) | here |
//! |---|---|
//! | `AuthorizationServer(app, query_client=..)` + `register_hook(..)` | [`AuthorizationServer::new`]`(clients, temporary_credentials, token_credentials, nonces, config)` |
//! | `server.create_temporary_credential_response()` | [`AuthorizationServer::create_temporary_credential_response`] |
//! | `server.check_authorization_request()` | [`AuthorizationServer::check_authorization_request`] |
//! | `server.create_authorization_response(grant_user)` | [`AuthorizationServer::create_authorization_response`] |
//! | `server.create_token_response()` | [`AuthorizationServer::create_token_response`] |
//! | `ResourceProtector(app, query_client, query_token, exists_nonce)` | [`ResourceProtector::new`] |
//! | `@require_oauth()` + `current_credential` | [`ResourceProtector::validate_request`] → [`Credential`] |
//! | `register_signature_method(name, verify)` | [`ServerConfig::register_signature_method`], or on either server |
//! | `app.config["OAUTH1_*"]` | [`ServerConfig`], [`ServerConfig::from_env`] |
//! | `OAuth1Error` | [`OAuth1Error`] |
//! | `register_nonce_hooks`, `register_temporary_credential_hooks`, `create_query_client_func`, ... | the stores in [`crate::store`] |
//!
//! # Storage
//!
//! The seed's models and hooks are the storage traits: a [`Client`] (id, secret,
//! optional RSA public key, optional default redirect URI) found by a
//! [`ClientStore`]; [`TemporaryCredential`]s kept by a
//! [`TemporaryCredentialStore`] (better in a cache: they live minutes);
//! [`TokenCredential`]s, which do not expire, kept by a [`TokenCredentialStore`]
//! (a database); and nonces, recorded by a [`NonceStore`] with an atomic insert, so a
//! replay is refused even when it races the original. A resource owner is just the `user_id`
//! string you grant with (the seed's `get_user_id()`).
//!
//! [`crate::store::MemoryStore`] implements all four in memory;
//! [`crate::store::CacheStore`] keeps nonces and temporary credentials in any
//! [`Cache`](crate::cache::Cache) (Redis).
//!
//! # Define a server, serve the three endpoints, protect a resource
//!
//! The whole dance, as a client and a provider would run it (the client side uses the
//! library's own [`Signer`](crate::oauth1::Signer)):
//!
//! ```
//! use std::sync::Arc;
//! use http::{Method, Request, StatusCode};
//! use oauth_compat::oauth1::{ClientCredentials, CredentialsResponse, Signer};
//! use oauth_compat::ClientSecret;
//! use oauth_compat::server::Client;
//! use oauth_compat::server::{AuthorizationServer, ResourceProtector, ServerConfig};
//! use oauth_compat::store::MemoryStore;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! // Storage: clients, credentials and nonces (here all in memory).
//! let store = Arc::new(MemoryStore::new());
//! store.add_client(Client {
//!     client_id: "dpf43f3p2l4k3l03".into(),
//!     client_secret: ClientSecret::new("kd94hf93k423kf44"),
//!     rsa_public_key: None,
//!     default_redirect_uri: None,
//! });
//! // server = AuthorizationServer(app, query_client=query_client) + the hooks
//! let server = AuthorizationServer::from_store(store.clone(), ServerConfig::default());
//! // require_oauth = ResourceProtector(app, query_client, query_token, exists_nonce)
//! let require_oauth = ResourceProtector::from_store(store, ServerConfig::default());
//!
//! let client = ClientCredentials::new("dpf43f3p2l4k3l03", "kd94hf93k423kf44");
//!
//! // POST /initiate: the client asks for temporary credentials.
//! let mut req = Request::post("https://photos.example.net/initiate").body(Vec::new()).unwrap();
//! Signer::builder(client.clone())
//!     .callback("https://printer.example.com/ready")
//!     .build()?
//!     .sign_request(&mut req)?;
//! let resp = server.create_temporary_credential_response(&req).await;
//! assert_eq!(resp.status(), StatusCode::OK);
//! let temporary = CredentialsResponse::parse(resp.body())?;
//! assert!(temporary.oauth_callback_confirmed);
//!
//! // GET /authorize?oauth_token=..: show the user who asks...
//! let page = Request::get(format!(
//!     "https://photos.example.net/authorize?oauth_token={}",
//!     temporary.oauth_token
//! ))
//! .body(Vec::new())
//! .unwrap();
//! let asking = server.check_authorization_request(&page).await.expect("a pending request");
//! assert_eq!(asking.client_id(), "dpf43f3p2l4k3l03");
//! // ...and when she grants (None would deny), redirect to the callback with a verifier.
//! let resp = server.create_authorization_response(&page, Some("jane")).await.expect("granted");
//! assert_eq!(resp.status(), StatusCode::FOUND);
//! let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
//! let verifier = location
//!     .query_pairs()
//!     .find(|(name, _)| name == "oauth_verifier")
//!     .map(|(_, value)| value.into_owned())
//!     .unwrap();
//!
//! // POST /token: the client exchanges the temporary credentials and the verifier.
//! let mut req = Request::post("https://photos.example.net/token").body(Vec::new()).unwrap();
//! Signer::builder(client.clone())
//!     .token(temporary.token_credentials())
//!     .verifier(verifier)
//!     .build()?
//!     .sign_request(&mut req)?;
//! let resp = server.create_token_response(&req).await;
//! assert_eq!(resp.status(), StatusCode::OK);
//! let token = CredentialsResponse::parse(resp.body())?.token_credentials();
//!
//! // GET /user, protected: the credential names the user (the seed's current_credential).
//! let mut req = Request::builder()
//!     .method(Method::GET)
//!     .uri("https://photos.example.net/user")
//!     .body(Vec::new())
//!     .unwrap();
//! Signer::builder(client).token(token).build()?.sign_request(&mut req)?;
//! match require_oauth.validate_request(&req).await {
//!     Ok(current_credential) => assert_eq!(current_credential.user_id(), "jane"),
//!     Err(error) => panic!("answer with {:?}", error.into_json_response()),
//! }
//! # Ok::<(), oauth_compat::Error>(())
//! # }).unwrap();
//! ```
//!
//! In a web framework, hand each endpoint the request with its body collected
//! (`http::Request<Bytes>` in axum) and return the response. Over HTTP/1.1 a server sees
//! `/initiate` and a `Host` header, not the scheme: the URI is rebuilt as `http://{Host}/initiate`
//! (see [`request_uri()`]); a server that terminates TLS itself, or sits behind a proxy, sets
//! [`ServerConfig::external_base_url`] or [`ServerConfig::trust_forwarded_headers`], or every
//! signature it checks was made for another URI.
//!
//! # Errors
//!
//! Every refusal is an [`OAuth1Error`] with Authlib's code and status (`invalid_client`,
//! `invalid_token`, `invalid_signature` and `invalid_nonce` are 401; `method_not_allowed` 405;
//! the rest 400). The three endpoints answer them form-encoded
//! ([`OAuth1Error::into_response`]); [`AuthorizationServer::check_authorization_request`] and
//! [`AuthorizationServer::create_authorization_response`] return them, for the page to render
//! (the seed's `except OAuth1Error as error: render_template('error.html', error=error)`); a
//! protected resource answers them as JSON like Authlib's `require_oauth()`
//! ([`OAuth1Error::into_json_response`]). Bad input is never a 500; a failing store is, with a
//! body that says nothing about the store.
//!
//! # Customize signature methods
//!
//! Only HMAC-SHA1 is accepted by default. HMAC-SHA256, RSA-SHA1 and PLAINTEXT are built in:
//! accept them by name. PLAINTEXT requests must arrive over HTTPS (or HTTP to this machine)
//! unless [`TransportRule::Off`] (`AUTHLIB_INSECURE_TRANSPORT`).
//!
//! ```
//! use oauth_compat::server::ServerConfig;
//! // OAUTH1_SUPPORTED_SIGNATURE_METHODS = ['HMAC-SHA1', 'HMAC-SHA256', 'RSA-SHA1']
//! let config = ServerConfig::default().supported_signature_methods(["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1"]);
//! ```
//!
//! A method of your own implements [`SignatureMethod`](crate::oauth1::SignatureMethod); its
//! `verify` must really check the signature (the seed's example accepts any: not here, the
//! default `verify` signs and compares in constant time). Register it, then support it:
//!
//! ```
//! use oauth_compat::oauth1::{SignatureError, KeyMaterial, SignatureMethod};
//! use oauth_compat::server::ServerConfig;
//!
//! /// HMAC-SHA256 under another name, computed by the built-in one.
//! struct MyHmacSha256;
//!
//! impl SignatureMethod for MyHmacSha256 {
//!     fn sign(&self, base_string: &str, keys: &KeyMaterial<'_>) -> Result<String, SignatureError> {
//!         oauth_compat::oauth1::HmacSha256.sign(base_string, keys)
//!     }
//! }
//!
//! let config = ServerConfig::default()
//!     .register_signature_method("X-HMAC-SHA256", MyHmacSha256)
//!     .supported_signature_methods(["X-HMAC-SHA256"]);
//! assert!(config.signature_methods().contains("X-HMAC-SHA256"));
//! ```

mod authorization_server;
mod base_server;
mod config;
mod error;
mod request_uri;
mod resource_protector;
mod response;
pub(crate) mod store;

pub use crate::wire::BoxFuture;
pub use authorization_server::{AuthorizationServer, PendingAuthorization};
pub use config::{
    DEFAULT_TEMPORARY_CREDENTIAL_LIFETIME, DEFAULT_TIMESTAMP_WINDOW, DEFAULT_TOKEN_LENGTH,
    DEFAULT_TOKEN_SECRET_LENGTH, Generator, MAX_TEMPORARY_CREDENTIAL_LIFETIME,
    MAX_TIMESTAMP_WINDOW, MAX_TOKEN_LENGTH, MIN_MAX_PARAMETERS, MIN_TOKEN_LENGTH, ServerConfig,
    ServerConfigError, TransportRule, VERIFIER_LENGTH, generate_token,
};
pub use error::OAuth1Error;
pub use request_uri::request_uri;
pub use resource_protector::{Credential, ResourceProtector};
pub use store::{
    Client, ClientStore, NonceKey, NonceStore, StoreError, TemporaryCredential,
    TemporaryCredentialStore, TokenCredential, TokenCredentialStore,
};
