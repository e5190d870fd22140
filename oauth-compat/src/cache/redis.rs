//! A [`Cache`] in Redis, shared by every process that connects to the same server: request
//! tokens, nonces and temporary credentials survive a restart of the application and are seen by
//! all its instances.

use std::time::Duration;

use ::redis::aio::ConnectionManager;
use ::redis::{Client, Cmd, FromRedisValue, Value};

use super::{BoxFuture, Cache, CacheError};

/// A Redis cache over one multiplexed connection that reconnects by itself
/// ([`ConnectionManager`]): cheap to clone, every clone shares the connection.
///
/// Each operation is one command, so [`Cache::add`] is atomic across connections and processes:
///
/// | method | command |
/// |---|---|
/// | [`get`](Cache::get) | `GET key` |
/// | [`set`](Cache::set) | `SET key value [EX s \| PX ms]` |
/// | [`delete`](Cache::delete) | `DEL key` |
/// | [`add`](Cache::add) | `SET key value NX EX s` (or `PX ms`) |
/// | [`delete_if`](Cache::delete_if) | `EVAL` of a script that `DEL`s the key if `GET` gives the value |
///
/// TTLs in whole seconds are sent as `EX`, others as `PX` rounded up to the next millisecond.
/// Redis refuses a zero expiry, so a zero TTL becomes 1 ms (the value is gone almost at once, as
/// with [`MemoryCache`](super::MemoryCache)); a TTL Redis cannot represent (beyond
/// about 292 million years) is a [`CacheError`].
///
/// When the connection drops (the server restarted, the link broke), the manager reconnects with
/// exponential backoff and the failed command is sent once more on the new connection. For
/// [`add`](Cache::add) that retry errs on the safe side: if the first `SET NX` was applied but
/// its reply lost, the retry answers `false`, so a nonce is never accepted twice.
///
/// ```no_run
/// use std::time::Duration;
/// use oauth_compat::cache::{Cache, RedisCache};
///
/// # async fn run() -> Result<(), oauth_compat::cache::CacheError> {
/// let cache = RedisCache::connect("redis://127.0.0.1:6379/")
///     .await?
///     .with_prefix("myapp:");
/// // The first request with this nonce is accepted, a replay within five minutes is not.
/// assert!(cache.add("nonce:abc", b"1".to_vec(), Duration::from_secs(300)).await?);
/// assert!(!cache.add("nonce:abc", b"1".to_vec(), Duration::from_secs(300)).await?);
///
/// cache.set("request-token:alice", b"token".to_vec(), Some(Duration::from_secs(600))).await?;
/// assert_eq!(cache.get("request-token:alice").await?.as_deref(), Some(&b"token"[..]));
/// cache.delete("request-token:alice").await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RedisCache {
    connection: ConnectionManager,
    prefix: String,
}

impl RedisCache {
    /// Connects to the server at `url` (`redis://[user:password@]host:port/[db]`,
    /// `rediss://` needs one of redis' TLS features), retrying with backoff for a few seconds,
    /// with the [`ConnectionManager`]'s default timeouts.
    pub async fn connect(url: &str) -> Result<Self, CacheError> {
        let client = Client::open(url).map_err(|e| error("parse the connection URL", e))?;
        let connection = ConnectionManager::new(client)
            .await
            .map_err(|e| error("connect", e))?;
        Ok(Self::from_connection(connection))
    }

    /// Uses a connection you built, for your own timeouts, retries or TLS
    /// ([`ConnectionManager::new_with_config`]). Build it from the re-exported
    /// [`oauth_compat::redis`](crate::redis) so the types match.
    pub fn from_connection(connection: ConnectionManager) -> Self {
        Self {
            connection,
            prefix: String::new(),
        }
    }

    /// Puts `prefix` before every key (`"myapp:"`), so applications sharing a server, or one
    /// application's caches, do not see each other's keys.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The prefix put before every key (empty by default).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, key: &str) -> String {
        [self.prefix.as_str(), key].concat()
    }

    /// Runs `cmd`, once more if the connection had dropped (the manager is reconnecting and the
    /// second attempt waits for it).
    async fn query<T: FromRedisValue>(
        &self,
        cmd: Cmd,
        operation: &'static str,
    ) -> Result<T, CacheError> {
        let mut connection = self.connection.clone();
        let result = match cmd.query_async(&mut connection).await {
            Err(e) if e.is_unrecoverable_error() => cmd.query_async(&mut connection).await,
            result => result,
        };
        result.map_err(|e| error(operation, e))
    }
}

