//! JSON bodies, read as Python's `json.loads` reads the bytes Flask-OAuthlib hands it.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};
use serde_json::{Map, Value};

use super::charset;
use super::error::{Failure, Position, Unrepresentable};

/// Decodes a JSON body.
///
/// An empty body is `{}`, as Flask-OAuthlib returns for providers that answer with nothing
/// (`if not content: return {}`); a blank one (whitespace, or only a byte-order mark) is
/// [`Failure::BlankJson`], as `json.loads` refuses it. The text encoding is found as
/// [`detect_encoding`] says. A well-formed body holding what [`Value`] cannot represent is
/// [`Failure::Unrepresentable`], never a silently different value.
pub(crate) fn decode(body: &[u8], charset_label: Option<&str>) -> Result<Value, Failure> {
    if body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let text = match detect_encoding(body) {
        Some(Detected::Utf32 { big_endian, bom }) => {
            Cow::Owned(utf32(&body[bom..], big_endian, bom)?)
        }
        Some(Detected::Whatwg(encoding, bom)) => decode_text(&body[bom..], encoding, bom)?,
        None => decode_text(body, charset::lookup(charset_label)?, 0)?,
    };
    if text.bytes().all(is_json_whitespace) {
        return Err(Failure::BlankJson);
    }
    let value: Value =
        serde_json::from_str(&text).map_err(|e| match unrepresentable(&text, &e) {
            Some((kind, position)) => Failure::Unrepresentable(kind, position),
            None => Failure::Malformed(position(&e), reason(&e)),
        })?;
    match big_integer(&text, &value) {
        Some(position) => Err(Failure::Unrepresentable(
            Unrepresentable::BigInteger,
            position,
        )),
        None => Ok(value),
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

fn decode_text<'a>(
    bytes: &'a [u8],
    encoding: &'static Encoding,
    base: usize,
) -> Result<Cow<'a, str>, Failure> {
    charset::decode_strict(bytes, encoding, base)
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

/// JSON's whitespace (RFC 8259 §2): space, tab, line feed, carriage return.
fn is_json_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// serde_json's error, when it is about a value Python's `json` accepts but [`Value`] cannot
/// hold, and where that value starts. serde_json's messages are the only way to tell; the
/// tests pin each one.
fn unrepresentable(text: &str, e: &serde_json::Error) -> Option<(Unrepresentable, Position)> {
    let at = byte_offset(text, e.line(), e.column())?;
    let (kind, start) = match reason(e).as_str() {
        "lone leading surrogate in hex escape" | "unexpected end of hex escape" => (
            Unrepresentable::LoneSurrogate,
            lone_surrogate_escape(text, at),
        ),
        "number out of range" => {
            let start =
                text[..at].rfind(|c: char| !matches!(c, '-' | '+' | '.' | 'e' | 'E' | '0'..='9'));
            (Unrepresentable::OutOfRange, start.map_or(0, |i| i + 1))
        }
        // Where `NaN` or `Infinity` starts a value, serde_json expects one; after `-`, a digit.
        "expected value" | "invalid number" => {
            let start = text[..at].rfind(|c| c != '-').map_or(0, |i| i + 1);
            let rest = &text[start..];
            if !["NaN", "Infinity", "-Infinity"]
                .iter()
                .any(|word| rest.starts_with(word))
            {
                return None;
            }
            (Unrepresentable::NonFinite, start)
        }
        _ => return None,
    };
    Some((kind, line_column(text, start)))
}

/// Where the `\uXXXX` escape of a lone surrogate starts, serde_json having stopped at `at`
/// (after it, or after the escape that should have been its other half).
fn lone_surrogate_escape(text: &str, at: usize) -> usize {
    let is_surrogate = |start: usize| {
        text.get(start + 2..start + 6)
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
            .is_some_and(|unit| (0xD800..=0xDFFF).contains(&unit))
    };
    let mut end = at;
    while let Some(start) = text[..end].rfind("\\u") {
        if is_surrogate(start) {
            return start;
        }
        end = start;
    }
    at
}

/// The byte serde_json stopped at: its column counts bytes, the offending one included.
fn byte_offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let at = line_start + column.checked_sub(1)?;
    text.is_char_boundary(at).then_some(at)
}

