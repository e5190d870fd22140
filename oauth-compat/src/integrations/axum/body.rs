//! Reading a request body into memory, bounded: a form-encoded body is signed (RFC 5849
//! §3.4.1.3.1), so it must be whole before a signature can be checked.

use axum::body::{Body, Bytes};
use http_body_util::LengthLimitError;

use super::rejection::OAuth1Rejection;

/// The largest form body [`RequireOAuthLayer`](super::RequireOAuthLayer) reads by default:
/// 2 MiB, axum's own `DefaultBodyLimit`. Bodies of other types are not signed, and are passed
/// on unread, whatever their size.
pub const DEFAULT_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The largest body the three endpoints and the authorization page read: their forms hold a
/// few short parameters.
pub const ENDPOINT_BODY_LIMIT: usize = 64 * 1024;

/// The whole body, or [`OAuth1Rejection::BodyTooLarge`] past `limit` bytes.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes, OAuth1Rejection> {
    axum::body::to_bytes(body, limit).await.map_err(|err| {
        let too_large = std::error::Error::source(&err).is_some_and(|s| s.is::<LengthLimitError>());
        if too_large {
            OAuth1Rejection::BodyTooLarge { limit }
        } else {
            OAuth1Rejection::BodyUnreadable(err)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bounded() {
        let body = read_body(Body::from("a=1"), 3).await.unwrap();
        assert_eq!(&body[..], b"a=1");
        let err = read_body(Body::from("a=12"), 3).await.unwrap_err();
        assert!(
            matches!(err, OAuth1Rejection::BodyTooLarge { limit: 3 }),
            "{err:?}"
        );
    }
}
