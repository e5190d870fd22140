//! Turning body bytes into text under a declared charset.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};

use super::encoding_label::encoding_for_label;
use super::error::{Failure, Position};

/// The encoding a `charset` label names (a WHATWG label or a Python codec name, through
/// [`encoding_for_label`]); UTF-8 when absent.
pub(crate) fn lookup(label: Option<&str>) -> Result<&'static Encoding, Failure> {
    match label {
        None => Ok(UTF_8),
        Some(label) => {
            encoding_for_label(label).ok_or_else(|| Failure::UnknownCharset(label.to_owned()))
        }
    }
}

/// Decodes strictly: a byte sequence the encoding cannot map is a [`Failure::Malformed`] at
/// the offset (`base` + index into `bytes`) where it starts.
pub(crate) fn decode_strict<'a>(
    bytes: &'a [u8],
    encoding: &'static Encoding,
    base: usize,
) -> Result<Cow<'a, str>, Failure> {
    if encoding == UTF_8 {
        // The common case, and std reports where the bad sequence starts.
        return std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
            Failure::Malformed(
                Position::Byte(base + e.valid_up_to()),
                "invalid UTF-8".to_owned(),
            )
        });
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| {
            Failure::Malformed(
                Position::Byte(base),
                format!("bytes that are not valid {}", encoding.name()),
            )
        })
}

/// Decodes leniently, replacing what cannot be mapped with U+FFFD (one per maximal ill-formed
/// subsequence, as Python's `errors='replace'` does): text bodies and form values.
pub(crate) fn decode_lossy<'a>(bytes: &'a [u8], encoding: &'static Encoding) -> Cow<'a, str> {
    if encoding == UTF_8 {
        // The common case: std's check of valid UTF-8 is the faster one, and replaces alike.
        return String::from_utf8_lossy(bytes);
    }
    encoding.decode_without_bom_handling(bytes).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_case_insensitive_and_unknown_is_named() {
        assert!(matches!(lookup(Some("ISO-8859-1")), Ok(e) if e.name() == "windows-1252"));
        assert!(matches!(lookup(Some(" Latin1 ")), Ok(e) if e.name() == "windows-1252"));
        // Python's spellings too: the table the client's `encoding` uses.
        assert!(matches!(lookup(Some("latin-1")), Ok(e) if e.name() == "windows-1252"));
        assert!(matches!(lookup(None), Ok(e) if e == UTF_8));
        assert!(
            matches!(lookup(Some("klingon-8")), Err(Failure::UnknownCharset(c)) if c == "klingon-8")
        );
    }

    #[test]
    fn strict_utf8_reports_offset() {
        assert!(matches!(
            decode_strict(b"ab\xFFc", UTF_8, 10),
            Err(Failure::Malformed(Position::Byte(12), _))
        ));
        assert!(matches!(decode_strict("é".as_bytes(), UTF_8, 0), Ok(s) if s == "é"));
    }

    #[test]
    fn latin1_and_lossy() -> Result<(), Failure> {
        let latin1 = lookup(Some("iso-8859-1"))?;
        assert_eq!(decode_strict(b"caf\xE9", latin1, 0)?, "café");
        assert_eq!(decode_lossy(b"a\xFFb", UTF_8), "a\u{FFFD}b");
        Ok(())
    }
}
