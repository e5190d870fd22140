//! One remote app's settings, resolved from code and a [`Config`].

use std::fmt;

use serde_json::{Map, Value};

use super::keys::{self, KeyProtocol, Kind, Place};
use super::{Config, ConfigError, Source};
use crate::secret::ClientSecret;

/// The settings read from flat keys (`TWITTER_CONSUMER_KEY`, `GITHUB_CLIENT_ID`), derived
/// from the key table: every top-level keyword of Flask-OAuthlib's `remote_app` and Authlib's
/// `register` except `app_key` (given in code) and the `client_kwargs` entries. Synonyms
/// ([`AppSettings::canonical`]) resolve to one field.
pub const KNOWN_KEYS: &[&str] = &oauth_compat_macros::__settings_table!(flat_keys);

/// Django's table of apps (seed 001).
const DJANGO_TABLE: &str = "AUTHLIB_OAUTH_CLIENTS";

/// One remote app's settings, resolved in both vocabularies.
///
/// Built by [`AppSettings::flask_oauthlib`] or [`AppSettings::authlib`], then
/// [`resolve`](AppSettingsLookup::resolve)d against a [`Config`]. The rules, as the Python
/// originals apply them:
///
/// - **Flask-OAuthlib `app_key`**: a value given in code wins; else the config's `APP_KEY`
///   table (`[TWITTER]` with `consumer_key = ..`); else flat keys `APP_KEY_FIELD`
///   (`TWITTER_CONSUMER_KEY`). **When the table exists, flat keys are ignored**, even for
///   settings the table lacks (Flask-OAuthlib's `_get_property` looks only in the table then).
/// - **Authlib**: flat keys `{NAME}_{KEY}` (`GITHUB_CLIENT_ID`); the value given in code wins
///   unless `overwrite` is set, in which case the config wins and tables given in code are
///   updated with the config's entries (Authlib's `_config_client`). Django's
///   `AUTHLIB_OAUTH_CLIENTS = {github = {client_id = ..}}` is read first; as with `app_key`,
///   when it has an entry for the app, flat keys are ignored.
/// - Synonyms are one field: `consumer_key` = `client_id`, `consumer_secret` = `client_secret`,
///   `base_url` = `api_base_url`. Both spellings in one place with different values is
///   [`ConfigError::Conflict`]; across places, precedence decides.
/// - Structured settings (`request_token_params`, `client_kwargs`, ...) in flat keys are JSON
///   strings (`GITHUB_CLIENT_KWARGS='{"scope": "user"}'`).
/// - A `null` value counts as not given (Flask-OAuthlib's `None` falls through to the config).
/// - **Unknown keys are errors** ([`ConfigError::UnknownKey`], with the nearest known key), given in
///   code or in the app's table, except the server metadata fields of RFC 8414 §2 and OpenID
///   Connect Discovery §3 (`userinfo_endpoint`, `jwks_uri`, ...), which Authlib keeps as
///   metadata: [`extras`](Self::extras) hands them to later layers. Flat keys are read only
///   for [`KNOWN_KEYS`], as Authlib does; a flat key one or two edits away from one of them
///   (`TWITTER_CONSUMER_SECRT`) is an error too, others are left alone (the flat namespace is
///   shared with the rest of the configuration).
/// - An OAuth 1-only setting (`request_token_url`, `signature_method`, ...) beside an OAuth
///   2-only one (`refresh_token_url`, `token_placement`, ...) is [`ConfigError::MixedProtocols`].
/// - Flask-OAuthlib without `app_key` reads no configuration: every setting is in code.
///
/// `Debug` never prints `client_secret`, `rsa_key` (top level or in `client_kwargs`) or the
/// values of `access_token_headers`.
///
/// ```
/// use oauth_compat::config::{AppSettings, Config};
/// use oauth_compat::MapEnv;
///
/// let config = Config::from_toml_str(r#"
///     [TWITTER]
///     consumer_key = "table-key"
///     consumer_secret = "table-secret"
/// "#)?
/// .merge(Config::from_env_source(MapEnv::new().set("TWITTER_BASE_URL", "https://ignored/")));
/// let twitter = AppSettings::flask_oauthlib("twitter", "TWITTER")
///     .given("base_url", "https://api.twitter.com/1.1/")
///     .resolve(&config)?;
/// assert_eq!(twitter.client_id(), Some("table-key"));
/// assert_eq!(twitter.get("api_base_url").unwrap(), "https://api.twitter.com/1.1/");
/// let err = twitter.require_str("request_token_url").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "request_token_url for app `twitter`: not given in code, \
///      not in table TWITTER of TOML string (flat keys TWITTER_* are ignored while it exists)"
/// );
/// # Ok::<(), oauth_compat::config::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct AppSettings {
    app: String,
    values: Map<String, Value>,
    client_secret: Option<ClientSecret>,
    /// Where a missing setting was looked for, with `{}` standing for its upper-cased
    /// spellings in flat keys.
    searched: Searched,
}

