#![cfg(feature = "postgres")]
//! `PostgresStore` against a real PostgreSQL server the tests start (see `support/postgres.rs`):
//! every storage trait method, expiry, purging, and a nonce accepted exactly once when 100
//! requests race for it through one pool, two pools, and two processes on the same database.

mod support;

use oauth_compat::server::Client;
use oauth_compat::store::PostgresStore;
use oauth_compat::store::sqlx;

use support::postgres;
use support::store_contract::{self, impl_sql_store};

impl_sql_store!(PostgresStore);

/// A store on a fresh database of the test server, and its URL.
async fn fresh() -> (PostgresStore, String) {
    let url = postgres::server().fresh_database().await;
    (PostgresStore::connect(&url).await.unwrap(), url)
}

#[tokio::test]
async fn clients() {
    store_contract::clients(&fresh().await.0, "postgres").await;
}

#[tokio::test]
async fn temporary_credentials() {
    store_contract::temporary_credentials(&fresh().await.0, "postgres").await;
}

#[tokio::test]
async fn temporary_credentials_expire() {
    store_contract::temporary_credentials_expire(&fresh().await.0).await;
}

#[tokio::test]
async fn token_credentials() {
    store_contract::token_credentials(&fresh().await.0, "postgres").await;
}

#[tokio::test]
async fn nonces() {
    store_contract::nonces(&fresh().await.0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expired_nonces_are_taken_over_once() {
    store_contract::expired_nonces_are_taken_over_once(&fresh().await.0).await;
}

#[tokio::test]
async fn purge() {
    store_contract::purge(&fresh().await.0).await;
}

#[tokio::test]
async fn inserts_purge_by_themselves() {
    store_contract::inserts_purge_by_themselves(fresh().await.0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_nonces_one_pool() {
    store_contract::concurrent_nonces_one_pool(&fresh().await.0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_nonces_two_pools() {
    let (first, url) = fresh().await;
    let second = PostgresStore::connect(&url).await.unwrap();
    store_contract::concurrent_nonces_two_pools(first, second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_nonces_two_processes() {
    let (store, url) = fresh().await;
    store_contract::concurrent_nonces_two_processes(&store, &url, "child_process").await;
}

/// The second process of `concurrent_nonces_two_processes`; does nothing when run otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "run by concurrent_nonces_two_processes as its second process"]
async fn child_process() {
    store_contract::child_process(async |url| PostgresStore::connect(&url).await.unwrap()).await;
}

/// Servers starting together migrate one at a time (concurrent `CREATE TABLE IF NOT EXISTS`
/// can fail in PostgreSQL), and migrating again changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_migrations() {
    let url = postgres::server().fresh_database().await;
    let starts: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PostgresStore::connect(&url).await })
        })
        .collect();
    for start in starts {
        let store = start.await.unwrap().unwrap();
        store.migrate().await.unwrap();
    }
}

/// A database migrated by a newer oauth-compat is refused, not misread.
#[tokio::test]
async fn a_newer_schema_is_refused() {
    let (store, url) = fresh().await;
    sqlx::query("INSERT INTO oauth_compat_schema (version) VALUES (2)")
        .execute(store.pool())
        .await
        .unwrap();
    let error = PostgresStore::connect(&url).await.unwrap_err();
    assert!(
        error.to_string().contains("upgrade oauth-compat"),
        "{error}"
    );
}

/// Input PostgreSQL refuses (a NUL byte in `text`, an index row too large) is the client's
/// error: the server answers `invalid_request` (400) before the store sees it, not a 500.
#[tokio::test]
async fn hostile_parameters_are_400_not_500() {
    use std::sync::Arc;

    use oauth_compat::ClientSecret;
    use oauth_compat::server::{AuthorizationServer, ServerConfig};

    let store = Arc::new(fresh().await.0);
    store
        .add_client(Client {
            client_id: "c".into(),
            client_secret: ClientSecret::new("s"),
            rsa_public_key: None,
            default_redirect_uri: None,
        })
        .await
        .unwrap();
    let server = AuthorizationServer::from_store(store, ServerConfig::default());
    let long = "x".repeat(4000);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (key, nonce, token) in [
        ("a%00b", "n", "t"),
        ("c", long.as_str(), "t"),
        ("c", "n", long.as_str()),
        ("c", "n", "a%00"),
    ] {
        let auth = format!(
            "OAuth oauth_consumer_key=\"{key}\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"{now}\", oauth_nonce=\"{nonce}\", oauth_token=\"{token}\", oauth_verifier=\"v\", oauth_callback=\"oob\", oauth_signature=\"x\""
        );
        for path in ["/initiate", "/token"] {
            let req = http::Request::post(format!("http://provider.test{path}"))
                .header(http::header::AUTHORIZATION, &auth)
                .body(Vec::new())
                .unwrap();
            let resp = if path == "/initiate" {
                server.create_temporary_credential_response(&req).await
            } else {
                server.create_token_response(&req).await
            };
            assert_eq!(resp.status(), 400, "{key} {path}");
        }
    }
    for token in ["a%00", long.as_str()] {
        let req = http::Request::get(format!(
            "http://provider.test/authorize?oauth_token={token}"
        ))
        .body(Vec::new())
        .unwrap();
        let err = server.check_authorization_request(&req).await.unwrap_err();
        assert_eq!(err.status(), 400);
    }
}
