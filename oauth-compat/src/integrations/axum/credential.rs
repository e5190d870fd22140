//! The extractor that protects a route and yields the seed's `current_credential`.

use std::ops::Deref;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts};
use http::Version;
use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use http::request::Parts;

use super::body::DEFAULT_BODY_LIMIT;
use super::rejection::OAuth1Rejection;
use super::signed_parts::SignedParts;
use crate::oauth1::params::has_form_body;
use crate::server::{Credential, ResourceProtector};

/// The token credential a request was signed with, and its user: the seed's
/// `current_credential`. Taking it as a handler argument protects the route (the seed's
/// `@require_oauth()`); the [`ResourceProtector`] comes from the router's state
/// ([`FromRef`]).
///
/// A refused request never reaches the handler: it is answered with the
/// [`OAuth1Rejection`] (Authlib's status, JSON body).
///
/// It reads only the request's parts, so it combines with `Json`, `Form` or `Bytes`. A
/// form-encoded body is signed, though, and a parts extractor cannot read it: routes that take
/// form bodies need [`require_oauth`](super::require_oauth) as a `route_layer`, which reads the
/// body, checks the request and leaves the credential for this extractor. Without the layer, a
/// request with a non-empty form body is refused with 415 ([`OAuth1Rejection::FormBodyNotRead`]),
/// and one that only says it is form-encoded (a GET with the header and no body) is checked as
/// a request without form parameters. Behind the layer it costs nothing: the check is not
/// repeated.
///
/// Without the layer, a body declared (`Content-Length`) longer than [`DEFAULT_BODY_LIMIT`],
/// the most axum's body extractors take by default, is refused before the check with the
/// provider's 413 ([`OAuth1Rejection::BodyTooLarge`], JSON like its other errors) rather than
/// axum's plain text. Routes that take larger bodies use the layer and its
/// [`body_limit`](super::RequireOAuthLayer::body_limit), which also answers a body sent
/// without a length (chunked) that runs past it; the extractor cannot see such a body.
///
/// ```
/// use axum::{Json, Router, routing::get};
/// use oauth_compat::integrations::axum::OAuth1Credential;
/// use oauth_compat::server::{ResourceProtector, ServerConfig};
/// use oauth_compat::store::MemoryStore;
/// use std::sync::Arc;
///
/// // @app.route('/user') @require_oauth() def user_profile(): ...
/// async fn user_profile(current_credential: OAuth1Credential) -> Json<serde_json::Value> {
///     Json(serde_json::json!({ "user": current_credential.user_id() }))
/// }
///
/// let require_oauth = ResourceProtector::from_store(Arc::new(MemoryStore::new()), ServerConfig::default());
/// let app: Router = Router::new().route("/user", get(user_profile)).with_state(require_oauth);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth1Credential(pub Credential);

impl OAuth1Credential {
    /// The [`Credential`].
    pub fn into_inner(self) -> Credential {
        self.0
    }
}

impl Deref for OAuth1Credential {
    type Target = Credential;

    fn deref(&self) -> &Credential {
        &self.0
    }
}

impl<S> FromRequestParts<S> for OAuth1Credential
where
    ResourceProtector: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = OAuth1Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Checked already (by the layer, or by this extractor earlier in the handler's
        // arguments): checking again would meet its own nonce and refuse it as a replay.
        if let Some(credential) = parts.extensions.get::<Credential>() {
            return Ok(Self(credential.clone()));
        }
        if declared_length(parts).is_some_and(|length| length > DEFAULT_BODY_LIMIT as u64) {
            return Err(OAuth1Rejection::BodyTooLarge {
                limit: DEFAULT_BODY_LIMIT,
            });
        }
        if has_form_body(&parts.headers) && !has_no_body(parts) {
            return Err(OAuth1Rejection::FormBodyNotRead);
        }
        let protector = ResourceProtector::from_ref(state);
        // Not form-encoded, or form-encoded and empty: the body signs no parameter, so an
        // empty one checks the same.
        let signed = SignedParts::take(parts, Bytes::new());
        let checked = protector.validate_request(signed.request()).await;
        signed.restore(parts);
        let credential = checked?;
        parts.extensions.insert(credential.clone());
        Ok(Self(credential))
    }
}

/// The body's length as `Content-Length` declares it (every value the same number, as hyper
/// requires before a request gets here).
fn declared_length(parts: &Parts) -> Option<u64> {
    let mut lengths = parts.headers.get_all(CONTENT_LENGTH).iter();
    let first = lengths.next()?.to_str().ok()?.trim().parse().ok()?;
    lengths
        .all(|v| v.to_str().ok().and_then(|v| v.trim().parse().ok()) == Some(first))
        .then_some(first)
}

/// Whether the request surely has no body: `Content-Length: 0`, or, on HTTP/1, neither
/// `Content-Length` nor `Transfer-Encoding` (RFC 9112 §6.3). On HTTP/2 and later a body may
/// come without either, so only `Content-Length: 0` says so.
fn has_no_body(parts: &Parts) -> bool {
    let headers = &parts.headers;
    let lengths: Vec<_> = headers.get_all(CONTENT_LENGTH).iter().collect();
    if !lengths.is_empty() {
        return lengths.iter().all(|v| v.as_bytes().trim_ascii() == b"0");
    }
    parts.version <= Version::HTTP_11 && !headers.contains_key(TRANSFER_ENCODING)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(version: Version, headers: &[(&str, &str)]) -> Parts {
        let mut req = http::Request::get("/").version(version);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn declared_lengths() {
        let length = |headers: &[(&str, &str)]| declared_length(&parts(Version::HTTP_11, headers));
        assert_eq!(length(&[]), None);
        assert_eq!(length(&[("content-length", "42")]), Some(42));
        assert_eq!(
            length(&[("content-length", "42"), ("content-length", "42")]),
            Some(42)
        );
        assert_eq!(
            length(&[("content-length", "42"), ("content-length", "7")]),
            None
        );
        assert_eq!(length(&[("content-length", "many")]), None);
    }

    #[test]
    fn no_body_only_when_the_headers_say_so() {
        assert!(has_no_body(&parts(Version::HTTP_11, &[])));
        assert!(has_no_body(&parts(
            Version::HTTP_11,
            &[("content-length", "0")]
        )));
        assert!(has_no_body(&parts(
            Version::HTTP_2,
            &[("content-length", "0")]
        )));
        assert!(!has_no_body(&parts(Version::HTTP_2, &[])));
        assert!(!has_no_body(&parts(
            Version::HTTP_11,
            &[("content-length", "3")]
        )));
        assert!(!has_no_body(&parts(
            Version::HTTP_11,
            &[("transfer-encoding", "chunked")]
        )));
        assert!(!has_no_body(&parts(
            Version::HTTP_11,
            &[("content-length", "0"), ("content-length", "3")]
        )));
    }
}
