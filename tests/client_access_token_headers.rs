//! `access_token_headers` and `encoding` against in-process providers on 127.0.0.1: which
//! requests carry the headers (as Flask-OAuthlib's `handle_oauth1_response` and
//! `handle_oauth2_response` send them), and what `encoding` changes (text request bodies) and
//! does not (response decoding).

mod support;

use axum::Router;
use axum::routing::any;
use http::StatusCode;
use http::header::CONTENT_TYPE;
use loopback::Provider;
use oauth_compat::config::Config;
use oauth_compat::oauth1::{ClientCredentials, SignatureType};
use oauth_compat::oauth2::{ClientAuthMethod, Token};
use oauth_compat::{ClientError, OAuth1Client, OAuth2Client, OAuth2ClientBuilder, TokenGrant};
use oauth_compat::{Error, OAuth};
use oauth_compat::{RegisterOptions, RemoteClient};
use oauth1_provider::{ACCESS_SECRET, ACCESS_TOKEN, CONSUMER_KEY, CONSUMER_SECRET, TEMP_SECRET};
use oauth1_provider::{TEMP_TOKEN, VERIFIER};
use support::loopback::{self, engine};
use support::oauth1_provider;

/// `Basic base64("cid:csecret")`.
const BASIC_CID: &str = "Basic Y2lkOmNzZWNyZXQ=";
const FORM_TYPE: &str = "application/x-www-form-urlencoded";

/// `/token` issues a token with a refresh token; `/revoke` accepts; `/api/*` answers JSON;
/// `/latin1/*` answer `café` in ISO 8859-1, with and without a `charset`.
async fn provider() -> Provider {
    let token = || {
        any(|| async {
            (
                [(CONTENT_TYPE, "application/json")],
                r#"{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt"}"#,
            )
        })
    };
    let latin1 = |content_type: &'static str, body: &'static [u8]| {
        any(move || async move { ([(CONTENT_TYPE, content_type)], body) })
    };
    loopback::serve(
        Router::new()
            .route("/token", token())
            .route("/revoke", any(|| async { StatusCode::OK }))
            .route("/api/echo", any(|| async { "{}" }))
            .route("/latin1/text", latin1("text/plain", b"caf\xE9"))
            .route(
                "/latin1/text-charset",
                latin1("text/plain; charset=iso-8859-1", b"caf\xE9"),
            )
            .route("/latin1/form", latin1(FORM_TYPE, b"name=caf\xE9")),
    )
    .await
}

fn oauth2_client(provider: &Provider) -> OAuth2ClientBuilder {
    OAuth2Client::builder("cid")
        .client_secret("csecret")
        .access_token_url(provider.url("/token"))
        .revocation_url(provider.url("/revoke"))
        .api_base_url(provider.url("/"))
        .engine(engine())
}

#[tokio::test]
async fn oauth2_token_request_carries_the_headers_beside_the_clients_own() {
    let provider = provider().await;
    let client = oauth2_client(&provider)
        .access_token_headers([
            ("X-Api-Key", "k3y"),
            ("Accept", "application/vnd.provider+json"),
            ("Content-Type", "application/json"),
        ])
        .build()
        .unwrap();
    client
        .fetch_token(TokenGrant::authorization_code("code-1"))
        .await
        .unwrap();

    let seen = provider.last("/token");
    assert_eq!(seen.header("x-api-key"), Some("k3y"));
    // A header of the client's own is replaced ...
    assert_eq!(seen.header("accept"), Some("application/vnd.provider+json"));
    // ... but not the form body's type, nor the client authentication.
    assert_eq!(seen.header("content-type"), Some(FORM_TYPE));
    assert_eq!(seen.header("authorization"), Some(BASIC_CID));
    assert!(
        seen.form()
            .contains(&("code".to_owned(), "code-1".to_owned()))
    );
}

#[tokio::test]
async fn oauth2_refreshes_carry_the_headers_but_api_calls_and_revocation_do_not() {
    let provider = provider().await;
    let client = oauth2_client(&provider)
        .access_token_headers([("X-Api-Key", "k3y")])
        .build()
        .unwrap();
    client
        .fetch_token(TokenGrant::refresh_token("rt-0"))
        .await
        .unwrap();
    let refresh = provider.last("/token");
    assert!(
        refresh
            .form()
            .contains(&("grant_type".to_owned(), "refresh_token".to_owned()))
    );
    assert_eq!(refresh.header("x-api-key"), Some("k3y"));

    // An expired token is refreshed before the API call; only the refresh has the header.
    let expired = Token::from_map(
        serde_json::json!({
            "access_token": "old", "token_type": "Bearer", "expires_at": 1, "refresh_token": "rt-1"
        })
        .as_object()
        .unwrap()
        .clone(),
    )
    .unwrap();
    client.get("api/echo").token(expired).send().await.unwrap();
    let auto_refresh = provider.last("/token");
    assert!(
        auto_refresh
            .form()
            .contains(&("refresh_token".to_owned(), "rt-1".to_owned()))
    );
    assert_eq!(auto_refresh.header("x-api-key"), Some("k3y"));
    let api = provider.last("/api/echo");
    assert_eq!(api.header("authorization"), Some("Bearer at"));
    assert_eq!(api.header("x-api-key"), None);

    client.revoke_token("at", None).await.unwrap();
    assert_eq!(provider.last("/revoke").header("x-api-key"), None);
}

