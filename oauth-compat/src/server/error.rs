//! The provider's errors, with Authlib's codes and statuses (`authlib.oauth1.rfc5849.errors`),
//! and the answers they become.
//!
//! ```
//! use http::{StatusCode, header};
//! use oauth_compat::server::OAuth1Error;
//!
//! let resp = OAuth1Error::InvalidNonce.into_response();
//! assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
//! assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/x-www-form-urlencoded");
//! assert!(resp.body().starts_with(b"error=invalid_nonce&error_description="));
//! ```

use std::borrow::Cow;

use http::{HeaderValue, Response, StatusCode, header};

use super::response::{FORM, form_body};
use super::store::StoreError;
use crate::oauth1;

/// Why the provider refused a request. `#[non_exhaustive]`; the [`error`](Self::error) code,
/// [`status`](Self::status) and [`description`](Self::description) are what the client sees.
///
/// Bad input is never a 500: a malformed or non-OAuth `Authorization` header, a query that does
/// not decode, or a bad URI are each `invalid_request` (400) saying what is wrong. Only a failing
/// store is a 500 ([`OAuth1Error::Store`]), whose body says nothing about the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuth1Error {
    /// `invalid_request` (400): the request is malformed.
    #[error("invalid_request: {description}")]
    InvalidRequest {
        /// What is wrong, for the client's developer.
        description: Cow<'static, str>,
    },
    /// `missing_required_parameter` (400).
    #[error("missing_required_parameter: missing \"{name}\" in parameters")]
    MissingRequiredParameter {
        /// The parameter's name.
        name: &'static str,
    },
    /// `duplicated_oauth_protocol_parameter` (400): a protocol parameter sent twice, or in
    /// two places.
    #[error("duplicated_oauth_protocol_parameter: {description}")]
    DuplicatedOAuthProtocolParameter {
        /// Which parameter, or which places.
        description: String,
    },
    /// `unsupported_signature_method` (400): the method is not among the supported ones.
    #[error("unsupported_signature_method: {method} is not accepted")]
    UnsupportedSignatureMethod {
        /// The method as sent.
        method: String,
    },
    /// `invalid_client` (401): no client has this `oauth_consumer_key`.
    #[error("invalid_client: unknown oauth_consumer_key")]
    InvalidClient,
    /// `invalid_token` (401): the `oauth_token` is unknown, expired, used, or another client's.
    #[error("invalid_token: invalid or expired oauth_token")]
    InvalidToken,
    /// `invalid_signature` (401).
    #[error("invalid_signature: {reason}")]
    InvalidSignature {
        /// Why, without the signature or any key.
        reason: &'static str,
    },
    /// `invalid_nonce` (401): this nonce was already used with this timestamp, client and
    /// token: a replay.
    #[error("invalid_nonce: oauth_nonce already used")]
    InvalidNonce,
    /// `access_denied` (400): the resource owner denied the request.
    #[error("access_denied: the resource owner denied the request")]
    AccessDenied,
    /// `method_not_allowed` (405) on the temporary credentials endpoint.
    #[error("method_not_allowed: use {allowed}")]
    MethodNotAllowed {
        /// The methods the endpoint accepts, as an `Allow` header lists them (`POST`, or
        /// `GET, POST` with [`ServerConfig`](super::ServerConfig)'s temporary-credentials
        /// methods).
        allowed: String,
    },
    /// `insecure_transport` (400): the request came over plain HTTP to a host that is not this
    /// machine, and the [`TransportRule`](super::TransportRule) requires a secure transport.
    #[error("insecure_transport: OAuth 1 MUST utilize https")]
    InsecureTransport,
    /// `server_error` (500): a store failed. Its details are for the logs (`Display`), never
    /// for the response body.
    #[error("server_error: {0}")]
    Store(#[from] StoreError),
}

