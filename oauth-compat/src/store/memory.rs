//! Everything the provider stores, in this process's memory: clients, token credentials,
//! temporary credentials (with expiry) and nonces (atomic, expiring). For tests, examples and
//! single-instance deployments; several processes need a shared store (SQLite, PostgreSQL,
//! Redis).
//!
//! ```
//! use std::sync::Arc;
//! use oauth_compat::ClientSecret;
//! use oauth_compat::server::Client;
//! use oauth_compat::server::{AuthorizationServer, ResourceProtector, ServerConfig};
//! use oauth_compat::store::MemoryStore;
//!
//! let store = Arc::new(MemoryStore::new());
//! store.add_client(Client {
//!     client_id: "printer".into(),
//!     client_secret: ClientSecret::new("kd94hf93k423kf44"),
//!     rsa_public_key: None,
//!     default_redirect_uri: None,
//! });
//! let server = AuthorizationServer::from_store(store.clone(), ServerConfig::default());
//! let require_oauth = ResourceProtector::from_store(store, ServerConfig::default());
//! ```

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::server::{
    BoxFuture, Client, ClientStore, NonceKey, NonceStore, StoreError, TemporaryCredential,
    TemporaryCredentialStore, TokenCredential, TokenCredentialStore,
};

/// A map whose expired entries are swept when it grows, so it stays bounded by its live ones.
#[derive(Debug)]
struct Expiring<K, V> {
    map: HashMap<K, V>,
    sweep_at: usize,
}

impl<K, V> Default for Expiring<K, V> {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            sweep_at: 0,
        }
    }
}

impl<K: Eq + Hash, V> Expiring<K, V> {
    fn insert(&mut self, key: K, value: V, live: impl Fn(&V) -> bool) {
        if self.map.len() >= self.sweep_at.max(1024) {
            self.map.retain(|_, v| live(v));
            self.sweep_at = self.map.len() * 2;
        }
        self.map.insert(key, value);
    }
}

/// An in-memory store implementing [`ClientStore`], [`TokenCredentialStore`],
/// [`TemporaryCredentialStore`] and [`NonceStore`] (Authlib's hooks over a dict). Share it
/// with `Arc` between the [`AuthorizationServer`](crate::server::AuthorizationServer) and the
/// [`ResourceProtector`](crate::server::ResourceProtector).
#[derive(Default)]
pub struct MemoryStore {
    clients: Mutex<HashMap<String, Client>>,
    tokens: Mutex<HashMap<String, TokenCredential>>,
    temporary: Mutex<Expiring<String, TemporaryCredential>>,
    nonces: Mutex<Expiring<NonceKey, Instant>>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("clients", &lock(&self.clients).len())
            .field("tokens", &lock(&self.tokens).len())
            .field("temporary", &lock(&self.temporary).map.len())
            .field("nonces", &lock(&self.nonces).map.len())
            .finish()
    }
}

/// A poisoned lock only means another thread panicked mid-operation; every operation here
/// leaves the maps consistent, so the data is still good.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) a client.
    pub fn add_client(&self, client: Client) {
        lock(&self.clients).insert(client.client_id.clone(), client);
    }

    /// Removes a client; its tokens stop working with it.
    pub fn remove_client(&self, client_id: &str) -> Option<Client> {
        lock(&self.clients).remove(client_id)
    }

    /// Adds (or replaces) a token credential, as if issued.
    pub fn add_token(&self, token: TokenCredential) {
        lock(&self.tokens).insert(token.oauth_token.clone(), token);
    }

    /// Revokes a token credential.
    pub fn remove_token(&self, oauth_token: &str) -> Option<TokenCredential> {
        lock(&self.tokens).remove(oauth_token)
    }

    /// The number of nonces held, expired ones not yet swept included.
    pub fn nonce_count(&self) -> usize {
        lock(&self.nonces).map.len()
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl ClientStore for MemoryStore {
    fn query_client<'a>(
        &'a self,
        client_id: &'a str,
    ) -> BoxFuture<'a, Result<Option<Client>, StoreError>> {
        ready(Ok(lock(&self.clients).get(client_id).cloned()))
    }
}

impl TokenCredentialStore for MemoryStore {
    fn create_token_credential<'a>(
        &'a self,
        credential: &'a TokenCredential,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.add_token(credential.clone());
        ready(Ok(()))
    }

    fn query_token<'a>(
        &'a self,
        client_id: &'a str,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<Option<TokenCredential>, StoreError>> {
        let token = lock(&self.tokens)
            .get(oauth_token)
            .filter(|t| t.client_id == client_id)
            .cloned();
        ready(Ok(token))
    }
}

