//! The `Authorization: OAuth ...` header (RFC 5849 §3.5.1): formatting and a strict parser.
//!
//! ```
//! use oauth_compat::oauth1::{AuthorizationHeader, parse_authorization_header};
//! let parsed = parse_authorization_header(br#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_nonce="a%20b""#)
//!     .unwrap()
//!     .expect("an OAuth header");
//! assert_eq!(parsed.realm.as_deref(), Some("Photos"));
//! assert_eq!(parsed.get("oauth_nonce"), Some("a b"));
//! assert_eq!(parse_authorization_header(parsed.to_header_value().unwrap().as_bytes()).unwrap(), Some(parsed));
//! // Another scheme is not an error here, just not OAuth.
//! assert_eq!(parse_authorization_header(b"Bearer abc").unwrap(), None);
//! ```

use std::collections::HashSet;
use std::fmt;

use super::SignatureError;
use super::encode::{decode_component, percent_encode_into};
use super::params::ParameterBudget;

/// A parsed `Authorization: OAuth` header: the `realm` apart, then every other parameter,
/// percent-decoded, in the order sent.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct AuthorizationHeader {
    /// The `realm` parameter (never signed).
    pub realm: Option<String>,
    /// The other parameters (normally all `oauth_*`), decoded, in order, each name at most once.
    pub params: Vec<(String, String)>,
}

impl fmt::Debug for AuthorizationHeader {
    // The signature is a credential-derived value: keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str(),
                    if n == "oauth_signature" {
                        "[redacted]"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("AuthorizationHeader")
            .field("realm", &self.realm)
            .field("params", &params)
            .finish()
    }
}

impl AuthorizationHeader {
    /// The value of parameter `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Formats the header value (see [`format_authorization_header`]).
    pub fn to_header_value(&self) -> Result<String, SignatureError> {
        format_authorization_header(
            self.realm.as_deref(),
            self.params.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        )
    }
}

/// Formats `OAuth realm="..", name="value", ...`: names and values percent-encoded (§3.5.1),
/// separated by `", "`. The realm is an RFC 2617 quoted-string, as §3.5.1 defines it: written as
/// is, with `"` and `\` escaped by a backslash. A realm with an ASCII control character other than
/// tab cannot be sent in a header: [`SignatureError::InvalidParameter`] naming `realm`.
pub fn format_authorization_header<'a>(
    realm: Option<&str>,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<String, SignatureError> {
    let mut out = String::with_capacity(256);
    out.push_str("OAuth");
    let mut first = true;
    if let Some(realm) = realm {
        out.push_str(" realm=\"");
        push_realm(&mut out, realm)?;
        out.push('"');
        first = false;
    }
    for (name, value) in params {
        out.push_str(if first { " " } else { ", " });
        first = false;
        push_param(&mut out, name, value);
    }
    Ok(out)
}

/// Appends `realm` as the inside of a quoted-string (RFC 2617 §1.2, RFC 9110 §5.6.4).
pub(crate) fn push_realm(out: &mut String, realm: &str) -> Result<(), SignatureError> {
    for c in realm.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push(c),
            // Only ASCII controls are barred from a header: bytes beyond ASCII (the UTF-8 of a
            // C1 control included) are obs-text, which the parser accepts too.
            c if c.is_ascii_control() => {
                return Err(SignatureError::InvalidParameter {
                    name: "realm",
                    reason: "it holds a control character, which an HTTP header cannot carry",
                });
            }
            c => out.push(c),
        }
    }
    Ok(())
}

