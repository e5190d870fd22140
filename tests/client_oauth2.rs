//! The OAuth 2 client against in-process providers on 127.0.0.1: exact assertions on what was
//! sent, and on how real-world token responses are read.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::routing::{MethodRouter, any, get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use loopback::{Provider, Seen};
use oauth_compat::Hooks;
use oauth_compat::oauth2::{
    self, AuthorizationRequest, ClientAuthMethod, CodeChallengeMethod, Token, TokenPlacement,
};
use oauth_compat::{ClientError, OAuth2Client, OAuth2ClientBuilder, TokenGrant, TokenUpdate};
use oauth_compat::{Engine, Error};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use support::loopback;
use tokio::task::JoinSet;

/// Where authorization URLs point; never fetched.
const AUTHORIZE_URL: &str = "https://provider.example/authorize";
const REDIRECT_URI: &str = "https://app.example/cb";
const REDIRECT_URI_ENCODED: &str = "https%3A%2F%2Fapp.example%2Fcb";
/// `Basic base64("cid:csecret")`.
const BASIC_CID: &str = "Basic Y2lkOmNzZWNyZXQ=";
const JSON_TYPE: &str = "application/json";

fn engine() -> Engine {
    Engine::builder().build().expect("engine")
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A route answering any method with `status`, `content_type` and `body`.
fn reply(status: u16, content_type: &'static str, body: &'static str) -> MethodRouter {
    any(move || async move {
        (
            StatusCode::from_u16(status).unwrap(),
            [(CONTENT_TYPE, content_type)],
            body,
        )
    })
}

/// A route answering any method with this JSON at 200.
fn json_reply(value: Value) -> MethodRouter {
    any(move || {
        let value = value.clone();
        async move { Json(value) }
    })
}

/// A provider: `/token` and `/refresh` issue tokens, `/revoke` accepts, and the API paths
/// answer `{"ok": true}` to any method.
async fn provider() -> Provider {
    let ok = || json_reply(json!({"ok": true}));
    loopback::serve(
        Router::new()
            .route(
                "/token",
                json_reply(json!({
                    "access_token": "at-1", "token_type": "Bearer", "expires_in": 3600,
                    "refresh_token": "rt-1"
                })),
            )
            .route(
                "/refresh",
                json_reply(json!({
                    "access_token": "at-new", "token_type": "Bearer", "expires_in": 3600
                })),
            )
            .route("/revoke", post(|| async { StatusCode::OK }))
            .route("/api/me", ok())
            .route("/api/echo", ok())
            .route("/api/v1/users/me", ok())
            .route("/other", ok()),
    )
    .await
}

/// A confidential client `cid`/`csecret` of `provider`, its API under `/api/`.
fn client_of(provider: &Provider) -> OAuth2ClientBuilder {
    OAuth2Client::builder("cid")
        .client_secret("csecret")
        .authorize_url(AUTHORIZE_URL)
        .access_token_url(provider.url("/token"))
        .api_base_url(provider.url("/api/"))
        .engine(engine())
}

/// A client that only builds authorization URLs.
fn authorizing_client() -> OAuth2ClientBuilder {
    OAuth2Client::builder("cid")
        .authorize_url(AUTHORIZE_URL)
        .engine(engine())
}

/// A token that expired ten seconds ago.
fn expired_token(access_token: &str, refresh_token: Option<&str>) -> Token {
    let mut map = json!({
        "access_token": access_token, "token_type": "Bearer", "expires_at": now() - 10
    });
    if let Some(rt) = refresh_token {
        map["refresh_token"] = rt.into();
    }
    Token::from_map(map.as_object().unwrap().clone()).unwrap()
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

// ---- 1. The authorization URL -------------------------------------------------------------

#[test]
fn authorization_url_carries_the_configured_and_per_call_parameters_in_order() {
    let client = authorizing_client()
        .redirect_uri(REDIRECT_URI)
        .scope("openid email")
        .authorize_params([("hd", "example.com")])
        .code_challenge_method(CodeChallengeMethod::S256)
        .build()
        .unwrap();
    let request = client
        .create_authorization_url(None, &[("prompt", "consent"), ("access_type", "offline")])
        .unwrap();
    assert!(
        request
            .url
            .starts_with("https://provider.example/authorize?"),
        "{}",
        request.url
    );
    let query = query_pairs(&request.url);
    let names: Vec<&str> = query.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
            "hd",
            "prompt",
            "access_type"
        ]
    );
    assert_eq!(param(&query, "response_type"), Some("code"));
    assert_eq!(param(&query, "client_id"), Some("cid"));
    assert_eq!(param(&query, "redirect_uri"), Some(REDIRECT_URI));
    assert_eq!(param(&query, "scope"), Some("openid email"));
    assert_eq!(param(&query, "state"), Some(request.state.as_str()));
    assert_eq!(param(&query, "hd"), Some("example.com"));
    assert_eq!(param(&query, "prompt"), Some("consent"));
    assert_eq!(param(&query, "access_type"), Some("offline"));
    assert_eq!(request.redirect_uri.as_deref(), Some(REDIRECT_URI));
}

#[test]
fn authorization_url_redirect_uri_per_call_overrides_the_configured_one() {
    let client = authorizing_client()
        .redirect_uri(REDIRECT_URI)
        .build()
        .unwrap();
    let request = client
        .create_authorization_url(Some("https://app.example/other-cb"), &[])
        .unwrap();
    let query = query_pairs(&request.url);
    assert_eq!(
        param(&query, "redirect_uri"),
        Some("https://app.example/other-cb")
    );
    assert_eq!(
        request.redirect_uri.as_deref(),
        Some("https://app.example/other-cb")
    );
}

