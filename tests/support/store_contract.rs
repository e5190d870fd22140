//! What every SQL store must do, written once over [`SqlStore`] and run by `store_sqlite.rs`
//! and `store_postgres.rs` against real databases: each trait method, expiry, purging, and
//! nonce atomicity under 100 concurrent inserts from one pool, two pools and two processes.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oauth_compat::server::{
    BoxFuture, Client, ClientStore, NonceKey, NonceStore, StoreError, TemporaryCredential,
    TemporaryCredentialStore, TokenCredential, TokenCredentialStore,
};
use oauth_compat::{ClientSecret, TokenSecret};
use tokio::sync::Barrier;

use super::second_process::SecondProcess;

/// How many requests race for one nonce.
pub(crate) const RACERS: usize = 100;

const SECRET: &str = "SECRET-do-not-print-zzz";
const TTL: Duration = Duration::from_secs(300);

/// The store-level API beside the traits, which each backend has as inherent methods.
pub(crate) trait SqlStore:
    ClientStore
    + NonceStore
    + TemporaryCredentialStore
    + TokenCredentialStore
    + Clone
    + Send
    + Sync
    + 'static
{
    fn add_client(&self, client: Client) -> BoxFuture<'_, Result<(), StoreError>>;
    fn remove_client<'a>(&'a self, client_id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;
    fn purge_expired(&self) -> BoxFuture<'_, Result<u64, StoreError>>;
    /// The same store, purging by itself at every insert.
    fn purging_at_every_insert(self) -> Self;
    /// `SELECT COUNT(*) FROM table`.
    fn count<'a>(&'a self, table: &'static str) -> BoxFuture<'a, i64>;
}

/// Implements [`SqlStore`] for a store whose inherent methods (`add_client`, `remove_client`,
/// `purge_expired`, `purge_interval`, `pool`) have the same names in every backend.
macro_rules! impl_sql_store {
    ($store:ident) => {
        impl $crate::support::store_contract::SqlStore for $store {
            fn add_client(
                &self,
                client: ::oauth_compat::server::Client,
            ) -> $crate::support::store_contract::StoreFuture<'_, ()> {
                Box::pin($store::add_client(self, client))
            }

            fn remove_client<'a>(
                &'a self,
                client_id: &'a str,
            ) -> $crate::support::store_contract::StoreFuture<'a, bool> {
                Box::pin($store::remove_client(self, client_id))
            }

            fn purge_expired(&self) -> $crate::support::store_contract::StoreFuture<'_, u64> {
                Box::pin($store::purge_expired(self))
            }

            fn purging_at_every_insert(self) -> Self {
                self.purge_interval(::std::time::Duration::ZERO)
            }

            fn count<'a>(
                &'a self,
                table: &'static str,
            ) -> ::oauth_compat::server::BoxFuture<'a, i64> {
                use ::oauth_compat::store::sqlx::{self, AssertSqlSafe};
                Box::pin(async move {
                    sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                        .fetch_one(self.pool())
                        .await
                        .unwrap()
                })
            }
        }
    };
}

#[allow(unused_imports)] // only the store tests name it
pub(crate) use impl_sql_store;

