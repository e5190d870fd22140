//! Nonces and temporary credentials in any [`Cache`] (in memory, Redis): the seed's
//! `register_nonce_hooks(server, cache)`, `create_exists_nonce_func(cache)` and
//! `register_temporary_credential_hooks(server, cache)`.
//!
//! Nonces go through [`Cache::add`], an atomic add-if-absent, so a replay is refused even when
//! the same request reaches two processes at once (Authlib's helper reads then writes, which
//! lets concurrent replays through). Temporary credentials are JSON values that expire with
//! the credential.
//!
//! ```
//! use std::sync::Arc;
//! use oauth_compat::cache::MemoryCache;
//! use oauth_compat::server::{AuthorizationServer, ResourceProtector, ServerConfig};
//! use oauth_compat::store::CacheStore;
//! use oauth_compat::store::MemoryStore;
//!
//! // Clients and token credentials in a database (here: memory), the rest in a cache.
//! let db = Arc::new(MemoryStore::new());
//! let cache = Arc::new(CacheStore::new(MemoryCache::new()));
//! let server = AuthorizationServer::new(
//!     db.clone(),    // create_query_client_func(db.session, Client)
//!     cache.clone(), // register_temporary_credential_hooks(server, cache)
//!     db.clone(),    // register_token_credential_hooks(server, db.session, TokenCredential)
//!     cache.clone(), // register_nonce_hooks(server, cache)
//!     ServerConfig::default(),
//! );
//! let require_oauth = ResourceProtector::new(
//!     db.clone(),    // create_query_client_func
//!     db,            // create_query_token_func
//!     cache,         // create_exists_nonce_func(cache)
//!     ServerConfig::default(),
//! );
//! ```

use std::sync::Arc;
use std::time::Duration;

use crate::cache::{Cache, CacheError};
use crate::oauth1::encode::percent_encode_into;
use crate::server::{
    BoxFuture, NonceKey, NonceStore, StoreError, TemporaryCredential, TemporaryCredentialStore,
};
use crate::wire::now_unix;

const BACKEND: &str = "cache";

/// A cache's failure, as the provider's stores report it: the same backend, operation and
/// source.
impl From<CacheError> for StoreError {
    fn from(err: CacheError) -> Self {
        StoreError {
            backend: err.backend,
            operation: err.operation,
            source: err.source,
        }
    }
}

/// [`NonceStore`] and [`TemporaryCredentialStore`] over a [`Cache`]. Keys start with a prefix
/// (default `oauth1:`), so one cache can serve several purposes.
pub struct CacheStore<C: ?Sized> {
    cache: Arc<C>,
    prefix: String,
}

impl<C: ?Sized> Clone for CacheStore<C> {
    fn clone(&self) -> Self {
        Self {
            cache: self.cache.clone(),
            prefix: self.prefix.clone(),
        }
    }
}

impl<C: ?Sized> std::fmt::Debug for CacheStore<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl<C: Cache> CacheStore<C> {
    /// A store over `cache`.
    pub fn new(cache: C) -> Self {
        Self::from_arc(Arc::new(cache))
    }
}

impl<C: Cache + ?Sized> CacheStore<C> {
    /// A store over a shared cache (`Arc<dyn Cache>` too).
    pub fn from_arc(cache: Arc<C>) -> Self {
        Self {
            cache,
            prefix: "oauth1:".to_owned(),
        }
    }

    /// Replaces the key prefix (default `oauth1:`).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// `{prefix}nonce:{client}:{timestamp}:{nonce}:{token}`, each part percent-encoded (so no
    /// part holds a `:`) and a missing token written `*` (which encoding never produces), so
    /// two different keys never meet.
    ///
    /// ```
    /// use oauth_compat::cache::MemoryCache;
    /// use oauth_compat::server::NonceKey;
    /// use oauth_compat::store::CacheStore;
    ///
    /// let store = CacheStore::new(MemoryCache::new());
    /// let key = NonceKey { client_id: "a:b".into(), timestamp: 1, nonce: "n".into(), token: None };
    /// assert_eq!(store.nonce_key(&key), "oauth1:nonce:a%3Ab:1:n:*");
    /// ```
    pub fn nonce_key(&self, key: &NonceKey) -> String {
        let mut out = String::with_capacity(self.prefix.len() + 64);
        out.push_str(&self.prefix);
        out.push_str("nonce:");
        percent_encode_into(&mut out, &key.client_id);
        out.push(':');
        out.push_str(&key.timestamp.to_string());
        out.push(':');
        percent_encode_into(&mut out, &key.nonce);
        out.push(':');
        match &key.token {
            Some(token) => percent_encode_into(&mut out, token),
            None => out.push('*'),
        }
        out
    }

    /// `{prefix}temporary_credential:{oauth_token}`, the token percent-encoded.
    pub fn temporary_credential_key(&self, oauth_token: &str) -> String {
        let mut out = String::with_capacity(self.prefix.len() + 21 + oauth_token.len());
        out.push_str(&self.prefix);
        out.push_str("temporary_credential:");
        percent_encode_into(&mut out, oauth_token);
        out
    }

    async fn read(&self, oauth_token: &str) -> Result<Option<TemporaryCredential>, StoreError> {
        let Some(bytes) = self
            .cache
            .get(&self.temporary_credential_key(oauth_token))
            .await?
        else {
            return Ok(None);
        };
        let credential: TemporaryCredential = serde_json::from_slice(&bytes)
            .map_err(|e| StoreError::new(BACKEND, "decode a temporary credential", e))?;
        Ok((credential.expires_at > now_unix()).then_some(credential))
    }