#[derive(Clone)]
enum Searched {
    /// Flask-OAuthlib without `app_key`: nothing but code.
    Code,
    Table {
        name: String,
        origin: String,
    },
    Flat {
        prefix: String,
        table: String,
        sources: Vec<String>,
    },
}

/// A pending resolution: the app, its values given in code, and which vocabulary's rules apply.
#[derive(Clone, Debug)]
pub struct AppSettingsLookup {
    app: String,
    vocabulary: Vocabulary,
    code: Vec<(String, Value)>,
    overwrite: bool,
}

/// Which Python call an app is declared the way of: its lookup rules and defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Vocabulary {
    /// Flask-OAuthlib's `oauth.remote_app(name, app_key=.., ..)`: the config's `app_key` table,
    /// else its `APP_KEY_FIELD` flat keys; without `app_key`, code only. Defaults: request
    /// token by GET, access token by POST, `client_secret_post`.
    FlaskOAuthlib {
        /// The config table (and flat-key prefix) to read, if any.
        app_key: Option<String>,
    },
    /// Authlib's `oauth.register(name, ..)`: flat keys `{NAME}_{KEY}` and Django's
    /// `AUTHLIB_OAUTH_CLIENTS[name]`. Defaults: request token by POST, `client_secret_basic`.
    Authlib,
}

impl Vocabulary {
    /// This vocabulary's default for `key` (from the key table), if it has one.
    ///
    /// ```
    /// use oauth_compat::config::Vocabulary;
    /// let flask = Vocabulary::FlaskOAuthlib { app_key: None };
    /// assert_eq!(flask.default_of("request_token_method"), Some("GET"));
    /// assert_eq!(Vocabulary::Authlib.default_of("request_token_method"), Some("POST"));
    /// assert_eq!(Vocabulary::Authlib.default_of("token_endpoint_auth_method"), Some("client_secret_basic"));
    /// ```
    pub fn default_of(&self, key: &str) -> Option<&'static str> {
        let spec = keys::spec(key)?;
        match self {
            Self::FlaskOAuthlib { .. } => spec.flask_oauthlib_default,
            Self::Authlib => spec.authlib_default,
        }
    }

    /// Whether this is Flask-OAuthlib's vocabulary.
    pub fn is_flask_oauthlib(&self) -> bool {
        matches!(self, Self::FlaskOAuthlib { .. })
    }
}

/// A table found in config: the label of its source, and its entries.
type FoundTable = (String, Map<String, Value>);

/// One place's settings, under canonical field names.
type Layer = Map<String, Value>;

impl AppSettings {
    /// Flask-OAuthlib's `oauth.remote_app(name, app_key=app_key, ...)`.
    pub fn flask_oauthlib(
        name: impl Into<String>,
        app_key: impl Into<String>,
    ) -> AppSettingsLookup {
        Self::lookup(
            name,
            Vocabulary::FlaskOAuthlib {
                app_key: Some(app_key.into()),
            },
        )
    }

