//! The response layer's error: what failed, where, and the body it failed on.

use std::fmt;

use http::StatusCode;

use super::Format;

/// Where in a body decoding failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Position {
    /// 1-based line and column (JSON).
    LineColumn {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// 0-based byte offset into the (charset-decoded) body (form, XML).
    Byte(usize),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LineColumn { line, column } => write!(f, "line {line}, column {column}"),
            Self::Byte(offset) => write!(f, "byte {offset}"),
        }
    }
}

/// A response body kept inside an error.
///
/// `Debug` prints only its length: token responses carry secrets, and errors end up in logs.
/// Read the bytes through [`Deref`](std::ops::Deref) or [`DecodeError::body`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RawBody(pub Vec<u8>);

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawBody({} bytes)", self.0.len())
    }
}

impl std::ops::Deref for RawBody {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// Errors of the response layer.
///
/// Decoding errors keep the raw body, so a caller can log or inspect what the provider sent.
///
/// ```
/// use http::{HeaderMap, StatusCode};
/// use oauth_compat::response::{DecodeOptions, DecodeError, Format, OAuthResponse, Position};
///
/// let err = OAuthResponse::decode(StatusCode::OK, HeaderMap::new(), "{\"a\": }", &DecodeOptions::api())
///     .unwrap_err();
/// match &err {
///     DecodeError::Malformed { format: Format::Json, position: Position::LineColumn { line: 1, column }, .. } => {
///         assert_eq!(*column, 7);
///     }
///     other => panic!("unexpected {other}"),
/// }
/// assert_eq!(err.body(), Some(&b"{\"a\": }"[..]));
/// assert!(err.to_string().starts_with("malformed JSON response body at line 1, column 7"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The body is larger than [`DecodeOptions::max_body_bytes`](super::DecodeOptions).
    #[error(
        "response body is {size} bytes, over the {limit}-byte limit; raise \
         `DecodeOptions::max_body_bytes` if this provider really sends that much"
    )]
    BodyTooLarge {
        /// The body's size in bytes.
        size: usize,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// A forced `content_type` is not a media type.
    #[error(
        "invalid content type {value:?}: expected `type/subtype`, optionally followed by \
         `; name=value` parameters, e.g. \"application/json\""
    )]
    InvalidContentType {
        /// The value as given.
        value: String,
    },
    /// The content type (or an XML declaration) names a charset that is neither a WHATWG
    /// label nor a Python codec name with a WHATWG counterpart (see
    /// [the charset table](super#charsets)).
    #[error(
        "unknown or unsupported charset {charset:?} for a {format} response; a WHATWG \
         encoding label or a Python codec name (\"utf-8\", \"latin-1\", \"cp1251\", ..) is \
         expected; force a `content_type` without the charset to decode it as UTF-8"
    )]
    UnknownCharset {
        /// The charset as the content type gave it.
        charset: String,
        /// The format being decoded.
        format: Format,
        /// The undecoded body.
        body: RawBody,
    },
    /// The body is not well-formed in the format its content type names.
    #[error("malformed {format} response body at {position}: {reason}")]
    Malformed {
        /// The format being decoded.
        format: Format,
        /// Where decoding stopped.
        position: Position,
        /// What was wrong there.
        reason: String,
        /// The undecoded body.
        body: RawBody,
    },
    /// A JSON body that is blank: whitespace only, or only a byte-order mark. An empty body
    /// decodes as `{}`, as in Flask-OAuthlib; a blank one has no value, and `json.loads`
    /// refuses it there too.
    #[error(
        "the {content_type} response body is blank (only whitespace): it holds no JSON value; \
         an empty body decodes as {{}}, a blank one is refused as Python's json.loads refuses it"
    )]
    BlankJson {
        /// The content type the body was decoded as (the forced one, or the header's).
        content_type: String,
        /// The undecoded body.
        body: RawBody,
    },
    /// A well-formed JSON body holds a value Python's `json.loads` reads but
    /// [`serde_json::Value`] cannot hold; decoding it anyway would change it silently.
    #[error(
        "the JSON response body holds {kind} at {position}, which serde_json::Value cannot hold \
         (Python's json.loads reads it); parse `raw_data` (or this error's body) with a parser \
         that keeps it, or force another `content_type`"
    )]
    UnrepresentableJson {
        /// What the value is.
        kind: Unrepresentable,
        /// Where the value (or the escape) starts in the decoded text.
        position: Position,
        /// The undecoded body.
        body: RawBody,
    },
    /// An XML body declares a DOCTYPE (and with it, possibly entities): refused, since
    /// entity expansion from a remote server is a denial-of-service and disclosure risk.
    #[error(
        "XML response body refused at {position}: it contains a DOCTYPE declaration; DTDs and \
         entity declarations are never accepted from a remote server"
    )]
    XmlDoctype {
        /// Where the DOCTYPE starts.
        position: Position,
        /// The undecoded body.
        body: RawBody,
    },
    /// An XML body nests elements deeper than the decoder allows.
    #[error("XML response body nests elements deeper than {limit} levels at {position}")]
    XmlTooDeep {
        /// The nesting limit.
        limit: usize,
        /// The element that went past it.
        position: Position,
        /// The undecoded body.
        body: RawBody,
    },
    /// `resp.json::<T>()` could not build a `T` from the decoded data.
    #[error("cannot deserialize the {format} response body into `{target}`: {reason}")]
    Deserialize {
        /// The format the body was decoded as.
        format: Format,
        /// The Rust type asked for.
        target: &'static str,
        /// What did not fit.
        reason: String,
    },
    /// `raise_for_status()` on a 4xx or 5xx response.
    #[error("HTTP {status} ({class} error) from the provider")]
    Status {
        /// The response status.
        status: StatusCode,
        /// "client" for 4xx, "server" for 5xx.
        class: &'static str,
        /// The response body.
        body: RawBody,
    },
}

