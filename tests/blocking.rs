#![cfg(feature = "blocking")]
//! The blocking API (`oauth_compat::blocking`) driving the async clients from a thread with no
//! runtime: the providers run on a multi-thread runtime's worker threads, the test thread only
//! blocks. Inside a runtime, a blocking call is an error, not a panic.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Form;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use oauth_compat::oauth1::{ClientCredentials, SignatureType};
use oauth_compat::oauth2::Token;
use oauth_compat::{EngineError, Error, blocking};
use oauth_compat::{OAuth2Client, TokenGrant, TokenUpdate};
use oauth1_provider::{
    ACCESS_SECRET, ACCESS_TOKEN, CONSUMER_KEY, CONSUMER_SECRET, TEMP_TOKEN, VERIFIER,
};
use serde_json::json;
use support::loopback::{self, engine};
use support::oauth1_provider;
use tokio::runtime::{Handle, Runtime};

/// The runtime the providers run on: its worker threads serve, the test thread does not
/// belong to it once `block_on` returns.
fn provider_runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("provider runtime")
}

/// An OAuth 2 provider: client-credentials and refresh grants at `/token`, and `/api/me`,
/// which answers only to a bearer token it issued.
fn oauth2_router() -> Router {
    async fn token(Form(form): Form<HashMap<String, String>>) -> Response {
        let grant = form.get("grant_type").map(String::as_str);
        let refresh = form.get("refresh_token").map(String::as_str);
        match (grant, refresh) {
            (Some("client_credentials"), _) => Json(json!({
                "access_token": "at-cc", "token_type": "bearer", "expires_in": 3600
            }))
            .into_response(),
            (Some("refresh_token"), Some("rt-1")) => Json(json!({
                "access_token": "at-refreshed", "token_type": "bearer", "expires_in": 3600,
                "refresh_token": "rt-2"
            }))
            .into_response(),
            _ => (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant"})),
            )
                .into_response(),
        }
    }
    async fn me(headers: HeaderMap) -> Response {
        match headers.get("authorization").and_then(|v| v.to_str().ok()) {
            Some(auth @ ("Bearer at-cc" | "Bearer at-refreshed")) => {
                Json(json!({"name": "alice", "auth": auth})).into_response()
            }
            _ => StatusCode::UNAUTHORIZED.into_response(),
        }
    }
    Router::new()
        .route("/token", post(token))
        .route("/api/me", get(me))
}

#[test]
fn oauth1_flow_and_signed_call() {
    let runtime = provider_runtime();
    let provider = runtime.block_on(oauth1_provider::serve());
    assert!(
        Handle::try_current().is_err(),
        "the test thread runs no runtime"
    );
    let client =
        oauth_compat::OAuth1Client::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
            .signature_method("HMAC-SHA1")
            .signature_type(SignatureType::Header)
            .request_token_url(provider.url("/initiate"))
            .access_token_url(provider.url("/token"))
            .authorize_url(provider.url("/authorize"))
            .api_base_url(provider.url("/api/"))
            .engine(engine())
            .build()
            .unwrap();
    let client = blocking::BlockingOAuth1Client::new(client).unwrap();

    let request_token = client
        .fetch_request_token(Some("https://app.example/cb"), &[])
        .unwrap();
    assert_eq!(request_token.access_token(), TEMP_TOKEN);
    assert_eq!(
        client.authorization_url(&request_token, &[]).unwrap(),
        format!("{}?oauth_token={TEMP_TOKEN}", provider.url("/authorize"))
    );
    let token = client
        .fetch_access_token(&request_token, VERIFIER, &[])
        .unwrap();
    assert_eq!(token.token_secret(), Some(ACCESS_SECRET));
    assert_eq!(token["screen_name"], "twitterapi");
    assert_eq!(client.token(), Some(token));

    let resp = client
        .post("echo")
        .form(&[("status", "hello")])
        .send()
        .unwrap();
    assert_eq!(resp.status, 200, "{:?}", provider.rejected());
    assert_eq!(resp.data["form"]["status"], "hello");
    let verified = provider.last_verified("/api/echo");
    assert_eq!(verified.token.as_deref(), Some(ACCESS_TOKEN));
    assert_eq!(verified.param("status"), Some("hello"));
    assert_eq!(provider.verified().len(), 3);
}

