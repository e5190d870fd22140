//! `Token`: Authlib's `OAuth2Token` dict, and Flask-OAuthlib's `(token, secret)` pair.

use std::fmt;
use std::ops::Index;

use serde_json::{Map, Number, Value};

use super::OAuth2Error;

/// The only fields whose values `Debug` prints; every other value is `[redacted]`. An allowlist,
/// because providers nest credentials in their own fields (Slack v2's
/// `authed_user.access_token`, `incoming_webhook.url`).
const SHOWN_FIELDS: &[&str] = &["token_type", "expires_in", "expires_at", "scope"];

/// An access token, with every field the provider sent.
///
/// Backed by a JSON object, like Authlib's `OAuth2Token` (a `dict`): provider-specific fields
/// (`id_token`, `user_id`, Slack's `team`, ...) survive, and `token["user_id"]` reads like the
/// Python dict (a missing key is `Value::Null`, never a panic). It holds either an OAuth 2
/// `access_token` or OAuth 1 token credentials (`oauth_token`, `oauth_token_secret`).
///
/// Building one normalises what providers send differently: `expires_in` as a number or a
/// numeric string becomes an integer, a `scope` list becomes a space-separated string, and
/// `expires_at` (absolute, Unix seconds) is derived from `expires_in` when absent.
///
/// ```
/// use oauth_compat::oauth2::Token;
/// use serde_json::json;
///
/// let map = json!({
///     "access_token": "2YotnFZFEjr1zCsicMWpAA",
///     "token_type": "example",
///     "expires_in": "3600",
///     "refresh_token": "tGzv3JOkF0XG5Qx2TlKWIA",
///     "scope": ["read", "write"],
///     "user_id": 42
/// });
/// let token = Token::from_map_at(map.as_object().unwrap().clone(), 1_700_000_000)?;
/// assert_eq!(token.access_token(), "2YotnFZFEjr1zCsicMWpAA");
/// assert_eq!(token.expires_in(), Some(3600));
/// assert_eq!(token.expires_at(), Some(1_700_003_600));
/// assert_eq!(token.scope(), Some("read write"));
/// assert_eq!(token["user_id"], 42);
/// assert!(token["missing"].is_null());
/// assert!(!token.is_expired(60, 1_700_000_000));
/// assert!(token.is_expired(60, 1_700_003_550));
/// assert!(!format!("{token:?}").contains("2YotnFZFEjr1zCsicMWpAA"));
/// # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
/// ```
///
/// # Stored tokens
///
/// It serializes as the Authlib token dict (the object, `expires_at` an integer), and
/// deserializes from that dict (`expires_at` kept as stored) or from Flask-OAuthlib's
/// `(token, secret)` tuple stored as a two-element array: a non-empty secret makes OAuth 1
/// token credentials, an empty one (what Flask-OAuthlib's OAuth 2 tokengetter returns) an
/// OAuth 2 access token.
///
/// ```
/// use oauth_compat::oauth2::Token;
///
/// let oauth1: Token = serde_json::from_str(r#"["370773112-GmHx", "LswwdoUaIvS8"]"#)?;
/// assert_eq!(oauth1.access_token(), "370773112-GmHx");
/// assert_eq!(oauth1.token_secret(), Some("LswwdoUaIvS8"));
///
/// let oauth2: Token = serde_json::from_str(r#"["ya29.a0Af", ""]"#)?;
/// assert_eq!(oauth2["access_token"], "ya29.a0Af");
/// assert_eq!(oauth2.token_type(), "Bearer");
/// assert_eq!(oauth2.to_pair(), ("ya29.a0Af".to_owned(), String::new()));
///
/// let stored = r#"{"access_token": "ya29.a0Af", "token_type": "Bearer", "expires_in": 3599, "expires_at": 1700003599}"#;
/// let token: Token = serde_json::from_str(stored)?;
/// assert_eq!(token.expires_at(), Some(1_700_003_599));
/// assert_eq!(serde_json::to_value(&token)?, serde_json::from_str::<serde_json::Value>(stored)?);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Token {
    map: Map<String, Value>,
}

