//! One remote app's settings, resolved from code and a [`Config`].

use std::fmt;

use serde_json::{Map, Value};

use super::{Config, Error, Source};
use crate::secret::ClientSecret;

/// Every top-level setting of both vocabularies (Flask-OAuthlib's `remote_app` and Authlib's
/// `register`), read from flat keys. Synonyms ([`AppSettings::canonical`]) resolve to one field.
pub const KNOWN_KEYS: &[&str] = &[
    // Flask-OAuthlib
    "consumer_key",
    "consumer_secret",
    "request_token_params",
    "request_token_url",
    "request_token_method",
    "access_token_url",
    "access_token_params",
    "access_token_method",
    "access_token_headers",
    "authorize_url",
    "base_url",
    "content_type",
    "app_key",
    "encoding",
    "rsa_key",
    "signature_method",
    // Authlib (`client_kwargs` holds scope, token_endpoint_auth_method, token_placement,
    // signature_method, signature_type, rsa_key, code_challenge_method)
    "client_id",
    "client_secret",
    "refresh_token_url",
    "refresh_token_params",
    "authorize_params",
    "api_base_url",
    "server_metadata_url",
    "client_kwargs",
];

/// Flask-OAuthlib spelling → the field it is stored under (Authlib's spelling).
const SYNONYMS: &[(&str, &str)] = &[
    ("consumer_key", "client_id"),
    ("consumer_secret", "client_secret"),
    ("base_url", "api_base_url"),
];

/// Settings whose values are tables; given as strings in flat keys, they are JSON.
const STRUCTURED: &[&str] = &[
    "request_token_params",
    "access_token_params",
    "access_token_headers",
    "refresh_token_params",
    "authorize_params",
    "client_kwargs",
];

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
///   [`Error::Conflict`]; across places, precedence decides.
/// - Structured settings (`request_token_params`, `client_kwargs`, ...) in flat keys are JSON
///   strings (`GITHUB_CLIENT_KWARGS='{"scope": "user"}'`).
/// - A `null` value counts as not given (Flask-OAuthlib's `None` falls through to the config).
/// - Unknown keys are kept, not rejected: Authlib keeps unknown `register` arguments (as server
///   metadata) and both Pythons ignore unknown table entries; [`extras`](Self::extras) hands
///   them to later layers. Flat keys are read only for [`KNOWN_KEYS`], as Authlib does.
///
/// `Debug` never prints `client_secret`, `rsa_key` (top level or in `client_kwargs`) or the
/// values of `access_token_headers`.
///
/// ```
/// use oauth_compat::config::{AppSettings, Config};
/// use oauth_compat::env::MapEnv;
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
/// # Ok::<(), oauth_compat::config::Error>(())
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
    style: Style,
    code: Vec<(String, Value)>,
    overwrite: bool,
}

#[derive(Clone, Debug)]
enum Style {
    AppKey(String),
    Authlib,
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
        AppSettingsLookup {
            app: name.into(),
            style: Style::AppKey(app_key.into()),
            code: Vec::new(),
            overwrite: false,
        }
    }

    /// Authlib's `oauth.register(name, ...)`: flat keys `{NAME}_{KEY}` and Django's
    /// `AUTHLIB_OAUTH_CLIENTS[name]`.
    pub fn authlib(name: impl Into<String>) -> AppSettingsLookup {
        AppSettingsLookup {
            app: name.into(),
            style: Style::Authlib,
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
        SYNONYMS
            .iter()
            .find(|(alias, _)| *alias == key)
            .map_or(key, |(_, canonical)| canonical)
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
    /// [`Error::Missing`] naming every place looked at; [`Error::WrongType`] if not a string.
    pub fn require_str(&self, key: &str) -> Result<&str, Error> {
        match self.get(key) {
            None => Err(self.missing(key)),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(Error::WrongType {
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
    /// [`Error::Missing`] naming every place looked at.
    pub fn require_client_secret(&self) -> Result<&ClientSecret, Error> {
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

    /// Settings outside [`KNOWN_KEYS`], kept for later layers (Authlib's server metadata).
    pub fn extras(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values
            .iter()
            .filter(|(k, _)| !KNOWN_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// The error for a missing setting: every place it was looked for.
    pub fn missing(&self, field: &str) -> Error {
        let spellings: Vec<&str> = SYNONYMS
            .iter()
            .filter(|(alias, canonical)| *alias == field || *canonical == field)
            .flat_map(|(alias, canonical)| [*alias, *canonical])
            .chain((!SYNONYMS.iter().any(|(a, c)| *a == field || *c == field)).then_some(field))
            .collect();
        let mut places = vec!["not given in code".to_owned()];
        match &self.searched {
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
        Error::Missing {
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
        if values.contains_key("rsa_key") {
            values.insert("rsa_key".to_owned(), Value::from("[redacted]"));
        }
        if let Some(Value::Object(kwargs)) = values.get_mut("client_kwargs")
            && kwargs.contains_key("rsa_key")
        {
            kwargs.insert("rsa_key".to_owned(), Value::from("[redacted]"));
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
    /// [`Error::Conflict`], [`Error::InvalidJson`], [`Error::WrongType`], or a source that
    /// could not be read.
    pub fn resolve(self, config: &Config) -> Result<AppSettings, Error> {
        let code = normalize(
            &self.app,
            self.code
                .into_iter()
                .map(|(k, v)| (k, v, "code".to_owned())),
        )?;
        let (table_name, prefix, table) = match &self.style {
            Style::AppKey(app_key) => (
                app_key.clone(),
                app_key.clone(),
                find_table(config, app_key, None)?,
            ),
            Style::Authlib => (
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
        let overwrite = self.overwrite && matches!(self.style, Style::Authlib);
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
        let client_secret = match values.remove("client_secret") {
            None => None,
            Some(Value::String(s)) => Some(ClientSecret::new(s)),
            Some(_) => {
                return Err(Error::WrongType {
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
) -> Result<Option<FoundTable>, Error> {
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
                    return Err(Error::WrongType {
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
fn flat_entries(config: &Config, prefix: &str) -> Result<Vec<(String, Value, String)>, Error> {
    let mut entries = Vec::new();
    for key in KNOWN_KEYS {
        let flat = format!("{prefix}_{}", key.to_uppercase());
        for source in config.sources() {
            let Some(value) = source.get(&flat)? else {
                continue;
            };
            let value = match value {
                Value::String(text) if STRUCTURED.contains(key) => serde_json::from_str(&text)
                    .map_err(|err| Error::InvalidJson {
                        key: flat.clone(),
                        origin: source.label(),
                        message: format!("line {} column {}", err.line(), err.column()),
                    })?,
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
) -> Result<Layer, Error> {
    let mut layer = Layer::new();
    let mut seen: Map<String, Value> = Map::new();
    for (key, value, place) in entries {
        if value.is_null() {
            continue;
        }
        let canonical = AppSettings::canonical(&key).to_owned();
        if let Some(existing) = layer.get(&canonical) {
            if *existing != value {
                let first = seen[&canonical].as_str().unwrap_or_default().to_owned();
                return Err(Error::Conflict {
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
            matches!(err, Error::InvalidJson { ref key, .. } if key == "GITHUB_CLIENT_KWARGS"),
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
        assert!(matches!(err, Error::Conflict { .. }));
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
