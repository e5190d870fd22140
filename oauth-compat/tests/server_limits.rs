//! What one request may cost the provider: the parameter bound (`ServerConfig::max_parameters`),
//! counted over the query, a form body and the `Authorization` header before anything is
//! decoded, on every endpoint; and the client and token looked up before the parameters that
//! are not `oauth_*` are decoded, so an unknown one is refused at the cost of a scan.

mod support;

use http::{Method, Request, header};
use oauth_compat::oauth1::SignatureType;
use oauth_compat::oauth1::collect_parameters;
use oauth_compat::server::ServerConfig;
use support::server::*;

const BASE: &str = "http://provider.example";

/// Every parameter the provider counts: the signed ones and `oauth_signature`.
fn parameter_count(req: &Request<Vec<u8>>) -> usize {
    let uri = req.uri().to_string();
    let absolute = if uri.starts_with('/') {
        let host = req.headers()[header::HOST].to_str().unwrap();
        format!("http://{host}{uri}")
    } else {
        uri
    };
    collect_parameters(&absolute.parse().unwrap(), req.headers(), req.body())
        .unwrap()
        .len()
        + 1
}

/// `a0=v&a1=v&...`: `n` parameters.
fn filler(n: usize) -> String {
    (0..n)
        .map(|i| format!("a{i}=v"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A protected request signed with `token`, carrying exactly `total` parameters.
fn resource_request_of(
    token: &oauth_compat::oauth1::TokenCredentials,
    total: usize,
) -> Request<Vec<u8>> {
    let make = |n: usize| {
        origin_form(sign(
            signer("HMAC-SHA1", SignatureType::Header).token(token.clone()),
            request(
                Method::POST,
                &format!("{BASE}/api/echo?q=1"),
                Some(&filler(n)),
            ),
        ))
    };
    let overhead = parameter_count(&make(0));
    let req = make(total - overhead);
    assert_eq!(parameter_count(&req), total);
    req
}

#[tokio::test]
async fn a_protected_request_over_the_default_bound_is_refused_naming_it() {
    let p = provider(Backend::Memory, ServerConfig::default());
    let token = token_credentials(&p, BASE, "HMAC-SHA1", SignatureType::Header).await;

    // At the bound (1000), accepted.
    let credential = p
        .protector
        .validate_request(&resource_request_of(&token, 1000))
        .await
        .unwrap();
    assert_eq!(credential.user_id(), USER);

    // One more: 400 invalid_request, with the usual OAuth error body naming the limit.
    let err = p
        .protector
        .validate_request(&resource_request_of(&token, 1001))
        .await
        .unwrap_err();
    let resp = err.into_json_response();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
    let json: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
    assert_eq!(json["error"], "invalid_request");
    let description = json["error_description"].as_str().unwrap();
    assert!(description.contains("at most 1000"), "{description}");
}

#[tokio::test]
async fn the_bound_is_configurable_and_holds_on_every_endpoint() {
    let max = 20;
    let p = provider(
        Backend::Memory,
        ServerConfig::default().max_parameters(max).unwrap(),
    );
    let refused = |resp: &http::Response<Vec<u8>>| {
        assert_eq!(
            error(resp),
            (400, "invalid_request".into()),
            "{}",
            body(resp)
        );
        assert!(
            field(resp, "error_description")
                .unwrap()
                .contains("at most 20"),
            "{}",
            body(resp)
        );
    };

    // /initiate: the form of the signed request, at the bound and past it.
    let initiate_with = |n: usize| {
        origin_form(sign(
            signer("HMAC-SHA1", SignatureType::Header).callback(CALLBACK),
            request(Method::POST, &format!("{BASE}/initiate"), Some(&filler(n))),
        ))
    };
    let overhead = parameter_count(&initiate_with(0));
    let at_bound = initiate_with(max - overhead);
    assert_eq!(parameter_count(&at_bound), max);
    let resp = p
        .server
        .create_temporary_credential_response(&at_bound)
        .await;
    let temporary = credentials(&resp);
    refused(
        &p.server
            .create_temporary_credential_response(&initiate_with(max - overhead + 1))
            .await,
    );

    // The authorization page: the query and the form together.
    let page = |n: usize| {
        request(
            Method::POST,
            &format!("{BASE}/authorize?oauth_token={}", temporary.token),
            Some(&filler(n)),
        )
    };
    assert!(
        p.server
            .check_authorization_request(&page(max - 1))
            .await
            .is_ok()
    );
    let err = p
        .server
        .check_authorization_request(&page(max))
        .await
        .unwrap_err();
    refused(&err.into_response());
    let verifier = verifier_of(&authorize(&p, BASE, &temporary.token, Some(USER)).await);

    // /token: refused past the bound (which leaves the temporary credential alone: the
    // request never got as far as its client), then exchanged at it.
    let exchange_with = |n: usize| {
        origin_form(sign(
            signer("HMAC-SHA1", SignatureType::Header)
                .token(temporary.clone())
                .verifier(&verifier),
            request(Method::POST, &format!("{BASE}/token"), Some(&filler(n))),
        ))
    };
    let overhead = parameter_count(&exchange_with(0));
    refused(
        &p.server
            .create_token_response(&exchange_with(max - overhead + 1))
            .await,
    );
    let token = credentials(
        &p.server
            .create_token_response(&exchange_with(max - overhead))
            .await,
    );

    // A protected resource: the query counts too.
    assert!(
        p.protector
            .validate_request(&resource_request_of(&token, max))
            .await
            .is_ok()
    );
    let err = p
        .protector
        .validate_request(&resource_request_of(&token, max + 1))
        .await
        .unwrap_err();
    refused(&err.into_response());
}

/// A signed request whose form then gets a value that does not decode (`%FF` is not UTF-8).
fn with_undecodable_value(req: Request<Vec<u8>>) -> Request<Vec<u8>> {
    let (parts, mut form) = req.into_parts();
    form.extend_from_slice(b"&x=%FF");
    Request::from_parts(parts, form)
}

#[tokio::test]
async fn unknown_clients_and_tokens_are_refused_before_the_rest_is_decoded() {
    let p = provider(Backend::Memory, ServerConfig::default());
    let token = token_credentials(&p, BASE, "HMAC-SHA1", SignatureType::Header).await;
    let stranger = || signer_for("nobody", "x", "HMAC-SHA1", SignatureType::Header);

    // Unknown client, unknown token: refused as such, the undecodable value never looked at.
    let req = with_undecodable_value(origin_form(sign(
        stranger().token(token.clone()),
        request(Method::POST, &format!("{BASE}/api/echo"), Some("a=1")),
    )));
    let err = p.protector.validate_request(&req).await.unwrap_err();
    assert_eq!(err.error(), "invalid_client");
    let mut made_up = token.clone();
    made_up.token = "made-up".into();
    let req = with_undecodable_value(origin_form(sign(
        signer("HMAC-SHA1", SignatureType::Header).token(made_up),
        request(Method::POST, &format!("{BASE}/api/echo"), Some("a=1")),
    )));
    let err = p.protector.validate_request(&req).await.unwrap_err();
    assert_eq!(err.error(), "invalid_token");
    let req = with_undecodable_value(origin_form(sign(
        stranger().callback(CALLBACK),
        request(Method::POST, &format!("{BASE}/initiate"), Some("a=1")),
    )));
    let resp = p.server.create_temporary_credential_response(&req).await;
    assert_eq!(error(&resp), (401, "invalid_client".into()));

    // Known ones: the value is decoded, and refused with what is wrong with it.
    let req = with_undecodable_value(origin_form(sign(
        signer("HMAC-SHA1", SignatureType::Header).token(token),
        request(Method::POST, &format!("{BASE}/api/echo"), Some("a=1")),
    )));
    let err = p.protector.validate_request(&req).await.unwrap_err();
    assert_eq!(err.error(), "invalid_request");
    assert!(err.description().contains("UTF-8"), "{err}");
    let req = with_undecodable_value(origin_form(sign(
        signer("HMAC-SHA1", SignatureType::Header).callback(CALLBACK),
        request(Method::POST, &format!("{BASE}/initiate"), Some("a=1")),
    )));
    let resp = p.server.create_temporary_credential_response(&req).await;
    assert_eq!(error(&resp), (400, "invalid_request".into()));
}