#[test]
fn authorization_state_is_fresh_per_call_and_at_least_43_characters() {
    let client = authorizing_client().build().unwrap();
    let first = client.create_authorization_url(None, &[]).unwrap();
    let second = client.create_authorization_url(None, &[]).unwrap();
    assert_ne!(first.state, second.state);
    for request in [&first, &second] {
        assert!(request.state.len() >= 43, "{}", request.state);
        assert_eq!(
            param(&query_pairs(&request.url), "state"),
            Some(request.state.as_str())
        );
    }
}

#[test]
fn pkce_s256_challenge_is_base64url_of_the_sha256_of_the_verifier() {
    let client = authorizing_client()
        .code_challenge_method(CodeChallengeMethod::S256)
        .build()
        .unwrap();
    let request = client.create_authorization_url(None, &[]).unwrap();
    let verifier = request.code_verifier.as_ref().expect("a PKCE verifier");
    let verifier = verifier.as_str();
    assert!((43..=128).contains(&verifier.len()), "{}", verifier.len());
    assert!(
        verifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)),
        "verifier outside the RFC 7636 unreserved set"
    );
    let query = query_pairs(&request.url);
    let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    assert_eq!(param(&query, "code_challenge"), Some(expected.as_str()));
    assert_eq!(param(&query, "code_challenge_method"), Some("S256"));

    let again = client.create_authorization_url(None, &[]).unwrap();
    assert_ne!(
        again.code_verifier.as_ref().unwrap().as_str(),
        verifier,
        "each authorization gets its own verifier"
    );
}

#[test]
fn authorization_request_round_trips_through_serde_json() {
    let client = authorizing_client()
        .redirect_uri(REDIRECT_URI)
        .code_challenge_method(CodeChallengeMethod::S256)
        .build()
        .unwrap();
    let request = client.create_authorization_url(None, &[]).unwrap();
    let stored = serde_json::to_string(&request).unwrap();
    assert!(stored.contains(request.code_verifier.as_ref().unwrap().as_str()));
    let restored: AuthorizationRequest = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored, request);
    assert!(restored.state_matches(&request.state));
}

// ---- 2. The code exchange and client authentication ----------------------------------------

#[tokio::test]
async fn code_exchange_from_callback_sends_code_redirect_uri_and_verifier() {
    let provider = provider().await;
    let client = client_of(&provider)
        .redirect_uri(REDIRECT_URI)
        .code_challenge_method(CodeChallengeMethod::S256)
        .build()
        .unwrap();
    let request = client.create_authorization_url(None, &[]).unwrap();
    // What a web app does: keep the request in the session, read it back on the callback.
    let restored: AuthorizationRequest =
        serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
    let token = client
        .fetch_token(TokenGrant::from_callback("the-code", &restored))
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-1");

    let seen = provider.last("/token");
    assert_eq!(seen.method, Method::POST);
    assert_eq!(
        seen.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(seen.header("authorization"), Some(BASIC_CID));
    assert_eq!(
        seen.body_str(),
        format!(
            "grant_type=authorization_code&code=the-code&redirect_uri={REDIRECT_URI_ENCODED}\
             &code_verifier={}",
            request.code_verifier.unwrap().as_str()
        )
    );
    assert_eq!(client.token().unwrap().access_token(), "at-1");
}

/// Exchanges code `c` with `method` for client `aaa/;&` (secret `bbb/;&` unless `secret` is
/// false), returning what the token endpoint received.
async fn exchange_with(method: ClientAuthMethod, secret: bool) -> Seen {
    let provider = provider().await;
    let mut builder = OAuth2Client::builder("aaa/;&")
        .token_endpoint_auth_method(method)
        .access_token_url(provider.url("/token"))
        .engine(engine());
    if secret {
        builder = builder.client_secret("bbb/;&");
    }
    builder
        .build()
        .unwrap()
        .fetch_token(TokenGrant::authorization_code("c").redirect_uri(REDIRECT_URI))
        .await
        .unwrap();
    provider.last("/token")
}

const CODE_BODY: &str =
    "grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fapp.example%2Fcb";

#[tokio::test]
async fn client_secret_basic_form_encodes_id_and_secret_as_rfc_6749_2_3_1_says() {
    let seen = exchange_with(ClientAuthMethod::ClientSecretBasic, true).await;
    // base64("aaa%2F%3B%26:bbb%2F%3B%26")
    assert_eq!(
        seen.header("authorization"),
        Some("Basic YWFhJTJGJTNCJTI2OmJiYiUyRiUzQiUyNg==")
    );
    assert_eq!(seen.body_str(), CODE_BODY);
}

#[tokio::test]
async fn client_secret_basic_unencoded_sends_id_and_secret_as_they_are() {
    let seen = exchange_with(ClientAuthMethod::ClientSecretBasicUnencoded, true).await;
    // base64("aaa/;&:bbb/;&")
    assert_eq!(
        seen.header("authorization"),
        Some("Basic YWFhLzsmOmJiYi87Jg==")
    );
    assert_eq!(seen.body_str(), CODE_BODY);
}

#[tokio::test]
async fn client_secret_post_puts_id_and_secret_in_the_body() {
    let seen = exchange_with(ClientAuthMethod::ClientSecretPost, true).await;
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        seen.body_str(),
        format!("{CODE_BODY}&client_id=aaa%2F%3B%26&client_secret=bbb%2F%3B%26")
    );
}

#[tokio::test]
async fn auth_method_none_sends_only_the_client_id() {
    let seen = exchange_with(ClientAuthMethod::None, false).await;
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        seen.body_str(),
        format!("{CODE_BODY}&client_id=aaa%2F%3B%26")
    );
}

