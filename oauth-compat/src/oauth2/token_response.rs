//! Reading token-endpoint and revocation responses as providers really send them.
//!
//! The body is decoded as a token response ([`DecodeOptions::token`]): JSON, or a form
//! (GitHub's default, Facebook's old API), and a form when the content type is wrong
//! (`text/plain`, `text/html`). An OAuth error object (RFC 6749 §5.2) is an error at any
//! status, since GitHub answers `200 OK` with `error=bad_verification_code`.
//!
//! ```
//! use http::{HeaderMap, StatusCode, header};
//! use oauth_compat::oauth2::{parse_token_response, OAuth2Error};
//!
//! let mut headers = HeaderMap::new();
//! headers.insert(header::CONTENT_TYPE, "application/x-www-form-urlencoded; charset=utf-8".parse().unwrap());
//! let body = b"error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.";
//! let err = parse_token_response(StatusCode::OK, &headers, body, 1 << 20).unwrap_err();
//! let OAuth2Error::Provider(provider) = &err else { panic!("{err:?}") };
//! assert_eq!(provider.error, "bad_verification_code");
//! assert_eq!(
//!     provider.to_string(),
//!     "provider error bad_verification_code (HTTP 200): The code passed is incorrect or expired."
//! );
//! ```

use std::fmt;

use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use super::{OAuth2Error, Token};
use crate::response::{
    self, DEFAULT_MAX_BODY_BYTES, DecodeOptions, Format, OAuthResponse, RawBody,
};

/// An OAuth error object from the provider (RFC 6749 §5.2, RFC 7009 §2.2.1).
///
/// Displays as `provider error invalid_grant (HTTP 400): <description>`. `Debug` shows the
/// body's length only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderError {
    /// The response status (200 for providers that report errors with success).
    pub status: StatusCode,
    /// The `error` code (`invalid_grant`, `invalid_client`, ...).
    pub error: String,
    /// `error_description`, human-readable.
    pub error_description: Option<String>,
    /// `error_uri`, a page about the error.
    pub error_uri: Option<String>,
    /// The response body, as received.
    pub body: RawBody,
}

/// The most characters of `error` and `error_description` a message shows: the provider
/// chooses them, and a message lands in logs (the whole values stay in the fields).
const SHOWN_ERROR_CHARS: usize = 64;
const SHOWN_DESCRIPTION_CHARS: usize = 300;

/// `text`'s first `max` characters, and `…` when there were more.
fn bounded(text: &str, max: usize) -> impl fmt::Display + '_ {
    struct Bounded<'a>(&'a str, usize);
    impl fmt::Display for Bounded<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.0.char_indices().nth(self.1) {
                Some((cut, _)) => write!(f, "{}…", &self.0[..cut]),
                None => f.write_str(self.0),
            }
        }
    }
    Bounded(text, max)
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "provider error {} (HTTP {})",
            bounded(&self.error, SHOWN_ERROR_CHARS),
            self.status.as_u16()
        )?;
        if let Some(description) = &self.error_description {
            write!(f, ": {}", bounded(description, SHOWN_DESCRIPTION_CHARS))?;
        }
        Ok(())
    }
}

impl std::error::Error for ProviderError {}

impl ProviderError {
    /// The OAuth error in `data`, if it has one.
    ///
    /// `error` is usually a string; Facebook's Graph API sends an object
    /// (`{"error": {"message": .., "type": "OAuthException", "code": 190}}`), read here as
    /// error `OAuthException` with the message as description.
    fn from_data(status: StatusCode, data: &Map<String, Value>, body: &[u8]) -> Option<Self> {
        let text = |value: Option<&Value>| match value? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        let (error, description) = match data.get("error")? {
            Value::Null => return None,
            Value::Object(inner) => (
                text(inner.get("type"))
                    .or_else(|| text(inner.get("code")))
                    .unwrap_or_else(|| "error".to_owned()),
                text(inner.get("message")).or_else(|| text(data.get("error_description"))),
            ),
            other => (
                text(Some(other)).unwrap_or_default(),
                text(data.get("error_description")),
            ),
        };
        Some(Self {
            status,
            error,
            error_description: description,
            error_uri: text(data.get("error_uri")),
            body: RawBody(body.to_vec()),
        })
    }
}

