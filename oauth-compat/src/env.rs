//! Where process environment variables come from.
//!
//! Code that reads the environment (the example signer, the insecure-transport switch, lazy
//! configuration) takes an [`EnvSource`] instead of calling `std::env::var`, so tests can hand
//! it a [`MapEnv`]: under `forbid(unsafe_code)` a test cannot call `std::env::set_var`, and it
//! should not change the environment of the other tests running beside it anyway.

use std::collections::HashMap;

/// A source of environment variables.
///
/// ```
/// use oauth_compat::{EnvSource, MapEnv};
/// let env = MapEnv::from_iter([("PORT", "8080")]);
/// assert_eq!(env.var("PORT").as_deref(), Some("8080"));
/// assert_eq!(env.var("HOME"), None);
/// ```
pub trait EnvSource: Send + Sync {
    /// The value of `name`, or `None` when it is unset or not valid Unicode.
    fn var(&self, name: &str) -> Option<String>;

    /// The names of the variables set (valid Unicode only), for checks such as the flat-key
    /// typo check of app settings. Default: none (a source that cannot list its names).
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn names(&self) -> Vec<String> {
        std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .collect()
    }
}

/// A fixed set of variables, for tests and for embedding.
#[derive(Debug, Clone, Default)]
pub struct MapEnv(HashMap<String, String>);

impl MapEnv {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) one variable.
    pub fn set(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.insert(name.into(), value.into());
        self
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for MapEnv {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl EnvSource for MapEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }

    fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
}

impl<T: EnvSource + ?Sized> EnvSource for &T {
    fn var(&self, name: &str) -> Option<String> {
        (**self).var(name)
    }

    fn names(&self) -> Vec<String> {
        (**self).names()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_env_set_replaces() {
        let env = MapEnv::new().set("A", "1").set("A", "2");
        assert_eq!(env.var("A").as_deref(), Some("2"));
    }

    #[test]
    fn process_env_reads_path() {
        // PATH is set for every test process cargo starts.
        assert!(ProcessEnv.var("PATH").is_some());
        assert_eq!(ProcessEnv.var("OAUTH_COMPAT_SURELY_UNSET_VARIABLE"), None);
    }
}