#[tokio::test]
async fn custom_auth_method_adds_its_own_parameters() {
    let method = ClientAuthMethod::custom("private_key_jwt", |request, auth| {
        request.set_param(
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        );
        request.set_param("client_assertion", format!("jwt-for-{}", auth.client_id));
        Ok(())
    });
    let seen = exchange_with(method, false).await;
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        seen.body_str(),
        format!(
            "{CODE_BODY}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
             &client_assertion=jwt-for-aaa%2F%3B%26"
        )
    );
}

// ---- 3. Password and client-credentials grants ---------------------------------------------

#[tokio::test]
async fn password_grant_sends_username_password_and_scope() {
    let provider = provider().await;
    let client = client_of(&provider).build().unwrap();
    client
        .fetch_token(TokenGrant::password("alice", "p@ss word").scope("read write"))
        .await
        .unwrap();
    let seen = provider.last("/token");
    assert_eq!(seen.header("authorization"), Some(BASIC_CID));
    assert_eq!(
        seen.body_str(),
        "grant_type=password&username=alice&password=p%40ss+word&scope=read+write"
    );
}

#[tokio::test]
async fn client_credentials_grant_sends_scope_and_access_token_params() {
    let provider = provider().await;
    let client = client_of(&provider)
        .access_token_params([("audience", "https://api.example/")])
        .build()
        .unwrap();
    client
        .fetch_token(TokenGrant::client_credentials().scope("read"))
        .await
        .unwrap();
    assert_eq!(
        provider.last("/token").body_str(),
        "grant_type=client_credentials&scope=read&audience=https%3A%2F%2Fapi.example%2F"
    );
}

#[tokio::test]
async fn access_token_method_get_puts_the_parameters_in_the_query_and_sends_no_body() {
    let provider = provider().await;
    let client = client_of(&provider)
        .access_token_method(Method::GET)
        .access_token_params([("audience", "api")])
        .build()
        .unwrap();
    let token = client
        .fetch_token(TokenGrant::client_credentials().scope("read"))
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-1");
    let seen = provider.last("/token");
    assert_eq!(seen.method, Method::GET);
    assert!(seen.body.is_empty());
    assert_eq!(seen.header("content-type"), None);
    assert_eq!(seen.header("authorization"), Some(BASIC_CID));
    assert_eq!(
        seen.query(),
        pairs(&[
            ("grant_type", "client_credentials"),
            ("scope", "read"),
            ("audience", "api")
        ])
    );
}

// ---- 4. Token responses as providers send them ---------------------------------------------

/// A client-credentials token fetched from a provider whose `/token` answers as given.
async fn fetch_from(
    status: u16,
    content_type: &'static str,
    body: &'static str,
) -> (Provider, Result<Token, Error>) {
    let provider = loopback::serve(
        Router::new()
            .route("/token", reply(status, content_type, body))
            .route("/api/me", json_reply(json!({"ok": true}))),
    )
    .await;
    let client = client_of(&provider).build().unwrap();
    let result = client.fetch_token(TokenGrant::client_credentials()).await;
    (provider, result)
}

#[tokio::test]
async fn json_token_response_is_read() {
    let (_provider, token) = fetch_from(
        200,
        "application/json;charset=UTF-8",
        r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600,
            "refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"read write"}"#,
    )
    .await;
    let token = token.unwrap();
    assert_eq!(token.access_token(), "2YotnFZFEjr1zCsicMWpAA");
    assert_eq!(token.token_type(), "Bearer");
    assert_eq!(token.refresh_token(), Some("tGzv3JOkF0XG5Qx2TlKWIA"));
    assert_eq!(token.expires_in(), Some(3600));
    assert_eq!(token.scope(), Some("read write"));
}

#[tokio::test]
async fn form_encoded_token_response_is_read_github_style() {
    let (_provider, token) = fetch_from(
        200,
        "application/x-www-form-urlencoded; charset=utf-8",
        "access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo%2Cgist\
         &token_type=bearer&expires_in=28800",
    )
    .await;
    let token = token.unwrap();
    assert_eq!(
        token.access_token(),
        "gho_16C7e42F292c6912E7710c838347Ae178B4a"
    );
    assert_eq!(token.token_type(), "bearer");
    assert_eq!(token.scope(), Some("repo,gist"));
    assert_eq!(token.expires_in(), Some(28800));
}

#[tokio::test]
async fn expires_in_as_a_json_string_becomes_an_integer_and_sets_expires_at() {
    let before = now();
    let (_provider, token) = fetch_from(
        200,
        JSON_TYPE,
        r#"{"access_token":"at-1","token_type":"Bearer","expires_in":"3600"}"#,
    )
    .await;
    let after = now();
    let token = token.unwrap();
    assert_eq!(token.expires_in(), Some(3600));
    assert_eq!(token["expires_in"], json!(3600));
    let expires_at = token.expires_at().expect("expires_at");
    assert!(
        (before + 3600..=after + 3600).contains(&expires_at),
        "{expires_at} not within [{}, {}]",
        before + 3600,
        after + 3600
    );
}

#[tokio::test]
async fn missing_token_type_reads_as_bearer_and_api_calls_use_bearer() {
    let (provider, token) = fetch_from(200, JSON_TYPE, r#"{"access_token":"at-nt"}"#).await;
    let token = token.unwrap();
    assert_eq!(token.token_type(), "Bearer");
    let client = client_of(&provider).build().unwrap();
    let resp = client.get("me").token(token).send().await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(
        provider.last("/api/me").header("authorization"),
        Some("Bearer at-nt")
    );
}

#[tokio::test]
async fn scope_as_a_json_list_is_space_joined() {
    let (_provider, token) = fetch_from(
        200,
        JSON_TYPE,
        r#"{"access_token":"at-1","token_type":"Bearer","scope":["read","write"]}"#,
    )
    .await;
    assert_eq!(token.unwrap().scope(), Some("read write"));
}

#[tokio::test]
async fn extra_token_fields_are_kept() {
    let (_provider, token) = fetch_from(
        200,
        JSON_TYPE,
        r#"{"access_token":"at-1","token_type":"Bearer","id_token":"eyJhbGciOiJSUzI1NiJ9.e30.sig",
            "user_id":42}"#,
    )
    .await;
    let token = token.unwrap();
    assert_eq!(token["id_token"], "eyJhbGciOiJSUzI1NiJ9.e30.sig");
    assert_eq!(token["user_id"], 42);
    assert!(token["absent"].is_null());
}

