//! `cargo bench --bench provider --features axum,sqlite`: protected-resource throughput on
//! loopback, the resource protector against the same handler unprotected.
//!
//! An axum server on 127.0.0.1 answers the same ~200-byte JSON object on three routes:
//! - `/open`: unprotected, the floor;
//! - `/memory`: protected by the [`OAuth1Credential`] extractor over a [`MemoryStore`];
//! - `/sqlite`: the same over a [`SqliteStore`] in a temporary file (WAL, as `connect` opens it).
//!
//! A load client in the same process (a reqwest client with keep-alive, on a runtime of its own)
//! sends `CALLS` GETs per variant per round, `CONCURRENCY` in flight, and asserts that every
//! answer is 200 with the whole body. Every request carries its own HMAC-SHA1 `Authorization`
//! header with a fresh nonce (a replay would be refused): each round's headers are signed
//! before the round is timed, so signing is not measured and timestamps stay fresh. The
//! unprotected route gets signed headers too (it ignores them), so every variant sends the same
//! bytes and the difference is only what the server does with them.
//!
//! As in `engine_paired`, the variants take turns: each round times every variant once, the
//! order rotating every round, and the figures are medians over rounds (with the interquartile
//! range) of each variant's requests per second and of its ratio to the unprotected route's in
//! the same round, which a load change between rounds does not move.
//!
//! The load client shares the machine with the server: on 2 cores, the client's own work per
//! request (about as much as the server's) is part of every variant's time, so the ratio is not
//! the server's alone. The last lines time the server's own work: the same router called in
//! process (no network, no client), one request at a time, with the same kind of requests, and
//! the difference to the unprotected route, which is what the protector adds per request.
//!
//! `PROVIDER_BENCH_ROUNDS` and `PROVIDER_BENCH_CALLS` override the round count and size;
//! `PROVIDER_BENCH_VARIANTS=memory` (or `sqlite`) runs only that one against the unprotected
//! route (for a profile of one store).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use axum::http::{HeaderValue, Method, Uri};
use axum::routing::get;
use oauth_compat::integrations::axum::OAuth1Credential;
use oauth_compat::oauth1::{ClientCredentials, Signer, TokenCredentials};
use oauth_compat::server::{Client, TokenCredential, TokenCredentialStore};
use oauth_compat::server::{ResourceProtector, ServerConfig};
use oauth_compat::store::MemoryStore;
use oauth_compat::store::SqliteStore;
use oauth_compat::{ClientSecret, TokenSecret};
use tower_service::Service;

const ME: &str = r#"{"id":6253282,"login":"alice","name":"Alice Liddell","email":"alice@example.com","scope":"profile email","created_at":"2021-11-29T21:18:15Z","verified":true,"plan":{"name":"free","seats":1,"private_repos":0}}"#;
const CONCURRENCY: usize = 16;
const VARIANTS: [&str; 3] = ["unprotected", "memory", "sqlite"];
const PATHS: [&str; 3] = ["/open", "/memory", "/sqlite"];

const CLIENT_KEY: &str = "bench-client-key";
const CLIENT_SECRET: &str = "bench-client-secret";
const TOKEN: &str = "bench-token-0123456789abcdefghijklmnopqrstu";
const TOKEN_SECRET: &str = "bench-token-secret-0123456789abcdefghijklmnopqr";

