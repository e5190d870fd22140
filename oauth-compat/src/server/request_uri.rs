//! The absolute URI a client signed (RFC 5849 §3.4.1.2), rebuilt from the request the server
//! received: the absolute-form request target, or the `Host` header; behind a reverse proxy,
//! the configured external base URL, or the trusted `X-Forwarded-Proto` / `X-Forwarded-Host`.
//!
//! ```
//! use http::Request;
//! use oauth_compat::server::{ServerConfig, request_uri};
//!
//! let req = Request::get("/photos?size=original").header("host", "photos.example.net").body(()).unwrap();
//! let config = ServerConfig::new();
//! assert_eq!(request_uri(&req, &config)?, "http://photos.example.net/photos?size=original");
//!
//! // Behind a proxy that strips `/api` and terminates TLS:
//! let config = ServerConfig::new().external_base_url("https://example.com/api").unwrap();
//! assert_eq!(request_uri(&req, &config)?, "https://example.com/api/photos?size=original");
//! # Ok::<(), oauth_compat::server::OAuth1Error>(())
//! ```

use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, HeaderName, Request, Uri, header};

use super::config::ServerConfig;
use super::error::OAuth1Error;

const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// The public absolute URI of `req`, as its client signed it.
///
/// In order: the [external base URL](ServerConfig::external_base_url) followed by the request's
/// path and query; else, with [trusted forwarded headers](ServerConfig::trust_forwarded_headers),
/// `X-Forwarded-Proto` and `X-Forwarded-Host` where the request carries them; else the scheme and
/// authority of an absolute-form request target, or `http` and the `Host` header. A missing or
/// malformed host is `invalid_request`.
pub fn request_uri<B>(req: &Request<B>, config: &ServerConfig) -> Result<Uri, OAuth1Error> {
    public_uri(req.uri(), req.headers(), config)
}

pub(crate) fn public_uri(
    uri: &Uri,
    headers: &HeaderMap,
    config: &ServerConfig,
) -> Result<Uri, OAuth1Error> {
    let path_and_query = uri
        .path_and_query()
        .map_or("/", PathAndQuery::as_str)
        .to_owned();
    let path_and_query = if path_and_query.starts_with('/') {
        path_and_query
    } else {
        // `OPTIONS *` and authority-form targets are not OAuth requests.
        return Err(OAuth1Error::invalid_request(
            "the request target must be a path such as /initiate",
        ));
    };

    if let Some(base) = &config.external_base_url {
        let prefix = base.as_str().trim_end_matches('/');
        return format!("{prefix}{path_and_query}").parse().map_err(|_| {
            OAuth1Error::invalid_request("the request path cannot follow the external base URL")
        });
    }

    let forwarded = |name: &HeaderName| -> Result<Option<String>, OAuth1Error> {
        if !config.trust_forwarded_headers {
            return Ok(None);
        }
        last_value(headers, name)
    };

    let scheme = match forwarded(&X_FORWARDED_PROTO)? {
        Some(proto) if proto.eq_ignore_ascii_case("https") => Scheme::HTTPS,
        Some(proto) if proto.eq_ignore_ascii_case("http") => Scheme::HTTP,
        Some(_) => {
            return Err(OAuth1Error::invalid_request(
                "X-Forwarded-Proto must be http or https",
            ));
        }
        None => uri.scheme().cloned().unwrap_or(Scheme::HTTP),
    };

    let authority = match forwarded(&X_FORWARDED_HOST)? {
        Some(host) => parse_authority(&host, "X-Forwarded-Host")?,
        None => match uri.authority() {
            Some(authority) => authority.clone(),
            None => {
                let mut hosts = headers.get_all(header::HOST).iter();
                let host = hosts.next().ok_or_else(|| {
                    OAuth1Error::invalid_request(
                        "the request has no Host header, so its URI cannot be known",
                    )
                })?;
                if hosts.next().is_some() {
                    return Err(OAuth1Error::invalid_request(
                        "the request has more than one Host header",
                    ));
                }
                let host = host
                    .to_str()
                    .map_err(|_| OAuth1Error::invalid_request("the Host header must be ASCII"))?;
                parse_authority(host, "Host")?
            }
        },
    };

    Uri::builder()
        .scheme(scheme)
        .authority(authority)
        .path_and_query(path_and_query)
        .build()
        .map_err(|_| OAuth1Error::invalid_request("the request URI cannot be rebuilt"))
}

