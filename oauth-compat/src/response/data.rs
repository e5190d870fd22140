//! `resp.data`: the decoded body, indexed like the Python dict it replaces.

use std::fmt;
use std::ops::Index;

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::error::Category;

use super::error::redact_reason;
use super::{DecodeError, Element, Form, Format};

/// The decoded body of an [`OAuthResponse`](super::OAuthResponse).
///
/// Every format is indexed through a JSON-like view ([`serde_json::Value`]): a JSON body is
/// that value; a form body is an object of each key's first value; an XML body is an object
/// of the root's children's `{tag: text}`; a text body is a string. Indexing never panics: a
/// missing key, a wrong type or an index out of range gives `Value::Null`, and indexing
/// `Null` gives `Null` again.
///
/// ```
/// use http::{HeaderMap, StatusCode};
/// use oauth_compat::response::{DecodeOptions, OAuthResponse};
///
/// let body = r#"[{"text": "hello", "user": {"screen_name": "ann"}}]"#;
/// let resp = OAuthResponse::decode(StatusCode::OK, HeaderMap::new(), body, &DecodeOptions::api())?;
/// assert_eq!(resp.data[0]["text"], "hello");
/// assert_eq!(resp.data[0]["user"]["screen_name"], "ann");
/// assert!(resp.data[7]["text"].is_null());          // out of range
/// assert!(resp.data["text"]["nested"].is_null());   // wrong type
/// assert_eq!(resp.data.get(0).and_then(|t| t.get("text")), Some(&"hello".into()));
/// assert_eq!(resp.data.get(1), None);
/// println!("{}", resp.data[0]["text"]);             // prints "hello", JSON-quoted
/// # Ok::<(), oauth_compat::response::DecodeError>(())
/// ```
///
/// `Debug` shows the format and the shape (an object's keys, an array's length, a text's
/// size), never a value: token responses carry secrets, and `{:?}` ends up in logs.
/// [`Display`](fmt::Display) prints the values, for when printing them is meant.
#[derive(Clone, PartialEq)]
pub struct Data {
    view: Value,
    body: Body,
}

/// What only the original format can say (repeated keys, attributes, element order).
/// Not `Debug`: [`Data`]'s own `Debug` says what may be said.
#[derive(Clone, PartialEq)]
enum Body {
    Json,
    Form(Form),
    Xml(Element),
    Text,
}

impl Data {
    pub(crate) fn from_json(value: Value) -> Self {
        Self {
            view: value,
            body: Body::Json,
        }
    }

    pub(crate) fn from_form(form: Form) -> Self {
        Self {
            view: form.to_value(),
            body: Body::Form(form),
        }
    }

    pub(crate) fn from_xml(root: Element) -> Self {
        Self {
            view: root.to_value(),
            body: Body::Xml(root),
        }
    }

    pub(crate) fn from_text(text: String) -> Self {
        Self {
            view: Value::String(text),
            body: Body::Text,
        }
    }

    /// Which decoder produced this data.
    pub fn format(&self) -> Format {
        match self.body {
            Body::Json => Format::Json,
            Body::Form(_) => Format::Form,
            Body::Xml(_) => Format::Xml,
            Body::Text => Format::Text,
        }
    }

    /// A key (`&str`) or index (`usize`), as Python's `dict.get`: `None` when absent.
    pub fn get<I: serde_json::value::Index>(&self, index: I) -> Option<&Value> {
        self.view.get(index)
    }

    /// The JSON-like view every format is indexed through.
    pub fn as_value(&self) -> &Value {
        &self.view
    }

    /// The JSON-like view, owned.
    pub fn into_value(self) -> Value {
        self.view
    }

    /// The form body with every pair, repeated keys included; `None` unless form.
    pub fn form(&self) -> Option<&Form> {
        match &self.body {
            Body::Form(form) => Some(form),
            _ => None,
        }
    }

    /// The XML root element; `None` unless XML.
    pub fn xml(&self) -> Option<&Element> {
        match &self.body {
            Body::Xml(root) => Some(root),
            _ => None,
        }
    }

    /// The body text; `None` unless the body was kept as text.
    pub fn text(&self) -> Option<&str> {
        match self.body {
            Body::Text => self.view.as_str(),
            _ => None,
        }
    }

