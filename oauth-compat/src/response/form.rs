//! `application/x-www-form-urlencoded` bodies: OAuth 1 token responses and many OAuth 2 ones.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use encoding_rs::Encoding;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};
use serde_json::{Map, Value};

use super::charset;

/// A decoded form body: every `key=value` pair, in order, repeated keys kept.
///
/// Flask-OAuthlib hands out `url_decode(..).to_dict()`, where a repeated key keeps its first
/// value; [`get`](Self::get) does the same, and [`get_all`](Self::get_all) returns them all.
///
/// ```
/// use oauth_compat::response::Form;
///
/// let form = Form::parse(b"scope=read&oauth_token=a%2Bb&scope=write+all");
/// assert_eq!(form.get("oauth_token"), Some("a+b"));
/// assert_eq!(form.get("scope"), Some("read"));
/// assert_eq!(form.get_all("scope").collect::<Vec<_>>(), ["read", "write all"]);
/// assert_eq!(form.encode(), "scope=read&oauth_token=a%2Bb&scope=write+all");
/// // Bytes that are not UTF-8 become U+FFFD, as in Werkzeug's `url_decode`.
/// assert_eq!(Form::parse(b"name=Ren%E9").get("name"), Some("Ren\u{FFFD}"));
/// ```
///
/// `Debug` shows the names in order, with how many values a repeated name has, and never a
/// value: token responses carry secrets, and `{:?}` ends up in logs.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// Decodes a UTF-8 form body. Every byte string is a form: bytes that are not UTF-8
    /// (after `%XX` decoding) become U+FFFD, as Werkzeug's `url_decode` replaces them.
    pub fn parse(body: &[u8]) -> Self {
        decode(body, encoding_rs::UTF_8)
    }

    /// The first value of `key`, as Flask-OAuthlib's `to_dict()` keeps it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_all(key).next()
    }

    /// Every value of `key`, in body order.
    pub fn get_all<'a, 'k>(&'a self, key: &'k str) -> impl Iterator<Item = &'a str> + use<'a, 'k> {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every pair, in body order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The number of pairs (repeated keys counted each time).
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the body held no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Encodes the pairs as Python's `urlencode` does (`quote_plus`: space → `+`, everything
    /// but `A-Za-z0-9_.-~` percent-encoded as UTF-8).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, (key, value)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            encode_component(key, &mut out);
            out.push('=');
            encode_component(value, &mut out);
        }
        out
    }

    /// The dict view `resp.data` indexes: each key to its first value.
    pub(crate) fn to_value(&self) -> Value {
        let mut map = Map::new();
        for (key, value) in &self.pairs {
            if !map.contains_key(key) {
                map.insert(key.clone(), Value::String(value.clone()));
            }
        }
        Value::Object(map)
    }
}

/// The names only: see [`Form`].
impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // First-seen order, counted through an index so a body of many pairs stays linear.
        let mut names: Vec<Name<'_>> = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (name, _) in &self.pairs {
            match seen.get(name.as_str()).and_then(|&at| names.get_mut(at)) {
                Some(known) => known.values += 1,
                None => {
                    seen.insert(name, names.len());
                    names.push(Name { name, values: 1 });
                }
            }
        }
        f.debug_struct("Form")
            .field("pairs", &self.pairs.len())
            .field("names", &names)
            .finish()
    }
}

/// A form name in [`Form`]'s `Debug`: `"scope"`, or `"scope" (x2)` when repeated.
struct Name<'a> {
    name: &'a str,
    values: usize,
}