static NULL: Value = Value::Null;

impl Token {
    /// Checks and normalises a token object, deriving `expires_at` from the current time.
    ///
    /// # Errors
    ///
    /// As [`from_map_at`](Self::from_map_at).
    pub fn from_map(map: Map<String, Value>) -> Result<Self, OAuth2Error> {
        Self::from_map_at(map, crate::wire::now_unix())
    }

    /// Checks and normalises a token object, with `now_unix` (seconds since the Unix epoch)
    /// as the time it was issued.
    ///
    /// - `access_token`, or else `oauth_token`, must be a non-empty string (`null` and `""`
    ///   count as missing); `oauth_token_secret`, if present, a string.
    /// - `expires_in` and `expires_at`, if present and not `null`, must be numbers or numeric
    ///   strings; both become integers (fractions are dropped).
    /// - `scope` as a list of strings becomes one space-separated string.
    /// - With a non-zero `expires_in` and no `expires_at`, `expires_at = now_unix +
    ///   expires_in` (Authlib's `OAuth2Token`); a stored `expires_at` is never recomputed.
    ///
    /// # Errors
    ///
    /// [`OAuth2Error::MissingField`] naming `access_token` (or `oauth_token` for a map that holds
    /// `oauth_token_secret`); [`OAuth2Error::InvalidField`] naming a field of the wrong kind.
    pub fn from_map_at(mut map: Map<String, Value>, now_unix: i64) -> Result<Self, OAuth2Error> {
        check_access_token(&map)?;
        for field in ["expires_in", "expires_at"] {
            if let Some(value) = map.get_mut(field).filter(|v| !v.is_null()) {
                *value = Value::Number(Number::from(integer(value).ok_or(
                    OAuth2Error::InvalidField {
                        field,
                        expected: "a number of seconds (an integer or a numeric string)",
                        body: None,
                    },
                )?));
            }
        }
        if let Some(scope) = map.get_mut("scope") {
            normalise_scope(scope)?;
        }
        let expires_in = map.get("expires_in").and_then(Value::as_i64);
        let has_expires_at = map.get("expires_at").is_some_and(|v| !v.is_null());
        if let Some(expires_in) = expires_in.filter(|&e| e != 0)
            && !has_expires_at
        {
            let expires_at = now_unix.saturating_add(expires_in);
            map.insert("expires_at".to_owned(), Value::from(expires_at));
        }
        Ok(Self { map })
    }

    /// An OAuth 2 bearer token with only an `access_token` (no expiry known).
    ///
    /// ```
    /// let token = oauth_compat::oauth2::Token::bearer("mF_9.B5f-4.1JqM");
    /// assert_eq!((token.access_token(), token.token_type()), ("mF_9.B5f-4.1JqM", "Bearer"));
    /// ```
    pub fn bearer(access_token: impl Into<String>) -> Self {
        let mut map = Map::new();
        map.insert(
            "access_token".to_owned(),
            Value::String(access_token.into()),
        );
        Self { map }
    }

    /// OAuth 1 token credentials (`oauth_token`, `oauth_token_secret`).
    pub fn oauth1(token: impl Into<String>, secret: impl Into<String>) -> Self {
        let mut map = Map::new();
        map.insert("oauth_token".to_owned(), Value::String(token.into()));
        map.insert(
            "oauth_token_secret".to_owned(),
            Value::String(secret.into()),
        );
        Self { map }
    }

    /// A token from Flask-OAuthlib's `(token, secret)` pair: OAuth 1 token credentials when
    /// `secret` is non-empty, an OAuth 2 access token when it is empty.
    pub fn from_pair(token: impl Into<String>, secret: impl Into<String>) -> Self {
        let secret = secret.into();
        if secret.is_empty() {
            Self::bearer(token)
        } else {
            Self::oauth1(token, secret)
        }
    }

    /// The pair Flask-OAuthlib's tokengetter returns: `(oauth_token, oauth_token_secret)` for
    /// OAuth 1, `(access_token, "")` for OAuth 2.
    pub fn to_pair(&self) -> (String, String) {
        (
            self.access_token().to_owned(),
            self.token_secret().unwrap_or_default().to_owned(),
        )
    }

