//! Percent-encoding (RFC 5849 §3.6) and decoding of percent-encoded and form-encoded text.
//!
//! ```
//! use oauth_compat::oauth1::{percent_encode, percent_decode, form_decode};
//! assert_eq!(percent_encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
//! assert_eq!(percent_decode("caf%C3%A9").unwrap(), "café");
//! assert_eq!(
//!     form_decode("a=1+2&b").unwrap(),
//!     vec![("a".to_owned(), "1 2".to_owned()), ("b".to_owned(), String::new())]
//! );
//! ```

use std::borrow::Cow;

use super::SignatureError;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// `ALPHA / DIGIT / "-" / "." / "_" / "~"`: the only bytes §3.6 leaves as they are.
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        i += 1;
    }
    table
};

#[inline]
pub(crate) fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// §3.6 encoding into a byte buffer: the signer's hot path works on bytes (the base string is
/// only ever fed to a MAC), which avoids per-run `str` boundary checks.
#[inline]
pub(crate) fn encode_bytes_into(out: &mut Vec<u8>, input: &[u8]) {
    out.reserve(input.len());
    // Copy runs of unreserved bytes in bulk; most of a parameter string is such runs.
    let mut start = 0;
    for (i, &b) in input.iter().enumerate() {
        if !is_unreserved(b) {
            out.extend_from_slice(&input[start..i]);
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0F)]]);
            start = i + 1;
        }
    }
    out.extend_from_slice(&input[start..]);
}

/// §3.6 encoding applied twice, in one pass: what a parameter looks like inside the signature
/// base string (§3.4.1.1 encodes the already-encoded normalized string). Encoding output holds
/// only unreserved bytes and `%XX`, so the second pass changes nothing but `%` → `%25`.
#[inline]
pub(crate) fn encode_twice_into(out: &mut Vec<u8>, input: &[u8]) {
    out.reserve(input.len());
    let mut start = 0;
    for (i, &b) in input.iter().enumerate() {
        if !is_unreserved(b) {
            out.extend_from_slice(&input[start..i]);
            out.extend_from_slice(&escape_twice(b));
            start = i + 1;
        }
    }
    out.extend_from_slice(&input[start..]);
}

/// `b` escaped twice: `%25XX`.
#[inline]
pub(crate) fn escape_twice(b: u8) -> [u8; 5] {
    [
        b'%',
        b'2',
        b'5',
        HEX[usize::from(b >> 4)],
        HEX[usize::from(b & 0x0F)],
    ]
}

/// Bytes the encoders wrote, as a `String`. Encoded text is ASCII (the signer adds UTF-8 only
/// from a realm), so the lossy fallback never runs; it exists so no input can make this panic.
pub(crate) fn ascii_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Percent-encodes `input` per RFC 5849 §3.6 into a new string.
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 2);
    percent_encode_into(&mut out, input);
    out
}

/// Percent-encodes `input` per RFC 5849 §3.6, appending to `out` (no allocation beyond `out`'s
/// growth).
pub(crate) fn percent_encode_into(out: &mut String, input: &str) {
    let bytes = input.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !is_unreserved(b) {
            // `start < i` means bytes[start..i] are ASCII, so both ends are char boundaries.
            if start < i {
                out.push_str(&input[start..i]);
            }
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0F)]));
            start = i + 1;
        }
    }
    if start < bytes.len() {
        out.push_str(&input[start..]);
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (and `+` as space when `plus_as_space`) into `out`.
/// On a bad escape returns its byte offset.
pub(crate) fn decode_bytes_into(
    input: &[u8],
    plus_as_space: bool,
    out: &mut Vec<u8>,
) -> Result<(), usize> {
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            let hi = input.get(i + 1).copied().and_then(hex_value);
            let lo = input.get(i + 2).copied().and_then(hex_value);
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => return Err(i),
            }
            i += 3;
        } else {
            out.push(if plus_as_space && b == b'+' { b' ' } else { b });
            i += 1;
        }
    }
    Ok(())
}