impl DecodeError {
    /// The response body this error was raised on, when it keeps one.
    pub fn body(&self) -> Option<&[u8]> {
        match self {
            Self::UnknownCharset { body, .. }
            | Self::Malformed { body, .. }
            | Self::BlankJson { body, .. }
            | Self::UnrepresentableJson { body, .. }
            | Self::XmlDoctype { body, .. }
            | Self::XmlTooDeep { body, .. }
            | Self::Status { body, .. } => Some(body),
            _ => None,
        }
    }
}

/// A JSON value Python's `json.loads` reads and [`serde_json::Value`] cannot hold
/// ([`DecodeError::UnrepresentableJson`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Unrepresentable {
    /// An integer that fits neither `i64` nor `u64` (`12345678901234567890123`): Python keeps
    /// every digit, serde_json would round it to the nearest `f64`. (serde_json's
    /// `arbitrary_precision` feature would keep it, but it changes `Value` for every crate in
    /// a build, so it stays off.)
    BigInteger,
    /// `NaN`, `Infinity` or `-Infinity`: not JSON (RFC 8259), but Python's `json` writes and
    /// reads them; `Value` has no non-finite number.
    NonFinite,
    /// A `\uD800`–`\uDFFF` escape without its other half: Python makes a `str` holding a
    /// lone surrogate, which a Rust `String` cannot hold.
    LoneSurrogate,
    /// A number beyond `f64`'s range (`1e400`): Python reads it as `inf`.
    OutOfRange,
}

impl fmt::Display for Unrepresentable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BigInteger => "an integer beyond 64 bits",
            Self::NonFinite => "NaN or Infinity",
            Self::LoneSurrogate => "a lone surrogate escape (half of a \\uD800-\\uDFFF pair)",
            Self::OutOfRange => "a number beyond the range of f64",
        })
    }
}

/// serde's message for [`DecodeError::Deserialize`], with the offending value cut out.
///
/// serde quotes what it could not use (`invalid type: string "S3CR3T", expected u64`), and
/// in a token response that is a secret, which must not reach logs through the error. Kept:
/// the kind of value (`string`, `integer`, `map`, ..), what was expected, and field names
/// (`missing field `id``), which are keys, not values. An unknown variant keeps what was
/// expected but not the variant read. Anything unrecognised keeps only the text before its
/// first `"` or backtick.
pub(crate) fn redact_reason(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            // The last separator: a quoted string value may itself contain ", expected ".
            let (unexpected, expected) = rest
                .rfind(EXPECTED)
                .map_or((rest, ""), |at| rest.split_at(at));
            let kind = before_quote(unexpected).trim_end();
            let kind = if kind.is_empty() { "a value" } else { kind };
            return format!("{prefix}{kind}{expected}");
        }
    }
    if ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .any(|prefix| message.starts_with(prefix))
    {
        return message.to_owned();
    }
    if message.starts_with("unknown variant `") {
        // The variant read is the body's value; the expected ones come from the type.
        let tail = [EXPECTED, ", there are no variants"]
            .iter()
            .find_map(|sep| message.rfind(sep))
            .map_or("", |at| &message[at..]);
        return format!("unknown variant{tail}");
    }
    match before_quote(message).trim_end() {
        "" => "the value does not fit the target type".to_owned(),
        kept => kept.to_owned(),
    }
}

