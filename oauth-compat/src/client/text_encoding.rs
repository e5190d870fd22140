//! The `encoding` of text request bodies (Flask-OAuthlib's `to_bytes(body, self.encoding)`):
//! a label in WHATWG or Python spelling (the response layer's table), and strict encoding
//! into it.

use encoding_rs::{EncoderResult, Encoding, UTF_8};

use super::ClientError;
use crate::response::encoding_for_label;

/// Encodes `text` strictly: a character `encoding` cannot represent is an error, as Python's
/// `str.encode` raises, not a silent `&#NNNN;` reference (the WHATWG encoders' replacement).
pub(crate) fn encode_text(encoding: &'static Encoding, text: &str) -> Result<Vec<u8>, ClientError> {
    if encoding == UTF_8 {
        return Ok(text.as_bytes().to_vec());
    }
    let mut encoder = encoding.new_encoder();
    let mut out = Vec::with_capacity(text.len());
    let mut read = 0;
    loop {
        let (result, consumed) =
            encoder.encode_from_utf8_to_vec_without_replacement(&text[read..], &mut out, true);
        read += consumed;
        match result {
            EncoderResult::InputEmpty => return Ok(out),
            // Single-byte encodings never need more than the UTF-8 length; others may.
            EncoderResult::OutputFull => out.reserve(text.len() - read + 16),
            EncoderResult::Unmappable(c) => {
                return Err(ClientError::UnencodableText {
                    encoding: encoding.name(),
                    offset: read - c.len_utf8(),
                });
            }
        }
    }
}

/// The encoding a label names, if text bodies can be encoded in it. The label is read by the
/// same table as a response's `charset` ([`encoding_for_label`]), so a label works in both
/// places or in neither.
pub(crate) fn text_encoding(label: &str) -> Result<&'static Encoding, ClientError> {
    let invalid = |why| ClientError::InvalidEncoding {
        label: label.to_owned(),
        why,
    };
    let encoding = encoding_for_label(label).ok_or_else(|| {
        invalid(
            "is not a known charset label (WHATWG Encoding Standard labels, or Python's codec \
             names and aliases: utf-8, latin-1, iso-8859-15, cp1251, shift_jis, gbk, ...)",
        )
    })?;
    // UTF-16 decodes only: its encoder writes UTF-8.
    if encoding.output_encoding() != encoding {
        return Err(invalid(
            "names an encoding request bodies cannot be encoded in (UTF-16 is decode-only)",
        ));
    }
    Ok(encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_encoded_strictly_in_the_encoding() {
        let latin1 = text_encoding("latin-1").map_err(|e| e.to_string());
        let Ok(latin1) = latin1 else {
            panic!("latin-1 is a label")
        };
        assert!(matches!(encode_text(latin1, "café"), Ok(b) if b == b"caf\xE9"));
        assert!(matches!(encode_text(UTF_8, "café"), Ok(b) if b == "café".as_bytes()));
        // "é" is two UTF-8 bytes, so "日" starts at byte 6.
        match encode_text(latin1, "café 日本") {
            Err(ClientError::UnencodableText {
                encoding: "windows-1252",
                offset: 6,
            }) => {}
            other => panic!("{other:?}"),
        }
        let Ok(sjis) = text_encoding("Shift_JIS") else {
            panic!("shift_jis is a label")
        };
        // Multi-byte output longer than the reserve still arrives whole.
        let long = "日本".repeat(100);
        assert!(matches!(encode_text(sjis, &long), Ok(b) if b.len() == 400));
    }

    #[test]
    fn unencodable_text_error_shows_no_text() {
        let Err(err) = encode_text(encoding_rs::WINDOWS_1252, "pass=秘密") else {
            panic!("unencodable")
        };
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains("秘密") && !shown.contains("pass"),
            "{shown}"
        );
        assert!(shown.contains("byte 5"), "{shown}");
    }

    #[test]
    fn encoding_labels_are_checked() {
        assert!(matches!(text_encoding(" UTF-8 "), Ok(e) if e == UTF_8));
        // Python's codec spellings of WHATWG labels.
        for (python, whatwg) in [
            ("latin-1", "windows-1252"),
            ("latin_1", "windows-1252"),
            ("utf_8", "UTF-8"),
            ("euc_jp", "EUC-JP"),
            ("shift-jis", "Shift_JIS"),
            ("iso8859_15", "ISO-8859-15"),
            // Aliases only Python's table knows, not a respelling of a WHATWG label.
            ("Latin 1", "windows-1252"),
            ("latin", "windows-1252"),
            ("cp936", "GBK"),
            ("mac_roman", "macintosh"),
        ] {
            assert!(
                matches!(text_encoding(python), Ok(e) if e.name() == whatwg),
                "{python}"
            );
        }
        match text_encoding("klingon-8") {
            Err(err @ ClientError::InvalidEncoding { .. }) => {
                assert!(err.to_string().contains("\"klingon-8\""), "{err}");
            }
            other => panic!("{other:?}"),
        }
        // Decode-only (UTF-16) and unsupported (ISO-2022-KR: WHATWG's "replacement").
        for decode_only in ["utf-16", "utf-16be", "iso-2022-kr"] {
            assert!(
                matches!(text_encoding(decode_only), Err(ClientError::InvalidEncoding { label, .. }) if label == decode_only),
                "{decode_only}"
            );
        }
    }
}
