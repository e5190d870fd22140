//! Media types (`type/subtype; name=value`), parsed the way HTTP defines them (RFC 9110 §8.3.1).

use std::fmt;
use std::str::FromStr;

use super::DecodeError;

/// The decoder a media type selects, as Flask-OAuthlib's `parse_response` chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// `application/json`, `text/javascript`, or any `+json` suffix.
    Json,
    /// `application/xml`, `text/xml`, or any `+xml` suffix.
    Xml,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Anything else, kept as text.
    Text,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Json => "JSON",
            Self::Xml => "XML",
            Self::Form => "form",
            Self::Text => "text",
        })
    }
}

/// A parsed media type such as `application/json; charset=UTF-8`.
///
/// Type, subtype and parameter names are lowercased, since they compare case-insensitively;
/// parameter values keep their case, with quoted strings unquoted.
///
/// ```
/// use oauth_compat::response::{Format, MediaType};
///
/// let mt: MediaType = "Application/JSON; charset=\"UTF-8\"".parse()?;
/// assert_eq!(mt.essence(), "application/json");
/// assert_eq!(mt.param("Charset"), Some("UTF-8"));
/// assert_eq!(mt.format(), Format::Json);
/// assert_eq!("application/vnd.github+json".parse::<MediaType>()?.format(), Format::Json);
/// # Ok::<(), oauth_compat::response::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    /// `type/subtype`, lowercased.
    essence: String,
    /// Where `/` sits in `essence`.
    slash: usize,
    params: Vec<(String, String)>,
}

impl MediaType {
    /// Parses a `Content-Type` value.
    ///
    /// A list of types (`application/json, text/plain`, as a server that sends the header
    /// twice, or a proxy that joins it, produces) is read up to its first comma outside a
    /// quoted string: the first type and its own parameters decide, as Werkzeug's
    /// `parse_options_header` (which Flask-OAuthlib calls) read it through 2.2. (From 2.3 it
    /// keeps the whole list as the type, which matches none of Flask-OAuthlib's decoders.)
    ///
    /// ```
    /// use oauth_compat::response::{Format, MediaType};
    ///
    /// let listed = MediaType::parse("application/json; charset=utf-8, text/plain")?;
    /// assert_eq!((listed.essence(), listed.charset()), ("application/json", Some("utf-8")));
    /// assert_eq!(listed.format(), Format::Json);
    /// # Ok::<(), oauth_compat::response::DecodeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidContentType`] when the value is not `type/subtype` made of HTTP tokens.
    /// Malformed parameters are skipped, as browsers and werkzeug skip them.
    pub fn parse(value: &str) -> Result<Self, DecodeError> {
        let invalid = || DecodeError::InvalidContentType {
            value: value.to_owned(),
        };
        let first = first_of_list(value);
        let (essence, rest) = first.split_once(';').unwrap_or((first, ""));
        let essence = essence.trim_matches(is_ows);
        let (kind, subtype) = essence.split_once('/').ok_or_else(invalid)?;
        if !is_token(kind) || !is_token(subtype) {
            return Err(invalid());
        }
        Ok(Self {
            essence: essence.to_ascii_lowercase(),
            slash: kind.len(),
            params: parse_params(rest),
        })
    }

    /// `application/json`: the type a body without a `Content-Type` is decoded as.
    pub fn json() -> Self {
        Self {
            essence: "application/json".to_owned(),
            slash: "application".len(),
            params: Vec::new(),
        }
    }

    /// `type/subtype`, lowercased, without parameters.
    pub fn essence(&self) -> &str {
        &self.essence
    }

    /// The top-level type, e.g. `application`.
    pub fn type_(&self) -> &str {
        &self.essence[..self.slash]
    }

    /// The subtype, e.g. `vnd.github+json`.
    pub fn subtype(&self) -> &str {
        &self.essence[self.slash + 1..]
    }

