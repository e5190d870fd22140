//! Every refusal the provider makes, with Authlib's code and status, and never a 500 for bad
//! input.

mod support;

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Method, StatusCode, header};
use oauth_compat::TokenSecret;
use oauth_compat::oauth1::{SignatureType, TokenCredentials};
use oauth_compat::server::{AuthorizationServer, OAuth1Error, ResourceProtector, ServerConfig};
use oauth_compat::server::{
    BoxFuture, Client, ClientStore, NonceKey, NonceStore, StoreError, TokenCredential,
};
use oauth_compat::store::MemoryStore;
use support::server::*;

const BASE: &str = "http://provider.example";

fn hmac() -> oauth_compat::oauth1::SignerBuilder {
    signer("HMAC-SHA1", SignatureType::Header)
}

async fn resource_error(p: &Provider, req: http::Request<Vec<u8>>) -> (u16, String) {
    let err = p.protector.validate_request(&req).await.unwrap_err();
    (err.status().as_u16(), err.error().to_owned())
}

#[tokio::test]
async fn wrong_secrets_are_invalid_signature() {
    for backend in BACKENDS {
        let p = provider(backend, ServerConfig::default());
        let wrong = signer_for(CLIENT_ID, "wrong", "HMAC-SHA1", SignatureType::Header);
        let resp = initiate(&p, BASE, wrong, CALLBACK).await;
        assert_eq!(error(&resp), (401, "invalid_signature".into()));
        assert_eq!(resp.headers()[header::WWW_AUTHENTICATE], "OAuth");
        assert!(!body(&resp).contains(CLIENT_SECRET));

        // Another client's secret for this client's key.
        let other = signer_for(CLIENT_ID, OTHER_SECRET, "HMAC-SHA1", SignatureType::Header);
        assert_eq!(
            error(&initiate(&p, BASE, other, CALLBACK).await).1,
            "invalid_signature"
        );

        // A token secret that is not the token's.
        let token = token_credentials(&p, BASE, "HMAC-SHA1", SignatureType::Header).await;
        let forged = TokenCredentials::new(token.token.clone(), "not-the-token-secret");
        let req = resource_request(BASE, "HMAC-SHA1", SignatureType::Header, &forged);
        assert_eq!(
            resource_error(&p, req).await,
            (401, "invalid_signature".into())
        );

        // A tampered parameter.
        let mut req = resource_request(BASE, "HMAC-SHA1", SignatureType::Header, &token);
        *req.body_mut() = b"status=goodbye".to_vec();
        assert_eq!(
            resource_error(&p, req).await,
            (401, "invalid_signature".into())
        );

        // RSA-SHA1 signed with a key that is not the client's registered one.
        let p = provider(backend, all_methods_config());
        let mut no_key = client(CLIENT_ID, CLIENT_SECRET);
        no_key.rsa_public_key = None;
        p.db.add_client(no_key);
        let resp = initiate(
            &p,
            BASE,
            signer("RSA-SHA1", SignatureType::Header),
            CALLBACK,
        )
        .await;
        assert_eq!(error(&resp), (401, "invalid_signature".into()));
        assert!(body(&resp).contains("RSA"), "{}", body(&resp));
    }
}

