//! The authorization flows through the registry, against in-process providers: OAuth 2 with
//! PKCE and state checks, OAuth 1 against a provider that verifies every signature, and the
//! ways a callback is refused (forged, another session's, replayed, denied).

mod support;

use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::CONTENT_TYPE;
use oauth_compat::cache::MemoryCache;
use oauth_compat::{Error, OAuth, RemoteApp};
use oauth_compat::{FlowError, MemorySession, RegisterOptions, SessionStore};
use sha2::{Digest as _, Sha256};
use support::{loopback, oauth1_provider};

const CALLBACK: &str = "http://127.0.0.1/callback";

/// An OAuth 2 token endpoint answering any code; the test checks what it received.
async fn oauth2_provider() -> loopback::Provider {
    let router = Router::new().route(
        "/token",
        post(|| async {
            (
                [(CONTENT_TYPE, "application/json")],
                r#"{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600, "login": "alice"}"#,
            )
        }),
    );
    loopback::serve(router).await
}

fn github(provider: &loopback::Provider) -> RemoteApp {
    OAuth::new().register(
        "github",
        RegisterOptions::new()
            .set("client_id", "gh-id")
            .set("client_secret", "gh-secret")
            .set("authorize_url", provider.url("/authorize"))
            .set("access_token_url", provider.url("/token"))
            .set("code_challenge_method", "S256"),
    )
}

fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn flow_error(err: &Error) -> &FlowError {
    match err.underlying() {
        Error::Flow(flow) => flow,
        other => panic!("expected a flow error, got {other:?}"),
    }
}

#[tokio::test]
async fn oauth2_full_flow_with_pkce_through_the_registry() {
    let provider = oauth2_provider().await;
    let github = github(&provider);
    let session = MemorySession::new();

    let url = github
        .authorize_redirect(&session, Some(CALLBACK), &[("prompt", "consent")])
        .await
        .unwrap();
    assert!(url.starts_with(&provider.url("/authorize?")), "{url}");
    let sent = query_of(&url);
    assert_eq!(param(&sent, "redirect_uri"), Some(CALLBACK));
    assert_eq!(param(&sent, "prompt"), Some("consent"));
    assert_eq!(param(&sent, "code_challenge_method"), Some("S256"));
    let state = param(&sent, "state").unwrap().to_owned();
    let challenge = param(&sent, "code_challenge").unwrap().to_owned();

    let callback = format!("?code=the-code&state={state}");
    let token = github
        .authorize_access_token(&session, callback.as_str())
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-1");
    assert_eq!(token["login"], "alice");

    // The exchange repeated the redirect_uri and sent the verifier of the challenge.
    let form = provider.last("/token").form();
    assert_eq!(param(&form, "code"), Some("the-code"));
    assert_eq!(param(&form, "redirect_uri"), Some(CALLBACK));
    let verifier = param(&form, "code_verifier").unwrap();
    assert_eq!(
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
        challenge
    );

    // The stored request is gone: the same callback cannot be replayed.
    assert!(session.keys().is_empty(), "{:?}", session.keys());
    let err = github
        .authorize_access_token(&session, callback.as_str())
        .await
        .unwrap_err();
    assert!(matches!(
        flow_error(&err),
        FlowError::NoPendingAuthorization { .. }
    ));
}

#[tokio::test]
async fn oauth2_state_missing_and_mismatch_are_distinct_and_keep_the_flow() {
    let provider = oauth2_provider().await;
    let github = github(&provider);
    let session = MemorySession::new();
    let url = github
        .authorize_redirect(&session, Some(CALLBACK), &[])
        .await
        .unwrap();
    let state = param(&query_of(&url), "state").unwrap().to_owned();

    let err = github
        .authorize_access_token(&session, &[("code", "c")])
        .await
        .unwrap_err();
    assert!(matches!(flow_error(&err), FlowError::MissingState { .. }));
    let err = github
        .authorize_access_token(&session, &[("code", "c"), ("state", "forged")])
        .await
        .unwrap_err();
    assert!(matches!(flow_error(&err), FlowError::StateMismatch { .. }));
    assert!(err.to_string().contains("CSRF"), "{err}");
    // Neither reached the provider, and a forged callback does not cancel the user's flow.
    assert!(provider.seen().is_empty());
    let token = github
        .authorize_access_token(&session, &[("code", "c"), ("state", state.as_str())])
        .await
        .unwrap();
    assert_eq!(token.access_token(), "at-1");
}