/// What the storage methods return.
pub(crate) type StoreFuture<'a, T> = BoxFuture<'a, Result<T, StoreError>>;

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// Sleeps until the clock's second has moved past `deadline`.
async fn sleep_past(deadline: i64) {
    while now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn client(id: &str) -> Client {
    Client {
        client_id: id.into(),
        client_secret: ClientSecret::new(SECRET),
        rsa_public_key: Some(
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh\n-----END PUBLIC KEY-----\n".into(),
        ),
        default_redirect_uri: Some("https://client.example/ready".into()),
    }
}

fn temporary(token: &str, expires_at: i64) -> TemporaryCredential {
    TemporaryCredential {
        client_id: "client-1".into(),
        oauth_token: token.into(),
        oauth_token_secret: TokenSecret::new(SECRET),
        oauth_callback: "oob".into(),
        oauth_verifier: None,
        user_id: None,
        expires_at,
    }
}

fn token(client_id: &str, token: &str) -> TokenCredential {
    TokenCredential {
        client_id: client_id.into(),
        oauth_token: token.into(),
        oauth_token_secret: TokenSecret::new(SECRET),
        user_id: "alice".into(),
    }
}

pub(crate) fn nonce(n: &str) -> NonceKey {
    NonceKey {
        client_id: "client-1".into(),
        timestamp: 1_700_000_000,
        nonce: n.into(),
        token: Some("token-1".into()),
    }
}

/// A store error names the backend and the operation, and carries no secret.
fn assert_error_names(error: &StoreError, backend: &str, operation: &str) {
    let display = error.to_string();
    let debug = format!("{error:?}");
    assert_eq!(error.backend, backend);
    assert_eq!(error.operation, operation);
    assert!(
        display.starts_with(&format!("{backend} store failed to {operation}: ")),
        "{display}"
    );
    assert!(!display.contains(SECRET), "{display}");
    assert!(!debug.contains(SECRET), "{debug}");
}

pub(crate) async fn clients(store: &impl SqlStore, backend: &str) {
    assert_eq!(store.query_client("client-1").await.unwrap(), None);
    store.add_client(client("client-1")).await.unwrap();
    assert_eq!(
        store.query_client("client-1").await.unwrap(),
        Some(client("client-1"))
    );

    // Adding again replaces (applications register their clients at every start).
    let replaced = Client {
        client_secret: ClientSecret::new("another secret"),
        rsa_public_key: None,
        default_redirect_uri: None,
        ..client("client-1")
    };
    store.add_client(replaced.clone()).await.unwrap();
    assert_eq!(
        store.query_client("client-1").await.unwrap(),
        Some(replaced)
    );

    // Removing takes the credentials issued to the client along.
    store.add_client(client("client-2")).await.unwrap();
    store
        .create_token_credential(&token("client-1", "t-1"))
        .await
        .unwrap();
    store
        .create_token_credential(&token("client-2", "t-2"))
        .await
        .unwrap();
    store
        .create_temporary_credential(&temporary("r-1", now() + 600))
        .await
        .unwrap();
    assert!(store.remove_client("client-1").await.unwrap());
    assert!(!store.remove_client("client-1").await.unwrap());
    assert_eq!(store.query_client("client-1").await.unwrap(), None);
    assert_eq!(store.query_token("client-1", "t-1").await.unwrap(), None);
    assert_eq!(store.get_temporary_credential("r-1").await.unwrap(), None);
    assert!(store.query_client("client-2").await.unwrap().is_some());
    assert!(
        store
            .query_token("client-2", "t-2")
            .await
            .unwrap()
            .is_some()
    );

    // The secret reaches neither errors nor Debug output.
    assert!(!format!("{:?}", client("client-1")).contains(SECRET));
    let _ = backend;
}

pub(crate) async fn temporary_credentials(store: &impl SqlStore, backend: &str) {
    let credential = temporary("request-token", now() + 600);
    store
        .create_temporary_credential(&credential)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_temporary_credential("request-token")
            .await
            .unwrap(),
        Some(credential.clone())
    );
    assert_eq!(store.get_temporary_credential("other").await.unwrap(), None);

    // The same token twice is an error (a token generator collision), never an overwrite.
    let error = store
        .create_temporary_credential(&credential)
        .await
        .unwrap_err();
    assert_error_names(&error, backend, "create a temporary credential");

    assert!(
        store
            .create_authorization_verifier("request-token", "alice", "verifier-1")
            .await
            .unwrap()
    );
    let authorized = store
        .get_temporary_credential("request-token")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(authorized.user_id.as_deref(), Some("alice"));
    assert_eq!(authorized.oauth_verifier.as_deref(), Some("verifier-1"));
    // A second grant does not replace the first one's verifier.
    assert!(
        !store
            .create_authorization_verifier("request-token", "mallory", "verifier-2")
            .await
            .unwrap()
    );
    let still = store
        .get_temporary_credential("request-token")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.user_id.as_deref(), Some("alice"));
    assert_eq!(still.oauth_verifier.as_deref(), Some("verifier-1"));
    assert!(
        !store
            .create_authorization_verifier("other", "alice", "verifier-1")
            .await
            .unwrap()
    );

    store
        .delete_temporary_credential("request-token")
        .await
        .unwrap();
    store
        .delete_temporary_credential("request-token")
        .await
        .unwrap(); // absent is fine
    assert_eq!(
        store
            .get_temporary_credential("request-token")
            .await
            .unwrap(),
        None
    );
    assert!(
        !store
            .create_authorization_verifier("request-token", "alice", "verifier-1")
            .await
            .unwrap()
    );
}

/// A temporary credential is gone from its `expires_at` on: not read, not authorized.
pub(crate) async fn temporary_credentials_expire(store: &impl SqlStore) {
    let expires_at = now() + 1;
    store
        .create_temporary_credential(&temporary("short-lived", expires_at))
        .await
        .unwrap();
    store
        .create_temporary_credential(&temporary("expired", now() - 1))
        .await
        .unwrap();
    assert_eq!(
        store.get_temporary_credential("expired").await.unwrap(),
        None
    );
    assert!(
        !store
            .create_authorization_verifier("expired", "alice", "v")
            .await
            .unwrap()
    );

    sleep_past(expires_at).await;
    assert_eq!(
        store.get_temporary_credential("short-lived").await.unwrap(),
        None
    );
    assert!(
        !store
            .create_authorization_verifier("short-lived", "alice", "v")
            .await
            .unwrap()
    );
}

