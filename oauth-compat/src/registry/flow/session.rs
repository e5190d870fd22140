//! The per-user web session a flow keeps its state in between the redirect and the callback.
//!
//! Passed explicitly to each flow call, as Django's Authlib integration passes the `request`:
//! the library never guesses which user it serves.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use crate::cache::{BoxFuture, CacheError};

/// One user's session (a signed cookie, a server-side session row, ...). Object-safe, its
/// futures `Send`, so `&dyn SessionStore` works in axum handlers.
///
/// Fallible because real sessions live in databases and caches; the flow surfaces the error
/// as [`FlowError::Session`](super::FlowError::Session).
pub trait SessionStore: Send + Sync {
    /// The value under `key`, if any.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Value>, CacheError>>;

    /// Stores `value` under `key`, replacing any.
    fn set<'a>(&'a self, key: &'a str, value: Value) -> BoxFuture<'a, Result<(), CacheError>>;

    /// Removes `key` (absent is fine).
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>>;
}

/// A session held in memory: one per user, for tests, scripts and single-process apps.
///
/// ```
/// use oauth_compat::{MemorySession, SessionStore};
/// # tokio_test_block_on(async {
/// let session = MemorySession::new();
/// session.set("k", serde_json::json!("v")).await?;
/// assert_eq!(session.get("k").await?, Some(serde_json::json!("v")));
/// session.remove("k").await?;
/// assert_eq!(session.get("k").await?, None);
/// # Ok::<(), oauth_compat::cache::CacheError>(())
/// # }).unwrap();
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug, Default)]
pub struct MemorySession {
    values: Mutex<HashMap<String, Value>>,
}

impl MemorySession {
    /// An empty session.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Value>) -> T) -> T {
        f(&mut self.values.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The keys held, sorted (to check what a flow left behind).
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.with(|values| values.keys().cloned().collect());
        keys.sort();
        keys
    }
}

impl SessionStore for MemorySession {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Value>, CacheError>> {
        let value = self.with(|values| values.get(key).cloned());
        Box::pin(async move { Ok(value) })
    }

    fn set<'a>(&'a self, key: &'a str, value: Value) -> BoxFuture<'a, Result<(), CacheError>> {
        self.with(|values| values.insert(key.to_owned(), value));
        Box::pin(async { Ok(()) })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
        self.with(|values| values.remove(key));
        Box::pin(async { Ok(()) })
    }
}