#[tokio::test]
async fn oauth2_callback_to_a_session_that_never_started_is_refused() {
    let provider = oauth2_provider().await;
    let github = github(&provider);
    let alice = MemorySession::new();
    let url = github
        .authorize_redirect(&alice, Some(CALLBACK), &[])
        .await
        .unwrap();
    let state = param(&query_of(&url), "state").unwrap().to_owned();

    let mallory = MemorySession::new();
    let err = github
        .authorize_access_token(&mallory, &[("code", "c"), ("state", state.as_str())])
        .await
        .unwrap_err();
    assert!(matches!(
        flow_error(&err),
        FlowError::NoPendingAuthorization { .. }
    ));
}

#[tokio::test]
async fn oauth2_denial_is_a_typed_outcome() {
    let provider = oauth2_provider().await;
    let github = github(&provider);
    let session = MemorySession::new();
    let url = github
        .authorize_redirect(&session, Some(CALLBACK), &[])
        .await
        .unwrap();
    let state = param(&query_of(&url), "state").unwrap().to_owned();

    let callback = format!("error=access_denied&error_description=The+user+said+no&state={state}");
    let err = github
        .authorized_response(&session, &callback)
        .await
        .unwrap_err();
    match flow_error(&err) {
        FlowError::Denied {
            app,
            error,
            description,
        } => {
            assert_eq!(app, "github");
            assert_eq!(error, "access_denied");
            assert_eq!(description.as_deref(), Some("The user said no"));
        }
        other => panic!("{other:?}"),
    }
    // No code at all counts as a denial too.
    let err = github
        .authorized_response(&session, &[("state", state.as_str())])
        .await
        .unwrap_err();
    assert!(
        matches!(flow_error(&err), FlowError::Denied { error, .. } if error == "access_denied")
    );
    assert!(provider.seen().is_empty());
}

mod oauth1 {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use oauth_compat::RequestTokenStore;
    use oauth_compat::cache::{BoxFuture, Cache, CacheError};
    use oauth_compat::oauth2::Token;
    use oauth1_provider::{ACCESS_SECRET, ACCESS_TOKEN, CONSUMER_KEY, CONSUMER_SECRET};
    use oauth1_provider::{TEMP_TOKEN, VERIFIER};

    fn twitter(provider: &oauth1_provider::OAuth1Provider, cache: Arc<MemoryCache>) -> RemoteApp {
        OAuth::new().request_token_cache(cache).remote_app(
            "twitter",
            RegisterOptions::new()
                .app_key("TWITTER")
                .set("consumer_key", CONSUMER_KEY)
                .set("consumer_secret", CONSUMER_SECRET)
                .set("request_token_url", provider.url("/initiate"))
                .set("access_token_url", provider.url("/token"))
                .set("authorize_url", provider.url("/authorize")),
        )
    }

    fn callback() -> String {
        format!("oauth_token={TEMP_TOKEN}&oauth_verifier={VERIFIER}")
    }

    #[tokio::test]
    async fn full_flow_with_flask_oauthlib_names() {
        let provider = oauth1_provider::serve().await;
        let cache = Arc::new(MemoryCache::new());
        let twitter = twitter(&provider, cache.clone());
        let session = MemorySession::new();

        let url = twitter
            .authorize(&session, Some(CALLBACK), &[("force_login", "true")])
            .await
            .unwrap();
        assert_eq!(
            url,
            format!(
                "{}?oauth_token={TEMP_TOKEN}&force_login=true",
                provider.url("/authorize")
            )
        );
        let initiate = provider.last_verified("/initiate");
        assert_eq!(initiate.method, http::Method::GET); // Flask-OAuthlib's default
        assert_eq!(initiate.callback.as_deref(), Some(CALLBACK));
        assert_eq!(cache.len(), 1);

        let token = twitter
            .authorized_response(&session, &callback())
            .await
            .unwrap();
        assert_eq!(token.access_token(), ACCESS_TOKEN);
        assert_eq!(token.token_secret(), Some(ACCESS_SECRET));
        assert_eq!(token["screen_name"], "twitterapi");
        assert_eq!(token["user_id"], "6253282");
        let exchange = provider.last_verified("/token");
        assert_eq!(exchange.token.as_deref(), Some(TEMP_TOKEN));
        assert_eq!(exchange.verifier.as_deref(), Some(VERIFIER));

        // Nothing left behind but the marker that the request token was used.
        assert_eq!(cache.len(), 1);
        assert!(session.keys().is_empty(), "{:?}", session.keys());
    }

