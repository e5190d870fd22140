//! Property tests for response decoding: no input panics, and forms round-trip.

use http::header::{CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, StatusCode};
use oauth_compat::response::{DecodeOptions, Form, Format, MediaType, OAuthResponse};
use proptest::prelude::*;

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/JSON; charset=UTF-8",
    "text/javascript",
    "application/vnd.api+json",
    "application/xml",
    "text/xml; charset=iso-8859-1",
    "application/atom+xml",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin1",
    "application/x-www-form-urlencoded; charset=\"no-such-charset\"",
    "text/plain",
    "text/html; charset=shift_jis",
    "json",
    "",
];

fn content_type() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        Just(None),
        prop::sample::select(CONTENT_TYPES).prop_map(|ct| Some(ct.as_bytes().to_vec())),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Some),
    ]
}

fn forced() -> impl Strategy<Value = Option<MediaType>> {
    prop_oneof![
        3 => Just(None),
        1 => prop::sample::select(CONTENT_TYPES).prop_map(|ct| MediaType::parse(ct).ok()),
    ]
}

/// Bytes that look enough like JSON, XML or forms to get past the first character.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        prop::sample::select(
            &[
                "<a>",
                "</a>",
                "<b x='1' y=\"&amp;\"/>",
                "&amp;",
                "&#x41;",
                "&#0;",
                "&bogus;",
                "<![CDATA[x]]>",
                "<!-- c -->",
                "<?xml version='1.0' encoding='latin1'?>",
                "<!DOCTYPE a>",
                "{",
                "}",
                "[",
                "]",
                "\"k\":",
                "1",
                ",",
                "null",
                "=",
                "&",
                "+",
                "%",
                "%FF",
                "%E2%9C%93",
                "k",
                " ",
                "\n",
            ][..]
        )
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
    ];
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        prop::collection::vec(pieces, 0..64).prop_map(|v| v.concat()),
    ]
}

fn exercise(resp: &OAuthResponse) {
    let _ = resp.data["key"][0]["nested"].is_null();
    let _ = resp.data[3].is_null();
    let _ = resp.data.get("key");
    let _ = resp.data.to_string();
    let _ = resp.text();
    let _ = resp.json::<serde_json::Value>();
    let _ = resp.raise_for_status();
    let _ = format!("{resp:?}");
    if let Some(root) = resp.data.xml() {
        let _ = root.find("a").map(|a| a.attr("x"));
    }
    if let Some(form) = resp.data.form() {
        let _ = form.encode();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_input_never_panics(
        body in body(),
        content_type in content_type(),
        forced in forced(),
        token in any::<bool>(),
        limit in prop_oneof![Just(usize::MAX), 0usize..600],
    ) {
        let mut headers = HeaderMap::new();
        if let Some(value) = content_type.and_then(|ct| HeaderValue::from_bytes(&ct).ok()) {
            headers.insert(CONTENT_TYPE, value);
        }
        let mut options = if token { DecodeOptions::token() } else { DecodeOptions::api() };
        options = options.max_body_bytes(limit);
        if let Some(forced) = forced {
            options = options.content_type(forced);
        }
        match OAuthResponse::decode(StatusCode::OK, headers, body.clone(), &options) {
            Ok(resp) => {
                prop_assert_eq!(&resp.raw_data, &body);
                exercise(&resp);
            }
            Err(e) => {
                let _ = e.to_string();
                if let Some(kept) = e.body() {
                    prop_assert_eq!(kept, &body[..]);
                }
            }
        }
    }

    #[test]
    fn every_decoder_takes_arbitrary_bytes(body in body(), which in 0usize..4) {
        let ct = ["application/json", "application/x-www-form-urlencoded", "text/xml", "text/plain"][which];
        let options = DecodeOptions::api().content_type(MediaType::parse(ct).map_err(|e| TestCaseError::fail(e.to_string()))?);
        if let Ok(resp) = OAuthResponse::decode(StatusCode::OK, HeaderMap::new(), body, &options) {
            exercise(&resp);
        }
    }

    /// Werkzeug's `url_decode` replaces what a charset cannot map: every body is a form.
    #[test]
    fn every_body_is_a_form(body in body(), charset in prop::sample::select(&["utf-8", "latin-1", "shift_jis", "utf-16"][..])) {
        let mut headers = HeaderMap::new();
        let ct = format!("application/x-www-form-urlencoded; charset={charset}");
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(&ct).map_err(|e| TestCaseError::fail(e.to_string()))?);
        let resp = OAuthResponse::decode(StatusCode::OK, headers, body, &DecodeOptions::api())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(resp.data.format(), Format::Form);
    }

    #[test]
    fn form_round_trips(pairs in prop::collection::vec((any::<String>(), any::<String>()), 0..8)) {
        let form: Form = pairs.iter().cloned().collect();
        let encoded = form.encode();
        let decoded = Form::parse(encoded.as_bytes());
        prop_assert_eq!(&decoded, &form);

        let options = DecodeOptions::token();
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        let resp = OAuthResponse::decode(StatusCode::OK, headers, encoded, &options)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(resp.data.format(), Format::Form);
        prop_assert_eq!(resp.data.form(), Some(&form));
        if let Some((key, value)) = pairs.first() {
            prop_assert_eq!(resp.data[key.as_str()].as_str(), Some(value.as_str()));
        }
    }
}