/// Reads a token-endpoint response into a [`Token`].
///
/// In order: the body is decoded as a token response, refusing bodies over `max_body_bytes`;
/// an object with an `error` field is [`OAuth2Error::Provider`] whatever the status; any other
/// non-2xx status is [`OAuth2Error::HttpStatus`] (with the body); a 2xx object becomes a token
/// through [`Token::from_map`].
///
/// ```
/// use http::{HeaderMap, StatusCode, header};
/// use oauth_compat::oauth2::parse_token_response;
///
/// // RFC 6749 §5.1's example response.
/// let mut headers = HeaderMap::new();
/// headers.insert(header::CONTENT_TYPE, "application/json;charset=UTF-8".parse().unwrap());
/// let body = br#"{
///   "access_token":"2YotnFZFEjr1zCsicMWpAA",
///   "token_type":"example",
///   "expires_in":3600,
///   "refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA",
///   "example_parameter":"example_value"
/// }"#;
/// let token = parse_token_response(StatusCode::OK, &headers, body, 1 << 20)?;
/// assert_eq!(token.access_token(), "2YotnFZFEjr1zCsicMWpAA");
/// assert_eq!(token["example_parameter"], "example_value");
/// # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
/// ```
///
/// # Errors
///
/// [`OAuth2Error::Provider`], [`OAuth2Error::HttpStatus`]; [`OAuth2Error::MissingField`] or
/// [`OAuth2Error::InvalidField`] (keeping the body) for a 2xx answer that is not a valid token;
/// [`OAuth2Error::NotAnObject`] for a 2xx JSON body that is not an object; [`OAuth2Error::Response`] when
/// the body is too large, or is malformed at a 2xx status.
pub fn parse_token_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    max_body_bytes: usize,
) -> Result<Token, OAuth2Error> {
    let options = DecodeOptions::token().max_body_bytes(max_body_bytes);
    parse_token_response_with(status, headers, body, &options)
}

/// [`parse_token_response`] decoding the body as `options` say: a forced content type
/// (Flask-OAuthlib's `content_type`, for a provider that labels its JSON tokens `text/plain`)
/// and the size limit. Start from [`DecodeOptions::token`], which reads an unknown content
/// type as a form, as token endpoints need.
///
/// ```
/// use http::{HeaderMap, StatusCode, header};
/// use oauth_compat::oauth2::parse_token_response_with;
/// use oauth_compat::response::{DecodeOptions, MediaType};
///
/// // Weibo's token JSON, labelled text/plain.
/// let mut headers = HeaderMap::new();
/// headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
/// let body = br#"{"access_token": "2.00abc", "expires_in": 157679999, "uid": "1404376560"}"#;
/// let options = DecodeOptions::token().content_type(MediaType::json());
/// let token = parse_token_response_with(StatusCode::OK, &headers, body, &options)?;
/// assert_eq!(token.access_token(), "2.00abc");
/// assert_eq!(token["uid"], "1404376560");
/// # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
/// ```
///
/// # Errors
///
/// As [`parse_token_response`].
pub fn parse_token_response_with(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    options: &DecodeOptions,
) -> Result<Token, OAuth2Error> {
    let map = decode_object(status, headers, body, options)?;
    Token::from_map(map).map_err(|err| err.with_body(body))
}

