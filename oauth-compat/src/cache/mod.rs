//! A small cache contract (Authlib's cache: `get`, `set` with expiry, `delete`) plus the atomic
//! add-if-absent a nonce check or a lock needs, and the compare-and-delete that releases a lock:
//! request tokens and the refresh lock on the client side, nonces and temporary credentials on
//! the provider side.
//!
//! Implementations: [`MemoryCache`] (one process) and, behind the `redis` feature,
#![cfg_attr(
    feature = "redis",
    doc = "[`RedisCache`] (shared by every process, `SET NX EX` for [`Cache::add`])."
)]
#![cfg_attr(
    not(feature = "redis"),
    doc = "`RedisCache` (shared by every process, `SET NX EX` for [`Cache::add`])."
)]

mod error;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::time::Duration;

pub use crate::wire::BoxFuture;
pub use error::CacheError;
pub use memory::MemoryCache;
#[cfg(feature = "redis")]
pub use redis::RedisCache;

/// A key-value cache with expiry. Values are bytes; callers serialize.
pub trait Cache: Send + Sync {
    /// The value under `key`, unless absent or expired.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>>;

    /// Stores `value` under `key`, replacing any, for `ttl` (or until deleted when `None`).
    fn set<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), CacheError>>;

    /// Removes `key` (absent is fine).
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>>;

    /// Stores `value` under `key` for `ttl` only if an unexpired value is already there: `true`
    /// when it stored. A key deleted (or expired) meanwhile stays gone, where a get-then-set
    /// would bring it back.
    ///
    /// The default implementation is that get-then-set, so it narrows the window without
    /// closing it; [`MemoryCache`] and Redis (`SET ... XX`) do it atomically, and a
    /// custom cache should too.
    fn replace<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        Box::pin(async move {
            if self.get(key).await?.is_none() {
                return Ok(false);
            }
            self.set(key, value, ttl).await?;
            Ok(true)
        })
    }

    /// Stores `value` under `key` only if no unexpired value is there, atomically: `true` when
    /// it stored. Never a get-then-set: two concurrent `add`s of one key give one `true`.
    fn add<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, CacheError>>;

    /// Removes `key` only if it holds `expected`: `true` when it removed. A lock taken with
    /// [`add`](Self::add) is released this way, so a holder whose lock expired and was taken
    /// by another process does not remove the new holder's.
    ///
    /// The default implementation is a get-then-delete, so it narrows the window without
    /// closing it; [`MemoryCache`] and Redis (a compare-and-delete script) do it
    /// atomically, and a custom cache should too.
    fn delete_if<'a>(
        &'a self,
        key: &'a str,
        expected: &'a [u8],
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        Box::pin(async move {
            if self.get(key).await?.as_deref() != Some(expected) {
                return Ok(false);
            }
            self.delete(key).await?;
            Ok(true)
        })
    }
}
