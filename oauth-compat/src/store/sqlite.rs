//! Provider storage in SQLite, the embedded default (feature `sqlite`, SQLite bundled): one
//! file holds clients, nonces, temporary and token credentials, and every process that opens
//! the file shares them.
//!
//! The schema is [`SCHEMA`] (tables `oauth1_clients`, `oauth1_nonces`,
//! `oauth1_temporary_credentials`, `oauth1_token_credentials`, and `oauth_compat_schema` for its
//! version); [`SqliteStore::connect`] and [`SqliteStore::from_pool`] create it if needed.
//!
//! Client and token secrets are stored raw, and cannot be hashed: HMAC-SHA1 and HMAC-SHA256 sign
//! with the raw secrets as the key, and PLAINTEXT's signature is the secrets themselves, so the
//! server needs them to check every request. Guard the file as you would a key file.
//! Encrypting them at rest would take a key kept outside the file, a store wrapping this one
//! (implementing the [`server`](crate::server) traits) that encrypts a secret
//! before it is written and decrypts it at each lookup, and a key id beside each ciphertext so
//! that keys can be rotated while old rows stay readable.
//!
//! Nonces are recorded by one `INSERT ... ON CONFLICT` statement (never a read then a write), and
//! SQLite runs one writer at a time, so a nonce is accepted once however many requests, pools or
//! processes race for it. Expired nonces and temporary credentials are deleted by
//! [`SqliteStore::purge_expired`], which the store also runs by itself from its inserts once per
//! [`purge_interval`](SqliteStore::purge_interval).
//!
//! ```no_run
//! use std::time::Duration;
//! use oauth_compat::server::{NonceKey, NonceStore};
//! use oauth_compat::store::SqliteStore;
//!
//! # async fn run() -> Result<(), oauth_compat::server::StoreError> {
//! let store = SqliteStore::connect("sqlite://oauth-provider.db?mode=rwc").await?;
//! let key = NonceKey {
//!     client_id: "dpf43f3p2l4k3l03".into(),
//!     timestamp: 1_191_242_096,
//!     nonce: "kllo9940pd9333jh".into(),
//!     token: Some("nnch734d00sl2jdk".into()),
//! };
//! assert!(store.insert_nonce(&key, Duration::from_secs(600)).await?);
//! assert!(!store.insert_nonce(&key, Duration::from_secs(600)).await?); // a replay
//! # Ok(()) }
//! ```

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::sql::{self, PurgeSchedule, SCHEMA};
use crate::server::StoreError;

const BACKEND: &str = "sqlite";

/// How long a writer waits for another (connection, pool or process) to finish, instead of
/// failing with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Clients, nonces, temporary and token credentials in one SQLite database: implements
/// [`ClientStore`](crate::server::ClientStore),
/// [`NonceStore`](crate::server::NonceStore),
/// [`TemporaryCredentialStore`](crate::server::TemporaryCredentialStore) and
/// [`TokenCredentialStore`](crate::server::TokenCredentialStore). Cheap to clone (the
/// clones share the pool).
///
/// ```no_run
/// use oauth_compat::store::SqliteStore;
///
/// # async fn run() -> Result<(), oauth_compat::server::StoreError> {
/// let store = SqliteStore::connect("sqlite://oauth-provider.db?mode=rwc").await?;
/// store.purge_expired().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    purge: PurgeSchedule,
}

impl SqliteStore {
    /// Opens the database at `url` (`sqlite://path?mode=rwc` creates the file) in WAL mode
    /// (readers do not block the writer) with `synchronous=NORMAL` (what SQLite advises for WAL)
    /// and a 30 s busy timeout (concurrent writers, in this process or another, wait instead of
    /// failing), and creates the schema if needed.
    ///
    /// ```no_run
    /// use oauth_compat::store::SqliteStore;
    ///
    /// # async fn run() -> Result<(), oauth_compat::server::StoreError> {
    /// let store = SqliteStore::connect("sqlite:///var/lib/provider/oauth.db?mode=rwc").await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let fail = |e| StoreError::new(BACKEND, "connect", e);
        let options = SqliteConnectOptions::from_str(url)
            .map_err(fail)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = connect_pool(options).await.map_err(fail)?;
        Self::from_pool(pool).await
    }

    /// A store over a pool you configured, after creating the schema if needed. Set a busy
    /// timeout on its connect options (sqlx's default is 5 s) and preferably WAL mode, as
    /// [`connect`](Self::connect) does.
    ///
    /// ```no_run
    /// use oauth_compat::store::SqliteStore;
    /// use oauth_compat::store::sqlx::sqlite::SqlitePool;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = SqlitePool::connect("sqlite://oauth-provider.db?mode=rwc").await?;
    /// let store = SqliteStore::from_pool(pool).await?;
    /// # Ok(()) }
    /// ```
    pub async fn from_pool(pool: SqlitePool) -> Result<Self, StoreError> {
        let store = Self {
            pool,
            purge: PurgeSchedule::new(sql::DEFAULT_PURGE_INTERVAL),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Creates the tables and indexes that do not exist yet ([`SCHEMA`]) in one write
    /// transaction, and refuses a database that a newer oauth-compat migrated. Idempotent;
    /// [`connect`](Self::connect) and [`from_pool`](Self::from_pool) already ran it.
    ///
    /// ```no_run
    /// # async fn run(store: oauth_compat::store::SqliteStore) -> Result<(), oauth_compat::server::StoreError> {
    /// store.migrate().await?;
    /// # Ok(()) }
    /// ```
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let fail = |e| StoreError::new(BACKEND, "migrate the schema", e);
        // IMMEDIATE takes the write lock first (waiting on the busy timeout), so a concurrent
        // migration cannot turn this transaction's later writes into SQLITE_BUSY.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(fail)?;
        sqlx::raw_sql(SCHEMA)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::query(sql::RECORD_SCHEMA_VERSION)
            .bind(sql::SCHEMA_VERSION)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        let version: Option<i64> = sqlx::query_scalar(sql::SELECT_SCHEMA_VERSION)
            .fetch_one(&mut *tx)
            .await
            .map_err(fail)?;
        sql::check_schema_version(BACKEND, version)?;
        tx.commit().await.map_err(fail)
    }

    /// The pool, for your own queries on the same database.
    ///
    /// ```no_run
    /// # async fn run(store: oauth_compat::store::SqliteStore) -> Result<(), Box<dyn std::error::Error>> {
    /// let clients: i64 = oauth_compat::store::sqlx::query_scalar("SELECT COUNT(*) FROM oauth1_clients")
    ///     .fetch_one(store.pool())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Connects a pool, retrying (within the busy timeout) while another connection turns a new
/// file to WAL mode: that takes an exclusive lock which SQLite's busy timeout does not wait for,
/// so servers starting together on a new file would otherwise fail with "database is locked".
async fn connect_pool(options: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match SqlitePoolOptions::new().connect_with(options.clone()).await {
            Err(error) if is_busy(&error) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            connected => return connected,
        }
    }
}

/// `SQLITE_BUSY`, or one of its extended codes.
fn is_busy(error: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i64 = 5;
    let code = match error {
        sqlx::Error::Database(error) => error.code(),
        _ => None,
    };
    code.and_then(|code| code.parse::<i64>().ok())
        .is_some_and(|code| code & 0xff == SQLITE_BUSY)
}

sql::sql_store!(SqliteStore, "sqlite", "oauth_compat::store::SqliteStore");