impl fmt::Debug for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.name, f)?;
        if self.values > 1 {
            write!(f, " (x{})", self.values)?;
        }
        Ok(())
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Form {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self {
            pairs: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

/// What `quote_plus` leaves alone: ASCII alphanumerics and `_.-~`.
const QUOTE_PLUS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

fn encode_component(s: &str, out: &mut String) {
    for (i, piece) in s.split(' ').enumerate() {
        if i > 0 {
            out.push('+');
        }
        out.extend(utf8_percent_encode(piece, QUOTE_PLUS));
    }
}

/// Decodes a form body under `encoding`, as Werkzeug's `url_decode` (which Flask-OAuthlib
/// calls) does: pairs split on `&`, empty pairs skipped, a pair without `=` is a key with an
/// empty value, `+` is a space, `%XX` is a byte, and the bytes are then read in the charset
/// with `errors='replace'`: what the charset cannot map becomes U+FFFD, so no body fails.
pub(crate) fn decode(body: &[u8], encoding: &'static Encoding) -> Form {
    let pairs = body
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = match pair.iter().position(|&b| b == b'=') {
                Some(eq) => (&pair[..eq], &pair[eq + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            (
                decode_component(key, encoding),
                decode_component(value, encoding),
            )
        })
        .collect();
    Form { pairs }
}

fn decode_component(raw: &[u8], encoding: &'static Encoding) -> String {
    let plus_free: Cow<'_, [u8]> = if raw.contains(&b'+') {
        Cow::Owned(
            raw.iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect(),
        )
    } else {
        Cow::Borrowed(raw)
    };
    let bytes: Cow<'_, [u8]> = percent_decode(&plus_free).into();
    charset::decode_lossy(&bytes, encoding).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf8(body: &[u8]) -> Form {
        decode(body, encoding_rs::UTF_8)
    }

    #[test]
    fn token_response() {
        let form = utf8(
            b"oauth_token=6253282-eWudHldSbIaelX7swmsiHImEL4KinwaGloHANdrY&oauth_token_secret=2EEfA6BG3ly3sR3RjE0IBSnlQu4ZrUzPiYKmrkVU&user_id=6253282&screen_name=twitterapi",
        );
        assert_eq!(form.len(), 4);
        assert_eq!(form.get("screen_name"), Some("twitterapi"));
        assert_eq!(form.get("user_id"), Some("6253282"));
        assert_eq!(form.get("missing"), None);
    }

    #[test]
    fn plus_percent_and_odd_pairs() {
        let form = utf8(b"a=1+2%2B3&&b&=empty&c=%E2%9C%93&d=%zz&e=x=y");
        let pairs: Vec<_> = form.iter().collect();
        assert_eq!(
            pairs,
            [
                ("a", "1 2+3"),
                ("b", ""),
                ("", "empty"),
                ("c", "✓"),
                ("d", "%zz"),
                ("e", "x=y"),
            ]
        );
    }

    #[test]
    fn repeated_keys_index_first() {
        let form = utf8(b"k=1&k=2&j=3&k=4");
        assert_eq!(form.get("k"), Some("1"));
        assert_eq!(form.get_all("k").collect::<Vec<_>>(), ["1", "2", "4"]);
        assert_eq!(form.to_value()["k"], "1");
        assert_eq!(form.to_value()["j"], "3");
    }

    #[test]
    fn latin1_charset() {
        // Both a raw high byte and a percent-encoded one.
        let form = decode(b"name=Ren\xE9&city=S%E3o+Paulo", encoding_rs::WINDOWS_1252);
        assert_eq!(form.get("name"), Some("René"));
        assert_eq!(form.get("city"), Some("São Paulo"));
    }

    /// What Werkzeug 2.2.3's `url_decode` (which Flask-OAuthlib calls; 2.3 deprecated it, 3.0
    /// removed it) returns for the same bodies: `url_decode(body, charset=..).items(multi=True)`.
    #[test]
    fn undecodable_bytes_become_replacement_characters_as_in_werkzeug() {
        let form = utf8(b"ok=1&bad=%FF&k%C3=caf%C3&x=%E2%9C&y=\xf0\x80\x80x&z=a%C0%AFb");
        let pairs: Vec<_> = form.iter().collect();
        assert_eq!(
            pairs,
            [
                ("ok", "1"),
                ("bad", "\u{FFFD}"),
                ("k\u{FFFD}", "caf\u{FFFD}"),
                ("x", "\u{FFFD}"),
                ("y", "\u{FFFD}\u{FFFD}\u{FFFD}x"),
                ("z", "a\u{FFFD}\u{FFFD}b"),
            ]
        );
        // A multi-byte charset: a lead byte at the end has no character.
        let sjis = decode(b"b=\x82\xa0\x82", encoding_rs::SHIFT_JIS);
        assert_eq!(sjis.get("b"), Some("\u{3042}\u{FFFD}"));
    }

    #[test]
    fn encode_quotes_like_quote_plus() {
        let form: Form = [("a b", "c&d=e"), ("ü", "~._-/")].into_iter().collect();
        assert_eq!(form.encode(), "a+b=c%26d%3De&%C3%BC=~._-%2F");
        assert_eq!(utf8(form.encode().as_bytes()), form);
    }

    #[test]
    fn debug_shows_names_and_counts_not_values() {
        let form = utf8(b"scope=read&oauth_token=T0K&oauth_token_secret=S3CR3T&scope=write");
        let shown = format!("{form:?}");
        assert_eq!(
            shown,
            r#"Form { pairs: 4, names: ["scope" (x2), "oauth_token", "oauth_token_secret"] }"#
        );
        let pretty = format!("{form:#?}");
        for value in ["read", "write", "T0K", "S3CR3T"] {
            assert!(
                !shown.contains(value) && !pretty.contains(value),
                "{pretty}"
            );
        }
        assert_eq!(
            format!("{:?}", Form::default()),
            "Form { pairs: 0, names: [] }"
        );
    }
}
