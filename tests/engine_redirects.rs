//! Redirects to another origin: a provider on one loopback port redirecting to a second
//! provider on another port (another origin), which records what it received. Nothing that
//! was meant for the first may reach the second: no `Referer` (it would carry the previous URL,
//! with an `access_token` or `client_secret` in its query), no `Authorization`, no 307/308 body.

mod support;

use axum::Router;
use axum::routing::any;
use http::StatusCode;
use http::header::{CONTENT_TYPE, LOCATION};
use loopback::Provider;
use oauth_compat::MapEnv;
use oauth_compat::oauth1::{ClientCredentials, SignatureType};
use oauth_compat::oauth2::{ClientAuthMethod, Token, TokenPlacement};
use oauth_compat::{Engine, EngineError, Error, MAX_REDIRECTS};
use oauth_compat::{OAuth1Client, OAuth2Client, TokenGrant};
use support::loopback;

const TOKEN_JSON: &str = r#"{"access_token":"at-2","token_type":"Bearer","expires_in":3600}"#;

/// The second origin: answers every path with a token-shaped JSON body and logs the request.
async fn elsewhere() -> Provider {
    loopback::serve(Router::new().fallback(any(|| async {
        ([(CONTENT_TYPE, "application/json")], TOKEN_JSON)
    })))
    .await
}

/// The first origin: every path answers `status` with `Location: {to}{path}`.
async fn redirecting_to(to: &Provider, status: StatusCode) -> Provider {
    let target = to.base.clone();
    loopback::serve(Router::new().fallback(any(move |uri: http::Uri| {
        let location = format!("{target}{}", uri.path());
        async move { (status, [(LOCATION, location)]) }
    })))
    .await
}

fn engine() -> Engine {
    Engine::builder().env(MapEnv::new()).build().unwrap()
}