    #[tokio::test]
    async fn another_sessions_callback_is_refused() {
        let provider = oauth1_provider::serve().await;
        let twitter = twitter(&provider, Arc::new(MemoryCache::new()));
        let alice = MemorySession::new();
        twitter
            .authorize_redirect(&alice, Some(CALLBACK), &[])
            .await
            .unwrap();

        // Mallory never started a flow: Alice's callback in her session completes nothing.
        let mallory = MemorySession::new();
        let err = twitter
            .authorize_access_token(&mallory, &callback())
            .await
            .unwrap_err();
        assert!(matches!(
            flow_error(&err),
            FlowError::NoPendingAuthorization { .. }
        ));
        // A callback for a token this session did not obtain is refused before any request.
        let err = twitter
            .authorize_access_token(
                &alice,
                &[("oauth_token", "other"), ("oauth_verifier", VERIFIER)],
            )
            .await
            .unwrap_err();
        assert!(matches!(
            flow_error(&err),
            FlowError::RequestTokenMismatch { .. }
        ));
        assert!(provider.verified().iter().all(|v| v.path != "/token"));
        // Alice still completes her own flow.
        let token = twitter
            .authorize_access_token(&alice, &callback())
            .await
            .unwrap();
        assert_eq!(token["screen_name"], "twitterapi");
    }

    #[tokio::test]
    async fn request_token_is_single_use() {
        let provider = oauth1_provider::serve().await;
        let twitter = twitter(&provider, Arc::new(MemoryCache::new()));
        let session = MemorySession::new();
        twitter
            .authorize_redirect(&session, Some(CALLBACK), &[])
            .await
            .unwrap();
        // A copy of the session (a replayed cookie) taken before the callback.
        let copy = MemorySession::new();
        for key in session.keys() {
            let value = session.get(&key).await.unwrap().unwrap();
            copy.set(&key, value).await.unwrap();
        }

        twitter
            .authorize_access_token(&session, &callback())
            .await
            .unwrap();
        let err = twitter
            .authorize_access_token(&copy, &callback())
            .await
            .unwrap_err();
        assert!(matches!(
            flow_error(&err),
            FlowError::RequestTokenGone { .. }
        ));
        let err = twitter
            .authorize_access_token(&session, &callback())
            .await
            .unwrap_err();
        assert!(matches!(
            flow_error(&err),
            FlowError::NoPendingAuthorization { .. }
        ));
        assert_eq!(
            provider
                .verified()
                .iter()
                .filter(|v| v.path == "/token")
                .count(),
            1
        );
    }

    /// A cache whose `get`s, once armed, wait for each other: two callbacks both read the
    /// request token before either deletes it, the race the single-use claim must close.
    #[derive(Default)]
    struct RacingCache {
        inner: MemoryCache,
        armed: AtomicBool,
        barrier: Option<tokio::sync::Barrier>,
    }

    impl Cache for RacingCache {
        fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>> {
            Box::pin(async move {
                let value = self.inner.get(key).await?;
                if self.armed.load(Ordering::SeqCst) {
                    self.barrier.as_ref().unwrap().wait().await;
                }
                Ok(value)
            })
        }

