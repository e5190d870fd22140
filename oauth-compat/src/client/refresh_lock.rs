//! Refresh across processes: a lock and a short-lived result in a shared [`Cache`], so that
//! processes holding the same refresh token (several instances behind one Redis) refresh it
//! once. With a rotating refresh token, a second refresh would be refused and leave that
//! process with a revoked token.
//!
//! Runs inside the in-process single-flight task (see [`super::refresh`]), so each process
//! takes part with one refresh per token. The first to `add` the lock key refreshes, stores
//! the new token under the result key for [`RESULT_TTL`], then releases the lock if it still
//! owns it. The others poll, with backoff, until the result appears (they use it, without a
//! refresh and without `update_token`: the holder already saved it) or the lock goes away
//! without one (the holder failed: they try to take the lock themselves). Their wait is bounded
//! by the single-flight's [`REFRESH_TIMEOUT`].
//!
//! Keys hold a SHA-256 of the client id and refresh token, never the token; the result value
//! holds the new token, a secret, which is why its TTL is short.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use super::ClientError;
use super::refresh::{Outcome, REFRESH_TIMEOUT, Reuse, issued};
use crate::cache::{Cache, CacheError};
use crate::oauth2::Token;
use crate::wire::now_unix;

/// How long a finished refresh's token stays in the cache for other processes: long enough for
/// the waiting processes and for requests that read the old token just before `update_token`
/// saved the new one; short, because the value is a live token.
pub(crate) const RESULT_TTL: Duration = Duration::from_secs(30);

/// The lock's TTL: the single-flight ends a refresh after [`REFRESH_TIMEOUT`] (releasing the
/// lock as it drops it), so only a holder that died keeps it until it expires.
pub(crate) const LOCK_TTL: Duration = REFRESH_TIMEOUT;

/// The first pause of a waiting process, doubled up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(10);
const MAX_POLL: Duration = Duration::from_millis(250);

/// How the token of a coordinated refresh was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// This process refreshed (and called `update_token`).
    Refreshed,
    /// Another refresh's result was reused.
    Reused,
}

/// How a wait for the lock's holder ended.
enum Waited {
    /// Its result answers this caller.
    Reusable(Token),
    /// It released the lock (or the lock expired) without a result for this caller.
    LockGone,
    /// The lock is this caller's own.
    Ours,
}

/// The cross-process refresh coordination over a shared cache.
#[derive(Clone)]
pub(crate) struct RefreshLock {
    cache: Arc<dyn Cache>,
    lock_ttl: Duration,
    result_ttl: Duration,
}

/// What the result key holds: the new token and when its refresh finished (for an explicit
/// refresh, which takes only a refresh that finished after it read its token).
#[derive(serde::Serialize, serde::Deserialize)]
struct SharedResult {
    finished_at_ms: u128,
    token: Token,
}

/// The cache keys of one refresh token.
struct Keys {
    lock: String,
    result: String,
}

impl Keys {
    fn new(client_id: &str, refresh_token: &str) -> Self {
        let mut hash = Sha256::new();
        hash.update(client_id.as_bytes());
        hash.update([0]);
        hash.update(refresh_token.as_bytes());
        let id = URL_SAFE_NO_PAD.encode(hash.finalize());
        Self {
            lock: format!("oauth_compat:refresh:{id}:lock"),
            result: format!("oauth_compat:refresh:{id}:result"),
        }
    }
}

impl RefreshLock {
    pub(crate) fn new(cache: Arc<dyn Cache>) -> Self {
        Self {
            cache,
            lock_ttl: LOCK_TTL,
            result_ttl: RESULT_TTL,
        }
    }