impl OAuth1Error {
    /// `invalid_request` with a description.
    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::InvalidRequest {
            description: description.into(),
        }
    }

    /// The error code (`error=`), Authlib's.
    pub fn error(&self) -> &'static str {
        match self {
            Self::InvalidRequest { .. } => "invalid_request",
            Self::MissingRequiredParameter { .. } => "missing_required_parameter",
            Self::DuplicatedOAuthProtocolParameter { .. } => "duplicated_oauth_protocol_parameter",
            Self::UnsupportedSignatureMethod { .. } => "unsupported_signature_method",
            Self::InvalidClient => "invalid_client",
            Self::InvalidToken => "invalid_token",
            Self::InvalidSignature { .. } => "invalid_signature",
            Self::InvalidNonce => "invalid_nonce",
            Self::AccessDenied => "access_denied",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::InsecureTransport => "insecure_transport",
            Self::Store(_) => "server_error",
        }
    }

    /// The HTTP status, Authlib's.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidClient
            | Self::InvalidToken
            | Self::InvalidSignature { .. }
            | Self::InvalidNonce => StatusCode::UNAUTHORIZED,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The `error_description` sent to the client: what to fix, never a secret, never a
    /// store's internals.
    pub fn description(&self) -> Cow<'static, str> {
        match self {
            Self::InvalidRequest { description } => description.clone(),
            Self::MissingRequiredParameter { name } => {
                format!("missing \"{name}\" in parameters").into()
            }
            Self::DuplicatedOAuthProtocolParameter { description } => description.clone().into(),
            Self::UnsupportedSignatureMethod { method } => {
                format!("signature method \"{method}\" is not supported by this server").into()
            }
            Self::InvalidClient => "unknown \"oauth_consumer_key\"".into(),
            Self::InvalidToken => "Invalid or expired \"oauth_token\" in parameters".into(),
            Self::InvalidSignature { reason } => (*reason).into(),
            Self::InvalidNonce => {
                "\"oauth_nonce\" was already used with this timestamp; send a fresh nonce".into()
            }
            Self::AccessDenied => {
                "The resource owner or authorization server denied the request".into()
            }
            Self::MethodNotAllowed { allowed } => {
                format!("this endpoint accepts {allowed} only").into()
            }
            Self::InsecureTransport => "OAuth 1 MUST utilize https.".into(),
            Self::Store(_) => "the server could not reach its storage; try again later".into(),
        }
    }

    /// `error` and `error_description`, as the pairs of a form or a query.
    pub fn pairs(&self) -> [(&'static str, Cow<'static, str>); 2] {
        [
            ("error", Cow::Borrowed(self.error())),
            ("error_description", self.description()),
        ]
    }

    /// The answer from the three endpoints, as Authlib's: the status, a form-encoded body
    /// `error=..&error_description=..`, `Content-Type: application/x-www-form-urlencoded`,
    /// `Cache-Control: no-store` and `Pragma: no-cache`. Beyond Authlib, a 401 carries
    /// `WWW-Authenticate: OAuth` (HTTP requires a challenge on a 401) and a 405 `Allow` with the
    /// methods the endpoint accepts.
    pub fn into_response(self) -> Response<Vec<u8>> {
        let body = form_body(self.pairs().iter().map(|(k, v)| (*k, v.as_ref())));
        self.respond(body, FORM)
    }

    /// The answer Authlib's Flask `require_oauth()` gives on a protected resource: the same
    /// status and headers, with a JSON body `{"error": .., "error_description": ..}`.
    pub fn into_json_response(self) -> Response<Vec<u8>> {
        let body = serde_json::json!({
            "error": self.error(),
            "error_description": self.description(),
        });
        self.respond(body.to_string().into_bytes(), "application/json")
    }

    fn respond(&self, body: Vec<u8>, content_type: &'static str) -> Response<Vec<u8>> {
        let mut resp = Response::new(body);
        *resp.status_mut() = self.status();
        let headers = resp.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        match self {
            Self::MethodNotAllowed { allowed } => {
                if let Ok(value) = HeaderValue::from_str(allowed) {
                    headers.insert(header::ALLOW, value);
                }
            }
            _ if self.status() == StatusCode::UNAUTHORIZED => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("OAuth"));
            }
            _ => {}
        }
        resp
    }
}