pub(crate) async fn token_credentials(store: &impl SqlStore, backend: &str) {
    let credential = token("client-1", "access-token");
    store.create_token_credential(&credential).await.unwrap();
    assert_eq!(
        store.query_token("client-1", "access-token").await.unwrap(),
        Some(credential.clone())
    );
    // Issued to another client: not found.
    assert_eq!(
        store.query_token("client-2", "access-token").await.unwrap(),
        None
    );
    assert_eq!(store.query_token("client-1", "other").await.unwrap(), None);

    let error = store
        .create_token_credential(&credential)
        .await
        .unwrap_err();
    assert_error_names(&error, backend, "create a token credential");
}

pub(crate) async fn nonces(store: &impl SqlStore) {
    let key = nonce("n-1");
    assert!(store.insert_nonce(&key, TTL).await.unwrap());
    assert!(!store.insert_nonce(&key, TTL).await.unwrap());

    // Each part of the key makes another key.
    let others = [
        NonceKey {
            client_id: "client-2".into(),
            ..key.clone()
        },
        NonceKey {
            timestamp: key.timestamp + 1,
            ..key.clone()
        },
        NonceKey {
            nonce: "n-2".into(),
            ..key.clone()
        },
        NonceKey {
            token: Some("token-2".into()),
            ..key.clone()
        },
        NonceKey {
            token: None,
            ..key.clone()
        },
    ];
    for other in &others {
        assert!(store.insert_nonce(other, TTL).await.unwrap(), "{other:?}");
        assert!(!store.insert_nonce(other, TTL).await.unwrap(), "{other:?}");
    }
    // A request without a token and one with an empty token are the same request.
    let empty_token = NonceKey {
        token: Some(String::new()),
        ..key.clone()
    };
    assert!(!store.insert_nonce(&empty_token, TTL).await.unwrap());

    // Timestamps up to 2^63 - 1 are stored; beyond, an error naming the fix (the timestamp
    // window refuses such requests before their nonce is checked).
    let far = NonceKey {
        timestamp: i64::MAX as u64,
        ..key.clone()
    };
    assert!(store.insert_nonce(&far, TTL).await.unwrap());
    let beyond = NonceKey {
        timestamp: u64::MAX,
        ..key.clone()
    };
    let error = store.insert_nonce(&beyond, TTL).await.unwrap_err();
    assert_eq!(error.operation, "insert a nonce");
}

/// An expired nonce not purged yet does not block its key: the next insert takes it over,
/// once, even when 100 race for it.
pub(crate) async fn expired_nonces_are_taken_over_once(store: &impl SqlStore) {
    let key = nonce("short-lived");
    let recorded_at = now();
    assert!(store.insert_nonce(&key, Duration::ZERO).await.unwrap());
    sleep_past(recorded_at + 1).await;
    assert_eq!(store.count("oauth1_nonces").await, 1); // still there, expired
    assert_eq!(race(std::slice::from_ref(store), &key).await, 1);
    assert!(!store.insert_nonce(&key, TTL).await.unwrap());
}

pub(crate) async fn purge(store: &impl SqlStore) {
    let recorded_at = now();
    for n in ["expired-1", "expired-2"] {
        assert!(store.insert_nonce(&nonce(n), Duration::ZERO).await.unwrap());
    }
    assert!(store.insert_nonce(&nonce("live"), TTL).await.unwrap());
    store
        .create_temporary_credential(&temporary("expired", recorded_at))
        .await
        .unwrap();
    store
        .create_temporary_credential(&temporary("live", recorded_at + 600))
        .await
        .unwrap();
    store
        .create_token_credential(&token("client-1", "access"))
        .await
        .unwrap();
    sleep_past(recorded_at + 1).await;

    assert_eq!(store.purge_expired().await.unwrap(), 3);
    assert_eq!(store.count("oauth1_nonces").await, 1);
    assert_eq!(store.count("oauth1_temporary_credentials").await, 1);
    assert_eq!(store.count("oauth1_token_credentials").await, 1);
    assert_eq!(store.purge_expired().await.unwrap(), 0);
    assert!(!store.insert_nonce(&nonce("live"), TTL).await.unwrap());
    assert!(
        store
            .get_temporary_credential("live")
            .await
            .unwrap()
            .is_some()
    );
}