#[tokio::test]
async fn a_client_without_a_secret_cannot_use_shared_secret_methods() {
    let p = provider(Backend::Memory, all_methods_config());
    p.db.add_client(client("rsa-only", ""));
    for method in ["HMAC-SHA1", "HMAC-SHA256", "PLAINTEXT"] {
        let s = signer_for("rsa-only", "", method, SignatureType::Header);
        let resp = initiate(&p, "http://127.0.0.1", s, CALLBACK).await;
        assert_eq!(error(&resp), (401, "invalid_signature".into()), "{method}");
    }
    let s = signer_for("rsa-only", "", "RSA-SHA1", SignatureType::Header);
    assert_eq!(
        initiate(&p, BASE, s, CALLBACK).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_client_and_unknown_token() {
    for backend in BACKENDS {
        let p = provider(backend, ServerConfig::default());
        let stranger = signer_for("nobody", "x", "HMAC-SHA1", SignatureType::Header);
        let resp = initiate(&p, BASE, stranger.clone(), CALLBACK).await;
        assert_eq!(error(&resp), (401, "invalid_client".into()));

        let made_up = TokenCredentials::new("made-up-token", "s");
        let req = origin_form(sign(
            hmac().token(made_up.clone()),
            request(Method::GET, &format!("{BASE}/api/me"), None),
        ));
        assert_eq!(resource_error(&p, req).await, (401, "invalid_token".into()));
        let resp = exchange(&p, BASE, hmac(), &made_up, "v").await;
        assert_eq!(error(&resp), (401, "invalid_token".into()));

        // A protected request without any token.
        let req = origin_form(sign(
            hmac(),
            request(Method::GET, &format!("{BASE}/api/me"), None),
        ));
        assert_eq!(
            resource_error(&p, req).await,
            (400, "missing_required_parameter".into())
        );

        // One client's token credentials used by another client.
        let token = token_credentials(&p, BASE, "HMAC-SHA1", SignatureType::Header).await;
        let req = origin_form(sign(
            signer_for(OTHER_ID, OTHER_SECRET, "HMAC-SHA1", SignatureType::Header).token(token),
            request(Method::GET, &format!("{BASE}/api/me"), None),
        ));
        assert_eq!(resource_error(&p, req).await, (401, "invalid_token".into()));

        // And a temporary credential at the resource: not a token credential.
        let temporary = credentials(&initiate(&p, BASE, hmac(), CALLBACK).await);
        let req = origin_form(sign(
            hmac().token(temporary),
            request(Method::GET, &format!("{BASE}/api/me"), None),
        ));
        assert_eq!(resource_error(&p, req).await, (401, "invalid_token".into()));
    }
}

#[tokio::test]
async fn reused_nonces_are_invalid_nonce() {
    for backend in BACKENDS {
        let p = provider(backend, ServerConfig::default());
        let token = token_credentials(&p, BASE, "HMAC-SHA1", SignatureType::Header).await;
        let req = resource_request(BASE, "HMAC-SHA1", SignatureType::Header, &token);
        assert!(p.protector.validate_request(&req).await.is_ok());
        assert_eq!(resource_error(&p, req).await, (401, "invalid_nonce".into()));

        // On the initiate endpoint too.
        let req = origin_form(sign(
            hmac().callback(CALLBACK),
            request(Method::POST, &format!("{BASE}/initiate"), Some("")),
        ));
        assert_eq!(
            p.server
                .create_temporary_credential_response(&req)
                .await
                .status(),
            200
        );
        let resp = p.server.create_temporary_credential_response(&req).await;
        assert_eq!(error(&resp), (401, "invalid_nonce".into()));

        // The same nonce and timestamp with another token is a different request.
        let fixed = |t: &TokenCredentials| {
            origin_form(sign(
                hmac()
                    .token(t.clone())
                    .with_nonce_and_timestamp("fixed", now()),
                request(Method::GET, &format!("{BASE}/api/me"), None),
            ))
        };
        let second = token_credentials(&p, BASE, "HMAC-SHA1", SignatureType::Header).await;
        assert!(p.protector.validate_request(&fixed(&token)).await.is_ok());
        assert!(p.protector.validate_request(&fixed(&second)).await.is_ok());
    }
}

/// The signature is verified before the nonce is recorded (Authlib records it first): a badly
/// signed request does not use up its nonce, nor grow the nonce store, on any endpoint.
#[tokio::test]
async fn a_forged_request_does_not_use_up_its_nonce() {
    for backend in BACKENDS {
        let p = provider(backend, ServerConfig::default());
        let token = token_credentials(&p, BASE, "HMAC-SHA1", SignatureType::Header).await;
        let before = p.db.nonce_count();
        let ts = now();
        let forger = || signer_for(CLIENT_ID, "guessed", "HMAC-SHA1", SignatureType::Header);

        for i in 0..20 {
            let req = origin_form(sign(
                forger()
                    .callback(CALLBACK)
                    .with_nonce_and_timestamp(format!("flood-{i}"), ts),
                request(Method::POST, &format!("{BASE}/initiate"), Some("")),
            ));
            let resp = p.server.create_temporary_credential_response(&req).await;
            assert_eq!(error(&resp), (401, "invalid_signature".into()));
            let forged = TokenCredentials::new(token.token.clone(), "guessed-secret");
            let req = origin_form(sign(
                hmac()
                    .token(forged)
                    .with_nonce_and_timestamp(format!("flood-{i}"), ts),
                request(Method::GET, &format!("{BASE}/api/me"), None),
            ));
            assert_eq!(
                resource_error(&p, req).await,
                (401, "invalid_signature".into())
            );
        }
        if backend == Backend::Memory {
            assert_eq!(p.db.nonce_count(), before);
        }

        // The nonce of a forged request is still free for the real client.
        let forged = origin_form(sign(
            forger()
                .callback(CALLBACK)
                .with_nonce_and_timestamp("shared", ts),
            request(Method::POST, &format!("{BASE}/initiate"), Some("")),
        ));
        let resp = p.server.create_temporary_credential_response(&forged).await;
        assert_eq!(error(&resp), (401, "invalid_signature".into()));
        let real = origin_form(sign(
            hmac()
                .callback(CALLBACK)
                .with_nonce_and_timestamp("shared", ts),
            request(Method::POST, &format!("{BASE}/initiate"), Some("")),
        ));
        let resp = p.server.create_temporary_credential_response(&real).await;
        assert_eq!(resp.status(), 200, "{}", body(&resp));
        // And replaying the real one is still refused.
        let resp = p.server.create_temporary_credential_response(&real).await;
        assert_eq!(error(&resp), (401, "invalid_nonce".into()));

        let forged = TokenCredentials::new(token.token.clone(), "guessed-secret");
        let at = |t: TokenCredentials| {
            origin_form(sign(
                hmac().token(t).with_nonce_and_timestamp("api", ts),
                request(Method::GET, &format!("{BASE}/api/me"), None),
            ))
        };
        assert_eq!(
            resource_error(&p, at(forged)).await,
            (401, "invalid_signature".into())
        );
        assert!(
            p.protector
                .validate_request(&at(token.clone()))
                .await
                .is_ok()
        );
        assert_eq!(
            resource_error(&p, at(token.clone())).await,
            (401, "invalid_nonce".into())
        );
    }
}

#[tokio::test]
async fn stale_and_future_timestamps_are_refused() {
    let p = provider(Backend::Memory, ServerConfig::default());
    let at = |ts: u64, nonce: &str| hmac().with_nonce_and_timestamp(nonce, ts);
    for (ts, ok) in [
        (now() - 301, false),
        (now() + 301, false),
        (now() - 290, true),
        (now() + 290, true),
        (1, false),
    ] {
        let resp = initiate(&p, BASE, at(ts, &format!("n{ts}")), CALLBACK).await;
        if ok {
            assert_eq!(resp.status(), StatusCode::OK, "{ts}: {}", body(&resp));
        } else {
            assert_eq!(error(&resp), (400, "invalid_request".into()), "{ts}");
            assert!(body(&resp).contains("oauth_timestamp"));
        }
    }
    // A configured window.
    let p = provider(
        Backend::Memory,
        ServerConfig::default()
            .timestamp_window(Duration::from_secs(10))
            .unwrap(),
    );
    let resp = initiate(&p, BASE, at(now() - 30, "n"), CALLBACK).await;
    assert_eq!(error(&resp), (400, "invalid_request".into()));
}

#[tokio::test]
async fn initiate_needs_post_and_a_valid_callback() {
    let p = provider(Backend::Memory, ServerConfig::default());
    let req = origin_form(sign(
        hmac().callback(CALLBACK),
        request(Method::GET, &format!("{BASE}/initiate"), None),
    ));
    let resp = p.server.create_temporary_credential_response(&req).await;
    assert_eq!(error(&resp), (405, "method_not_allowed".into()));
    assert_eq!(resp.headers()[header::ALLOW], "POST");

    // Flask-OAuthlib clients send GET: allowed when configured, as Authlib's
    // TEMPORARY_CREDENTIALS_METHOD.
    let lenient = provider(
        Backend::Memory,
        ServerConfig::default().temporary_credentials_methods([Method::POST, Method::GET]),
    );
    assert_eq!(
        lenient
            .server
            .create_temporary_credential_response(&req)
            .await
            .status(),
        200
    );
    // What is not allowed there is answered with the methods that are.
    let put = origin_form(sign(
        hmac().callback(CALLBACK),
        request(Method::PUT, &format!("{BASE}/initiate"), None),
    ));
    let resp = lenient
        .server
        .create_temporary_credential_response(&put)
        .await;
    assert_eq!(error(&resp), (405, "method_not_allowed".into()));
    assert_eq!(resp.headers()[header::ALLOW], "POST, GET");
    assert!(body(&resp).contains("POST%2C+GET+only"), "{}", body(&resp));

    let req = origin_form(sign(
        hmac(),
        request(Method::POST, &format!("{BASE}/initiate"), Some("")),
    ));
    let resp = p.server.create_temporary_credential_response(&req).await;
    assert_eq!(error(&resp), (400, "missing_required_parameter".into()));
    assert!(body(&resp).contains("oauth_callback"));

    for bad in [
        "/relative",
        "https://provider.test@attacker.test/",
        "javascript:alert(1)",
    ] {
        let resp = initiate(&p, BASE, hmac(), bad).await;
        assert_eq!(error(&resp), (400, "invalid_request".into()), "{bad}");
    }
}

#[tokio::test]
async fn a_wrong_verifier_burns_the_temporary_credential() {
    for backend in BACKENDS {
        let p = provider(backend, ServerConfig::default());
        let temporary = credentials(&initiate(&p, BASE, hmac(), CALLBACK).await);
        let verifier = verifier_of(&authorize(&p, BASE, &temporary.token, Some(USER)).await);

        let resp = exchange(&p, BASE, hmac(), &temporary, "wrong-verifier").await;
        assert_eq!(error(&resp), (400, "invalid_request".into()));
        assert!(body(&resp).contains("oauth_verifier"));
        assert!(
            p.temporary
                .get_temporary_credential(&temporary.token)
                .await
                .unwrap()
                .is_none()
        );

        // The right verifier comes too late.
        let resp = exchange(&p, BASE, hmac(), &temporary, &verifier).await;
        assert_eq!(error(&resp), (401, "invalid_token".into()));
        let page = request(
            Method::GET,
            &format!("{BASE}/authorize?oauth_token={}", temporary.token),
            None,
        );
        let err = p
            .server
            .check_authorization_request(&page)
            .await
            .unwrap_err();
        assert!(matches!(err, OAuth1Error::InvalidToken));

        // A missing verifier, from the credential's own client, burns it too.
        let temporary = credentials(&initiate(&p, BASE, hmac(), CALLBACK).await);
        let req = origin_form(sign(
            hmac().token(temporary.clone()),
            request(Method::POST, &format!("{BASE}/token"), Some("")),
        ));
        let resp = p.server.create_token_response(&req).await;
        assert_eq!(error(&resp), (400, "missing_required_parameter".into()));
        assert!(
            p.temporary
                .get_temporary_credential(&temporary.token)
                .await
                .unwrap()
                .is_none()
        );
    }
}

/// Only the credential's own client, authenticated, can burn a pending request token: a
/// request naming a victim's `oauth_token` with an unknown client, another client's key, or a
/// bad signature is refused and leaves the token usable (Authlib deletes on any failure).
#[tokio::test]
async fn a_forged_token_request_does_not_burn_the_victims_temporary_credential() {
    for backend in BACKENDS {
        let p = provider(backend, ServerConfig::default());
        let temporary = credentials(&initiate(&p, BASE, hmac(), CALLBACK).await);
        let verifier = verifier_of(&authorize(&p, BASE, &temporary.token, Some(USER)).await);

        let unknown = signer_for("nobody", "x", "HMAC-SHA1", SignatureType::Header);
        let resp = exchange(&p, BASE, unknown, &temporary, "guess").await;
        assert_eq!(error(&resp), (401, "invalid_client".into()));

        let other = signer_for(OTHER_ID, OTHER_SECRET, "HMAC-SHA1", SignatureType::Header);
        let resp = exchange(&p, BASE, other, &temporary, "guess").await;
        assert_eq!(error(&resp), (401, "invalid_token".into()));

        let forged = TokenCredentials::new(temporary.token.clone(), "guessed-secret");
        let resp = exchange(&p, BASE, hmac(), &forged, "guess").await;
        assert_eq!(error(&resp), (401, "invalid_signature".into()));
        let wrong_client_secret =
            signer_for(CLIENT_ID, "guessed", "HMAC-SHA1", SignatureType::Header);
        let resp = exchange(&p, BASE, wrong_client_secret, &temporary, "guess").await;
        assert_eq!(error(&resp), (401, "invalid_signature".into()));

        assert!(
            p.temporary
                .get_temporary_credential(&temporary.token)
                .await
                .unwrap()
                .is_some(),
            "{backend:?}"
        );
        credentials(&exchange(&p, BASE, hmac(), &temporary, &verifier).await);
    }
}

#[tokio::test]
async fn a_temporary_credential_is_exchanged_once() {
    for backend in BACKENDS {
        let p = provider(backend, ServerConfig::default());
        let temporary = credentials(&initiate(&p, BASE, hmac(), CALLBACK).await);
        let verifier = verifier_of(&authorize(&p, BASE, &temporary.token, Some(USER)).await);
        credentials(&exchange(&p, BASE, hmac(), &temporary, &verifier).await);
        let resp = exchange(&p, BASE, hmac(), &temporary, &verifier).await;
        assert_eq!(error(&resp), (401, "invalid_token".into()));
        // Nor can the user authorize it again.
        let req = request(
            Method::GET,
            &format!("{BASE}/authorize?oauth_token={}", temporary.token),
            None,
        );
        assert!(
            p.server
                .create_authorization_response(&req, Some(USER))
                .await
                .is_err()
        );
    }
}

/// A second grant on the same temporary credential is refused, and the first verifier still
/// works (it used to be silently replaced).
#[tokio::test]
async fn a_second_grant_is_refused() {
    for backend in BACKENDS {
        let p = provider(backend, ServerConfig::default());
        let temporary = credentials(&initiate(&p, BASE, hmac(), CALLBACK).await);
        let verifier = verifier_of(&authorize(&p, BASE, &temporary.token, Some(USER)).await);
        let req = origin_form(request(
            Method::POST,
            &format!("{BASE}/authorize"),
            Some(&format!("oauth_token={}&confirm=yes", temporary.token)),
        ));
        let err = p
            .server
            .create_authorization_response(&req, Some("mallory"))
            .await
            .unwrap_err();
        assert_eq!(err.error(), "invalid_token", "{backend:?}");
        let stored = p
            .temporary
            .get_temporary_credential(&temporary.token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.user_id.as_deref(), Some(USER));
        let token = credentials(&exchange(&p, BASE, hmac(), &temporary, &verifier).await);
        let resp = p
            .protector
            .validate_request(&resource_request(
                BASE,
                "HMAC-SHA1",
                SignatureType::Header,
                &token,
            ))
            .await
            .unwrap();
        assert_eq!(resp.user_id(), USER);
    }
}

#[tokio::test]
async fn another_clients_temporary_credential_is_refused() {
    let p = provider(Backend::Memory, ServerConfig::default());
    let temporary = credentials(&initiate(&p, BASE, hmac(), CALLBACK).await);
    let verifier = verifier_of(&authorize(&p, BASE, &temporary.token, Some(USER)).await);
    let other = signer_for(OTHER_ID, OTHER_SECRET, "HMAC-SHA1", SignatureType::Header);
    let resp = exchange(&p, BASE, other, &temporary, &verifier).await;
    assert_eq!(error(&resp), (401, "invalid_token".into()));
}

#[tokio::test]
async fn expired_temporary_credentials_are_invalid_token() {
    let p = provider(
        Backend::Cache,
        ServerConfig::default()
            .temporary_credential_lifetime(Duration::ZERO)
            .unwrap(),
    );
    let temporary = credentials(&initiate(&p, BASE, hmac(), CALLBACK).await);
    let req = request(
        Method::GET,
        &format!("{BASE}/authorize?oauth_token={}", temporary.token),
        None,
    );
    let err = p
        .server
        .check_authorization_request(&req)
        .await
        .unwrap_err();
    assert!(matches!(err, OAuth1Error::InvalidToken));
}

#[tokio::test]
async fn unsupported_methods_are_refused() {
    let p = provider(Backend::Memory, ServerConfig::default());
    for method in ["HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"] {
        let resp = initiate(
            &p,
            "http://127.0.0.1",
            signer(method, SignatureType::Header),
            CALLBACK,
        )
        .await;
        assert_eq!(
            error(&resp),
            (400, "unsupported_signature_method".into()),
            "{method}"
        );
    }
    // A name no registry knows, even if "supported".
    let p = provider(
        Backend::Memory,
        ServerConfig::default().supported_signature_methods(["HMAC-MD5"]),
    );
    let req = request(Method::POST, &format!("{BASE}/initiate"), Some(""));
    let mut req = origin_form(req);
    req.headers_mut().insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!(
            r#"OAuth oauth_consumer_key="{CLIENT_ID}", oauth_signature_method="HMAC-MD5", oauth_timestamp="{}", oauth_nonce="n", oauth_callback="oob", oauth_signature="x""#,
            now()
        ))
        .unwrap(),
    );
    let resp = p.server.create_temporary_credential_response(&req).await;
    assert_eq!(error(&resp), (400, "unsupported_signature_method".into()));
}