/// Decodes one component, borrowing `input` when it holds nothing to decode (no `%`, and no
/// `+` when `plus_as_space`): a provider scans every parameter name for `oauth_`, and most
/// names and values are plain.
pub(crate) fn decode_component<'a>(
    input: &'a [u8],
    plus_as_space: bool,
    within: &str,
) -> Result<Cow<'a, str>, SignatureError> {
    if !input
        .iter()
        .any(|&b| b == b'%' || (plus_as_space && b == b'+'))
    {
        return std::str::from_utf8(input).map(Cow::Borrowed).map_err(|_| {
            SignatureError::InvalidUtf8 {
                within: within.to_owned(),
            }
        });
    }
    let mut out = Vec::with_capacity(input.len());
    decode_bytes_into(input, plus_as_space, &mut out).map_err(|offset| {
        SignatureError::InvalidPercentEncoding {
            within: within.to_owned(),
            offset,
        }
    })?;
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| SignatureError::InvalidUtf8 {
            within: within.to_owned(),
        })
}

/// Strict RFC 3986 percent-decoding to UTF-8: every `%` must start a `%XX` escape, and the result
/// must be UTF-8. `+` stays `+`.
pub fn percent_decode(input: &str) -> Result<String, SignatureError> {
    decode_component(input.as_bytes(), false, "value").map(Cow::into_owned)
}

/// Decodes `application/x-www-form-urlencoded` text (a query string or a form body) into
/// `(name, value)` pairs in order: `&`-separated, `+` is a space, `%XX` escapes strict,
/// a pair without `=` has an empty value, empty pairs are skipped. Repeated names are kept.
pub fn form_decode(input: &str) -> Result<Vec<(String, String)>, SignatureError> {
    form_decode_bytes(input.as_bytes(), "form data")
}

/// The raw `(name, value)` pairs of form-encoded text, not yet decoded: `&`-separated, empty
/// pairs skipped, a pair without `=` has an empty value.
pub(crate) fn raw_form_pairs(input: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    input
        .split(|&b| b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| match part.iter().position(|&b| b == b'=') {
            Some(eq) => (&part[..eq], &part[eq + 1..]),
            None => (part, &[][..]),
        })
}

/// [`form_decode`] over raw bytes (a request body); `within` names the source in errors.
pub(crate) fn form_decode_bytes(
    input: &[u8],
    within: &str,
) -> Result<Vec<(String, String)>, SignatureError> {
    let mut pairs = Vec::new();
    for (name, value) in raw_form_pairs(input) {
        pairs.push((
            decode_component(name, true, within)?.into_owned(),
            decode_component(value, true, within)?.into_owned(),
        ));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_encode_into_appends() {
        let mut out = String::from("x=");
        super::percent_encode_into(&mut out, "a/b é");
        assert_eq!(out, "x=a%2Fb%20%C3%A9");
    }

    use super::*;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(
            percent_encode("!*'();:@&=+$,/?#[] %"),
            "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D%20%25"
        );
        assert_eq!(percent_encode("☃é"), "%E2%98%83%C3%A9");
        assert_eq!(percent_encode("aé-b"), "a%C3%A9-b");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn decode_strict() {
        assert_eq!(percent_decode("%2b%2B+").unwrap(), "++".to_owned() + "+");
        assert!(matches!(
            percent_decode("a%2"),
            Err(SignatureError::InvalidPercentEncoding { offset: 1, .. })
        ));
        assert!(matches!(
            percent_decode("%zz"),
            Err(SignatureError::InvalidPercentEncoding { offset: 0, .. })
        ));
        assert!(matches!(
            percent_decode("%FF"),
            Err(SignatureError::InvalidUtf8 { .. })
        ));
    }

    #[test]
    fn plain_components_are_borrowed() {
        // A provider decodes every parameter name to look for `oauth_`: plain ones (most)
        // cost no allocation.
        let plain = decode_component(b"oauth_nonce", true, "x").unwrap();
        assert!(matches!(plain, Cow::Borrowed("oauth_nonce")));
        let spaced = decode_component(b"a+b%21", true, "x").unwrap();
        assert!(matches!(&spaced, Cow::Owned(s) if s == "a b!"));
        // Without `plus_as_space`, a `+` needs no decoding either.
        assert!(matches!(
            decode_component(b"a+b", false, "x").unwrap(),
            Cow::Borrowed("a+b")
        ));
        assert!(matches!(
            decode_component(b"\xff", true, "x"),
            Err(SignatureError::InvalidUtf8 { .. })
        ));
    }

    #[test]
    fn form_decoding() {
        let pairs = form_decode("a=1&&a=2&empty=&flag&sp=x+y%20z").unwrap();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("a", "1"),
                ("a", "2"),
                ("empty", ""),
                ("flag", ""),
                ("sp", "x y z")
            ]
        );
        assert!(form_decode("a=%G0").is_err());
    }
}
