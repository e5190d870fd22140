//! Redirects, followed by the engine itself rather than by reqwest, because only the engine
//! knows what a hop may carry: reqwest's own following sends a `Referer` (the previous URL,
//! with an `access_token` or `client_secret` in its query) and re-sends a 307/308 body
//! (`client_secret`, a refresh token) to whatever origin the provider names.
//!
//! The rules, per hop (at most [`MAX_REDIRECTS`]):
//! - 301, 302, 303: the next request is a GET (a HEAD stays a HEAD) without a body, as
//!   browsers, requests and reqwest do;
//! - 307, 308: same method and body, but a non-empty body is never sent to another origin:
//!   that is [`EngineError::RedirectWithBody`](super::EngineError::RedirectWithBody), naming both;
//! - to another origin, `Authorization`, `Cookie` and `Proxy-Authorization` are dropped;
//! - every hop must pass the transport rule;
//! - no hop carries a `Referer`.

use http::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderMap, LOCATION,
    PROXY_AUTHORIZATION, TRANSFER_ENCODING,
};
use http::{Method, StatusCode};
use url::Url;

use super::EngineError;
use crate::wire::redact::redact_url;
use crate::wire::transport::is_secure_transport;

/// The most hops followed for one request (reqwest's and requests' default is 10 and 30).
pub const MAX_REDIRECTS: usize = 10;

/// One request as it goes from hop to hop.
pub(super) struct Hop {
    pub(super) method: Method,
    pub(super) url: Url,
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
}