#[tokio::test]
async fn bad_input_is_a_4xx_with_a_clear_description() {
    let p = provider(Backend::Memory, ServerConfig::default());
    let with_auth = |value: &str| {
        let mut req = origin_form(request(Method::POST, &format!("{BASE}/initiate"), Some("")));
        req.headers_mut()
            .insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        req
    };

    let resp = p
        .server
        .create_temporary_credential_response(&with_auth("Basic dXNlcjpwYXNzd29yZA=="))
        .await;
    assert_eq!(error(&resp), (400, "invalid_request".into()));
    assert!(body(&resp).contains("Basic"), "{}", body(&resp));
    assert!(!body(&resp).contains("dXNlcjpwYXNzd29yZA"));

    for malformed in [
        "OAuth oauth_consumer_key=unquoted",
        "OAuth oauth_consumer_key=\"a\", oauth_consumer_key=\"b\"",
        "OAuth oauth_nonce=\"%zz\"",
        "OAuth ,,,",
    ] {
        let resp = p
            .server
            .create_temporary_credential_response(&with_auth(malformed))
            .await;
        let (status, code) = error(&resp);
        assert_eq!(status, 400, "{malformed}: {}", body(&resp));
        assert!(
            code == "invalid_request" || code == "duplicated_oauth_protocol_parameter",
            "{malformed}: {code}"
        );
        assert!(field(&resp, "error_description").is_some_and(|d| !d.is_empty()));
    }

    // Nothing OAuth at all.
    let resp = p
        .server
        .create_token_response(&origin_form(request(
            Method::POST,
            &format!("{BASE}/token"),
            Some(""),
        )))
        .await;
    assert_eq!(error(&resp), (400, "missing_required_parameter".into()));

    // A query that does not decode, a protected request and the authorization page. (Names
    // are decoded first, to find the protocol parameters; other values only once the client
    // and token are known: tests/server_limits.rs.)
    let req = origin_form(request(
        Method::GET,
        &format!("{BASE}/api/me?%FF=q&oauth_consumer_key=x"),
        None,
    ));
    assert_eq!(
        resource_error(&p, req).await,
        (400, "invalid_request".into())
    );
    let req = request(
        Method::GET,
        &format!("{BASE}/authorize?oauth_token=%E9"),
        None,
    );
    assert_eq!(
        p.server
            .check_authorization_request(&req)
            .await
            .unwrap_err()
            .error(),
        "invalid_request"
    );
    // Raw non-ASCII (http::Uri accepts UTF-8 in a query): an unknown token, not a crash.
    let req = request(
        Method::GET,
        &format!("{BASE}/authorize?oauth_token=é"),
        None,
    );
    assert!(matches!(
        p.server.check_authorization_request(&req).await,
        Err(OAuth1Error::InvalidToken)
    ));
    // No Host header on an origin-form request.
    let req = http::Request::post("/initiate").body(Vec::new()).unwrap();
    let resp = p.server.create_temporary_credential_response(&req).await;
    assert_eq!(error(&resp), (400, "invalid_request".into()));
    assert!(body(&resp).contains("Host"));
    // Protocol parameters in two places.
    let mut req = origin_form(sign(
        hmac().callback(CALLBACK),
        request(Method::POST, &format!("{BASE}/initiate"), Some("")),
    ));
    *req.uri_mut() = "/initiate?oauth_nonce=again".parse().unwrap();
    let resp = p.server.create_temporary_credential_response(&req).await;
    assert_eq!(
        error(&resp),
        (400, "duplicated_oauth_protocol_parameter".into())
    );
    // Authorization without oauth_token.
    let req = request(Method::GET, &format!("{BASE}/authorize"), None);
    assert!(matches!(
        p.server.check_authorization_request(&req).await,
        Err(OAuth1Error::MissingRequiredParameter {
            name: "oauth_token"
        })
    ));
}