    /// The OAuth 2 `access_token`, or the OAuth 1 `oauth_token`.
    pub fn access_token(&self) -> &str {
        self.str("access_token")
            .filter(|s| !s.is_empty())
            .or_else(|| self.str("oauth_token"))
            .unwrap_or_default()
    }

    /// The OAuth 1 `oauth_token_secret`.
    pub fn token_secret(&self) -> Option<&str> {
        self.str("oauth_token_secret")
    }

    /// The `token_type`; `"Bearer"` when absent or empty (RFC 6749 requires it, GitHub's
    /// form responses and stored pairs may lack it).
    pub fn token_type(&self) -> &str {
        self.str("token_type")
            .filter(|s| !s.is_empty())
            .unwrap_or("Bearer")
    }

    /// The `refresh_token`, when the provider issued one.
    pub fn refresh_token(&self) -> Option<&str> {
        self.str("refresh_token")
    }

    /// `expires_in`, in seconds from issue.
    pub fn expires_in(&self) -> Option<i64> {
        self.map.get("expires_in").and_then(Value::as_i64)
    }

    /// `expires_at`, in Unix seconds.
    pub fn expires_at(&self) -> Option<i64> {
        self.map.get("expires_at").and_then(Value::as_i64)
    }

    /// The granted `scope`, space-separated.
    pub fn scope(&self) -> Option<&str> {
        self.str("scope")
    }

    /// Whether the token expires within `leeway_secs` of `now_unix` (Authlib's
    /// `is_expired(leeway=60)`: `expires_at - leeway < now`). `false` when no expiry is known.
    pub fn is_expired(&self, leeway_secs: i64, now_unix: i64) -> bool {
        // Authlib treats `expires_at = 0` as unknown, like a missing one.
        self.expires_at()
            .filter(|&at| at != 0)
            .is_some_and(|at| at.saturating_sub(leeway_secs) < now_unix)
    }

    /// A field, as Python's `dict.get`: `None` when absent.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// Every field.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// The same token holding `refresh_token`: what a refresh keeps when the provider's
    /// response carries no new refresh token (Authlib does the same).
    ///
    /// ```
    /// use oauth_compat::oauth2::Token;
    /// let token = Token::bearer("at").with_refresh_token("rt");
    /// assert_eq!(token.refresh_token(), Some("rt"));
    /// ```
    #[must_use]
    pub fn with_refresh_token(mut self, refresh_token: impl Into<String>) -> Self {
        self.map.insert(
            "refresh_token".to_owned(),
            Value::String(refresh_token.into()),
        );
        self
    }

    /// Every field, owned.
    pub fn into_map(self) -> Map<String, Value> {
        self.map
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.map.get(key).and_then(Value::as_str)
    }
}

/// `token["key"]`: `Value::Null` when the key is absent, never a panic.
impl Index<&str> for Token {
    type Output = Value;

    fn index(&self, key: &str) -> &Value {
        self.map.get(key).unwrap_or(&NULL)
    }
}

/// Shows every field name, and the values of `token_type`, `expires_in`, `expires_at` and
/// `scope` only; every other value is `[redacted]`.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }
        let mut map = f.debug_map();
        for (key, value) in &self.map {
            if SHOWN_FIELDS.contains(&key.as_str()) {
                map.entry(key, value);
            } else {
                map.entry(key, &Redacted);
            }
        }
        map.finish()
    }
}

impl serde::Serialize for Token {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        match Value::deserialize(deserializer)? {
            Value::Object(map) => Self::from_map(map).map_err(D::Error::custom),
            Value::Array(items) => match items.as_slice() {
                [
                    Value::String(token),
                    secret @ (Value::String(_) | Value::Null),
                ] if !token.is_empty() => Ok(Self::from_pair(
                    token.as_str(),
                    secret.as_str().unwrap_or(""),
                )),
                _ => Err(D::Error::custom(
                    "a stored token pair must be [token, secret] with a non-empty token string \
                     and a string (or null) secret",
                )),
            },
            _ => Err(D::Error::custom(
                "expected a token object (Authlib's token dict) or a [token, secret] pair \
                 (Flask-OAuthlib's tokengetter tuple)",
            )),
        }
    }
}

