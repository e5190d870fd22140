//! The parts of a request URI that signing reads, from an `http::Uri` or an already parsed
//! `url::Url`, so a client signs the URL it joined without printing and parsing it again.

use http::Uri;
use url::Url;

/// Scheme, host, port, path and query of a request URI, borrowed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UriParts<'a> {
    pub(crate) scheme: Option<&'a str>,
    pub(crate) host: Option<&'a str>,
    pub(crate) port: Option<u16>,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
}

impl<'a> From<&'a Uri> for UriParts<'a> {
    fn from(uri: &'a Uri) -> Self {
        Self {
            scheme: uri.scheme_str(),
            host: uri.host(),
            port: uri.port_u16(),
            path: uri.path(),
            query: uri.query(),
        }
    }
}

// `Url` has already lowercased scheme and host and dropped a default port, which the base
// string URI does too, so both sources give the same base string for the same URL.
impl<'a> From<&'a Url> for UriParts<'a> {
    fn from(url: &'a Url) -> Self {
        Self {
            scheme: Some(url.scheme()),
            host: url.host_str(),
            port: url.port(),
            path: url.path(),
            query: url.query(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth1::base_string::base_string_uri;

    // The client signs a joined `Url`; the verifier and `Signer::sign_parts` read a `Uri`.
    // Every URL here must give the same parts that matter and the same base string URI.
    #[test]
    fn url_and_uri_of_the_same_url_sign_alike() {
        for text in [
            "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
            "HTTP://Example.COM:80/r%20v/X?id=123&a=%2B+b",
            "https://example.com:8443/",
            "http://example.com",
            "http://[::1]:8080/p?",
            "http://127.0.0.1:3000/a/b%2Fc?x=1&x=2#frag",
            "https://user:pw@example.com/caf%C3%A9?q=%E2%9C%93",
        ] {
            let url = Url::parse(text).unwrap();
            // What the client sent before: the `Url` printed, then parsed as a `Uri`.
            let uri: Uri = url.as_str().parse().unwrap();
            let (from_url, from_uri) = (UriParts::from(&url), UriParts::from(&uri));
            assert_eq!(from_url.query, from_uri.query, "{text}");
            assert_eq!(from_url.path, from_uri.path, "{text}");
            let mut via_url = String::new();
            crate::oauth1::base_string::write_base_string_uri(from_url, |p| via_url.push_str(p))
                .unwrap();
            assert_eq!(via_url, base_string_uri(&uri).unwrap(), "{text}");
        }
    }
}