pub(crate) fn push_param(out: &mut String, name: &str, value: &str) {
    percent_encode_into(out, name);
    out.push_str("=\"");
    percent_encode_into(out, value);
    out.push('"');
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Parses an `Authorization` header value strictly.
///
/// Returns `Ok(None)` when the scheme is not `OAuth` (compared case-insensitively), whatever
/// follows it, so a provider can tell "not OAuth" from "broken OAuth". Within an OAuth header:
/// `name="value"` pairs separated by commas with optional spaces or tabs around them, values in
/// double quotes and percent-decoded strictly, no parameter twice (not even `realm`). `realm` is
/// a quoted-string (§3.5.1 takes it from RFC 2617): backslash escapes are undone, nothing is
/// percent-decoded, and bytes beyond ASCII must be UTF-8.
pub fn parse_authorization_header(
    value: &[u8],
) -> Result<Option<AuthorizationHeader>, SignatureError> {
    parse_authorization_header_within(value, &mut ParameterBudget::unlimited())
}

/// [`parse_authorization_header`], spending one unit of `budget` per parameter (`realm`
/// included) before decoding it: a header of more parameters than the provider accepts is
/// refused with [`SignatureError::TooManyParameters`] without allocating for the rest.
pub(crate) fn parse_authorization_header_within(
    value: &[u8],
    budget: &mut ParameterBudget,
) -> Result<Option<AuthorizationHeader>, SignatureError> {
    let malformed =
        |reason, offset| SignatureError::MalformedAuthorizationHeader { reason, offset };
    let mut i = 0;
    while i < value.len() && is_ows(value[i]) {
        i += 1;
    }
    let scheme_start = i;
    while i < value.len() && is_tchar(value[i]) {
        i += 1;
    }
    if !value[scheme_start..i].eq_ignore_ascii_case(b"OAuth") {
        return Ok(None);
    }
    if i < value.len() && !is_ows(value[i]) {
        return Err(malformed("expected a space after the scheme", i));
    }
    let mut header = AuthorizationHeader::default();
    // Names seen so far (`realm` included): a set, so a long header stays linear.
    let mut seen = HashSet::new();
    let skip_ows = |i: &mut usize| {
        while *i < value.len() && is_ows(value[*i]) {
            *i += 1;
        }
    };
    skip_ows(&mut i);
    if i == value.len() {
        return Ok(Some(header));
    }
    loop {
        let name_start = i;
        while i < value.len() && is_tchar(value[i]) {
            i += 1;
        }
        if i == name_start {
            return Err(malformed("expected a parameter name", i));
        }
        let raw_name = &value[name_start..i];
        if value.get(i) != Some(&b'=') {
            return Err(malformed("expected `=` after the parameter name", i));
        }
        i += 1;
        if value.get(i) != Some(&b'"') {
            return Err(malformed("expected a double-quoted value", i));
        }
        i += 1;
        let is_realm = raw_name == b"realm";
        // The realm's bytes with escapes undone; other values are borrowed as they stand.
        let mut realm = Vec::new();
        let value_start = i;
        while i < value.len() && value[i] != b'"' {
            let b = value[i];
            if is_realm {
                let b = if b == b'\\' {
                    i += 1;
                    match value.get(i) {
                        Some(&escaped) => escaped,
                        None => return Err(malformed("unterminated quoted value", i)),
                    }
                } else {
                    b
                };
                if b != b'\t' && (b < 0x20 || b == 0x7F) {
                    return Err(malformed("control character in the realm", i));
                }
                realm.push(b);
            } else if !(0x20..=0x7E).contains(&b) || b == b'\\' {
                return Err(malformed(
                    "values must be percent-encoded printable ASCII",
                    i,
                ));
            }
            i += 1;
        }
        if i == value.len() {
            return Err(malformed("unterminated quoted value", i));
        }
        let raw_value = &value[value_start..i];
        i += 1;

        budget.spend(1)?;
        let name = decode_component(raw_name, false, "an Authorization header parameter name")?
            .into_owned();
        if !seen.insert(name.clone()) {
            return Err(SignatureError::DuplicateParameter { name });
        }
        if is_realm {
            header.realm =
                Some(
                    String::from_utf8(realm).map_err(|_| SignatureError::InvalidUtf8 {
                        within: "the Authorization header realm".to_owned(),
                    })?,
                );
        } else {
            let decoded = decode_component(
                raw_value,
                false,
                &format!("the Authorization header parameter `{name}`"),
            )?
            .into_owned();
            header.params.push((name, decoded));
        }

        skip_ows(&mut i);
        if i == value.len() {
            return Ok(Some(header));
        }
        if value[i] != b',' {
            return Err(malformed("expected `,` between parameters", i));
        }
        i += 1;
        skip_ows(&mut i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Option<AuthorizationHeader>, SignatureError> {
        parse_authorization_header(s.as_bytes())
    }

    #[test]
    fn parses_rfc_example() {
        let h = parse(
            "OAuth realm=\"Example\",\n oauth_consumer_key=\"jd83jd92dhsh93js\""
                .replace('\n', "")
                .as_str(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(h.realm.as_deref(), Some("Example"));
        assert_eq!(
            h.params,
            [(
                "oauth_consumer_key".to_owned(),
                "jd83jd92dhsh93js".to_owned()
            )]
        );
    }

    #[test]
    fn scheme_case_insensitive_and_whitespace() {
        let h = parse("oauth  a=\"1\" ,\tb=\"%2F\",c=\"\"")
            .unwrap()
            .unwrap();
        assert_eq!(h.get("b"), Some("/"));
        assert_eq!(h.get("c"), Some(""));
        assert_eq!(
            parse("OAUTH").unwrap(),
            Some(AuthorizationHeader::default())
        );
    }

    #[test]
    fn other_schemes_are_none() {
        assert_eq!(parse("Basic dXNlcjpwYXNz").unwrap(), None);
        assert_eq!(parse("Bearer abc.def").unwrap(), None);
        assert_eq!(parse("OAuthX a=\"1\"").unwrap(), None);
        // Whatever follows another scheme, and an empty value, are "not OAuth", not errors.
        for other in ["", "   ", "Bearer,x", "Basic=abc", "\"OAuth\" a=\"1\""] {
            assert_eq!(parse(other).unwrap(), None, "{other:?}");
        }
    }

    #[test]
    fn malformed_inputs() {
        for bad in [
            "OAuth a=1",
            "OAuth a=\"1",
            "OAuth a=\"1\",",
            "OAuth a=\"1\" b=\"2\"",
            "OAuth =\"1\"",
            "OAuth a = \"1\"",
            "OAuth a=\"%zz\"",
            "OAuth a=\"\\\"\"",
            "OAuth,a=\"1\"",
            "OAuth\"",
        ] {
            assert!(
                matches!(
                    parse(bad),
                    Err(SignatureError::MalformedAuthorizationHeader { .. }
                        | SignatureError::InvalidPercentEncoding { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(parse_authorization_header(b"OAuth a=\"\xff\"").is_err());
    }

    #[test]
    fn duplicates_rejected_with_name() {
        match parse("OAuth oauth_nonce=\"a\", oauth_nonce=\"b\"") {
            Err(SignatureError::DuplicateParameter { name }) => assert_eq!(name, "oauth_nonce"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("OAuth realm=\"a\", realm=\"b\""),
            Err(SignatureError::DuplicateParameter { .. })
        ));
    }

    #[test]
    fn round_trip_with_odd_realm_and_values() {
        let h = AuthorizationHeader {
            realm: Some("a \"quoted\" 100% é".to_owned()),
            params: vec![
                ("oauth_x".to_owned(), "v=1&é\"".to_owned()),
                ("oauth_y".to_owned(), String::new()),
            ],
        };
        let value = h.to_header_value().unwrap();
        assert!(
            value.starts_with(r#"OAuth realm="a \"quoted\" 100% é", oauth_x="v%3D1%26%C3%A9%22""#),
            "{value}"
        );
        assert_eq!(parse(&value).unwrap(), Some(h));
    }

    #[test]
    fn realm_is_a_quoted_string_not_percent_encoded() {
        // What oauthlib and Authlib send: the realm as is (RFC 5849 §3.5.1, RFC 2617).
        let h = parse(r#"OAuth realm="100% sure", oauth_nonce="n""#)
            .unwrap()
            .unwrap();
        assert_eq!(h.realm.as_deref(), Some("100% sure"));
        let h = parse(r#"OAuth realm="a\"b\\c""#).unwrap().unwrap();
        assert_eq!(h.realm.as_deref(), Some(r#"a"b\c"#));
        assert!(matches!(
            parse("OAuth realm=\"a\u{1}b\""),
            Err(SignatureError::MalformedAuthorizationHeader { .. })
        ));
        assert!(matches!(
            parse_authorization_header(b"OAuth realm=\"\xff\""),
            Err(SignatureError::InvalidUtf8 { .. })
        ));
        assert!(matches!(
            format_authorization_header(Some("line\nbreak"), []),
            Err(SignatureError::InvalidParameter { name: "realm", .. })
        ));
    }

    #[test]
    fn realm_with_a_c1_control_round_trips() {
        // Found by cargo-fuzz: U+0093 arrives as the obs-text bytes C2 93, which the parser
        // accepts; formatting must accept it too.
        let h = parse("\tOaUtH\trealm=\"a\u{93}b\"").unwrap().unwrap();
        assert_eq!(h.realm.as_deref(), Some("a\u{93}b"));
        assert_eq!(parse(&h.to_header_value().unwrap()).unwrap(), Some(h));
    }

    #[test]
    fn non_oauth_parameters_are_kept_in_order() {
        let h = parse(r#"OAuth oauth_consumer_key="k", x="y%20z""#)
            .unwrap()
            .unwrap();
        assert_eq!(h.params[1], ("x".to_owned(), "y z".to_owned()));
    }

    #[test]
    fn a_budget_bounds_the_parameters_parsed() {
        let header = br#"OAuth realm="r", a="1", b="2""#;
        let mut budget = ParameterBudget::new(3);
        assert!(parse_authorization_header_within(header, &mut budget).is_ok());
        let mut budget = ParameterBudget::new(2);
        assert!(matches!(
            parse_authorization_header_within(header, &mut budget),
            Err(SignatureError::TooManyParameters { limit: 2 })
        ));
    }

    #[test]
    fn debug_hides_signature() {
        let h = parse("OAuth oauth_signature=\"c2VjcmV0\"")
            .unwrap()
            .unwrap();
        assert!(!format!("{h:?}").contains("c2VjcmV0"));
    }
}