/// Decodes `body` as `content_type` for a token endpoint.
fn token_response(content_type: &'static str, body: &str) -> OAuthResponse {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    match OAuthResponse::decode(StatusCode::OK, headers, body, &DecodeOptions::token()) {
        Ok(resp) => resp,
        Err(e) => panic!("{content_type} {body:?} should decode: {e}"),
    }
}

/// Every `Debug` a caller can reach on a decoded response, compact and pretty.
fn debug_views(resp: &OAuthResponse) -> Vec<String> {
    vec![
        format!("{resp:?}"),
        format!("{:?}", resp.data),
        format!("{:?}", resp.data.form()),
        format!("{:?}", resp.data.xml()),
        format!("{resp:#?}"),
        format!("{:#?}", resp.data),
        format!("{:#?}", resp.data.form()),
        format!("{:#?}", resp.data.xml()),
    ]
}

#[test]
fn debug_never_shows_token_values() {
    let form = token_response(
        "application/x-www-form-urlencoded",
        "oauth_token=T0K&oauth_token_secret=S3CR3T&user_id=1",
    );
    let json = token_response(
        "application/json",
        r#"{"access_token": "S3CR3T", "refresh_token": "R3FR3SH", "expires_in": 3600}"#,
    );
    let xml = token_response(
        "text/xml",
        r#"<token kind="S3CR3T-ATTR"><access_token>S3CR3T</access_token><uid>1</uid></token>"#,
    );
    for resp in [&form, &json, &xml] {
        for shown in debug_views(resp) {
            for secret in ["T0K", "S3CR3T", "R3FR3SH", "3600"] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
    }
    // The shape is still there to debug with.
    assert_eq!(
        format!("{:?}", form.data),
        r#"Data { format: Form, keys: ["oauth_token", "oauth_token_secret", "user_id"] }"#
    );
    assert!(
        format!("{:?}", json.data)
            .contains(r#"keys: ["access_token", "expires_in", "refresh_token"]"#)
    );
    assert!(
        format!("{:?}", xml.data.xml())
            .contains(r#"tag: "token", attributes: ["kind"], children: 2"#)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn form_debug_never_shows_a_value(
        pairs in prop::collection::vec(("[a-z_]{1,8}", "S3CR3T[A-Z0-9]{0,12}"), 0..12),
    ) {
        let form: Form = pairs.iter().cloned().collect();
        let resp = token_response("application/x-www-form-urlencoded", &form.encode());
        for shown in debug_views(&resp) {
            prop_assert!(!shown.contains("S3CR3T"), "{}", shown);
        }
    }
}