/// 1-based line and column (in bytes, as serde_json counts) of byte `at`.
fn line_column(text: &str, at: usize) -> Position {
    let before = &text.as_bytes()[..at];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    Position::LineColumn {
        line: 1 + before.iter().filter(|&&b| b == b'\n').count(),
        column: at - line_start + 1,
    }
}

/// Where the first integer literal that fits neither `i64` nor `u64` starts, if any:
/// serde_json reads one as the nearest `f64`, silently (`12345678901234567890123` becomes
/// `1.2345678901234568e22`), where Python keeps every digit. Only a float of at least 2^63
/// with no fraction can have come from one, so the text is scanned only when `value` holds
/// such a float.
fn big_integer(text: &str, value: &Value) -> Option<Position> {
    if !holds_integral_float_beyond_i64(value) {
        return None;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // Skip the string, escapes included; serde_json has checked it is closed.
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                let literal = &text[start..i];
                let integer = !literal.contains(['.', 'e', 'E']);
                let fits = literal.parse::<i64>().is_ok() || literal.parse::<u64>().is_ok();
                if integer && !fits {
                    return Some(line_column(text, start));
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// Whether `value` holds a float with no fraction and a magnitude of at least 2^63, walked
/// with an explicit stack (serde_json bounds nesting at 128, but the walk needs no recursion).
fn holds_integral_float_beyond_i64(value: &Value) -> bool {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Number(n)
                if n.as_f64()
                    .is_some_and(|f| n.is_f64() && f.abs() >= TWO_POW_63 && f.fract() == 0.0) =>
            {
                return true;
            }
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    false
}

/// serde_json reports line 0 for errors without a place (e.g. from `Value`); say line 1.
pub(crate) fn position(e: &serde_json::Error) -> Position {
    Position::LineColumn {
        line: e.line().max(1),
        column: e.column(),
    }
}

/// serde_json's message without its trailing " at line L column C", which `Position` says.
pub(crate) fn reason(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Position {
        Position::LineColumn { line, column }
    }

    #[test]
    fn empty_body_is_empty_object_and_blank_is_refused() -> Result<(), Failure> {
        assert_eq!(decode(b"", None)?, Value::Object(Map::new()));
        // json.loads(b" ") and json.loads(b"\xef\xbb\xbf") raise; Flask-OAuthlib passes them on.
        for blank in [&b" "[..], b" \r\n\t", b"\xEF\xBB\xBF", b"\xFF\xFE \0"] {
            assert!(
                matches!(decode(blank, None), Err(Failure::BlankJson)),
                "{blank:?}"
            );
        }
        // A form feed is not JSON whitespace: malformed, as in Python.
        assert!(matches!(decode(b"\x0C", None), Err(Failure::Malformed(..))));
        Ok(())
    }

    #[test]
    fn bom_and_charset() -> Result<(), Failure> {
        assert_eq!(decode(b"\xEF\xBB\xBF{\"a\":1}", None)?["a"], 1);
        assert_eq!(
            decode(b"{\"name\":\"Ren\xE9\"}", Some("latin1"))?["name"],
            "René"
        );
        assert!(matches!(
            decode(b"{}", Some("nope")),
            Err(Failure::UnknownCharset(c)) if c == "nope"
        ));
        Ok(())
    }

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
        ];
        for (codec, body) in bodies {
            // A charset saying otherwise does not matter, as json.loads never reads it.
            for charset in [None, Some("utf-8"), Some("utf-32")] {
                assert_eq!(decode(&body, charset)?["a"], "é😀", "{codec} {charset:?}");
            }
        }
        // Two bytes: `1` in UTF-16.
        assert_eq!(decode(b"1\0", None)?, 1);
        assert_eq!(decode(b"\x001", None)?, 1);
        Ok(())
    }

    #[test]
    fn broken_utf16_and_utf32_say_where() {
        assert!(matches!(
            decode(b"1\0\0\0\x002", None),
            Err(Failure::Malformed(Position::Byte(4), reason)) if reason.contains("multiple of 4")
        ));
        // 0x110000 is beyond Unicode.
        assert!(matches!(
            decode(b"1\0\0\0\0\0\x11\0", None),
            Err(Failure::Malformed(Position::Byte(4), reason)) if reason.contains("scalar")
        ));
        // A lone surrogate code unit in UTF-16 (Python's surrogatepass keeps it).
        assert!(matches!(
            decode(b"\"\0\x00\xD8\"\0", None),
            Err(Failure::Malformed(..))
        ));
    }

    #[test]
    fn malformed_says_line_and_column() {
        let err = decode(b"{\n  \"a\": 1,\n  \"b\": ]\n}", None);
        assert!(
            matches!(
                &err,
                Err(Failure::Malformed(Position::LineColumn { line: 3, column: 8 }, reason))
                    if reason == "expected value"
            ),
            "{err:?}"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(100_000);
        assert!(matches!(
            decode(deep.as_bytes(), None),
            Err(Failure::Malformed(_, reason)) if reason.contains("recursion limit")
        ));
    }

    /// Python's `json.loads` reads each of these (`nan`, `inf`, a str holding a surrogate, an
    /// int of any size, `inf` again); `serde_json::Value` holds none of them.
    #[test]
    fn what_value_cannot_hold_is_named_where_it_starts() {
        use Unrepresentable::*;
        let cases: [(&str, Unrepresentable, Position); 11] = [
            ("[1, NaN]", NonFinite, at(1, 5)),
            ("{\"x\":\n  Infinity}", NonFinite, at(2, 3)),
            ("[-Infinity]", NonFinite, at(1, 2)),
            (r#"{"s": "\ud800"}"#, LoneSurrogate, at(1, 8)),
            (r#"["\udc00"]"#, LoneSurrogate, at(1, 3)),
            (r#"["\ud83d x"]"#, LoneSurrogate, at(1, 3)),
            ("{\"id\": 12345678901234567890123}", BigInteger, at(1, 8)),
            (
                "[\"12345678901234567890123\",\n -9223372036854775809]",
                BigInteger,
                at(2, 2),
            ),
            (
                "{\"a\": [1e2, 18446744073709551616]}",
                BigInteger,
                at(1, 13),
            ),
            ("[1e400]", OutOfRange, at(1, 2)),
            (r#"["\ud800\u0041"]"#, LoneSurrogate, at(1, 3)),
        ];
        for (body, want_kind, want_position) in cases {
            match decode(body.as_bytes(), None) {
                Err(Failure::Unrepresentable(kind, position)) => {
                    assert_eq!((kind, position), (want_kind, want_position), "{body}");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn what_value_can_hold_is_kept() -> Result<(), Failure> {
        // The edges of the integer types, a paired surrogate escape, a large float written as
        // one, and look-alikes of NaN inside strings.
        let value = decode(
            br#"[18446744073709551615, -9223372036854775808, "\ud83d\ude00", 1e19, 1.5e300, "NaN 12345678901234567890123"]"#,
            None,
        )?;
        assert_eq!(value[0], u64::MAX);
        assert_eq!(value[1], i64::MIN);
        assert_eq!(value[2], "😀");
        assert_eq!(value[3], 1e19);
        assert_eq!(value[5], "NaN 12345678901234567890123");
        // A word that is not Python's either stays malformed.
        assert!(matches!(
            decode(b"[nan]", None),
            Err(Failure::Malformed(..))
        ));
        assert!(matches!(
            decode(b"[-Inf]", None),
            Err(Failure::Malformed(..))
        ));
        Ok(())
    }
}
