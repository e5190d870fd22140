//! Errors say where: every error a remote app returns names the app, the step and the URL
//! (without its query), against in-process providers that fail each step in turn.

mod support;

use axum::Router;
use axum::routing::{any, get, post};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use oauth_compat::oauth2::Token;
use oauth_compat::{ClientError, Error, OAuth, RemoteApp, Step};
use oauth_compat::{FlowError, MemorySession, RegisterOptions};
use support::{loopback, oauth1_provider};

const CALLBACK: &str = "http://127.0.0.1/callback";

/// An OAuth 2 provider whose every endpoint refuses: discovery answers 500, the token
/// endpoint `invalid_grant` (with a long description), revocation 503, and the API is closed.
async fn refusing_provider() -> loopback::Provider {
    let long = "x".repeat(2000);
    let router = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "down") }),
        )
        .route(
            "/token",
            post(move || {
                let body = format!(r#"{{"error":"invalid_grant","error_description":"{long}"}}"#);
                async move {
                    (
                        StatusCode::BAD_REQUEST,
                        [(CONTENT_TYPE, "application/json")],
                        body,
                    )
                }
            }),
        )
        .route(
            "/revoke",
            any(|| async { (StatusCode::SERVICE_UNAVAILABLE, "try later") }),
        );
    loopback::serve(router).await
}

fn app(oauth: &OAuth, name: &str, provider: &loopback::Provider) -> RemoteApp {
    oauth.register(
        name,
        RegisterOptions::new()
            .set("client_id", "id")
            .set("client_secret", "SECRET-client")
            .set("authorize_url", provider.url("/authorize"))
            .set("access_token_url", provider.url("/token"))
            .set("revocation_endpoint", provider.url("/revoke"))
            .set("api_base_url", "http://api.example.invalid/v1/"),
    )
}

/// Asserts `err` names `app`, `step` and `url`, in its parts and in its message, with no secret.
fn assert_where(err: &Error, app: &str, step: Step, url: &str) {
    let located = err.step().unwrap_or_else(|| panic!("not located: {err:?}"));
    assert_eq!(located.app(), Some(app), "{err}");
    assert_eq!(located.step(), step, "{err}");
    assert_eq!(located.url(), Some(url), "{err}");
    let shown = err.to_string();
    assert!(shown.contains(&format!("`{app}` {step} {url}")), "{shown}");
    assert!(!format!("{shown} {err:?}").contains("SECRET"), "{shown}");
}

#[tokio::test]
async fn discovery_names_the_app_the_step_and_the_metadata_url() {
    let provider = refusing_provider().await;
    let oauth = OAuth::new();
    let google = oauth.register(
        "google",
        RegisterOptions::new()
            .set("client_id", "id")
            .set("client_secret", "SECRET-client")
            .set(
                "server_metadata_url",
                provider.url("/.well-known/openid-configuration?key=SECRET-q"),
            ),
    );
    let err = google.load_server_metadata().await.unwrap_err();
    assert_where(
        &err,
        "google",
        Step::Discovery,
        &provider.url("/.well-known/openid-configuration"),
    );
    // A flow that needs the document fails the same way, at discovery.
    let err = google
        .authorize_redirect(&MemorySession::new(), Some(CALLBACK), &[])
        .await
        .unwrap_err();
    assert_where(
        &err,
        "google",
        Step::Discovery,
        &provider.url("/.well-known/openid-configuration"),
    );
}