#[tokio::test]
async fn forwarded_headers_count_only_when_trusted() {
    // The client signs for the public URL; the server sees the proxy's request.
    let public = "https://api.example.com";
    let behind_proxy = |req: http::Request<Vec<u8>>| {
        let mut req = req;
        let path = req.uri().path_and_query().unwrap().as_str().to_owned();
        *req.uri_mut() = path.parse().unwrap();
        let headers = req.headers_mut();
        headers.insert(header::HOST, HeaderValue::from_static("10.0.0.5:8000"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        headers.insert(
            "x-forwarded-host",
            HeaderValue::from_static("api.example.com"),
        );
        req
    };
    let signed = || {
        behind_proxy(sign(
            hmac().callback(CALLBACK),
            request(Method::POST, &format!("{public}/initiate"), Some("")),
        ))
    };

    let untrusting = provider(Backend::Memory, ServerConfig::default());
    let resp = untrusting
        .server
        .create_temporary_credential_response(&signed())
        .await;
    assert_eq!(error(&resp), (401, "invalid_signature".into()));

    let trusting = provider(
        Backend::Memory,
        ServerConfig::default().trust_forwarded_headers(true),
    );
    let resp = trusting
        .server
        .create_temporary_credential_response(&signed())
        .await;
    assert_eq!(resp.status(), StatusCode::OK, "{}", body(&resp));

    // Under Authlib's transport rule the forwarded https counts as secure.
    let strict = provider(
        Backend::Memory,
        ServerConfig::default()
            .trust_forwarded_headers(true)
            .transport_rule(oauth_compat::server::TransportRule::EveryRequest),
    );
    assert_eq!(
        strict
            .server
            .create_temporary_credential_response(&signed())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn external_base_url_sets_the_signed_uri() {
    // Public https://example.com/oauth/..., proxied to http://internal:8000/...
    let signed = |path: &str| {
        let req = sign(
            hmac().callback(CALLBACK),
            request(
                Method::POST,
                &format!("https://example.com/oauth{path}"),
                Some(""),
            ),
        );
        let mut req = req;
        *req.uri_mut() = path.parse().unwrap();
        req.headers_mut()
            .insert(header::HOST, HeaderValue::from_static("internal:8000"));
        req
    };
    let plain = provider(Backend::Memory, ServerConfig::default());
    let resp = plain
        .server
        .create_temporary_credential_response(&signed("/initiate"))
        .await;
    assert_eq!(error(&resp), (401, "invalid_signature".into()));

    let config = ServerConfig::default()
        .external_base_url("https://example.com/oauth/")
        .unwrap();
    let p = provider(Backend::Memory, config);
    let resp = p
        .server
        .create_temporary_credential_response(&signed("/initiate"))
        .await;
    assert_eq!(resp.status(), StatusCode::OK, "{}", body(&resp));
}

/// A store whose every call fails, with internals in the error.
struct Broken;

fn broken<T>() -> Result<T, StoreError> {
    Err(StoreError::new(
        "postgres",
        "query",
        "connection refused to db.internal:5432 as admin",
    ))
}

impl ClientStore for Broken {
    fn query_client<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<Client>, StoreError>> {
        Box::pin(async { broken() })
    }
}

impl NonceStore for Broken {
    fn insert_nonce<'a>(
        &'a self,
        _: &'a NonceKey,
        _: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async { broken() })
    }
}

#[tokio::test]
async fn store_failures_are_500_without_internals() {
    let db = Arc::new(MemoryStore::new());
    db.add_client(client(CLIENT_ID, CLIENT_SECRET));
    let server = AuthorizationServer::new(
        Arc::new(Broken),
        db.clone(),
        db.clone(),
        db.clone(),
        ServerConfig::default(),
    );
    let req = origin_form(sign(
        hmac().callback(CALLBACK),
        request(Method::POST, &format!("{BASE}/initiate"), Some("")),
    ));
    let resp = server.create_temporary_credential_response(&req).await;
    assert_eq!(error(&resp), (500, "server_error".into()));
    assert!(!body(&resp).contains("db.internal") && !body(&resp).contains("postgres"));

    // A failing nonce store on the resource side.
    let protector = ResourceProtector::new(
        db.clone(),
        db.clone(),
        Arc::new(Broken),
        ServerConfig::default(),
    );
    db.add_token(TokenCredential {
        client_id: CLIENT_ID.into(),
        oauth_token: "t".into(),
        oauth_token_secret: TokenSecret::new("s"),
        user_id: USER.into(),
    });
    let token = TokenCredentials::new("t", "s");
    let err = protector
        .validate_request(&resource_request(
            BASE,
            "HMAC-SHA1",
            SignatureType::Header,
            &token,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let resp = err.into_json_response();
    assert!(!body(&resp).contains("db.internal"));
}

impl oauth_compat::server::TemporaryCredentialStore for Broken {
    fn create_temporary_credential<'a>(
        &'a self,
        _: &'a oauth_compat::server::TemporaryCredential,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { broken() })
    }

    fn get_temporary_credential<'a>(
        &'a self,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Option<oauth_compat::server::TemporaryCredential>, StoreError>> {
        Box::pin(async { broken() })
    }

    fn delete_temporary_credential<'a>(
        &'a self,
        _: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { broken() })
    }

    fn create_authorization_verifier<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async { broken() })
    }
}

