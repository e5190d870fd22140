//! Why an extractor or the layer refused a request, and the answer that becomes.

use std::borrow::Cow;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use crate::server::OAuth1Error;

/// The rejection of [`OAuth1Credential`](super::OAuth1Credential),
/// [`OAuth1Authorization`](super::OAuth1Authorization) and
/// [`RequireOAuthLayer`](super::RequireOAuthLayer).
///
/// As a response it is what Authlib's Flask `require_oauth()` answers: the status, and a JSON
/// body `{"error": .., "error_description": ..}` ([`OAuth1Error::into_json_response`]). Take
/// `Result<OAuth1Credential, OAuth1Rejection>` in a handler to answer otherwise, such as the
/// seed's `render_template('error.html', error=error)` on the authorization page.
///
/// ```
/// use axum::response::IntoResponse;
/// use oauth_compat::integrations::axum::OAuth1Rejection;
/// use oauth_compat::server::OAuth1Error;
///
/// let resp = OAuth1Rejection::from(OAuth1Error::InvalidNonce).into_response();
/// assert_eq!(resp.status(), 401);
/// assert_eq!(resp.headers()["content-type"], "application/json");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuth1Rejection {
    /// The provider refused the request: its [`OAuth1Error`] says why, with Authlib's code and
    /// status.
    #[error(transparent)]
    Refused(#[from] OAuth1Error),
    /// The body is longer than the limit (413): a signed form body must be read whole, and the
    /// layer bounds every body of the routes it protects.
    #[error("the request body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body could not be read (the client went away, or sent a broken chunked body): 400.
    #[error("the request body could not be read: {0}")]
    BodyUnreadable(#[source] axum::Error),
    /// A form-encoded body [`OAuth1Credential`](super::OAuth1Credential) cannot check (415,
    /// `invalid_request`): such a body is signed, and an extractor of parts cannot read it.
    /// Bad input is never a 500, so the client is told to send the request without one; an
    /// empty form body (`Content-Length: 0`, or none at all on HTTP/1) is checked as no form.
    /// A route that takes form bodies needs [`require_oauth`](super::require_oauth)
    /// (`route_layer`), which reads the body first; this is logged at debug level, since any
    /// client can cause it.
    #[error(
        "a non-empty form-encoded body is signed, and OAuth1Credential cannot read bodies: protect this route with require_oauth() (route_layer), which reads the body first"
    )]
    FormBodyNotRead,
}

impl OAuth1Rejection {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Refused(err) => err.status(),
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyUnreadable(_) => StatusCode::BAD_REQUEST,
            Self::FormBodyNotRead => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    /// The `error` code (Authlib's, for a refusal).
    pub fn error(&self) -> &'static str {
        match self {
            Self::Refused(err) => err.error(),
            Self::BodyTooLarge { .. } | Self::BodyUnreadable(_) | Self::FormBodyNotRead => {
                "invalid_request"
            }
        }
    }

    /// The `error_description` the client sees: what to fix, never a server internal.
    pub fn description(&self) -> Cow<'static, str> {
        match self {
            Self::Refused(err) => err.description(),
            Self::BodyTooLarge { limit } => {
                format!("the request body is larger than {limit} bytes").into()
            }
            Self::BodyUnreadable(_) => "the request body could not be read".into(),
            Self::FormBodyNotRead => "this resource does not take a form-encoded body: send the \
                                       request without one, its parameters in the query"
                .into(),
        }
    }

    /// JSON, as a protected resource answers (the [`IntoResponse`] answer).
    pub fn into_json_response(self) -> Response {
        self.log();
        match self {
            Self::Refused(err) => err.into_json_response().map(Into::into),
            other => {
                let body = serde_json::json!({
                    "error": other.error(),
                    "error_description": other.description(),
                });
                other.respond(body.to_string(), "application/json")
            }
        }
    }

    /// Form-encoded, as the three endpoints answer ([`OAuth1Error::into_response`]).
    pub fn into_form_response(self) -> Response {
        self.log();
        match self {
            Self::Refused(err) => err.into_response().map(Into::into),
            other => {
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("error", other.error())
                    .append_pair("error_description", &other.description())
                    .finish();
                other.respond(body, "application/x-www-form-urlencoded")
            }
        }
    }

    /// The headers of [`OAuth1Error`]'s answers, so every refusal reads the same.
    fn respond(&self, body: String, content_type: &'static str) -> Response {
        let mut resp = (self.status(), body).into_response();
        let headers = resp.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        resp
    }

    /// The hint for the developer (the body does not name the server's code) goes to the
    /// logs at debug level: any client can cause it, so it must not fill them.
    fn log(&self) {
        if matches!(self, Self::FormBodyNotRead) {
            tracing::debug!("{self}");
        }
    }
}

impl IntoResponse for OAuth1Rejection {
    fn into_response(self) -> Response {
        self.into_json_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(resp: Response) -> String {
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn refusals_keep_authlibs_status_and_code() {
        let resp = OAuth1Rejection::from(OAuth1Error::InvalidToken).into_response();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(resp.headers()[header::WWW_AUTHENTICATE], "OAuth");
        let json: serde_json::Value = serde_json::from_str(&body(resp).await).unwrap();
        assert_eq!(json["error"], "invalid_token");

        let resp = OAuth1Rejection::from(OAuth1Error::MethodNotAllowed {
            allowed: "POST".into(),
        })
        .into_form_response();
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            body(resp)
                .await
                .starts_with("error=method_not_allowed&error_description=")
        );
    }

    #[tokio::test]
    async fn body_problems() {
        // The same headers as the provider's other refusals.
        let too_large = OAuth1Rejection::BodyTooLarge { limit: 10 }.into_response();
        let other = OAuth1Rejection::from(OAuth1Error::invalid_request("x")).into_response();
        for name in [header::CONTENT_TYPE, header::CACHE_CONTROL, header::PRAGMA] {
            assert_eq!(
                too_large.headers().get(&name),
                other.headers().get(&name),
                "{name}"
            );
        }
        let json: serde_json::Value = serde_json::from_str(&body(too_large).await).unwrap();
        assert_eq!(json["error"], "invalid_request");

        let resp = OAuth1Rejection::BodyTooLarge { limit: 10 }.into_form_response();
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            body(resp).await,
            "error=invalid_request&error_description=the+request+body+is+larger+than+10+bytes"
        );
        let resp = OAuth1Rejection::FormBodyNotRead.into_response();
        assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let text = body(resp).await;
        assert!(
            text.contains("invalid_request")
                && text.contains("form-encoded body")
                && !text.contains("require_oauth"),
            "{text}"
        );
    }
}