fn check_access_token(map: &Map<String, Value>) -> Result<(), OAuth2Error> {
    let present = |field| map.get(field).filter(|v| !v.is_null() && *v != "");
    let must_be_string = |field| match present(field) {
        Some(Value::String(_)) => Ok(true),
        Some(_) => Err(OAuth2Error::InvalidField {
            field,
            expected: "a non-empty string",
            body: None,
        }),
        None => Ok(false),
    };
    if must_be_string("access_token")? {
        return Ok(());
    }
    if must_be_string("oauth_token")? {
        if let Some(secret) = map.get("oauth_token_secret").filter(|v| !v.is_null())
            && !secret.is_string()
        {
            return Err(OAuth2Error::InvalidField {
                field: "oauth_token_secret",
                expected: "a string",
                body: None,
            });
        }
        return Ok(());
    }
    let field = if map.contains_key("oauth_token_secret") {
        "oauth_token"
    } else {
        "access_token"
    };
    Err(OAuth2Error::MissingField { field, body: None })
}

/// A number or numeric string as whole seconds.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| float_seconds(n.as_f64()?)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| float_seconds(s.parse::<f64>().ok()?))
        }
        _ => None,
    }
}

fn float_seconds(f: f64) -> Option<i64> {
    // `as` saturates; the range check keeps absurd values an error instead.
    (f.is_finite() && f.abs() < 1e15).then_some(f as i64)
}