    async fn write(&self, credential: &TemporaryCredential) -> Result<(), StoreError> {
        let value = serde_json::to_vec(credential)
            .map_err(|e| StoreError::new(BACKEND, "encode a temporary credential", e))?;
        self.cache
            .set(
                &self.temporary_credential_key(&credential.oauth_token),
                value,
                Some(Self::ttl(credential)),
            )
            .await?;
        Ok(())
    }

    /// What is left of the credential's life, at least a second.
    fn ttl(credential: &TemporaryCredential) -> Duration {
        let secs = u64::try_from(credential.expires_at.saturating_sub(now_unix()))
            .unwrap_or(0)
            .max(1);
        Duration::from_secs(secs)
    }
}

impl<C: Cache + ?Sized> NonceStore for CacheStore<C> {
    fn insert_nonce<'a>(
        &'a self,
        key: &'a NonceKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            Ok(self
                .cache
                .add(&self.nonce_key(key), b"1".to_vec(), ttl)
                .await?)
        })
    }
}

impl<C: Cache + ?Sized> TemporaryCredentialStore for CacheStore<C> {
    fn create_temporary_credential<'a>(
        &'a self,
        credential: &'a TemporaryCredential,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.write(credential))
    }

    fn get_temporary_credential<'a>(
        &'a self,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<Option<TemporaryCredential>, StoreError>> {
        Box::pin(self.read(oauth_token))
    }

    fn delete_temporary_credential<'a>(
        &'a self,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.cache
                .delete(&self.temporary_credential_key(oauth_token))
                .await?;
            Ok(())
        })
    }

    fn create_authorization_verifier<'a>(
        &'a self,
        oauth_token: &'a str,
        user_id: &'a str,
        verifier: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let Some(mut credential) = self.read(oauth_token).await? else {
                return Ok(false);
            };
            if credential.oauth_verifier.is_some() {
                return Ok(false);
            }
            // One grant per credential, even across processes: the first to add the marker
            // wins (an atomic add-if-absent), a later one is refused.
            let mut marker = self.temporary_credential_key(oauth_token);
            marker.push_str(":granted");
            if !self
                .cache
                .add(&marker, Vec::new(), Self::ttl(&credential))
                .await?
            {
                return Ok(false);
            }
            credential.user_id = Some(user_id.to_owned());
            credential.oauth_verifier = Some(verifier.to_owned());
            // Written back only if still there: a credential deleted meanwhile (exchanged,
            // burnt) is not brought back.
            let value = serde_json::to_vec(&credential)
                .map_err(|e| StoreError::new(BACKEND, "encode a temporary credential", e))?;
            Ok(self
                .cache
                .replace(
                    &self.temporary_credential_key(oauth_token),
                    value,
                    Some(Self::ttl(&credential)),
                )
                .await?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryCache;
    use crate::secret::TokenSecret;

    fn key(client: &str, nonce: &str, token: Option<&str>) -> NonceKey {
        NonceKey {
            client_id: client.into(),
            timestamp: 7,
            nonce: nonce.into(),
            token: token.map(Into::into),
        }
    }

    #[test]
    fn nonce_keys_cannot_collide() {
        let store = CacheStore::new(MemoryCache::new());
        let keys = [
            key("a:b", "c", None),
            key("a", "b:c", None),
            key("a", "b", Some("c")),
            key("a", "b", Some("")),
            key("a", "b", Some("*")),
            key("a", "b", None),
        ];
        let mut seen = std::collections::HashSet::new();
        for k in &keys {
            assert!(seen.insert(store.nonce_key(k)), "{}", store.nonce_key(k));
        }
    }

    #[tokio::test]
    async fn nonces_and_temporary_credentials_round_trip() {
        let store = CacheStore::new(MemoryCache::new()).with_prefix("p:");
        let k = key("c", "n", Some("t"));
        assert!(
            store
                .insert_nonce(&k, Duration::from_secs(60))
                .await
                .unwrap()
        );
        assert!(
            !store
                .insert_nonce(&k, Duration::from_secs(60))
                .await
                .unwrap()
        );

        let credential = TemporaryCredential {
            client_id: "c".into(),
            oauth_token: "tok/en".into(),
            oauth_token_secret: TokenSecret::new("secret"),
            oauth_callback: "https://client.example/cb".into(),
            oauth_verifier: None,
            user_id: None,
            expires_at: now_unix() + 60,
        };
        store
            .create_temporary_credential(&credential)
            .await
            .unwrap();
        assert_eq!(
            store
                .get_temporary_credential("tok/en")
                .await
                .unwrap()
                .as_ref(),
            Some(&credential)
        );
        assert!(
            store
                .create_authorization_verifier("tok/en", "alice", "v")
                .await
                .unwrap()
        );
        assert!(
            !store
                .create_authorization_verifier("other", "alice", "v")
                .await
                .unwrap()
        );
        let got = store
            .get_temporary_credential("tok/en")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.user_id.as_deref(), Some("alice"));
        store.delete_temporary_credential("tok/en").await.unwrap();
        assert!(
            store
                .get_temporary_credential("tok/en")
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn garbage_in_the_cache_is_a_store_error() {
        let cache = Arc::new(MemoryCache::new());
        let store = CacheStore::from_arc(cache.clone());
        cache
            .set(&store.temporary_credential_key("t"), b"{".to_vec(), None)
            .await
            .unwrap();
        let err = store.get_temporary_credential("t").await.unwrap_err();
        assert_eq!(err.operation, "decode a temporary credential");
    }

    #[tokio::test]
    async fn works_over_a_dyn_cache() {
        let cache: Arc<dyn Cache> = Arc::new(MemoryCache::new());
        let store = CacheStore::from_arc(cache);
        assert!(
            store
                .insert_nonce(&key("c", "n", None), Duration::from_secs(1))
                .await
                .unwrap()
        );
    }
}