impl oauth_compat::server::TokenCredentialStore for Broken {
    fn create_token_credential<'a>(
        &'a self,
        _: &'a TokenCredential,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async { broken() })
    }

    fn query_token<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<Option<TokenCredential>, StoreError>> {
        Box::pin(async { broken() })
    }
}

/// Protocol parameters a database would refuse (a NUL byte, which PostgreSQL `text` cannot
/// hold; values too long for an index row), as the header of a request to `path`.
fn hostile_headers() -> Vec<(&'static str, String)> {
    let long = "x".repeat(4000);
    let ts = now();
    let with = |name: &str, value: &str| {
        let mut params = vec![
            ("oauth_consumer_key", CLIENT_ID.to_owned()),
            ("oauth_signature_method", "HMAC-SHA1".to_owned()),
            ("oauth_timestamp", ts.to_string()),
            ("oauth_nonce", "n".to_owned()),
            ("oauth_token", "t".to_owned()),
            ("oauth_verifier", "v".to_owned()),
            ("oauth_callback", "oob".to_owned()),
            ("oauth_signature", "x".to_owned()),
        ];
        for p in &mut params {
            if p.0 == name {
                p.1 = value.to_owned();
            }
        }
        let joined: Vec<String> = params.iter().map(|(n, v)| format!("{n}=\"{v}\"")).collect();
        format!("OAuth {}", joined.join(", "))
    };
    vec![
        ("oauth_consumer_key", with("oauth_consumer_key", "a%00b")),
        ("oauth_consumer_key", with("oauth_consumer_key", &long)),
        ("oauth_token", with("oauth_token", "a%00")),
        ("oauth_token", with("oauth_token", &long)),
        ("oauth_nonce", with("oauth_nonce", &long)),
        ("oauth_nonce", with("oauth_nonce", "n%0A")),
        ("oauth_verifier", with("oauth_verifier", "v%00")),
        ("oauth_verifier", with("oauth_verifier", &long)),
        (
            "oauth_signature_method",
            with("oauth_signature_method", &long),
        ),
        (
            "oauth_callback",
            with("oauth_callback", &format!("https://c.example/{long}")),
        ),
        ("oauth_callback", with("oauth_callback", "oob%00")),
    ]
}