    /// Deserializes into `T`: from the view, with form and XML strings parsed into the
    /// numbers and bools `T` asks for; a text body is parsed as JSON (what Authlib's
    /// `resp.json()` does whatever the content type).
    pub(crate) fn deserialize<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        // Every reason passes through `redact_reason` (serde quotes the offending value,
        // which may be a token) except serde_json's syntax and EOF messages, which are fixed
        // texts with backticked punctuation (`expected `,` or `}``) and never quote input.
        let error = |reason| DecodeError::Deserialize {
            format: self.format(),
            target: std::any::type_name::<T>(),
            reason,
        };
        let json_reason = |e: serde_json::Error| {
            let reason = match e.classify() {
                Category::Syntax | Category::Eof => super::json::reason(&e),
                Category::Data | Category::Io => redact_reason(&super::json::reason(&e)),
            };
            if e.line() > 0 {
                format!("{reason} at {}", super::json::position(&e))
            } else {
                reason
            }
        };
        match (&self.body, &self.view) {
            (Body::Text, Value::String(text)) => {
                serde_json::from_str(text).map_err(|e| error(json_reason(e)))
            }
            (Body::Form(_) | Body::Xml(_), Value::Object(map)) => {
                super::lenient::from_string_map(map)
                    .map_err(|e| error(redact_reason(&e.to_string())))
            }
            _ => T::deserialize(&self.view).map_err(|e| error(json_reason(e))),
        }
    }
}

impl<I: serde_json::value::Index> Index<I> for Data {
    type Output = Value;

    fn index(&self, index: I) -> &Value {
        &self.view[index]
    }
}

impl PartialEq<str> for Data {
    fn eq(&self, other: &str) -> bool {
        self.view == *other
    }
}

impl PartialEq<&str> for Data {
    fn eq(&self, other: &&str) -> bool {
        self.view == **other
    }
}

impl PartialEq<Value> for Data {
    fn eq(&self, other: &Value) -> bool {
        self.view == *other
    }
}

/// Text prints as itself; everything else as its JSON view.
impl fmt::Display for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.body, &self.view) {
            (Body::Text, Value::String(text)) => f.write_str(text),
            _ => fmt::Display::fmt(&self.view, f),
        }
    }
}