#[test]
fn oauth2_client_credentials_and_api_call() {
    let runtime = provider_runtime();
    let provider = runtime.block_on(loopback::serve(oauth2_router()));
    assert!(
        Handle::try_current().is_err(),
        "the test thread runs no runtime"
    );
    let client = OAuth2Client::builder("cid")
        .client_secret("csecret")
        .access_token_url(provider.url("/token"))
        .api_base_url(provider.url("/api/"))
        .engine(engine())
        .build()
        .unwrap();
    let client = blocking::BlockingOAuth2Client::new(client).unwrap();

    let token = client
        .fetch_token(TokenGrant::client_credentials().scope("read"))
        .unwrap();
    assert_eq!(token.access_token(), "at-cc");
    assert_eq!(
        provider.last("/token").body_str(),
        "grant_type=client_credentials&scope=read"
    );

    let resp = client.get("me").send().unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.data["name"], "alice");
    assert_eq!(resp.data["auth"], "Bearer at-cc");
}

#[test]
fn oauth2_auto_refresh_drives_an_async_update_token() {
    let runtime = provider_runtime();
    let provider = runtime.block_on(loopback::serve(oauth2_router()));
    let updates: Arc<Mutex<Vec<TokenUpdate>>> = Arc::default();
    let record = updates.clone();
    let expired = Token::from_map(
        json!({
            "access_token": "at-old", "token_type": "bearer", "refresh_token": "rt-1",
            "expires_at": 1_000_000_000
        })
        .as_object()
        .unwrap()
        .clone(),
    )
    .unwrap();
    let client = OAuth2Client::builder("cid")
        .client_secret("csecret")
        .access_token_url(provider.url("/token"))
        .api_base_url(provider.url("/api/"))
        .update_token(move |update: TokenUpdate| {
            let record = record.clone();
            async move {
                // Needs the blocking API's runtime (with its timer) to make progress.
                tokio::time::sleep(Duration::from_millis(10)).await;
                record.lock().unwrap().push(update);
                Ok::<(), std::io::Error>(())
            }
        })
        .token(expired)
        .engine(engine())
        .build()
        .unwrap();
    let client = blocking::BlockingOAuth2Client::new(client).unwrap();

    let resp = client.get("me").send().unwrap();

    assert_eq!(resp.status, 200);
    assert_eq!(resp.data["auth"], "Bearer at-refreshed");
    let form = provider.last("/token").form();
    assert!(form.contains(&("grant_type".to_owned(), "refresh_token".to_owned())));
    assert!(form.contains(&("refresh_token".to_owned(), "rt-1".to_owned())));
    let updates = updates.lock().unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].token.access_token(), "at-refreshed");
    assert_eq!(updates[0].token.refresh_token(), Some("rt-2"));
    assert_eq!(updates[0].refresh_token.as_deref(), Some("rt-1"));
    assert_eq!(updates[0].access_token.as_deref(), Some("at-old"));
    assert_eq!(client.token().unwrap().access_token(), "at-refreshed");
}

#[tokio::test]
async fn blocking_call_inside_a_runtime_is_an_error_not_a_panic() {
    let oauth2 = OAuth2Client::builder("cid")
        .client_secret("csecret")
        .access_token_url("http://127.0.0.1:9/token")
        .engine(engine())
        .build()
        .unwrap();
    let oauth2 = blocking::BlockingOAuth2Client::new(oauth2).unwrap();
    let err = oauth2
        .fetch_token(TokenGrant::client_credentials())
        .unwrap_err();
    assert!(
        matches!(
            err.underlying(),
            Error::Engine(EngineError::BlockingInsideRuntime)
        ),
        "{err:?}"
    );
    let err = oauth2
        .get("http://127.0.0.1:9/api/me")
        .token(Token::bearer("at"))
        .send()
        .unwrap_err();
    assert!(
        matches!(
            err.underlying(),
            Error::Engine(EngineError::BlockingInsideRuntime)
        ),
        "{err:?}"
    );

    let oauth1 =
        oauth_compat::OAuth1Client::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
            .request_token_url("http://127.0.0.1:9/initiate")
            .engine(engine())
            .build()
            .unwrap();
    let oauth1 = blocking::BlockingOAuth1Client::new(oauth1).unwrap();
    let err = oauth1.fetch_request_token(None, &[]).unwrap_err();
    assert!(
        matches!(
            err.underlying(),
            Error::Engine(EngineError::BlockingInsideRuntime)
        ),
        "{err:?}"
    );
    // Dropping the blocking clients (and their runtimes) here, inside a runtime, is fine too.
    drop(oauth1);
    drop(oauth2);
}