    /// The token refreshed from `refresh_token`: another process's recent result, or that of
    /// `refresh` run under the lock.
    pub(crate) async fn run<Fut>(
        &self,
        client_id: &str,
        refresh_token: &str,
        reuse: Reuse,
        refresh: Fut,
    ) -> Result<(Token, Source), Arc<crate::Error>>
    where
        Fut: Future<Output = Outcome>,
    {
        let keys = Keys::new(client_id, refresh_token);
        let owner = owner_id(&keys)?;
        let held = loop {
            if let Some(token) = self.reusable(&keys, reuse).await? {
                return Ok((token, Source::Reused));
            }
            let taken = self
                .cache
                .add(&keys.lock, owner.clone(), self.lock_ttl)
                .await
                .map_err(|e| lock_error("take the lock", &keys.lock, e))?;
            if !taken {
                match self.wait_for_holder(&keys, &owner, reuse).await? {
                    Waited::Reusable(token) => return Ok((token, Source::Reused)),
                    Waited::LockGone => continue,
                    Waited::Ours => {}
                }
            }
            break Held {
                cache: self.cache.clone(),
                key: keys.lock.clone(),
                owner,
                released: false,
            };
        };
        // The previous holder stores its result before releasing: one that finished between
        // the look above and the `add` is there now.
        match self.reusable(&keys, reuse).await {
            Ok(None) => {}
            Ok(Some(token)) => {
                held.release().await;
                return Ok((token, Source::Reused));
            }
            Err(err) => {
                held.release().await;
                return Err(err);
            }
        }
        let outcome = refresh.await;
        if let Some(token) = issued(&outcome) {
            self.store_result(&keys, token).await;
        }
        held.release().await;
        outcome.map(|token| (token, Source::Refreshed))
    }

    /// The stored result, if one may answer this caller: its token unexpired, and for an
    /// explicit refresh, finished after the caller read its token.
    async fn reusable(
        &self,
        keys: &Keys,
        reuse: Reuse,
    ) -> Result<Option<Token>, Arc<crate::Error>> {
        let Some(bytes) = self
            .cache
            .get(&keys.result)
            .await
            .map_err(|e| lock_error("read the shared result", &keys.result, e))?
        else {
            return Ok(None);
        };
        let result: SharedResult = serde_json::from_slice(&bytes).map_err(|e| {
            let e = CacheError::new("cache", "decode a shared refresh result", e);
            lock_error("read the shared result", &keys.result, e)
        })?;
        let recent_enough = match reuse {
            Reuse::Recent => true,
            Reuse::FinishedAfter(read_at) => result.finished_at_ms > unix_ms_at(read_at),
        };
        Ok((recent_enough && !result.token.is_expired(0, now_unix())).then_some(result.token))
    }

    /// Waits for the lock's holder, until its result is there or the lock is gone. Bounded by
    /// the single-flight's timeout around the whole refresh.
    async fn wait_for_holder(
        &self,
        keys: &Keys,
        owner: &[u8],
        reuse: Reuse,
    ) -> Result<Waited, Arc<crate::Error>> {
        let mut pause = FIRST_POLL;
        loop {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_POLL);
            if let Some(token) = self.reusable(keys, reuse).await? {
                return Ok(Waited::Reusable(token));
            }
            let lock = self
                .cache
                .get(&keys.lock)
                .await
                .map_err(|e| lock_error("watch the lock", &keys.lock, e))?;
            match lock {
                None => return Ok(Waited::LockGone),
                // Our `add` went through but its answer was lost (Redis resends a command
                // after a dropped connection, and the resent `SET NX` finds the key taken).
                Some(holder) if holder == owner => return Ok(Waited::Ours),
                Some(_) => {}
            }
        }
    }

    /// Stores the new token for the other processes. A failure here does not fail the refresh
    /// (the token is issued and saved): the others find the lock gone and refresh themselves.
    async fn store_result(&self, keys: &Keys, token: &Token) {
        let result = SharedResult {
            finished_at_ms: unix_ms_at(Instant::now()),
            token: token.clone(),
        };
        let stored = match serde_json::to_vec(&result) {
            Ok(bytes) => self
                .cache
                .set(&keys.result, bytes, Some(self.result_ttl))
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(error) = stored {
            tracing::warn!(
                key = %keys.result,
                %error,
                "the refreshed token could not be shared with other processes"
            );
        }
    }

    #[cfg(test)]
    fn with_ttls(mut self, lock_ttl: Duration, result_ttl: Duration) -> Self {
        self.lock_ttl = lock_ttl;
        self.result_ttl = result_ttl;
        self
    }
}

/// The lock, released when the refresh ends, or when its future is dropped (the refresh timed
/// out, a hook panicked), so other processes need not wait for the TTL.
struct Held {
    cache: Arc<dyn Cache>,
    key: String,
    owner: Vec<u8>,
    released: bool,
}

impl Held {
    async fn release(mut self) {
        self.released = true;
        release(&*self.cache, &self.key, &self.owner).await;
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let (cache, key, owner) = (
            self.cache.clone(),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.owner),
        );
        // Without a runtime (it is shutting down) the lock expires by its TTL.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { release(&*cache, &key, &owner).await });
        }
    }
}

