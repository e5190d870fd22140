//! Request URIs given as text, read as oauthlib reads them.
//!
//! ```
//! use http::Method;
//! use oauth_compat::oauth1::{ClientCredentials, Signer, parse_request_uri};
//!
//! // `"http://example.com/a b".parse::<http::Uri>()` fails: a URI cannot hold a space.
//! let uri = parse_request_uri("http://example.com/photos/summer 2024.jpg?size=original")?;
//! assert_eq!(uri, "http://example.com/photos/summer%202024.jpg?size=original");
//! let signer = Signer::builder(ClientCredentials::new("key", "secret")).build()?;
//! let header = signer.authorization_header(&Method::GET, &uri, &[])?;
//! assert!(header.starts_with("OAuth oauth_consumer_key=\"key\""));
//! # Ok::<(), oauth_compat::oauth1::SignatureError>(())
//! ```

use std::borrow::Cow;
use std::fmt::Write as _;

use http::Uri;

use super::SignatureError;

/// Parses a request URI given as text into the [`Uri`] the signer and verifier take.
///
/// A URL string may carry characters an [`http::Uri`] cannot hold: a raw space, control
/// characters, and `<`, `>`, `` ` `` in the path or `"`, `<`, `>` in the query. Each is
/// percent-encoded (`%20`, `%3C`, ..) before parsing, and the signature covers the encoded
/// form, which is what goes on the wire. For a space in the path this is oauthlib's own
/// reading: its `base_string_uri` writes the space as `%20`, so the signature is the one
/// oauthlib makes for the same string. A space in the query, which oauthlib and Authlib
/// refuse, is `%20` as well, as `requests` re-quotes a URL before Authlib's and
/// requests-oauthlib's sessions sign it. Everything else is left as written (non-ASCII
/// included, which `Uri` holds as UTF-8 and the base string encodes as oauthlib does); the
/// fragment is dropped, as [`Uri`] drops it.
///
/// # Errors
///
/// [`SignatureError::InvalidUri`] when the text is no URI even so (a space in the host, say).
pub fn parse_request_uri(uri: &str) -> Result<Uri, SignatureError> {
    requote(uri)
        .parse()
        .map_err(|_| SignatureError::InvalidUri {
            reason: "it does not parse as a URI, even with spaces and other characters a URI \
                 cannot hold percent-encoded",
        })
}

/// `uri` with the bytes `http::Uri` refuses in its path and query percent-encoded.
fn requote(uri: &str) -> Cow<'_, str> {
    let start = match uri.find("://") {
        Some(scheme_end) => {
            let authority = scheme_end + 3;
            uri[authority..]
                .find(['/', '?', '#'])
                .map_or(uri.len(), |end| authority + end)
        }
        None => 0,
    };
    let end = uri[start..].find('#').map_or(uri.len(), |i| start + i);
    let query = uri[start..end].find('?').map_or(end, |i| start + i);
    let refused = |i: usize, b: u8| {
        b <= b' '
            || b == 0x7F
            || matches!(b, b'<' | b'>')
            || (i < query && b == b'`')
            || (i > query && b == b'"')
    };
    let bytes = uri.as_bytes();
    if !(start..end).any(|i| refused(i, bytes[i])) {
        return Cow::Borrowed(uri);
    }
    let mut out = String::with_capacity(uri.len() + 16);
    let mut copied = 0;
    for i in start..end {
        let b = bytes[i];
        if refused(i, b) {
            // Refused bytes are ASCII, so `i` is a character boundary.
            out.push_str(&uri[copied..i]);
            let _ = write!(out, "%{b:02X}");
            copied = i + 1;
        }
    }
    out.push_str(&uri[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        match parse_request_uri(input) {
            Ok(uri) => assert_eq!(uri.to_string(), expected, "{input:?}"),
            Err(e) => panic!("{input:?}: {e}"),
        }
    }

    #[test]
    fn what_uri_cannot_hold_is_percent_encoded() {
        check(
            "http://example.com/a b?c=d e",
            "http://example.com/a%20b?c=d%20e",
        );
        check(
            "https://example.com/a\tb<c>`d",
            "https://example.com/a%09b%3Cc%3E%60d",
        );
        check(
            "https://example.com/p?q=\"<x>\"&r=`",
            "https://example.com/p?q=%22%3Cx%3E%22&r=`",
        );
        // A `?` inside the query is data, not a second query.
        check(
            "https://example.com/p?a=b?c d",
            "https://example.com/p?a=b?c%20d",
        );
        // No path: the query starts right after the authority.
        check("https://example.com?q=a b", "https://example.com/?q=a%20b");
        // The fragment is not sent, and `Uri` drops it.
        check(
            "https://example.com/a b#frag ment",
            "https://example.com/a%20b",
        );
    }

    #[test]
    fn what_uri_holds_is_left_as_written() {
        for uri in [
            "https://example.com/a%20b/c+d?e=f%20g&h=i+j",
            "https://example.com/%C3%A9t%C3%A9?q=%E2%82%AC",
            "https://example.com/été/{x}|\"y\"?q=€&r={`}",
            "http://[::1]:8080/p?x=1",
        ] {
            assert!(matches!(requote(uri), Cow::Borrowed(_)), "{uri}");
            check(uri, uri);
        }
    }

    #[test]
    fn no_uri_even_so_is_invalid_uri() {
        for text in ["http://exa mple.com/", "", "http://"] {
            assert!(
                matches!(
                    parse_request_uri(text),
                    Err(SignatureError::InvalidUri { .. })
                ),
                "{text:?}"
            );
        }
    }
}