fn error(
    operation: &'static str,
    source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
) -> CacheError {
    CacheError::new("redis", operation, source)
}

/// Compare-and-delete in one step: Redis runs a script atomically. Sent whole with `EVAL`
/// rather than through `redis::Script` (`EVALSHA`, loading on a miss): at this size that saves
/// nothing worth the crate's `script` feature and the SHA-1 crate it pulls in.
const DELETE_IF_SCRIPT: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/// Appends `EX s` or `PX ms` for `ttl` (see [`RedisCache`] for the rounding).
fn expire(cmd: &mut Cmd, ttl: Duration) {
    if ttl.subsec_nanos() == 0 && ttl.as_secs() > 0 {
        cmd.arg("EX").arg(ttl.as_secs());
    } else {
        let millis = ttl.as_nanos().div_ceil(1_000_000).max(1);
        cmd.arg("PX").arg(u64::try_from(millis).unwrap_or(u64::MAX));
    }
}

impl Cache for RedisCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("GET");
            cmd.arg(self.key(key));
            self.query(cmd, "read a key").await
        })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("SET");
            cmd.arg(self.key(key)).arg(value.as_slice());
            if let Some(ttl) = ttl {
                expire(&mut cmd, ttl);
            }
            self.query(cmd, "write a key").await
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("DEL");
            cmd.arg(self.key(key));
            self.query(cmd, "delete a key").await
        })
    }

    fn replace<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("SET");
            cmd.arg(self.key(key)).arg(value.as_slice()).arg("XX");
            if let Some(ttl) = ttl {
                expire(&mut cmd, ttl);
            }
            // `OK` when replaced, nil when the key was gone.
            match self.query(cmd, "replace a key").await? {
                Value::Okay => Ok(true),
                Value::Nil => Ok(false),
                _ => Err(error("replace a key", "unexpected reply to SET XX")),
            }
        })
    }

    fn add<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("SET");
            cmd.arg(self.key(key)).arg(value.as_slice()).arg("NX");
            expire(&mut cmd, ttl);
            // `OK` when stored, nil when the key was there.
            match self.query(cmd, "add a key").await? {
                Value::Okay => Ok(true),
                Value::Nil => Ok(false),
                _ => Err(error("add a key", "unexpected reply to SET NX")),
            }
        })
    }

    fn delete_if<'a>(
        &'a self,
        key: &'a str,
        expected: &'a [u8],
    ) -> BoxFuture<'a, Result<bool, CacheError>> {
        Box::pin(async move {
            let mut cmd = ::redis::cmd("EVAL");
            cmd.arg(DELETE_IF_SCRIPT)
                .arg(1)
                .arg(self.key(key))
                .arg(expected);
            // A retry after a lost reply answers 0: the key is gone either way.
            let deleted: i64 = self.query(cmd, "delete a key holding a value").await?;
            Ok(deleted == 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(ttl: Duration) -> Vec<String> {
        let mut cmd = ::redis::cmd("SET");
        expire(&mut cmd, ttl);
        cmd.args_iter()
            .skip(1) // the command name
            .map(|arg| match arg {
                ::redis::Arg::Simple(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                _ => unreachable!("expire adds no cursor"),
            })
            .collect()
    }

    #[test]
    fn whole_seconds_are_ex_and_the_rest_px_rounded_up() {
        assert_eq!(args(Duration::from_secs(300)), ["EX", "300"]);
        assert_eq!(args(Duration::from_millis(1500)), ["PX", "1500"]);
        assert_eq!(args(Duration::from_millis(20)), ["PX", "20"]);
        assert_eq!(args(Duration::from_micros(1)), ["PX", "1"]);
        assert_eq!(args(Duration::from_nanos(1_000_001)), ["PX", "2"]);
    }

    #[test]
    fn a_zero_ttl_is_one_millisecond() {
        assert_eq!(args(Duration::ZERO), ["PX", "1"]);
    }
}
