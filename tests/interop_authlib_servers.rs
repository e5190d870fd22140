//! Our engine against independent providers: the Authlib OAuth 1.0a and OAuth 2.0 servers in
//! `tests/interop/authlib_oauth{1,2}_server.py` (their docstrings list the fixtures, endpoints
//! and quirks relied on here).
//!
//! Each test starts its own server (`tests/support/authlib_peer.rs`) from `<workspace>/.venv`
//! (installed by `scripts/test`), so the server's `/stats` counters belong to that test alone,
//! and stops it by its PID when the test ends, failed or not. Every flow runs through `OAuth1Client` / `OAuth2Client`; only the
//! user's visit to the authorization page is a plain GET, with redirects off, whose `Location`
//! is the callback the provider would send the browser to.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Method;
use oauth_compat::oauth1::{ClientCredentials, RsaPrivateKey, SignatureType};
use oauth_compat::oauth2::{
    ClientAuthMethod, CodeChallengeMethod, CodeVerifier, Token, TokenPlacement,
};
use oauth_compat::{Engine, OAuthResponse, reqwest};
use oauth_compat::{OAuth1Client, OAuth2Client, OAuth2ClientBuilder, TokenGrant};
use serde_json::{Value, json};
use url::Url;

use authlib_peer::PeerServer;
use support::{authlib_peer, full_flows::full_flow_tests};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The redirect URI registered for every client of both servers. It holds no `%`: Authlib's
/// OAuth 1 server decodes `oauth_*` values twice, so a `%` would break the signature check.
const CALLBACK: &str = "http://127.0.0.1/callback";

// --- shared helpers -------------------------------------------------------------------------

fn engine() -> Engine {
    Engine::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("engine")
}

/// The user's browser: follows no redirect, so the callback URL can be read.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("reqwest client")
}

/// Visits an authorization URL and returns where the provider redirects: the callback.
async fn visit(authorization_url: &str) -> Url {
    let resp = browser()
        .get(authorization_url)
        .send()
        .await
        .expect("GET the authorization URL");
    assert_eq!(
        resp.status(),
        302,
        "the authorization page did not redirect"
    );
    let location = resp.headers()["location"].to_str().expect("ASCII Location");
    assert!(
        location.starts_with(&format!("{CALLBACK}?")),
        "redirected to {location}, not to the callback"
    );
    Url::parse(location).expect("Location is a URL")
}

fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// --- OAuth 1 ---------------------------------------------------------------------------------

const O1_KEY: &str = "interop-client";
const O1_SECRET: &str = "interop-secret";
/// Repeated names, a space and sub-delimiters in the query; a repeat and non-ASCII in the form.
const API_QUERY: [(&str, &str); 4] = [("a", "1"), ("b", "x y"), ("a", "2"), ("sym", "~!*'()")];
const API_FORM: [(&str, &str); 4] = [("z", "last"), ("c", "3"), ("z", "first"), ("u", "é")];

fn oauth1_client(server: &PeerServer, method: &str, placement: SignatureType) -> OAuth1Client {
    oauth1_builder(server, method, placement)
        .build()
        .expect("OAuth 1 client")
}

fn oauth1_builder(
    server: &PeerServer,
    method: &str,
    placement: SignatureType,
) -> oauth_compat::OAuth1ClientBuilder {
    let mut builder = OAuth1Client::builder(ClientCredentials::new(O1_KEY, O1_SECRET))
        .signature_method(method)
        .signature_type(placement)
        .request_token_url(server.url("/initiate"))
        .authorize_url(server.url("/authorize"))
        .access_token_url(server.url("/token"))
        .api_base_url(server.url("/api/"))
        .engine(engine());
    if method == "RSA-SHA1" {
        let pem =
            std::fs::read_to_string(format!("{ROOT}/tests/interop/keys/oauth1_rsa_private.pem"))
                .expect("RSA private key");
        builder = builder.rsa_key(RsaPrivateKey::from_pem(&pem).expect("PKCS#8 key"));
    }
    builder
}

