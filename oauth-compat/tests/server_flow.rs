//! The provider end to end, sans-IO: initiate → authorize (grant or deny) → token → protected
//! resource, for every signature method and placement, over both storage setups.

mod support;

use std::sync::Arc;

use http::{Method, StatusCode, header};
use oauth_compat::oauth1::HmacSha256;
use oauth_compat::oauth1::{
    KeyMaterial, SignatureError as OAuth1CoreError, SignatureMethod, SignatureMethods,
    SignatureType,
};
use oauth_compat::server::{OAuth1Error, ServerConfig, TransportRule};
use support::server::*;

/// Where each method's flow runs: plain HTTP to another host is fine for signed methods;
/// PLAINTEXT goes to loopback (the default transport rule).
fn base_for(method: &str) -> &'static str {
    match method {
        "HMAC-SHA1" => "http://provider.example",
        "HMAC-SHA256" => "https://provider.example",
        "RSA-SHA1" => "https://provider.example:8443",
        _ => "http://127.0.0.1:8000",
    }
}

#[tokio::test]
async fn full_flow_every_method_placement_and_backend() {
    for backend in BACKENDS {
        for method in ALL_METHODS {
            for placement in PLACEMENTS {
                let what = format!("{backend:?} {method} {placement:?}");
                let p = provider(backend, all_methods_config());
                let base = base_for(method);

                let resp = initiate(&p, base, signer(method, placement), CALLBACK).await;
                assert_eq!(resp.status(), StatusCode::OK, "{what}: {}", body(&resp));
                assert_eq!(
                    resp.headers()[header::CONTENT_TYPE],
                    "application/x-www-form-urlencoded",
                    "{what}"
                );
                assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
                assert_eq!(
                    field(&resp, "oauth_callback_confirmed").as_deref(),
                    Some("true")
                );
                let temporary = credentials(&resp);
                assert_eq!(temporary.token.len(), 42, "{what}");
                assert_eq!(temporary.secret.expose_secret().len(), 48, "{what}");

                // The authorization page (GET) shows who asks.
                let page = request(
                    Method::GET,
                    &format!("{base}/authorize?oauth_token={}", temporary.token),
                    None,
                );
                let shown = p
                    .server
                    .check_authorization_request(&origin_form(page))
                    .await
                    .unwrap();
                assert_eq!(shown.client_id(), CLIENT_ID);
                assert_eq!(shown.callback(), CALLBACK);
                assert_eq!(shown.oauth_token(), temporary.token);

                let granted = authorize(&p, base, &temporary.token, Some(USER)).await;
                assert_eq!(granted.status(), StatusCode::FOUND, "{what}");
                let (location, pairs) = location_pairs(&granted);
                assert!(
                    location
                        .as_str()
                        .starts_with("https://printer.example.com/ready?from=oauth&oauth_token="),
                    "{what}: {location}"
                );
                let verifier = verifier_of(&granted);
                assert_eq!(verifier.len(), 36);
                assert!(pairs.contains(&("oauth_token".into(), temporary.token.clone())));

                let resp =
                    exchange(&p, base, signer(method, placement), &temporary, &verifier).await;
                let token = credentials(&resp);
                assert_ne!(token.token, temporary.token);
                assert!(
                    p.temporary
                        .get_temporary_credential(&temporary.token)
                        .await
                        .unwrap()
                        .is_none()
                );

                let credential = p
                    .protector
                    .validate_request(&resource_request(base, method, placement, &token))
                    .await
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(credential.user_id(), USER);
                assert_eq!(credential.client_id, CLIENT_ID);
                assert_eq!(credential.token.oauth_token, token.token);
            }
        }
    }
}

