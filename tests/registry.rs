//! The registry against an in-process provider: requests through a `RemoteApp` reach the
//! provider with the user's token, and each entry point keeps its Python defaults.

mod support;

use axum::Router;
use axum::routing::any;
use http::Method;
use http::header::CONTENT_TYPE;
use loopback::Provider;
use oauth_compat::OAuth;
use oauth_compat::TokenGrant;
use oauth_compat::config::Config;
use oauth_compat::oauth1::{KeyMaterial, SignatureMethods, SignedRequest};
use oauth_compat::oauth2::Token;
use oauth_compat::{ClientSecret, TokenSecret};
use oauth_compat::{Protocol, RegisterOptions, RemoteClient};
use serde_json::json;
use support::loopback;

async fn provider() -> Provider {
    let json = || async { ([(CONTENT_TYPE, "application/json")], r#"{"name": "alice"}"#) };
    let router = Router::new()
        .route("/api/me", any(json))
        .route(
            "/oauth/request_token",
            any(|| async {
                (
                    [(CONTENT_TYPE, "application/x-www-form-urlencoded")],
                    "oauth_token=temp&oauth_token_secret=temp-secret&oauth_callback_confirmed=true",
                )
            }),
        )
        .route(
            "/oauth/token",
            any(|| async {
                (
                    [(CONTENT_TYPE, "application/json")],
                    r#"{"access_token": "at", "token_type": "Bearer"}"#,
                )
            }),
        );
    loopback::serve(router).await
}

/// A Flask-OAuthlib OAuth 1 app (everything but the URLs in the config, seed 004) and an
/// Authlib OAuth 2 app, on one registry configured after the declarations.
fn registry(provider: &Provider) -> OAuth {
    let oauth = OAuth::new();
    oauth.remote_app(
        "twitter",
        RegisterOptions::new()
            .app_key("TWITTER")
            .set("base_url", provider.url("/api/"))
            .set("request_token_url", provider.url("/oauth/request_token"))
            .set("access_token_url", provider.url("/oauth/token"))
            .set("authorize_url", provider.url("/oauth/authorize")),
    );
    oauth.register(
        "github",
        RegisterOptions::new()
            .set("api_base_url", provider.url("/api/"))
            .set("access_token_url", provider.url("/oauth/token")),
    );
    oauth.init_app(
        Config::from_toml_str(
            r#"
            GITHUB_CLIENT_ID = "gh-id"
            GITHUB_CLIENT_SECRET = "gh-secret"

            [TWITTER]
            consumer_key = "tw-key"
            consumer_secret = "tw-secret"
            "#,
        )
        .unwrap(),
    );
    oauth
}

#[tokio::test]
async fn oauth2_request_carries_the_users_bearer_token() {
    let provider = provider().await;
    let oauth = registry(&provider);
    let github = oauth.create_client("github").unwrap();
    assert_eq!(github.protocol().unwrap(), Protocol::OAuth2);

    let resp = github
        .get("me")
        .token(Token::bearer("user-token"))
        .send()
        .await
        .unwrap();
    assert!(resp.status == 200);
    assert_eq!(resp.data["name"], "alice");
    let seen = provider.last("/api/me");
    assert_eq!(seen.header("authorization"), Some("Bearer user-token"));

    // The app's client is shared by every user: it keeps no token between requests.
    let err = github.get("me").send().await.unwrap_err();
    assert!(err.to_string().contains("token"), "{err}");
}

#[tokio::test]
async fn oauth1_request_is_signed_with_the_users_token() {
    let provider = provider().await;
    let oauth = registry(&provider);
    let twitter = oauth.create_client("twitter").unwrap();
    assert_eq!(twitter.protocol().unwrap(), Protocol::OAuth1);

    let resp = twitter
        .request(Method::POST, "me")
        .form(&[("status", "hello")])
        .token(Token::oauth1("user-token", "user-secret"))
        .send()
        .await
        .unwrap();
    assert!(resp.status == 200);
    let seen = provider.last("/api/me");
    let authorization = seen.header("authorization").unwrap();
    assert!(authorization.starts_with("OAuth "), "{authorization}");
    for part in [
        "oauth_consumer_key=\"tw-key\"",
        "oauth_token=\"user-token\"",
        "oauth_signature_method=\"HMAC-SHA1\"",
        "oauth_signature=\"",
    ] {
        assert!(authorization.contains(part), "{part} in {authorization}");
    }
    // The signature verifies with the consumer's and the user's secrets.
    let mut request = http::Request::builder()
        .method(seen.method.clone())
        .uri(provider.url(&seen.uri));
    for (name, value) in &seen.headers {
        request = request.header(name, value);
    }
    let request = request.body(seen.body.clone()).unwrap();
    let signed = SignedRequest::from_request(&request).unwrap();
    let (client_secret, token_secret) = (
        ClientSecret::from("tw-secret"),
        TokenSecret::from("user-secret"),
    );
    signed
        .verify(
            &SignatureMethods::default(),
            &["HMAC-SHA1"],
            &KeyMaterial::new(Some(&client_secret), Some(&token_secret)),
        )
        .unwrap();
    assert!(
        signed
            .parameters()
            .contains(&("status".into(), "hello".into()))
    );
}

#[tokio::test]
async fn each_entry_point_keeps_its_python_defaults() {
    let provider = provider().await;
    let oauth = registry(&provider);

    // Flask-OAuthlib's remote_app: request token by GET.
    let RemoteClient::OAuth1(twitter) = oauth
        .create_client("twitter")
        .unwrap()
        .client()
        .unwrap()
        .clone()
    else {
        panic!("twitter is OAuth 1");
    };
    twitter
        .fetch_request_token(Some("https://app.example/cb"), &[])
        .await
        .unwrap();
    assert_eq!(provider.last("/oauth/request_token").method, Method::GET);

    // Authlib's register: request token by POST, client_secret_basic.
    let authlib1 = oauth.register(
        "authlib1",
        RegisterOptions::new()
            .set("client_id", "k")
            .set("client_secret", "s")
            .set("request_token_url", provider.url("/oauth/request_token")),
    );
    let RemoteClient::OAuth1(authlib1) = authlib1.client().unwrap().clone() else {
        panic!("authlib1 is OAuth 1");
    };
    authlib1
        .fetch_request_token(Some("https://app.example/cb"), &[])
        .await
        .unwrap();
    assert_eq!(provider.last("/oauth/request_token").method, Method::POST);

    let RemoteClient::OAuth2(github) = oauth
        .create_client("github")
        .unwrap()
        .client()
        .unwrap()
        .clone()
    else {
        panic!("github is OAuth 2");
    };
    github
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    let seen = provider.last("/oauth/token");
    // base64("gh-id:gh-secret")
    assert_eq!(
        seen.header("authorization"),
        Some("Basic Z2gtaWQ6Z2gtc2VjcmV0")
    );
    assert!(!seen.form().iter().any(|(k, _)| k == "client_secret"));

    // Flask-OAuthlib's OAuth 2 app: the client secret in the body (client_secret_post).
    let facebook = oauth.remote_app(
        "facebook",
        RegisterOptions::new()
            .app_key("FACEBOOK")
            .set("consumer_key", "fb-id")
            .set("consumer_secret", "fb-secret")
            .set("request_token_url", json!(null))
            .set("access_token_url", provider.url("/oauth/token")),
    );
    let RemoteClient::OAuth2(facebook) = facebook.client().unwrap().clone() else {
        panic!("facebook is OAuth 2");
    };
    facebook
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    let seen = provider.last("/oauth/token");
    assert_eq!(seen.method, Method::POST);
    assert_eq!(seen.header("authorization"), None);
    let form = seen.form();
    assert!(
        form.contains(&("client_id".into(), "fb-id".into())),
        "{form:?}"
    );
    assert!(
        form.contains(&("client_secret".into(), "fb-secret".into())),
        "{form:?}"
    );
}
