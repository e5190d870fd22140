//! Parameter normalization (RFC 5849 §3.4.1.3.2).
//!
//! ```
//! use oauth_compat::oauth1::normalize_parameters;
//! let params = [("b", "2"), ("a", "x y"), ("a", "1")];
//! assert_eq!(normalize_parameters(params), "a=1&a=x%20y&b=2");
//! ```

use super::SignatureError;
use super::base_string::{base_string_uri_encoded_into, push_method};
use super::encode::{
    decode_bytes_into, encode_twice_into, escape_twice, is_unreserved, raw_form_pairs,
};
use super::uri_parts::UriParts;

/// Normalizes parameters: encode each name and value (§3.6), sort the pairs by encoded name then
/// encoded value, join with `=` and `&`.
pub fn normalize_parameters<'a, I, N, V>(params: I) -> String
where
    I: IntoIterator<Item = (&'a N, &'a V)>,
    N: AsRef<str> + ?Sized + 'a,
    V: AsRef<str> + ?Sized + 'a,
{
    let mut encoded = EncodedParams::default();
    for (name, value) in params {
        encoded.push(name.as_ref(), value.as_ref());
    }
    encoded.sort();
    let mut out = String::with_capacity(encoded.buf.len() + 2 * encoded.spans.len());
    encoded.write_normalized(&mut out);
    out
}

/// Parameters kept in one buffer, with spans instead of one `String` per parameter: the
/// signer's hot path allocates a buffer, not a string per name and value.
///
/// Names and values are stored encoded *twice* (`%` of the first encoding written as `%25`),
/// which is the form they take inside the signature base string, so building the base string
/// is a plain copy. Sorting that form gives the §3.4.1.3.2 order of the once-encoded form:
/// the second encoding only replaces `%` by `%25`, which starts with `%` itself, and `%` sorts
/// below every other byte an encoding can produce (unreserved bytes are all above 0x25), so
/// the first byte at which two strings differ compares the same way in both forms.
#[derive(Default)]
pub(crate) struct EncodedParams {
    buf: Vec<u8>,
    /// Each parameter is stored as `name%3Dvalue`, so the base string copies it in one piece.
    spans: Vec<Span>,
    scratch: Vec<u8>,
}

/// Where one parameter sits in [`EncodedParams::buf`], with a sort key.
struct Span {
    key: u64,
    name_start: usize,
    /// The value starts 3 bytes later, after `%3D`.
    name_end: usize,
    value_end: usize,
}

impl EncodedParams {
    pub(crate) fn with_capacity(bytes: usize, params: usize) -> Self {
        Self {
            buf: Vec::with_capacity(bytes),
            spans: Vec::with_capacity(params),
            scratch: Vec::new(),
        }
    }

    /// Adds one decoded parameter.
    pub(crate) fn push(&mut self, name: &str, value: &str) {
        let a = self.buf.len();
        encode_twice_into(&mut self.buf, name.as_bytes());
        let b = self.buf.len();
        self.buf.extend_from_slice(b"%3D");
        encode_twice_into(&mut self.buf, value.as_bytes());
        self.push_span(a, b);
    }

    /// Adds one parameter given as its twice-encoded `name%3Dvalue` (the signer's
    /// precomputed ones), whose name is `name_len` bytes long.
    pub(crate) fn push_twice_encoded(&mut self, pair: &[u8], name_len: usize) {
        let a = self.buf.len();
        self.buf.extend_from_slice(pair);
        self.push_span(a, a + name_len);
    }

    /// Adds every pair of form-encoded `raw` (query or body), decoding and re-encoding in one go.
    /// `check` sees each decoded name and may reject it.
    pub(crate) fn push_form(
        &mut self,
        raw: &[u8],
        within: &str,
        mut check: impl FnMut(&str) -> Result<(), SignatureError>,
    ) -> Result<(), SignatureError> {
        for (name, value) in raw_form_pairs(raw) {
            let a = self.buf.len();
            self.push_component(name, within)?;
            // Names are checked for the `oauth_` prefix, which reads the same in either form;
            // the encoded name is ASCII, so this always converts.
            if let Ok(name) = std::str::from_utf8(&self.buf[a..]) {
                check(name)?;
            }
            let b = self.buf.len();
            self.buf.extend_from_slice(b"%3D");
            self.push_component(value, within)?;
            self.push_span(a, b);
        }
        Ok(())
    }

