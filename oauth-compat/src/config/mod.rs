//! Lazy configuration: Flask's `app.config`, read when an app is first used.
//!
//! A [`Config`] is an ordered list of sources (the process environment, a TOML document or file,
//! a map, values given in code), each read at lookup time, not when the `Config` is built. The
//! first source that has a key wins ([`Config::merge`]). [`AppSettings`] resolves one remote
//! app's settings from it, with the precedence rules of Flask-OAuthlib's `app_key` and of
//! Authlib's `{NAME}_{KEY}` and Django `AUTHLIB_OAUTH_CLIENTS` (see [`AppSettings`]).
//!
//! ```
//! use oauth_compat::config::{AppSettings, Config};
//! use oauth_compat::MapEnv;
//!
//! let config = Config::from_env_source(MapEnv::new().set("TWITTER_CONSUMER_SECRET", "s3cr3t"))
//!     .merge(Config::from_toml_str(r#"TWITTER_CONSUMER_KEY = "key""#)?);
//! let twitter = AppSettings::flask_oauthlib("twitter", "TWITTER").resolve(&config)?;
//! assert_eq!(twitter.require_str("consumer_key")?, "key");
//! assert_eq!(twitter.require_client_secret()?.expose_secret(), "s3cr3t");
//! # Ok::<(), oauth_compat::config::ConfigError>(())
//! ```

mod error;
pub(crate) mod keys;
mod settings;

pub use error::ConfigError;
pub use settings::{AppSettings, AppSettingsLookup, KNOWN_KEYS, Vocabulary};

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::env::{EnvSource, ProcessEnv};

/// An ordered set of configuration sources, each read lazily at lookup.
///
/// Cheap to clone (sources are shared).
///
/// ```
/// use oauth_compat::config::Config;
/// use serde_json::json;
///
/// let config = Config::from_values([("GITHUB_CLIENT_ID", json!("from-code"))])
///     .merge(Config::from_toml_str("GITHUB_CLIENT_ID = \"from-toml\"\nGITHUB_SCOPE = \"user\"")?);
/// assert_eq!(config.get("GITHUB_CLIENT_ID")?, Some(json!("from-code"))); // earlier wins
/// assert_eq!(config.get("GITHUB_SCOPE")?, Some(json!("user")));
/// assert_eq!(config.get("GITHUB_NOPE")?, None);
/// # Ok::<(), oauth_compat::config::ConfigError>(())
/// ```
#[derive(Clone, Default)]
pub struct Config {
    sources: Vec<Arc<Source>>,
}

enum Source {
    Env(Box<dyn EnvSource>),
    TomlStr(Map<String, Value>),
    TomlFile(PathBuf),
    Map {
        label: String,
        map: Map<String, Value>,
    },
}

impl Config {
    /// A configuration with no source: every lookup finds nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// The process environment, read at each lookup (values are strings; structured settings
    /// in flat variables are JSON).
    pub fn from_env() -> Self {
        Self::from_env_source(ProcessEnv)
    }

    /// Any [`EnvSource`], such as a [`MapEnv`](crate::env::MapEnv) in tests.
    pub fn from_env_source(env: impl EnvSource + 'static) -> Self {
        Self::one(Source::Env(Box::new(env)))
    }

    /// A TOML document given as a string, parsed now.
    ///
    /// # Errors
    /// [`ConfigError::Toml`] if the document is not valid TOML.
    pub fn from_toml_str(document: &str) -> Result<Self, ConfigError> {
        Ok(Self::one(Source::TomlStr(parse_toml(
            document,
            "TOML string",
        )?)))
    }

    /// A TOML file, read and parsed at each lookup (so it may be written after the `Config`
    /// is built, as Flask apps load config after creating the extension). A missing or invalid
    /// file is an error at lookup ([`ConfigError::ReadFile`], [`ConfigError::Toml`]), not an empty source.
    pub fn from_toml_file(path: impl Into<PathBuf>) -> Self {
        Self::one(Source::TomlFile(path.into()))
    }

    /// A map of JSON values (Flask's `app.config.update({...})`).
    pub fn from_map(map: Map<String, Value>) -> Self {
        Self::one(Source::Map {
            label: "map".to_owned(),
            map,
        })
    }

    /// Values given in code (`app.config['TWITTER_CONSUMER_KEY'] = ...`).
    pub fn from_values<K: Into<String>, V: Into<Value>>(
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self::one(Source::Map {
            label: "config values".to_owned(),
            map: values
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        })
    }

    /// Both sets of sources, `self`'s first: for each key, **the earlier source wins**. Keys
    /// are merged, not tables: a `[TWITTER]` table found in `self` hides one in `other` whole.
    pub fn merge(mut self, other: Config) -> Self {
        self.sources.extend(other.sources);
        self
    }

    /// The value of a top-level key from the first source that has it.
    ///
    /// # Errors
    /// Reading a TOML file failed.
    pub fn get(&self, key: &str) -> Result<Option<Value>, ConfigError> {
        for source in &self.sources {
            if let Some(value) = source.get(key)? {
                return Ok(Some(value));
            }
        }
        Ok(None)
    }

