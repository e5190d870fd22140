//! Provider storage in PostgreSQL, for providers that run on several machines (feature
//! `postgres`): every server that connects to the database shares the clients, nonces,
//! temporary and token credentials.
//!
//! The schema is [`SCHEMA`], the same as SQLite's (tables `oauth1_clients`, `oauth1_nonces`,
//! `oauth1_temporary_credentials`, `oauth1_token_credentials`, and `oauth_compat_schema` for its
//! version); [`PostgresStore::connect`] and [`PostgresStore::from_pool`] create it if needed.
//!
//! Client and token secrets are stored raw, and cannot be hashed: HMAC-SHA1 and HMAC-SHA256 sign
//! with the raw secrets as the key, and PLAINTEXT's signature is the secrets themselves, so the
//! server needs them to check every request. Guard the database as you would a key file.
//! Encrypting them at rest would take a key kept outside the database, a store wrapping this one
//! (implementing the [`server`](crate::server) traits) that encrypts a secret
//! before it is written and decrypts it at each lookup, and a key id beside each ciphertext so
//! that keys can be rotated while old rows stay readable.
//!
//! Nonces are recorded by one `INSERT ... ON CONFLICT` statement (never a read then a write):
//! concurrent inserts of one key wait for the first to commit, then find it, so a nonce is
//! accepted once however many requests or servers race for it. Expired nonces and temporary
//! credentials are deleted by [`PostgresStore::purge_expired`], which the store also runs by
//! itself from its inserts once per [`purge_interval`](PostgresStore::purge_interval). Expiry
//! uses each server's clock, so keep the servers' clocks in sync (as the timestamp window needs
//! anyway).
//!
//! ```no_run
//! use std::time::Duration;
//! use oauth_compat::server::{NonceKey, NonceStore};
//! use oauth_compat::store::PostgresStore;
//!
//! # async fn run() -> Result<(), oauth_compat::server::StoreError> {
//! let store = PostgresStore::connect("postgres://provider@db.internal/oauth").await?;
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

use sqlx::postgres::PgPool;

use super::sql::{self, PurgeSchedule, SCHEMA};
use crate::server::StoreError;

const BACKEND: &str = "postgres";

/// The `pg_advisory_xact_lock` key that serializes migrations from several servers starting at
/// once (concurrent `CREATE TABLE IF NOT EXISTS` can fail in PostgreSQL): "oauthcmp".
const MIGRATION_LOCK: i64 = 0x6f61_7574_6863_6d70;

/// Clients, nonces, temporary and token credentials in one PostgreSQL database: implements
/// [`ClientStore`](crate::server::ClientStore),
/// [`NonceStore`](crate::server::NonceStore),
/// [`TemporaryCredentialStore`](crate::server::TemporaryCredentialStore) and
/// [`TokenCredentialStore`](crate::server::TokenCredentialStore). Cheap to clone (the
/// clones share the pool).
///
/// ```no_run
/// use oauth_compat::store::PostgresStore;
///
/// # async fn run() -> Result<(), oauth_compat::server::StoreError> {
/// let store = PostgresStore::connect("postgres://provider@db.internal/oauth").await?;
/// store.purge_expired().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    purge: PurgeSchedule,
}

impl PostgresStore {
    /// Connects a pool with sqlx's defaults to `url` (`postgres://user:password@host/db`) and
    /// creates the schema if needed. Errors do not repeat the URL or its password.
    ///
    /// ```no_run
    /// use oauth_compat::store::PostgresStore;
    ///
    /// # async fn run() -> Result<(), oauth_compat::server::StoreError> {
    /// let store = PostgresStore::connect("postgres://provider@db.internal/oauth").await?;
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPool::connect(url)
            .await
            .map_err(|e| StoreError::new(BACKEND, "connect", e))?;
        Self::from_pool(pool).await
    }

    /// A store over a pool you configured, after creating the schema if needed.
    ///
    /// ```no_run
    /// use oauth_compat::store::PostgresStore;
    /// use oauth_compat::store::sqlx::postgres::PgPoolOptions;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = PgPoolOptions::new()
    ///     .max_connections(20)
    ///     .connect("postgres://provider@db.internal/oauth")
    ///     .await?;
    /// let store = PostgresStore::from_pool(pool).await?;
    /// # Ok(()) }
    /// ```
    pub async fn from_pool(pool: PgPool) -> Result<Self, StoreError> {
        let store = Self {
            pool,
            purge: PurgeSchedule::new(sql::DEFAULT_PURGE_INTERVAL),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Creates the tables and indexes that do not exist yet ([`SCHEMA`]) in one transaction,
    /// under an advisory lock so that servers starting together take turns, and refuses a
    /// database that a newer oauth-compat migrated. Idempotent; [`connect`](Self::connect) and
    /// [`from_pool`](Self::from_pool) already ran it.
    ///
    /// ```no_run
    /// # async fn run(store: oauth_compat::store::PostgresStore) -> Result<(), oauth_compat::server::StoreError> {
    /// store.migrate().await?;
    /// # Ok(()) }
    /// ```
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let fail = |e| StoreError::new(BACKEND, "migrate the schema", e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
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
    /// # async fn run(store: oauth_compat::store::PostgresStore) -> Result<(), Box<dyn std::error::Error>> {
    /// let clients: i64 = oauth_compat::store::sqlx::query_scalar("SELECT COUNT(*) FROM oauth1_clients")
    ///     .fetch_one(store.pool())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

sql::sql_store!(
    PostgresStore,
    "postgres",
    "oauth_compat::store::PostgresStore"
);