/// Temporary credentials, alice's approval, token credentials.
async fn oauth1_authorize(server: &PeerServer, client: &OAuth1Client) -> Token {
    let request_token = client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .expect("temporary credentials");
    // Authlib writes Python's `True` here, not RFC 5849's `true`; it is kept as sent.
    assert_eq!(request_token["oauth_callback_confirmed"], "True");
    let url = client
        .authorization_url(&request_token, &[("user", "alice")])
        .expect("authorization URL");
    assert!(
        url.starts_with(&server.url("/authorize?oauth_token=")),
        "{url}"
    );
    let callback = visit(&url).await;
    assert_eq!(
        param(&callback, "oauth_token").as_deref(),
        Some(request_token.access_token())
    );
    let verifier = param(&callback, "oauth_verifier").expect("oauth_verifier in the callback");
    let token = client
        .fetch_access_token(&request_token, &verifier, &[])
        .await
        .expect("token credentials");
    assert_ne!(token.access_token(), request_token.access_token());
    assert!(token.token_secret().is_some_and(|s| !s.is_empty()));
    token
}

fn pairs(items: &[(&str, &str)]) -> Value {
    items.iter().map(|(k, v)| json!([k, v])).collect()
}

/// The whole three-legged flow, then a signed GET with a query and a signed POST with a query
/// and a form, each checked against what the provider verified and saw.
async fn oauth1_flow_then_signed_calls(method: &str, placement: SignatureType) {
    let server = PeerServer::oauth1();
    let client = oauth1_client(&server, method, placement);
    oauth1_authorize(&server, &client).await;
    let (placement_name, scheme) = match placement {
        SignatureType::Header => ("HEADER", json!("OAuth")),
        SignatureType::Query => ("QUERY", Value::Null),
        SignatureType::Body => ("BODY", Value::Null),
    };

    let get = client
        .get("echo")
        .query(&API_QUERY)
        .send()
        .await
        .expect("signed GET");
    assert_eq!(get.status, 200, "GET: {}", get.data);
    let want = json!({
        "method": "GET",
        "query": pairs(&API_QUERY),
        "form": [],
        "user": "alice",
        "authorization_scheme": scheme,
        "signature_method": method,
        "signature_type": placement_name,
    });
    assert_echo(&get, &want);

    let post = client
        .post("echo")
        .query(&API_QUERY)
        .form(&API_FORM)
        .send()
        .await
        .expect("signed POST");
    assert_eq!(post.status, 200, "POST: {}", post.data);
    let mut want = want;
    want["method"] = json!("POST");
    want["form"] = pairs(&API_FORM);
    assert_echo(&post, &want);
    assert_eq!(
        post.data["content_type"],
        "application/x-www-form-urlencoded"
    );
}

fn assert_echo(resp: &OAuthResponse, want: &Value) {
    for (field, value) in want.as_object().unwrap() {
        assert_eq!(&resp.data[field.as_str()], value, "echo field {field}");
    }
}

full_flow_tests!(mod oauth1_flow runs oauth1_flow_then_signed_calls);

#[tokio::test]
async fn oauth1_request_token_by_get_completes_the_flow() {
    let server = PeerServer::oauth1();
    let client = oauth1_builder(&server, "HMAC-SHA1", SignatureType::Header)
        .request_token_method(Method::GET)
        .build()
        .unwrap();
    oauth1_authorize(&server, &client).await;
    assert_eq!(server.stats().await["last_initiate_method"], "GET");

    let echo = client.get("echo").send().await.unwrap();
    assert_eq!(echo.status, 200, "{}", echo.data);
    assert_eq!(echo.data["user"], "alice");
    assert_eq!(server.stats().await["initiate"], 1);
}

