//! `cargo bench --bench engine_paired`: the engine's overhead as a ratio, immune to load drift.
//!
//! Criterion (`--bench engine`) measures one id after another, so on a shared 2-core machine a
//! load change between ids moves their ratio by more than the overhead being measured. Here the
//! variants take turns: each round times `CALLS` calls of each variant back to back, the order
//! rotating every round, and the figure is the median over rounds of each variant's time
//! divided by the bare call's time in the same round (with the interquartile range).
//!
//! Variants (one GET of a ~200-byte JSON object from an axum server on 127.0.0.1, all over the
//! same `reqwest::Client`): `bare_json` (reqwest, `.bytes()`, `serde_json` into a `Value`),
//! `oauth2` (`OAuth2Client::get(..).token(..).send()`), `oauth1` (`OAuth1Client`, HMAC-SHA1
//! in the header).

use std::time::{Duration, Instant};

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use oauth_compat::Engine;
use oauth_compat::oauth1::ClientCredentials;
use oauth_compat::oauth2::Token;
use oauth_compat::{OAuth1Client, OAuth2Client};

const ME: &str = r#"{"id":6253282,"login":"alice","name":"Alice Liddell","email":"alice@example.com","scope":"profile email","created_at":"2021-11-29T21:18:15Z","verified":true,"plan":{"name":"free","seats":1,"private_repos":0}}"#;
const ROUNDS: usize = 150;
const CALLS: usize = 200;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let base = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().route(
            "/api/me",
            get(|| async { ([(CONTENT_TYPE, "application/json")], ME) }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        base
    });
    let url = format!("{base}/api/me");
    let http = oauth_compat::reqwest::Client::new();
    let engine = Engine::builder().client(http.clone()).build().unwrap();
    let oauth2 = OAuth2Client::builder("bench-client")
        .api_base_url(format!("{base}/api/"))
        .engine(engine.clone())
        .build()
        .unwrap();
    let bearer = Token::bearer("a-42-character-access-token-0123456789abcd");
    let oauth1 = OAuth1Client::builder(ClientCredentials::new("bench-key", "bench-secret"))
        .api_base_url(format!("{base}/api/"))
        .engine(engine)
        .build()
        .unwrap();
    let credentials = Token::oauth1("bench-token", "bench-token-secret");

    let time = |variant: usize| -> Duration {
        rt.block_on(async {
            let started = Instant::now();
            for _ in 0..CALLS {
                match variant {
                    0 => {
                        let body = http.get(&url).send().await.unwrap().bytes().await.unwrap();
                        std::hint::black_box(
                            serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
                        );
                    }
                    1 => {
                        let resp = oauth2.get("me").token(bearer.clone()).send().await;
                        assert_eq!(std::hint::black_box(resp.unwrap()).status, 200);
                    }
                    _ => {
                        let resp = oauth1.get("me").token(credentials.clone()).send().await;
                        assert_eq!(std::hint::black_box(resp.unwrap()).status, 200);
                    }
                }
            }
            started.elapsed()
        })
    };
    for variant in 0..3 {
        time(variant); // warm up pools and caches
    }
    let mut per_call = [Vec::new(), Vec::new(), Vec::new()];
    let mut ratios = [Vec::new(), Vec::new()];
    for round in 0..ROUNDS {
        let mut took = [Duration::ZERO; 3];
        for step in 0..3 {
            let variant = (round + step) % 3;
            took[variant] = time(variant);
        }
        for variant in 0..3 {
            per_call[variant].push(took[variant].as_secs_f64() * 1e6 / CALLS as f64);
        }
        ratios[0].push(took[1].as_secs_f64() / took[0].as_secs_f64());
        ratios[1].push(took[2].as_secs_f64() / took[0].as_secs_f64());
    }
    println!("{ROUNDS} rounds x {CALLS} calls per variant, order rotating each round");
    for (name, values) in ["bare_json", "oauth2", "oauth1"].iter().zip(&mut per_call) {
        let [q1, median, q3] = quartiles(values);
        println!("{name:>10}: {median:6.1} µs per call (IQR {q1:.1}-{q3:.1})");
    }
    for (name, values) in ["oauth2 / bare_json", "oauth1 / bare_json"]
        .iter()
        .zip(&mut ratios)
    {
        let [q1, median, q3] = quartiles(values);
        println!("{name:>18}: {median:.3} (IQR {q1:.3}-{q3:.3})");
    }
}

fn quartiles(values: &mut [f64]) -> [f64; 3] {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    [at(0.25), at(0.5), at(0.75)]
}