    /// The structured-syntax suffix (RFC 6839), e.g. `json` for `application/ld+json`.
    pub fn suffix(&self) -> Option<&str> {
        self.subtype().rsplit_once('+').map(|(_, suffix)| suffix)
    }

    /// A parameter's value; the name compares case-insensitively.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The `charset` parameter, if any.
    pub fn charset(&self) -> Option<&str> {
        self.param("charset")
    }

    /// All parameters in order, names lowercased.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Which decoder this type selects.
    pub fn format(&self) -> Format {
        match (self.essence.as_str(), self.suffix()) {
            ("application/json" | "text/javascript", _) | (_, Some("json")) => Format::Json,
            ("application/xml" | "text/xml", _) | (_, Some("xml")) => Format::Xml,
            ("application/x-www-form-urlencoded", _) => Format::Form,
            _ => Format::Text,
        }
    }
}

impl FromStr for MediaType {
    type Err = DecodeError;

    fn from_str(value: &str) -> Result<Self, DecodeError> {
        Self::parse(value)
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.essence)?;
        for (name, value) in &self.params {
            if is_token(value) {
                write!(f, "; {name}={value}")?;
            } else {
                f.write_str("; ")?;
                f.write_str(name)?;
                f.write_str("=\"")?;
                for c in value.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")?;
            }
        }
        Ok(())
    }
}

/// The first element of a comma-separated header value: up to the first `,` that is not
/// inside a quoted string.
fn first_of_list(value: &str) -> &str {
    // Nearly every value is one type: no scan past a memchr for the comma.
    if !value.contains(',') {
        return value;
    }
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => return &value[..i],
            _ => {}
        }
    }
    value
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// RFC 9110 `token`: one or more `tchar`.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `*( OWS ";" OWS [ name "=" ( token / quoted-string ) ] )`, skipping malformed entries.
fn parse_params(mut rest: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c| is_ows(c) || c == ';');
        if rest.is_empty() {
            return params;
        }
        let name_end = rest.find(['=', ';']).unwrap_or(rest.len());
        let name = rest[..name_end].trim_matches(is_ows);
        rest = &rest[name_end..];
        let Some(after_eq) = rest.strip_prefix('=') else {
            continue; // a name without `=`: skip it
        };
        let after_eq = after_eq.trim_start_matches(is_ows);
        let value;
        if let Some(quoted) = after_eq.strip_prefix('"') {
            let (unquoted, consumed) = unquote(quoted);
            value = unquoted;
            rest = &quoted[consumed..];
            // Anything between the closing quote and the next `;` is junk.
            rest = rest.find(';').map_or("", |i| &rest[i..]);
        } else {
            let end = after_eq.find(';').unwrap_or(after_eq.len());
            value = after_eq[..end].trim_end_matches(is_ows).to_owned();
            rest = &after_eq[end..];
        }
        if is_token(name) {
            params.push((name.to_ascii_lowercase(), value));
        }
    }
}