impl From<oauth1::SignatureError> for OAuth1Error {
    /// Maps the sans-IO verifier's errors onto Authlib's codes.
    fn from(err: oauth1::SignatureError) -> Self {
        use oauth1::SignatureError as E;
        match err {
            E::MissingParameter { name } => Self::MissingRequiredParameter { name },
            E::DuplicateParameter { .. } | E::ParametersInSeveralPlaces { .. } => {
                Self::DuplicatedOAuthProtocolParameter {
                    description: err.to_string(),
                }
            }
            E::UnknownSignatureMethod { method } | E::UnsupportedSignatureMethod { method } => {
                Self::UnsupportedSignatureMethod { method }
            }
            E::BadSignature { .. } => Self::InvalidSignature {
                reason: "\"oauth_signature\" does not match; check the secrets, and the request URI, method and parameters signed",
            },
            E::MissingKey { .. } | E::InvalidRsaKey { .. } | E::RsaSigning => {
                Self::InvalidSignature {
                    reason: "the client's key cannot verify this signature method",
                }
            }
            E::SignatureMethodFailed { .. } => Self::InvalidSignature {
                reason: "the signature method could not verify the signature",
            },
            E::InvalidParameter {
                name: "oauth_timestamp",
                reason,
            } => Self::invalid_request(format!("Invalid \"oauth_timestamp\" value: {reason}")),
            other => Self::invalid_request(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(resp: &Response<Vec<u8>>) -> String {
        String::from_utf8(resp.body().clone()).unwrap()
    }

    #[test]
    fn codes_and_statuses_are_authlibs() {
        let cases: [(OAuth1Error, &str, u16); 11] = [
            (OAuth1Error::invalid_request("x"), "invalid_request", 400),
            (
                OAuth1Error::MissingRequiredParameter {
                    name: "oauth_callback",
                },
                "missing_required_parameter",
                400,
            ),
            (
                OAuth1Error::UnsupportedSignatureMethod { method: "X".into() },
                "unsupported_signature_method",
                400,
            ),
            (
                OAuth1Error::DuplicatedOAuthProtocolParameter {
                    description: "d".into(),
                },
                "duplicated_oauth_protocol_parameter",
                400,
            ),
            (OAuth1Error::InvalidClient, "invalid_client", 401),
            (OAuth1Error::InvalidToken, "invalid_token", 401),
            (
                OAuth1Error::InvalidSignature { reason: "r" },
                "invalid_signature",
                401,
            ),
            (OAuth1Error::InvalidNonce, "invalid_nonce", 401),
            (OAuth1Error::AccessDenied, "access_denied", 400),
            (
                OAuth1Error::MethodNotAllowed {
                    allowed: "POST".into(),
                },
                "method_not_allowed",
                405,
            ),
            (OAuth1Error::InsecureTransport, "insecure_transport", 400),
        ];
        for (err, code, status) in cases {
            assert_eq!((err.error(), err.status().as_u16()), (code, status));
            let resp = err.into_response();
            assert_eq!(resp.status().as_u16(), status);
            assert!(body(&resp).starts_with(&format!("error={code}&error_description=")));
            assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
            assert_eq!(resp.headers()[header::PRAGMA], "no-cache");
            assert_eq!(
                resp.headers().contains_key(header::WWW_AUTHENTICATE),
                status == 401
            );
        }
    }

    #[test]
    fn missing_parameter_reads_as_authlibs() {
        let resp = OAuth1Error::MissingRequiredParameter {
            name: "oauth_verifier",
        }
        .into_response();
        assert_eq!(
            body(&resp),
            "error=missing_required_parameter&error_description=missing+%22oauth_verifier%22+in+parameters"
        );
    }

    #[test]
    fn store_errors_hide_internals() {
        let err = OAuth1Error::from(StoreError::new(
            "postgres",
            "read a client",
            "password authentication failed for user \"oauth\"",
        ));
        assert!(err.to_string().contains("password authentication failed"));
        let resp = err.into_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let text = body(&resp);
        assert!(text.starts_with("error=server_error&"), "{text}");
        assert!(
            !text.contains("postgres") && !text.contains("password"),
            "{text}"
        );
    }

    #[test]
    fn json_response_for_protected_resources() {
        let resp = OAuth1Error::InvalidToken.into_json_response();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
        let value: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
        assert_eq!(value["error"], "invalid_token");
    }

    #[test]
    fn verifier_errors_map_to_codes() {
        let e = OAuth1Error::from(oauth1::SignatureError::NotOAuthScheme {
            scheme: "Basic".into(),
        });
        assert_eq!((e.error(), e.status().as_u16()), ("invalid_request", 400));
        assert!(e.description().contains("Basic"));
        let e = OAuth1Error::from(oauth1::SignatureError::MalformedAuthorizationHeader {
            reason: "expected `=`",
            offset: 12,
        });
        assert_eq!(e.error(), "invalid_request");
        let e = OAuth1Error::from(oauth1::SignatureError::ParametersInSeveralPlaces {
            first: oauth1::ParameterLocation::Header,
            second: oauth1::ParameterLocation::Query,
        });
        assert_eq!(e.error(), "duplicated_oauth_protocol_parameter");
        let e = OAuth1Error::from(oauth1::SignatureError::BadSignature {
            method: "HMAC-SHA1".into(),
        });
        assert_eq!(e.status(), StatusCode::UNAUTHORIZED);
    }
}