impl TemporaryCredentialStore for MemoryStore {
    fn create_temporary_credential<'a>(
        &'a self,
        credential: &'a TemporaryCredential,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let now = crate::wire::now_unix();
        lock(&self.temporary).insert(
            credential.oauth_token.clone(),
            credential.clone(),
            |c: &TemporaryCredential| c.expires_at > now,
        );
        ready(Ok(()))
    }

    fn get_temporary_credential<'a>(
        &'a self,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<Option<TemporaryCredential>, StoreError>> {
        let now = crate::wire::now_unix();
        let credential = lock(&self.temporary)
            .map
            .get(oauth_token)
            .filter(|c| c.expires_at > now)
            .cloned();
        ready(Ok(credential))
    }

    fn delete_temporary_credential<'a>(
        &'a self,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        lock(&self.temporary).map.remove(oauth_token);
        ready(Ok(()))
    }

    fn create_authorization_verifier<'a>(
        &'a self,
        oauth_token: &'a str,
        user_id: &'a str,
        verifier: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = crate::wire::now_unix();
        let recorded = match lock(&self.temporary).map.get_mut(oauth_token) {
            Some(c) if c.expires_at > now && c.oauth_verifier.is_none() => {
                c.user_id = Some(user_id.to_owned());
                c.oauth_verifier = Some(verifier.to_owned());
                true
            }
            _ => false,
        };
        ready(Ok(recorded))
    }
}

impl NonceStore for MemoryStore {
    fn insert_nonce<'a>(
        &'a self,
        key: &'a NonceKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = Instant::now();
        let mut nonces = lock(&self.nonces);
        // Check and insert under one lock: atomic.
        let inserted = match nonces.map.get(key) {
            Some(expires) if *expires > now => false,
            _ => {
                // A TTL too large for the clock to represent is capped at a century.
                let expires = now
                    .checked_add(ttl)
                    .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
                    .unwrap_or(now);
                nonces.insert(key.clone(), expires, |expires| *expires > now);
                true
            }
        };
        ready(Ok(inserted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::TokenSecret;
    use std::sync::Arc;

    fn temporary(token: &str, expires_at: i64) -> TemporaryCredential {
        TemporaryCredential {
            client_id: "c".into(),
            oauth_token: token.into(),
            oauth_token_secret: TokenSecret::new("s"),
            oauth_callback: "oob".into(),
            oauth_verifier: None,
            user_id: None,
            expires_at,
        }
    }

    #[tokio::test]
    async fn temporary_credentials_expire_and_take_a_verifier() {
        let store = MemoryStore::new();
        let now = crate::wire::now_unix();
        store
            .create_temporary_credential(&temporary("live", now + 60))
            .await
            .unwrap();
        store
            .create_temporary_credential(&temporary("dead", now - 1))
            .await
            .unwrap();
        assert!(
            store
                .get_temporary_credential("dead")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            !store
                .create_authorization_verifier("dead", "u", "v")
                .await
                .unwrap()
        );
        assert!(
            store
                .create_authorization_verifier("live", "u", "v")
                .await
                .unwrap()
        );
        let got = store
            .get_temporary_credential("live")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (got.user_id.as_deref(), got.oauth_verifier.as_deref()),
            (Some("u"), Some("v"))
        );
        store.delete_temporary_credential("live").await.unwrap();
        assert!(
            store
                .get_temporary_credential("live")
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn tokens_belong_to_their_client() {
        let store = MemoryStore::new();
        store.add_token(TokenCredential {
            client_id: "c".into(),
            oauth_token: "t".into(),
            oauth_token_secret: TokenSecret::new("s"),
            user_id: "u".into(),
        });
        assert!(store.query_token("c", "t").await.unwrap().is_some());
        assert!(store.query_token("other", "t").await.unwrap().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn nonces_insert_once_under_concurrency_and_expire() {
        let store = Arc::new(MemoryStore::new());
        let key = NonceKey {
            client_id: "c".into(),
            timestamp: 1,
            nonce: "n".into(),
            token: None,
        };
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let (store, key) = (store.clone(), key.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .insert_nonce(&key, Duration::from_secs(60))
                    .await
                    .unwrap()
            }));
        }
        let mut inserted = 0;
        for task in tasks {
            inserted += usize::from(task.await.unwrap());
        }
        assert_eq!(inserted, 1);
        let with_token = NonceKey {
            token: Some(String::new()),
            ..key.clone()
        };
        assert!(
            store
                .insert_nonce(&with_token, Duration::from_secs(60))
                .await
                .unwrap()
        );

        let short = NonceKey {
            nonce: "short".into(),
            ..key
        };
        assert!(
            store
                .insert_nonce(&short, Duration::from_millis(10))
                .await
                .unwrap()
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(
            store
                .insert_nonce(&short, Duration::from_secs(60))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn nonces_stay_bounded_by_the_live_ones() {
        let store = MemoryStore::new();
        for i in 0..1024 {
            let key = NonceKey {
                client_id: "c".into(),
                timestamp: i,
                nonce: "n".into(),
                token: None,
            };
            store
                .insert_nonce(&key, Duration::from_millis(1))
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        let fresh = NonceKey {
            client_id: "c".into(),
            timestamp: 0,
            nonce: "fresh".into(),
            token: None,
        };
        store
            .insert_nonce(&fresh, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(store.nonce_count(), 1);
    }
}
