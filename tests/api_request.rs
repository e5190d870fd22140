//! The API request as a value (`client::ApiRequest`): built once by a builder, executed by
//! `OAuth1Client`, `OAuth2Client` and `RemoteApp`; the async builder, `RemoteRequest` and the
//! blocking builder put the same request on the wire; and the client's `content_type` decides
//! how token responses decode (OAuth 2 forced, OAuth 1 credentials not), against providers on
//! 127.0.0.1.

mod support;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::{any, post};
use http::Method;
use oauth_compat::RegisterOptions;
use oauth_compat::oauth1::ClientCredentials;
use oauth_compat::oauth2::Token;
use oauth_compat::response::MediaType;
use oauth_compat::{ApiRequest, OAuth1Client, OAuth2Client, TokenGrant};
use oauth_compat::{Error, OAuth, Step};
use support::loopback::{self, engine};
use support::oauth1_provider::{self, ACCESS_SECRET, ACCESS_TOKEN, CONSUMER_KEY, CONSUMER_SECRET};

/// Answers every request with a small JSON object; the log keeps what was sent.
fn echo_router() -> Router {
    Router::new().fallback(any(|| async {
        ([(CONTENT_TYPE, "application/json")], r#"{"ok": true}"#)
    }))
}

fn oauth2_client(provider: &loopback::Provider) -> OAuth2Client {
    OAuth2Client::builder("client-id")
        .engine(engine())
        .api_base_url(provider.url("/api/"))
        .hold_token(false)
        .build()
        .expect("client")
}

fn oauth2_app(provider: &loopback::Provider) -> oauth_compat::RemoteApp {
    OAuth::new().register(
        "echo",
        RegisterOptions::new()
            .set("client_id", "client-id")
            .set("api_base_url", provider.url("/api/"))
            .fetch_token(|()| async {
                Ok::<_, std::io::Error>(Some(Token::bearer("from-fetch-token")))
            }),
    )
}

#[tokio::test]
async fn a_built_request_is_executed_by_the_oauth2_client_and_again_from_a_clone() {
    let provider = loopback::serve(echo_router()).await;
    let client = oauth2_client(&provider);
    let request = client
        .post("items")
        .query(&[("page", "2")])
        .header("x-trace", "t-1")
        .json(&serde_json::json!({"name": "café"}))
        .token(Token::bearer("at-1"))
        .build()
        .expect("builds");
    assert_eq!(request.url(), "items");
    assert_eq!(request.query(), [("page".to_owned(), "2".to_owned())]);
    for _ in 0..2 {
        let resp = client.execute(request.clone()).await.expect("executes");
        assert_eq!(resp.data["ok"], true);
    }
    let seen = provider.seen();
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.uri, "/api/items?page=2");
        assert_eq!(request.header("authorization"), Some("Bearer at-1"));
        assert_eq!(request.header("x-trace"), Some("t-1"));
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.body_str(), r#"{"name":"café"}"#);
    }
}

#[tokio::test]
async fn a_built_request_is_executed_by_the_oauth1_client_signed_each_time() {
    let provider = oauth1_provider::serve().await;
    let client = OAuth1Client::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
        .engine(engine())
        .api_base_url(provider.url("/api/"))
        .build()
        .expect("client");
    let request = client
        .post("echo")
        .query(&[("q", "a b")])
        .form(&[("status", "hello ladies + gentlemen")])
        .token(Token::oauth1(ACCESS_TOKEN, ACCESS_SECRET))
        .build()
        .expect("builds");
    for _ in 0..2 {
        let resp = client.execute(request.clone()).await.expect("executes");
        assert_eq!(resp.status, 200, "{:?}", resp.data);
    }
    // The provider verified both signatures, over the query and the form.
    let verified = provider.verified();
    assert_eq!(verified.len(), 2, "rejected: {:?}", provider.rejected());
    for seen in &verified {
        assert_eq!(seen.param("q"), Some("a b"));
        assert_eq!(seen.param("status"), Some("hello ladies + gentlemen"));
        assert_eq!(seen.token.as_deref(), Some(ACCESS_TOKEN));
    }
}

#[tokio::test]
async fn a_request_value_is_executed_by_a_remote_app_with_the_token_fetch_token_finds() {
    let provider = loopback::serve(echo_router()).await;
    let app = oauth2_app(&provider);
    let resp = app
        .execute(ApiRequest::new(Method::GET, "me"))
        .await
        .expect("executes");
    assert_eq!(resp.data["ok"], true);
    let seen = provider.last("/api/me");
    assert_eq!(
        seen.header("authorization"),
        Some("Bearer from-fetch-token")
    );
    // A value without a client to build it: a relative URL with no `api_base_url` to join
    // it to fails at execute, located at the app's API step.
    let client = OAuth2Client::builder("id")
        .engine(engine())
        .build()
        .unwrap();
    let err = client
        .execute(ApiRequest::new(Method::GET, "me"))
        .await
        .unwrap_err();
    assert_eq!(err.step().map(|s| s.step()), Some(Step::Api));
    assert!(matches!(err.underlying(), Error::Engine(_)), "{err:?}");
}

#[tokio::test]
async fn build_reports_the_first_building_error_at_the_api_step_and_url() {
    let provider = loopback::serve(echo_router()).await;
    let client = oauth2_client(&provider);
    let err = client
        .get("items")
        .header("bad header", "v")
        .header("x-fine", "line\nbreak")
        .build()
        .unwrap_err();
    let step = err.step().expect("located");
    assert_eq!(step.step(), Step::Api);
    assert_eq!(step.url(), Some(provider.url("/api/items").as_str()));
    // The first error wins: the invalid name, not the later invalid value.
    assert!(err.to_string().contains("not a valid header name"), "{err}");
    assert!(provider.seen().is_empty());
}

