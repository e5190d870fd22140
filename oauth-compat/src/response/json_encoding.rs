//! Which text encoding a JSON body is in, as Python's `json.loads` decides for bytes.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

use super::charset;
use super::error::{Failure, Position};

/// The body as text: in the encoding [`detect_encoding`] finds (its byte-order mark dropped),
/// else in the `charset`, else UTF-8. Bytes the encoding cannot read are
/// [`Failure::Malformed`] at their offset.
pub(super) fn json_text<'a>(
    body: &'a [u8],
    charset_label: Option<&str>,
) -> Result<Cow<'a, str>, Failure> {
    match detect_encoding(body) {
        Some(Detected::Utf32 { big_endian, bom }) => {
            utf32(&body[bom..], big_endian, bom).map(Cow::Owned)
        }
        Some(Detected::Whatwg(encoding, bom)) => {
            charset::decode_strict(&body[bom..], encoding, bom)
        }
        None => charset::decode_strict(body, charset::lookup(charset_label)?, 0),
    }
}

/// An encoding found from the bytes themselves, and the length of its byte-order mark.
#[derive(Debug, PartialEq)]
enum Detected {
    Whatwg(&'static Encoding, usize),
    /// UTF-32, which is no WHATWG encoding.
    Utf32 {
        big_endian: bool,
        bom: usize,
    },
}

/// Python's `json.detect_encoding`: a byte-order mark (UTF-32 before UTF-16, whose mark
/// starts UTF-32LE's), else the pattern of NUL bytes that JSON text, which starts with ASCII,
/// leaves in UTF-16 and UTF-32. `None` when neither says anything: then the `charset`
/// decides, and UTF-8 without one. (`json.loads` ignores the `charset`; no ASCII-compatible
/// encoding puts a NUL among a JSON text's first bytes, so the two never disagree on
/// well-formed input.)
fn detect_encoding(b: &[u8]) -> Option<Detected> {
    let whatwg = |encoding, bom| Some(Detected::Whatwg(encoding, bom));
    let utf32 = |big_endian, bom| Some(Detected::Utf32 { big_endian, bom });
    if b.starts_with(b"\xFF\xFE\0\0") {
        return utf32(false, 4);
    }
    if b.starts_with(b"\0\0\xFE\xFF") {
        return utf32(true, 4);
    }
    if b.starts_with(b"\xFF\xFE") {
        return whatwg(UTF_16LE, 2);
    }
    if b.starts_with(b"\xFE\xFF") {
        return whatwg(UTF_16BE, 2);
    }
    if b.starts_with(b"\xEF\xBB\xBF") {
        return whatwg(UTF_8, 3);
    }
    match *b {
        [0, 0, _, _, ..] => utf32(true, 0),
        [0, _, _, _, ..] | [0, _] => whatwg(UTF_16BE, 0),
        [_, 0, 0, 0, ..] => utf32(false, 0),
        [_, 0, _, _, ..] | [_, 0] => whatwg(UTF_16LE, 0),
        _ => None,
    }
}

/// Decodes UTF-32 by hand: `encoding_rs` has only the WHATWG encodings, and UTF-32 is not
/// one. A code unit that is no Unicode scalar value (a surrogate, or beyond U+10FFFF) is an
/// error at its offset, `base` counting the bytes before `bytes`.
fn utf32(bytes: &[u8], big_endian: bool, base: usize) -> Result<String, Failure> {
    let units = bytes.chunks_exact(4);
    if !units.remainder().is_empty() {
        return Err(Failure::Malformed(
            Position::Byte(base + bytes.len() - units.remainder().len()),
            "a UTF-32 body whose length is not a multiple of 4 bytes".to_owned(),
        ));
    }
    let mut text = String::with_capacity(bytes.len() / 4);
    for (i, unit) in units.enumerate() {
        let unit = [unit[0], unit[1], unit[2], unit[3]];
        let code = if big_endian {
            u32::from_be_bytes(unit)
        } else {
            u32::from_le_bytes(unit)
        };
        let c = char::from_u32(code).ok_or_else(|| {
            Failure::Malformed(
                Position::Byte(base + 4 * i),
                "a UTF-32 code unit that is not a Unicode scalar value".to_owned(),
            )
        })?;
        text.push(c);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_utf16(text: &str, big_endian: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    fn encode_utf32(text: &str, big_endian: bool) -> Vec<u8> {
        text.chars()
            .flat_map(|c| {
                let c = u32::from(c);
                if big_endian {
                    c.to_be_bytes()
                } else {
                    c.to_le_bytes()
                }
            })
            .collect()
    }

    /// Each body is `'{"a":"é😀"}'.encode(codec)` for a codec `json.loads` detects.
    #[test]
    fn utf16_and_utf32_are_detected_as_json_loads_does() -> Result<(), Failure> {
        let text = "{\"a\":\"é😀\"}";
        let bodies = [
            (
                "utf-16 (LE with BOM)",
                [&b"\xFF\xFE"[..], &encode_utf16(text, false)].concat(),
            ),
            (
                "utf-16 (BE with BOM)",
                [&b"\xFE\xFF"[..], &encode_utf16(text, true)].concat(),
            ),
            ("utf-16-le", encode_utf16(text, false)),
            ("utf-16-be", encode_utf16(text, true)),
            (
                "utf-32 (LE with BOM)",
                [&b"\xFF\xFE\0\0"[..], &encode_utf32(text, false)].concat(),
            ),
            (
                "utf-32 (BE with BOM)",
                [&b"\0\0\xFE\xFF"[..], &encode_utf32(text, true)].concat(),
            ),
            ("utf-32-le", encode_utf32(text, false)),
            ("utf-32-be", encode_utf32(text, true)),
            (
                "utf-8-sig",
                [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
            ),
        ];
        for (codec, body) in bodies {
            // A charset saying otherwise does not matter, as json.loads never reads it.
            for charset in [None, Some("utf-8"), Some("utf-32")] {
                assert_eq!(json_text(&body, charset)?, text, "{codec} {charset:?}");
            }
        }
        // Two bytes: `1` in UTF-16.
        assert_eq!(json_text(b"1\0", None)?, "1");
        assert_eq!(json_text(b"\x001", None)?, "1");
        Ok(())
    }

    #[test]
    fn without_bom_or_nul_pattern_the_charset_decides() -> Result<(), Failure> {
        assert_eq!(
            json_text(b"{\"n\":\"Ren\xE9\"}", Some("latin1"))?,
            "{\"n\":\"René\"}"
        );
        assert_eq!(
            json_text("{\"n\":\"é\"}".as_bytes(), None)?,
            "{\"n\":\"é\"}"
        );
        assert!(matches!(
            json_text(b"{}", Some("nope")),
            Err(Failure::UnknownCharset(c)) if c == "nope"
        ));
        assert!(matches!(
            json_text(b"[\"\xFF\"]", None),
            Err(Failure::Malformed(Position::Byte(2), _))
        ));
        Ok(())
    }

    #[test]
    fn broken_utf16_and_utf32_say_where() {
        assert!(matches!(
            json_text(b"1\0\0\0\x002", None),
            Err(Failure::Malformed(Position::Byte(4), reason)) if reason.contains("multiple of 4")
        ));
        // 0x110000 is beyond Unicode.
        assert!(matches!(
            json_text(b"1\0\0\0\0\0\x11\0", None),
            Err(Failure::Malformed(Position::Byte(4), reason)) if reason.contains("scalar")
        ));
        // A lone surrogate code unit in UTF-16 (Python's surrogatepass keeps it).
        assert!(matches!(
            json_text(b"\"\0\x00\xD8\"\0", None),
            Err(Failure::Malformed(..))
        ));
    }
}
