//! The OAuth 2 client against in-process providers on 127.0.0.1: exact assertions on what was
//! sent, and on how real-world token responses are read.

mod common;

use axum::Router;
use axum::routing::{get, post};
use oauth_compat::Engine;
use oauth_compat::client::{OAuth2Client, TokenGrant};

fn engine() -> Engine {
    Engine::builder().build().expect("engine")
}

#[tokio::test]
async fn client_credentials_then_api_call_with_bearer_header() {
    let provider = common::serve(
        Router::new()
            .route(
                "/token",
                post(|| async {
                    axum::Json(serde_json::json!({
                        "access_token": "at-1", "token_type": "bearer", "expires_in": 3600
                    }))
                }),
            )
            .route(
                "/api/me",
                get(|| async { axum::Json(serde_json::json!({"name": "alice"})) }),
            ),
    )
    .await;
    let client = OAuth2Client::builder("cid")
        .client_secret("csecret")
        .access_token_url(provider.url("/token"))
        .api_base_url(provider.url("/api/"))
        .engine(engine())
        .build()
        .unwrap();
    let token = client
        .fetch_token(TokenGrant::client_credentials().scope("read"))
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-1");
    let token_req = provider.last("/token");
    assert_eq!(
        token_req.header("authorization"),
        Some("Basic Y2lkOmNzZWNyZXQ=")
    );
    assert_eq!(
        token_req.body_str(),
        "grant_type=client_credentials&scope=read"
    );

    let resp = client.get("me").send().await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.data["name"], "alice");
    assert_eq!(
        provider.last("/api/me").header("authorization"),
        Some("Bearer at-1")
    );
}
