//! `cargo bench --bench engine`: one API call through the engine against a bare reqwest GET.
//!
//! An axum server on 127.0.0.1 answers `GET /api/me` with a ~200-byte JSON object. Ids in group
//! `engine`, each one GET driven by `block_on` on the same multi-thread runtime, over the same
//! `reqwest::Client` (so the same connection pool):
//! - `bare_reqwest`: `client.get(url).send()`, then `.bytes()`: the floor.
//! - `bare_reqwest_json`: the same, then `serde_json::from_slice::<Value>`: the floor for a
//!   call that decodes its answer, as the engine's do.
//! - `oauth2_engine`: `OAuth2Client::get("me").token(bearer).send()`: URL join, bearer header,
//!   hooks, transport check, span, bounded body read, JSON decode.
//! - `oauth1_engine`: the same through `OAuth1Client`, signed with HMAC-SHA1 in the header.
//!
//! The gap to `bare_reqwest_json` is what the engine adds to a loopback round trip; decoding
//! ~200 bytes of JSON costs several microseconds here, far more than in a hot loop, because
//! each decode runs on caches the network stack has just walked over.

use std::hint::black_box;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use oauth_compat::Engine;
use oauth_compat::oauth1::ClientCredentials;
use oauth_compat::oauth2::Token;
use oauth_compat::{OAuth1Client, OAuth2Client};
use tokio::runtime::Runtime;

const ME: &str = r#"{"id":6253282,"login":"alice","name":"Alice Liddell","email":"alice@example.com","scope":"profile email","created_at":"2021-11-29T21:18:15Z","verified":true,"plan":{"name":"free","seats":1,"private_repos":0}}"#;

/// Starts the server on `rt` and returns its base URL.
fn serve(rt: &Runtime) -> String {
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().route(
            "/api/me",
            get(|| async { ([(CONTENT_TYPE, "application/json")], ME) }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        base
    })
}

fn engine(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let base = serve(&rt);
    let url = format!("{base}/api/me");
    let http = oauth_compat::reqwest::Client::new();
    let engine = Engine::builder()
        .client(http.clone())
        .build()
        .expect("engine");

    let oauth2 = OAuth2Client::builder("bench-client")
        .api_base_url(format!("{base}/api/"))
        .engine(engine.clone())
        .build()
        .expect("OAuth 2 client");
    let bearer = Token::bearer("a-42-character-access-token-0123456789abcd");

    let oauth1 = OAuth1Client::builder(ClientCredentials::new("bench-key", "bench-secret"))
        .signature_method("HMAC-SHA1")
        .api_base_url(format!("{base}/api/"))
        .engine(engine)
        .build()
        .expect("OAuth 1 client");
    let token_credentials = Token::oauth1("bench-token", "bench-token-secret");

    // Every id must see the same answer, or it measures something else.
    let check = rt.block_on(async {
        let bare = http.get(&url).send().await.unwrap().bytes().await.unwrap();
        let o2 = oauth2.get("me").token(bearer.clone()).send().await.unwrap();
        let o1 = oauth1
            .get("me")
            .token(token_credentials.clone())
            .send()
            .await
            .unwrap();
        (bare, o2, o1)
    });
    assert_eq!(&check.0[..], ME.as_bytes());
    assert_eq!(check.1.data["login"], "alice");
    assert_eq!(check.2.data["login"], "alice");

    let mut group = c.benchmark_group("engine");
    group.bench_function("bare_reqwest", |b| {
        b.iter(|| {
            rt.block_on(async {
                let resp = http.get(&url).send().await.unwrap();
                black_box(resp.bytes().await.unwrap())
            })
        });
    });
    group.bench_function("bare_reqwest_json", |b| {
        b.iter(|| {
            rt.block_on(async {
                let resp = http.get(&url).send().await.unwrap();
                let body = resp.bytes().await.unwrap();
                black_box(serde_json::from_slice::<serde_json::Value>(&body).unwrap())
            })
        });
    });
    group.bench_function("oauth2_engine", |b| {
        b.iter(|| {
            rt.block_on(async {
                let resp = oauth2.get("me").token(bearer.clone()).send().await;
                black_box(resp.unwrap())
            })
        });
    });
    group.bench_function("oauth1_engine", |b| {
        b.iter(|| {
            rt.block_on(async {
                let resp = oauth1
                    .get("me")
                    .token(token_credentials.clone())
                    .send()
                    .await;
                black_box(resp.unwrap())
            })
        });
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