/// The answers to hostile parameters are `invalid_request` naming the parameter, decided before
/// any store is asked: over stores that fail every call, they are 400, never 500.
#[tokio::test]
async fn hostile_parameters_are_400_before_any_store_access() {
    let broken = Arc::new(Broken);
    let server = AuthorizationServer::new(
        broken.clone(),
        broken.clone(),
        broken.clone(),
        broken.clone(),
        ServerConfig::default(),
    );
    let protector = ResourceProtector::new(
        broken.clone(),
        broken.clone(),
        broken,
        ServerConfig::default(),
    );
    let memory = provider(Backend::Memory, ServerConfig::default());
    for (name, value) in hostile_headers() {
        for path in ["initiate", "token", "api/me"] {
            let mut req = origin_form(request(Method::POST, &format!("{BASE}/{path}"), Some("")));
            req.headers_mut().insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(&value).unwrap(),
            );
            for (server, protector) in [(&server, &protector), (&memory.server, &memory.protector)]
            {
                let resp = match path {
                    "initiate" => server.create_temporary_credential_response(&req).await,
                    "token" => server.create_token_response(&req).await,
                    _ => protector
                        .validate_request(&req)
                        .await
                        .unwrap_err()
                        .into_response(),
                };
                assert_eq!(
                    error(&resp),
                    (400, "invalid_request".into()),
                    "{name} {path}"
                );
                let description = field(&resp, "error_description").unwrap();
                assert!(description.contains(name), "{name}: {description}");
            }
        }
    }

    // The authorization page, by query and by form.
    for token in ["a%00", &"x".repeat(4000)] {
        for (server, memory) in [(&server, false), (&memory.server, true)] {
            let req = request(
                Method::GET,
                &format!("{BASE}/authorize?oauth_token={token}"),
                None,
            );
            let err = server.check_authorization_request(&req).await.unwrap_err();
            assert_eq!(
                (err.status().as_u16(), err.error()),
                (400, "invalid_request")
            );
            assert!(err.description().contains("oauth_token"), "{memory}");
            let req = request(
                Method::POST,
                &format!("{BASE}/authorize"),
                Some(&format!("oauth_token={token}")),
            );
            let err = server
                .create_authorization_response(&req, Some(USER))
                .await
                .unwrap_err();
            assert_eq!(
                (err.status().as_u16(), err.error()),
                (400, "invalid_request")
            );
        }
    }
}