fn main() {
    let rounds = env_usize("PROVIDER_BENCH_ROUNDS", 30);
    let calls = env_usize("PROVIDER_BENCH_CALLS", 2000);
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("server")
        .build()
        .expect("server runtime");
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("load")
        .build()
        .expect("load runtime");
    let db = TempDir::new();
    let (base, memory, app) = server_rt.block_on(serve(&db));

    let signer = Signer::builder(ClientCredentials::new(CLIENT_KEY, CLIENT_SECRET))
        .token(TokenCredentials::new(TOKEN, TOKEN_SECRET))
        .build()
        .expect("signer");
    let urls: Vec<String> = PATHS.iter().map(|path| format!("{base}{path}")).collect();
    let uris: Vec<Uri> = urls.iter().map(|url| url.parse().unwrap()).collect();
    let sign = |variant: usize, n: usize| -> Vec<HeaderValue> {
        (0..n)
            .map(|_| {
                let header = signer
                    .authorization_header(&Method::GET, &uris[variant], &[])
                    .expect("sign");
                HeaderValue::try_from(header).expect("header value")
            })
            .collect()
    };
    let http = oauth_compat::reqwest::Client::new();
    let run = |variant: usize, headers: Vec<HeaderValue>| -> Duration {
        client_rt.block_on(load(&http, &urls[variant], headers))
    };

    client_rt.block_on(check_protection(&http, &urls, &sign));
    let variants = selected_variants();
    for &variant in &variants {
        run(variant, sign(variant, calls)); // warm up connections, pools and caches
    }

    // rates[v]: variant v's requests per second in each round; ratios[v]: over the
    // unprotected route's in the same round.
    let mut rates = vec![Vec::new(); VARIANTS.len()];
    let mut ratios = vec![Vec::new(); VARIANTS.len()];
    for round in 0..rounds {
        let mut headers: Vec<Option<Vec<HeaderValue>>> = (0..VARIANTS.len())
            .map(|variant| variants.contains(&variant).then(|| sign(variant, calls)))
            .collect();
        let mut rate = vec![0.0; VARIANTS.len()];
        for step in 0..variants.len() {
            let variant = variants[(round + step) % variants.len()];
            let took = run(variant, headers[variant].take().unwrap());
            rate[variant] = calls as f64 / took.as_secs_f64();
        }
        for &variant in &variants {
            rates[variant].push(rate[variant]);
            ratios[variant].push(rate[variant] / rate[0]);
        }
    }
    if variants.contains(&1) {
        // Every request to the memory route recorded its nonce: none went through unchecked.
        assert_eq!(memory.nonce_count(), (rounds + 1) * calls + 1, "nonces");
    }

    println!(
        "{rounds} rounds x {calls} GETs per variant, {CONCURRENCY} in flight, order rotating each round"
    );
    for &variant in &variants {
        let [q1, median, q3] = quartiles(&mut rates[variant]);
        println!(
            "{:>22}: {median:8.0} req/s (IQR {q1:.0}-{q3:.0})",
            VARIANTS[variant]
        );
    }
    for &variant in &variants[1..] {
        let [q1, median, q3] = quartiles(&mut ratios[variant]);
        let name = format!("{} / {}", VARIANTS[variant], VARIANTS[0]);
        println!("{name:>22}: {median:8.3} (IQR {q1:.3}-{q3:.3})");
    }
    let per_request = server_rt.block_on(in_process(&app, &uris, &variants, rounds, calls, &sign));
    println!(
        "{rounds} rounds x {calls} requests per variant through the router in process, one at a time (no network):"
    );
    for &variant in &variants {
        let extra = per_request[variant] - per_request[0];
        let extra = if variant == 0 {
            String::new()
        } else {
            format!(" (the protector: +{extra:.2} µs)")
        };
        println!(
            "{:>22}: {:8.2} µs per request{extra}",
            VARIANTS[variant], per_request[variant]
        );
    }
}

