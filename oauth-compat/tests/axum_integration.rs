//! The axum integration in process: the three endpoints, the authorization extractor, the
//! credential extractor and the `require_oauth` layer, driven through the router as a tower
//! service with requests signed by the library's own `Signer`.
#![cfg(feature = "axum")]

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Form, FromRef};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use http::{Method, StatusCode, header};
use oauth_compat::integrations::axum::{
    OAuth1Authorization, OAuth1Credential, OAuth1Rejection, initiate_temporary_credential,
    issue_token, require_oauth,
};
use oauth_compat::oauth1::{ClientCredentials, CredentialsResponse, Signer, TokenCredentials};
use oauth_compat::server::{AuthorizationServer, ResourceProtector, ServerConfig};
use oauth_compat::server::{Client, TokenCredential};
use oauth_compat::store::MemoryStore;
use oauth_compat::{ClientSecret, TokenSecret};
use serde_json::{Value, json};
use tower_service::Service as _;

const BASE: &str = "http://provider.test";
const CLIENT_ID: &str = "printer";
const CLIENT_SECRET: &str = "kd94hf93k423kf44";
const TOKEN: &str = "nnch734d00sl2jdk";
const TOKEN_SECRET: &str = "pfkkdhi9sl3r4s00";

#[derive(Clone)]
struct AppState {
    server: AuthorizationServer,
    protector: ResourceProtector,
}

impl FromRef<AppState> for AuthorizationServer {
    fn from_ref(state: &AppState) -> Self {
        state.server.clone()
    }
}

impl FromRef<AppState> for ResourceProtector {
    fn from_ref(state: &AppState) -> Self {
        state.protector.clone()
    }
}

async fn authorize(authorization: Result<OAuth1Authorization, OAuth1Rejection>) -> Response {
    let authorization = match authorization {
        Ok(authorization) => authorization,
        // The seed's render_template('error.html', error=error).
        Err(error) => {
            return (error.status(), format!("error page: {}", error.error())).into_response();
        }
    };
    match authorization.param("confirm").as_deref() {
        Some("yes") => authorization.grant("jane").await.into_response(),
        _ => authorization.deny().await.into_response(),
    }
}

async fn me(credential: OAuth1Credential) -> Json<Value> {
    Json(json!({ "name": credential.user_id(), "client": credential.client_id }))
}

/// The credential twice, as two extractors would: the second must not meet the first's nonce.
async fn twice(first: OAuth1Credential, second: OAuth1Credential) -> String {
    assert_eq!(first, second);
    second.user_id().to_owned()
}

async fn post_form(
    credential: OAuth1Credential,
    Form(form): Form<Vec<(String, String)>>,
) -> Json<Value> {
    Json(json!({ "name": credential.user_id(), "form": form }))
}

fn app() -> (Router, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    store.add_client(Client {
        client_id: CLIENT_ID.into(),
        client_secret: ClientSecret::new(CLIENT_SECRET),
        rsa_public_key: None,
        default_redirect_uri: None,
    });
    store.add_token(TokenCredential {
        client_id: CLIENT_ID.into(),
        oauth_token: TOKEN.into(),
        oauth_token_secret: TokenSecret::new(TOKEN_SECRET),
        user_id: "jane".into(),
    });
    let config = ServerConfig::default();
    let state = AppState {
        server: AuthorizationServer::from_store(store.clone(), config.clone()),
        protector: ResourceProtector::from_store(store.clone(), config),
    };
    // Protected by the layer (nested: the signature covers /api/...).
    let api = Router::new()
        .route("/me", get(me))
        .route("/twice", get(twice))
        .route("/form", post(post_form))
        .route_layer(require_oauth(state.protector.clone()).body_limit(64));
    // Protected by the extractor alone.
    let bare = Router::new()
        .route("/me", get(me))
        .route("/form", post(post_form));
    let router = Router::new()
        .route("/initiate", any(initiate_temporary_credential))
        .route("/authorize", get(authorize).post(authorize))
        .route("/token", post(issue_token))
        .nest("/api", api)
        .nest("/bare", bare)
        .with_state(state);
    (router, store)
}