/// The same request, set up the same way on any of the three builders.
macro_rules! shaped {
    ($builder:expr, $shape:expr) => {
        match $shape {
            "form" => $builder
                .query(&[("page", "2"), ("q", "a b&c")])
                .header("x-trace", "t-1")
                .form(&[("name", "café & co")])
                .token(Token::bearer("at-1")),
            "json" => $builder
                .json(&serde_json::json!({"b": [1, 2], "a": "x"}))
                .token(Token::bearer("at-1")),
            "text" => $builder
                .header("content-type", "text/plain")
                .text("plain café")
                .withhold_token(),
            other => panic!("no shape {other}"),
        }
    };
}

/// The blocking builder needs a thread without a runtime: the provider runs on the workers
/// of its own runtime, the test thread only blocks.
#[cfg(feature = "blocking")]
#[test]
fn the_async_builder_remote_request_and_blocking_builder_send_the_same_request() {
    use oauth_compat::blocking;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let provider = runtime.block_on(loopback::serve(echo_router()));
    let client = runtime.block_on(async { oauth2_client(&provider) });
    let app = oauth2_app(&provider);
    // A blocking client gets an engine of its own (its connections belong to its runtime).
    let blocking = blocking::BlockingOAuth2Client::new(oauth2_client(&provider)).expect("blocking");
    for shape in ["form", "json", "text"] {
        runtime.block_on(async {
            shaped!(client.post("items"), shape).send().await.unwrap();
            shaped!(app.post("items"), shape).send().await.unwrap();
        });
        shaped!(blocking.post("items"), shape).send().unwrap();
        let seen = provider.seen();
        let [from_async, from_remote, from_blocking] = &seen[seen.len() - 3..] else {
            unreachable!()
        };
        for (other, name) in [(from_remote, "RemoteRequest"), (from_blocking, "blocking")] {
            assert_eq!(other.method, from_async.method, "{shape} {name}");
            assert_eq!(other.uri, from_async.uri, "{shape} {name}");
            assert_eq!(other.body, from_async.body, "{shape} {name}");
            assert_eq!(other.headers, from_async.headers, "{shape} {name}");
        }
    }
    // The blocking client executes a request its builder built, as the async one does.
    let request = shaped!(blocking.post("items"), "form")
        .build()
        .expect("builds");
    blocking.execute(request).expect("executes");
    let seen = provider.seen();
    assert_eq!(seen.len(), 10);
    let (first, executed) = (&seen[0], &seen[9]);
    assert_eq!(
        (&executed.uri, &executed.headers, &executed.body),
        (&first.uri, &first.headers, &first.body)
    );
    assert_eq!(seen[0].uri, "/api/items?page=2&q=a+b%26c");
    assert_eq!(seen[0].body_str(), "name=caf%C3%A9+%26+co");
    assert_eq!(seen[0].header("authorization"), Some("Bearer at-1"));
    assert_eq!(seen[3].body_str(), r#"{"a":"x","b":[1,2]}"#);
    assert_eq!(seen[6].header("authorization"), None);
    assert_eq!(seen[6].body_str(), "plain café");
}

/// The client's `content_type` is decided in one place: it forces OAuth 2 token responses
/// (Weibo's JSON as `text/plain`), not OAuth 1 credentials (read by their own header).
#[tokio::test]
async fn the_clients_content_type_forces_oauth2_token_responses_not_oauth1_credentials() {
    let provider = loopback::serve(
        Router::new()
            .route(
                "/oauth2/token",
                post(|| async {
                    (
                        [(CONTENT_TYPE, "text/plain")],
                        r#"{"access_token": "2.00abc", "expires_in": 3600, "uid": "1404376560"}"#,
                    )
                }),
            )
            .route(
                "/oauth1/token",
                post(|| async {
                    (
                        [(CONTENT_TYPE, "text/plain")],
                        "oauth_token=tok&oauth_token_secret=sec&screen_name=ada",
                    )
                }),
            ),
    )
    .await;
    let weibo = || {
        OAuth2Client::builder("client-id")
            .client_secret("client-secret")
            .engine(engine())
            .access_token_url(provider.url("/oauth2/token"))
    };
    // Unforced, `text/plain` from a token endpoint reads as a form: no `access_token`.
    let unforced = weibo().build().unwrap();
    assert!(
        unforced
            .fetch_token(TokenGrant::client_credentials())
            .await
            .is_err()
    );
    let token = weibo()
        .content_type(MediaType::json())
        .build()
        .unwrap()
        .fetch_token(TokenGrant::client_credentials())
        .await
        .expect("JSON read as forced");
    assert_eq!(token.access_token(), "2.00abc");
    assert_eq!(token["uid"], "1404376560");

    let oauth1 = OAuth1Client::builder(ClientCredentials::new("key", "secret"))
        .engine(engine())
        .access_token_url(provider.url("/oauth1/token"))
        .content_type(MediaType::json())
        .build()
        .unwrap();
    let token = oauth1
        .fetch_access_token(&Token::oauth1("temp", "temp-secret"), "verifier", &[])
        .await
        .expect("credentials read by their own header, as a form");
    assert_eq!(token.access_token(), "tok");
    assert_eq!(token["screen_name"], "ada");
}
