//! Provider responses: `resp.status`, `resp.data`.
//!
//! An [`OAuthResponse`] keeps the status, headers and raw body, and decodes the body by
//! content type the way Flask-OAuthlib's `parse_response` does: JSON (`application/json`,
//! `text/javascript`, `+json`), XML (`application/xml`, `text/xml`, `+xml`), urlencoded
//! forms (honouring `charset`), and text for anything else (a form, for token responses).
//! A forced content type (Flask-OAuthlib's `content_type=`) overrides the header.
//!
//! `resp.data` indexes like the Python dict it replaces, and never panics:
//!
//! ```
//! use http::{HeaderMap, StatusCode};
//! use oauth_compat::response::{DecodeOptions, OAuthResponse};
//!
//! let body = r#"{"screen_name": "twitterapi", "status": {"text": "hello"}}"#;
//! let resp = OAuthResponse::decode(StatusCode::OK, HeaderMap::new(), body, &DecodeOptions::api())?;
//! if resp.status == 200 {
//!     assert_eq!(resp.data["screen_name"], "twitterapi");
//!     assert_eq!(resp.data["status"]["text"], "hello");
//!     assert!(resp.data["no_such_key"][0]["text"].is_null());
//!     assert_eq!(resp.data.get("screen_name").and_then(|v| v.as_str()), Some("twitterapi"));
//! }
//! # Ok::<(), oauth_compat::response::DecodeError>(())
//! ```
//!
//! # JSON, as `json.loads` reads it
//!
//! Flask-OAuthlib hands the body's bytes to `json.loads`, and so the text encoding is found
//! as Python's `json.detect_encoding` finds it: a UTF-8, UTF-16 or UTF-32 byte-order mark,
//! else the pattern of NUL bytes UTF-16 and UTF-32 leave around ASCII. Only when neither says
//! anything does the `charset` decide (`json.loads` never reads it), then UTF-8. An empty body
//! is `{}`, as in Flask-OAuthlib; a blank one is [`DecodeError::BlankJson`]. What
//! [`serde_json::Value`] cannot hold although `json.loads` reads it (integers beyond 64 bits,
//! `NaN` and `Infinity`, lone surrogate escapes, numbers beyond `f64`) is
//! [`DecodeError::UnrepresentableJson`] naming what and where, never a silently different value:
//!
//! ```
//! use http::{HeaderMap, StatusCode};
//! use oauth_compat::response::{DecodeOptions, DecodeError, OAuthResponse, Unrepresentable};
//!
//! let decode = |body: &[u8]| {
//!     OAuthResponse::decode(StatusCode::OK, HeaderMap::new(), body.to_vec(), &DecodeOptions::api())
//! };
//! // UTF-16, as json.loads detects it.
//! let utf16: Vec<u8> = r#"{"id": 7}"#.encode_utf16().flat_map(u16::to_le_bytes).collect();
//! assert_eq!(decode(&utf16)?.data["id"], 7);
//! // serde_json would read this as 1.2345678901234568e22.
//! let err = decode(br#"{"id": 12345678901234567890123}"#).unwrap_err();
//! assert!(matches!(err, DecodeError::UnrepresentableJson { kind: Unrepresentable::BigInteger, .. }));
//! assert!(matches!(decode(b"  \n"), Err(DecodeError::BlankJson { .. })));
//! assert_eq!(decode(b"")?.data, serde_json::json!({}));
//! # Ok::<(), DecodeError>(())
//! ```
//!
//! # XML encodings
//!
//! An XML body's encoding is its byte-order mark, else the header's `charset`, else its
//! `<?xml encoding=".."?>` declaration, else UTF-8: RFC 7303 §3.2's order. Python's
//! ElementTree, which Flask-OAuthlib used, never saw the header.
//!
//! # Charsets
//!
//! A `charset` parameter, an XML declaration's `encoding` and the client's `encoding` setting
//! are read by one table: the WHATWG Encoding Standard's labels, as servers and browsers send
//! them, and Python's codec names and aliases, as ported settings and Python-built providers
//! spell them (case, `-`, `_` and spaces as freely as Python takes them). Each names one of
//! the WHATWG encodings:
//!
//! | labels (examples) | encoding |
//! |---|---|
//! | `utf-8`, `utf8`, `u8`, `utf_8_sig` | UTF-8 |
//! | `latin-1`, `latin1`, `iso-8859-1`, `iso8859-1`, `l1`, `cp819`, `ascii`, `us-ascii`, `cp1252` | windows-1252 |
//! | `iso-8859-9`, `latin5`, `cp1254` | windows-1254 |
//! | `iso8859_11`, `tis-620`, `cp874` | windows-874 |
//! | `gbk`, `gb2312`, `cp936` | GBK |
//! | `shift_jis`, `sjis`, `cp932` | Shift_JIS |
//! | `euc-kr`, `cp949`, `ks_c_5601-1987` | EUC-KR |
//! | `big5`, `big5hkscs`, `cp950` | Big5 |
//! | `utf-16`, `utf-16le`; `utf-16be` | UTF-16LE; UTF-16BE (decoding only) |
//! | the other `iso-8859-N`, `windows-125N` / `cp125N`, `koi8-r`, `koi8-u`, `mac_roman`, `mac_cyrillic`, `euc-jp`, `iso-2022-jp`, `gb18030` | the encoding of that name |
//!
//! Where Python's codec is a subset of the WHATWG encoding (latin-1 and ascii of
//! windows-1252, gb2312 of GBK, ...), the two read alike except for bytes the smaller codec
//! leaves undefined: Python's latin-1 reads 0x80–0x9F as C1 controls, windows-1252 as `€`,
//! `‚`, .... Encodings with no WHATWG counterpart (`utf-32`, `utf-7`, the DOS and EBCDIC code
//! pages, `iso-2022-kr`, `hz-gb-2312`) are [`DecodeError::UnknownCharset`].
//!
//! ```
//! use http::{HeaderMap, StatusCode, header};
//! use oauth_compat::response::{DecodeOptions, OAuthResponse};
//!
//! let mut headers = HeaderMap::new();
//! headers.insert(header::CONTENT_TYPE, "application/x-www-form-urlencoded; charset=latin-1".parse()?);
//! let resp = OAuthResponse::decode(StatusCode::OK, headers, b"name=Ren%E9".to_vec(), &DecodeOptions::api())?;
//! assert_eq!(resp.data["name"], "René");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Decoding is bounded for untrusted input: bodies over
//! [`DecodeOptions::max_body_bytes`] (4 MiB by default) are refused before parsing, XML
//! DOCTYPEs and entity declarations are refused, XML nesting stops at [`MAX_XML_DEPTH`] and
//! JSON nesting at serde_json's limit of 128, and every failure is a typed [`DecodeError`] that
//! keeps the body and says where decoding stopped.

mod charset;
mod data;
mod decode;
mod encoding_label;
mod error;
mod form;
mod json;
mod json_encoding;
mod lenient;
mod media_type;
mod oauth_response;
mod options;
mod unrepresentable;
mod xml;

pub use data::Data;
pub(crate) use encoding_label::encoding_for_label;
pub use error::{DecodeError, Position, RawBody, Unrepresentable};
pub use form::Form;
pub use media_type::{Format, MediaType};
pub use oauth_response::OAuthResponse;
pub use options::{DEFAULT_MAX_BODY_BYTES, DecodeOptions, ResponseKind};
pub use xml::{Element, MAX_DEPTH as MAX_XML_DEPTH};