#[tokio::test]
async fn an_oauth1_request_token_refusal_names_the_app_and_its_own_variant() {
    let provider = oauth1_provider::serve().await;
    let oauth = OAuth::new();
    let twitter = oauth.remote_app(
        "twitter",
        RegisterOptions::new()
            .app_key("TWITTER")
            .set("consumer_key", oauth1_provider::CONSUMER_KEY)
            .set("consumer_secret", "SECRET-wrong")
            .set("request_token_url", provider.url("/initiate"))
            .set("access_token_url", provider.url("/token"))
            .set("authorize_url", provider.url("/authorize")),
    );
    let err = twitter
        .authorize_redirect(&MemorySession::new(), Some(CALLBACK), &[])
        .await
        .unwrap_err();
    assert_where(
        &err,
        "twitter",
        Step::RequestToken,
        &provider.url("/initiate"),
    );
    assert!(
        matches!(
            err.underlying(),
            Error::Client(ClientError::OAuth1Provider(p)) if p.error == "invalid_signature"
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn authorize_access_token_refresh_revoke_and_api_steps() {
    let provider = refusing_provider().await;
    let oauth = OAuth::new();
    let github = app(&oauth, "github", &provider);
    let session = MemorySession::new();

    // authorize: a forged callback.
    github
        .authorize_redirect(&session, Some(CALLBACK), &[])
        .await
        .unwrap();
    let err = github
        .authorize_access_token(&session, "code=c&state=forged")
        .await
        .unwrap_err();
    assert_where(&err, "github", Step::Authorize, &provider.url("/authorize"));
    assert!(matches!(
        err.underlying(),
        Error::Flow(FlowError::StateMismatch { .. })
    ));

    // access_token: the code is refused; the long description is cut in the message.
    let url = github
        .authorize_redirect(&session, Some(CALLBACK), &[])
        .await
        .unwrap();
    let state = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let err = github
        .authorize_access_token(&session, format!("code=c&state={state}").as_str())
        .await
        .unwrap_err();
    assert_where(&err, "github", Step::AccessToken, &provider.url("/token"));
    assert_eq!(
        err.provider_error()
            .and_then(|p| p.error_description.as_deref())
            .map(str::len),
        Some(2000)
    );
    let shown = err.to_string();
    assert!(shown.len() < 700, "{} chars: {shown}", shown.len());
    assert!(shown.contains(&format!("{}…", "x".repeat(300))), "{shown}");

    // refresh: an API call whose token expired is refreshed first, and the refresh fails.
    let expired = Token::from_map(
        serde_json::json!({
            "access_token": "SECRET-at",
            "token_type": "Bearer",
            "refresh_token": "SECRET-rt",
            "expires_at": 1,
        })
        .as_object()
        .unwrap()
        .clone(),
    )
    .unwrap();
    let err = github
        .get("user?access=SECRET-q")
        .token(expired)
        .send()
        .await
        .unwrap_err();
    assert_where(&err, "github", Step::Refresh, &provider.url("/token"));

    // revoke: the endpoint is down.
    let err = github.revoke_token("SECRET-at", None).await.unwrap_err();
    assert_where(&err, "github", Step::Revoke, &provider.url("/revoke"));

    // api: plain HTTP to another host is refused before sending; the query is not shown.
    let err = github
        .get("user?access=SECRET-q")
        .token(Token::bearer("SECRET-at"))
        .send()
        .await
        .unwrap_err();
    assert_where(
        &err,
        "github",
        Step::Api,
        "http://api.example.invalid/v1/user",
    );
}

#[tokio::test]
async fn an_api_call_without_a_token_names_the_app_and_the_step() {
    let provider = refusing_provider().await;
    let oauth = OAuth::new();
    let github = app(&oauth, "github", &provider);
    let err = github.get("user").send().await.unwrap_err();
    assert_where(
        &err,
        "github",
        Step::Api,
        "http://api.example.invalid/v1/user",
    );
    assert!(matches!(
        err.underlying(),
        Error::Client(ClientError::MissingToken)
    ));
}

/// A token lookup that fails before the client is reached still names the whole URL.
#[tokio::test]
async fn a_tokengetter_without_a_token_names_the_joined_url() {
    let provider = refusing_provider().await;
    let oauth = OAuth::new();
    let github = oauth.register(
        "github",
        RegisterOptions::new()
            .set("client_id", "id")
            .set("client_secret", "SECRET-client")
            .set("access_token_url", provider.url("/token"))
            .set("api_base_url", "https://api.example.invalid/v1/")
            .fetch_token(|_user: u32| async { Ok::<_, std::io::Error>(None) }),
    );
    let err = github.get("user").context(7_u32).send().await.unwrap_err();
    assert_where(
        &err,
        "github",
        Step::Api,
        "https://api.example.invalid/v1/user",
    );
    assert!(matches!(
        err.underlying(),
        Error::Flow(FlowError::NoToken { .. })
    ));
}
