//! The configuration layer's error.

use std::path::PathBuf;

/// Why a configuration source could not be read or an app's settings could not be resolved.
///
/// No variant carries a configuration value: values may be secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required setting was found nowhere. `places` lists every place that was searched.
    #[error("{field} for app `{app}`: {}", places.join(", "))]
    Missing {
        /// The app's name (as given to `remote_app` / `register`).
        app: String,
        /// The setting, spelled as the caller asked for it.
        field: String,
        /// Every place looked at, in order (`not given in code`, `not in table TWITTER of app.toml`, ...).
        places: Vec<String>,
    },
    /// Two spellings of one setting (`consumer_key` and `client_id`, ...) were given in the
    /// same place with different values.
    #[error(
        "app `{app}`: {first} and {second} are the same setting with different values; keep only one"
    )]
    Conflict {
        /// The app's name.
        app: String,
        /// The first spelling and where it was found.
        first: String,
        /// The second spelling and where it was found.
        second: String,
    },
    /// A key that is no setting of a remote app, given in code or in the app's config table, or
    /// a flat key one or two edits away from a setting's. Names the nearest known key.
    #[error("app `{app}`: unknown setting `{key}` in {origin}; did you mean `{suggestion}`?")]
    UnknownKey {
        /// The app's name.
        app: String,
        /// The key as given (the flat key for flat keys).
        key: String,
        /// Where it was given (`code`, `table TWITTER of app.toml`, `env`, ...).
        origin: String,
        /// The nearest known key, spelled as `key` is (a flat key for flat keys).
        suggestion: String,
    },
    /// A known setting given where it has no meaning (`app_key` in a config table, or to
    /// Authlib's `register`).
    #[error("app `{app}`: `{key}` in {origin}: {reason}")]
    Misplaced {
        /// The app's name.
        app: String,
        /// The setting.
        key: String,
        /// Where it was given.
        origin: String,
        /// Where it belongs instead.
        reason: &'static str,
    },
    /// An OAuth 1-only setting beside an OAuth 2-only one: an app speaks one protocol.
    #[error(
        "app `{app}`: `{oauth1}` is an OAuth 1 setting and `{oauth2}` an OAuth 2 one; an app speaks one protocol, keep the settings of one"
    )]
    MixedProtocols {
        /// The app's name.
        app: String,
        /// The OAuth 1-only setting found.
        oauth1: String,
        /// The OAuth 2-only setting found.
        oauth2: String,
    },
    /// A structured setting given as a string in a flat key was not valid JSON.
    #[error(
        "{key} in {origin}: not valid JSON ({message}); structured values in flat keys are JSON, such as {{\"scope\": \"email\"}}"
    )]
    InvalidJson {
        /// The flat key (`TWITTER_REQUEST_TOKEN_PARAMS`).
        key: String,
        /// The source it came from.
        origin: String,
        /// What the JSON parser said (position, not content).
        message: String,
    },
    /// A setting has the wrong type (a table where a string belongs, ...).
    #[error("{key} in {origin}: expected {expected}")]
    WrongType {
        /// The setting or key.
        key: String,
        /// The source it came from.
        origin: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A TOML file given to [`Config::from_toml_file`](super::Config::from_toml_file) could
    /// not be read.
    #[error("cannot read TOML configuration {}: {source}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A TOML document is not valid TOML.
    #[error("invalid TOML in {origin} at byte {offset}: {message}")]
    Toml {
        /// The file path, or `TOML string`.
        origin: String,
        /// Where the error is (byte offset); the offending line is not quoted, it may hold a secret.
        offset: usize,
        /// What the parser said.
        message: String,
    },
}
