#![cfg(feature = "redis")]
//! `RedisCache` against a real `redis-server` (installed by scripts/test) that each test starts
//! on a free loopback port: the `Cache` contract, expiry, key prefixes, and `add` staying atomic
//! under concurrency, within one connection and across two.

mod support;

use std::sync::Arc;
use std::time::Duration;

use oauth_compat::cache::Cache;
use oauth_compat::cache::RedisCache;
use oauth_compat::redis;
use redis_server::RedisServer;
use support::redis_server;

/// A plain connection beside the cache, to look at what it stored.
async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn get_set_delete() {
    let server = RedisServer::start();
    let cache = RedisCache::connect(&server.url()).await.unwrap();

    assert_eq!(cache.get("k").await.unwrap(), None);
    let binary = vec![0, 0xff, b'\r', b'\n', 0x80];
    cache.set("k", binary.clone(), None).await.unwrap();
    assert_eq!(cache.get("k").await.unwrap(), Some(binary));
    cache.set("k", b"second".to_vec(), None).await.unwrap();
    assert_eq!(
        cache.get("k").await.unwrap().as_deref(),
        Some(&b"second"[..])
    );
    cache.set("empty", Vec::new(), None).await.unwrap();
    assert_eq!(cache.get("empty").await.unwrap(), Some(Vec::new()));

    cache.delete("k").await.unwrap();
    assert_eq!(cache.get("k").await.unwrap(), None);
    cache.delete("k").await.unwrap(); // absent is fine
}

#[tokio::test]
async fn values_expire_after_their_ttl() {
    let server = RedisServer::start();
    let cache = RedisCache::connect(&server.url()).await.unwrap();
    let mut raw = raw(&server).await;

    let short = Some(Duration::from_millis(50));
    cache.set("short", b"v".to_vec(), short).await.unwrap();
    cache.set("forever", b"v".to_vec(), None).await.unwrap();
    cache
        .set("seconds", b"v".to_vec(), Some(Duration::from_secs(30)))
        .await
        .unwrap();
    assert!(cache.get("short").await.unwrap().is_some());

    let pttl = |key: &'static str| redis::cmd("PTTL").arg(key).clone();
    let seconds: i64 = pttl("seconds").query_async(&mut raw).await.unwrap();
    assert!((29_000..=30_000).contains(&seconds), "{seconds}");
    let forever: i64 = pttl("forever").query_async(&mut raw).await.unwrap();
    assert_eq!(forever, -1, "no TTL means no expiry");

    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(cache.get("short").await.unwrap(), None);
    assert!(cache.get("forever").await.unwrap().is_some());

    // An expired `add` leaves room for the next one; a zero TTL is 1 ms, not an error.
    let ttl = Duration::from_millis(30);
    assert!(cache.add("nonce", b"1".to_vec(), ttl).await.unwrap());
    assert!(!cache.add("nonce", b"2".to_vec(), ttl).await.unwrap());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(cache.add("nonce", b"3".to_vec(), ttl).await.unwrap());
    assert!(
        cache
            .add("zero", b"1".to_vec(), Duration::ZERO)
            .await
            .unwrap()
    );
    cache
        .set("zero-set", b"1".to_vec(), Some(Duration::ZERO))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(cache.get("zero").await.unwrap(), None);
    assert_eq!(cache.get("zero-set").await.unwrap(), None);
}

#[tokio::test]
async fn prefixes_keep_caches_apart() {
    let server = RedisServer::start();
    let plain = RedisCache::connect(&server.url()).await.unwrap();
    let a = plain.clone().with_prefix("app-a:");
    let b = plain.clone().with_prefix("app-b:");
    assert_eq!(a.prefix(), "app-a:");
    assert_eq!(plain.prefix(), "");

    a.set("k", b"a".to_vec(), None).await.unwrap();
    assert_eq!(b.get("k").await.unwrap(), None);
    assert_eq!(plain.get("k").await.unwrap(), None);
    let stored: Option<Vec<u8>> = redis::cmd("GET")
        .arg("app-a:k")
        .query_async(&mut raw(&server).await)
        .await
        .unwrap();
    assert_eq!(
        stored.as_deref(),
        Some(&b"a"[..]),
        "the key is the prefix + the key"
    );

    assert!(a.add("nonce", vec![], MINUTE).await.unwrap());
    assert!(b.add("nonce", vec![], MINUTE).await.unwrap());
    assert!(!a.add("nonce", vec![], MINUTE).await.unwrap());
    b.delete("k").await.unwrap();
    assert_eq!(a.get("k").await.unwrap().as_deref(), Some(&b"a"[..]));
}

