//! Putting a bearer token on a resource request (RFC 6750 §2.1–2.3; Authlib's
//! `token_placement`).
//!
//! ```
//! use http::HeaderMap;
//! use oauth_compat::oauth2::{add_bearer_token, TokenPlacement};
//!
//! let (mut url, mut headers, mut body) = ("https://api.example/me".to_owned(), HeaderMap::new(), Vec::new());
//! add_bearer_token(TokenPlacement::Header, "mF_9.B5f-4.1JqM", "bearer", &mut url, &mut headers, &mut body)?;
//! assert_eq!(headers["authorization"], "Bearer mF_9.B5f-4.1JqM");
//! # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue};

use super::OAuth2Error;
use super::form::{FORM_CONTENT_TYPE, append_query, encode_component};
use super::token_request::is_form;

/// Where the access token goes (RFC 6750 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TokenPlacement {
    /// `Authorization: Bearer <token>` (§2.1). The default, and what RFC 6750 recommends.
    #[default]
    Header,
    /// An `access_token` parameter in a form body (§2.2).
    Body,
    /// An `access_token` query parameter (§2.3); the token then reaches server logs.
    Uri,
}

impl TokenPlacement {
    /// The name Authlib uses for it (`token_placement='header'`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Body => "body",
            Self::Uri => "uri",
        }
    }
}

impl fmt::Display for TokenPlacement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses Authlib's names: `header`, `body`, `uri`.
impl FromStr for TokenPlacement {
    type Err = OAuth2Error;

    fn from_str(value: &str) -> Result<Self, OAuth2Error> {
        match value {
            "header" => Ok(Self::Header),
            "body" => Ok(Self::Body),
            "uri" => Ok(Self::Uri),
            _ => Err(OAuth2Error::UnknownTokenPlacement {
                value: value.to_owned(),
            }),
        }
    }
}