/// Deletes the lock if this owner still holds it; on failure it expires by its TTL.
async fn release(cache: &dyn Cache, key: &str, owner: &[u8]) {
    if let Err(error) = cache.delete_if(key, owner).await {
        tracing::warn!(
            %key,
            %error,
            "the refresh lock could not be released; it expires by its TTL"
        );
    }
}

/// A value only this refresh puts in the lock, so it releases only its own.
fn owner_id(keys: &Keys) -> Result<Vec<u8>, Arc<crate::Error>> {
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).map_err(|e| {
        Arc::new(
            ClientError::RefreshLock {
                step: "make a lock owner id from the OS random number generator",
                key: keys.lock.clone(),
                source: e.to_string().into(),
            }
            .into(),
        )
    })?;
    Ok(URL_SAFE_NO_PAD.encode(raw).into_bytes())
}

fn lock_error(step: &'static str, key: &str, source: CacheError) -> Arc<crate::Error> {
    Arc::new(
        ClientError::RefreshLock {
            step,
            key: key.to_owned(),
            source: Box::new(source),
        }
        .into(),
    )
}

/// `at` on the wall clock, in Unix milliseconds: what processes compare finish times in.
fn unix_ms_at(at: Instant) -> u128 {
    let wall = SystemTime::now()
        .checked_sub(at.elapsed())
        .unwrap_or(UNIX_EPOCH);
    wall.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::MemoryCache;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn ok(token: &str) -> Outcome {
        Ok(Token::bearer(token))
    }

    fn lock(cache: &Arc<MemoryCache>) -> RefreshLock {
        RefreshLock::new(cache.clone())
    }

    #[test]
    fn keys_hash_the_client_and_token_and_never_hold_the_token() {
        let keys = Keys::new("client", "rt-secret");
        assert!(
            keys.lock.starts_with("oauth_compat:refresh:"),
            "{}",
            keys.lock
        );
        assert!(keys.lock.ends_with(":lock") && keys.result.ends_with(":result"));
        assert!(!keys.lock.contains("rt-secret") && !keys.result.contains("rt-secret"));
        assert_ne!(Keys::new("other", "rt-secret").lock, keys.lock);
        assert_ne!(Keys::new("client", "rt-other").lock, keys.lock);
        // The NUL separator: ("ab", "c") and ("a", "bc") are different refresh tokens.
        assert_ne!(Keys::new("ab", "c").lock, Keys::new("a", "bc").lock);
    }

    #[test]
    fn the_documented_windows_are_the_constants() {
        // `OAuth2ClientBuilder::refresh_lock` states these figures.
        assert_eq!(RESULT_TTL, Duration::from_secs(30));
        assert_eq!(LOCK_TTL, Duration::from_secs(120));
        assert_eq!(super::super::refresh::RETAIN, Duration::from_secs(120));
        assert_eq!(
            (FIRST_POLL, MAX_POLL),
            (Duration::from_millis(10), Duration::from_millis(250))
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_holders_refresh_once_and_share_the_token() {
        let cache = Arc::new(MemoryCache::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                // A lock each, as separate processes have: only the cache is shared.
                let (lock, calls) = (lock(&cache), calls.clone());
                tokio::spawn(async move {
                    let refresh = async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        ok("new")
                    };
                    lock.run("client", "rt", Reuse::Recent, refresh).await
                })
            })
            .collect();
        let mut sources = Vec::new();
        for task in tasks {
            let (token, source) = task.await.unwrap().unwrap();
            assert_eq!(token.access_token(), "new");
            sources.push(source);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let refreshed = sources.iter().filter(|s| **s == Source::Refreshed).count();
        assert_eq!(refreshed, 1, "{sources:?}");
        // The lock is released; the result stays for late callers.
        let keys = Keys::new("client", "rt");
        assert_eq!(cache.get(&keys.lock).await.unwrap(), None);
        assert!(cache.get(&keys.result).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn a_failed_refresh_releases_the_lock_and_stores_nothing() {
        let cache = Arc::new(MemoryCache::new());
        let err = lock(&cache)
            .run("client", "rt", Reuse::Recent, async {
                Err(Arc::new(ClientError::MissingToken.into()))
            })
            .await
            .unwrap_err();
        assert!(matches!(
            err.underlying(),
            crate::Error::Client(ClientError::MissingToken)
        ));
        assert!(cache.is_empty(), "nothing left in the cache");
        let (token, source) = lock(&cache)
            .run("client", "rt", Reuse::Recent, async { ok("second try") })
            .await
            .unwrap();
        assert_eq!(
            (token.access_token(), source),
            ("second try", Source::Refreshed)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiter_refreshes_itself_when_the_holder_fails() {
        let cache = Arc::new(MemoryCache::new());
        let holder = {
            let lock = lock(&cache);
            tokio::spawn(async move {
                lock.run("client", "rt", Reuse::Recent, async {
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    Err(Arc::new(ClientError::MissingToken.into()))
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        let started = Instant::now();
        let (token, source) = lock(&cache)
            .run("client", "rt", Reuse::Recent, async { ok("waiter's") })
            .await
            .unwrap();
        assert_eq!(
            (token.access_token(), source),
            ("waiter's", Source::Refreshed)
        );
        assert!(
            started.elapsed() >= Duration::from_millis(80),
            "it waited for the holder"
        );
        assert!(holder.await.unwrap().is_err());
    }

    #[tokio::test]
    async fn a_token_whose_update_token_failed_is_shared_all_the_same() {
        let cache = Arc::new(MemoryCache::new());
        let failed = async {
            Err(Arc::new(
                ClientError::UpdateTokenFailed {
                    token: Box::new(Token::bearer("issued")),
                    source: "database down".into(),
                }
                .into(),
            ))
        };
        assert!(
            lock(&cache)
                .run("client", "rt", Reuse::Recent, failed)
                .await
                .is_err()
        );
        let (token, source) = lock(&cache)
            .run("client", "rt", Reuse::Recent, async {
                panic!("must reuse")
            })
            .await
            .unwrap();
        assert_eq!((token.access_token(), source), ("issued", Source::Reused));
    }

    #[tokio::test]
    async fn an_explicit_refresh_reuses_only_a_refresh_that_finished_after_its_read() {
        let cache = Arc::new(MemoryCache::new());
        let read_before = Instant::now();
        tokio::time::sleep(Duration::from_millis(5)).await;
        lock(&cache)
            .run("client", "rt", Reuse::Recent, async { ok("first") })
            .await
            .unwrap();
        let (token, source) = lock(&cache)
            .run("client", "rt", Reuse::FinishedAfter(read_before), async {
                panic!("must reuse")
            })
            .await
            .unwrap();
        assert_eq!((token.access_token(), source), ("first", Source::Reused));
        tokio::time::sleep(Duration::from_millis(5)).await;
        let (token, source) = lock(&cache)
            .run(
                "client",
                "rt",
                Reuse::FinishedAfter(Instant::now()),
                async { ok("second") },
            )
            .await
            .unwrap();
        assert_eq!(
            (token.access_token(), source),
            ("second", Source::Refreshed)
        );
    }

    #[tokio::test]
    async fn results_expire_and_expired_tokens_are_not_reused() {
        let cache = Arc::new(MemoryCache::new());
        let short = lock(&cache).with_ttls(LOCK_TTL, Duration::from_millis(20));
        short
            .run("client", "rt", Reuse::Recent, async { ok("kept briefly") })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
        let (_, source) = lock(&cache)
            .run("client", "rt", Reuse::Recent, async {
                ok("after the window")
            })
            .await
            .unwrap();
        assert_eq!(source, Source::Refreshed);

        let expired = async {
            let mut map = serde_json::Map::new();
            map.insert("access_token".into(), "short".into());
            map.insert("expires_at".into(), (now_unix() - 1).into());
            Ok(Token::from_map(map).unwrap())
        };
        lock(&cache)
            .run("client", "rt-e", Reuse::Recent, expired)
            .await
            .unwrap();
        let (token, _) = lock(&cache)
            .run("client", "rt-e", Reuse::Recent, async { ok("fresh") })
            .await
            .unwrap();
        assert_eq!(token.access_token(), "fresh");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_lock_of_a_dead_holder_is_taken_when_it_expires() {
        let cache = Arc::new(MemoryCache::new());
        let keys = Keys::new("client", "rt");
        // A process that took the lock and died: nobody releases it.
        assert!(
            cache
                .add(&keys.lock, b"dead".to_vec(), Duration::from_millis(100))
                .await
                .unwrap()
        );
        let started = Instant::now();
        let (token, source) = lock(&cache)
            .run("client", "rt", Reuse::Recent, async { ok("after expiry") })
            .await
            .unwrap();
        assert_eq!(
            (token.access_token(), source),
            ("after expiry", Source::Refreshed)
        );
        assert!(started.elapsed() >= Duration::from_millis(90));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_refresh_releases_the_lock() {
        let cache = Arc::new(MemoryCache::new());
        let keys = Keys::new("client", "rt");
        let holder = {
            let lock = lock(&cache);
            tokio::spawn(async move {
                lock.run("client", "rt", Reuse::Recent, async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    ok("never")
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(cache.get(&keys.lock).await.unwrap().is_some());
        holder.abort();
        let _ = holder.await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(
            cache.get(&keys.lock).await.unwrap(),
            None,
            "released on drop"
        );
        assert!(cache.get(&keys.result).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_release_never_removes_another_owners_lock() {
        let cache = Arc::new(MemoryCache::new());
        let keys = Keys::new("client", "rt");
        // This holder's lock expires mid-refresh and another process takes it.
        let short = lock(&cache).with_ttls(Duration::from_millis(10), RESULT_TTL);
        let other = cache.clone();
        let lock_key = keys.lock.clone();
        short
            .run("client", "rt", Reuse::Recent, async move {
                tokio::time::sleep(Duration::from_millis(30)).await;
                assert!(
                    other
                        .add(&lock_key, b"other".to_vec(), LOCK_TTL)
                        .await
                        .unwrap()
                );
                ok("slow")
            })
            .await
            .unwrap();
        assert_eq!(
            cache.get(&keys.lock).await.unwrap().as_deref(),
            Some(&b"other"[..])
        );
    }

    /// A cache whose `add` stores but answers `false`, as Redis does when the reply to a
    /// `SET NX` is lost and the command is resent on a new connection.
    struct LostAddReply(MemoryCache);

    impl Cache for LostAddReply {
        fn get<'a>(
            &'a self,
            key: &'a str,
        ) -> crate::cache::BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>> {
            self.0.get(key)
        }
        fn set<'a>(
            &'a self,
            key: &'a str,
            value: Vec<u8>,
            ttl: Option<Duration>,
        ) -> crate::cache::BoxFuture<'a, Result<(), CacheError>> {
            self.0.set(key, value, ttl)
        }
        fn delete<'a>(
            &'a self,
            key: &'a str,
        ) -> crate::cache::BoxFuture<'a, Result<(), CacheError>> {
            self.0.delete(key)
        }
        fn add<'a>(
            &'a self,
            key: &'a str,
            value: Vec<u8>,
            ttl: Duration,
        ) -> crate::cache::BoxFuture<'a, Result<bool, CacheError>> {
            Box::pin(async move {
                self.0.add(key, value, ttl).await?;
                Ok(false)
            })
        }
        fn delete_if<'a>(
            &'a self,
            key: &'a str,
            expected: &'a [u8],
        ) -> crate::cache::BoxFuture<'a, Result<bool, CacheError>> {
            self.0.delete_if(key, expected)
        }
    }

    #[tokio::test]
    async fn a_lock_taken_with_a_lost_reply_is_recognised_as_ours() {
        let cache = Arc::new(LostAddReply(MemoryCache::new()));
        // Without recognising its own lock it would wait for the lock's 120 s TTL.
        let lock = RefreshLock::new(cache.clone());
        let run = lock.run("client", "rt", Reuse::Recent, async { ok("mine") });
        let (token, source) = tokio::time::timeout(Duration::from_secs(5), run)
            .await
            .expect("no wait for the TTL")
            .unwrap();
        assert_eq!((token.access_token(), source), ("mine", Source::Refreshed));
        let keys = Keys::new("client", "rt");
        assert_eq!(cache.get(&keys.lock).await.unwrap(), None, "released");
    }

    #[tokio::test]
    async fn a_result_that_is_not_a_token_is_an_error_naming_the_key() {
        let cache = Arc::new(MemoryCache::new());
        let keys = Keys::new("client", "rt");
        cache
            .set(&keys.result, b"not json".to_vec(), None)
            .await
            .unwrap();
        let err = lock(&cache)
            .run("client", "rt", Reuse::Recent, async {
                panic!("must not refresh")
            })
            .await
            .unwrap_err();
        match err.underlying() {
            crate::Error::Client(ClientError::RefreshLock { step, key, .. }) => {
                assert_eq!(*step, "read the shared result");
                assert_eq!(key, &keys.result);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            cache.get(&keys.lock).await.unwrap().is_none(),
            "nothing taken"
        );
    }
}