/// Reads a token revocation response (RFC 7009 §2.2).
///
/// Any 2xx status is success whatever the body (RFC 7009 says 200; many servers send 204).
/// Otherwise an OAuth error object is [`OAuth2Error::Provider`] (`unsupported_token_type`, ...) and
/// anything else [`OAuth2Error::HttpStatus`]. Bodies over
/// [`DEFAULT_MAX_BODY_BYTES`] are refused.
///
/// ```
/// use http::{HeaderMap, StatusCode};
/// use oauth_compat::oauth2::{parse_revocation_response, OAuth2Error};
///
/// assert!(parse_revocation_response(StatusCode::OK, &HeaderMap::new(), b"").is_ok());
/// let err = parse_revocation_response(
///     StatusCode::BAD_REQUEST,
///     &HeaderMap::new(),
///     br#"{"error": "unsupported_token_type"}"#,
/// )
/// .unwrap_err();
/// assert!(matches!(err, OAuth2Error::Provider(p) if p.error == "unsupported_token_type"));
/// ```
///
/// # Errors
///
/// [`OAuth2Error::Provider`] or [`OAuth2Error::HttpStatus`] for a non-2xx status; [`OAuth2Error::Response`]
/// for an oversized error body.
pub fn parse_revocation_response(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), OAuth2Error> {
    if status.is_success() {
        return Ok(());
    }
    // `decode_object` turns every non-2xx answer into an error; `Ok` cannot happen here.
    let options = DecodeOptions::token().max_body_bytes(DEFAULT_MAX_BODY_BYTES);
    decode_object(status, headers, body, &options).map(drop)
}