/// Starts the server and returns its base URL, the memory store and the router.
async fn serve(db: &TempDir) -> (String, Arc<MemoryStore>, Router) {
    let client = Client {
        client_id: CLIENT_KEY.into(),
        client_secret: ClientSecret::new(CLIENT_SECRET),
        rsa_public_key: None,
        default_redirect_uri: None,
    };
    let token = TokenCredential {
        client_id: CLIENT_KEY.into(),
        oauth_token: TOKEN.into(),
        oauth_token_secret: TokenSecret::new(TOKEN_SECRET),
        user_id: "alice".into(),
    };
    let memory = Arc::new(MemoryStore::new());
    memory.add_client(client.clone());
    memory.add_token(token.clone());
    let sqlite = SqliteStore::connect(&db.url()).await.expect("sqlite");
    sqlite.add_client(client).await.expect("sqlite client");
    sqlite
        .create_token_credential(&token)
        .await
        .expect("sqlite token");

    let config = ServerConfig::default();
    let memory_protector = ResourceProtector::from_store(memory.clone(), config.clone());
    let sqlite_protector = ResourceProtector::from_store(Arc::new(sqlite), config);
    let me = || async { ([(CONTENT_TYPE, "application/json")], ME) };
    let protected = async |credential: OAuth1Credential| {
        std::hint::black_box(credential);
        ([(CONTENT_TYPE, "application/json")], ME)
    };
    let app = Router::new()
        .route(PATHS[0], get(me))
        .merge(
            Router::new()
                .route(PATHS[1], get(protected))
                .with_state(memory_protector),
        )
        .merge(
            Router::new()
                .route(PATHS[2], get(protected))
                .with_state(sqlite_protector),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let serving = app.clone();
    tokio::spawn(async move { axum::serve(listener, serving).await.expect("serve") });
    (base, memory, app)
}

/// Sends one GET per header, `CONCURRENCY` at a time, and returns how long they all took.
async fn load(
    http: &oauth_compat::reqwest::Client,
    url: &str,
    headers: Vec<HeaderValue>,
) -> Duration {
    let mut lanes: Vec<Vec<HeaderValue>> = vec![Vec::new(); CONCURRENCY];
    for (i, header) in headers.into_iter().enumerate() {
        lanes[i % CONCURRENCY].push(header);
    }
    let started = Instant::now();
    let tasks: Vec<_> = lanes
        .into_iter()
        .map(|lane| {
            let (http, url) = (http.clone(), url.to_owned());
            tokio::spawn(async move {
                for header in lane {
                    let resp = http
                        .get(&url)
                        .header(AUTHORIZATION, header)
                        .send()
                        .await
                        .expect("send");
                    let status = resp.status();
                    let body = resp.bytes().await.expect("body");
                    assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
                    assert_eq!(body.len(), ME.len(), "{url}: the whole body");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("load task");
    }
    started.elapsed()
}

/// The protected routes refuse a replayed nonce and an unsigned request: they really check.
async fn check_protection(
    http: &oauth_compat::reqwest::Client,
    urls: &[String],
    sign: &impl Fn(usize, usize) -> Vec<HeaderValue>,
) {
    for (variant, url) in urls.iter().enumerate().skip(1) {
        let header = sign(variant, 1).remove(0);
        for expected in [200, 401] {
            let resp = http
                .get(url)
                .header(AUTHORIZATION, header.clone())
                .send()
                .await
                .expect("send");
            assert_eq!(resp.status(), expected, "{url}: a replay");
        }
        let resp = http.get(url).send().await.expect("send");
        // Authlib's answer to missing protocol parameters.
        assert_eq!(resp.status(), 400, "{url}: unsigned");
    }
}

/// The median over `rounds` (taking turns) of the time per request the router takes to answer
/// `calls` distinct signed GETs in process, one after another, for each variant (in µs).
async fn in_process(
    app: &Router,
    uris: &[Uri],
    variants: &[usize],
    rounds: usize,
    calls: usize,
    sign: &impl Fn(usize, usize) -> Vec<HeaderValue>,
) -> Vec<f64> {
    let host = uris[0].authority().unwrap().as_str().to_owned();
    let requests = |variant: usize| -> Vec<axum::extract::Request> {
        sign(variant, calls)
            .into_iter()
            .map(|header| {
                http::Request::get(PATHS[variant])
                    .header(HOST, &host)
                    .header(AUTHORIZATION, header)
                    .body(axum::body::Body::empty())
                    .unwrap()
            })
            .collect()
    };
    let mut times = vec![Vec::new(); VARIANTS.len()];
    for round in 0..=rounds {
        for step in 0..variants.len() {
            let variant = variants[(round + step) % variants.len()];
            let requests = requests(variant);
            let started = Instant::now();
            for req in requests {
                let resp = app.clone().call(req).await.unwrap();
                assert_eq!(resp.status(), 200, "in process: {}", PATHS[variant]);
                std::hint::black_box(resp);
            }
            if round > 0 {
                // (round 0 warms up)
                times[variant].push(started.elapsed().as_secs_f64() * 1e6 / calls as f64);
            }
        }
    }
    times
        .iter_mut()
        .map(|values| {
            if values.is_empty() {
                f64::NAN
            } else {
                quartiles(values)[1]
            }
        })
        .collect()
}

/// The variants `PROVIDER_BENCH_VARIANTS` names (comma-separated; default all), the unprotected
/// one always first: the ratios need it.
fn selected_variants() -> Vec<usize> {
    let names = std::env::var("PROVIDER_BENCH_VARIANTS").unwrap_or_default();
    let names: Vec<&str> = names.split(',').map(str::trim).collect();
    let mut variants = vec![0];
    for (variant, name) in VARIANTS.iter().enumerate().skip(1) {
        if names == [""] || names.contains(name) {
            variants.push(variant);
        }
    }
    variants
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).map_or(default, |value| {
        value.parse().unwrap_or_else(|_| panic!("{name}: a number"))
    })
}

fn quartiles(values: &mut [f64]) -> [f64; 3] {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    [at(0.25), at(0.5), at(0.75)]
}

/// A directory of its own under the system's temp dir for the SQLite file, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("oauth-compat-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("provider.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