#[tokio::test]
async fn oauth1_denied_authorization_redirects_with_access_denied() {
    let server = PeerServer::oauth1();
    let client = oauth1_client(&server, "HMAC-SHA1", SignatureType::Header);
    let request_token = client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap();
    let url = client
        .authorization_url(&request_token, &[("deny", "1")])
        .unwrap();
    let callback = visit(&url).await;
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&callback, "oauth_verifier"), None);
}

// --- OAuth 2 ---------------------------------------------------------------------------------

/// `basic-client`'s secret holds `/`, `;` and `&`, which RFC 6749 §2.3.1 form-encodes.
const BASIC_ID: &str = "basic-client";
const BASIC_SECRET: &str = "basic/secret;&";
/// base64("basic-client:basic%2Fsecret%3B%26"): RFC 6749 §2.3.1, id and secret form-encoded.
const BASIC_ENCODED_HEADER: &str = "Basic YmFzaWMtY2xpZW50OmJhc2ljJTJGc2VjcmV0JTNCJTI2";
/// base64("basic-client:basic/secret;&"): what Authlib's own client sends.
const BASIC_RAW_HEADER: &str = "Basic YmFzaWMtY2xpZW50OmJhc2ljL3NlY3JldDsm";

/// A client of the OAuth 2 server with its endpoints, redirect URI and scope set.
fn oauth2_builder(
    server: &PeerServer,
    client_id: &str,
    secret: Option<&str>,
    method: ClientAuthMethod,
) -> OAuth2ClientBuilder {
    let mut builder = OAuth2Client::builder(client_id)
        .token_endpoint_auth_method(method)
        .authorize_url(server.url("/authorize"))
        .access_token_url(server.url("/token"))
        .revocation_url(server.url("/revoke"))
        .api_base_url(server.url("/api/"))
        .redirect_uri(CALLBACK)
        .scope("profile email")
        .engine(engine());
    if let Some(secret) = secret {
        builder = builder.client_secret(secret);
    }
    builder
}

fn basic_client(server: &PeerServer) -> OAuth2ClientBuilder {
    oauth2_builder(
        server,
        BASIC_ID,
        Some(BASIC_SECRET),
        ClientAuthMethod::ClientSecretBasic,
    )
}

fn post_client(server: &PeerServer) -> OAuth2ClientBuilder {
    oauth2_builder(
        server,
        "post-client",
        Some("post-secret"),
        ClientAuthMethod::ClientSecretPost,
    )
}

/// alice approves at the authorization page; the code from the callback is exchanged.
async fn authorization_code_flow(client: &OAuth2Client) -> Token {
    let request = client
        .create_authorization_url(None, &[("user", "alice")])
        .expect("authorization URL");
    let callback = visit(&request.url).await;
    let state = param(&callback, "state").expect("state in the callback");
    assert_eq!(state, request.state);
    assert!(request.state_matches(&state));
    let code = param(&callback, "code").expect("code in the callback");
    client
        .fetch_token(TokenGrant::from_callback(code, &request))
        .await
        .expect("code exchange")
}

/// GET /api/me with the held token.
async fn me(client: &OAuth2Client) -> OAuthResponse {
    client.get("me").send().await.expect("GET /api/me")
}

async fn code_flow_with_basic(method: ClientAuthMethod) -> (Token, Value, Value) {
    let server = PeerServer::oauth2();
    let client = oauth2_builder(&server, BASIC_ID, Some(BASIC_SECRET), method)
        .build()
        .unwrap();
    let token = authorization_code_flow(&client).await;
    let stats = server.stats().await;
    let resp = me(&client).await;
    assert_eq!(resp.status, 200, "{}", resp.data);
    (token, stats, resp.data.into_value())
}

#[tokio::test]
async fn authorization_code_with_client_secret_basic_form_encodes_the_credentials() {
    let (token, stats, me) = code_flow_with_basic(ClientAuthMethod::ClientSecretBasic).await;
    assert_eq!(stats["last_client_auth"], "client_secret_basic");
    assert_eq!(stats["last_authorization_header"], BASIC_ENCODED_HEADER);
    assert_eq!(token.token_type(), "Bearer");
    assert_eq!(token.expires_in(), Some(3600));
    assert_eq!(token.scope(), Some("profile email"));
    assert!(token.refresh_token().is_some());
    assert_eq!(me["name"], "alice");
    assert_eq!(me["client_id"], BASIC_ID);
}