    /// Authlib's `oauth.register(name, ...)`: flat keys `{NAME}_{KEY}` and Django's
    /// `AUTHLIB_OAUTH_CLIENTS[name]`.
    pub fn authlib(name: impl Into<String>) -> AppSettingsLookup {
        Self::lookup(name, Vocabulary::Authlib)
    }

    /// An app declared in `vocabulary`'s way (Flask-OAuthlib without `app_key` reads no
    /// configuration).
    pub fn lookup(name: impl Into<String>, vocabulary: Vocabulary) -> AppSettingsLookup {
        AppSettingsLookup {
            app: name.into(),
            vocabulary,
            code: Vec::new(),
            overwrite: false,
        }
    }

    /// The field a key is stored under: Authlib's spelling for a synonym, else the key itself.
    ///
    /// ```
    /// use oauth_compat::config::AppSettings;
    /// assert_eq!(AppSettings::canonical("consumer_key"), "client_id");
    /// assert_eq!(AppSettings::canonical("authorize_url"), "authorize_url");
    /// ```
    pub fn canonical(key: &str) -> &str {
        keys::spec(key).map_or(key, |spec| spec.canonical)
    }

    /// The app's name.
    pub fn app(&self) -> &str {
        &self.app
    }

    /// A setting in either spelling, `None` if not set. `client_secret` / `consumer_secret` are
    /// only available through [`client_secret`](Self::client_secret).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(Self::canonical(key))
    }

    /// A setting that must be present, as a string.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] naming every place looked at; [`ConfigError::WrongType`] if not a string.
    pub fn require_str(&self, key: &str) -> Result<&str, ConfigError> {
        match self.get(key) {
            None => Err(self.missing(key)),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(ConfigError::WrongType {
                key: key.to_owned(),
                origin: format!("the settings of app `{}`", self.app),
                expected: "a string",
            }),
        }
    }

    /// `client_id` (`consumer_key`).
    pub fn client_id(&self) -> Option<&str> {
        self.get("client_id").and_then(Value::as_str)
    }

    /// `client_secret` (`consumer_secret`).
    pub fn client_secret(&self) -> Option<&ClientSecret> {
        self.client_secret.as_ref()
    }

    /// `client_secret` (`consumer_secret`), required.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] naming every place looked at.
    pub fn require_client_secret(&self) -> Result<&ClientSecret, ConfigError> {
        self.client_secret
            .as_ref()
            .ok_or_else(|| self.missing("client_secret"))
    }

    /// Sets `key` to `value` unless it is set (non-null) already: server metadata fills the
    /// endpoints an app leaves unset.
    pub(crate) fn fill_missing(&mut self, key: &str, value: Value) {
        let key = Self::canonical(key);
        if self.values.get(key).is_none_or(Value::is_null) {
            self.values.insert(key.to_owned(), value);
        }
    }

    /// The server metadata fields given as settings (`userinfo_endpoint`, ...), kept for
    /// later layers as Authlib keeps them.
    pub fn extras(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values
            .iter()
            .filter(|(k, _)| keys::is_metadata(k))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// The error for a missing setting: every place it was looked for.
    pub fn missing(&self, field: &str) -> ConfigError {
        let canonical = Self::canonical(field);
        let spellings: Vec<&str> = keys::KEYS
            .iter()
            .filter(|spec| spec.canonical == canonical && spec.name != canonical)
            .map(|spec| spec.name)
            .chain([canonical])
            .collect();
        let mut places = vec!["not given in code".to_owned()];
        match &self.searched {
            Searched::Code => places.push(
                "and no app_key, so the configuration is not read (Flask-OAuthlib's rule)"
                    .to_owned(),
            ),
            Searched::Table { name, origin } => {
                let flat = match name.split_once('[') {
                    Some(_) => format!("flat keys {}_*", self.app.to_uppercase()),
                    None => format!("flat keys {name}_*"),
                };
                places.push(format!(
                    "not in table {name} of {origin} ({flat} are ignored while it exists)"
                ));
            }
            Searched::Flat {
                prefix,
                table,
                sources,
            } => {
                let keys: Vec<String> = spellings
                    .iter()
                    .map(|s| format!("{prefix}_{}", s.to_uppercase()))
                    .collect();
                let keys = keys.join(" or ");
                places.push(format!("no table {table} in {}", join_or(sources)));
                for source in sources {
                    places.push(format!("not in {source} {keys}"));
                }
            }
        }
        ConfigError::Missing {
            app: self.app.clone(),
            field: field.to_owned(),
            places,
        }
    }
}