/// With no cron: inserts purge by themselves once the interval has passed.
pub(crate) async fn inserts_purge_by_themselves(store: impl SqlStore) {
    let store = store.purging_at_every_insert();
    let recorded_at = now();
    assert!(
        store
            .insert_nonce(&nonce("expired"), Duration::ZERO)
            .await
            .unwrap()
    );
    store
        .create_temporary_credential(&temporary("expired", recorded_at - 1))
        .await
        .unwrap();
    sleep_past(recorded_at + 1).await;
    assert!(store.insert_nonce(&nonce("live"), TTL).await.unwrap());
    assert_eq!(store.count("oauth1_nonces").await, 1);
    assert_eq!(store.count("oauth1_temporary_credentials").await, 0);
}

/// Sends [`RACERS`] concurrent inserts of `key`, spread over `stores` (one pool each), all
/// released at once: how many were accepted.
pub(crate) async fn race<S: SqlStore>(stores: &[S], key: &NonceKey) -> usize {
    let barrier = Arc::new(Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let store = stores[i % stores.len()].clone();
            let key = key.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                store.insert_nonce(&key, TTL).await.unwrap()
            })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        accepted += usize::from(task.await.unwrap());
    }
    accepted
}

/// 100 concurrent inserts of one key through one pool: exactly one accepted, for several keys.
pub(crate) async fn concurrent_nonces_one_pool(store: &impl SqlStore) {
    for round in 0..5 {
        let key = nonce(&format!("raced-{round}"));
        assert_eq!(race(std::slice::from_ref(store), &key).await, 1, "{key:?}");
    }
}

/// The same through two pools on one database, as two servers would.
pub(crate) async fn concurrent_nonces_two_pools<S: SqlStore>(first: S, second: S) {
    let stores = [first, second];
    for round in 0..5 {
        let key = nonce(&format!("raced-{round}"));
        assert_eq!(race(&stores, &key).await, 1, "{key:?}");
    }
}

/// The environment variable that makes a test binary's [`child_process`] test the second
/// process of [`concurrent_nonces_two_processes`]: the database URL.
pub(crate) const CHILD_DATABASE: &str = "OAUTH_COMPAT_TEST_CHILD_DATABASE";

/// Keys raced by both processes in [`concurrent_nonces_two_processes`].
const PROCESS_ROUNDS: usize = 10;

/// Races `RACERS / 2` inserts of each of the keys, all at once: how many of each were accepted.
async fn race_half<S: SqlStore>(store: &S) -> Vec<usize> {
    let tasks: Vec<Vec<_>> = (0..PROCESS_ROUNDS)
        .map(|round| {
            (0..RACERS / 2)
                .map(|_| {
                    let store = store.clone();
                    let key = nonce(&format!("two-processes-{round}"));
                    tokio::spawn(async move { store.insert_nonce(&key, TTL).await.unwrap() })
                })
                .collect()
        })
        .collect();
    let mut accepted = Vec::new();
    for round in tasks {
        let mut n = 0;
        for task in round {
            n += usize::from(task.await.unwrap());
        }
        accepted.push(n);
    }
    accepted
}

/// The second process: connects with `connect`, says it is ready, waits for "go" on stdin,
/// races its half, prints what it accepted. Does nothing when not started as the child.
pub(crate) async fn child_process<S, F>(connect: impl FnOnce(String) -> F)
where
    S: SqlStore,
    F: Future<Output = S>,
{
    let Ok(url) = std::env::var(CHILD_DATABASE) else {
        return;
    };
    let store = connect(url).await;
    println!("@@ready");
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    assert_eq!(go.trim(), "go");
    let accepted = race_half(&store).await;
    println!(
        "@@accepted {}",
        accepted
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
}

/// Two processes (this test binary, and itself started again to run `child_test` only) race
/// for the same keys on one database: each key is accepted exactly once overall.
pub(crate) async fn concurrent_nonces_two_processes(
    store: &impl SqlStore,
    url: &str,
    child_test: &str,
) {
    let mut child = SecondProcess::start(child_test, &[(CHILD_DATABASE, url)]);
    child.next("@@ready").await;
    child.send("go");
    let ours = race_half(store).await;
    let theirs: Vec<usize> = child
        .next("@@accepted ")
        .await
        .split(',')
        .map(|n| n.parse().unwrap())
        .collect();
    child.assert_success().await;
    assert_eq!(theirs.len(), PROCESS_ROUNDS);
    for round in 0..PROCESS_ROUNDS {
        assert_eq!(
            ours[round] + theirs[round],
            1,
            "key {round}: accepted {} here and {} in the second process",
            ours[round],
            theirs[round]
        );
    }
}
