//! `SqliteStore` against real database files: every storage trait method, expiry, purging, and
//! a nonce accepted exactly once when 100 requests race for it through one pool, two pools, and
//! two processes on the same file.

mod support;

use std::time::Duration;

use oauth_compat::store::SqliteStore;
use oauth_compat::store::sqlx;

use support::store_contract::{self, impl_sql_store};
use support::temp_dir::TempDir;

impl_sql_store!(SqliteStore);

/// A database file in a directory of its own under the system's temp dir, removed on drop.
struct TempDatabase {
    dir: TempDir,
}

impl TempDatabase {
    fn new() -> Self {
        Self {
            dir: TempDir::new("store-sqlite"),
        }
    }

    fn url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.dir.path().join("oauth.db").display()
        )
    }

    async fn store(&self) -> SqliteStore {
        SqliteStore::connect(&self.url()).await.unwrap()
    }
}

#[tokio::test]
async fn clients() {
    let db = TempDatabase::new();
    store_contract::clients(&db.store().await, "sqlite").await;
}

#[tokio::test]
async fn temporary_credentials() {
    let db = TempDatabase::new();
    store_contract::temporary_credentials(&db.store().await, "sqlite").await;
}

#[tokio::test]
async fn temporary_credentials_expire() {
    let db = TempDatabase::new();
    store_contract::temporary_credentials_expire(&db.store().await).await;
}

#[tokio::test]
async fn token_credentials() {
    let db = TempDatabase::new();
    store_contract::token_credentials(&db.store().await, "sqlite").await;
}

#[tokio::test]
async fn nonces() {
    let db = TempDatabase::new();
    store_contract::nonces(&db.store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expired_nonces_are_taken_over_once() {
    let db = TempDatabase::new();
    store_contract::expired_nonces_are_taken_over_once(&db.store().await).await;
}

#[tokio::test]
async fn purge() {
    let db = TempDatabase::new();
    store_contract::purge(&db.store().await).await;
}

#[tokio::test]
async fn inserts_purge_by_themselves() {
    let db = TempDatabase::new();
    store_contract::inserts_purge_by_themselves(db.store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_nonces_one_pool() {
    let db = TempDatabase::new();
    store_contract::concurrent_nonces_one_pool(&db.store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_nonces_two_pools() {
    let db = TempDatabase::new();
    store_contract::concurrent_nonces_two_pools(db.store().await, db.store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_nonces_two_processes() {
    let db = TempDatabase::new();
    let store = db.store().await;
    store_contract::concurrent_nonces_two_processes(&store, &db.url(), "child_process").await;
}

/// The second process of `concurrent_nonces_two_processes`; does nothing when run otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "run by concurrent_nonces_two_processes as its second process"]
async fn child_process() {
    store_contract::child_process(async |url| SqliteStore::connect(&url).await.unwrap()).await;
}

/// Migrating is idempotent, and reopening a file finds what was stored.
#[tokio::test]
async fn reopening_keeps_the_data() {
    let db = TempDatabase::new();
    let store = db.store().await;
    store.migrate().await.unwrap();
    assert!(
        oauth_compat::server::NonceStore::insert_nonce(
            &store,
            &store_contract::nonce("kept"),
            Duration::from_secs(300)
        )
        .await
        .unwrap()
    );
    store.pool().close().await;
    let reopened = db.store().await;
    assert!(
        !oauth_compat::server::NonceStore::insert_nonce(
            &reopened,
            &store_contract::nonce("kept"),
            Duration::from_secs(300)
        )
        .await
        .unwrap()
    );
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(reopened.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

/// A database migrated by a newer oauth-compat is refused, not misread.
#[tokio::test]
async fn a_newer_schema_is_refused() {
    let db = TempDatabase::new();
    let store = db.store().await;
    sqlx::query("INSERT INTO oauth_compat_schema (version) VALUES (2)")
        .execute(store.pool())
        .await
        .unwrap();
    let error = SqliteStore::connect(&db.url()).await.unwrap_err();
    assert!(
        error.to_string().contains("upgrade oauth-compat"),
        "{error}"
    );
}

/// Servers starting together on a new file: each sets WAL mode and migrates, none fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_connects() {
    for _ in 0..5 {
        let db = TempDatabase::new();
        let url = db.url();
        let starts: Vec<_> = (0..8)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { SqliteStore::connect(&url).await })
            })
            .collect();
        for start in starts {
            start.await.unwrap().unwrap();
        }
    }
}
