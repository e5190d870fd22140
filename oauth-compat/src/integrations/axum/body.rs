//! Reading a request body into memory, bounded: a form-encoded body is signed (RFC 5849
//! §3.4.1.3.1), so it must be whole before a signature can be checked. Its bytes and its
//! parameters are both bounded, and both are counted as the body arrives, so a body over
//! either bound is refused without being kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::{Body, Bytes, HttpBody as _};
use http::HeaderMap;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use super::rejection::OAuth1Rejection;
use crate::oauth1;
use crate::oauth1::params::{FormParameterCounter, has_form_body};
use crate::server::OAuth1Error;

/// The largest body [`RequireOAuthLayer`](super::RequireOAuthLayer) lets through by default:
/// 2 MiB, axum's own `DefaultBodyLimit`. [`OAuth1Credential`](super::OAuth1Credential) alone
/// refuses a body declared longer than this.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The largest body the three endpoints and the authorization page read: their forms hold a
/// few short parameters.
pub const ENDPOINT_BODY_LIMIT: usize = 64 * 1024;

/// The body of a request the provider checks: whole, up to `limit` bytes
/// ([`OAuth1Rejection::BodyTooLarge`] past it). A form-encoded one (per `headers`) is also
/// refused once it holds more than `max_parameters` parameters (`invalid_request`, naming the
/// bound: the server counts the query and header too, this is the part only the body can
/// tell). Other bodies are read the same, their parameters not counted: they sign none.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    mut body: Body,
    limit: usize,
    max_parameters: usize,
) -> Result<Bytes, OAuth1Rejection> {
    let mut counter = has_form_body(headers).then(FormParameterCounter::default);
    let too_large = || OAuth1Rejection::BodyTooLarge { limit };
    let hint = body.size_hint();
    if usize::try_from(hint.lower()).map_or(true, |lower| lower > limit) {
        return Err(too_large());
    }
    // One buffer of the declared length (capped): no copies as it grows, and pages are only
    // used as they are written, so a body refused early costs what it sent.
    let capacity = hint
        .exact()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
        .min(limit);
    let mut buf = Vec::with_capacity(capacity);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(OAuth1Rejection::BodyUnreadable)?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if data.len() > limit - buf.len() {
            return Err(too_large());
        }
        if let Some(counter) = &mut counter {
            counter.feed(&data);
            if counter.count() > max_parameters {
                let error = oauth1::SignatureError::TooManyParameters {
                    limit: max_parameters,
                };
                return Err(OAuth1Error::from(error).into());
            }
        }
        buf.extend_from_slice(&data);
    }
    Ok(Bytes::from(buf))
}

/// `body` limited to `limit` bytes, and a flag raised when a reader (a handler's extractor)
/// goes past it, so the answer can be the provider's 413 whatever the reader answered.
pub(crate) fn watch_limit(body: Body, limit: usize) -> (Body, Arc<AtomicBool>) {
    let exceeded = Arc::new(AtomicBool::new(false));
    let flag = exceeded.clone();
    let body = Limited::new(body, limit).map_err(move |err| {
        if err.is::<LengthLimitError>() {
            flag.store(true, Ordering::Relaxed);
        }
        err
    });
    (Body::new(body), exceeded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, header};

    fn form() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers
    }

    #[tokio::test]
    async fn bounded() {
        let body = read_body(&form(), Body::from("a=1"), 3, 10).await.unwrap();
        assert_eq!(&body[..], b"a=1");
        let err = read_body(&form(), Body::from("a=12"), 3, 10)
            .await
            .unwrap_err();
        assert!(
            matches!(err, OAuth1Rejection::BodyTooLarge { limit: 3 }),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_form_with_too_many_parameters_is_refused() {
        let body = read_body(&form(), Body::from("a&b&c"), 100, 3)
            .await
            .unwrap();
        assert_eq!(&body[..], b"a&b&c");
        let err = read_body(&form(), Body::from("a&b&c&d"), 100, 3)
            .await
            .unwrap_err();
        assert_eq!(err.error(), "invalid_request");
        assert!(err.description().contains("at most 3"), "{err}");
        // Bodies that are not forms sign no parameter: not counted.
        let body = read_body(&HeaderMap::new(), Body::from("a&b&c&d"), 100, 3)
            .await
            .unwrap();
        assert_eq!(body.len(), 7);
    }

    #[tokio::test]
    async fn watched_bodies_raise_the_flag_past_the_limit() {
        let (body, exceeded) = watch_limit(Body::from("abc"), 3);
        assert_eq!(&body.collect().await.unwrap().to_bytes()[..], b"abc");
        assert!(!exceeded.load(Ordering::Relaxed));
        let (body, exceeded) = watch_limit(Body::from("abcd"), 3);
        assert!(body.collect().await.is_err());
        assert!(exceeded.load(Ordering::Relaxed));
    }
}