fn normalise_scope(scope: &mut Value) -> Result<(), OAuth2Error> {
    let joined = match scope {
        Value::Null | Value::String(_) => return Ok(()),
        Value::Array(items) => items
            .iter()
            .map(Value::as_str)
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join(" ")),
        _ => None,
    };
    match joined {
        Some(joined) => {
            *scope = Value::String(joined);
            Ok(())
        }
        None => Err(OAuth2Error::InvalidField {
            field: "scope",
            expected: "a space-separated string or a list of strings",
            body: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn token(value: Value) -> Result<Token, OAuth2Error> {
        let Value::Object(map) = value else {
            panic!("not an object")
        };
        Token::from_map_at(map, NOW)
    }

    #[test]
    fn rfc6749_5_1_example() {
        let t = token(json!({
            "access_token": "2YotnFZFEjr1zCsicMWpAA",
            "token_type": "example",
            "expires_in": 3600,
            "refresh_token": "tGzv3JOkF0XG5Qx2TlKWIA",
            "example_parameter": "example_value"
        }))
        .unwrap();
        assert_eq!(t.access_token(), "2YotnFZFEjr1zCsicMWpAA");
        assert_eq!(t.token_type(), "example");
        assert_eq!(t.refresh_token(), Some("tGzv3JOkF0XG5Qx2TlKWIA"));
        assert_eq!(
            (t.expires_in(), t.expires_at()),
            (Some(3600), Some(NOW + 3600))
        );
        assert_eq!(t["example_parameter"], "example_value");
        assert_eq!(t.get("scope"), None);
        assert_eq!(t.token_secret(), None);
    }

    #[test]
    fn expires_in_numeric_forms() {
        for value in [
            json!("3600"),
            json!(" 3600 "),
            json!(3600.0),
            json!("3600.9"),
        ] {
            let t = token(json!({"access_token": "a", "expires_in": value.clone()})).unwrap();
            assert_eq!(t["expires_in"], json!(3600), "{value}");
            assert_eq!(t.expires_at(), Some(NOW + 3600));
        }
        for value in [json!("soon"), json!(true), json!([1]), json!(1e300)] {
            let err = token(json!({"access_token": "a", "expires_in": value})).unwrap_err();
            assert!(
                matches!(
                    err,
                    OAuth2Error::InvalidField {
                        field: "expires_in",
                        ..
                    }
                ),
                "{err:?}"
            );
            assert!(err.to_string().contains("`expires_in`"), "{err}");
        }
        // `null` and 0 mean unknown, as in Authlib: no `expires_at`.
        for value in [json!(null), json!(0), json!("0")] {
            let t = token(json!({"access_token": "a", "expires_in": value})).unwrap();
            assert_eq!(t.expires_at(), None);
            assert!(!t.is_expired(0, i64::MAX));
        }
    }

    #[test]
    fn stored_expires_at_is_kept() {
        let t = token(json!({"access_token": "a", "expires_in": 3600, "expires_at": "1600000000"}))
            .unwrap();
        assert_eq!(t["expires_at"], json!(1_600_000_000));
        assert!(t.is_expired(60, NOW));
        let err = token(json!({"access_token": "a", "expires_at": "tomorrow"})).unwrap_err();
        assert!(matches!(
            err,
            OAuth2Error::InvalidField {
                field: "expires_at",
                ..
            }
        ));
    }

    #[test]
    fn is_expired_uses_leeway() {
        let t = token(json!({"access_token": "a", "expires_at": NOW + 100})).unwrap();
        assert!(!t.is_expired(60, NOW));
        assert!(t.is_expired(60, NOW + 41));
        assert!(!t.is_expired(60, NOW + 40));
        assert!(!Token::bearer("a").is_expired(60, NOW));
    }

    #[test]
    fn scope_lists_are_joined() {
        let t = token(json!({"access_token": "a", "scope": ["openid", "email"]})).unwrap();
        assert_eq!(t.scope(), Some("openid email"));
        assert_eq!(t["scope"], "openid email");
        let t = token(json!({"access_token": "a", "scope": "read"})).unwrap();
        assert_eq!(t.scope(), Some("read"));
        let err = token(json!({"access_token": "a", "scope": ["a", 1]})).unwrap_err();
        assert!(matches!(
            err,
            OAuth2Error::InvalidField { field: "scope", .. }
        ));
    }

    #[test]
    fn access_token_is_required() {
        for value in [
            json!({}),
            json!({"access_token": ""}),
            json!({"access_token": null, "token_type": "bearer"}),
        ] {
            let err = token(value).unwrap_err();
            assert!(
                matches!(
                    err,
                    OAuth2Error::MissingField {
                        field: "access_token",
                        body: None
                    }
                ),
                "{err:?}"
            );
        }
        let err = token(json!({"oauth_token_secret": "s"})).unwrap_err();
        assert!(matches!(
            err,
            OAuth2Error::MissingField {
                field: "oauth_token",
                ..
            }
        ));
        let err = token(json!({"access_token": 5})).unwrap_err();
        assert!(matches!(
            err,
            OAuth2Error::InvalidField {
                field: "access_token",
                ..
            }
        ));
        let err = token(json!({"oauth_token": "t", "oauth_token_secret": 5})).unwrap_err();
        assert!(matches!(
            err,
            OAuth2Error::InvalidField {
                field: "oauth_token_secret",
                ..
            }
        ));
    }

    #[test]
    fn oauth1_tokens() {
        let t = token(json!({
            "oauth_token": "nnch734d00sl2jdk",
            "oauth_token_secret": "pfkkdhi9sl3r4s00",
            "screen_name": "twitterapi"
        }))
        .unwrap();
        assert_eq!(t.access_token(), "nnch734d00sl2jdk");
        assert_eq!(t.token_secret(), Some("pfkkdhi9sl3r4s00"));
        assert_eq!(
            t.to_pair(),
            ("nnch734d00sl2jdk".to_owned(), "pfkkdhi9sl3r4s00".to_owned())
        );
        assert_eq!(
            Token::oauth1("a", "b").to_pair(),
            ("a".to_owned(), "b".to_owned())
        );
        assert_eq!(Token::from_pair("a", "b"), Token::oauth1("a", "b"));
        assert_eq!(Token::from_pair("a", ""), Token::bearer("a"));
    }

    #[test]
    fn index_never_panics() {
        let t = Token::bearer("a");
        assert!(t["nope"].is_null());
        assert!(t["nope"]["deeper"][3].is_null());
        assert_eq!(t["access_token"], "a");
    }

    #[test]
    fn debug_shows_keys_and_only_the_allowlisted_values() {
        let t = token(json!({
            "access_token": "S3CR3T-A",
            "refresh_token": "S3CR3T-R",
            "id_token": "S3CR3T-I",
            "oauth_token_secret": "S3CR3T-O",
            "authed_user": {"id": "U1", "access_token": "S3CR3T-NESTED"},
            "incoming_webhook": {"url": "https://hooks.slack.com/S3CR3T-W"},
            "token_type": "Bearer",
            "expires_in": 3600,
            "user_id": "U123"
        }))
        .unwrap();
        for debug in [format!("{t:?}"), format!("{t:#?}")] {
            assert!(!debug.contains("S3CR3T"), "{debug}");
            assert!(
                debug.contains(r#""token_type": String("Bearer")"#),
                "{debug}"
            );
            assert!(debug.contains(r#""expires_in": Number(3600)"#), "{debug}");
            assert!(debug.contains(r#""user_id": [redacted]"#), "{debug}");
            assert!(debug.contains(r#""access_token": [redacted]"#), "{debug}");
        }
    }

    #[test]
    fn serde_round_trips_authlib_dicts() {
        // As Authlib stores an OAuth2Token (e.g. in a SQLAlchemy JSON column or a session).
        let stored = r#"{"access_token":"ya29.a0AfH6SM","expires_in":3599,"scope":"openid https://www.googleapis.com/auth/userinfo.email","token_type":"Bearer","id_token":"eyJhbGciOi.x.y","expires_at":1700003599}"#;
        let t: Token = serde_json::from_str(stored).unwrap();
        assert_eq!(t.expires_at(), Some(1_700_003_599));
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            serde_json::from_str::<Value>(stored).unwrap()
        );

        // A dict saved before expires_at existed gets one on load, as OAuth2Token(dict) does.
        let old: Token = serde_json::from_str(r#"{"access_token":"a","expires_in":"60"}"#).unwrap();
        assert!(old.expires_at().is_some_and(|at| at >= NOW + 60));
        assert_eq!(old["expires_in"], 60);

        let err = serde_json::from_str::<Token>(r#"{"refresh_token":"S3CR3T"}"#).unwrap_err();
        assert!(err.to_string().contains("`access_token`"), "{err}");
        assert!(!err.to_string().contains("S3CR3T"));
    }

    #[test]
    fn serde_reads_flask_oauthlib_pairs() {
        // Flask-OAuthlib's Twitter example stores session['twitter_oauth'] = resp and returns
        // (resp['oauth_token'], resp['oauth_token_secret']); a JSON session holds it as a list.
        let t: Token =
            serde_json::from_str(r#"["370773112-GmHxMAgY", "LswwdoUaIvS8ltyT"]"#).unwrap();
        assert_eq!(t, Token::oauth1("370773112-GmHxMAgY", "LswwdoUaIvS8ltyT"));
        let pair = serde_json::to_value(t.to_pair()).unwrap();
        assert_eq!(pair, json!(["370773112-GmHxMAgY", "LswwdoUaIvS8ltyT"]));

        // The OAuth 2 tokengetter returns (session['github_token'][0], '') or (token, None).
        for stored in [
            r#"["gho_16C7e42F292c69", ""]"#,
            r#"["gho_16C7e42F292c69", null]"#,
        ] {
            let t: Token = serde_json::from_str(stored).unwrap();
            assert_eq!(t.as_map().len(), 1);
            assert_eq!(t["access_token"], "gho_16C7e42F292c69");
            assert_eq!(t.token_type(), "Bearer");
            assert_eq!(
                serde_json::to_value(t.to_pair()).unwrap(),
                json!(["gho_16C7e42F292c69", ""])
            );
        }
        for bad in [
            r#"["", "s"]"#,
            r#"["a"]"#,
            r#"["a", "b", "c"]"#,
            r#"[1, 2]"#,
            r#""tok""#,
        ] {
            assert!(serde_json::from_str::<Token>(bad).is_err(), "{bad}");
        }
    }
}