/// Adds a bearer `access_token` to a request, as `placement` says.
///
/// - [`Header`](TokenPlacement::Header): sets `Authorization: Bearer <token>` (marked
///   sensitive), replacing any `Authorization` already there.
/// - [`Body`](TokenPlacement::Body): appends `access_token=<token>` (form-encoded) to a form
///   body. An empty body without a `Content-Type` becomes a form.
/// - [`Uri`](TokenPlacement::Uri): appends `access_token=<token>` to the URL's query.
///
/// `token_type` is the token's (`"bearer"` in any case; Authlib lowercases it too).
///
/// ```
/// use http::HeaderMap;
/// use oauth_compat::oauth2::{add_bearer_token, TokenPlacement};
///
/// let mut url = "https://api.example/r?x=1".to_owned();
/// let (mut headers, mut body) = (HeaderMap::new(), b"a=1".to_vec());
/// headers.insert("content-type", "application/x-www-form-urlencoded".parse().unwrap());
/// add_bearer_token(TokenPlacement::Body, "t/k", "Bearer", &mut url, &mut headers, &mut body)?;
/// assert_eq!(body, b"a=1&access_token=t%2Fk");
/// add_bearer_token(TokenPlacement::Uri, "t/k", "Bearer", &mut url, &mut headers, &mut body)?;
/// assert_eq!(url, "https://api.example/r?x=1&access_token=t%2Fk");
/// # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
/// ```
///
/// # Errors
///
/// [`OAuth2Error::UnsupportedTokenType`] when `token_type` is not Bearer (`mac`, `DPoP`, ...);
/// [`OAuth2Error::InvalidHeaderValue`] when the token holds characters a header cannot;
/// [`OAuth2Error::BodyNotForm`] for body placement on a body that is not a form.
pub fn add_bearer_token(
    placement: TokenPlacement,
    access_token: &str,
    token_type: &str,
    url: &mut String,
    headers: &mut HeaderMap,
    body: &mut Vec<u8>,
) -> Result<(), OAuth2Error> {
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(OAuth2Error::UnsupportedTokenType {
            token_type: token_type.to_owned(),
        });
    }
    let param = || format!("access_token={}", encode_component(access_token));
    match placement {
        TokenPlacement::Header => {
            let mut value =
                HeaderValue::try_from(format!("Bearer {access_token}")).map_err(|_| {
                    OAuth2Error::InvalidHeaderValue {
                        header: "Authorization",
                    }
                })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        TokenPlacement::Body => {
            match headers.get(CONTENT_TYPE) {
                Some(value) if is_form(value) => {}
                Some(value) => {
                    return Err(OAuth2Error::BodyNotForm {
                        found: String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    });
                }
                None if body.is_empty() => {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
                }
                None => {
                    return Err(OAuth2Error::BodyNotForm {
                        found: "none".to_owned(),
                    });
                }
            }
            if !body.is_empty() && !body.ends_with(b"&") {
                body.push(b'&');
            }
            body.extend_from_slice(param().as_bytes());
        }
        TokenPlacement::Uri => append_query(url, &param()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Request {
        url: String,
        headers: HeaderMap,
        body: Vec<u8>,
    }

    impl Request {
        fn new(url: &str, content_type: Option<&'static str>, body: &[u8]) -> Self {
            let mut headers = HeaderMap::new();
            if let Some(ct) = content_type {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
            }
            Self {
                url: url.to_owned(),
                headers,
                body: body.to_vec(),
            }
        }

        fn add(
            &mut self,
            placement: TokenPlacement,
            token: &str,
            kind: &str,
        ) -> Result<(), OAuth2Error> {
            add_bearer_token(
                placement,
                token,
                kind,
                &mut self.url,
                &mut self.headers,
                &mut self.body,
            )
        }
    }

    #[test]
    fn header_placement_normalises_bearer() {
        for kind in ["bearer", "Bearer", "BEARER"] {
            let mut req = Request::new("https://api.example/", None, b"");
            req.add(TokenPlacement::Header, "mF_9.B5f-4.1JqM", kind)
                .unwrap();
            // RFC 6750 §2.1's example.
            assert_eq!(req.headers[AUTHORIZATION], "Bearer mF_9.B5f-4.1JqM");
            assert!(req.headers[AUTHORIZATION].is_sensitive());
            assert_eq!(req.url, "https://api.example/");
            assert!(req.body.is_empty());
        }
    }

    #[test]
    fn other_token_types_and_bad_header_values_are_errors() {
        let mut req = Request::new("https://api.example/", None, b"");
        let err = req.add(TokenPlacement::Header, "t", "mac").unwrap_err();
        assert!(
            matches!(&err, OAuth2Error::UnsupportedTokenType { token_type } if token_type == "mac")
        );
        let err = req
            .add(TokenPlacement::Header, "S3CR3T\r\nX-Evil: 1", "Bearer")
            .unwrap_err();
        assert!(matches!(
            err,
            OAuth2Error::InvalidHeaderValue {
                header: "Authorization"
            }
        ));
        assert!(!err.to_string().contains("S3CR3T"));
        assert!(req.headers.is_empty());
    }

    #[test]
    fn body_placement() {
        // RFC 6750 §2.2's example body.
        let mut req = Request::new("https://server.example.com/resource", None, b"");
        req.add(TokenPlacement::Body, "mF_9.B5f-4.1JqM", "Bearer")
            .unwrap();
        assert_eq!(req.body, b"access_token=mF_9.B5f-4.1JqM");
        assert_eq!(req.headers[CONTENT_TYPE], FORM_CONTENT_TYPE);

        let mut req = Request::new(
            "https://x/",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            b"a=1&",
        );
        req.add(TokenPlacement::Body, "a b+c", "bearer").unwrap();
        assert_eq!(req.body, b"a=1&access_token=a+b%2Bc");

        let mut req = Request::new("https://x/", Some("application/json"), b"{}");
        assert!(matches!(
            req.add(TokenPlacement::Body, "t", "bearer"),
            Err(OAuth2Error::BodyNotForm { found }) if found == "application/json"
        ));
        let mut req = Request::new("https://x/", None, b"raw");
        assert!(matches!(
            req.add(TokenPlacement::Body, "t", "bearer"),
            Err(OAuth2Error::BodyNotForm { found }) if found == "none"
        ));
        assert_eq!(req.body, b"raw");
    }

    #[test]
    fn uri_placement() {
        // RFC 6750 §2.3's example.
        let mut req = Request::new("https://server.example.com/resource", None, b"");
        req.add(TokenPlacement::Uri, "mF_9.B5f-4.1JqM", "Bearer")
            .unwrap();
        assert_eq!(
            req.url,
            "https://server.example.com/resource?access_token=mF_9.B5f-4.1JqM"
        );
        let mut req = Request::new("https://x/r?p=q#frag", None, b"");
        req.add(TokenPlacement::Uri, "t", "Bearer").unwrap();
        assert_eq!(req.url, "https://x/r?p=q&access_token=t#frag");
        assert!(req.headers.is_empty());
    }

    #[test]
    fn names() {
        for placement in [
            TokenPlacement::Header,
            TokenPlacement::Body,
            TokenPlacement::Uri,
        ] {
            assert_eq!(
                placement.as_str().parse::<TokenPlacement>().unwrap(),
                placement
            );
        }
        assert_eq!(TokenPlacement::default(), TokenPlacement::Header);
        let err = "query".parse::<TokenPlacement>().unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"unknown token placement "query": use "header", "body" or "uri""#
        );
    }
}