/// Debug output never shows `oauth_verifier` (nor the token secret): not on the stored
/// temporary credential, not on the signed request.
#[test]
fn debug_redacts_the_verifier() {
    use oauth_compat::server::TemporaryCredential;
    let credential = TemporaryCredential {
        client_id: CLIENT_ID.into(),
        oauth_token: "t".into(),
        oauth_token_secret: TokenSecret::new("token-secret-XYZ"),
        oauth_callback: "oob".into(),
        oauth_verifier: Some("verifier-ABC".into()),
        user_id: Some(USER.into()),
        expires_at: 1,
    };
    let printed = format!("{credential:?}");
    assert!(!printed.contains("verifier-ABC"), "{printed}");
    assert!(!printed.contains("token-secret-XYZ"), "{printed}");
    assert!(printed.contains("[redacted]"), "{printed}");

    let req = sign(
        hmac()
            .token(TokenCredentials::new("t", "s"))
            .verifier("verifier-ABC"),
        request(Method::POST, &format!("{BASE}/token"), Some("")),
    );
    let signed = oauth_compat::oauth1::SignedRequest::from_parts(
        req.method(),
        req.uri(),
        req.headers(),
        req.body(),
    )
    .unwrap();
    let printed = format!("{signed:?}");
    assert!(!printed.contains("verifier-ABC"), "{printed}");
}

/// Durations past the caps are refused by the setters, naming the setting, instead of
/// overflowing an expiry later.
#[test]
fn huge_durations_are_config_errors() {
    use oauth_compat::server::ServerConfigError;
    for huge in [Duration::MAX, Duration::from_secs(86_401)] {
        let err = ServerConfig::default().timestamp_window(huge).unwrap_err();
        assert!(matches!(
            err,
            ServerConfigError::InvalidValue {
                variable: "timestamp_window",
                ..
            }
        ));
    }
    let err = ServerConfig::default()
        .temporary_credential_lifetime(Duration::from_secs(8 * 86_400))
        .unwrap_err();
    assert!(matches!(
        err,
        ServerConfigError::InvalidValue {
            variable: "temporary_credential_lifetime",
            ..
        }
    ));
    assert!(
        ServerConfig::default()
            .timestamp_window(Duration::from_secs(86_400))
            .and_then(|c| c.temporary_credential_lifetime(Duration::from_secs(7 * 86_400)))
            .is_ok()
    );
}