    /// Decodes one raw form component and appends its twice-encoded form.
    fn push_component(&mut self, raw: &[u8], within: &str) -> Result<(), SignatureError> {
        // Fast path: already in encoded form (only unreserved bytes).
        if raw.iter().all(|&b| is_unreserved(b)) {
            self.buf.extend_from_slice(raw);
            return Ok(());
        }
        // ASCII text decodes and re-encodes in one pass; anything else goes through the
        // scratch buffer, where the decoded bytes can be checked to be UTF-8.
        let start = self.buf.len();
        if form_decode_ascii_twice_into(&mut self.buf, raw).is_some() {
            return Ok(());
        }
        self.buf.truncate(start);
        self.scratch.clear();
        decode_bytes_into(raw, true, &mut self.scratch).map_err(|offset| {
            SignatureError::InvalidPercentEncoding {
                within: within.to_owned(),
                offset,
            }
        })?;
        if std::str::from_utf8(&self.scratch).is_err() {
            return Err(SignatureError::InvalidUtf8 {
                within: within.to_owned(),
            });
        }
        encode_twice_into(&mut self.buf, &self.scratch);
        Ok(())
    }

    /// Encoded name of the parameter at `span`.
    fn name(&self, s: &Span) -> &[u8] {
        &self.buf[s.name_start..s.name_end]
    }

    fn value(&self, s: &Span) -> &[u8] {
        &self.buf[s.name_end + 3..s.value_end]
    }

    /// Records the parameter whose name starts at `a` and value at `b`, ending at the buffer's end.
    fn push_span(&mut self, a: usize, b: usize) {
        let name = &self.buf[a..b];
        // The first 8 name bytes, big-endian, zero-padded: comparing keys compares those bytes
        // as `[u8]` would (a shorter name's zero padding sorts first, as a prefix does, and
        // encoded names never hold a zero byte). Most pairs differ there, so the sort rarely
        // looks at the buffer.
        let mut head = [0u8; 8];
        let n = name.len().min(8);
        head[..n].copy_from_slice(&name[..n]);
        self.spans.push(Span {
            key: u64::from_be_bytes(head),
            name_start: a,
            name_end: b,
            value_end: self.buf.len(),
        });
    }

    /// Sorts by encoded name, then encoded value (byte order), as pairs.
    pub(crate) fn sort(&mut self) {
        let buf = &self.buf;
        self.spans.sort_unstable_by(|x, y| {
            x.key.cmp(&y.key).then_with(|| {
                buf[x.name_start..x.name_end]
                    .cmp(&buf[y.name_start..y.name_end])
                    .then_with(|| {
                        buf[x.name_end + 3..x.value_end].cmp(&buf[y.name_end + 3..y.value_end])
                    })
            })
        });
    }

    /// Appends the normalized string (`name=value&...`), undoing the second encoding.
    pub(crate) fn write_normalized(&self, out: &mut String) {
        let mut bytes = Vec::with_capacity(self.buf.len());
        for (i, s) in self.spans.iter().enumerate() {
            if i > 0 {
                bytes.push(b'&');
            }
            encode_once_from_twice(&mut bytes, self.name(s));
            bytes.push(b'=');
            encode_once_from_twice(&mut bytes, self.value(s));
        }
        // Encoded text is ASCII, so this always converts.
        out.push_str(std::str::from_utf8(&bytes).unwrap_or_default());
    }

    /// Appends the signature base string (§3.4.1.1) for these parameters to the buffer they
    /// live in, and returns it: the parameters are copied within the buffer, so building the
    /// base string allocates nothing when the buffer was made large enough.
    pub(crate) fn append_base_string(
        &mut self,
        method: &str,
        uri: UriParts<'_>,
    ) -> Result<&[u8], SignatureError> {
        let Self { buf, spans, .. } = self;
        let start = buf.len();
        push_method(buf, method);
        buf.push(b'&');
        base_string_uri_encoded_into(buf, uri)?;
        buf.push(b'&');
        for (i, s) in spans.iter().enumerate() {
            if i > 0 {
                buf.extend_from_slice(b"%26");
            }
            buf.extend_from_within(s.name_start..s.value_end);
        }
        Ok(&buf[start..])
    }
}