/// The format and shape only: see [`Data`].
impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Data");
        out.field("format", &self.format());
        match (&self.body, &self.view) {
            (Body::Text, Value::String(text)) => out.field("bytes", &text.len()),
            (_, Value::Object(map)) => out.field("keys", &map.keys().collect::<Vec<_>>()),
            (_, Value::Array(items)) => out.field("len", &items.len()),
            (_, Value::Null) => out.field("kind", &format_args!("null")),
            (_, Value::Bool(_)) => out.field("kind", &format_args!("boolean")),
            (_, Value::Number(_)) => out.field("kind", &format_args!("number")),
            (_, Value::String(_)) => out.field("kind", &format_args!("string")),
        };
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn missing_keys_wrong_types_and_ranges_are_null() {
        let data = Data::from_json(json!({"screen_name": "ann", "ids": [1, 2], "n": 3}));
        assert_eq!(data["screen_name"], "ann");
        assert_eq!(data["ids"][1], 2);
        assert!(data["missing"].is_null());
        assert!(data["missing"]["deeper"][3].is_null());
        assert!(data["ids"][99].is_null());
        assert!(data["n"]["x"].is_null());
        assert!(data[0].is_null());
        assert_eq!(data.get("n"), Some(&json!(3)));
        assert_eq!(data.get("missing"), None);
        assert_eq!(data.format(), Format::Json);
        assert!(data.form().is_none() && data.xml().is_none() && data.text().is_none());
    }

    #[test]
    fn text_compares_and_prints_as_itself() {
        let data = Data::from_text("hello \"world\"".to_owned());
        assert_eq!(data, "hello \"world\"");
        assert_eq!(data.to_string(), "hello \"world\"");
        assert_eq!(data.text(), Some("hello \"world\""));
        assert!(data["key"].is_null());
        assert!(data[0].is_null());
    }

    #[test]
    fn form_view_keeps_first_value() {
        let form: Form = [("k", "1"), ("k", "2")].into_iter().collect();
        let data = Data::from_form(form);
        assert_eq!(data["k"], "1");
        assert_eq!(
            data.form().map(|f| f.get_all("k").collect::<Vec<_>>()),
            Some(vec!["1", "2"])
        );
        assert_eq!(data.to_string(), r#"{"k":"1"}"#);
    }

    #[test]
    fn deserialize_reports_target_and_reason() {
        #[derive(Debug, serde::Deserialize)]
        struct User {
            #[allow(dead_code)]
            id: u64,
        }
        let err = Data::from_json(json!({"name": "x"})).deserialize::<User>();
        assert!(
            matches!(&err, Err(DecodeError::Deserialize { format: Format::Json, target, reason })
                if target.ends_with("User") && reason == "missing field `id`"),
            "{err:?}"
        );
        let text = Data::from_text("{\"id\": 5}".to_owned());
        assert!(matches!(text.deserialize::<User>(), Ok(User { id: 5 })));
        let err = Data::from_text("nope".to_owned()).deserialize::<User>();
        assert!(
            matches!(&err, Err(DecodeError::Deserialize { format: Format::Text, reason, .. })
                if reason.contains("at line 1, column")),
            "{err:?}"
        );
    }

    #[test]
    fn deserialize_errors_never_quote_the_value() {
        #[derive(Debug, serde::Deserialize)]
        struct Token {
            #[allow(dead_code)]
            expires_in: u64,
        }
        let json = Data::from_json(json!({"access_token": "x", "expires_in": "S3CR3T"}));
        let text = Data::from_text(r#"{"expires_in": "S3CR3T"}"#.to_owned());
        let xml = Data::from_xml(Element {
            tag: "r".into(),
            children: vec![Element {
                tag: "expires_in".into(),
                text: "S3CR3T".into(),
                ..Element::default()
            }],
            ..Element::default()
        });
        for (data, want) in [
            (json, "invalid type: string, expected u64"),
            (
                text,
                "invalid type: string, expected u64 at line 1, column 23",
            ),
            (xml, "invalid type: string, expected u64"),
        ] {
            let err = data.deserialize::<Token>();
            let Err(err @ DecodeError::Deserialize { .. }) = err else {
                panic!("{err:?}")
            };
            for shown in [err.to_string(), format!("{err:?}")] {
                assert!(!shown.contains("S3CR3T") && shown.contains(want), "{shown}");
            }
        }
        // Syntax errors are serde_json's fixed texts, backticks and all.
        let err = Data::from_text("{\"a\": 1 \"S3CR3T\"".to_owned()).deserialize::<Token>();
        assert!(
            matches!(&err, Err(DecodeError::Deserialize { reason, .. })
                if reason.starts_with("expected `,` or `}` at line 1") && !reason.contains("S3CR3T")),
            "{err:?}"
        );
    }

    #[test]
    fn debug_shows_shape_not_values() {
        let form: Form = [("oauth_token", "T0K"), ("oauth_token_secret", "S3CR3T")]
            .into_iter()
            .collect();
        let cases = [
            (
                Data::from_form(form),
                r#"Data { format: Form, keys: ["oauth_token", "oauth_token_secret"] }"#,
            ),
            (
                Data::from_json(json!({"access_token": "S3CR3T", "nested": {"T0K": 1}})),
                r#"Data { format: Json, keys: ["access_token", "nested"] }"#,
            ),
            (
                Data::from_json(json!(["S3CR3T", "T0K"])),
                "Data { format: Json, len: 2 }",
            ),
            (
                Data::from_json(json!("S3CR3T")),
                r#"Data { format: Json, kind: string }"#,
            ),
            (
                Data::from_text("S3CR3T T0K".to_owned()),
                "Data { format: Text, bytes: 10 }",
            ),
        ];
        for (data, want) in cases {
            assert_eq!(format!("{data:?}"), want);
            let pretty = format!("{data:#?}");
            assert!(
                !pretty.contains("S3CR3T") && !pretty.contains("T0K"),
                "{pretty}"
            );
        }
    }
}