#[tokio::test]
async fn denied_authorization_redirects_with_access_denied_and_no_verifier() {
    for backend in BACKENDS {
        let p = provider(backend, ServerConfig::default());
        let base = "https://provider.example";
        let temporary = credentials(
            &initiate(
                &p,
                base,
                signer("HMAC-SHA1", SignatureType::Header),
                CALLBACK,
            )
            .await,
        );
        let denied = authorize(&p, base, &temporary.token, None).await;
        assert_eq!(denied.status(), StatusCode::FOUND);
        let (location, pairs) = location_pairs(&denied);
        assert!(
            location
                .as_str()
                .starts_with("https://printer.example.com/ready?from=oauth&error=access_denied")
        );
        assert!(pairs.contains(&("error".into(), "access_denied".into())));
        assert!(
            !pairs
                .iter()
                .any(|(n, _)| n == "oauth_verifier" || n == "oauth_token")
        );
        // Nothing to exchange: the verifier a client might guess is refused.
        let resp = exchange(
            &p,
            base,
            signer("HMAC-SHA1", SignatureType::Header),
            &temporary,
            "guess",
        )
        .await;
        assert_eq!(error(&resp), (400, "invalid_request".into()));
    }
}

#[tokio::test]
async fn oob_uses_the_default_redirect_uri_or_shows_the_verifier() {
    let p = provider(Backend::Memory, ServerConfig::default());
    let base = "https://provider.example";
    let builder = || signer("HMAC-SHA1", SignatureType::Header);

    // No default redirect URI: 200 with the verifier for the user to copy.
    let temporary = credentials(&initiate(&p, base, builder(), "oob").await);
    let shown = authorize(&p, base, &temporary.token, Some(USER)).await;
    assert_eq!(shown.status(), StatusCode::OK);
    assert_eq!(
        field(&shown, "oauth_token").as_deref(),
        Some(temporary.token.as_str())
    );
    let verifier = field(&shown, "oauth_verifier").unwrap();
    credentials(&exchange(&p, base, builder(), &temporary, &verifier).await);

    // Denied without anywhere to go: the error, for the page to render.
    let temporary = credentials(&initiate(&p, base, builder(), "oob").await);
    let req = request(
        Method::GET,
        &format!("{base}/authorize?oauth_token={}", temporary.token),
        None,
    );
    let err = p
        .server
        .create_authorization_response(&origin_form(req), None)
        .await
        .unwrap_err();
    assert!(matches!(err, OAuth1Error::AccessDenied));

    // With a default redirect URI, as Authlib: redirected there.
    let mut with_default = client(CLIENT_ID, CLIENT_SECRET);
    with_default.default_redirect_uri = Some("https://printer.example.com/default".into());
    p.db.add_client(with_default);
    let temporary = credentials(&initiate(&p, base, builder(), "oob").await);
    let granted = authorize(&p, base, &temporary.token, Some(USER)).await;
    assert_eq!(granted.status(), StatusCode::FOUND);
    let (location, _) = location_pairs(&granted);
    assert!(
        location
            .as_str()
            .starts_with("https://printer.example.com/default?oauth_token=")
    );
}

#[tokio::test]
async fn absolute_form_requests_work_too() {
    let p = provider(Backend::Memory, ServerConfig::default());
    let req = sign(
        signer("HMAC-SHA1", SignatureType::Header).callback(CALLBACK),
        request(Method::POST, "https://provider.example/initiate", Some("")),
    );
    let resp = p.server.create_temporary_credential_response(&req).await;
    assert_eq!(resp.status(), StatusCode::OK, "{}", body(&resp));
}

#[tokio::test]
async fn non_ascii_query_values_are_signed_and_checked() {
    let p = provider(Backend::Memory, ServerConfig::default());
    let base = "https://provider.example";
    let token = token_credentials(&p, base, "HMAC-SHA1", SignatureType::Header).await;
    // A raw UTF-8 query (http::Uri accepts it) signs and verifies as its percent-encoding.
    let req = sign(
        signer("HMAC-SHA1", SignatureType::Header).token(token.clone()),
        request(Method::GET, &format!("{base}/api/me?name=Zoë"), None),
    );
    let credential = p
        .protector
        .validate_request(&origin_form(req))
        .await
        .unwrap();
    assert_eq!(credential.user_id(), USER);
}