const INVALID_GRANT: &str = r#"{"error":"invalid_grant","error_description":"The code has expired","error_uri":"https://provider.example/errors/invalid_grant"}"#;

fn assert_invalid_grant(result: Result<Token, Error>, status: u16) {
    let Err(Error::OAuth2(oauth2::OAuth2Error::Provider(p))) =
        result.as_ref().map_err(Error::underlying)
    else {
        panic!("expected a provider error, got {result:?}");
    };
    assert_eq!(p.status, status);
    assert_eq!(p.error, "invalid_grant");
    assert_eq!(p.error_description.as_deref(), Some("The code has expired"));
    assert_eq!(
        p.error_uri.as_deref(),
        Some("https://provider.example/errors/invalid_grant")
    );
    assert_eq!(&p.body[..], INVALID_GRANT.as_bytes());
}

#[tokio::test]
async fn error_response_with_400_is_a_provider_error_with_every_field() {
    let (_provider, result) = fetch_from(400, JSON_TYPE, INVALID_GRANT).await;
    assert_invalid_grant(result, 400);
}

#[tokio::test]
async fn error_response_with_200_is_a_provider_error_too() {
    let (_provider, result) = fetch_from(200, JSON_TYPE, INVALID_GRANT).await;
    assert_invalid_grant(result, 200);
}

#[tokio::test]
async fn html_500_from_the_token_endpoint_is_an_http_status_error_keeping_the_body() {
    let page = "<html><body><h1>Internal Server Error</h1></body></html>";
    let (_provider, result) = fetch_from(500, "text/html; charset=utf-8", page).await;
    let Err(Error::OAuth2(oauth2::OAuth2Error::HttpStatus { status, body })) =
        result.as_ref().map_err(Error::underlying)
    else {
        panic!("expected an HTTP status error, got {result:?}");
    };
    assert_eq!(*status, 500);
    assert_eq!(&body[..], page.as_bytes());
}

#[tokio::test]
async fn success_without_access_token_is_missing_field_access_token() {
    let body = r#"{"token_type":"Bearer","expires_in":3600}"#;
    let (_provider, result) = fetch_from(200, JSON_TYPE, body).await;
    let Err(Error::OAuth2(err @ oauth2::OAuth2Error::MissingField { field, .. })) =
        result.as_ref().map_err(Error::underlying)
    else {
        panic!("expected a missing field, got {result:?}");
    };
    assert_eq!(*field, "access_token");
    assert_eq!(err.body(), Some(body.as_bytes()));
    assert!(err.to_string().contains("access_token"), "{err}");
}

// ---- 5. Token placement --------------------------------------------------------------------

#[tokio::test]
async fn header_placement_sends_authorization_bearer() {
    let provider = provider().await;
    let client = client_of(&provider)
        .token(Token::bearer("at-1"))
        .build()
        .unwrap();
    client
        .get("echo")
        .query(&[("q", "x")])
        .send()
        .await
        .unwrap();
    let seen = provider.last("/api/echo");
    assert_eq!(seen.header("authorization"), Some("Bearer at-1"));
    assert_eq!(seen.uri, "/api/echo?q=x");
}

#[tokio::test]
async fn body_placement_merges_access_token_into_the_callers_form() {
    let provider = provider().await;
    let client = client_of(&provider)
        .token_placement(TokenPlacement::Body)
        .token(Token::bearer("at/1"))
        .build()
        .unwrap();
    client
        .post("echo")
        .form(&[("a", "1"), ("b", "x y")])
        .send()
        .await
        .unwrap();
    let seen = provider.last("/api/echo");
    assert_eq!(seen.method, Method::POST);
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        seen.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(seen.body_str(), "a=1&b=x+y&access_token=at%2F1");
    assert_eq!(seen.uri, "/api/echo");
}

#[tokio::test]
async fn uri_placement_merges_access_token_into_the_callers_query() {
    let provider = provider().await;
    let client = client_of(&provider)
        .token_placement(TokenPlacement::Uri)
        .token(Token::bearer("at-1"))
        .build()
        .unwrap();
    client
        .get("echo")
        .query(&[("q", "x y")])
        .send()
        .await
        .unwrap();
    let seen = provider.last("/api/echo");
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        seen.query(),
        pairs(&[("q", "x y"), ("access_token", "at-1")])
    );
    assert!(seen.body.is_empty());
}

#[tokio::test]
async fn withhold_token_sends_no_token_at_all() {
    let provider = provider().await;
    for placement in [TokenPlacement::Header, TokenPlacement::Uri] {
        let client = client_of(&provider)
            .token_placement(placement)
            .token(Token::bearer("at-1"))
            .build()
            .unwrap();
        client.get("echo").withhold_token().send().await.unwrap();
        let seen = provider.last("/api/echo");
        assert_eq!(seen.header("authorization"), None, "{placement}");
        assert_eq!(seen.uri, "/api/echo", "{placement}");
        assert!(seen.body.is_empty());
    }
}