#[tokio::test]
async fn authorization_code_with_unencoded_client_secret_basic_sends_the_raw_credentials() {
    let (_, stats, me) = code_flow_with_basic(ClientAuthMethod::ClientSecretBasicUnencoded).await;
    assert_eq!(stats["last_client_auth"], "client_secret_basic");
    assert_eq!(stats["last_authorization_header"], BASIC_RAW_HEADER);
    assert_eq!(me["name"], "alice");
}

#[tokio::test]
async fn authorization_code_with_client_secret_post() {
    let server = PeerServer::oauth2();
    let client = post_client(&server).build().unwrap();
    authorization_code_flow(&client).await;
    let stats = server.stats().await;
    assert_eq!(stats["last_client_auth"], "client_secret_post");
    assert_eq!(stats["last_authorization_header"], Value::Null);
    let me = me(&client).await;
    assert_eq!(me.data["name"], "alice");
    assert_eq!(me.data["client_id"], "post-client");
}

fn public_client(server: &PeerServer) -> OAuth2Client {
    oauth2_builder(server, "public-client", None, ClientAuthMethod::None)
        .code_challenge_method(CodeChallengeMethod::S256)
        .build()
        .unwrap()
}

#[tokio::test]
async fn public_client_with_pkce_s256() {
    let server = PeerServer::oauth2();
    let client = public_client(&server);
    let token = authorization_code_flow(&client).await;
    assert!(token.refresh_token().is_some());
    assert_eq!(server.stats().await["last_client_auth"], "none");
    let me = me(&client).await;
    assert_eq!(me.data["name"], "alice");
    assert_eq!(me.data["client_id"], "public-client");
}