#[tokio::test]
async fn add_stores_only_when_absent_and_never_overwrites() {
    let server = RedisServer::start();
    let cache = RedisCache::connect(&server.url()).await.unwrap();

    assert!(cache.add("k", b"first".to_vec(), MINUTE).await.unwrap());
    assert!(!cache.add("k", b"second".to_vec(), MINUTE).await.unwrap());
    assert_eq!(
        cache.get("k").await.unwrap().as_deref(),
        Some(&b"first"[..])
    );

    cache.set("set", b"set".to_vec(), None).await.unwrap();
    assert!(!cache.add("set", b"add".to_vec(), MINUTE).await.unwrap());
    assert_eq!(
        cache.get("set").await.unwrap().as_deref(),
        Some(&b"set"[..])
    );

    cache.delete("k").await.unwrap();
    assert!(cache.add("k", b"third".to_vec(), MINUTE).await.unwrap());
    assert_eq!(
        cache.get("k").await.unwrap().as_deref(),
        Some(&b"third"[..])
    );
}

#[tokio::test]
async fn delete_if_removes_only_the_expected_value() {
    let server = RedisServer::start();
    let cache = RedisCache::connect(&server.url())
        .await
        .unwrap()
        .with_prefix("app:");

    assert!(
        !cache.delete_if("lock", b"owner-a").await.unwrap(),
        "absent"
    );
    assert!(
        cache
            .add("lock", b"owner-b".to_vec(), MINUTE)
            .await
            .unwrap()
    );
    assert!(!cache.delete_if("lock", b"owner-a").await.unwrap());
    assert_eq!(
        cache.get("lock").await.unwrap().as_deref(),
        Some(&b"owner-b"[..]),
        "another owner's lock stays"
    );
    // A value that is a prefix of the stored one is not equal to it.
    assert!(!cache.delete_if("lock", b"owner").await.unwrap());
    assert!(cache.delete_if("lock", b"owner-b").await.unwrap());
    assert_eq!(cache.get("lock").await.unwrap(), None);
    let left: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut raw(&server).await)
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
    // Binary values compare byte for byte.
    let binary = vec![0, 0xff, b'\r', b'\n'];
    cache
        .set("bin", binary.clone(), Some(MINUTE))
        .await
        .unwrap();
    assert!(cache.delete_if("bin", &binary).await.unwrap());
}