#[tokio::test]
async fn withheld_requests_run_pre_request_but_not_protected_request_hooks() {
    // Authlib runs protected_request when it adds a token (TokenAuth); a withheld request has
    // none. Flask-OAuthlib's pre_request runs on every API request.
    let provider = provider().await;
    let mut hooks = Hooks::new();
    hooks.pre_request(|req| {
        req.headers.insert("x-pre", HeaderValue::from_static("1"));
    });
    hooks.protected_request(|req| {
        req.headers
            .insert("x-protected", HeaderValue::from_static("1"));
    });
    let client = client_of(&provider)
        .token(Token::bearer("at-1"))
        .hooks(&hooks)
        .build()
        .unwrap();
    client.get("echo").withhold_token().send().await.unwrap();
    let seen = provider.last("/api/echo");
    assert_eq!(seen.header("x-pre"), Some("1"));
    assert_eq!(seen.header("x-protected"), None);
    client.get("echo").send().await.unwrap();
    assert_eq!(provider.last("/api/echo").header("x-protected"), Some("1"));
}

#[tokio::test]
async fn request_without_any_token_is_missing_token_and_nothing_is_sent() {
    let provider = provider().await;
    let client = client_of(&provider).build().unwrap();
    let result = client.get("me").send().await;
    assert!(
        matches!(
            result.as_ref().map_err(Error::underlying),
            Err(Error::Client(ClientError::MissingToken))
        ),
        "{result:?}"
    );
    assert!(provider.seen().is_empty());
}

// ---- 6. Hooks ------------------------------------------------------------------------------

#[tokio::test]
async fn weibo_pre_request_fix_rewrites_bearer_to_oauth2() {
    let provider = provider().await;
    let mut hooks = Hooks::new();
    hooks.pre_request(|req| {
        if let Some(auth) = req.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
            let fixed = auth.replacen("Bearer", "OAuth2", 1);
            req.headers.insert(AUTHORIZATION, fixed.parse().unwrap());
        }
    });
    let client = client_of(&provider)
        .hooks(&hooks)
        .token(Token::bearer("2.00abc"))
        .build()
        .unwrap();
    client.get("me").send().await.unwrap();
    assert_eq!(
        provider.last("/api/me").header("authorization"),
        Some("OAuth2 2.00abc")
    );
}

#[tokio::test]
async fn protected_request_hook_changes_api_calls_but_not_token_requests() {
    let provider = provider().await;
    let mut hooks = Hooks::new();
    hooks.protected_request(|req| {
        let separator = if req.url.contains('?') { '&' } else { '?' };
        req.url.push(separator);
        req.url.push_str("lang=en");
        req.headers
            .insert("x-compliance", HeaderValue::from_static("fixed"));
    });
    let client = client_of(&provider).hooks(&hooks).build().unwrap();
    client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    client.get("me").query(&[("q", "1")]).send().await.unwrap();

    let api = provider.last("/api/me");
    assert_eq!(api.uri, "/api/me?q=1&lang=en");
    assert_eq!(api.header("x-compliance"), Some("fixed"));
    let token = provider.last("/token");
    assert_eq!(token.uri, "/token");
    assert_eq!(token.header("x-compliance"), None);
}

/// Slack's token response: no `token_type`, and `ok` beside the token.
const SLACK_TOKEN: &str =
    r#"{"ok":true,"access_token":"xoxp-1","scope":"identify,read","team_id":"T1"}"#;

#[tokio::test]
async fn slack_access_token_response_fix_adds_the_missing_token_type() {
    let provider =
        loopback::serve(Router::new().route("/token", reply(200, JSON_TYPE, SLACK_TOKEN))).await;
    let unfixed = client_of(&provider)
        .build()
        .unwrap()
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    assert_eq!(unfixed.get("token_type"), None);

    let mut hooks = Hooks::new();
    hooks.access_token_response(|resp| {
        if let Ok(Value::Object(mut token)) = serde_json::from_slice(&resp.body) {
            token.entry("token_type").or_insert_with(|| "Bearer".into());
            resp.body = serde_json::to_vec(&token).unwrap();
        }
    });
    let fixed = client_of(&provider)
        .hooks(&hooks)
        .build()
        .unwrap()
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    assert_eq!(fixed.get("token_type"), Some(&json!("Bearer")));
    assert_eq!(fixed.access_token(), "xoxp-1");
    assert_eq!(fixed["team_id"], "T1");
}

#[tokio::test]
async fn refresh_hooks_run_on_refresh_only() {
    let provider = provider().await;
    let mut hooks = Hooks::new();
    hooks.refresh_token_request(|req| req.body.extend_from_slice(b"&hooked=refresh"));
    hooks.refresh_token_response(|resp| {
        if let Ok(Value::Object(mut token)) = serde_json::from_slice(&resp.body) {
            token.insert("seen_by".into(), "refresh_token_response".into());
            resp.body = serde_json::to_vec(&token).unwrap();
        }
    });
    let client = client_of(&provider)
        .refresh_token_url(provider.url("/refresh"))
        .hooks(&hooks)
        .build()
        .unwrap();

    let fetched = client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    assert_eq!(fetched.get("seen_by"), None);
    assert_eq!(
        provider.last("/token").body_str(),
        "grant_type=client_credentials"
    );
    client.get("me").send().await.unwrap();
    assert!(provider.last("/api/me").body.is_empty());

    let refreshed = client.refresh_token(None).await.unwrap();
    assert_eq!(refreshed["seen_by"], "refresh_token_response");
    assert_eq!(
        provider.last("/refresh").body_str(),
        "grant_type=refresh_token&refresh_token=rt-1&hooked=refresh"
    );
}

