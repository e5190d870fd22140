//! An in-process [`Cache`]: a map under a mutex, expired entries swept as it grows.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{BoxFuture, Cache, CacheError};

/// An in-memory cache for one process (tests, single-instance deployments).
///
/// ```
/// use std::time::Duration;
/// use oauth_compat::cache::{Cache, MemoryCache};
///
/// # tokio_test_block_on(async {
/// let cache = MemoryCache::new();
/// assert!(cache.add("nonce:a", b"1".to_vec(), Duration::from_secs(60)).await.unwrap());
/// assert!(!cache.add("nonce:a", b"1".to_vec(), Duration::from_secs(60)).await.unwrap());
/// assert_eq!(cache.get("nonce:a").await.unwrap().as_deref(), Some(&b"1"[..]));
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug, Default)]
pub struct MemoryCache {
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, (Vec<u8>, Option<Instant>)>,
    /// Sweep expired entries when the map reaches this size (then double it), so a cache that
    /// only receives nonces stays bounded by the live ones.
    sweep_at: usize,
}

impl Entries {
    fn live(&self, key: &str, now: Instant) -> Option<&Vec<u8>> {
        match self.map.get(key) {
            Some((value, expires)) if expires.is_none_or(|at| at > now) => Some(value),
            _ => None,
        }
    }

    fn insert(&mut self, key: &str, value: Vec<u8>, expires: Option<Instant>, now: Instant) {
        if self.map.len() >= self.sweep_at.max(1024) {
            self.map
                .retain(|_, (_, expires)| expires.is_none_or(|at| at > now));
            self.sweep_at = self.map.len() * 2;
        }
        self.map.insert(key.to_owned(), (value, expires));
    }
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Entries, Instant) -> T) -> T {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut entries, Instant::now())
    }

    /// The number of entries held, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.with(|entries, _| entries.map.len())
    }

    /// Whether it holds no entry at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Cache for MemoryCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>> {
        let value = self.with(|entries, now| entries.live(key, now).cloned());
        Box::pin(async move { Ok(value) })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        // A TTL too large for the clock to represent never expires.
        self.with(|entries, now| {
            entries.insert(key, value, ttl.and_then(|ttl| now.checked_add(ttl)), now);
        });
        Box::pin(async { Ok(()) })
    }

    fn replace<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        let replaced = self.with(|entries, now| {
            if entries.live(key, now).is_none() {
                return false;
            }
            entries.insert(key, value, ttl.and_then(|ttl| now.checked_add(ttl)), now);
            true
        });
        Box::pin(async move { Ok(replaced) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
        self.with(|entries, _| entries.map.remove(key));
        Box::pin(async { Ok(()) })
    }

    fn add<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        let added = self.with(|entries, now| {
            if entries.live(key, now).is_some() {
                false
            } else {
                entries.insert(key, value, now.checked_add(ttl), now);
                true
            }
        });
        Box::pin(async move { Ok(added) })
    }

    fn delete_if<'a>(
        &'a self,
        key: &'a str,
        expected: &'a [u8],
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        let deleted = self.with(|entries, now| {
            if entries.live(key, now).map(Vec::as_slice) != Some(expected) {
                return false;
            }
            entries.map.remove(key);
            true
        });
        Box::pin(async move { Ok(deleted) })
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn replace_only_overwrites_a_live_key() {
        let cache = MemoryCache::new();
        assert!(!cache.replace("k", b"v".to_vec(), None).await.unwrap());
        assert_eq!(cache.get("k").await.unwrap(), None);
        cache.set("k", b"a".to_vec(), None).await.unwrap();
        assert!(cache.replace("k", b"b".to_vec(), None).await.unwrap());
        assert_eq!(cache.get("k").await.unwrap().as_deref(), Some(&b"b"[..]));
        cache.delete("k").await.unwrap();
        assert!(!cache.replace("k", b"c".to_vec(), None).await.unwrap());
        assert_eq!(cache.get("k").await.unwrap(), None);
        // A TTL past what the clock can represent does not panic.
        cache
            .set("huge", b"h".to_vec(), Some(Duration::MAX))
            .await
            .unwrap();
        assert!(cache.add("huge2", Vec::new(), Duration::MAX).await.unwrap());
    }

    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn expired_entries_are_gone_and_can_be_added_again() {
        let cache = MemoryCache::new();
        cache
            .set("k", b"v".to_vec(), Some(Duration::from_millis(20)))
            .await
            .unwrap();
        assert!(cache.get("k").await.unwrap().is_some());
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert!(cache.get("k").await.unwrap().is_none());
        assert!(
            cache
                .add("k", b"w".to_vec(), Duration::from_secs(1))
                .await
                .unwrap()
        );
        cache.delete("k").await.unwrap();
        assert!(cache.get("k").await.unwrap().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_adds_of_one_key_store_once() {
        let cache = Arc::new(MemoryCache::new());
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let cache = cache.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .add("nonce", vec![1], Duration::from_secs(60))
                    .await
                    .unwrap()
            }));
        }
        let mut added = 0;
        for task in tasks {
            added += usize::from(task.await.unwrap());
        }
        assert_eq!(added, 1);
    }

    #[tokio::test]
    async fn delete_if_removes_only_the_expected_live_value() {
        let cache = MemoryCache::new();
        assert!(!cache.delete_if("lock", b"me").await.unwrap());
        cache
            .add("lock", b"other".to_vec(), Duration::from_secs(60))
            .await
            .unwrap();
        assert!(!cache.delete_if("lock", b"me").await.unwrap());
        assert_eq!(
            cache.get("lock").await.unwrap().as_deref(),
            Some(&b"other"[..])
        );
        assert!(cache.delete_if("lock", b"other").await.unwrap());
        assert_eq!(cache.get("lock").await.unwrap(), None);
        // An expired value is gone already: nothing to remove.
        cache
            .add("lock", b"me".to_vec(), Duration::from_millis(1))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(!cache.delete_if("lock", b"me").await.unwrap());
    }

    #[tokio::test]
    async fn sweeping_keeps_only_live_entries() {
        let cache = MemoryCache::new();
        for i in 0..1024 {
            cache
                .add(&format!("n{i}"), vec![], Duration::from_millis(1))
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        cache
            .add("fresh", vec![], Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(cache.len(), 1);
    }
}
