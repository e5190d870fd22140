//! Where a remote app's calls get tokens and where refreshed ones go (`fetch_token` /
//! `tokengetter` / `update_token`, app- and registry-level, with the caller's context), server
//! metadata discovery, `revoke_token`, the `state` of seed 004, per-call exchange parameters and
//! Flask-OAuthlib's `format`, against an in-process provider.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use oauth_compat::TokenUpdate;
use oauth_compat::config::Config;
use oauth_compat::oauth2::Token;
use oauth_compat::{DataFormat, FlowError, MemorySession, RegisterOptions};
use oauth_compat::{Error, OAuth, RemoteApp};
use serde_json::{Value, json};
use support::loopback;

const CALLBACK: &str = "http://127.0.0.1/callback";

/// Token endpoint (authorization code and refresh), an API echoing what authenticated it, a
/// revocation endpoint, and discovery documents (good and bad) pointing at all of them.
async fn provider() -> loopback::Provider {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route("/token", post(token))
        .route("/api/me", get(me).post(me))
        .route("/revoke", post(|| async { "{}" }))
        .route("/.well-known/oauth-authorization-server", get(discovery))
        .route("/bad-metadata", get(|| async { "[1, 2]" }))
        .route(
            "/relative-endpoint-metadata",
            get(|| async { r#"{"token_endpoint": "/token"}"# }),
        )
        .route(
            "/bad-endpoint-metadata",
            get(|| async { r#"{"token_endpoint": 42}"# }),
        )
        .with_state(refreshes);
    loopback::serve(router).await
}

async fn token(State(refreshes): State<Arc<AtomicUsize>>, body: String) -> impl IntoResponse {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let grant = form
        .iter()
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.as_str());
    let body = if grant == Some("refresh_token") {
        let n = refreshes.fetch_add(1, Ordering::SeqCst) + 1;
        json!({"access_token": format!("refreshed-{n}"), "token_type": "Bearer",
               "expires_in": 3600, "refresh_token": format!("rt-{}", n + 1)})
    } else {
        json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600,
               "refresh_token": "rt-1", "login": "alice"})
    };
    ([(CONTENT_TYPE, "application/json")], body.to_string())
}

async fn me(headers: HeaderMap, body: String) -> impl IntoResponse {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let body = json!({
        "authorization": header(AUTHORIZATION),
        "content_type": header(CONTENT_TYPE),
        "body": body,
    });
    ([(CONTENT_TYPE, "application/json")], body.to_string())
}

async fn discovery(headers: HeaderMap) -> impl IntoResponse {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let base = format!("http://{host}");
    let body = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "revocation_endpoint": format!("{base}/revoke"),
    });
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

fn options(provider: &loopback::Provider) -> RegisterOptions {
    RegisterOptions::new()
        .set("client_id", "gh-id")
        .set("client_secret", "gh-secret")
        .set("authorize_url", provider.url("/authorize"))
        .set("access_token_url", provider.url("/token"))
        .set("api_base_url", provider.url("/api/"))
}

fn flow_error(err: &Error) -> &FlowError {
    match err.underlying() {
        Error::Flow(flow) => flow,
        other => panic!("expected a flow error, got {other:?}"),
    }
}