#[tokio::test]
async fn hooks_compose_pre_request_first_then_compliance_each_in_registration_order() {
    let provider = provider().await;
    let mark = |value: &'static str| {
        move |req: &mut oauth_compat::OutgoingRequest| {
            req.headers
                .append("x-order", HeaderValue::from_static(value));
        }
    };
    let mut hooks = Hooks::new();
    hooks.protected_request(mark("protected-1"));
    hooks.pre_request(mark("pre-1"));
    hooks.protected_request(mark("protected-2"));
    let mut more = Hooks::new();
    more.pre_request(mark("pre-2"));
    let client = client_of(&provider)
        .hooks(&hooks)
        .hooks(&more)
        .token(Token::bearer("at-1"))
        .build()
        .unwrap();
    client.get("me").send().await.unwrap();
    let seen = provider.last("/api/me");
    let order: Vec<&str> = seen
        .headers
        .get_all("x-order")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(order, ["pre-1", "pre-2", "protected-1", "protected-2"]);
}

#[tokio::test]
async fn pre_request_runs_on_api_requests_not_on_token_requests() {
    let provider = provider().await;
    let mut hooks = Hooks::new();
    hooks.pre_request(|req| {
        let kind = if req.url.ends_with("/token") {
            "token"
        } else {
            "api"
        };
        req.headers
            .insert("x-pre-request", HeaderValue::from_static(kind));
    });
    let client = client_of(&provider).hooks(&hooks).build().unwrap();
    client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    client.get("me").send().await.unwrap();
    // Flask-OAuthlib runs pre_request in OAuthRemoteApp.request only.
    assert_eq!(provider.last("/token").header("x-pre-request"), None);
    assert_eq!(
        provider.last("/api/me").header("x-pre-request"),
        Some("api")
    );
}

// ---- 7. Auto refresh -----------------------------------------------------------------------

/// A provider that rotates refresh tokens: generation `g` holds `at-g` / `rt-g`; refreshing
/// with `rt-g` issues generation `g + 1`, and any other refresh token is `invalid_grant`.
/// `/api/me` accepts only the current access token.
#[derive(Default)]
struct Rotating {
    generation: usize,
    refresh_grants: usize,
}

async fn rotating_provider(state: Arc<Mutex<Rotating>>) -> Provider {
    let token_state = state.clone();
    let token = post(move |Form(form): Form<HashMap<String, String>>| {
        let state = token_state.clone();
        async move {
            let mut state = state.lock().unwrap();
            let current = format!("rt-{}", state.generation);
            if form.get("grant_type").map(String::as_str) != Some("refresh_token")
                || form.get("refresh_token") != Some(&current)
            {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"error": "invalid_grant"})),
                );
            }
            state.generation += 1;
            state.refresh_grants += 1;
            let g = state.generation;
            (
                StatusCode::OK,
                Json(json!({
                    "access_token": format!("at-{g}"), "refresh_token": format!("rt-{g}"),
                    "token_type": "Bearer", "expires_in": 3600
                })),
            )
        }
    });
    let me = get(move |headers: HeaderMap| {
        let state = state.clone();
        async move {
            let current = format!("Bearer at-{}", state.lock().unwrap().generation);
            if headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(current.as_str()) {
                (StatusCode::OK, Json(json!({"name": "alice"})))
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"error": "invalid_token"})),
                )
            }
        }
    });
    loopback::serve(Router::new().route("/token", token).route("/api/me", me)).await
}

type Updates = Arc<Mutex<Vec<TokenUpdate>>>;

