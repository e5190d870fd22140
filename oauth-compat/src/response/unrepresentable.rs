//! JSON values Python's `json.loads` reads and `serde_json::Value` cannot hold, found where
//! they start so decoding can refuse them by name instead of changing them.

use serde_json::Value;

use super::error::{Position, Unrepresentable};

/// serde_json's error, when it is about a value Python's `json` accepts but [`Value`] cannot
/// hold, and where that value starts. serde_json's messages are the only way to tell; the
/// tests pin each one.
pub(super) fn from_parse_error(
    text: &str,
    e: &serde_json::Error,
) -> Option<(Unrepresentable, Position)> {
    let at = byte_offset(text, e.line(), e.column())?;
    let (kind, start) = match super::json::reason(e).as_str() {
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
pub(super) fn big_integer(text: &str, value: &Value) -> Option<Position> {
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
