//! JSON bodies, read as Python's `json.loads` reads the bytes Flask-OAuthlib hands it.

use serde_json::{Map, Value};

use super::error::{Failure, Position, Unrepresentable};
use super::json_encoding::json_text;
use super::unrepresentable;

/// Decodes a JSON body.
///
/// An empty body is `{}`, as Flask-OAuthlib returns for providers that answer with nothing
/// (`if not content: return {}`); a blank one (whitespace, or only a byte-order mark) is
/// [`Failure::BlankJson`], as `json.loads` refuses it. The text encoding is found as
/// `json.loads` finds it ([`json_text`]). A well-formed body holding what [`Value`] cannot
/// represent is [`Failure::Unrepresentable`], never a silently different value.
pub(crate) fn decode(body: &[u8], charset_label: Option<&str>) -> Result<Value, Failure> {
    if body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let text = json_text(body, charset_label)?;
    if text.bytes().all(is_json_whitespace) {
        return Err(Failure::BlankJson);
    }
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        match unrepresentable::from_parse_error(&text, &e) {
            Some((kind, position)) => Failure::Unrepresentable(kind, position),
            None => Failure::Malformed(position(&e), reason(&e)),
        }
    })?;
    match unrepresentable::big_integer(&text, &value) {
        Some(position) => Err(Failure::Unrepresentable(
            Unrepresentable::BigInteger,
            position,
        )),
        None => Ok(value),
    }
}

/// JSON's whitespace (RFC 8259 §2): space, tab, line feed, carriage return.
fn is_json_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
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
    fn bom_and_charset_reach_the_parser() -> Result<(), Failure> {
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