fn join_or(items: &[String]) -> String {
    if items.is_empty() {
        "any source (none configured)".to_owned()
    } else {
        items.join(" or ")
    }
}

impl fmt::Debug for AppSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut values = self.values.clone();
        // The RSA key may sit at the top level (Flask-OAuthlib's `rsa_key=`) or in
        // `client_kwargs`; header values may carry credentials (Bitbucket's Basic header).
        let secrets = keys::KEYS.iter().filter(|spec| spec.kind == Kind::Secret);
        for spec in secrets {
            if let Some(value) = values.get_mut(spec.canonical) {
                *value = Value::from("[redacted]");
            }
            if let Some(Value::Object(kwargs)) = values.get_mut("client_kwargs")
                && let Some(value) = kwargs.get_mut(spec.canonical)
            {
                *value = Value::from("[redacted]");
            }
        }
        if let Some(Value::Object(headers)) = values.get_mut("access_token_headers") {
            for value in headers.values_mut() {
                *value = Value::from("[redacted]");
            }
        }
        f.debug_struct("AppSettings")
            .field("app", &self.app)
            .field("values", &values)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

impl AppSettingsLookup {
    /// A value given in code (`remote_app(..., base_url=...)`, `register(..., client_id=...)`),
    /// in either vocabulary.
    pub fn given(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.code.push((key.into(), value.into()));
        self
    }

    /// Authlib's `register(..., overwrite=True)`: the config wins over values given in code.
    /// Has no effect on Flask-OAuthlib lookups, where code always wins.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Reads the config now and resolves the settings.
    ///
    /// # Errors
    /// [`ConfigError::UnknownKey`], [`ConfigError::Misplaced`], [`ConfigError::MixedProtocols`],
    /// [`ConfigError::Conflict`], [`ConfigError::InvalidJson`], [`ConfigError::WrongType`], or a source that
    /// could not be read.
    pub fn resolve(mut self, config: &Config) -> Result<AppSettings, ConfigError> {
        let code = normalize(
            &self.app,
            std::mem::take(&mut self.code)
                .into_iter()
                .map(|(k, v)| (k, v, "code".to_owned())),
        )?;
        let (table_name, prefix, table) = match &self.vocabulary {
            Vocabulary::FlaskOAuthlib { app_key: None } => {
                return self.merge(code, Layer::new(), Searched::Code);
            }
            Vocabulary::FlaskOAuthlib {
                app_key: Some(app_key),
            } => (
                app_key.clone(),
                app_key.clone(),
                find_table(config, app_key, None)?,
            ),
            Vocabulary::Authlib => (
                format!("{DJANGO_TABLE}[{}]", self.app),
                self.app.to_uppercase(),
                find_table(config, DJANGO_TABLE, Some(&self.app))?,
            ),
        };
        let (from_config, searched) = match table {
            Some((origin, map)) => {
                let place = format!("table {table_name} of {origin}");
                let entries = map.into_iter().map(|(k, v)| (k, v, place.clone()));
                let layer = normalize(&self.app, entries)?;
                (
                    layer,
                    Searched::Table {
                        name: table_name,
                        origin,
                    },
                )
            }
            None => {
                check_flat_typos(config, &self.app, &prefix)?;
                let layer = normalize(&self.app, flat_entries(config, &prefix)?)?;
                let sources = config.sources().map(Source::label).collect();
                (
                    layer,
                    Searched::Flat {
                        prefix,
                        table: table_name,
                        sources,
                    },
                )
            }
        };
        self.merge(code, from_config, searched)
    }