/// The last comma-separated value of the last `name` header (the one the nearest proxy added).
fn last_value(headers: &HeaderMap, name: &HeaderName) -> Result<Option<String>, OAuth1Error> {
    let Some(value) = headers.get_all(name).iter().next_back() else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| OAuth1Error::invalid_request(format!("the {name} header must be ASCII")))?;
    match value.rsplit(',').next().map(str::trim) {
        Some(last) if !last.is_empty() => Ok(Some(last.to_owned())),
        _ => Err(OAuth1Error::invalid_request(format!(
            "the {name} header is empty"
        ))),
    }
}

fn parse_authority(value: &str, what: &str) -> Result<Authority, OAuth1Error> {
    let invalid = || OAuth1Error::invalid_request(format!("the {what} header is not a valid host"));
    if value.is_empty() || value.contains('@') {
        return Err(invalid());
    }
    value.parse::<Authority>().map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(
        target: &str,
        headers: &[(&str, &str)],
        config: &ServerConfig,
    ) -> Result<String, OAuth1Error> {
        let mut req = Request::get(target);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        request_uri(&req.body(()).unwrap(), config).map(|u| u.to_string())
    }

    #[test]
    fn host_header_or_absolute_form() {
        let c = ServerConfig::new();
        assert_eq!(
            uri("/a?b=1", &[("host", "Example.com:8080")], &c).unwrap(),
            "http://Example.com:8080/a?b=1"
        );
        assert_eq!(
            uri("https://e.com/x", &[("host", "other.com")], &c).unwrap(),
            "https://e.com/x"
        );
        for bad in [
            vec![],
            vec![("host", "")],
            vec![("host", "user@e.com")],
            vec![("host", "e.com/path")],
        ] {
            let err = uri("/a", &bad, &c).unwrap_err();
            assert_eq!(err.error(), "invalid_request", "{bad:?}");
        }
    }

    #[test]
    fn forwarded_headers_only_when_trusted() {
        let headers = [
            ("host", "10.0.0.5:8000"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "evil.example, api.example.com"),
        ];
        assert_eq!(
            uri("/r", &headers, &ServerConfig::new()).unwrap(),
            "http://10.0.0.5:8000/r"
        );
        let trusted = ServerConfig::new().trust_forwarded_headers(true);
        assert_eq!(
            uri("/r", &headers, &trusted).unwrap(),
            "https://api.example.com/r"
        );
        // Only the proto forwarded: the host stays the Host header's.
        assert_eq!(
            uri(
                "/r",
                &[("host", "h.example"), ("x-forwarded-proto", "https")],
                &trusted
            )
            .unwrap(),
            "https://h.example/r"
        );
        assert_eq!(
            uri(
                "/r",
                &[("host", "h"), ("x-forwarded-proto", "gopher")],
                &trusted
            )
            .unwrap_err()
            .error(),
            "invalid_request"
        );
    }

    #[test]
    fn external_base_url_wins() {
        let c = ServerConfig::new()
            .external_base_url("https://api.example.com/v1/")
            .unwrap()
            .trust_forwarded_headers(true);
        assert_eq!(
            uri(
                "/token?x=1",
                &[("host", "internal"), ("x-forwarded-host", "f.example")],
                &c
            )
            .unwrap(),
            "https://api.example.com/v1/token?x=1"
        );
        let root = ServerConfig::new()
            .external_base_url("https://api.example.com")
            .unwrap();
        assert_eq!(
            uri("/token", &[], &root).unwrap(),
            "https://api.example.com/token"
        );
    }
}