#[tokio::test]
async fn public_client_code_exchange_with_another_verifier_is_refused() {
    let server = PeerServer::oauth2();
    let client = public_client(&server);
    let request = client
        .create_authorization_url(None, &[("user", "alice")])
        .unwrap();
    assert!(request.url.contains("code_challenge_method=S256"));
    let code = param(&visit(&request.url).await, "code").unwrap();
    let err = client
        .fetch_token(
            TokenGrant::authorization_code(code)
                .redirect_uri(CALLBACK)
                .code_verifier(CodeVerifier::generate()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.provider_error().map(|p| p.error.as_str()),
        Some("invalid_grant"),
        "{err}"
    );
}

/// A client whose code exchange gets a token with `expires_in` = 30, inside the 60 s leeway,
/// and whose refreshes go to the plain token endpoint (3600 s tokens).
fn short_lived_client(
    server: &PeerServer,
    updates: Arc<Mutex<Vec<oauth_compat::TokenUpdate>>>,
) -> OAuth2Client {
    basic_client(server)
        .access_token_url(server.url("/token?expires_in=30"))
        .refresh_token_url(server.url("/token"))
        .update_token(move |update| {
            updates.lock().unwrap().push(update);
            async { Ok::<(), std::io::Error>(()) }
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn token_inside_the_leeway_is_refreshed_before_the_api_call() {
    let server = PeerServer::oauth2();
    let updates = Arc::new(Mutex::new(Vec::new()));
    let client = short_lived_client(&server, Arc::clone(&updates));
    let first = authorization_code_flow(&client).await;
    assert_eq!(first.expires_in(), Some(30));
    assert_eq!(server.stats().await["refresh_grants"], 0);

    let resp = me(&client).await;
    assert_eq!(resp.status, 200, "{}", resp.data);
    assert_eq!(resp.data["name"], "alice");
    assert_eq!(server.stats().await["refresh_grants"], 1);

    let held = client.token().unwrap();
    assert_ne!(held.access_token(), first.access_token());
    assert_ne!(held.refresh_token(), first.refresh_token());
    assert_eq!(held.expires_in(), Some(3600));
    let updates = updates.lock().unwrap();
    assert_eq!(updates.len(), 1, "update_token is called once");
    assert_eq!(updates[0].token, held);
    assert_eq!(updates[0].refresh_token.as_deref(), first.refresh_token());
    assert_eq!(
        updates[0].access_token.as_deref(),
        Some(first.access_token())
    );
}

#[tokio::test]
async fn a_rotated_out_refresh_token_is_refused_with_invalid_grant() {
    let server = PeerServer::oauth2();
    let client = short_lived_client(&server, Arc::default());
    let first = authorization_code_flow(&client).await;
    me(&client).await; // the auto refresh rotates the refresh token
    assert_eq!(server.stats().await["refresh_grants"], 1);

    // A second client: the first one remembers its finished refresh (see the next test).
    let other = basic_client(&server).build().unwrap();
    let err = other
        .refresh_token(first.refresh_token())
        .await
        .unwrap_err();
    assert_eq!(
        err.provider_error().map(|p| p.error.as_str()),
        Some("invalid_grant"),
        "{err}"
    );
    assert_eq!(server.stats().await["refresh_grants"], 2);
}

#[tokio::test]
async fn after_rotation_a_request_with_the_old_token_reuses_the_refresh_and_an_explicit_refresh_is_refused()
 {
    let server = PeerServer::oauth2();
    let client = short_lived_client(&server, Arc::default());
    let first = authorization_code_flow(&client).await;
    me(&client).await;
    // A request still carrying the old token is answered from the finished refresh.
    let resp = client
        .get("me")
        .token(first.clone())
        .send()
        .await
        .expect("GET /api/me with the old token");
    assert_eq!(resp.status, 200, "{}", resp.data);
    assert_eq!(server.stats().await["refresh_grants"], 1);
    // An explicit refresh asks the provider, which refuses the rotated-out refresh token.
    let err = client
        .refresh_token(first.refresh_token())
        .await
        .expect_err("the old refresh token was rotated out");
    assert_eq!(
        err.provider_error().map(|p| p.error.as_str()),
        Some("invalid_grant"),
        "{err:?}"
    );
}

#[tokio::test]
async fn revoked_access_token_is_refused_by_the_api() {
    let server = PeerServer::oauth2();
    let client = basic_client(&server).build().unwrap();
    let token = authorization_code_flow(&client).await;
    assert_eq!(me(&client).await.status, 200);
    client
        .revoke_token(token.access_token(), Some("access_token"))
        .await
        .expect("revocation");
    let stats = server.stats().await;
    assert_eq!(stats["revocations"], 1);
    assert_eq!(stats["last_revocation_client_auth"], "client_secret_basic");
    assert_eq!(
        stats["last_revocation_authorization_header"],
        BASIC_ENCODED_HEADER
    );
    let resp = me(&client).await;
    assert_eq!(resp.status, 401, "{}", resp.data);
    assert_eq!(resp.data["error"], "invalid_token");
}

#[tokio::test]
async fn form_encoded_token_response_is_read() {
    let server = PeerServer::oauth2();
    let client = post_client(&server)
        .access_token_url(server.url("/token/form"))
        .build()
        .unwrap();
    let before = unix_now();
    let token = client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    assert_eq!(token.token_type(), "Bearer");
    assert_eq!(token.expires_in(), Some(3600));
    assert!(token.expires_at().is_some_and(|at| at >= before + 3600));
    assert_eq!(token.scope(), Some("profile email"));
    let me = me(&client).await;
    assert_eq!(me.status, 200, "{}", me.data);
    assert_eq!(me.data["client_id"], "post-client");
}

#[tokio::test]
async fn token_response_without_token_type_is_read_as_bearer() {
    let server = PeerServer::oauth2();
    let client = basic_client(&server)
        .access_token_url(server.url("/token/typeless"))
        .build()
        .unwrap();
    let token = authorization_code_flow(&client).await;
    assert_eq!(token.get("token_type"), None);
    assert_eq!(token.token_type(), "Bearer");
    assert_eq!(token.expires_in(), Some(3600));
    assert!(token.expires_at().is_some());
    let me = me(&client).await;
    assert_eq!(me.status, 200, "{}", me.data);
    assert_eq!(me.data["name"], "alice");
}

#[tokio::test]
async fn password_grant() {
    let server = PeerServer::oauth2();
    let client = basic_client(&server).build().unwrap();
    let token = client
        .fetch_token(TokenGrant::password("alice", "wonderland"))
        .await
        .unwrap();
    assert!(token.refresh_token().is_some());
    assert_eq!(
        server.stats().await["last_client_auth"],
        "client_secret_basic"
    );
    assert_eq!(me(&client).await.data["name"], "alice");
}

#[tokio::test]
async fn password_grant_with_a_wrong_password_is_refused() {
    let server = PeerServer::oauth2();
    let client = post_client(&server).build().unwrap();
    let err = client
        .fetch_token(TokenGrant::password("alice", "looking-glass"))
        .await
        .unwrap_err();
    // Authlib answers a wrong password with invalid_request, not RFC 6749's invalid_grant.
    assert_eq!(
        err.provider_error().map(|p| p.error.as_str()),
        Some("invalid_request"),
        "{err}"
    );
    assert!(client.token().is_none());
}

#[tokio::test]
async fn client_credentials_grant_acts_for_no_user() {
    let server = PeerServer::oauth2();
    let client = post_client(&server).build().unwrap();
    let token = client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    assert_eq!(token.refresh_token(), None);
    assert_eq!(token.expires_in(), Some(3600));
    let me = me(&client).await;
    assert_eq!(me.data["name"], Value::Null);
    assert_eq!(me.data["client_id"], "post-client");
}

#[tokio::test]
async fn token_request_by_get_carries_the_grant_in_the_query() {
    let server = PeerServer::oauth2();
    let client = basic_client(&server)
        .access_token_method(Method::GET)
        .build()
        .unwrap();
    let token = client
        .fetch_token(TokenGrant::password("alice", "wonderland"))
        .await
        .unwrap();
    assert_eq!(token.token_type(), "Bearer");
    let stats = server.stats().await;
    assert_eq!(stats["last_token_method"], "GET");
    let query = stats["last_token_query"].as_str().unwrap();
    let url = Url::parse(&format!("http://peer/token?{query}")).unwrap();
    assert_eq!(param(&url, "grant_type").as_deref(), Some("password"));
    assert_eq!(param(&url, "username").as_deref(), Some("alice"));
    assert_eq!(stats["last_authorization_header"], BASIC_ENCODED_HEADER);
    assert_eq!(me(&client).await.data["name"], "alice");
}

/// GET /api/me (a form POST for the body placement) with the token placed as `placement`.
async fn me_with_placement(placement: TokenPlacement) -> Value {
    let server = PeerServer::oauth2();
    let client = basic_client(&server)
        .token_placement(placement)
        .build()
        .unwrap();
    client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    let request = match placement {
        TokenPlacement::Body => client.post("me").form(&[("note", "x")]),
        _ => client.get("me"),
    };
    let resp = request.send().await.unwrap();
    assert_eq!(resp.status, 200, "{}", resp.data);
    assert_eq!(resp.data["client_id"], BASIC_ID);
    resp.data["token_placement"].clone()
}

#[tokio::test]
async fn bearer_token_in_the_header() {
    assert_eq!(me_with_placement(TokenPlacement::Header).await, "header");
}

#[tokio::test]
async fn bearer_token_in_the_form_body() {
    assert_eq!(me_with_placement(TokenPlacement::Body).await, "body");
}

#[tokio::test]
async fn bearer_token_in_the_query() {
    assert_eq!(me_with_placement(TokenPlacement::Uri).await, "query");
}
