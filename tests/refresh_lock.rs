//! Refresh across clients and processes (`OAuth2ClientBuilder::refresh_lock`,
//! `OAuth::refresh_lock`) against the Authlib OAuth 2 server of `tests/interop/`, which rotates
//! refresh tokens: a refresh revokes the old refresh and access tokens, and a second refresh
//! with the old refresh token is refused with `invalid_grant`.
//!
//! Every "process" holds the same token, inside the refresh leeway, and makes concurrent API
//! calls with it. With a shared lock the provider sees one refresh grant and every call
//! succeeds with the one new token; without it (the control cases) it sees two, and one side's
//! calls fail. Two flavours: clients (and registries) in this process sharing a `MemoryCache`,
//! and two OS processes sharing a real `redis-server` (feature `redis`); the second process is
//! this test binary run again for `refresh_child` only.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_compat::RegisterOptions;
use oauth_compat::cache::Cache;
use oauth_compat::cache::MemoryCache;
use oauth_compat::oauth2::Token;
use oauth_compat::{Engine, Error, OAuth};
use oauth_compat::{OAuth2Client, TokenGrant, TokenUpdate};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use authlib_peer::PeerServer;
use second_process::SecondProcess;
#[cfg(feature = "redis")]
use support::redis_server;
use support::{authlib_peer, second_process};

const CLIENT_ID: &str = "post-client";
const CLIENT_SECRET: &str = "post-secret";
/// Concurrent API calls per client or process.
const CALLS: usize = 3;
/// `update_token` takes this long, so a refresh is still running when the other side arrives.
const UPDATE_DELAY: Duration = Duration::from_millis(300);
/// What the parent process gives its child: the peer's base URL, the token, the Redis URL.
const CHILD_ENV: &str = "OAUTH_COMPAT_TEST_REFRESH_CHILD";

fn engine() -> Engine {
    Engine::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("engine")
}

/// A token of `alice` whose `expires_in` is 30 s: inside the 60 s leeway, so the first API call
/// refreshes it.
async fn short_lived_token(server: &PeerServer) -> Token {
    let client = OAuth2Client::builder(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_endpoint_auth_method("client_secret_post".parse().unwrap())
        .engine(engine())
        .access_token_url(server.url("/token?expires_in=30"))
        .build()
        .unwrap();
    let token = client
        .fetch_token(TokenGrant::password("alice", "wonderland"))
        .await
        .expect("password grant");
    assert_eq!(token.expires_in(), Some(30));
    assert!(token.refresh_token().is_some());
    token
}

/// One side's client: refreshes go to the plain token endpoint (3600 s tokens), and
/// `update_token` counts its calls in `updates`, slowly.
fn client(base: &str, lock: Option<Arc<dyn Cache>>, updates: Arc<AtomicUsize>) -> OAuth2Client {
    let mut builder = OAuth2Client::builder(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .token_endpoint_auth_method("client_secret_post".parse().unwrap())
        .engine(engine())
        .access_token_url(format!("{base}/token"))
        .api_base_url(format!("{base}/api/"))
        .update_token(move |_: TokenUpdate| {
            updates.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(UPDATE_DELAY).await;
                Ok::<(), std::io::Error>(())
            }
        });
    if let Some(lock) = lock {
        builder = builder.refresh_lock(lock);
    }
    builder.build().unwrap()
}

/// What one side ended with: the SHA-256 of the access token its calls used (the token itself
/// stays out of test output), or the provider's error code.
type SideOutcome = Result<String, String>;

fn fingerprint(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

/// `CALLS` concurrent `GET /api/me` holding `token`, through `client`, which holds it too so
/// that a refresh replaces it.
async fn call_me(client: &OAuth2Client, token: &Token) -> SideOutcome {
    client.set_token(Some(token.clone()));
    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let resp = client.get("me").send().await?;
                assert_eq!(resp.status, 200, "{}", resp.data);
                assert_eq!(resp.data["name"], "alice");
                Ok::<(), Error>(())
            })
        })
        .collect();
    let mut failures = Vec::new();
    for call in calls {
        if let Err(err) = call.await.unwrap() {
            failures.push(err);
        }
    }
    if let Some(err) = failures.first() {
        assert_eq!(
            failures.len(),
            CALLS,
            "the calls of one side share one refresh"
        );
        return Err(err
            .provider_error()
            .map_or_else(|| err.to_string(), |p| p.error.clone()));
    }
    let held = client.token().expect("the client holds the new token");
    assert_ne!(held.access_token(), token.access_token(), "refreshed");
    Ok(fingerprint(held.access_token()))
}

