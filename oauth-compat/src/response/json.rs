//! JSON bodies.

use serde_json::{Map, Value};

use super::charset;
use super::error::{Failure, Position};

/// Decodes a JSON body. An empty (or all-whitespace) body is `{}`, as Flask-OAuthlib returns
/// for providers that answer with nothing; a UTF-8 BOM is skipped; a non-UTF-8 `charset` is
/// honoured, although RFC 8259 requires UTF-8.
pub(crate) fn decode(body: &[u8], charset_label: Option<&str>) -> Result<Value, Failure> {
    let encoding = charset::lookup(charset_label)?;
    let body = charset::strip_utf8_bom(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let parsed = if encoding == encoding_rs::UTF_8 {
        serde_json::from_slice(body)
    } else {
        let text = charset::decode_strict(body, encoding, 0)?;
        serde_json::from_str(&text)
    };
    parsed.map_err(|e| Failure::Malformed(position(&e), reason(&e)))
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

    #[test]
    fn empty_body_is_empty_object() -> Result<(), Failure> {
        assert_eq!(decode(b"", None)?, Value::Object(Map::new()));
        assert_eq!(decode(b" \r\n", None)?, Value::Object(Map::new()));
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
}