    /// Code and config by the vocabulary's precedence, then the checks on the whole.
    fn merge(
        self,
        code: Layer,
        from_config: Layer,
        searched: Searched,
    ) -> Result<AppSettings, ConfigError> {
        let overwrite = self.overwrite && self.vocabulary == Vocabulary::Authlib;
        let mut values = if overwrite {
            code.clone()
        } else {
            from_config.clone()
        };
        let winner = if overwrite { from_config } else { code };
        for (key, value) in winner {
            match (values.get_mut(&key), value) {
                (Some(Value::Object(base)), Value::Object(update)) if overwrite => {
                    base.extend(update)
                }
                (_, value) => {
                    values.insert(key, value);
                }
            }
        }
        check_one_protocol(&self.app, &values)?;
        let client_secret = match values.remove("client_secret") {
            None => None,
            Some(Value::String(s)) => Some(ClientSecret::new(s)),
            Some(_) => {
                return Err(ConfigError::WrongType {
                    key: "client_secret".to_owned(),
                    origin: format!("the settings of app `{}`", self.app),
                    expected: "a string",
                });
            }
        };
        Ok(AppSettings {
            app: self.app,
            values,
            client_secret,
            searched,
        })
    }
}

/// The first source's table `name` (or, with `entry`, that table's entry for the app).
fn find_table(
    config: &Config,
    name: &str,
    entry: Option<&str>,
) -> Result<Option<FoundTable>, ConfigError> {
    for source in config.sources() {
        let Some(mut table) = source.get_table(name)? else {
            continue;
        };
        let table = match entry {
            None => table,
            Some(app) => match table.remove(app) {
                None | Some(Value::Null) => continue,
                Some(Value::Object(map)) => map,
                Some(_) => {
                    return Err(ConfigError::WrongType {
                        key: format!("{name}[{app}]"),
                        origin: source.label(),
                        expected: "a table",
                    });
                }
            },
        };
        return Ok(Some((source.label(), table)));
    }
    Ok(None)
}

/// Flat keys `{PREFIX}_{KEY}` for every known key, each from the first source that has it.
fn flat_entries(
    config: &Config,
    prefix: &str,
) -> Result<Vec<(String, Value, String)>, ConfigError> {
    let mut entries = Vec::new();
    for key in KNOWN_KEYS {
        let flat = format!("{prefix}_{}", key.to_uppercase());
        for source in config.sources() {
            let Some(value) = source.get(&flat)? else {
                continue;
            };
            let value = match value {
                Value::String(text) if is_structured(key) => {
                    serde_json::from_str(&text).map_err(|err| ConfigError::InvalidJson {
                        key: flat.clone(),
                        origin: source.label(),
                        message: format!("line {} column {}", err.line(), err.column()),
                    })?
                }
                value => value,
            };
            entries.push((
                (*key).to_owned(),
                value,
                format!("{flat} in {}", source.label()),
            ));
            break;
        }
    }
    Ok(entries)
}

/// One place's entries under canonical names; two spellings with different values conflict.
fn normalize(
    app: &str,
    entries: impl IntoIterator<Item = (String, Value, String)>,
) -> Result<Layer, ConfigError> {
    let mut layer = Layer::new();
    let mut seen: Map<String, Value> = Map::new();
    for (key, value, place) in entries {
        check_known(app, &key, &place)?;
        if value.is_null() {
            continue;
        }
        let canonical = AppSettings::canonical(&key).to_owned();
        if let Some(existing) = layer.get(&canonical) {
            if *existing != value {
                let first = seen[&canonical].as_str().unwrap_or_default().to_owned();
                return Err(ConfigError::Conflict {
                    app: app.to_owned(),
                    first,
                    second: describe(&key, &place),
                });
            }
            continue;
        }
        seen.insert(canonical.clone(), Value::String(describe(&key, &place)));
        layer.insert(canonical, value);
    }
    Ok(layer)
}