async fn call(
    router: &mut Router,
    req: http::Request<Vec<u8>>,
) -> (StatusCode, http::HeaderMap, String) {
    let resp = router.call(req.map(Body::from)).await.unwrap();
    let (parts, body) = resp.into_parts();
    let body: Bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (
        parts.status,
        parts.headers,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

fn signer() -> oauth_compat::oauth1::SignerBuilder {
    Signer::builder(ClientCredentials::new(CLIENT_ID, CLIENT_SECRET))
}

fn token_signer() -> Signer {
    signer()
        .token(TokenCredentials::new(TOKEN, TOKEN_SECRET))
        .build()
        .unwrap()
}

fn signed(
    signer: &Signer,
    method: Method,
    path: &str,
    form: Option<&str>,
) -> http::Request<Vec<u8>> {
    let mut req = http::Request::builder()
        .method(method)
        .uri(format!("{BASE}{path}"));
    if form.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let mut req = req
        .body(form.unwrap_or_default().as_bytes().to_vec())
        .unwrap();
    signer.sign_request(&mut req).unwrap();
    req
}

fn query_value(location: &str, name: &str) -> Option<String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn the_three_endpoints_then_a_protected_resource() {
    let (mut router, _) = app();
    let initiate = signer()
        .callback("https://client.test/ready")
        .build()
        .unwrap();
    let (status, headers, body) = call(
        &mut router,
        signed(&initiate, Method::POST, "/initiate", None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/x-www-form-urlencoded"
    );
    let temporary = CredentialsResponse::parse(body.as_bytes()).unwrap();
    assert!(temporary.oauth_callback_confirmed);

    // The user's decision, from a form.
    let decision = http::Request::post(format!("{BASE}/authorize"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("oauth_token={}&confirm=yes", temporary.oauth_token).into_bytes())
        .unwrap();
    let (status, headers, _) = call(&mut router, decision).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap();
    assert!(
        location.starts_with("https://client.test/ready?"),
        "{location}"
    );
    let verifier = query_value(location, "oauth_verifier").unwrap();

    let exchange = signer()
        .token(temporary.token_credentials())
        .verifier(verifier)
        .build()
        .unwrap();
    let (status, _, body) =
        call(&mut router, signed(&exchange, Method::POST, "/token", None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = CredentialsResponse::parse(body.as_bytes())
        .unwrap()
        .token_credentials();

    let api = signer().token(token).build().unwrap();
    let (status, headers, body) =
        call(&mut router, signed(&api, Method::GET, "/api/me", None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"name": "jane", "client": CLIENT_ID})
    );
}

#[tokio::test]
async fn denied_and_unknown_authorizations() {
    let (mut router, _) = app();
    let initiate = signer()
        .callback("https://client.test/ready")
        .build()
        .unwrap();
    let (_, _, body) = call(
        &mut router,
        signed(&initiate, Method::POST, "/initiate", None),
    )
    .await;
    let temporary = CredentialsResponse::parse(body.as_bytes()).unwrap();
    let page = http::Request::get(format!(
        "{BASE}/authorize?oauth_token={}&confirm=no",
        temporary.oauth_token
    ))
    .body(Vec::new())
    .unwrap();
    let (status, headers, _) = call(&mut router, page).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap();
    assert_eq!(
        query_value(location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_value(location, "oauth_verifier"), None);

    let page = http::Request::get(format!("{BASE}/authorize?oauth_token=nope"))
        .body(Vec::new())
        .unwrap();
    let (status, _, body) = call(&mut router, page).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::UNAUTHORIZED, "error page: invalid_token")
    );
}

#[tokio::test]
async fn initiate_refuses_get_as_authlib_does() {
    let (mut router, _) = app();
    let initiate = signer().callback("oob").build().unwrap();
    let (status, headers, body) = call(
        &mut router,
        signed(&initiate, Method::GET, "/initiate", None),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers[header::ALLOW], "POST");
    assert!(body.starts_with("error=method_not_allowed&"), "{body}");
}

#[tokio::test]
async fn the_layer_reads_a_signed_form_and_hands_it_on() {
    let (mut router, _) = app();
    let req = signed(
        &token_signer(),
        Method::POST,
        "/api/form",
        Some("status=hello+there&n=1"),
    );
    let (status, _, body) = call(&mut router, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"name": "jane", "form": [["status", "hello there"], ["n", "1"]]})
    );

    // The signature covers the form: a changed body is refused.
    let mut req = signed(
        &token_signer(),
        Method::POST,
        "/api/form",
        Some("status=hello"),
    );
    *req.body_mut() = b"status=bye".to_vec();
    let (status, headers, body) = call(&mut router, req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "invalid_signature"
    );

    let long = format!("status={}", "x".repeat(100));
    let (status, _, body) = call(
        &mut router,
        signed(&token_signer(), Method::POST, "/api/form", Some(&long)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
}

#[tokio::test]
async fn behind_the_layer_the_extractor_does_not_check_again() {
    let (mut router, store) = app();
    let before = store.nonce_count();
    let (status, _, body) = call(
        &mut router,
        signed(&token_signer(), Method::GET, "/api/twice", None),
    )
    .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "jane"));
    assert_eq!(store.nonce_count(), before + 1);
}

/// A layer on a nested router inside a layer on the app: the inner one passes on what the
/// outer one checked (it used to check again and refuse every request as a replay).
#[tokio::test]
async fn nested_layers_check_once() {
    let (_, store) = app();
    let protector = ResourceProtector::from_store(store.clone(), ServerConfig::default());
    let inner = Router::new()
        .route("/me", get(me))
        .route("/form", post(post_form))
        .route_layer(require_oauth(protector.clone()));
    let mut router = Router::new()
        .nest("/api", inner)
        .route_layer(require_oauth(protector.clone()))
        .with_state(protector);

    let before = store.nonce_count();
    let (status, _, body) = call(
        &mut router,
        signed(&token_signer(), Method::GET, "/api/me", None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"name": "jane", "client": CLIENT_ID})
    );
    assert_eq!(store.nonce_count(), before + 1);

    // A signed form: read once by the outer layer, handed on whole to the handler.
    let (status, _, body) = call(
        &mut router,
        signed(&token_signer(), Method::POST, "/api/form", Some("a=1")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["form"],
        json!([["a", "1"]])
    );

    // The outer layer still refuses: an unsigned request never reaches the inner one.
    let unsigned = http::Request::get(format!("{BASE}/api/me"))
        .body(Vec::new())
        .unwrap();
    let (status, _, _) = call(&mut router, unsigned).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_extractor_alone_protects_a_route() {
    let (mut router, _) = app();
    let req = signed(&token_signer(), Method::GET, "/bare/me?x=1", None);
    let (status, _, body) = call(&mut router, req.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The same request again is a replay.
    let (status, _, body) = call(&mut router, req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "invalid_nonce"
    );

    let unsigned = http::Request::get(format!("{BASE}/bare/me"))
        .body(Vec::new())
        .unwrap();
    let (status, _, body) = call(&mut router, unsigned).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // A form body is signed, and a parts extractor cannot read it: 415, saying so (bad input
    // is never a 500).
    let mut req = signed(&token_signer(), Method::POST, "/bare/form", Some("a=1"));
    req.headers_mut()
        .insert(header::CONTENT_LENGTH, "3".parse().unwrap());
    let (status, headers, body) = call(&mut router, req).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["error"], "invalid_request");
    assert!(
        json["error_description"]
            .as_str()
            .unwrap()
            .contains("form-encoded body"),
        "{body}"
    );
}

/// A GET that says it is form-encoded but has no body (as some clients send every request) is
/// checked as a request without form parameters; one with a body is a 415, not a 500.
#[tokio::test]
async fn the_extractor_alone_and_a_get_that_says_it_is_a_form() {
    let (mut router, _) = app();
    let form_type = "application/x-www-form-urlencoded";
    for length in [None, Some("0")] {
        let mut req = signed(&token_signer(), Method::GET, "/bare/me?x=1", None);
        req.headers_mut()
            .insert(header::CONTENT_TYPE, form_type.parse().unwrap());
        if let Some(length) = length {
            req.headers_mut()
                .insert(header::CONTENT_LENGTH, length.parse().unwrap());
        }
        let (status, _, body) = call(&mut router, req).await;
        assert_eq!(status, StatusCode::OK, "Content-Length {length:?}: {body}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["name"],
            "jane"
        );
    }

    let mut req = signed(&token_signer(), Method::GET, "/bare/me", Some("a=1"));
    req.headers_mut()
        .insert(header::CONTENT_LENGTH, "3".parse().unwrap());
    let (status, _, body) = call(&mut router, req).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "invalid_request"
    );
}

#[tokio::test]
async fn endpoint_bodies_are_bounded() {
    let (mut router, _) = app();
    let long = format!("a={}", "x".repeat(70 * 1024));
    let req = http::Request::post(format!("{BASE}/initiate"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(long.into_bytes())
        .unwrap();
    let (status, headers, body) = call(&mut router, req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/x-www-form-urlencoded"
    );
    assert!(body.starts_with("error=invalid_request&"), "{body}");
}