/// The request to send after `response_status` with `response_headers`, or `None` when the
/// response is not a redirect to follow (not 301/302/303/307/308, or without a usable
/// `Location`: the caller gets it is, as from reqwest). `insecure_transport` allows
/// plain HTTP to any host.
pub(super) fn next_hop(
    hop: &Hop,
    response_status: StatusCode,
    response_headers: &HeaderMap,
    hops_so_far: usize,
    insecure_transport: bool,
) -> Result<Option<Hop>, EngineError> {
    let keeps_body = match response_status {
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND | StatusCode::SEE_OTHER => false,
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT => true,
        _ => return Ok(None),
    };
    let Some(target) = response_headers
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|location| hop.url.join(location).ok())
    else {
        return Ok(None);
    };
    if hops_so_far >= MAX_REDIRECTS {
        return Err(EngineError::TooManyRedirects {
            url: redact_url(&hop.url),
            limit: MAX_REDIRECTS,
        });
    }
    if !insecure_transport && !is_secure_transport(&target) {
        return Err(EngineError::InsecureTransport {
            url: redact_url(&target),
        });
    }
    let same_origin = target.origin() == hop.url.origin();
    if keeps_body && !same_origin && !hop.body.is_empty() {
        return Err(EngineError::RedirectWithBody {
            from: hop.url.origin().ascii_serialization(),
            to: target.origin().ascii_serialization(),
            status: response_status.as_u16(),
        });
    }
    let mut headers = hop.headers.clone();
    let (method, body) = if keeps_body {
        (hop.method.clone(), hop.body.clone())
    } else {
        for name in [
            CONTENT_TYPE,
            CONTENT_LENGTH,
            CONTENT_ENCODING,
            TRANSFER_ENCODING,
        ] {
            headers.remove(name);
        }
        let method = if hop.method == Method::HEAD {
            Method::HEAD
        } else {
            Method::GET
        };
        (method, Vec::new())
    };
    if !same_origin {
        for name in [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION] {
            headers.remove(name);
        }
    }
    Ok(Some(Hop {
        method,
        url: target,
        headers,
        body,
    }))
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn hop(method: Method, url: &str, body: &[u8]) -> Hop {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer at"));
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        Hop {
            method,
            url: Url::parse(url).unwrap(),
            headers,
            body: body.to_vec(),
        }
    }

    fn location(to: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_str(to).unwrap());
        headers
    }

    #[test]
    fn a_307_with_a_body_to_another_origin_is_refused_naming_both_origins() {
        let from = hop(Method::POST, "https://a.example/token", b"client_secret=s");
        for status in [
            StatusCode::TEMPORARY_REDIRECT,
            StatusCode::PERMANENT_REDIRECT,
        ] {
            let err = next_hop(&from, status, &location("https://b.example/t"), 0, false)
                .err()
                .expect("refused");
            assert!(
                matches!(&err, EngineError::RedirectWithBody { from, to, .. }
                    if from == "https://a.example" && to == "https://b.example"),
                "{err:?}"
            );
            assert!(!err.to_string().contains("client_secret=s"), "{err}");
        }
    }

    #[test]
    fn a_307_keeps_method_body_and_headers_within_the_origin() {
        let from = hop(Method::POST, "https://a.example/token", b"grant_type=x");
        let next = next_hop(
            &from,
            StatusCode::TEMPORARY_REDIRECT,
            &location("/t2"),
            0,
            false,
        )
        .unwrap()
        .expect("followed");
        assert_eq!(next.method, Method::POST);
        assert_eq!(next.url.as_str(), "https://a.example/t2");
        assert_eq!(next.body, b"grant_type=x");
        assert_eq!(next.headers[AUTHORIZATION], "Bearer at");
    }

    #[test]
    fn a_302_turns_into_a_bodyless_get_and_drops_credentials_across_origins() {
        let from = hop(Method::POST, "https://a.example/token", b"client_secret=s");
        let next = next_hop(
            &from,
            StatusCode::FOUND,
            &location("https://b.example/x"),
            0,
            false,
        )
        .unwrap()
        .expect("followed");
        assert_eq!(next.method, Method::GET);
        assert!(next.body.is_empty());
        assert!(next.headers.get(AUTHORIZATION).is_none());
        assert!(next.headers.get(CONTENT_TYPE).is_none());
    }

    #[test]
    fn a_port_is_part_of_the_origin() {
        let from = hop(Method::PUT, "http://127.0.0.1:8000/a", b"x");
        let err = next_hop(
            &from,
            StatusCode::PERMANENT_REDIRECT,
            &location("http://127.0.0.1:9000/a"),
            0,
            false,
        );
        assert!(matches!(err, Err(EngineError::RedirectWithBody { .. })));
    }

    #[test]
    fn not_a_redirect_or_no_location_is_the_answer() {
        let from = hop(Method::GET, "https://a.example/", b"");
        assert!(
            next_hop(&from, StatusCode::OK, &location("/x"), 0, false)
                .unwrap()
                .is_none()
        );
        assert!(
            next_hop(&from, StatusCode::FOUND, &HeaderMap::new(), 0, false)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_hop_to_plain_http_elsewhere_is_refused_before_anything_else() {
        let from = hop(Method::POST, "https://a.example/token", b"client_secret=s");
        let to = location("http://b.example/steal");
        let err = next_hop(&from, StatusCode::TEMPORARY_REDIRECT, &to, 0, false);
        assert!(
            matches!(&err, Err(EngineError::InsecureTransport { url }) if url == "http://b.example/steal"),
            "{:?}",
            err.err()
        );
        // Allowed plain HTTP, the body rule still applies.
        let err = next_hop(&from, StatusCode::TEMPORARY_REDIRECT, &to, 0, true);
        assert!(matches!(err, Err(EngineError::RedirectWithBody { .. })));
    }

    #[test]
    fn the_eleventh_hop_is_refused() {
        let from = hop(Method::GET, "https://a.example/", b"");
        assert!(
            next_hop(
                &from,
                StatusCode::FOUND,
                &location("/x"),
                MAX_REDIRECTS - 1,
                false
            )
            .unwrap()
            .is_some()
        );
        assert!(matches!(
            next_hop(
                &from,
                StatusCode::FOUND,
                &location("/x"),
                MAX_REDIRECTS,
                false
            ),
            Err(EngineError::TooManyRedirects { limit: 10, .. })
        ));
    }
}