/// Authlib's seed registers HMAC-SHA256 with a verify function that accepts anything; here a
/// registered method verifies for real.
#[derive(Debug)]
struct Sha256Alias;

impl SignatureMethod for Sha256Alias {
    fn sign(&self, base_string: &str, keys: &KeyMaterial<'_>) -> Result<String, OAuth1CoreError> {
        HmacSha256.sign(base_string, keys)
    }
}

#[tokio::test]
async fn a_registered_signature_method_verifies_for_real() {
    let mut methods = SignatureMethods::new();
    methods.register("X-HMAC-SHA256", Sha256Alias);
    let config = ServerConfig::default().supported_signature_methods(["X-HMAC-SHA256"]);
    let mut p = provider(Backend::Memory, config);
    let client_signer =
        || signer("X-HMAC-SHA256", SignatureType::Header).signature_methods(methods.clone());
    let base = "https://provider.example";

    // Supported but not registered yet: refused as unsupported.
    let resp = initiate(&p, base, client_signer(), CALLBACK).await;
    assert_eq!(error(&resp), (400, "unsupported_signature_method".into()));

    p.server
        .register_signature_method("X-HMAC-SHA256", Sha256Alias);
    p.protector
        .register_signature_method("X-HMAC-SHA256", Sha256Alias);
    let temporary = credentials(&initiate(&p, base, client_signer(), CALLBACK).await);

    // A wrong secret under the custom method fails: the method really verifies.
    let wrong = signer_for(
        CLIENT_ID,
        "not-the-secret",
        "X-HMAC-SHA256",
        SignatureType::Header,
    )
    .signature_methods(methods.clone());
    let resp = initiate(&p, base, wrong, CALLBACK).await;
    assert_eq!(error(&resp), (401, "invalid_signature".into()));

    let verifier = verifier_of(&authorize(&p, base, &temporary.token, Some(USER)).await);
    let token = credentials(&exchange(&p, base, client_signer(), &temporary, &verifier).await);
    let req = sign(
        client_signer().token(token),
        request(Method::GET, &format!("{base}/api/me"), None),
    );
    assert!(
        p.protector
            .validate_request(&origin_form(req))
            .await
            .is_ok()
    );
}

/// A client without a secret can use RSA-SHA1 only: a registered custom method (which may
/// well use the client's secret) signed with an empty secret is refused, not accepted as a
/// signature anyone could compute.
#[tokio::test]
async fn a_client_without_a_secret_cannot_use_a_custom_method() {
    let mut methods = SignatureMethods::new();
    methods.register("X-HMAC-SHA256", Sha256Alias);
    let config = ServerConfig::default()
        .register_signature_method("X-HMAC-SHA256", Sha256Alias)
        .supported_signature_methods(["X-HMAC-SHA256", "RSA-SHA1"]);
    let p = provider(Backend::Memory, config);
    p.db.add_client(client("rsa-only", ""));
    let base = "https://provider.example";
    let forged = signer_for("rsa-only", "", "X-HMAC-SHA256", SignatureType::Header)
        .signature_methods(methods);
    let resp = initiate(&p, base, forged, CALLBACK).await;
    assert_eq!(error(&resp), (401, "invalid_signature".into()));
    let rsa = signer_for("rsa-only", "", "RSA-SHA1", SignatureType::Header);
    credentials(&initiate(&p, base, rsa, CALLBACK).await);
}