/// Records every `update_token` call.
fn recording(builder: OAuth2ClientBuilder, updates: &Updates) -> OAuth2ClientBuilder {
    let updates = updates.clone();
    builder.update_token(move |update| {
        let updates = updates.clone();
        async move {
            updates.lock().unwrap().push(update);
            Ok::<(), std::io::Error>(())
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_calls_with_an_expired_token_cause_one_refresh() {
    let state = Arc::new(Mutex::new(Rotating::default()));
    let provider = rotating_provider(state.clone()).await;
    let updates = Updates::default();
    let client = recording(client_of(&provider), &updates).build().unwrap();
    let expired = expired_token("at-0", Some("rt-0"));

    let mut tasks = JoinSet::new();
    for _ in 0..100 {
        let (client, expired) = (client.clone(), expired.clone());
        tasks.spawn(async move {
            client
                .get("me")
                .token(expired)
                .send()
                .await
                .map(|resp| resp.status)
        });
    }
    let results = tokio::time::timeout(Duration::from_secs(30), tasks.join_all())
        .await
        .expect("the calls finish within 30 s");
    for result in &results {
        assert!(matches!(result, Ok(s) if *s == 200), "{result:?}");
    }
    assert_eq!(results.len(), 100);
    assert_eq!(state.lock().unwrap().refresh_grants, 1);
    let refreshes = provider.seen().iter().filter(|s| s.uri == "/token").count();
    assert_eq!(refreshes, 1);

    let updates = updates.lock().unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].refresh_token.as_deref(), Some("rt-0"));
    assert_eq!(updates[0].access_token.as_deref(), Some("at-0"));
    assert_eq!(updates[0].token.access_token(), "at-1");
    assert_eq!(updates[0].token.refresh_token(), Some("rt-1"));
    // The token was the requests' own: a client shared between users does not keep it.
    assert!(client.token().is_none());
}

#[tokio::test]
async fn auto_refresh_goes_to_refresh_token_url_when_set() {
    let provider = provider().await;
    let client = client_of(&provider)
        .refresh_token_url(provider.url("/refresh"))
        .build()
        .unwrap();
    client
        .get("me")
        .token(expired_token("at-old", Some("rt-old")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        provider.last("/refresh").body_str(),
        "grant_type=refresh_token&refresh_token=rt-old"
    );
    assert!(provider.seen().iter().all(|s| s.uri != "/token"));
    assert_eq!(
        provider.last("/api/me").header("authorization"),
        Some("Bearer at-new")
    );
}

#[tokio::test]
async fn auto_refresh_falls_back_to_access_token_url() {
    let provider = provider().await;
    let client = client_of(&provider).build().unwrap();
    client
        .get("me")
        .token(expired_token("at-old", Some("rt-old")))
        .send()
        .await
        .unwrap();
    let seen = provider.last("/token");
    assert_eq!(
        seen.body_str(),
        "grant_type=refresh_token&refresh_token=rt-old"
    );
    assert_eq!(seen.header("authorization"), Some(BASIC_CID));
    assert_eq!(
        provider.last("/api/me").header("authorization"),
        Some("Bearer at-1")
    );
}

#[tokio::test]
async fn refresh_sends_refresh_token_params() {
    let provider = provider().await;
    let client = client_of(&provider)
        .refresh_token_params([("tenant", "7")])
        .build()
        .unwrap();
    client.refresh_token(Some("rt-old")).await.unwrap();
    assert_eq!(
        provider.last("/token").body_str(),
        "grant_type=refresh_token&refresh_token=rt-old&tenant=7"
    );
}

#[tokio::test]
async fn refresh_response_without_refresh_token_keeps_the_old_one() {
    let provider = provider().await;
    let client = client_of(&provider)
        .refresh_token_url(provider.url("/refresh"))
        .build()
        .unwrap();
    let token = client.refresh_token(Some("rt-old")).await.unwrap();
    assert_eq!(token.access_token(), "at-new");
    assert_eq!(token.refresh_token(), Some("rt-old"));
    assert_eq!(client.token().unwrap().refresh_token(), Some("rt-old"));
}

#[tokio::test]
async fn expired_token_without_refresh_token_is_token_expired_and_nothing_is_sent() {
    let provider = provider().await;
    let client = client_of(&provider).build().unwrap();
    let result = client
        .get("me")
        .token(expired_token("at-old", None))
        .send()
        .await;
    assert!(
        matches!(
            result.as_ref().map_err(Error::underlying),
            Err(Error::Client(ClientError::TokenExpired { .. }))
        ),
        "{result:?}"
    );
    assert!(provider.seen().is_empty());
}

#[tokio::test]
async fn explicit_refresh_uses_the_held_tokens_refresh_token() {
    let provider = provider().await;
    let updates = Updates::default();
    let held = Token::bearer("at-held").with_refresh_token("rt-held");
    let client = recording(client_of(&provider), &updates)
        .refresh_token_url(provider.url("/refresh"))
        .token(held)
        .build()
        .unwrap();
    let token = client.refresh_token(None).await.unwrap();
    assert_eq!(
        provider.last("/refresh").body_str(),
        "grant_type=refresh_token&refresh_token=rt-held"
    );
    assert_eq!(token.access_token(), "at-new");
    assert_eq!(client.token().unwrap().access_token(), "at-new");
    let updates = updates.lock().unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].refresh_token.as_deref(), Some("rt-held"));
    assert_eq!(updates[0].access_token.as_deref(), Some("at-held"));
}

#[tokio::test]
async fn update_token_failure_is_reported_with_the_new_token() {
    let provider = provider().await;
    let client = client_of(&provider)
        .refresh_token_url(provider.url("/refresh"))
        .update_token(|_| async { Err::<(), _>(std::io::Error::other("database down")) })
        .build()
        .unwrap();
    let err = client
        .get("me")
        .token(expired_token("at-old", Some("rt-old")))
        .send()
        .await
        .unwrap_err();
    let Error::Client(ClientError::UpdateTokenFailed { token, source }) = err.underlying() else {
        panic!("expected UpdateTokenFailed, got {err:?}");
    };
    assert_eq!(token.access_token(), "at-new");
    assert_eq!(token.refresh_token(), Some("rt-old"));
    assert_eq!(source.to_string(), "database down");
    assert!(err.to_string().contains("update_token"), "{err}");
}

// ---- 8. Revocation (RFC 7009) --------------------------------------------------------------

#[tokio::test]
async fn revocation_with_client_secret_basic_authenticates_in_the_header() {
    let provider = provider().await;
    let client = client_of(&provider)
        .revocation_url(provider.url("/revoke"))
        .build()
        .unwrap();
    client
        .revoke_token("rt-1", Some("refresh_token"))
        .await
        .unwrap();
    let seen = provider.last("/revoke");
    assert_eq!(seen.method, Method::POST);
    assert_eq!(seen.header("authorization"), Some(BASIC_CID));
    assert_eq!(seen.body_str(), "token=rt-1&token_type_hint=refresh_token");
}

#[tokio::test]
async fn revocation_with_client_secret_post_authenticates_in_the_body() {
    let provider = provider().await;
    let client = client_of(&provider)
        .token_endpoint_auth_method(ClientAuthMethod::ClientSecretPost)
        .revocation_url(provider.url("/revoke"))
        .build()
        .unwrap();
    client
        .revoke_token("rt-1", Some("refresh_token"))
        .await
        .unwrap();
    let seen = provider.last("/revoke");
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        seen.body_str(),
        "token=rt-1&token_type_hint=refresh_token&client_id=cid&client_secret=csecret"
    );
}

