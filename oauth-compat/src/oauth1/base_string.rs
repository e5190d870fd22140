//! The base string URI (RFC 5849 §3.4.1.2) and the signature base string (§3.4.1.1).
//!
//! ```
//! use oauth_compat::oauth1::{base_string_uri_str, signature_base_string};
//! assert_eq!(
//!     base_string_uri_str("HTTP://Example.com:80/r%20v/X?id=123").unwrap(),
//!     "http://example.com/r%20v/X"
//! );
//! assert_eq!(
//!     signature_base_string("get", "http://example.com/", "a=1&b=2"),
//!     "GET&http%3A%2F%2Fexample.com%2F&a%3D1%26b%3D2"
//! );
//! ```

use http::Uri;

use super::SignatureError;
use super::encode::{ascii_string, encode_bytes_into};
use super::uri_parts::UriParts;

/// The base string URI of `uri`: lowercase scheme and host, default port dropped (80 for
/// http, 443 for https), other ports kept, path as sent (`/` when empty), no query or fragment.
pub fn base_string_uri(uri: &Uri) -> Result<String, SignatureError> {
    let mut out = String::with_capacity(uri.host().map_or(0, str::len) + uri.path().len() + 16);
    base_string_uri_into(&mut out, uri)?;
    Ok(out)
}

/// [`base_string_uri`] of a URI given as text, read by [`parse_request_uri`]: a raw space
/// becomes `%20`, as in oauthlib's `base_string_uri`.
///
/// ```
/// use oauth_compat::oauth1::base_string_uri_str;
/// assert_eq!(base_string_uri_str("http://example.com/a b?c=d e")?, "http://example.com/a%20b");
/// # Ok::<(), oauth_compat::oauth1::SignatureError>(())
/// ```
///
/// [`parse_request_uri`]: super::parse_request_uri
pub fn base_string_uri_str(uri: &str) -> Result<String, SignatureError> {
    base_string_uri(&super::parse_request_uri(uri)?)
}

/// [`base_string_uri`], appending to `out`.
pub(crate) fn base_string_uri_into(out: &mut String, uri: &Uri) -> Result<(), SignatureError> {
    write_base_string_uri(uri.into(), |piece| out.push_str(piece))
}

/// Appends `enc(base_string_uri)`, encoding piece by piece instead of building the URI first.
pub(crate) fn base_string_uri_encoded_into(
    out: &mut Vec<u8>,
    uri: UriParts<'_>,
) -> Result<(), SignatureError> {
    write_base_string_uri(uri, |piece| encode_bytes_into(out, piece.as_bytes()))
}

/// Produces the base string URI as a sequence of pieces, so callers choose plain or encoded.
pub(crate) fn write_base_string_uri(
    uri: UriParts<'_>,
    mut push: impl FnMut(&str),
) -> Result<(), SignatureError> {
    let scheme = uri.scheme.ok_or(SignatureError::InvalidUri {
        reason: "it has no scheme; sign an absolute http:// or https:// URI",
    })?;
    let default_port = if scheme.eq_ignore_ascii_case("http") {
        80
    } else if scheme.eq_ignore_ascii_case("https") {
        443
    } else {
        return Err(SignatureError::InvalidUri {
            reason: "the scheme must be http or https",
        });
    };
    let host = uri
        .host
        .filter(|h| !h.is_empty())
        .ok_or(SignatureError::InvalidUri {
            reason: "it has no host; sign an absolute URI",
        })?;
    push_lowercase(&mut push, scheme);
    push("://");
    push_lowercase(&mut push, host);
    if let Some(port) = uri.port
        && port != default_port
    {
        push(":");
        push(itoa_u16(port, &mut [0; 5]));
    }
    let path = uri.path;
    push(if path.is_empty() { "/" } else { path });
    Ok(())
}

fn push_lowercase(push: &mut impl FnMut(&str), s: &str) {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        push(&s.to_ascii_lowercase());
    } else {
        push(s);
    }
}

fn itoa_u16(mut n: u16, buf: &mut [u8; 5]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

/// The signature base string `METHOD&enc(base_string_uri)&enc(normalized_parameters)`, with the
/// method uppercased.
pub fn signature_base_string(
    method: &str,
    base_string_uri: &str,
    normalized_parameters: &str,
) -> String {
    let mut out = Vec::with_capacity(
        method.len() + 2 + 2 * (base_string_uri.len() + normalized_parameters.len()),
    );
    push_method(&mut out, method);
    out.push(b'&');
    encode_bytes_into(&mut out, base_string_uri.as_bytes());
    out.push(b'&');
    encode_bytes_into(&mut out, normalized_parameters.as_bytes());
    ascii_string(out)
}

/// Appends the uppercased method, percent-encoded (a method is a token; encoding is a no-op for
/// the standard ones).
pub(crate) fn push_method(out: &mut Vec<u8>, method: &str) {
    if method.bytes().all(|b| b.is_ascii_uppercase()) {
        out.extend_from_slice(method.as_bytes());
    } else {
        encode_bytes_into(out, method.to_ascii_uppercase().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        assert_eq!(base_string_uri_str(input).unwrap(), expected);
    }

    #[test]
    fn ports_case_and_path() {
        check(
            "https://api.example.com:443/items?q=1",
            "https://api.example.com/items",
        );
        check(
            "http://api.example.com:80/items",
            "http://api.example.com/items",
        );
        check(
            "https://api.example.com:8080/items",
            "https://api.example.com:8080/items",
        );
        check(
            "https://api.example.com:80/items",
            "https://api.example.com:80/items",
        );
        check("http://example.com:443/", "http://example.com:443/");
        check(
            "HTTPS://API.Example.COM/Items/ABC?Q=Yes",
            "https://api.example.com/Items/ABC",
        );
        check(
            "https://api.example.com/files/a%2Fb/c%20d.txt?x=1#frag",
            "https://api.example.com/files/a%2Fb/c%20d.txt",
        );
        check("https://example.com", "https://example.com/");
        check("https://example.com?x=1", "https://example.com/");
        check("http://user:pw@example.com/p", "http://example.com/p");
        check("http://[::1]:8080/p", "http://[::1]:8080/p");
    }

    /// The expected values are what oauthlib 4.0.1's `signature.base_string_uri` returns for
    /// the same strings; a raw space used to be `InvalidUri` here.
    #[test]
    fn raw_spaces_as_oauthlib_reads_them() {
        check("http://example.com/a b?c=d e", "http://example.com/a%20b");
        check("http://example.com/a b", "http://example.com/a%20b");
        check(
            "https://Example.com:443/x y/z",
            "https://example.com/x%20y/z",
        );
        check("http://example.com/ü", "http://example.com/ü");
    }

    #[test]
    fn rejects_relative_and_other_schemes() {
        assert!(matches!(
            base_string_uri_str("/path"),
            Err(SignatureError::InvalidUri { .. })
        ));
        assert!(matches!(
            base_string_uri_str("ftp://example.com/"),
            Err(SignatureError::InvalidUri { .. })
        ));
        assert!(matches!(
            base_string_uri_str("not a uri"),
            Err(SignatureError::InvalidUri { .. })
        ));
    }

    #[test]
    fn method_uppercased() {
        assert_eq!(
            signature_base_string("post", "https://a.b/", ""),
            "POST&https%3A%2F%2Fa.b%2F&"
        );
    }
}