/// A key given in code or in a table must be a setting of the key table (or a server metadata
/// field, kept as Authlib keeps it).
fn check_known(app: &str, key: &str, place: &str) -> Result<(), ConfigError> {
    match keys::spec(key) {
        Some(spec) if spec.place == Place::RemoteAppCode => Err(ConfigError::Misplaced {
            app: app.to_owned(),
            key: key.to_owned(),
            origin: place.to_owned(),
            reason: "it is Flask-OAuthlib's `remote_app` keyword, given in code \
                     (`RegisterOptions::app_key`) to `OAuth::remote_app` only",
        }),
        Some(_) => Ok(()),
        None if keys::is_metadata(key) => Ok(()),
        None => Err(ConfigError::UnknownKey {
            app: app.to_owned(),
            key: key.to_owned(),
            origin: place.to_owned(),
            suggestion: keys::nearest(key).to_owned(),
        }),
    }
}

/// A flat key with the app's prefix one or two edits away from a known one
/// (`TWITTER_CONSUMER_SECRT`) is a typo. Others are left alone: the flat namespace is shared
/// with the rest of the configuration (`GITHUB_TOKEN` in CI).
fn check_flat_typos(config: &Config, app: &str, prefix: &str) -> Result<(), ConfigError> {
    let head = format!("{prefix}_");
    for source in config.sources() {
        for name in source.keys()? {
            let Some(rest) = name.strip_prefix(&head) else {
                continue;
            };
            let rest = rest.to_ascii_lowercase();
            if KNOWN_KEYS.contains(&rest.as_str()) {
                continue;
            }
            let near = KNOWN_KEYS
                .iter()
                .map(|known| (keys::edit_distance(&rest, known), known))
                .min();
            if let Some((1..=2, known)) = near {
                return Err(ConfigError::UnknownKey {
                    app: app.to_owned(),
                    key: name.clone(),
                    origin: source.label(),
                    suggestion: format!("{head}{}", known.to_uppercase()),
                });
            }
        }
    }
    Ok(())
}