/// Spawns `adds` tasks, task `i` adding value `i` under one key through `caches[i % len]`;
/// returns the indices that got `true`.
async fn concurrent_adds(caches: &[RedisCache], adds: usize) -> Vec<usize> {
    let barrier = Arc::new(tokio::sync::Barrier::new(adds));
    let tasks: Vec<_> = (0..adds)
        .map(|i| {
            let cache = caches[i % caches.len()].clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let value = i.to_string().into_bytes();
                cache.add("nonce:shared", value, MINUTE).await.unwrap()
            })
        })
        .collect();
    let mut winners = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        if task.await.unwrap() {
            winners.push(i);
        }
    }
    winners
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_adds_of_one_key_store_once() {
    let server = RedisServer::start();
    let cache = RedisCache::connect(&server.url()).await.unwrap();

    let winners = concurrent_adds(std::slice::from_ref(&cache), 100).await;
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let stored = cache.get("nonce:shared").await.unwrap().unwrap();
    assert_eq!(
        stored,
        winners[0].to_string().into_bytes(),
        "the winner's value"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_adds_from_two_connections_store_once() {
    // Two connections, as two server processes sharing one Redis would have.
    let server = RedisServer::start();
    let first = RedisCache::connect(&server.url()).await.unwrap();
    let second = RedisCache::connect(&server.url()).await.unwrap();

    let winners = concurrent_adds(&[first, second], 100).await;
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
}

#[tokio::test]
async fn the_cache_reconnects_after_the_server_restarts() {
    let mut server = RedisServer::start();
    let cache = RedisCache::connect(&server.url()).await.unwrap();
    cache.set("k", b"v".to_vec(), None).await.unwrap();

    server.restart(); // empty again: nothing is persisted
    let after = tokio::time::timeout(Duration::from_secs(20), async {
        // The first command finds the old connection dead and is sent again on a new one.
        let value = cache.get("k").await.unwrap();
        assert!(cache.add("k", b"new".to_vec(), MINUTE).await.unwrap());
        value
    })
    .await
    .expect("reconnected within 20 s");
    assert_eq!(after, None);
    assert_eq!(cache.get("k").await.unwrap().as_deref(), Some(&b"new"[..]));
}

#[tokio::test]
async fn errors_name_the_backend_and_operation_but_no_value() {
    let server = RedisServer::start();
    let cache = RedisCache::connect(&server.url()).await.unwrap();
    // A list where the cache expects a string: the server refuses GET.
    let _: i64 = redis::cmd("RPUSH")
        .arg("list")
        .arg("secret-value")
        .query_async(&mut raw(&server).await)
        .await
        .unwrap();

    let err = cache.get("list").await.unwrap_err();
    assert_eq!((err.backend, err.operation), ("redis", "read a key"));
    let message = err.to_string();
    assert!(
        message.starts_with("redis store failed to read a key: "),
        "{message}"
    );
    assert!(!message.contains("secret-value"), "{message}");

    let err = RedisCache::connect("redis://:hunter2@[not-a-url")
        .await
        .unwrap_err();
    assert_eq!(err.operation, "parse the connection URL");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

/// `replace` (`SET ... XX`) overwrites only a key that is there: a deleted one stays gone, and
/// a temporary credential granted over Redis is granted once.
#[tokio::test]
async fn replace_overwrites_only_a_present_key() {
    use oauth_compat::TokenSecret;
    use oauth_compat::server::{TemporaryCredential, TemporaryCredentialStore};
    use oauth_compat::store::CacheStore;

    let server = RedisServer::start();
    let cache = RedisCache::connect(&server.url()).await.unwrap();
    assert!(
        !cache
            .replace("k", b"v".to_vec(), Some(MINUTE))
            .await
            .unwrap()
    );
    assert_eq!(cache.get("k").await.unwrap(), None);
    cache.set("k", b"a".to_vec(), None).await.unwrap();
    assert!(
        cache
            .replace("k", b"b".to_vec(), Some(MINUTE))
            .await
            .unwrap()
    );
    assert_eq!(cache.get("k").await.unwrap().as_deref(), Some(&b"b"[..]));
    cache.delete("k").await.unwrap();
    assert!(!cache.replace("k", b"c".to_vec(), None).await.unwrap());
    assert_eq!(cache.get("k").await.unwrap(), None);

    let store = CacheStore::new(cache);
    let expires_at = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
        + 60;
    store
        .create_temporary_credential(&TemporaryCredential {
            client_id: "c".into(),
            oauth_token: "t".into(),
            oauth_token_secret: TokenSecret::new("s"),
            oauth_callback: "oob".into(),
            oauth_verifier: None,
            user_id: None,
            expires_at,
        })
        .await
        .unwrap();
    assert!(
        store
            .create_authorization_verifier("t", "alice", "v1")
            .await
            .unwrap()
    );
    assert!(
        !store
            .create_authorization_verifier("t", "mallory", "v2")
            .await
            .unwrap()
    );
    let stored = store.get_temporary_credential("t").await.unwrap().unwrap();
    assert_eq!(stored.oauth_verifier.as_deref(), Some("v1"));
    store.delete_temporary_credential("t").await.unwrap();
    assert!(
        !store
            .create_authorization_verifier("t", "alice", "v3")
            .await
            .unwrap()
    );
    assert_eq!(store.get_temporary_credential("t").await.unwrap(), None);
}
