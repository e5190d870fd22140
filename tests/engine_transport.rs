//! The engine against the network going wrong: plain HTTP to a remote host, slow providers,
//! oversized bodies, error pages, malformed JSON and closed ports.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{MethodRouter, any};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use loopback::Provider;
use oauth_compat::MapEnv;
use oauth_compat::oauth2::{self, Token};
use oauth_compat::{DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, EngineBuilder, EngineError};
use oauth_compat::{Engine, Error, OAuthResponse, reqwest, response};
use oauth_compat::{OAuth2Client, TokenGrant};
use support::loopback;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// A route answering any method with `status`, `content_type` and `body`.
fn reply(status: u16, content_type: &'static str, body: impl Into<String>) -> MethodRouter {
    let body = body.into();
    any(move || {
        let body = body.clone();
        async move {
            (
                StatusCode::from_u16(status).unwrap(),
                [(CONTENT_TYPE, content_type)],
                body,
            )
        }
    })
}

/// A provider whose `/api/me` answers `{"name": "alice"}`.
async fn provider() -> Provider {
    loopback::serve(Router::new().route(
        "/api/me",
        reply(200, "application/json", r#"{"name":"alice"}"#),
    ))
    .await
}

/// A client holding `at-1` that sends through `engine`.
fn client(engine: Engine) -> OAuth2Client {
    OAuth2Client::builder("cid")
        .client_secret("csecret")
        .token(Token::bearer("at-1"))
        .engine(engine)
        .build()
        .unwrap()
}

async fn get(engine: Engine, url: &str) -> Result<OAuthResponse, Error> {
    client(engine).get(url).send().await
}

// ---- Redirects -----------------------------------------------------------------------------

/// A token endpoint answering 307 to `location` (a 307 makes clients resend the form body,
/// client secret included), and a second token endpoint on the same loopback provider.
async fn redirecting_provider(location: &'static str) -> Provider {
    loopback::serve(
        Router::new()
            .route(
                "/token",
                any(move || async move { (StatusCode::TEMPORARY_REDIRECT, [("location", location)]) }),
            )
            .route(
                "/token2",
                reply(200, "application/json", r#"{"access_token":"at-2","token_type":"Bearer"}"#),
            ),
    )
    .await
}

#[tokio::test]
async fn the_engines_own_client_refuses_a_redirect_to_plain_http() {
    let provider = redirecting_provider("http://example.invalid/steal").await;
    let engine = Engine::builder().env(MapEnv::new()).build().unwrap();
    let client = OAuth2Client::builder("cid")
        .client_secret("csecret")
        .token_endpoint_auth_method(oauth2::ClientAuthMethod::ClientSecretPost)
        .access_token_url(provider.url("/token"))
        .engine(engine)
        .build()
        .unwrap();
    let err = client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap_err();
    assert!(
        matches!(err.underlying(), Error::Engine(EngineError::InsecureTransport { url }) if url == "http://example.invalid/steal"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_engines_own_client_follows_a_redirect_that_stays_secure() {
    let provider = redirecting_provider("/token2").await;
    let engine = Engine::builder().env(MapEnv::new()).build().unwrap();
    let client = OAuth2Client::builder("cid")
        .client_secret("csecret")
        .access_token_url(provider.url("/token"))
        .engine(engine)
        .build()
        .unwrap();
    let token = client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-2");
    assert_eq!(
        provider.last("/token2").body_str(),
        "grant_type=client_credentials"
    );
}

// ---- Plain HTTP to a remote host -----------------------------------------------------------

/// An engine builder whose reqwest client resolves `provider.test` to `provider`'s loopback
/// address, so `http://provider.test:PORT/` reaches it under a name that is not loopback.
fn named(provider: &Provider) -> EngineBuilder {
    let addr = SocketAddr::from(([127, 0, 0, 1], provider.port));
    let client = reqwest::Client::builder()
        .resolve("provider.test", addr)
        .build()
        .unwrap();
    Engine::builder()
        .client(client)
        .timeout(Duration::from_secs(10))
}

fn remote_url(provider: &Provider) -> String {
    format!("http://provider.test:{}/api/me", provider.port)
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_anything_is_sent() {
    let provider = provider().await;
    let engine = named(&provider).env(MapEnv::new()).build().unwrap();
    let url = format!("{}?access_token=SECRET", remote_url(&provider));
    let err = get(engine, &url).await.unwrap_err();
    let Error::Engine(EngineError::InsecureTransport { url: named }) = err.underlying() else {
        panic!("expected InsecureTransport, got {err:?}");
    };
    assert_eq!(*named, remote_url(&provider));
    let message = err.to_string();
    assert!(message.contains("AUTHLIB_INSECURE_TRANSPORT"), "{message}");
    assert!(!message.contains("SECRET"), "{message}");
    assert!(!format!("{err:?}").contains("SECRET"));
    assert!(provider.seen().is_empty());
}

#[tokio::test]
async fn authlib_insecure_transport_allows_plain_http() {
    let provider = provider().await;
    let env = MapEnv::new().set("AUTHLIB_INSECURE_TRANSPORT", "1");
    let engine = named(&provider).env(env).build().unwrap();
    let resp = get(engine, &remote_url(&provider)).await.unwrap();
    assert_eq!(resp.data["name"], "alice");
    assert_eq!(provider.seen().len(), 1);
    assert_eq!(
        provider.last("/api/me").header("host"),
        Some(format!("provider.test:{}", provider.port).as_str())
    );
}

#[tokio::test]
async fn oauthlib_insecure_transport_allows_plain_http() {
    let provider = provider().await;
    let env = MapEnv::new().set("OAUTHLIB_INSECURE_TRANSPORT", "1");
    let engine = named(&provider).env(env).build().unwrap();
    assert_eq!(
        get(engine, &remote_url(&provider)).await.unwrap().status,
        200
    );
}

#[tokio::test]
async fn insecure_transport_variable_set_empty_still_refuses() {
    let provider = provider().await;
    let env = MapEnv::new()
        .set("AUTHLIB_INSECURE_TRANSPORT", "")
        .set("OAUTHLIB_INSECURE_TRANSPORT", "");
    let engine = named(&provider).env(env).build().unwrap();
    let result = get(engine, &remote_url(&provider)).await;
    assert!(
        matches!(
            result.as_ref().map_err(Error::underlying),
            Err(Error::Engine(EngineError::InsecureTransport { .. }))
        ),
        "{result:?}"
    );
    assert!(provider.seen().is_empty());
}

#[tokio::test]
async fn insecure_transport_builder_override_allows_plain_http_whatever_the_env() {
    let provider = provider().await;
    let engine = named(&provider)
        .env(MapEnv::new())
        .insecure_transport(true)
        .build()
        .unwrap();
    assert_eq!(
        get(engine, &remote_url(&provider)).await.unwrap().status,
        200
    );
}

#[tokio::test]
async fn insecure_transport_false_still_allows_loopback_and_localhost() {
    let provider = provider().await;
    let env = MapEnv::new().set("AUTHLIB_INSECURE_TRANSPORT", "1");
    let engine = Engine::builder()
        .env(env)
        .insecure_transport(false)
        .build()
        .unwrap();
    assert!(!engine.insecure_transport());
    let loopback = provider.url("/api/me");
    let localhost = format!("http://localhost:{}/api/me", provider.port);
    for url in [&loopback, &localhost] {
        let resp = get(engine.clone(), url).await.unwrap();
        assert_eq!(resp.status, 200, "{url}");
    }
    assert_eq!(provider.seen().len(), 2);
    // And a remote name is refused even though the environment would allow it.
    let refused = named(&provider)
        .env(MapEnv::new().set("AUTHLIB_INSECURE_TRANSPORT", "1"))
        .insecure_transport(false)
        .build()
        .unwrap();
    assert!(get(refused, &remote_url(&provider)).await.is_err());
    assert_eq!(provider.seen().len(), 2);
}

// ---- Timeouts ------------------------------------------------------------------------------

/// A provider whose `/api/me` answers after three seconds.
async fn slow_provider() -> Provider {
    loopback::serve(Router::new().route(
        "/api/me",
        any(|| async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            "late"
        }),
    ))
    .await
}

#[tokio::test]
async fn engine_timeout_stops_a_slow_provider() {
    let provider = slow_provider().await;
    let engine = Engine::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = get(engine, &provider.url("/api/me?access_token=SECRET"))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let Error::Engine(EngineError::Timeout { method, url, after }) = err.underlying() else {
        panic!("expected a timeout, got {err:?}");
    };
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(method, "GET");
    assert_eq!(*url, provider.url("/api/me"));
    assert_eq!(*after, Some(Duration::from_millis(200)));
    assert!(!err.to_string().contains("SECRET"), "{err}");
    assert!(err.to_string().contains("timed out after 200ms;"), "{err}");
}

#[tokio::test]
async fn a_user_supplied_clients_timeout_applies_when_the_engine_sets_none() {
    let provider = slow_provider().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let engine = Engine::builder().client(client).build().unwrap();
    assert_eq!(engine.timeout(), None);
    let started = Instant::now();
    let err = get(engine, &provider.url("/api/me")).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            err.underlying(),
            Error::Engine(EngineError::Timeout { after: None, .. })
        ),
        "{err:?}"
    );
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

// ---- The response size bound ---------------------------------------------------------------

const LIMIT: usize = 1024;

fn bounded() -> Engine {
    Engine::builder().max_response_bytes(LIMIT).build().unwrap()
}

/// A provider whose `/big` answers 2 KiB and `/exact` exactly the limit, both with
/// Content-Length.
async fn sized_provider() -> Provider {
    loopback::serve(
        Router::new()
            .route("/big", reply(200, "text/plain", "x".repeat(2 * LIMIT)))
            .route("/exact", reply(200, "text/plain", "x".repeat(LIMIT))),
    )
    .await
}

fn assert_too_large(result: Result<OAuthResponse, Error>) {
    assert!(
        matches!(
            result.as_ref().map_err(Error::underlying),
            Err(Error::Engine(EngineError::ResponseTooLarge {
                limit: LIMIT,
                ..
            }))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn body_over_the_limit_with_content_length_is_refused() {
    let provider = sized_provider().await;
    assert_too_large(get(bounded(), &provider.url("/big")).await);
}

#[tokio::test]
async fn body_exactly_at_the_limit_is_read() {
    let provider = sized_provider().await;
    let resp = get(bounded(), &provider.url("/exact")).await.unwrap();
    assert_eq!(resp.raw_data.len(), LIMIT);
}

/// A raw HTTP/1.1 server on 127.0.0.1 that answers every request with a chunked body (no
/// Content-Length) of `chunks` chunks of `chunk_size` bytes.
async fn chunked_server(chunks: usize, chunk_size: usize) -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                // Read the request head (the engine's GET has no body).
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let mut response = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
                    Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    .to_vec();
                for _ in 0..chunks {
                    response.extend_from_slice(format!("{chunk_size:x}\r\n").as_bytes());
                    response.extend(std::iter::repeat_n(b'x', chunk_size));
                    response.extend_from_slice(b"\r\n");
                }
                response.extend_from_slice(b"0\r\n\r\n");
                // The client may hang up once it has read enough.
                let _ = stream.write_all(&response).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (port, task)
}

#[tokio::test]
async fn streamed_body_over_the_limit_is_refused() {
    let (port, server) = chunked_server(4, 512).await;
    let result = get(bounded(), &format!("http://127.0.0.1:{port}/stream")).await;
    server.abort();
    assert_too_large(result);
}

#[tokio::test]
async fn streamed_body_exactly_at_the_limit_is_read() {
    let (port, server) = chunked_server(2, 512).await;
    let resp = get(bounded(), &format!("http://127.0.0.1:{port}/stream"))
        .await
        .unwrap();
    server.abort();
    assert!(resp.headers.get("content-length").is_none());
    assert_eq!(resp.raw_data, vec![b'x'; LIMIT]);
}

// ---- Misbehaving providers -----------------------------------------------------------------

const ERROR_PAGE: &str = "<html><body><h1>500 Internal Server Error</h1></body></html>";

#[tokio::test]
async fn api_500_with_html_is_a_response_and_raise_for_status_makes_it_an_error() {
    let provider = loopback::serve(Router::new().route(
        "/api/me",
        reply(500, "text/html; charset=utf-8", ERROR_PAGE),
    ))
    .await;
    let resp = get(Engine::new().unwrap(), &provider.url("/api/me"))
        .await
        .unwrap();
    assert_eq!(resp.status, 500);
    assert_eq!(resp.text(), ERROR_PAGE);
    assert_eq!(resp.raw_data, ERROR_PAGE.as_bytes());
    let Err(response::DecodeError::Status {
        status,
        class,
        body,
    }) = resp.raise_for_status()
    else {
        panic!("a 500 is an error for raise_for_status");
    };
    assert_eq!(
        (status, class),
        (StatusCode::INTERNAL_SERVER_ERROR, "server")
    );
    assert_eq!(&body[..], ERROR_PAGE.as_bytes());
}

#[tokio::test]
async fn malformed_json_is_a_response_error_keeping_the_body() {
    let body = r#"{"name": "alice", "#;
    let provider =
        loopback::serve(Router::new().route("/api/me", reply(200, "application/json", body))).await;
    let err = get(Engine::new().unwrap(), &provider.url("/api/me"))
        .await
        .unwrap_err();
    let Error::Response(inner @ response::DecodeError::Malformed { format, .. }) = err.underlying()
    else {
        panic!("expected a malformed body, got {err:?}");
    };
    assert_eq!(*format, response::Format::Json);
    assert_eq!(inner.body(), Some(body.as_bytes()));
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_naming_method_and_url_without_query() {
    // A port that was free a moment ago and has nothing listening now.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/api/me?access_token=SECRET");
    let err = client(Engine::new().unwrap())
        .post(&url)
        .send()
        .await
        .unwrap_err();
    let Error::Engine(EngineError::Transport {
        method, url: named, ..
    }) = err.underlying()
    else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(method, "POST");
    assert_eq!(*named, format!("http://127.0.0.1:{port}/api/me"));
    let message = err.to_string();
    assert!(
        message.contains(&format!("POST `http://127.0.0.1:{port}/api/me`")),
        "{message}"
    );
    // Nowhere in the chain of causes, nor in Debug.
    let mut cause: Option<&dyn std::error::Error> = Some(&err);
    while let Some(e) = cause {
        assert!(!e.to_string().contains("SECRET"), "{e}");
        cause = e.source();
    }
    assert!(!format!("{err:?}").contains("SECRET"));
}

#[tokio::test]
async fn token_endpoint_500_with_a_cut_json_body_is_an_http_status_error() {
    let body = r#"{"error": "server_err"#;
    let provider =
        loopback::serve(Router::new().route("/token", reply(500, "application/json", body))).await;
    let client = OAuth2Client::builder("cid")
        .client_secret("csecret")
        .access_token_url(provider.url("/token"))
        .engine(Engine::new().unwrap())
        .build()
        .unwrap();
    let err = client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap_err();
    let Error::OAuth2(oauth2::OAuth2Error::HttpStatus { status, body: kept }) = err.underlying()
    else {
        panic!("expected an HTTP status error, got {err:?}");
    };
    assert_eq!(*status, 500);
    assert_eq!(&kept[..], body.as_bytes());
    assert_eq!(provider.seen().len(), 1);
}

// ---- Defaults ------------------------------------------------------------------------------

#[test]
fn engine_new_has_the_default_timeout_and_size_bound() {
    let engine = Engine::new().unwrap();
    assert_eq!(engine.timeout(), Some(DEFAULT_TIMEOUT));
    assert_eq!(engine.max_response_bytes(), DEFAULT_MAX_RESPONSE_BYTES);
}