fn engine_error(err: &Error) -> &EngineError {
    match err.underlying() {
        Error::Engine(inner) => inner,
        other => panic!("expected an engine error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_api_call_with_the_token_in_the_uri_sends_no_referer_elsewhere() {
    let second = elsewhere().await;
    let first = redirecting_to(&second, StatusCode::FOUND).await;
    let client = OAuth2Client::builder("cid")
        .api_base_url(first.url("/api/"))
        .token(Token::bearer("SECRET-at"))
        .token_placement(TokenPlacement::Uri)
        .engine(engine())
        .build()
        .unwrap();
    let resp = client.get("me").send().await.unwrap();
    assert_eq!(resp.status, 200);
    assert!(first.last("/api/me").uri.contains("access_token=SECRET-at"));
    let seen = second.last("/api/me");
    assert_eq!(seen.header("referer"), None, "{:?}", seen.headers);
    assert!(!format!("{:?}", seen.headers).contains("SECRET"));
}

#[tokio::test]
async fn a_get_token_request_with_the_secret_in_its_query_sends_no_referer_elsewhere() {
    let second = elsewhere().await;
    let first = redirecting_to(&second, StatusCode::FOUND).await;
    let client = OAuth2Client::builder("cid")
        .client_secret("SECRET-cs")
        .token_endpoint_auth_method(ClientAuthMethod::ClientSecretPost)
        .access_token_method(http::Method::GET)
        .access_token_url(first.url("/token"))
        .engine(engine())
        .build()
        .unwrap();
    let token = client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-2");
    assert!(first.last("/token").uri.contains("client_secret=SECRET-cs"));
    let seen = second.last("/token");
    assert_eq!(seen.header("referer"), None, "{:?}", seen.headers);
    assert!(!seen.uri.contains("SECRET"), "{}", seen.uri);
}

#[tokio::test]
async fn an_oauth1_query_signed_call_sends_no_referer_and_no_authorization_elsewhere() {
    let second = elsewhere().await;
    let first = redirecting_to(&second, StatusCode::SEE_OTHER).await;
    for placement in [SignatureType::Query, SignatureType::Header] {
        let client = OAuth1Client::builder(ClientCredentials::new("ck", "SECRET-cs"))
            .signature_type(placement)
            .api_base_url(first.url("/api/"))
            .token(Token::oauth1("tok", "SECRET-ts"))
            .engine(engine())
            .build()
            .unwrap();
        client.get("me").send().await.unwrap();
        assert!(
            first.last("/api/me").uri.contains("oauth_signature=")
                || first.last("/api/me").header("authorization").is_some()
        );
        let seen = second.last("/api/me");
        assert_eq!(seen.header("referer"), None, "{placement:?}");
        assert_eq!(seen.header("authorization"), None, "{placement:?}");
    }
}

#[tokio::test]
async fn a_bearer_header_does_not_follow_a_redirect_to_another_origin() {
    let second = elsewhere().await;
    let first = redirecting_to(&second, StatusCode::MOVED_PERMANENTLY).await;
    let client = OAuth2Client::builder("cid")
        .api_base_url(first.url("/api/"))
        .token(Token::bearer("SECRET-at"))
        .engine(engine())
        .build()
        .unwrap();
    client.get("me").send().await.unwrap();
    assert_eq!(
        first.last("/api/me").header("authorization"),
        Some("Bearer SECRET-at")
    );
    assert_eq!(second.last("/api/me").header("authorization"), None);
}

/// A 307/308 from a token, refresh or revocation endpoint to another origin is refused,
/// naming both origins, and the second origin receives nothing.
#[tokio::test]
async fn token_refresh_and_revocation_bodies_are_not_reposted_to_another_origin() {
    for status in [
        StatusCode::TEMPORARY_REDIRECT,
        StatusCode::PERMANENT_REDIRECT,
    ] {
        let second = elsewhere().await;
        let first = redirecting_to(&second, status).await;
        let client = OAuth2Client::builder("cid")
            .client_secret("SECRET-cs")
            .token_endpoint_auth_method(ClientAuthMethod::ClientSecretPost)
            .access_token_url(first.url("/token"))
            .revocation_url(first.url("/revoke"))
            .engine(engine())
            .build()
            .unwrap();
        let attempts = [
            client
                .fetch_token(TokenGrant::client_credentials())
                .await
                .map(drop),
            client.refresh_token(Some("SECRET-rt")).await.map(drop),
            client.revoke_token("SECRET-at", None).await,
        ];
        for (attempt, path) in attempts.into_iter().zip(["/token", "/token", "/revoke"]) {
            let err = attempt.expect_err("refused");
            let inner = engine_error(&err);
            match inner {
                EngineError::RedirectWithBody {
                    from,
                    to,
                    status: got,
                } => {
                    assert_eq!(from, &first.base);
                    assert_eq!(to, &second.base);
                    assert_eq!(*got, status.as_u16());
                }
                other => panic!("{path}: {other:?}"),
            }
            let shown = format!("{err} {err:?}");
            assert!(
                shown.contains(&first.base) && shown.contains(&second.base),
                "{shown}"
            );
            assert!(!shown.contains("SECRET"), "{shown}");
        }
        assert!(second.seen().is_empty(), "{:?}", second.seen());
        assert_eq!(first.seen().len(), 3);
    }
}

#[tokio::test]
async fn a_307_within_the_origin_still_repeats_the_token_request() {
    let provider = loopback::serve(
        Router::new()
            .route(
                "/token",
                any(|| async { (StatusCode::TEMPORARY_REDIRECT, [(LOCATION, "/token2")]) }),
            )
            .route(
                "/token2",
                any(|| async { ([(CONTENT_TYPE, "application/json")], TOKEN_JSON) }),
            ),
    )
    .await;
    let client = OAuth2Client::builder("cid")
        .client_secret("cs")
        .token_endpoint_auth_method(ClientAuthMethod::ClientSecretPost)
        .access_token_url(provider.url("/token"))
        .engine(engine())
        .build()
        .unwrap();
    let token = client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-2");
    let repeated = provider.last("/token2");
    assert_eq!(repeated.method, http::Method::POST);
    assert_eq!(
        repeated.body_str(),
        "grant_type=client_credentials&client_id=cid&client_secret=cs"
    );
    assert_eq!(repeated.header("referer"), None);
}

#[tokio::test]
async fn a_redirect_loop_stops_after_ten_hops() {
    let provider = loopback::serve(Router::new().route(
        "/api/loop",
        any(|| async { (StatusCode::FOUND, [(LOCATION, "/api/loop")]) }),
    ))
    .await;
    let client = OAuth2Client::builder("cid")
        .api_base_url(provider.url("/api/"))
        .token(Token::bearer("at"))
        .engine(engine())
        .build()
        .unwrap();
    let err = client.get("loop").send().await.unwrap_err();
    assert!(
        matches!(
            engine_error(&err),
            EngineError::TooManyRedirects { limit, .. } if *limit == MAX_REDIRECTS
        ),
        "{err:?}"
    );
    assert_eq!(provider.seen().len(), MAX_REDIRECTS + 1);
}
