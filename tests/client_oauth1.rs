//! The OAuth 1 client against an in-process provider on 127.0.0.1 that verifies every signature
//! with the library's own provider-side verifier: full flows for each signature method and
//! placement, the token endpoints' options, signed API calls, errors, hooks and the transport
//! rule.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Method;
use http::header::AUTHORIZATION;
use oauth_compat::Hooks;
use oauth_compat::MapEnv;
use oauth_compat::oauth1::{ClientCredentials, ParameterLocation, RsaPrivateKey, SignatureType};
use oauth_compat::oauth2::Token;
use oauth_compat::{ClientError, OAuth1Client, OAuth1ClientBuilder};
use oauth_compat::{Engine, EngineError, Error};
use oauth1_provider::{
    ACCESS_SECRET, ACCESS_TOKEN, CONSUMER_KEY, CONSUMER_SECRET, OAuth1Provider, RSA_PRIVATE_PEM,
    TEMP_SECRET, TEMP_TOKEN, VERIFIER,
};
use serde_json::json;
use support::{full_flows::full_flow_tests, loopback::engine, oauth1_provider};

const CALLBACK: &str = "https://app.example/callback";

/// A client of `provider` signing with `method`, parameters in `placement`.
fn client(
    provider: &OAuth1Provider,
    method: &str,
    placement: SignatureType,
) -> OAuth1ClientBuilder {
    let builder = OAuth1Client::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
        .signature_method(method)
        .signature_type(placement)
        .request_token_url(provider.url("/initiate"))
        .access_token_url(provider.url("/token"))
        .authorize_url(provider.url("/authorize"))
        .api_base_url(provider.url("/api/"))
        .engine(engine());
    if method == "RSA-SHA1" {
        builder.rsa_key(RsaPrivateKey::from_pem(RSA_PRIVATE_PEM).expect("test RSA key"))
    } else {
        builder
    }
}

/// A client holding token credentials, signing with HMAC-SHA1 in the header.
fn api_client(provider: &OAuth1Provider) -> OAuth1ClientBuilder {
    client(provider, "HMAC-SHA1", SignatureType::Header)
        .token(Token::oauth1(ACCESS_TOKEN, ACCESS_SECRET))
}

fn location(placement: SignatureType) -> ParameterLocation {
    match placement {
        SignatureType::Header => ParameterLocation::Header,
        SignatureType::Query => ParameterLocation::Query,
        SignatureType::Body => ParameterLocation::Body,
    }
}