/// Form-decodes `raw` (`+` is a space) and appends the result encoded twice, in one pass.
/// `None` (with `out` partly written) when `raw` is malformed or decodes to non-ASCII bytes:
/// the caller then takes the slow path, which reports errors and checks UTF-8.
fn form_decode_ascii_twice_into(out: &mut Vec<u8>, raw: &[u8]) -> Option<()> {
    let mut i = 0;
    while i < raw.len() {
        let b = match raw[i] {
            b'+' => b' ',
            b'%' => {
                let hi = char::from(*raw.get(i + 1)?).to_digit(16)?;
                let lo = char::from(*raw.get(i + 2)?).to_digit(16)?;
                i += 2;
                u8::try_from(hi * 16 + lo).ok()?
            }
            b => b,
        };
        if is_unreserved(b) {
            out.push(b);
        } else if b.is_ascii() {
            out.extend_from_slice(&escape_twice(b));
        } else {
            return None;
        }
        i += 1;
    }
    Some(())
}

/// Undoes the second encoding: every `%25` becomes `%`.
fn encode_once_from_twice(out: &mut Vec<u8>, twice: &[u8]) {
    let mut rest = twice;
    while let Some(at) = rest.iter().position(|&b| b == b'%') {
        out.extend_from_slice(&rest[..=at]);
        rest = rest.get(at + 3..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Uri;

    #[test]
    fn sorts_pairs_not_joined_strings() {
        // Joined strings would put "a2=x" before "a=y" ('2' < '='); pairs sort "a" first.
        assert_eq!(normalize_parameters([("a2", "x"), ("a", "y")]), "a=y&a2=x");
    }

    #[test]
    fn repeated_names_sort_by_encoded_value() {
        assert_eq!(
            normalize_parameters([("v", "z"), ("v", "é"), ("a", "2"), ("a", "1")]),
            "a=1&a=2&v=%C3%A9&v=z"
        );
    }

    #[test]
    fn empty_values_kept() {
        assert_eq!(normalize_parameters([("x", ""), ("", "")]), "=&x=");
    }

    #[test]
    fn form_push_reencodes() {
        let mut p = EncodedParams::default();
        p.push_form(b"status=Hello%20Ladies+%2b&flag", "body", |_| Ok(()))
            .unwrap();
        p.sort();
        let mut out = String::new();
        p.write_normalized(&mut out);
        assert_eq!(out, "flag=&status=Hello%20Ladies%20%2B");
        let uri: Uri = "http://E.com:80/p?ignored=1".parse().unwrap();
        assert_eq!(
            p.append_base_string("post", (&uri).into()).unwrap(),
            b"POST&http%3A%2F%2Fe.com%2Fp&flag%3D%26status%3DHello%2520Ladies%2520%252B"
        );
    }

    #[test]
    fn form_push_slow_path_checks_escapes_and_utf8() {
        let mut p = EncodedParams::default();
        // Non-ASCII after decoding leaves the one-pass path and is still encoded exactly.
        p.push_form(b"v=caf%C3%A9+x", "body", |_| Ok(())).unwrap();
        let mut out = String::new();
        p.write_normalized(&mut out);
        assert_eq!(out, "v=caf%C3%A9%20x");

        let bad = EncodedParams::default().push_form(b"a=1%2", "the form body", |_| Ok(()));
        assert!(
            matches!(bad, Err(SignatureError::InvalidPercentEncoding { ref within, offset: 1 }) if within == "the form body"),
            "{bad:?}"
        );
        let not_utf8 = EncodedParams::default().push_form(b"a=%FF", "the URI query", |_| Ok(()));
        assert!(
            matches!(not_utf8, Err(SignatureError::InvalidUtf8 { .. })),
            "{not_utf8:?}"
        );
    }
}
