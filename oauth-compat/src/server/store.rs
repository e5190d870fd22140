//! What the provider stores, and the async traits storage backends implement: Authlib's server
//! hooks (`query_client`, `exists_nonce`, `create_temporary_credential`,
//! `get_temporary_credential`, `delete_temporary_credential`, `create_authorization_verifier`,
//! `create_token_credential`, `query_token`) as Rust traits.
//!
//! Backends live in [`crate::store`]: in memory (one process), and behind features SQLite
//! (the embedded default), PostgreSQL (several machines), and any [`crate::cache::Cache`]
//! (Redis) for nonces and temporary credentials.

use std::fmt;
use std::time::Duration;

use crate::secret::{ClientSecret, TokenSecret};

use crate::wire::BoxFuture;

/// A storage backend failed (connection, query, serialization). Never carries a secret.
#[derive(Debug, thiserror::Error)]
#[error("{backend} store failed to {operation}: {source}")]
pub struct StoreError {
    /// `memory`, `sqlite`, `postgres`, `redis`, or a custom backend's name.
    pub backend: &'static str,
    /// What it was doing (`insert a nonce`, `read a temporary credential`, ...).
    pub operation: &'static str,
    /// The backend's own error.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl StoreError {
    /// A backend error.
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

/// A registered client (Authlib's `ClientMixin`).
#[derive(Clone, PartialEq, Eq)]
pub struct Client {
    /// `oauth_consumer_key`.
    pub client_id: String,
    /// The shared secret (HMAC and PLAINTEXT methods).
    pub client_secret: ClientSecret,
    /// The client's RSA public key in PEM (SPKI or PKCS#1), for RSA-SHA1.
    pub rsa_public_key: Option<String>,
    /// Where the user returns after authorizing when the client sent `oauth_callback=oob`
    /// (Authlib's `get_default_redirect_uri`); `None` shows the verifier instead.
    pub default_redirect_uri: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field(
                "rsa_public_key",
                &self.rsa_public_key.as_ref().map(|_| "[PEM]"),
            )
            .field("default_redirect_uri", &self.default_redirect_uri)
            .finish()
    }
}

/// Temporary credentials (a request token), from the initiate endpoint to the token endpoint.
///
/// Serializable, so a [`crate::cache::Cache`] can hold it (the secret serializes as is: keep
/// the cache private).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TemporaryCredential {
    /// The client it was issued to.
    pub client_id: String,
    /// `oauth_token`.
    pub oauth_token: String,
    /// `oauth_token_secret`.
    pub oauth_token_secret: TokenSecret,
    /// `oauth_callback` as the client sent it (`oob` allowed).
    pub oauth_callback: String,
    /// Set once the user authorized: the verifier the client must send back.
    pub oauth_verifier: Option<String>,
    /// Set once the user authorized: who granted.
    pub user_id: Option<String>,
    /// Unix seconds after which it is gone.
    pub expires_at: i64,
}

/// `oauth_verifier` is what turns the credential into a token: redacted, like the secret.
impl fmt::Debug for TemporaryCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemporaryCredential")
            .field("client_id", &self.client_id)
            .field("oauth_token", &self.oauth_token)
            .field("oauth_token_secret", &self.oauth_token_secret)
            .field(
                "oauth_verifier",
                &self.oauth_verifier.as_ref().map(|_| "[redacted]"),
            )
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Token credentials (an access token); they do not expire in OAuth 1.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TokenCredential {
    /// The client it was issued to.
    pub client_id: String,
    /// `oauth_token`.
    pub oauth_token: String,
    /// `oauth_token_secret`.
    pub oauth_token_secret: TokenSecret,
    /// The user who granted it (Authlib's `get_user_id()`).
    pub user_id: String,
}

/// What makes a request unique (RFC 5849 §3.3): a nonce is single-use per client, timestamp
/// and token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonceKey {
    /// `oauth_consumer_key`.
    pub client_id: String,
    /// `oauth_timestamp`.
    pub timestamp: u64,
    /// `oauth_nonce`.
    pub nonce: String,
    /// `oauth_token`, when the request carried one.
    pub token: Option<String>,
}

/// Looks clients up (Authlib's `query_client`).
pub trait ClientStore: Send + Sync {
    /// The client with this id, if registered.
    fn query_client<'a>(
        &'a self,
        client_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Client>, StoreError>>;
}

/// Records nonces (Authlib's `exists_nonce`, made atomic).
pub trait NonceStore: Send + Sync {
    /// Records `key` unless it is already recorded, atomically (an insert that fails on a
    /// duplicate, never a read then a write): `true` when it was new. Kept at least `ttl`, after
    /// which the timestamp check refuses the request anyway.
    fn insert_nonce<'a>(
        &'a self,
        key: &'a NonceKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

/// Keeps temporary credentials between the three endpoints.
pub trait TemporaryCredentialStore: Send + Sync {
    /// Saves a new temporary credential.
    fn create_temporary_credential<'a>(
        &'a self,
        credential: &'a TemporaryCredential,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The unexpired temporary credential for `oauth_token`.
    fn get_temporary_credential<'a>(
        &'a self,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<Option<TemporaryCredential>, StoreError>>;

    /// Deletes it (after use, and after a failed token request, as Authlib does).
    fn delete_temporary_credential<'a>(
        &'a self,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Records the user's grant and the verifier on the unexpired credential, only if it has no
    /// verifier yet (atomically: of two concurrent grants, one wins): `false` when it is gone
    /// or already granted.
    fn create_authorization_verifier<'a>(
        &'a self,
        oauth_token: &'a str,
        user_id: &'a str,
        verifier: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

/// Keeps token credentials (Authlib's `create_token_credential` and `query_token`).
pub trait TokenCredentialStore: Send + Sync {
    /// Saves a new token credential.
    fn create_token_credential<'a>(
        &'a self,
        credential: &'a TokenCredential,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// The token credential `oauth_token` issued to `client_id`.
    fn query_token<'a>(
        &'a self,
        client_id: &'a str,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<Option<TokenCredential>, StoreError>>;
}
