//! Parameter normalization (RFC 5849 §3.4.1.3.2).
//!
//! ```
//! use oauth_compat::oauth1::normalize::normalize_parameters;
//! let params = [("b", "2"), ("a", "x y"), ("a", "1")];
//! assert_eq!(normalize_parameters(params), "a=1&a=x%20y&b=2");
//! ```

use super::Error;
use super::encode::{decode_bytes_into, encode_bytes_into, is_unreserved};

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

/// Encoded parameters kept in one buffer, with spans instead of one `String` per parameter:
/// the signer's hot path allocates a buffer, not a string per name and value.
#[derive(Default)]
pub(crate) struct EncodedParams {
    buf: Vec<u8>,
    /// `[name_start, value_start, value_end]` into `buf`.
    spans: Vec<[usize; 3]>,
    scratch: Vec<u8>,
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
        encode_bytes_into(&mut self.buf, name.as_bytes());
        let b = self.buf.len();
        encode_bytes_into(&mut self.buf, value.as_bytes());
        self.spans.push([a, b, self.buf.len()]);
    }

    /// Adds every pair of form-encoded `raw` (query or body), decoding and re-encoding in one go.
    /// `check` sees each decoded name and may reject it.
    pub(crate) fn push_form(
        &mut self,
        raw: &[u8],
        within: &str,
        mut check: impl FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        for part in raw.split(|&b| b == b'&') {
            if part.is_empty() {
                continue;
            }
            let (name, value) = match part.iter().position(|&b| b == b'=') {
                Some(eq) => (&part[..eq], &part[eq + 1..]),
                None => (part, &[][..]),
            };
            let a = self.buf.len();
            self.push_component(name, within)?;
            // The encoded name is ASCII, so this always converts.
            if let Ok(name) = std::str::from_utf8(&self.buf[a..]) {
                check(name)?;
            }
            let b = self.buf.len();
            self.push_component(value, within)?;
            self.spans.push([a, b, self.buf.len()]);
        }
        Ok(())
    }

    /// Decodes one raw form component and appends its §3.6 encoding.
    fn push_component(&mut self, raw: &[u8], within: &str) -> Result<(), Error> {
        // Fast path: already in encoded form (only unreserved bytes).
        if raw.iter().all(|&b| is_unreserved(b)) {
            self.buf.extend_from_slice(raw);
            return Ok(());
        }
        self.scratch.clear();
        decode_bytes_into(raw, true, &mut self.scratch).map_err(|offset| {
            Error::InvalidPercentEncoding {
                within: within.to_owned(),
                offset,
            }
        })?;
        if std::str::from_utf8(&self.scratch).is_err() {
            return Err(Error::InvalidUtf8 {
                within: within.to_owned(),
            });
        }
        encode_bytes_into(&mut self.buf, &self.scratch);
        Ok(())
    }

    /// Encoded name of the parameter at `span`.
    fn name(&self, s: &[usize; 3]) -> &[u8] {
        &self.buf[s[0]..s[1]]
    }

    fn value(&self, s: &[usize; 3]) -> &[u8] {
        &self.buf[s[1]..s[2]]
    }

    /// Sorts by encoded name, then encoded value (byte order), as pairs.
    pub(crate) fn sort(&mut self) {
        let buf = &self.buf;
        self.spans.sort_unstable_by(|x, y| {
            buf[x[0]..x[1]]
                .cmp(&buf[y[0]..y[1]])
                .then_with(|| buf[x[1]..x[2]].cmp(&buf[y[1]..y[2]]))
        });
    }

    /// Appends the normalized string (`name=value&...`).
    pub(crate) fn write_normalized(&self, out: &mut String) {
        for (i, s) in self.spans.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            // Encoded text is ASCII; the conversions cannot fail.
            out.push_str(std::str::from_utf8(self.name(s)).unwrap_or_default());
            out.push('=');
            out.push_str(std::str::from_utf8(self.value(s)).unwrap_or_default());
        }
    }

    /// Appends `enc(normalized)` directly, without building the normalized string first.
    pub(crate) fn write_normalized_encoded(&self, out: &mut Vec<u8>) {
        for (i, s) in self.spans.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b"%26");
            }
            encode_bytes_into(out, self.name(s));
            out.extend_from_slice(b"%3D");
            encode_bytes_into(out, self.value(s));
        }
    }

    pub(crate) fn encoded_len(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut enc = Vec::new();
        p.write_normalized_encoded(&mut enc);
        assert_eq!(enc, b"flag%3D%26status%3DHello%2520Ladies%2520%252B");
    }
}