/// An app speaks one OAuth: an OAuth 1-only setting beside an OAuth 2-only one (at the top
/// level or in `client_kwargs`) is an error naming both.
fn check_one_protocol(app: &str, values: &Layer) -> Result<(), ConfigError> {
    let kwargs = values.get("client_kwargs").and_then(Value::as_object);
    let given = |protocol: KeyProtocol| {
        keys::KEYS
            .iter()
            .filter(|spec| spec.protocol == protocol)
            .find(|spec| {
                let set = |map: &Map<String, Value>| {
                    map.get(spec.canonical).is_some_and(|v| !v.is_null())
                };
                set(values) || kwargs.is_some_and(set)
            })
            .map(|spec| spec.name)
    };
    match (given(KeyProtocol::OAuth1), given(KeyProtocol::OAuth2)) {
        (Some(oauth1), Some(oauth2)) => Err(ConfigError::MixedProtocols {
            app: app.to_owned(),
            oauth1: oauth1.to_owned(),
            oauth2: oauth2.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Whether a setting's value is a table (a JSON string in flat keys).
fn is_structured(key: &str) -> bool {
    keys::spec(key).is_some_and(|spec| spec.kind == Kind::Table)
}

fn describe(key: &str, place: &str) -> String {
    if place.contains(&key.to_uppercase()) {
        format!("`{place}`")
    } else {
        format!("`{key}` ({place})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;
    use serde_json::json;

    fn env(vars: &[(&str, &str)]) -> Config {
        Config::from_env_source(vars.iter().copied().collect::<MapEnv>())
    }

    #[test]
    fn table_beats_flat_and_flat_is_ignored_while_it_exists() {
        let config = Config::from_toml_str("[TWITTER]\nconsumer_key = \"table\"\n")
            .unwrap()
            .merge(env(&[
                ("TWITTER_CONSUMER_KEY", "flat"),
                ("TWITTER_CONSUMER_SECRET", "flat-secret"),
            ]));
        let s = AppSettings::flask_oauthlib("twitter", "TWITTER")
            .resolve(&config)
            .unwrap();
        assert_eq!(s.client_id(), Some("table"));
        assert!(s.client_secret().is_none());
    }

    #[test]
    fn flat_keys_without_table() {
        let config = env(&[
            ("TWITTER_CONSUMER_KEY", "k"),
            ("TWITTER_CONSUMER_SECRET", "s"),
        ]);
        let s = AppSettings::flask_oauthlib("twitter", "TWITTER")
            .resolve(&config)
            .unwrap();
        assert_eq!(s.require_str("consumer_key").unwrap(), "k");
        assert_eq!(s.require_client_secret().unwrap().expose_secret(), "s");
    }

    #[test]
    fn code_beats_table() {
        let config = Config::from_values([("TWITTER", json!({"base_url": "https://table/"}))]);
        let s = AppSettings::flask_oauthlib("twitter", "TWITTER")
            .given("base_url", "https://code/")
            .given("request_token_url", Value::Null) // None falls through, as in Flask-OAuthlib
            .overwrite(true) // no effect on Flask-OAuthlib lookups
            .resolve(&config)
            .unwrap();
        assert_eq!(s.get("base_url").unwrap(), "https://code/");
        assert_eq!(s.get("request_token_url"), None);
    }

    #[test]
    fn authlib_code_wins_unless_overwrite() {
        let config = env(&[
            ("GITHUB_CLIENT_ID", "config-id"),
            ("GITHUB_CLIENT_KWARGS", r#"{"scope": "user"}"#),
        ]);
        let lookup = AppSettings::authlib("github")
            .given("client_id", "code-id")
            .given(
                "client_kwargs",
                json!({"scope": "repo", "token_placement": "header"}),
            );
        let s = lookup.clone().resolve(&config).unwrap();
        assert_eq!(s.client_id(), Some("code-id"));
        assert_eq!(s.get("client_kwargs").unwrap()["scope"], "repo");
        let s = lookup.overwrite(true).resolve(&config).unwrap();
        assert_eq!(s.client_id(), Some("config-id"));
        // Tables given in code are updated, not replaced (Authlib's `_config_client`).
        assert_eq!(
            s.get("client_kwargs").unwrap(),
            &json!({"scope": "user", "token_placement": "header"})
        );
    }

    #[test]
    fn json_in_flat_structured_values() {
        let config = env(&[("TWITTER_REQUEST_TOKEN_PARAMS", r#"{"scope": "email"}"#)]);
        let s = AppSettings::flask_oauthlib("twitter", "TWITTER")
            .resolve(&config)
            .unwrap();
        assert_eq!(
            s.get("request_token_params").unwrap(),
            &json!({"scope": "email"})
        );
        let bad = env(&[("GITHUB_CLIENT_KWARGS", "{scope")]);
        let err = AppSettings::authlib("github").resolve(&bad).unwrap_err();
        assert!(
            matches!(err, ConfigError::InvalidJson { ref key, .. } if key == "GITHUB_CLIENT_KWARGS"),
            "{err}"
        );
    }

    #[test]
    fn django_table() {
        let config = Config::from_toml_str(
            "[AUTHLIB_OAUTH_CLIENTS.github]\nclient_id = \"django\"\nuserinfo_endpoint = \"https://u/\"\n",
        )
        .unwrap()
        .merge(env(&[("GITHUB_CLIENT_SECRET", "ignored")]));
        let s = AppSettings::authlib("github").resolve(&config).unwrap();
        assert_eq!(s.client_id(), Some("django"));
        assert!(s.client_secret().is_none());
        assert_eq!(
            s.extras().collect::<Vec<_>>(),
            [("userinfo_endpoint", &json!("https://u/"))]
        );
        let err = s.require_client_secret().unwrap_err().to_string();
        assert_eq!(
            err,
            "client_secret for app `github`: not given in code, not in table \
             AUTHLIB_OAUTH_CLIENTS[github] of TOML string (flat keys GITHUB_* are ignored while it exists)"
        );
    }

    #[test]
    fn synonym_conflict_names_both() {
        let config =
            Config::from_values([("TWITTER", json!({"consumer_key": "a", "client_id": "b"}))]);
        let err = AppSettings::flask_oauthlib("twitter", "TWITTER")
            .resolve(&config)
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ConfigError::Conflict { .. }));
        assert!(
            msg.contains("`consumer_key`") && msg.contains("`client_id`"),
            "{msg}"
        );
        // Same value under both spellings is fine; across places, precedence decides.
        let same =
            Config::from_values([("TWITTER", json!({"consumer_key": "a", "client_id": "a"}))]);
        let s = AppSettings::flask_oauthlib("twitter", "TWITTER")
            .given("client_id", "code")
            .resolve(&same)
            .unwrap();
        assert_eq!(s.client_id(), Some("code"));
        let flat = env(&[("TWITTER_CONSUMER_KEY", "a"), ("TWITTER_CLIENT_ID", "b")]);
        let err = AppSettings::flask_oauthlib("twitter", "TWITTER")
            .resolve(&flat)
            .unwrap_err();
        assert!(
            err.to_string().contains("TWITTER_CLIENT_ID in env"),
            "{err}"
        );
    }

    #[test]
    fn missing_key_lists_every_place() {
        let dir =
            std::env::temp_dir().join(format!("oauth-compat-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("app.toml");
        std::fs::write(
            &path,
            "TWITTER_BASE_URL = \"https://api.twitter.com/1.1/\"\n",
        )
        .unwrap();
        let config =
            env(&[("TWITTER_CONSUMER_SECRET", "s3cr3t")]).merge(Config::from_toml_file(&path));
        let s = AppSettings::flask_oauthlib("twitter", "TWITTER")
            .resolve(&config)
            .unwrap();
        assert_eq!(
            s.get("api_base_url").unwrap(),
            "https://api.twitter.com/1.1/"
        );
        let err = s.require_str("consumer_key").unwrap_err();
        let file = path.display();
        assert_eq!(
            err.to_string(),
            format!(
                "consumer_key for app `twitter`: not given in code, no table TWITTER in env or {file}, \
                 not in env TWITTER_CONSUMER_KEY or TWITTER_CLIENT_ID, \
                 not in {file} TWITTER_CONSUMER_KEY or TWITTER_CLIENT_ID"
            )
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn secrets_never_in_debug() {
        let config = Config::from_values([(
            "TWITTER",
            json!({"consumer_secret": "s3cr3t", "client_kwargs": {"rsa_key": "PRIVATE"}}),
        )]);
        let s = AppSettings::flask_oauthlib("twitter", "TWITTER")
            .resolve(&config)
            .unwrap();
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("PRIVATE"),
            "{debug}"
        );
        // A key given top-level (`register(.., rsa_key=..)`) is the one the client reads first.
        let top = AppSettings::authlib("twitter")
            .given("rsa_key", "TOP-LEVEL-PRIVATE")
            .resolve(&Config::default())
            .unwrap();
        let debug = format!("{top:?}");
        assert!(!debug.contains("TOP-LEVEL-PRIVATE"), "{debug}");
        assert_eq!(top.get("rsa_key").unwrap(), "TOP-LEVEL-PRIVATE");
        assert_eq!(s.get("consumer_secret"), None);
        assert_eq!(s.client_secret().unwrap().expose_secret(), "s3cr3t");
    }
}
