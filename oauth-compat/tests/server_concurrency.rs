//! Nonces are single-use under concurrency: the same signed request validated 100 times at
//! once on a multi-thread runtime is accepted exactly once, and a temporary credential is
//! exchanged at most once even when requests race.

mod support;

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use oauth_compat::oauth1::SignatureType;
use oauth_compat::server::{
    AuthorizationServer, BoxFuture, OAuth1Error, ServerConfig, StoreError, TemporaryCredential,
    TemporaryCredentialStore,
};
use support::server::*;

const BASE: &str = "http://provider.example";

async fn replay_100_times(backend: Backend) {
    let p = provider(backend, ServerConfig::default());
    let token = token_credentials(&p, BASE, "HMAC-SHA1", SignatureType::Header).await;
    let req = Arc::new(resource_request(
        BASE,
        "HMAC-SHA1",
        SignatureType::Header,
        &token,
    ));
    let protector = Arc::new(p.protector.clone());
    let barrier = Arc::new(tokio::sync::Barrier::new(100));
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (protector, req, barrier) = (protector.clone(), req.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            protector.validate_request(&req).await
        }));
    }
    let (mut accepted, mut replays) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(credential) => {
                assert_eq!(credential.user_id(), USER);
                accepted += 1;
            }
            Err(OAuth1Error::InvalidNonce) => replays += 1,
            Err(other) => panic!("{backend:?}: {other}"),
        }
    }
    assert_eq!((accepted, replays), (1, 99), "{backend:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_request_100_times_at_once_is_accepted_once_memory_store() {
    replay_100_times(Backend::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_request_100_times_at_once_is_accepted_once_cache_store() {
    replay_100_times(Backend::Cache).await;
}

/// Delegates, but takes a while to read: every racing request reads the credential before any
/// deletes it, so only an atomic guard can keep the exchange single.
struct SlowReads(Arc<dyn TemporaryCredentialStore>);

impl TemporaryCredentialStore for SlowReads {
    fn create_temporary_credential<'a>(
        &'a self,
        credential: &'a TemporaryCredential,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.0.create_temporary_credential(credential)
    }

    fn get_temporary_credential<'a>(
        &'a self,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<Option<TemporaryCredential>, StoreError>> {
        Box::pin(async move {
            let found = self.0.get_temporary_credential(oauth_token).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            found
        })
    }

    fn delete_temporary_credential<'a>(
        &'a self,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.0.delete_temporary_credential(oauth_token)
    }

    fn create_authorization_verifier<'a>(
        &'a self,
        oauth_token: &'a str,
        user_id: &'a str,
        verifier: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.0
            .create_authorization_verifier(oauth_token, user_id, verifier)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_token_requests_exchange_a_temporary_credential_once() {
    for backend in BACKENDS {
        let mut p = provider(backend, ServerConfig::default());
        p.server = AuthorizationServer::new(
            p.db.clone(),
            Arc::new(SlowReads(p.temporary.clone())),
            p.db.clone(),
            p.nonces.clone(),
            ServerConfig::default(),
        );
        let p = Arc::new(p);
        let temporary = credentials(
            &initiate(
                &p,
                BASE,
                signer("HMAC-SHA1", SignatureType::Header),
                CALLBACK,
            )
            .await,
        );
        let verifier = verifier_of(&authorize(&p, BASE, &temporary.token, Some(USER)).await);
        // Twenty distinct, validly signed token requests (each its own nonce).
        let requests: Vec<_> = (0..20)
            .map(|_| {
                origin_form(sign(
                    signer("HMAC-SHA1", SignatureType::Header)
                        .token(temporary.clone())
                        .verifier(verifier.clone()),
                    request(Method::POST, &format!("{BASE}/token"), Some("")),
                ))
            })
            .collect();
        let barrier = Arc::new(tokio::sync::Barrier::new(requests.len()));
        let mut tasks = Vec::new();
        for req in requests {
            let (p, barrier) = (p.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                p.server.create_token_response(&req).await.status().as_u16()
            }));
        }
        let mut issued = 0;
        for task in tasks {
            let status = task.await.unwrap();
            assert!(status == 200 || status == 401, "{status}");
            issued += usize::from(status == 200);
        }
        assert_eq!(issued, 1, "{backend:?}");
    }
}