#[tokio::test]
async fn hmac_sha256_is_allowed_by_name() {
    let config = ServerConfig::default().supported_signature_methods(["HMAC-SHA256"]);
    let p = provider(Backend::Cache, config);
    let base = "https://provider.example";
    let token = token_credentials(&p, base, "HMAC-SHA256", SignatureType::Header).await;
    // HMAC-SHA1 is no longer accepted.
    let req = resource_request(base, "HMAC-SHA1", SignatureType::Header, &token);
    let err = p.protector.validate_request(&req).await.unwrap_err();
    assert_eq!(
        (err.error(), err.status().as_u16()),
        ("unsupported_signature_method", 400)
    );
}

#[tokio::test]
async fn plaintext_needs_a_secure_transport_unless_configured() {
    let p = provider(Backend::Memory, all_methods_config());
    let plaintext = || signer("PLAINTEXT", SignatureType::Header);
    for base in [
        "http://127.0.0.1:8000",
        "http://localhost",
        "http://[::1]:9",
        "https://provider.example",
    ] {
        let resp = initiate(&p, base, plaintext(), CALLBACK).await;
        assert_eq!(resp.status(), StatusCode::OK, "{base}: {}", body(&resp));
    }
    let resp = initiate(&p, "http://provider.example", plaintext(), CALLBACK).await;
    assert_eq!(error(&resp), (400, "insecure_transport".into()));
    // Signed methods travel over plain HTTP under the default rule...
    let resp = initiate(
        &p,
        "http://provider.example",
        signer("HMAC-SHA1", SignatureType::Header),
        CALLBACK,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);

    // ...but not under Authlib's rule.
    let strict = provider(
        Backend::Memory,
        all_methods_config().transport_rule(TransportRule::EveryRequest),
    );
    let resp = initiate(
        &strict,
        "http://provider.example",
        signer("HMAC-SHA1", SignatureType::Header),
        CALLBACK,
    )
    .await;
    assert_eq!(error(&resp), (400, "insecure_transport".into()));
    let resp = initiate(
        &strict,
        "http://127.0.0.1",
        signer("HMAC-SHA1", SignatureType::Header),
        CALLBACK,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);

    // AUTHLIB_INSECURE_TRANSPORT: anything goes.
    let open = provider(
        Backend::Memory,
        all_methods_config().transport_rule(TransportRule::Off),
    );
    let base = "http://provider.example";
    let token = token_credentials(&open, base, "PLAINTEXT", SignatureType::Body).await;
    let req = resource_request(base, "PLAINTEXT", SignatureType::Body, &token);
    assert!(open.protector.validate_request(&req).await.is_ok());
}

#[tokio::test]
async fn a_separate_resource_server_sharing_only_the_storage() {
    let p = provider(Backend::Cache, ServerConfig::default());
    let base = "https://provider.example";
    let token = token_credentials(&p, base, "HMAC-SHA1", SignatureType::Query).await;
    // Another "process": its own protector over the same stores, its own config.
    let resource_server = oauth_compat::server::ResourceProtector::new(
        p.db.clone(),
        p.db.clone(),
        Arc::clone(&p.nonces),
        ServerConfig::default(),
    );
    let req = resource_request(base, "HMAC-SHA1", SignatureType::Query, &token);
    assert_eq!(
        resource_server
            .validate_request(&req)
            .await
            .unwrap()
            .user_id(),
        USER
    );
    // The nonce is shared too: the same request on the authorization server's side is a replay.
    let err = p.protector.validate_request(&req).await.unwrap_err();
    assert!(matches!(err, OAuth1Error::InvalidNonce));
}

#[test]
fn the_futures_are_send() {
    fn is_send<T: Send>(_: &T) {}
    let p = provider(Backend::Memory, ServerConfig::default());
    let req = request(Method::POST, "https://provider.example/initiate", Some(""));
    is_send(&p.server.create_temporary_credential_response(&req));
    is_send(&p.server.check_authorization_request(&req));
    is_send(&p.server.create_authorization_response(&req, Some(USER)));
    is_send(&p.server.create_token_response(&req));
    is_send(&p.protector.validate_request(&req));
}
