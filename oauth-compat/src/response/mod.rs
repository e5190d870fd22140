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
//! # Ok::<(), oauth_compat::response::Error>(())
//! ```
//!
//! Decoding is bounded for untrusted input: bodies over
//! [`DecodeOptions::max_body_bytes`] (4 MiB by default) are refused before parsing, XML
//! DOCTYPEs and entity declarations are refused, XML nesting stops at [`MAX_XML_DEPTH`] and
//! JSON nesting at serde_json's limit of 128, and every failure is a typed [`Error`] that
//! keeps the body and says where decoding stopped.

mod charset;
mod data;
mod decode;
mod error;
mod form;
mod json;
mod lenient;
mod media_type;
mod oauth_response;
mod options;
mod xml;

pub use data::Data;
pub use error::{Error, Position, RawBody};
pub use form::Form;
pub use media_type::{Format, MediaType};
pub use oauth_response::OAuthResponse;
pub use options::{DEFAULT_MAX_BODY_BYTES, DecodeOptions, ResponseKind};
pub use xml::{Element, MAX_DEPTH as MAX_XML_DEPTH};