        fn set<'a>(
            &'a self,
            key: &'a str,
            value: Vec<u8>,
            ttl: Option<Duration>,
        ) -> BoxFuture<'a, Result<(), CacheError>> {
            self.inner.set(key, value, ttl)
        }

        fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), CacheError>> {
            self.inner.delete(key)
        }

        fn add<'a>(
            &'a self,
            key: &'a str,
            value: Vec<u8>,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<bool, CacheError>> {
            self.inner.add(key, value, ttl)
        }
    }

    #[tokio::test]
    async fn racing_callbacks_exchange_the_request_token_once() {
        let provider = oauth1_provider::serve().await;
        let cache = Arc::new(RacingCache {
            barrier: Some(tokio::sync::Barrier::new(2)),
            ..RacingCache::default()
        });
        let twitter = OAuth::new().request_token_cache(cache.clone()).remote_app(
            "twitter",
            RegisterOptions::new()
                .app_key("TWITTER")
                .set("consumer_key", CONSUMER_KEY)
                .set("consumer_secret", CONSUMER_SECRET)
                .set("request_token_url", provider.url("/initiate"))
                .set("access_token_url", provider.url("/token"))
                .set("authorize_url", provider.url("/authorize")),
        );
        let session = MemorySession::new();
        twitter
            .authorize_redirect(&session, Some(CALLBACK), &[])
            .await
            .unwrap();
        let copy = MemorySession::new();
        for key in session.keys() {
            copy.set(&key, session.get(&key).await.unwrap().unwrap())
                .await
                .unwrap();
        }
        let callback = callback();
        cache.armed.store(true, Ordering::SeqCst);
        let (a, b) = tokio::join!(
            twitter.authorize_access_token(&session, callback.as_str()),
            twitter.authorize_access_token(&copy, callback.as_str()),
        );
        let errors: Vec<Error> = [a, b].into_iter().filter_map(Result::err).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(matches!(
            flow_error(&errors[0]),
            FlowError::RequestTokenGone { .. }
        ));
        assert_eq!(
            provider
                .verified()
                .iter()
                .filter(|v| v.path == "/token")
                .count(),
            1
        );
    }

    /// Seed 000's `save_request_token` / `fetch_request_token`: the application keeps the
    /// request token itself, by user (here the session's `user`).
    #[derive(Default)]
    struct ByUser {
        saved: std::sync::Mutex<std::collections::HashMap<String, Token>>,
    }

    impl ByUser {
        async fn user(session: &dyn SessionStore) -> Result<String, CacheError> {
            let user = session.get("user").await?;
            Ok(user
                .and_then(|u| u.as_str().map(str::to_owned))
                .unwrap_or_default())
        }
    }

    impl RequestTokenStore for ByUser {
        fn save<'a>(
            &'a self,
            app: &'a str,
            session: &'a dyn SessionStore,
            token: &'a Token,
        ) -> BoxFuture<'a, Result<(), CacheError>> {
            Box::pin(async move {
                let user = Self::user(session).await?;
                self.saved
                    .lock()
                    .unwrap()
                    .insert(format!("{app}/{user}"), token.clone());
                Ok(())
            })
        }

        fn take<'a>(
            &'a self,
            app: &'a str,
            session: &'a dyn SessionStore,
            oauth_token: &'a str,
        ) -> BoxFuture<'a, Result<Option<Token>, CacheError>> {
            Box::pin(async move {
                let user = Self::user(session).await?;
                let mut saved = self.saved.lock().unwrap();
                let key = format!("{app}/{user}");
                Ok(saved
                    .remove(&key)
                    .filter(|token| token.access_token() == oauth_token))
            })
        }
    }

    #[tokio::test]
    async fn application_request_token_store_replaces_the_cache() {
        let provider = oauth1_provider::serve().await;
        let cache = Arc::new(MemoryCache::new());
        let store = Arc::new(ByUser::default());
        let twitter = OAuth::new().request_token_cache(cache.clone()).register(
            "twitter",
            RegisterOptions::new()
                .set("client_id", CONSUMER_KEY)
                .set("client_secret", CONSUMER_SECRET)
                .set("request_token_url", provider.url("/initiate"))
                .set("access_token_url", provider.url("/token"))
                .set("authorize_url", provider.url("/authorize"))
                .request_token_store(store.clone()),
        );
        let session = MemorySession::new();
        session.set("user", "alice".into()).await.unwrap();

        twitter
            .authorize_redirect(&session, Some(CALLBACK), &[])
            .await
            .unwrap();
        // Authlib's default: the request token by POST.
        assert_eq!(
            provider.last_verified("/initiate").method,
            http::Method::POST
        );
        assert!(store.saved.lock().unwrap().contains_key("twitter/alice"));
        assert!(cache.is_empty());

        let token = twitter
            .authorize_access_token(&session, &callback())
            .await
            .unwrap();
        assert_eq!(token["screen_name"], "twitterapi");
        assert!(store.saved.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn denial_without_verifier_is_a_typed_outcome() {
        let provider = oauth1_provider::serve().await;
        let twitter = twitter(&provider, Arc::new(MemoryCache::new()));
        let session = MemorySession::new();
        twitter
            .authorize_redirect(&session, Some(CALLBACK), &[])
            .await
            .unwrap();
        // Twitter's denial: `?denied=<oauth_token>`, no verifier.
        let err = twitter
            .authorize_access_token(&session, format!("denied={TEMP_TOKEN}").as_str())
            .await
            .unwrap_err();
        assert!(
            matches!(flow_error(&err), FlowError::Denied { error, .. } if error == "access_denied")
        );
    }
}