async fn revoke_against(status: u16, content_type: &'static str, body: &'static str) -> Error {
    let provider =
        loopback::serve(Router::new().route("/revoke", reply(status, content_type, body))).await;
    client_of(&provider)
        .revocation_url(provider.url("/revoke"))
        .build()
        .unwrap()
        .revoke_token("at-1", None)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn revocation_unsupported_token_type_is_a_provider_error() {
    let err = revoke_against(400, JSON_TYPE, r#"{"error":"unsupported_token_type"}"#).await;
    let Error::OAuth2(oauth2::OAuth2Error::Provider(p)) = err.underlying() else {
        panic!("expected a provider error, got {err:?}");
    };
    assert_eq!(p.error, "unsupported_token_type");
    assert_eq!(p.status, 400);
}

#[tokio::test]
async fn revocation_503_is_an_http_status_error() {
    let err = revoke_against(503, "text/plain", "Service Unavailable").await;
    let Error::OAuth2(oauth2::OAuth2Error::HttpStatus { status, body }) = err.underlying() else {
        panic!("expected an HTTP status error, got {err:?}");
    };
    assert_eq!(*status, 503);
    assert_eq!(&body[..], b"Service Unavailable");
}

// ---- 9. api_base_url -----------------------------------------------------------------------

/// A client whose `api_base_url` is `/api/v1/` of `provider`, holding `at-1`.
fn versioned_client(provider: &Provider) -> OAuth2Client {
    client_of(provider)
        .api_base_url(provider.url("/api/v1/"))
        .token(Token::bearer("at-1"))
        .build()
        .unwrap()
}

#[tokio::test]
async fn relative_path_joins_under_api_base_url() {
    let provider = provider().await;
    versioned_client(&provider)
        .get("users/me")
        .send()
        .await
        .unwrap();
    assert_eq!(provider.seen().last().unwrap().uri, "/api/v1/users/me");
}

#[tokio::test]
async fn absolute_path_replaces_the_api_base_url_path() {
    let provider = provider().await;
    versioned_client(&provider)
        .get("/other")
        .send()
        .await
        .unwrap();
    assert_eq!(provider.seen().last().unwrap().uri, "/other");
}

#[tokio::test]
async fn absolute_url_passes_through() {
    let provider = provider().await;
    let elsewhere = format!("http://localhost:{}/api/me", provider.port);
    versioned_client(&provider)
        .get(&elsewhere)
        .send()
        .await
        .unwrap();
    let seen = provider.seen().last().unwrap().clone();
    assert_eq!(seen.uri, "/api/me");
    assert_eq!(
        seen.header("host"),
        Some(format!("localhost:{}", provider.port).as_str())
    );
}

// ---- The first flow, end to end -----------------------------------------------------------

#[tokio::test]
async fn client_credentials_then_api_call_with_bearer_header() {
    let provider = loopback::serve(
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

#[tokio::test]
async fn refresh_grant_through_fetch_token_sends_its_scope_and_params() {
    let provider = provider().await;
    let client = client_of(&provider)
        .refresh_token_params([("tenant", "7")])
        .build()
        .unwrap();
    client
        .fetch_token(
            TokenGrant::refresh_token("rt-old")
                .scope("read")
                .param("resource", "api"),
        )
        .await
        .unwrap();
    assert_eq!(
        provider.last("/token").body_str(),
        "grant_type=refresh_token&refresh_token=rt-old&scope=read&tenant=7&resource=api"
    );
}

// ---- Review fixes ---------------------------------------------------------------------------

#[tokio::test]
async fn a_refresh_grant_needs_only_refresh_token_url() {
    let provider = provider().await;
    let client = OAuth2Client::builder("cid")
        .client_secret("csecret")
        .refresh_token_url(provider.url("/refresh"))
        .engine(engine())
        .build()
        .unwrap();
    let token = client
        .fetch_token(TokenGrant::refresh_token("rt-old"))
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-new");
    assert_eq!(provider.seen().len(), 1);
}

#[test]
fn a_redirect_uri_given_as_a_parameter_is_kept_for_the_code_exchange() {
    let client = authorizing_client().build().unwrap();
    let request = client
        .create_authorization_url(None, &[("redirect_uri", REDIRECT_URI)])
        .unwrap();
    assert_eq!(request.redirect_uri.as_deref(), Some(REDIRECT_URI));
    let sent: Vec<_> = query_pairs(&request.url)
        .into_iter()
        .filter(|(k, _)| k == "redirect_uri")
        .collect();
    assert_eq!(sent, [("redirect_uri".to_owned(), REDIRECT_URI.to_owned())]);
}

#[test]
fn a_code_challenge_parameter_with_pkce_on_is_refused() {
    let client = authorizing_client()
        .code_challenge_method(CodeChallengeMethod::S256)
        .build()
        .unwrap();
    let err = client
        .create_authorization_url(Some(REDIRECT_URI), &[("code_challenge", "mine")])
        .unwrap_err();
    assert!(
        matches!(
            err.underlying(),
            Error::Client(ClientError::ConflictingParameter {
                name: "code_challenge",
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_bad_header_is_a_typed_error_and_the_first_one_is_reported() {
    let provider = provider().await;
    let client = client_of(&provider)
        .token(Token::bearer("at-1"))
        .build()
        .unwrap();
    let err = client
        .get("me")
        .header("x-one", "bad\nvalue")
        .header("bad name", "v")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.underlying(), Error::Engine(oauth_compat::EngineError::InvalidHeader { name, .. }) if name == "x-one"),
        "{err:?}"
    );
    assert!(provider.seen().is_empty());
}

/// The futures are `Send`, so they can be awaited in axum handlers and spawned on tokio.
#[test]
fn client_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = authorizing_client().build().unwrap();
    let oauth1 =
        oauth_compat::OAuth1Client::builder(oauth_compat::oauth1::ClientCredentials::new("k", "s"))
            .engine(engine())
            .build()
            .unwrap();
    let token = Token::oauth1("t", "s");
    assert_send(&client.fetch_token(TokenGrant::client_credentials()));
    assert_send(&client.refresh_token(Some("rt")));
    assert_send(&client.revoke_token("t", None));
    assert_send(&client.get("me").send());
    assert_send(&oauth1.fetch_request_token(None, &[]));
    assert_send(&oauth1.fetch_access_token(&token, "v", &[]));
    assert_send(&oauth1.get("me").send());
}