/// The decoded body of a successful answer, or the error the answer is.
fn decode_object(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    options: &DecodeOptions,
) -> Result<Map<String, Value>, OAuth2Error> {
    let http_status = || OAuth2Error::HttpStatus {
        status,
        body: RawBody(body.to_vec()),
    };
    let data = match OAuthResponse::decode(status, headers.clone(), body.to_vec(), options) {
        Ok(response) => response.data,
        // An oversized body is refused whatever the status: it is not kept in memory twice.
        Err(err @ response::DecodeError::BodyTooLarge { .. }) => return Err(err.into()),
        // An error page that does not parse (a JSON 500 cut short) is still an HTTP error.
        Err(_) if !status.is_success() => return Err(http_status()),
        Err(err) => return Err(err.into()),
    };
    let format = data.format();
    match data.into_value() {
        Value::Object(map) => {
            if let Some(provider) = ProviderError::from_data(status, &map, body) {
                return Err(OAuth2Error::Provider(provider));
            }
            if !status.is_success() {
                return Err(http_status());
            }
            Ok(map)
        }
        _ if !status.is_success() => Err(http_status()),
        other => Err(OAuth2Error::NotAnObject {
            found: match (format, other) {
                (Format::Text, _) | (_, Value::String(_)) => "a string",
                (_, Value::Array(_)) => "an array",
                (_, Value::Number(_)) => "a number",
                (_, Value::Bool(_)) => "a boolean",
                _ => "null",
            },
            body: RawBody(body.to_vec()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;
    use http::header::CONTENT_TYPE;

    use super::*;

    const LIMIT: usize = 1 << 20;

    #[test]
    fn a_long_error_and_description_are_cut_in_messages_and_kept_whole_in_fields() {
        let description = "é".repeat(5000);
        let body = format!(
            r#"{{"error":"{}","error_description":"{description}"}}"#,
            "x".repeat(500)
        );
        let Err(OAuth2Error::Provider(err)) = parse_token_response(
            StatusCode::BAD_REQUEST,
            &headers("application/json"),
            body.as_bytes(),
            LIMIT,
        ) else {
            panic!("a provider error")
        };
        assert_eq!(err.error_description.as_deref(), Some(description.as_str()));
        let shown = err.to_string();
        assert_eq!(
            shown,
            format!(
                "provider error {}… (HTTP 400): {}…",
                "x".repeat(SHOWN_ERROR_CHARS),
                "é".repeat(SHOWN_DESCRIPTION_CHARS)
            )
        );
        // Short ones are shown as they are.
        let short = parse_token_response(
            StatusCode::BAD_REQUEST,
            &headers("application/json"),
            br#"{"error":"invalid_grant","error_description":"expired"}"#,
            LIMIT,
        );
        let Err(OAuth2Error::Provider(short)) = short else {
            panic!()
        };
        assert_eq!(
            short.to_string(),
            "provider error invalid_grant (HTTP 400): expired"
        );
    }

    fn headers(content_type: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers
    }

    fn json() -> HeaderMap {
        headers("application/json")
    }

    #[test]
    fn json_token() {
        let body = br#"{"access_token":"a","token_type":"bearer","expires_in":"3600","scope":["r","w"],"id_token":"x.y.z"}"#;
        let token = parse_token_response(StatusCode::OK, &json(), body, LIMIT).unwrap();
        assert_eq!(token.access_token(), "a");
        assert_eq!(token.expires_in(), Some(3600));
        assert!(token.expires_at().is_some());
        assert_eq!(token.scope(), Some("r w"));
        assert_eq!(token["id_token"], "x.y.z");
    }

    #[test]
    fn form_token_even_when_labelled_text() {
        // GitHub without `Accept: application/json`; Facebook's old API as text/plain.
        for ct in [
            "application/x-www-form-urlencoded; charset=utf-8",
            "text/plain",
            "text/html",
        ] {
            let body =
                b"access_token=gho_16C7e42F&scope=repo%2Cgist&token_type=bearer&expires_in=28800";
            let token = parse_token_response(StatusCode::OK, &headers(ct), body, LIMIT).unwrap();
            assert_eq!(token.access_token(), "gho_16C7e42F");
            assert_eq!(token.scope(), Some("repo,gist"));
            assert_eq!(token["expires_in"], 28800);
        }
    }

    #[test]
    fn error_with_http_200() {
        let body = br#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.github.com/apps/troubleshooting"}"#;
        let err = parse_token_response(StatusCode::OK, &json(), body, LIMIT).unwrap_err();
        let OAuth2Error::Provider(provider) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(provider.status, StatusCode::OK);
        assert_eq!(provider.error, "bad_verification_code");
        assert_eq!(
            provider.error_uri.as_deref(),
            Some("https://docs.github.com/apps/troubleshooting")
        );
        assert_eq!(&provider.body[..], body);
    }

    #[test]
    fn error_with_400_description_and_uri() {
        // RFC 6749 §5.2's example, with a description and URI added.
        let body = br#"{"error":"invalid_grant","error_description":"Code expired","error_uri":"https://p.example/errors#grant"}"#;
        let err = parse_token_response(StatusCode::BAD_REQUEST, &json(), body, LIMIT).unwrap_err();
        assert_eq!(
            err.to_string(),
            "provider error invalid_grant (HTTP 400): Code expired; the code or refresh token is \
             expired, used, revoked, or bound to another redirect_uri or client: start the \
             authorization again"
        );
        let OAuth2Error::Provider(provider) = err else {
            panic!()
        };
        assert_eq!(
            provider.to_string(),
            "provider error invalid_grant (HTTP 400): Code expired"
        );
        assert_eq!(provider.error_description.as_deref(), Some("Code expired"));
        assert_eq!(
            provider.error_uri.as_deref(),
            Some("https://p.example/errors#grant")
        );
        let debug = format!("{provider:?}");
        assert!(
            debug.contains(&format!("RawBody({} bytes)", body.len())),
            "{debug}"
        );

        let err = parse_token_response(
            StatusCode::UNAUTHORIZED,
            &json(),
            br#"{"error":"invalid_client"}"#,
            LIMIT,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "provider error invalid_client (HTTP 401); check client_id, client_secret and the \
             client authentication method"
        );
    }

    #[test]
    fn facebook_error_object() {
        let body = br#"{"error":{"message":"This authorization code has expired.","type":"OAuthException","code":100,"fbtrace_id":"A1b"}}"#;
        let err = parse_token_response(StatusCode::BAD_REQUEST, &json(), body, LIMIT).unwrap_err();
        let OAuth2Error::Provider(provider) = err else {
            panic!()
        };
        assert_eq!(provider.error, "OAuthException");
        assert_eq!(
            provider.error_description.as_deref(),
            Some("This authorization code has expired.")
        );
    }

    #[test]
    fn html_500_is_http_status_with_body() {
        let body = b"<html><body><h1>500 Internal Server Error</h1></body></html>";
        let err = parse_token_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &headers("text/html"),
            body,
            LIMIT,
        )
        .unwrap_err();
        assert!(
            matches!(&err, OAuth2Error::HttpStatus { status, body: kept } if *status == 500 && &kept[..] == body),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("HTTP 500 Internal Server Error"),
            "{err}"
        );
        assert_eq!(err.body(), Some(&body[..]));
        // A truncated JSON error page is still an HTTP error, not a parse error.
        let err =
            parse_token_response(StatusCode::BAD_GATEWAY, &json(), b"{\"err", LIMIT).unwrap_err();
        assert!(matches!(err, OAuth2Error::HttpStatus { .. }), "{err:?}");
        // A JSON array at 500 too.
        let err = parse_token_response(StatusCode::INTERNAL_SERVER_ERROR, &json(), b"[]", LIMIT)
            .unwrap_err();
        assert!(matches!(err, OAuth2Error::HttpStatus { .. }), "{err:?}");
    }

    #[test]
    fn missing_access_token_keeps_body() {
        let body = br#"{"token_type":"bearer","refresh_token":"S3CR3T"}"#;
        let err = parse_token_response(StatusCode::OK, &json(), body, LIMIT).unwrap_err();
        assert!(
            matches!(&err, OAuth2Error::MissingField { field: "access_token", body: Some(kept) } if &kept[..] == body),
            "{err:?}"
        );
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains("S3CR3T"), "{shown}");
        }
        let err = parse_token_response(
            StatusCode::OK,
            &json(),
            br#"{"access_token":"a","expires_in":"never"}"#,
            LIMIT,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            OAuth2Error::InvalidField {
                field: "expires_in",
                body: Some(_),
                ..
            }
        ));
        // An HTML login page served with 200 decodes as a form without a token.
        let err = parse_token_response(
            StatusCode::OK,
            &headers("text/html"),
            b"<html>login</html>",
            LIMIT,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                OAuth2Error::MissingField {
                    field: "access_token",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn malformed_or_oversized_2xx_bodies() {
        let err = parse_token_response(StatusCode::OK, &json(), b"{\"access_token\": ", LIMIT)
            .unwrap_err();
        assert!(
            matches!(
                err,
                OAuth2Error::Response(response::DecodeError::Malformed { .. })
            ),
            "{err:?}"
        );
        assert!(err.body().is_some());
        let err = parse_token_response(StatusCode::OK, &json(), br#"["a"]"#, LIMIT).unwrap_err();
        assert!(
            matches!(
                err,
                OAuth2Error::NotAnObject {
                    found: "an array",
                    ..
                }
            ),
            "{err:?}"
        );
        let big = vec![b' '; 100];
        for status in [StatusCode::OK, StatusCode::INTERNAL_SERVER_ERROR] {
            let err = parse_token_response(status, &json(), &big, 10).unwrap_err();
            assert!(
                matches!(
                    err,
                    OAuth2Error::Response(response::DecodeError::BodyTooLarge {
                        size: 100,
                        limit: 10
                    })
                ),
                "{err:?}"
            );
        }
    }

    #[test]
    fn revocation() {
        for status in [StatusCode::OK, StatusCode::NO_CONTENT] {
            assert!(parse_revocation_response(status, &json(), b"{\"error\":\"x\"}").is_ok());
        }
        let err = parse_revocation_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &headers("text/html"),
            b"<h1>down</h1>",
        )
        .unwrap_err();
        assert!(matches!(err, OAuth2Error::HttpStatus { status, .. } if status == 503));
        let err = parse_revocation_response(
            StatusCode::BAD_REQUEST,
            &headers("application/x-www-form-urlencoded"),
            b"error=unsupported_token_type",
        )
        .unwrap_err();
        assert!(
            matches!(err, OAuth2Error::Provider(p) if p.error == "unsupported_token_type" && p.status == 400)
        );
    }
}