    /// The sources, in order, for resolution with per-source error messages.
    fn sources(&self) -> impl Iterator<Item = &Source> {
        self.sources.iter().map(|s| &**s)
    }

    fn one(source: Source) -> Self {
        Self {
            sources: vec![Arc::new(source)],
        }
    }
}

impl fmt::Debug for Config {
    /// Lists the sources, never their values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.sources().map(Source::label))
            .finish()
    }
}

impl Source {
    /// How errors name this source.
    fn label(&self) -> String {
        match self {
            Self::Env(_) => "env".to_owned(),
            Self::TomlStr(_) => "TOML string".to_owned(),
            Self::TomlFile(path) => path.display().to_string(),
            Self::Map { label, .. } => label.clone(),
        }
    }

    /// Whether values are strings that may hold JSON (the environment) rather than typed.
    fn is_env(&self) -> bool {
        matches!(self, Self::Env(_))
    }

    /// Every top-level key (for the flat-key typo check); an environment lists its names
    /// through [`EnvSource::names`].
    fn keys(&self) -> Result<Vec<String>, ConfigError> {
        Ok(match self {
            Self::Env(env) => env.names(),
            Self::TomlStr(map) | Self::Map { map, .. } => map.keys().cloned().collect(),
            Self::TomlFile(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
                        path: path.clone(),
                        source,
                    })?;
                parse_toml(&text, &path.display().to_string())?
                    .into_iter()
                    .map(|(key, _)| key)
                    .collect()
            }
        })
    }

    fn get(&self, key: &str) -> Result<Option<Value>, ConfigError> {
        Ok(match self {
            Self::Env(env) => env.var(key).map(Value::String),
            Self::TomlStr(map) | Self::Map { map, .. } => map.get(key).cloned(),
            Self::TomlFile(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
                        path: path.clone(),
                        source,
                    })?;
                parse_toml(&text, &path.display().to_string())?.remove(key)
            }
        })
    }

    /// A table-valued key: a TOML table or JSON object, or in the environment a JSON object.
    /// `Ok(None)` when absent; an environment variable that is not a JSON object is not a
    /// table (it is left to flat lookups).
    fn get_table(&self, key: &str) -> Result<Option<Map<String, Value>>, ConfigError> {
        match self.get(key)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(Value::String(text)) if self.is_env() => {
                Ok(serde_json::from_str::<Map<String, Value>>(&text).ok())
            }
            Some(_) => Err(ConfigError::WrongType {
                key: key.to_owned(),
                origin: self.label(),
                expected: "a table",
            }),
        }
    }
}

fn parse_toml(document: &str, origin: &str) -> Result<Map<String, Value>, ConfigError> {
    toml::from_str(document).map_err(|err: toml::de::Error| ConfigError::Toml {
        origin: origin.to_owned(),
        offset: err.span().map_or(0, |span| span.start),
        message: err.message().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;
    use serde_json::json;

    #[test]
    fn earlier_source_wins() {
        let config = Config::from_env_source(MapEnv::new().set("A", "env"))
            .merge(Config::from_values([("A", "code"), ("B", "code")]));
        assert_eq!(config.get("A").unwrap(), Some(json!("env")));
        assert_eq!(config.get("B").unwrap(), Some(json!("code")));
        assert_eq!(format!("{config:?}"), r#"["env", "config values"]"#);
    }

    #[test]
    fn toml_file_is_read_at_lookup() {
        let dir = std::env::temp_dir().join(format!("oauth-compat-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lazy.toml");
        let _ = std::fs::remove_file(&path);
        let config = Config::from_toml_file(&path);
        assert!(matches!(config.get("A"), Err(ConfigError::ReadFile { .. })));
        std::fs::write(&path, "A = 1\n[T]\nx = \"y\"\n").unwrap();
        assert_eq!(config.get("A").unwrap(), Some(json!(1)));
        assert_eq!(config.get("T").unwrap(), Some(json!({"x": "y"})));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn invalid_toml_error_does_not_quote_the_line() {
        let err = Config::from_toml_str("SECRET = \"hunter2").unwrap_err();
        assert!(matches!(err, ConfigError::Toml { .. }), "{err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn env_table_is_a_json_object() {
        let env = Config::from_env_source(
            MapEnv::new()
                .set("T", r#"{"consumer_key": "k"}"#)
                .set("S", "plain"),
        );
        let source = env.sources().next().unwrap();
        assert_eq!(
            source.get_table("T").unwrap(),
            Some(json!({"consumer_key": "k"}).as_object().unwrap().clone())
        );
        assert_eq!(source.get_table("S").unwrap(), None);
        let map = Config::from_values([("T", "str")]);
        assert!(matches!(
            map.sources().next().unwrap().get_table("T"),
            Err(ConfigError::WrongType { .. })
        ));
    }
}