/// initiate → authorization URL → token → signed GET and POST, each checked by the provider.
async fn full_flow(method: &str, placement: SignatureType) {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, method, placement).build().unwrap();

    let request_token = client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap();
    assert_eq!(request_token.access_token(), TEMP_TOKEN);
    assert_eq!(request_token.token_secret(), Some(TEMP_SECRET));
    assert_eq!(request_token["oauth_callback_confirmed"], "true");
    let initiate = provider.last_verified("/initiate");
    assert_eq!(initiate.signature_method, method);
    assert_eq!(initiate.location, location(placement));
    assert_eq!(initiate.callback.as_deref(), Some(CALLBACK));
    assert_eq!(initiate.token, None);

    let url = client
        .authorization_url(&request_token, &[("force_login", "true")])
        .unwrap();
    assert_eq!(
        url,
        format!(
            "{}?oauth_token={TEMP_TOKEN}&force_login=true",
            provider.url("/authorize")
        )
    );

    let token = client
        .fetch_access_token(&request_token, VERIFIER, &[])
        .await
        .unwrap();
    assert_eq!(token.access_token(), ACCESS_TOKEN);
    assert_eq!(token.token_secret(), Some(ACCESS_SECRET));
    assert_eq!(token["screen_name"], "twitterapi");
    assert_eq!(token["user_id"], "6253282");
    assert_eq!(client.token(), Some(token));
    let exchange = provider.last_verified("/token");
    assert_eq!(exchange.signature_method, method);
    assert_eq!(exchange.location, location(placement));
    assert_eq!(exchange.token.as_deref(), Some(TEMP_TOKEN));
    assert_eq!(exchange.verifier.as_deref(), Some(VERIFIER));

    let resp = client
        .get("echo")
        .query(&[("count", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{:?}", provider.rejected());
    assert_eq!(resp.data["query"]["count"], "2");
    assert_eq!(resp.data["signature_method"], method);
    let api = provider.last_verified("/api/echo");
    assert_eq!(api.method, Method::GET);
    assert_eq!(api.location, location(placement));
    assert_eq!(api.token.as_deref(), Some(ACCESS_TOKEN));
    assert_eq!(api.param("count"), Some("2"));

    let status = "Hello Ladies + Gentlemen, a signed OAuth request!";
    let resp = client
        .post("echo")
        .form(&[("status", status)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{:?}", provider.rejected());
    assert_eq!(resp.data["form"]["status"], status);
    let api = provider.last_verified("/api/echo");
    assert_eq!(api.method, Method::POST);
    assert_eq!(api.param("status"), Some(status));
    assert!(provider.rejected().is_empty(), "{:?}", provider.rejected());
}

full_flow_tests!(mod full_flow runs full_flow);

// --- The token endpoints' options ---

#[tokio::test]
async fn request_token_by_get_sends_its_params_in_the_signed_query() {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .request_token_method(Method::GET)
        .request_token_params([("scope", "read write")])
        .build()
        .unwrap();
    client
        .fetch_request_token(Some(CALLBACK), &[("x_auth_access_type", "read")])
        .await
        .unwrap();

    let seen = provider.http.last("/initiate");
    assert_eq!(seen.method, Method::GET);
    assert!(seen.body.is_empty());
    assert_eq!(
        seen.query(),
        [
            ("scope".to_owned(), "read write".to_owned()),
            ("x_auth_access_type".to_owned(), "read".to_owned())
        ]
    );
    assert!(seen.header("authorization").unwrap().starts_with("OAuth "));
    let verified = provider.last_verified("/initiate");
    assert_eq!(verified.method, Method::GET);
    assert_eq!(verified.param("scope"), Some("read write"));
    assert_eq!(verified.param("x_auth_access_type"), Some("read"));
}

#[tokio::test]
async fn request_token_is_a_signed_post_with_its_params_in_the_form_by_default() {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .request_token_params([("scope", "read write")])
        .build()
        .unwrap();
    client
        .fetch_request_token(Some(CALLBACK), &[("x_auth_access_type", "read")])
        .await
        .unwrap();

    let seen = provider.http.last("/initiate");
    assert_eq!(seen.method, Method::POST);
    assert_eq!(seen.uri, "/initiate");
    assert_eq!(
        seen.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        seen.form(),
        [
            ("scope".to_owned(), "read write".to_owned()),
            ("x_auth_access_type".to_owned(), "read".to_owned())
        ]
    );
    let verified = provider.last_verified("/initiate");
    assert_eq!(verified.param("scope"), Some("read write"));
    assert_eq!(verified.param("x_auth_access_type"), Some("read"));
}

#[tokio::test]
async fn pre_request_does_not_run_on_token_endpoint_requests() {
    // Flask-OAuthlib runs `pre_request` in `OAuthRemoteApp.request` only: a hook that would
    // rewrite the request-token parameters (and break their signature) never sees them.
    let provider = oauth1_provider::serve().await;
    let mut hooks = Hooks::new();
    hooks.pre_request(|req| {
        req.body = String::from_utf8(std::mem::take(&mut req.body))
            .unwrap()
            .replace("scope=read", "scope=admin")
            .into_bytes();
    });
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .request_token_params([("scope", "read")])
        .hooks(&hooks)
        .build()
        .unwrap();
    client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .expect("the request token, signed and unchanged");
    assert_eq!(
        provider.last_verified("/initiate").param("scope"),
        Some("read")
    );
}

#[tokio::test]
async fn access_token_params_are_sent_and_signed() {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .access_token_params([("x_auth_mode", "client_auth")])
        .build()
        .unwrap();
    client
        .fetch_access_token(
            &Token::oauth1(TEMP_TOKEN, TEMP_SECRET),
            VERIFIER,
            &[("lang", "en")],
        )
        .await
        .unwrap();

    assert_eq!(
        provider.http.last("/token").form(),
        [
            ("x_auth_mode".to_owned(), "client_auth".to_owned()),
            ("lang".to_owned(), "en".to_owned())
        ]
    );
    let verified = provider.last_verified("/token");
    assert_eq!(verified.param("x_auth_mode"), Some("client_auth"));
    assert_eq!(verified.param("lang"), Some("en"));
}

#[tokio::test]
async fn a_calls_param_replaces_the_configured_one_of_the_same_name() {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .access_token_params([("x_auth_mode", "client_auth"), ("lang", "fr")])
        .build()
        .unwrap();
    client
        .fetch_access_token(
            &Token::oauth1(TEMP_TOKEN, TEMP_SECRET),
            VERIFIER,
            &[("lang", "en")],
        )
        .await
        .unwrap();
    assert_eq!(
        provider.http.last("/token").form(),
        [
            ("x_auth_mode".to_owned(), "client_auth".to_owned()),
            ("lang".to_owned(), "en".to_owned())
        ]
    );
}

#[tokio::test]
async fn no_callback_sends_oob() {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .build()
        .unwrap();
    client.fetch_request_token(None, &[]).await.unwrap();

    assert_eq!(
        provider.last_verified("/initiate").callback.as_deref(),
        Some("oob")
    );
    let header = provider.http.last("/initiate");
    assert!(
        header
            .header("authorization")
            .unwrap()
            .contains(r#"oauth_callback="oob""#)
    );
}

#[tokio::test]
async fn realm_is_sent_in_the_authorization_header() {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .realm("Photos")
        .build()
        .unwrap();
    client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap();

    let auth = provider.http.last("/initiate");
    let auth = auth.header("authorization").unwrap();
    assert!(auth.starts_with(r#"OAuth realm="Photos", "#), "{auth}");
    assert_eq!(
        provider.last_verified("/initiate").realm.as_deref(),
        Some("Photos")
    );
}

// --- API calls ---

#[tokio::test]
async fn api_get_signs_its_query() {
    let provider = oauth1_provider::serve().await;
    let client = api_client(&provider).build().unwrap();
    let resp = client
        .get("echo")
        .query(&[("screen_name", "twitter api"), ("count", "2")])
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status, 200);
    assert_eq!(resp.data["query"]["screen_name"], "twitter api");
    let verified = provider.last_verified("/api/echo");
    assert_eq!(verified.method, Method::GET);
    assert_eq!(verified.param("screen_name"), Some("twitter api"));
    assert_eq!(verified.param("count"), Some("2"));
}

#[tokio::test]
async fn api_url_with_raw_spaces_is_signed_as_sent() {
    // The client joins URLs with the `url` crate, which writes a raw space as `%20`, as
    // oauthlib's base string does; what is signed is what is sent.
    let provider = oauth1_provider::serve().await;
    let client = api_client(&provider).build().unwrap();
    let resp = client
        .get("echo?screen_name=twitter api&q=a+b c")
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status, 200);
    assert_eq!(resp.data["query"]["screen_name"], "twitter api");
    assert_eq!(resp.data["query"]["q"], "a b c");
    let verified = provider.last_verified("/api/echo");
    assert_eq!(verified.param("screen_name"), Some("twitter api"));
}

#[tokio::test]
async fn api_post_signs_its_form() {
    let provider = oauth1_provider::serve().await;
    let client = api_client(&provider).build().unwrap();
    let resp = client
        .post("echo")
        .form(&[("status", "café & crème"), ("lat", "37.76")])
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status, 200);
    assert_eq!(resp.data["form"]["status"], "café & crème");
    let verified = provider.last_verified("/api/echo");
    assert_eq!(verified.param("status"), Some("café & crème"));
    assert_eq!(verified.param("lat"), Some("37.76"));
}

#[tokio::test]
async fn api_form_changed_after_signing_is_refused() {
    let provider = oauth1_provider::serve().await;
    let mut hooks = Hooks::new();
    hooks.pre_request(|req| req.body = b"status=tampered".to_vec());
    let client = api_client(&provider).hooks(&hooks).build().unwrap();
    let resp = client
        .post("echo")
        .form(&[("status", "original")])
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status, 401);
    assert_eq!(resp.data["error"], "invalid_signature");
    assert_eq!(
        provider.http.last("/api/echo").body_str(),
        "status=tampered"
    );
    assert!(provider.verified().is_empty());
}

#[tokio::test]
async fn api_post_json_is_sent_but_not_signed() {
    let provider = oauth1_provider::serve().await;
    let client = api_client(&provider).build().unwrap();
    let resp = client
        .post("echo")
        .json(&json!({"text": "hi", "n": 1}))
        .send()
        .await
        .unwrap();

    assert_eq!(resp.status, 200);
    let sent: serde_json::Value =
        serde_json::from_str(resp.data["body"].as_str().unwrap()).unwrap();
    assert_eq!(sent, json!({"text": "hi", "n": 1}));
    let seen = provider.http.last("/api/echo");
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert!(seen.header("authorization").unwrap().starts_with("OAuth "));
    assert!(provider.last_verified("/api/echo").params.is_empty());
}

#[tokio::test]
async fn api_put_and_delete_are_signed() {
    let provider = oauth1_provider::serve().await;
    let client = api_client(&provider).build().unwrap();

    let resp = client
        .put("echo")
        .form(&[("name", "alice")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    let verified = provider.last_verified("/api/echo");
    assert_eq!(verified.method, Method::PUT);
    assert_eq!(verified.param("name"), Some("alice"));

    let resp = client
        .delete("echo")
        .query(&[("id", "42")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.data["method"], "DELETE");
    let verified = provider.last_verified("/api/echo");
    assert_eq!(verified.method, Method::DELETE);
    assert_eq!(verified.param("id"), Some("42"));
}

#[tokio::test]
async fn api_urls_resolve_against_api_base_url() {
    let provider = oauth1_provider::serve().await;
    let client = api_client(&provider).build().unwrap();
    let absolute = provider.url("/api/echo?from=absolute");
    for url in ["echo?from=relative", "/api/echo?from=rooted", &absolute] {
        let resp = client.get(url).send().await.unwrap();
        assert_eq!(resp.status, 200, "{url}");
    }

    let uris: Vec<String> = provider.http.seen().into_iter().map(|s| s.uri).collect();
    assert_eq!(
        uris,
        [
            "/api/echo?from=relative",
            "/api/echo?from=rooted",
            "/api/echo?from=absolute"
        ]
    );
    assert_eq!(provider.verified().len(), 3);
}

#[tokio::test]
async fn withheld_token_sends_no_oauth_parameters_anywhere() {
    let provider = oauth1_provider::serve().await;
    for placement in [
        SignatureType::Header,
        SignatureType::Query,
        SignatureType::Body,
    ] {
        let client = client(&provider, "HMAC-SHA1", placement)
            .token(Token::oauth1(ACCESS_TOKEN, ACCESS_SECRET))
            .build()
            .unwrap();
        let resp = client
            .post("public?q=1")
            .form(&[("a", "b")])
            .withhold_token()
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status, 200);

        let seen = provider.http.last("/api/public");
        assert_eq!(seen.header("authorization"), None, "{placement:?}");
        assert_eq!(seen.uri, "/api/public?q=1", "{placement:?}");
        assert_eq!(seen.body_str(), "a=b", "{placement:?}");
    }
}

#[tokio::test]
async fn api_call_without_a_token_is_missing_token() {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .build()
        .unwrap();
    let err = client.get("echo").send().await.unwrap_err();

    assert!(
        matches!(err.underlying(), Error::Client(ClientError::MissingToken)),
        "{err:?}"
    );
    assert!(provider.http.seen().is_empty());
}

#[tokio::test]
async fn api_call_with_a_token_without_secret_names_oauth_token_secret() {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .build()
        .unwrap();
    let err = client
        .get("echo")
        .token(Token::bearer("x"))
        .send()
        .await
        .unwrap_err();

    assert!(
        matches!(
            err.underlying(),
            Error::Client(ClientError::MissingField {
                field: "oauth_token_secret",
                ..
            })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("oauth_token_secret"), "{err}");
    assert!(provider.http.seen().is_empty());
}

// --- Errors and hooks ---

#[tokio::test]
async fn token_endpoint_401_is_a_provider_error_keeping_the_body() {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .build()
        .unwrap();
    let err = client
        .fetch_access_token(
            &Token::oauth1(TEMP_TOKEN, "not-the-temp-secret"),
            VERIFIER,
            &[],
        )
        .await
        .unwrap_err();

    match err.underlying() {
        Error::Client(ClientError::OAuth1Provider(p)) => {
            assert_eq!(p.status, 401);
            assert_eq!(p.error, "invalid_signature");
            assert_eq!(&*p.body, b"error=invalid_signature");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.provider_error().map(|p| p.error.as_str()),
        Some("invalid_signature")
    );
    // Where, and OAuth 1's own hint (not the OAuth 2 one about codes).
    let step = err.step().expect("located");
    assert_eq!(step.step(), oauth_compat::Step::AccessToken);
    assert_eq!(step.url(), Some(provider.url("/token").as_str()));
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!(
            "access_token {}: the OAuth 1 provider refused",
            provider.url("/token")
        )),
        "{shown}"
    );
    assert!(shown.contains("check the consumer secret"), "{shown}");
    assert!(
        !shown.contains("authorization again") && !shown.contains("code"),
        "{shown}"
    );
    assert_eq!(client.token(), None);
}

#[tokio::test]
async fn token_response_without_secret_is_an_error_naming_it() {
    let provider = oauth1_provider::serve().await;
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .access_token_url(provider.url("/token_without_secret"))
        .build()
        .unwrap();
    let err = client
        .fetch_access_token(&Token::oauth1(TEMP_TOKEN, TEMP_SECRET), VERIFIER, &[])
        .await
        .unwrap_err();

    assert!(
        matches!(
            err.underlying(),
            Error::Client(ClientError::MissingField {
                field: "oauth_token_secret",
                ..
            })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("oauth_token_secret"), "{err}");
    assert_eq!(client.token(), None);
}

#[tokio::test]
async fn pre_request_hook_runs_on_api_requests_after_signing() {
    let provider = oauth1_provider::serve().await;
    let signed_when_hooked: Arc<Mutex<Vec<bool>>> = Arc::default();
    let record = signed_when_hooked.clone();
    let mut hooks = Hooks::new();
    hooks.pre_request(move |req| {
        let auth = req.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        record
            .lock()
            .unwrap()
            .push(auth.is_some_and(|a| a.contains("oauth_signature=")));
        req.headers.insert("x-hooked", "yes".parse().unwrap());
    });
    let client = client(&provider, "HMAC-SHA1", SignatureType::Header)
        .hooks(&hooks)
        .build()
        .unwrap();

    let request_token = client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap();
    client
        .fetch_access_token(&request_token, VERIFIER, &[])
        .await
        .unwrap();
    let resp = client.get("echo").send().await.unwrap();

    assert_eq!(resp.status, 200);
    assert_eq!(*signed_when_hooked.lock().unwrap(), [true]);
    assert_eq!(
        provider.http.last("/api/echo").header("x-hooked"),
        Some("yes")
    );
    for path in ["/initiate", "/token"] {
        assert_eq!(provider.http.last(path).header("x-hooked"), None);
    }
    assert_eq!(provider.verified().len(), 3);
}

#[tokio::test]
async fn pre_request_hook_changing_the_url_breaks_the_signature() {
    let provider = oauth1_provider::serve().await;
    let mut hooks = Hooks::new();
    hooks.pre_request(|req| req.url.push_str("&added=by-hook"));
    let client = api_client(&provider).hooks(&hooks).build().unwrap();
    let resp = client
        .get("echo")
        .query(&[("q", "1")])
        .send()
        .await
        .unwrap();

    // Had the hook run before signing, the signature would cover `added` and verify.
    assert_eq!(resp.status, 401);
    assert_eq!(resp.data["error"], "invalid_signature");
    assert_eq!(
        provider.http.last("/api/echo").uri,
        "/api/echo?q=1&added=by-hook"
    );
    assert!(provider.verified().is_empty());
    assert_eq!(provider.rejected().len(), 1);
}

// --- Transport ---

#[tokio::test]
async fn plain_http_to_another_host_is_refused_before_sending() {
    let client = OAuth1Client::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
        .request_token_url("http://example.invalid/initiate")
        .api_base_url("http://example.invalid/api/")
        .token(Token::oauth1(ACCESS_TOKEN, ACCESS_SECRET))
        .engine(Engine::builder().env(MapEnv::new()).build().unwrap())
        .build()
        .unwrap();

    // A request that went out would fail differently (no such host), or hang: bound it.
    let err = tokio::time::timeout(
        Duration::from_secs(5),
        client.fetch_request_token(Some(CALLBACK), &[]),
    )
    .await
    .expect("refused at once")
    .unwrap_err();
    match err.underlying() {
        Error::Engine(EngineError::InsecureTransport { url }) => {
            assert_eq!(url, "http://example.invalid/initiate");
        }
        other => panic!("{other:?}"),
    }

    let err = tokio::time::timeout(Duration::from_secs(5), client.get("me").send())
        .await
        .expect("refused at once")
        .unwrap_err();
    assert!(
        matches!(err.underlying(),
            Error::Engine(EngineError::InsecureTransport { url }) if url == "http://example.invalid/api/me"
        ),
        "{err:?}"
    );
}
