//! Deserializing form and XML views, whose values are all strings, into typed fields.
//!
//! A form token response says `expires_in=3600`; a user's `struct Token { expires_in: u64 }`
//! should read it, as Python code that calls `int(resp['expires_in'])` does. A string value
//! here parses into whatever number or bool the target asks for, and stays a string otherwise.

use serde::de::value::{Error, MapDeserializer};
use serde::de::{DeserializeOwned, Deserializer, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

/// Deserializes `T` from an object whose values are strings (other values read as `""`).
pub(crate) fn from_string_map<T: DeserializeOwned>(map: &Map<String, Value>) -> Result<T, Error> {
    let entries = map
        .iter()
        .map(|(k, v)| (k.as_str(), StrValue(v.as_str().unwrap_or_default())));
    T::deserialize(MapDeserializer::new(entries))
}

/// One string value that parses on demand.
struct StrValue<'a>(&'a str);

impl<'de> IntoDeserializer<'de, Error> for StrValue<'_> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Parses `$ty` from the string, or hands the visitor the string so that serde reports
/// "invalid type: string .., expected ..".
macro_rules! parse_or_str {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0.trim().parse::<$ty>() {
                Ok(parsed) => visitor.$visit(parsed),
                Err(_) => visitor.visit_str(self.0),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for StrValue<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(self.0)
    }

    parse_or_str! {
        deserialize_bool => visit_bool: bool,
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
        deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
    }

    /// A key that is present is `Some`, even when empty, as `dict.get` would say.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        IntoDeserializer::<Error>::into_deserializer(self.0)
            .deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum TokenType {
        Bearer,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Token {
        access_token: String,
        token_type: TokenType,
        expires_in: u64,
        refresh_token: Option<String>,
        scope: Option<String>,
        ratio: f64,
        admin: bool,
    }

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn strings_parse_into_typed_fields() {
        let view = map(json!({
            "access_token": "abc", "token_type": "bearer", "expires_in": "3600",
            "refresh_token": "", "ratio": "0.5", "admin": "false", "extra": "ignored"
        }));
        let token: Result<Token, _> = from_string_map(&view);
        assert!(
            matches!(&token, Ok(t) if *t == Token {
                access_token: "abc".into(),
                token_type: TokenType::Bearer,
                expires_in: 3600,
                refresh_token: Some(String::new()),
                scope: None,
                ratio: 0.5,
                admin: false,
            }),
            "{token:?}"
        );
    }

    #[test]
    fn unparsable_numbers_say_what_was_expected_but_not_the_value() {
        #[derive(Debug, Deserialize)]
        struct Expiry {
            #[allow(dead_code)]
            expires_in: u32,
        }
        // Through `Data`, which builds the error the caller sees: the form's value is
        // a stand-in for a secret and must not be echoed.
        let form: super::super::Form = [("expires_in", "S3CR3T")].into_iter().collect();
        let err = super::super::Data::from_form(form).deserialize::<Expiry>();
        let Err(err @ super::super::DecodeError::Deserialize { .. }) = err else {
            panic!("{err:?}")
        };
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains("S3CR3T"), "{shown}");
            assert!(
                shown.contains("invalid type: string, expected u32"),
                "{shown}"
            );
        }
    }
}