#[tokio::test]
async fn oauth2_authorization_header_of_the_users_own_only_when_the_client_sends_none() {
    let provider = provider().await;
    // Flask-OAuthlib's reason for the setting: Bitbucket's Basic header beside body credentials.
    let client = oauth2_client(&provider)
        .token_endpoint_auth_method(ClientAuthMethod::ClientSecretPost)
        .access_token_headers([("Authorization", "Basic Yml0YnVja2V0")])
        .build()
        .unwrap();
    client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    let seen = provider.last("/token");
    assert_eq!(seen.header("authorization"), Some("Basic Yml0YnVja2V0"));
    assert!(
        seen.form()
            .contains(&("client_secret".to_owned(), "csecret".to_owned()))
    );

    for method in [
        ClientAuthMethod::ClientSecretBasic,
        ClientAuthMethod::ClientSecretBasicUnencoded,
    ] {
        let refused = oauth2_client(&provider)
            .token_endpoint_auth_method(method)
            .access_token_headers([("authorization", "Basic Yml0YnVja2V0")])
            .build();
        match refused.as_ref().map_err(Error::underlying) {
            Err(Error::Client(err @ ClientError::InvalidAccessTokenHeader { .. })) => {
                let shown = format!("{err} {err:?}");
                assert!(shown.contains("\"authorization\""), "{shown}");
                assert!(shown.contains("client_secret_basic"), "{shown}");
                assert!(!shown.contains("Yml0YnVja2V0"), "{shown}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn invalid_headers_fail_at_build_naming_the_header_and_never_its_value() {
    let provider = provider().await;
    let cases: [(&str, &str); 2] = [("X Key", "v"), ("X-Key", "SECRET\r\nInjected: 1")];
    for (name, value) in cases {
        let err = oauth2_client(&provider)
            .access_token_headers([(name, value)])
            .build()
            .unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            matches!(
                err.underlying(),
                Error::Client(ClientError::InvalidAccessTokenHeader { .. })
            ),
            "{shown}"
        );
        assert!(shown.contains(&format!("{name:?}")), "{shown}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
    assert!(provider.seen().is_empty());
}

#[tokio::test]
async fn oauth1_headers_go_with_the_token_credentials_request_only() {
    let provider = oauth1_provider::serve().await;
    let client = OAuth1Client::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
        .signature_type(SignatureType::Header)
        .request_token_url(provider.url("/initiate"))
        .access_token_url(provider.url("/token"))
        .api_base_url(provider.url("/api/"))
        .access_token_headers([("X-Api-Key", "k3y")])
        .engine(engine())
        .build()
        .unwrap();
    client.fetch_request_token(None, &[]).await.unwrap();
    let token = client
        .fetch_access_token(&Token::oauth1(TEMP_TOKEN, TEMP_SECRET), VERIFIER, &[])
        .await
        .unwrap();
    assert_eq!(token.access_token(), ACCESS_TOKEN);
    client
        .get("echo")
        .token(Token::oauth1(ACCESS_TOKEN, ACCESS_SECRET))
        .send()
        .await
        .unwrap();

    assert_eq!(
        provider.http.last("/token").header("x-api-key"),
        Some("k3y")
    );
    assert_eq!(provider.http.last("/initiate").header("x-api-key"), None);
    assert_eq!(provider.http.last("/api/echo").header("x-api-key"), None);
    // The header came after signing and the signature still verifies.
    provider.last_verified("/token");

    let refused = OAuth1Client::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
        .access_token_headers([("Authorization", "OAuth oauth_signature=\"forged\"")])
        .build();
    match refused.as_ref().map_err(Error::underlying) {
        Err(Error::Client(err @ ClientError::InvalidAccessTokenHeader { .. })) => {
            assert!(err.to_string().contains("OAuth 1 signature"), "{err}");
            assert!(!format!("{err:?}").contains("forged"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn text_bodies_are_sent_in_the_clients_encoding() {
    let provider = provider().await;
    let latin1 = oauth2_client(&provider)
        .encoding("latin-1")
        .build()
        .unwrap();
    let utf8 = oauth2_client(&provider).build().unwrap();
    for (client, want) in [(&latin1, &b"caf\xE9"[..]), (&utf8, "café".as_bytes())] {
        client
            .post("api/echo")
            .token(Token::bearer("at"))
            .header("content-type", "text/plain")
            .text("café")
            .send()
            .await
            .unwrap();
        let seen = provider.last("/api/echo");
        assert_eq!(seen.body, want);
        // No charset is added, as Flask-OAuthlib added none.
        assert_eq!(seen.header("content-type"), Some("text/plain"));
    }

    // Form bodies are percent-encoded UTF-8 whatever the encoding, as in Flask-OAuthlib.
    latin1
        .post("api/echo")
        .token(Token::bearer("at"))
        .form(&[("name", "café")])
        .send()
        .await
        .unwrap();
    assert_eq!(provider.last("/api/echo").body, b"name=caf%C3%A9");
}

#[tokio::test]
async fn oauth1_signs_and_sends_a_text_body_in_its_encoding() {
    let provider = oauth1_provider::serve().await;
    let client = OAuth1Client::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
        .api_base_url(provider.url("/api/"))
        .encoding("iso-8859-1")
        .token(Token::oauth1(ACCESS_TOKEN, ACCESS_SECRET))
        .engine(engine())
        .build()
        .unwrap();
    client
        .put("echo")
        .header("content-type", "text/plain")
        .text("Grüße")
        .send()
        .await
        .unwrap();
    assert_eq!(provider.http.last("/api/echo").body, b"Gr\xFC\xDFe");
    provider.last_verified("/api/echo");
}

#[tokio::test]
async fn unencodable_text_fails_before_anything_is_sent() {
    let provider = provider().await;
    let client = oauth2_client(&provider)
        .encoding("latin-1")
        .build()
        .unwrap();
    let err = client
        .post("api/echo")
        .token(Token::bearer("at"))
        .text("pin=日本")
        .send()
        .await
        .unwrap_err();
    match err.underlying() {
        Error::Client(ClientError::UnencodableText {
            encoding: "windows-1252",
            offset: 4,
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains("日本"));
    assert!(provider.seen().is_empty());
}

#[tokio::test]
async fn encoding_does_not_change_how_responses_decode() {
    let provider = provider().await;
    let client = oauth2_client(&provider)
        .encoding("latin-1")
        .build()
        .unwrap();
    let get = |path: &'static str| client.get(path).withhold_token().send();
    // As in Flask-OAuthlib, the response's charset decides, UTF-8 without one.
    let declared = get("latin1/text-charset").await.unwrap();
    assert_eq!(declared.data, "café");
    let undeclared = get("latin1/text").await.unwrap();
    assert_eq!(undeclared.raw_data, b"caf\xE9");
    assert_eq!(undeclared.text(), "caf\u{FFFD}");
    // A form without a charset is UTF-8, not the client's latin-1: the byte latin-1 would
    // read as `é` is replaced, as Werkzeug's url_decode replaces it.
    let form = get("latin1/form").await.unwrap();
    assert_eq!(form.data["name"], "caf\u{FFFD}");
    assert_eq!(form.raw_data, b"name=caf\xE9");
}

#[tokio::test]
async fn registry_reads_access_token_headers_and_encoding() {
    let provider = provider().await;
    let oauth = OAuth::new().engine(engine());
    let bitbucket = oauth.remote_app(
        "bitbucket",
        RegisterOptions::new()
            .app_key("BITBUCKET")
            .set("base_url", provider.url("/"))
            .set("access_token_url", provider.url("/token"))
            .set("authorize_url", "https://provider.example/authorize"),
    );
    oauth.init_app(
        Config::from_toml_str(
            r#"
            [BITBUCKET]
            consumer_key = "cid"
            consumer_secret = "csecret"
            encoding = "latin-1"
            access_token_headers = { Authorization = "Basic Yml0YnVja2V0", X-Api-Version = 2 }
            "#,
        )
        .unwrap(),
    );
    let RemoteClient::OAuth2(client) = bitbucket.client().unwrap() else {
        panic!("an OAuth 2 app")
    };
    client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    let seen = provider.last("/token");
    // Flask-OAuthlib's apps authenticate in the body, so the app's own header goes out.
    assert_eq!(seen.header("authorization"), Some("Basic Yml0YnVja2V0"));
    assert_eq!(seen.header("x-api-version"), Some("2"));

    bitbucket
        .post("api/echo")
        .token(Token::bearer("at"))
        .text("café")
        .send()
        .await
        .unwrap();
    assert_eq!(provider.last("/api/echo").body, b"caf\xE9");

    let bad = oauth.register(
        "bad",
        RegisterOptions::new()
            .set("client_id", "id")
            .set("client_secret", "s")
            .set("encoding", "klingon-8"),
    );
    let err = bad.client().unwrap_err();
    assert!(err.to_string().contains("\"klingon-8\""), "{err}");
}