/// serde's separator between what it found and what it wanted.
const EXPECTED: &str = ", expected ";

/// The text before the first `"` or backtick, where serde starts quoting a value.
fn before_quote(text: &str) -> &str {
    text.find(['"', '`']).map_or(text, |at| &text[..at])
}

/// A decoding failure before the body is attached; `decode.rs` turns it into an [`DecodeError`].
#[derive(Debug)]
pub(crate) enum Failure {
    UnknownCharset(String),
    Malformed(Position, String),
    BlankJson,
    Unrepresentable(Unrepresentable, Position),
    XmlDoctype(Position),
    XmlTooDeep(usize, Position),
}

impl Failure {
    /// The error for a body decoded as `format`, under `content_type` (the effective one).
    pub(crate) fn into_error(
        self,
        format: Format,
        content_type: &str,
        body: Vec<u8>,
    ) -> DecodeError {
        let body = RawBody(body);
        match self {
            Self::UnknownCharset(charset) => DecodeError::UnknownCharset {
                charset,
                format,
                body,
            },
            Self::Malformed(position, reason) => DecodeError::Malformed {
                format,
                position,
                reason,
                body,
            },
            Self::BlankJson => DecodeError::BlankJson {
                content_type: content_type.to_owned(),
                body,
            },
            Self::Unrepresentable(kind, position) => DecodeError::UnrepresentableJson {
                kind,
                position,
                body,
            },
            Self::XmlDoctype(position) => DecodeError::XmlDoctype { position, body },
            Self::XmlTooDeep(limit, position) => DecodeError::XmlTooDeep {
                limit,
                position,
                body,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_keeps_kind_and_expectation_but_not_the_value() {
        let cases = [
            (
                r#"invalid type: string "S3CR3T", expected u64"#,
                "invalid type: string, expected u64",
            ),
            (
                r#"invalid type: string "S3CR3T, expected x", expected u64"#,
                "invalid type: string, expected u64",
            ),
            (
                "invalid value: integer `-7`, expected u32",
                "invalid value: integer, expected u32",
            ),
            (
                "invalid type: floating point `2.5`, expected a string",
                "invalid type: floating point, expected a string",
            ),
            (
                "invalid type: integer `99` as i128, expected u8",
                "invalid type: integer, expected u8",
            ),
            (
                "invalid type: boolean `true`, expected a string",
                "invalid type: boolean, expected a string",
            ),
            (
                "invalid type: map, expected a sequence",
                "invalid type: map, expected a sequence",
            ),
            (
                "invalid type: sequence, expected struct Token",
                "invalid type: sequence, expected struct Token",
            ),
            (
                "invalid type: null, expected u64",
                "invalid type: null, expected u64",
            ),
            (r#"invalid type: string "S3CR3T""#, "invalid type: string"),
            (
                "missing field `access_token`",
                "missing field `access_token`",
            ),
            (
                "unknown field `extra`, expected `id` or `name`",
                "unknown field `extra`, expected `id` or `name`",
            ),
            ("duplicate field `id`", "duplicate field `id`"),
            (
                "unknown variant `S3CR3T`, expected `bearer` or `mac`",
                "unknown variant, expected `bearer` or `mac`",
            ),
            (
                "unknown variant `S3CR3T`, there are no variants",
                "unknown variant, there are no variants",
            ),
            (
                "invalid length 2, expected a tuple of size 3",
                "invalid length 2, expected a tuple of size 3",
            ),
            (r#"bad token "S3CR3T" here"#, "bad token"),
            ("bad token `S3CR3T`", "bad token"),
            (
                r#""S3CR3T" is not a date"#,
                "the value does not fit the target type",
            ),
        ];
        for (message, want) in cases {
            assert_eq!(redact_reason(message), want, "{message}");
        }
    }
}