async fn authorization_seen(app: &RemoteApp) -> Option<String> {
    let resp = app.get("me").send().await.unwrap();
    resp.data["authorization"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn app_fetch_token_gets_the_calls_context() {
    let provider = provider().await;
    let oauth = OAuth::new();
    let app = oauth.register(
        "github",
        options(&provider).fetch_token(|user: String| async move {
            Ok::<_, std::io::Error>(Some(Token::bearer(format!("token-of-{user}"))))
        }),
    );
    let resp = app
        .get("me")
        .context("alice".to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.data["authorization"], "Bearer token-of-alice");
    let resp = app
        .get("me")
        .context("bob".to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.data["authorization"], "Bearer token-of-bob");
}

#[tokio::test]
async fn registry_fetch_token_serves_apps_without_their_own_and_gets_the_name() {
    let provider = provider().await;
    let oauth = OAuth::new().fetch_token(|name: String, ()| async move {
        Ok::<_, std::io::Error>(Some(Token::bearer(format!("registry-{name}"))))
    });
    let plain = oauth.register("plain", options(&provider));
    let own = oauth.register(
        "own",
        options(&provider)
            .tokengetter(|()| async { Ok::<_, std::io::Error>(Some(Token::bearer("app-level"))) }),
    );
    assert_eq!(
        authorization_seen(&plain).await.as_deref(),
        Some("Bearer registry-plain")
    );
    assert_eq!(
        authorization_seen(&own).await.as_deref(),
        Some("Bearer app-level")
    );
}

#[tokio::test]
async fn explicit_token_and_withhold_token_skip_fetch_token() {
    let provider = provider().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let app = OAuth::new().register(
        "github",
        options(&provider).fetch_token(move |()| {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, std::io::Error>(Some(Token::bearer("fetched"))) }
        }),
    );
    let resp = app
        .get("me")
        .token(Token::bearer("explicit"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.data["authorization"], "Bearer explicit");
    let resp = app.get("me").withhold_token().send().await.unwrap();
    assert_eq!(resp.data["authorization"], Value::Null);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        authorization_seen(&app).await.as_deref(),
        Some("Bearer fetched")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_context_of_the_wrong_type_is_a_typed_error_and_sends_nothing() {
    let provider = provider().await;
    let app = OAuth::new().register(
        "github",
        options(&provider).fetch_token(|user: String| async move {
            Ok::<_, std::io::Error>(Some(Token::bearer(user)))
        }),
    );
    let err = app.get("me").context(7_u32).send().await.unwrap_err();
    match flow_error(&err) {
        FlowError::WrongContext {
            app,
            expected,
            given,
        } => {
            assert_eq!(app, "github");
            // type_name's exact text is not guaranteed across compilers: compare with it.
            assert_eq!(*expected, std::any::type_name::<String>());
            assert_eq!(*given, std::any::type_name::<u32>());
        }
        other => panic!("{other:?}"),
    }
    let err = app.get("me").send().await.unwrap_err();
    assert!(
        matches!(
            flow_error(&err),
            FlowError::WrongContext { given: "()", .. }
        ),
        "{err}"
    );
    assert!(err.to_string().contains(".context("), "{err}");
    assert!(provider.seen().is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn fetch_token_finding_none_or_failing_are_typed_errors() {
    let provider = provider().await;
    let oauth = OAuth::new();
    let none = oauth.register(
        "none",
        options(&provider).fetch_token(|()| async { Ok::<Option<Token>, std::io::Error>(None) }),
    );
    let err = none.get("me").send().await.unwrap_err();
    assert!(matches!(flow_error(&err), FlowError::NoToken { app } if app == "none"));

    let failing = oauth.register(
        "failing",
        options(&provider).fetch_token(|()| async {
            Err::<Option<Token>, _>(std::io::Error::other("token table is locked"))
        }),
    );
    let err = failing.get("me").send().await.unwrap_err();
    assert!(
        matches!(flow_error(&err), FlowError::FetchTokenFailed { app, .. } if app == "failing")
    );
    assert!(err.to_string().contains("token table is locked"), "{err}");
    assert!(provider.seen().is_empty());
}

fn expired(access: &str, refresh: &str) -> Token {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    Token::from_map(
        json!({"access_token": access, "token_type": "Bearer", "refresh_token": refresh,
               "expires_at": now - 10})
        .as_object()
        .unwrap()
        .clone(),
    )
    .unwrap()
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_handed_to_the_apps_update_token() {
    let provider = provider().await;
    let store: Arc<Mutex<Token>> = Arc::new(Mutex::new(expired("old", "rt-old")));
    let updates: Arc<Mutex<Vec<TokenUpdate>>> = Arc::default();
    let (read, write, seen) = (store.clone(), store.clone(), updates.clone());
    let app = OAuth::new().register(
        "github",
        options(&provider)
            .fetch_token(move |()| {
                let token = read.lock().unwrap().clone();
                async move { Ok::<_, std::io::Error>(Some(token)) }
            })
            .update_token(move |update: TokenUpdate| {
                *write.lock().unwrap() = update.token.clone();
                seen.lock().unwrap().push(update);
                async { Ok::<_, std::io::Error>(()) }
            }),
    );
    assert_eq!(
        authorization_seen(&app).await.as_deref(),
        Some("Bearer refreshed-1")
    );
    // The next call reads the saved token: no second refresh.
    assert_eq!(
        authorization_seen(&app).await.as_deref(),
        Some("Bearer refreshed-1")
    );
    let updates = updates.lock().unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].refresh_token.as_deref(), Some("rt-old"));
    assert_eq!(updates[0].access_token.as_deref(), Some("old"));
    assert_eq!(updates[0].token.refresh_token(), Some("rt-2"));
    let refresh = provider.last("/token").form();
    assert!(refresh.contains(&("refresh_token".to_owned(), "rt-old".to_owned())));
}

#[tokio::test]
async fn the_registry_update_token_gets_the_apps_name() {
    let provider = provider().await;
    let names: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = names.clone();
    let oauth = OAuth::new();
    let app = oauth.register("github", options(&provider));
    // Set after the app was registered and used: still counts at the next refresh.
    let _ = app.protocol().unwrap();
    let _ = oauth
        .clone()
        .update_token(move |name: String, update: TokenUpdate| {
            seen.lock()
                .unwrap()
                .push(format!("{name}:{}", update.token.access_token()));
            async { Ok::<_, std::io::Error>(()) }
        });
    let resp = app
        .get("me")
        .token(expired("old", "rt-old"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.data["authorization"], "Bearer refreshed-1");
    assert_eq!(*names.lock().unwrap(), ["github:refreshed-1"]);
}

#[tokio::test]
async fn flask_oauthlib_format_sends_form_or_json() {
    let provider = provider().await;
    let app = OAuth::new().register("github", options(&provider));
    let token = Token::bearer("t");
    let resp = app
        .post("me")
        .token(token.clone())
        .data(&[("status", "hi there")], DataFormat::Json)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.data["content_type"], "application/json");
    let body: Value = serde_json::from_str(resp.data["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"status": "hi there"}));
    let resp = app
        .post("me")
        .token(token)
        .data(&[("status", "hi there")], DataFormat::Urlencoded)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.data["content_type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(resp.data["body"], "status=hi+there");
}

#[tokio::test]
async fn server_metadata_fills_the_endpoints_and_revocation() {
    let provider = provider().await;
    let oauth = OAuth::new();
    oauth.init_app(
        Config::from_toml_str(&format!(
            r#"
            GITHUB_CLIENT_ID = "gh-id"
            GITHUB_CLIENT_SECRET = "gh-secret"
            GITHUB_SERVER_METADATA_URL = "{}"
            "#,
            provider.url("/.well-known/oauth-authorization-server")
        ))
        .unwrap(),
    );
    let app = oauth.register("github", RegisterOptions::new());
    // Synchronous accessors cannot fetch: a typed error until an async use.
    let err = app.client().unwrap_err();
    assert!(
        matches!(flow_error(&err), FlowError::MetadataNotLoaded { .. }),
        "{err}"
    );

    let session = MemorySession::new();
    let url = app
        .authorize_redirect(&session, Some(CALLBACK), &[])
        .await
        .unwrap();
    assert!(url.starts_with(&provider.url("/authorize?")), "{url}");
    let metadata = app.load_server_metadata().await.unwrap();
    assert_eq!(metadata["token_endpoint"], provider.url("/token"));
    assert_eq!(
        app.settings().unwrap().get("access_token_url").unwrap(),
        &json!(provider.url("/token"))
    );
    let state = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let token = app
        .authorize_access_token(&session, format!("code=c-1&state={state}").as_str())
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-1");

    app.revoke_token("rt-1", Some("refresh_token"))
        .await
        .unwrap();
    let revoke = provider.last("/revoke");
    assert_eq!(
        revoke.form(),
        [
            ("token".to_owned(), "rt-1".to_owned()),
            ("token_type_hint".to_owned(), "refresh_token".to_owned())
        ]
    );
    assert!(
        revoke
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    let fetches = provider
        .seen()
        .iter()
        .filter(|s| s.uri.starts_with("/.well-known/"))
        .count();
    assert_eq!(fetches, 1, "the document is fetched once");
}

#[tokio::test]
async fn settings_given_win_over_server_metadata() {
    let provider = provider().await;
    let app = OAuth::new().register(
        "github",
        RegisterOptions::new()
            .set("client_id", "gh-id")
            .set("authorize_url", "https://elsewhere.example/auth")
            .set(
                "server_metadata_url",
                provider.url("/.well-known/oauth-authorization-server"),
            ),
    );
    let url = app
        .authorize_redirect(&MemorySession::new(), Some(CALLBACK), &[])
        .await
        .unwrap();
    assert!(url.starts_with("https://elsewhere.example/auth?"), "{url}");
}

#[tokio::test]
async fn unusable_server_metadata_is_a_typed_error() {
    let provider = provider().await;
    for (path, reason) in [
        ("/bad-metadata", "not a JSON object"),
        ("/bad-endpoint-metadata", "`token_endpoint` is not a string"),
        ("/missing", "HTTP 404 Not Found"),
        (
            "/relative-endpoint-metadata",
            "`token_endpoint` is not an absolute URL",
        ),
    ] {
        let app = OAuth::new().register(
            "github",
            RegisterOptions::new()
                .set("client_id", "gh-id")
                .set("server_metadata_url", provider.url(path)),
        );
        let err = app.load_server_metadata().await.unwrap_err();
        match flow_error(&err) {
            FlowError::BadServerMetadata {
                app,
                url,
                reason: got,
            } => {
                assert_eq!(app, "github");
                assert_eq!(url, &provider.url(path));
                assert_eq!(got, reason);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn revoke_token_is_for_oauth2_apps() {
    let app = OAuth::new().register(
        "twitter",
        RegisterOptions::new()
            .set("client_id", "k")
            .set("client_secret", "s")
            .set(
                "request_token_url",
                "https://api.twitter.com/oauth/request_token",
            ),
    );
    let err = app.revoke_token("t", None).await.unwrap_err();
    assert!(
        matches!(
            flow_error(&err),
            FlowError::NotOAuth2 {
                operation: "revoke_token",
                ..
            }
        ),
        "{err}"
    );
}

fn state_of(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

#[tokio::test]
async fn seed_004_state_function_and_fixed_state_are_sent_and_checked() {
    let provider = provider().await;
    let counter = Arc::new(AtomicUsize::new(0));
    let next = counter.clone();
    let oauth = OAuth::new();
    // Seed 004: request_token_params={'scope': 'email', 'state': lambda: security.gen_salt(10)}
    let app = oauth.remote_app(
        "douban",
        options(&provider)
            .app_key("DOUBAN")
            .set("request_token_params", json!({"scope": "email"}))
            .state(move || format!("salt-{}", next.fetch_add(1, Ordering::SeqCst))),
    );
    let session = MemorySession::new();
    let url = app.authorize(&session, Some(CALLBACK), &[]).await.unwrap();
    assert_eq!(state_of(&url), "salt-0");
    assert!(url.contains("scope=email"), "{url}");
    let err = app
        .authorized_response(&session, "code=c&state=salt-1")
        .await
        .unwrap_err();
    assert!(matches!(flow_error(&err), FlowError::StateMismatch { .. }));
    let token = app
        .authorized_response(&session, "code=c&state=salt-0")
        .await
        .unwrap();
    assert_eq!(token["login"], "alice");

    // A fixed string state in request_token_params is sent as given (and still checked).
    let fixed = oauth.remote_app(
        "weibo",
        options(&provider)
            .app_key("WEIBO")
            .set("request_token_params", json!({"state": "s-1"})),
    );
    let url = fixed
        .authorize(&session, Some(CALLBACK), &[])
        .await
        .unwrap();
    assert_eq!(state_of(&url), "s-1");
}

#[tokio::test]
async fn per_call_params_reach_the_code_exchange() {
    let provider = provider().await;
    let app = OAuth::new().register("github", options(&provider));
    let session = MemorySession::new();
    let url = app
        .authorize_redirect(&session, Some(CALLBACK), &[])
        .await
        .unwrap();
    let query = format!("code=c-9&state={}", state_of(&url));
    app.authorize_access_token_with(&session, query.as_str(), &[("audience", "api")])
        .await
        .unwrap();
    let form = provider.last("/token").form();
    assert!(form.contains(&("code".to_owned(), "c-9".to_owned())));
    assert!(form.contains(&("audience".to_owned(), "api".to_owned())));
}

#[tokio::test]
async fn get_data_goes_to_the_query_and_json_on_a_get_is_refused() {
    let provider = provider().await;
    let app = OAuth::new().register("github", options(&provider));
    let resp = app
        .get("me")
        .token(Token::bearer("t"))
        .data(&[("q", "a b")], DataFormat::Urlencoded)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.data["body"], "");
    assert_eq!(provider.last("/api/me").uri, "/api/me?q=a+b");
    let err = app
        .get("me")
        .token(Token::bearer("t"))
        .data(&[("q", "a")], DataFormat::Json)
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`format`"), "{err}");
}

#[tokio::test]
async fn client_kwargs_leeway_sets_when_tokens_are_refreshed() {
    let provider = provider().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // Expires in 30 s: refreshed under the default 60 s leeway, kept under a 10 s one.
    let token = Token::from_map(
        json!({"access_token": "still-good", "token_type": "Bearer", "refresh_token": "rt",
               "expires_at": now + 30})
        .as_object()
        .unwrap()
        .clone(),
    )
    .unwrap();
    let oauth = OAuth::new();
    let default = oauth.register("default", options(&provider));
    let short = oauth.register(
        "short",
        options(&provider).set("client_kwargs", json!({"leeway": 10})),
    );
    let resp = short.get("me").token(token.clone()).send().await.unwrap();
    assert_eq!(resp.data["authorization"], "Bearer still-good");
    let resp = default.get("me").token(token).send().await.unwrap();
    assert_eq!(resp.data["authorization"], "Bearer refreshed-1");
    let bad = oauth.register(
        "bad",
        options(&provider).set("client_kwargs", json!({"leeway": "soon"})),
    );
    let err = bad.client().unwrap_err();
    assert!(err.to_string().contains("leeway"), "{err}");
}

#[tokio::test]
async fn a_server_metadata_error_does_not_show_the_urls_credentials() {
    let provider = provider().await;
    let url = format!(
        "http://user:hunter2@127.0.0.1:{}/bad-metadata?api_key=s3cr3t",
        provider.port
    );
    let app = OAuth::new().register(
        "github",
        RegisterOptions::new()
            .set("client_id", "gh-id")
            .set("server_metadata_url", url),
    );
    let err = app.load_server_metadata().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("s3cr3t"),
        "{shown}"
    );
    assert!(
        shown.contains(&provider.url("/bad-metadata")),
        "the error still names where: {shown}"
    );
}

#[tokio::test]
async fn per_call_params_replace_the_apps_access_token_params_of_the_same_name() {
    let provider = provider().await;
    let app = OAuth::new().register(
        "github",
        options(&provider).set(
            "access_token_params",
            json!({"audience": "app-default", "kept": "k"}),
        ),
    );
    let session = MemorySession::new();
    let url = app
        .authorize_redirect(&session, Some(CALLBACK), &[])
        .await
        .unwrap();
    let query = format!("code=c-9&state={}", state_of(&url));
    app.authorize_access_token_with(&session, query.as_str(), &[("audience", "per-call")])
        .await
        .unwrap();
    let form = provider.last("/token").form();
    let audiences: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "audience")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(audiences, ["per-call"], "{form:?}");
    assert!(form.contains(&("kept".to_owned(), "k".to_owned())));
}

#[tokio::test]
async fn a_fixed_state_in_authorize_params_is_the_one_checked() {
    let provider = provider().await;
    let app = OAuth::new().register(
        "github",
        options(&provider).set("authorize_params", json!({"state": "fixed-state"})),
    );
    let session = MemorySession::new();
    let url = app
        .authorize_redirect(&session, Some(CALLBACK), &[])
        .await
        .unwrap();
    assert_eq!(state_of(&url), "fixed-state");
    assert_eq!(url.matches("state=").count(), 1, "{url}");
    let token = app
        .authorize_access_token(&session, "code=c&state=fixed-state")
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-1");
}