/// Reads a quoted-string body (after the opening quote): the value and the bytes consumed,
/// closing quote included. An unterminated string runs to the end.
fn unquote(s: &str) -> (String, usize) {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (value, i + 1),
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    value.push(escaped);
                }
            }
            _ => value.push(c),
        }
    }
    (value, s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(value: &str) -> Format {
        match MediaType::parse(value) {
            Ok(mt) => mt.format(),
            Err(e) => panic!("{value:?} should parse: {e}"),
        }
    }

    #[test]
    fn json_types() {
        assert_eq!(format("application/json"), Format::Json);
        assert_eq!(format("text/javascript"), Format::Json);
        assert_eq!(format("application/JSON; charset=UTF-8"), Format::Json);
        assert_eq!(format("application/vnd.github.v3+json"), Format::Json);
        assert_eq!(format("application/problem+JSON"), Format::Json);
        assert_eq!(format("  Text/JavaScript ;charset=utf-8"), Format::Json);
    }

    #[test]
    fn xml_types() {
        assert_eq!(format("application/xml"), Format::Xml);
        assert_eq!(format("text/xml; charset=iso-8859-1"), Format::Xml);
        assert_eq!(format("application/atom+xml"), Format::Xml);
        assert_eq!(format("APPLICATION/RSS+XML"), Format::Xml);
    }

    #[test]
    fn form_and_text_types() {
        assert_eq!(format("application/x-www-form-urlencoded"), Format::Form);
        assert_eq!(
            format("Application/X-WWW-Form-URLEncoded; charset=latin1"),
            Format::Form
        );
        assert_eq!(format("text/plain"), Format::Text);
        assert_eq!(format("text/html; charset=utf-8"), Format::Text);
        // A suffix-looking essence that is not a suffix stays text.
        assert_eq!(format("application/jsonx"), Format::Text);
    }

    #[test]
    fn parameters() -> Result<(), DecodeError> {
        let mt = MediaType::parse(
            r#"text/plain; Charset="ISO-8859-1" ; format=flowed;bad; q="a\"b;c"; x = 1"#,
        )?;
        assert_eq!(mt.charset(), Some("ISO-8859-1"));
        assert_eq!(mt.param("FORMAT"), Some("flowed"));
        assert_eq!(mt.param("q"), Some("a\"b;c"));
        assert_eq!(mt.param("x"), Some("1"));
        assert_eq!(mt.param("bad"), None);
        assert_eq!(mt.type_(), "text");
        assert_eq!(mt.subtype(), "plain");
        assert_eq!(mt.suffix(), None);
        Ok(())
    }

    /// Each expectation is what Werkzeug 2.2.3's `parse_options_header` returns for the value
    /// (the essence, and the charset when it keeps one).
    #[test]
    fn a_list_of_types_is_read_up_to_its_first_comma() -> Result<(), DecodeError> {
        for (value, essence, charset) in [
            ("application/json, text/plain", "application/json", None),
            (
                "application/json,text/plain; charset=latin-1",
                "application/json",
                None,
            ),
            ("text/plain, application/json", "text/plain", None),
            (
                "application/json; charset=utf-8, text/plain",
                "application/json",
                Some("utf-8"),
            ),
            (
                "application/json;charset=utf-8,text/html",
                "application/json",
                Some("utf-8"),
            ),
            (" application/json ,", "application/json", None),
            (r#"text/html; charset="a,b", x"#, "text/html", Some("a,b")),
        ] {
            let mt = MediaType::parse(value)?;
            assert_eq!(
                (mt.essence(), mt.charset()),
                (essence, charset),
                "{value:?}"
            );
        }
        // A quoted-pair (RFC 9110 §5.6.4) does not close the string, so its comma stays in.
        let escaped = MediaType::parse(r#"text/html; charset="a\",b", x"#)?;
        assert_eq!(escaped.charset(), Some("a\",b"));
        assert_eq!(format("application/json, text/plain"), Format::Json);
        assert!(MediaType::parse(", application/json").is_err());
        Ok(())
    }

    #[test]
    fn unterminated_quote_runs_to_end() -> Result<(), DecodeError> {
        let mt = MediaType::parse("text/plain; a=\"open")?;
        assert_eq!(mt.param("a"), Some("open"));
        Ok(())
    }

    #[test]
    fn display_round_trips() -> Result<(), DecodeError> {
        let mt = MediaType::parse(r#"text/Plain; A="x y\"z"; charset=utf-8"#)?;
        let again = MediaType::parse(&mt.to_string())?;
        assert_eq!(mt, again);
        assert_eq!(mt.to_string(), r#"text/plain; a="x y\"z"; charset=utf-8"#);
        Ok(())
    }

    #[test]
    fn invalid_values_are_typed_errors() {
        for value in ["", "json", "/json", "application/", "a b/c", "text/pl ain"] {
            assert!(
                matches!(
                    MediaType::parse(value),
                    Err(DecodeError::InvalidContentType { .. })
                ),
                "{value:?}"
            );
        }
    }
}