/// One refresh grant, and both sides ended with the same new token.
async fn assert_refreshed_once(server: &PeerServer, sides: [&SideOutcome; 2], updates: usize) {
    assert_eq!(server.stats().await["refresh_grants"], 1, "{sides:?}");
    let [a, b] = sides;
    assert!(a.is_ok() && b.is_ok(), "{sides:?}");
    assert_eq!(a, b, "both use the one new token");
    assert_eq!(
        updates, 1,
        "update_token is called by the refreshing side only"
    );
}

/// Both sides refreshed, and one was refused. At least two grants: a call of the refused side
/// that reaches its single-flight after the failed refresh ended tries once more (a failure is
/// not kept), and is refused again.
async fn assert_both_refreshed_and_one_refused(server: &PeerServer, sides: [&SideOutcome; 2]) {
    let grants = server.stats().await["refresh_grants"].as_u64().unwrap();
    assert!(grants >= 2, "{grants} refresh grants: {sides:?}");
    let refused: Vec<_> = sides.iter().filter_map(|s| s.as_ref().err()).collect();
    assert_eq!(refused, ["invalid_grant"], "{sides:?}");
}

// --- in one process: clients and registries sharing a MemoryCache ---------------------------

async fn two_clients(lock: Option<Arc<dyn Cache>>) -> (PeerServer, [SideOutcome; 2], usize) {
    let server = PeerServer::oauth2();
    let token = short_lived_token(&server).await;
    let updates = Arc::new(AtomicUsize::new(0));
    // Two clients, as two processes would have: no single-flight in common.
    let a = client(&server.base, lock.clone(), updates.clone());
    let b = client(&server.base, lock, updates.clone());
    let (first, second) = tokio::join!(call_me(&a, &token), call_me(&b, &token));
    let updates = updates.load(Ordering::SeqCst);
    (server, [first, second], updates)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_a_memory_lock_refresh_once() {
    let cache = Arc::new(MemoryCache::new());
    let (server, [a, b], updates) = two_clients(Some(cache.clone())).await;
    assert_refreshed_once(&server, [&a, &b], updates).await;
    // The lock is released; only the shared result is left (until its TTL).
    assert_eq!(cache.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_without_a_lock_both_refresh_and_one_is_refused() {
    let (server, [a, b], updates) = two_clients(None).await;
    assert_both_refreshed_and_one_refused(&server, [&a, &b]).await;
    assert_eq!(updates, 1, "only the accepted refresh reaches update_token");
}

/// `OAuth::refresh_lock` gives every app's client the lock: two registries (two processes'
/// worth) with an app each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_registries_sharing_a_refresh_lock_refresh_once() {
    let server = PeerServer::oauth2();
    let token = short_lived_token(&server).await;
    let cache: Arc<dyn Cache> = Arc::new(MemoryCache::new());
    let updates = Arc::new(AtomicUsize::new(0));
    let registry = || {
        let updates = updates.clone();
        let oauth = OAuth::new()
            .engine(engine())
            .refresh_lock(cache.clone())
            .update_token(move |_name: String, _: TokenUpdate| {
                updates.fetch_add(1, Ordering::SeqCst);
                async {
                    tokio::time::sleep(UPDATE_DELAY).await;
                    Ok::<(), std::io::Error>(())
                }
            });
        oauth.register(
            "peer",
            RegisterOptions::new()
                .set("client_id", CLIENT_ID)
                .set("client_secret", CLIENT_SECRET)
                .set("token_endpoint_auth_method", "client_secret_post")
                .set("access_token_url", server.url("/token"))
                .set("api_base_url", server.url("/api/")),
        );
        oauth
    };
    let (first, second) = (registry(), registry());
    let call = |oauth: OAuth| {
        let token = token.clone();
        async move {
            let app = oauth.create_client("peer").unwrap();
            let resp = app.get("me").token(token).send().await?;
            Ok::<_, Error>(resp.status.as_u16())
        }
    };
    let (a, b) = tokio::join!(call(first), call(second));
    assert_eq!((a.unwrap(), b.unwrap()), (200, 200));
    assert_eq!(server.stats().await["refresh_grants"], 1);
    assert_eq!(updates.load(Ordering::SeqCst), 1);
}

// --- two OS processes ------------------------------------------------------------------------

/// Runs one side in a second process (this binary, `refresh_child` only) and one here, both
/// starting on the same signal; returns the two outcomes and the `update_token` calls of both.
async fn two_processes(
    server: &PeerServer,
    token: &Token,
    redis_url: Option<String>,
    lock: Option<Arc<dyn Cache>>,
) -> ([SideOutcome; 2], usize) {
    let config = json!({"base": server.base, "token": token, "redis": redis_url});
    let mut child = SecondProcess::start("refresh_child", &[(CHILD_ENV, &config.to_string())]);
    let updates = Arc::new(AtomicUsize::new(0));
    let here = client(&server.base, lock, updates.clone());
    child.next("@@ready").await;
    child.send("go");
    let mine = call_me(&here, token).await;
    let theirs: Value = serde_json::from_str(&child.next("@@outcome").await).unwrap();
    child.assert_success().await;
    let theirs_outcome = match (&theirs["ok"], &theirs["err"]) {
        (Value::String(ok), _) => Ok(ok.clone()),
        (_, Value::String(err)) => Err(err.clone()),
        _ => panic!("unexpected outcome {theirs}"),
    };
    let their_updates = theirs["updates"].as_u64().unwrap() as usize;
    (
        [mine, theirs_outcome],
        updates.load(Ordering::SeqCst) + their_updates,
    )
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_sharing_redis_refresh_once() {
    use oauth_compat::cache::RedisCache;

    let redis = redis_server::RedisServer::start();
    let server = PeerServer::oauth2();
    let token = short_lived_token(&server).await;
    let cache = RedisCache::connect(&redis.url()).await.unwrap();
    let ([a, b], updates) = two_processes(
        &server,
        &token,
        Some(redis.url()),
        Some(Arc::new(cache.clone())),
    )
    .await;
    assert_refreshed_once(&server, [&a, &b], updates).await;

    // Released, and no key holds the token (only its hash; the result's value holds the new
    // token, for its TTL).
    let keys: Vec<String> = oauth_compat::redis::cmd("KEYS")
        .arg("*")
        .query_async(
            &mut oauth_compat::redis::Client::open(redis.url())
                .unwrap()
                .get_multiplexed_async_connection()
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].ends_with(":result"), "{keys:?}");
    assert!(!keys[0].contains(token.refresh_token().unwrap()));
}

/// A cache that fails (here a Redis key of the wrong type where the result should be) fails
/// the refresh before the provider is asked, naming the step and the documented key.
#[cfg(feature = "redis")]
#[tokio::test]
async fn a_failing_cache_fails_the_refresh_without_asking_the_provider() {
    use oauth_compat::ClientError;
    use oauth_compat::cache::RedisCache;

    let redis = redis_server::RedisServer::start();
    let server = PeerServer::oauth2();
    let token = short_lived_token(&server).await;
    let refresh_token = token.refresh_token().unwrap();
    let id = URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{CLIENT_ID}\0{refresh_token}")));
    let result_key = format!("oauth_compat:refresh:{id}:result");
    let mut raw = oauth_compat::redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: i64 = oauth_compat::redis::cmd("RPUSH")
        .arg(&result_key)
        .arg("not a string")
        .query_async(&mut raw)
        .await
        .unwrap();

    let cache = RedisCache::connect(&redis.url()).await.unwrap();
    let client = client(&server.base, Some(Arc::new(cache)), Arc::default());
    let err = client
        .get("me")
        .token(token.clone())
        .send()
        .await
        .unwrap_err();
    match err.underlying() {
        Error::Client(ClientError::RefreshLock { step, key, .. }) => {
            assert_eq!(*step, "read the shared result");
            assert_eq!(key, &result_key);
        }
        other => panic!("{other:?}"),
    }
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("WRONGTYPE"), "{shown}");
    assert!(!shown.contains(refresh_token), "{shown}");
    assert_eq!(server.stats().await["refresh_grants"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_without_a_lock_both_refresh_and_one_is_refused() {
    let server = PeerServer::oauth2();
    let token = short_lived_token(&server).await;
    let ([a, b], updates) = two_processes(&server, &token, None, None).await;
    assert_both_refreshed_and_one_refused(&server, [&a, &b]).await;
    assert_eq!(updates, 1);
}

/// The second process of the two-process tests; does nothing when run otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by the two-process tests as their second process"]
async fn refresh_child() {
    let Ok(config) = std::env::var(CHILD_ENV) else {
        return;
    };
    let config: Value = serde_json::from_str(&config).unwrap();
    let base = config["base"].as_str().unwrap();
    let token: Token = serde_json::from_value(config["token"].clone()).unwrap();
    let lock: Option<Arc<dyn Cache>> = match config["redis"].as_str() {
        None => None,
        #[cfg(feature = "redis")]
        Some(url) => Some(Arc::new(
            oauth_compat::cache::RedisCache::connect(url).await.unwrap(),
        )),
        #[cfg(not(feature = "redis"))]
        Some(_) => panic!("a Redis lock needs the `redis` feature"),
    };
    let updates = Arc::new(AtomicUsize::new(0));
    let client = client(base, lock, updates.clone());
    println!("@@ready");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    assert_eq!(go.trim(), "go");
    let outcome = match call_me(&client, &token).await {
        Ok(fingerprint) => json!({"ok": fingerprint}),
        Err(error) => json!({"err": error}),
    };
    let mut outcome = outcome;
    outcome["updates"] = updates.load(Ordering::SeqCst).into();
    println!("@@outcome {outcome}");
}
