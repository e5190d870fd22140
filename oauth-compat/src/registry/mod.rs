//! The `OAuth` registry: Flask-OAuthlib's `OAuth(app)` and Authlib's `OAuth(app)`, one type.

mod flow;
mod metadata;
mod remote_app;
mod request;
mod tokens;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use serde_json::Value;

pub use flow::{
    CallbackQuery, FlowError, MemorySession, REQUEST_TOKEN_TTL, RequestTokenStore, SessionStore,
};
pub use remote_app::{Protocol, RemoteApp, RemoteClient};
pub use request::{DataFormat, RemoteRequest};

use crate::Engine;
use crate::cache::Cache;
use crate::cache::MemoryCache;
use crate::client::{BoxError, TokenUpdate};
use crate::config::{Config, Vocabulary};
use crate::hooks::Hooks;
use crate::oauth2::Token;
use tokens::{FetchTokenFn, UpdateTokenFn, erase_fetch, erase_update};

/// A registry of remote apps. Cheap to clone: clones share the apps, the configuration and the
/// engine, so one registry can sit in an axum state and serve every handler.
///
/// Apps are declared with [`OAuth::register`] (Authlib's defaults) or [`OAuth::remote_app`]
/// (Flask-OAuthlib's defaults) and looked up by name with [`OAuth::create_client`]. Nothing is
/// read from the configuration until an app is first used, so [`OAuth::init_app`] may come after
/// the declarations, as `oauth.init_app(app)` does in a Flask app factory.
///
/// ```
/// use oauth_compat::OAuth;
/// use oauth_compat::config::Config;
/// use oauth_compat::{Protocol, RegisterOptions};
///
/// let oauth = OAuth::new();
/// oauth.remote_app("twitter", RegisterOptions::new()
///     .app_key("TWITTER")
///     .base_url("https://api.twitter.com/1.1/")
///     .authorize_url("https://api.twitter.com/oauth/authenticate"));
/// // Read at first use: config given after the declaration still counts.
/// oauth.init_app(Config::from_toml_str(r#"
///     [TWITTER]
///     consumer_key = "key"
///     consumer_secret = "secret"
///     request_token_url = "https://api.twitter.com/oauth/request_token"
///     access_token_url = "https://api.twitter.com/oauth/access_token"
/// "#)?);
/// let twitter = oauth.create_client("twitter").expect("registered");
/// assert_eq!(twitter.protocol()?, Protocol::OAuth1); // request_token_url is set
/// assert_eq!(twitter.client_id()?, "key");
/// # Ok::<(), oauth_compat::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct OAuth {
    shared: Arc<Shared>,
    apps: Arc<RwLock<HashMap<String, RemoteApp>>>,
}

/// What apps share with their registry (kept apart from the app table so apps do not keep
/// their registry alive in a cycle).
#[derive(Default)]
pub(crate) struct Shared {
    config: RwLock<Config>,
    /// One engine (one connection pool) for every app, made at first use unless given.
    engine: Mutex<Option<Engine>>,
    /// Where OAuth 1 flows keep request tokens between redirect and callback (a
    /// [`MemoryCache`] made at first use unless given).
    request_token_cache: Mutex<Option<Arc<dyn Cache>>>,
    /// Where OAuth 2 apps take the refresh lock (none unless given).
    refresh_lock: Mutex<Option<Arc<dyn Cache>>>,
    /// Authlib's `OAuth(fetch_token=..)`: for apps without their own.
    fetch_token: RwLock<Option<FetchTokenFn>>,
    /// Authlib's `OAuth(update_token=..)`: for apps without their own.
    update_token: RwLock<Option<UpdateTokenFn>>,
}

impl Shared {
    pub(crate) fn config(&self) -> Config {
        self.config
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn engine(&self) -> Result<Engine, crate::Error> {
        let mut engine = self.engine.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(engine) = engine.as_ref() {
            return Ok(engine.clone());
        }
        let made = Engine::new()?;
        *engine = Some(made.clone());
        Ok(made)
    }

    pub(crate) fn fetch_token(&self) -> Option<FetchTokenFn> {
        self.fetch_token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn update_token(&self) -> Option<UpdateTokenFn> {
        self.update_token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn request_token_cache(&self) -> Arc<dyn Cache> {
        self.request_token_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| Arc::new(MemoryCache::new()))
            .clone()
    }

    pub(crate) fn refresh_lock(&self) -> Option<Arc<dyn Cache>> {
        self.refresh_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The settings given in code to [`OAuth::register`] or [`OAuth::remote_app`] (the keyword
/// arguments of the Python calls), in either vocabulary.
///
/// Each keyword has a typed setter of the same name, in both vocabularies (`.consumer_key(..)`,
/// `.client_id(..)`, `.request_token_url(..)`, `.client_kwargs(..)`, ...), written out from the
/// key table so a typo is a compile error: strings take `impl Into<String>`, tables (params,
/// headers, `client_kwargs`) a [`serde_json::Value`] object, methods an [`http::Method`].
/// [`set`](Self::set) takes the Python keyword as a string; a key that is no setting (nor a
/// server metadata field such as `userinfo_endpoint`, kept as Authlib keeps it) is
/// [`config::ConfigError::UnknownKey`](crate::config::ConfigError::UnknownKey) at the app's first use,
/// naming the nearest known key.
///
/// ```
/// use http::Method;
/// use oauth_compat::OAuth;
/// use oauth_compat::RegisterOptions;
///
/// let oauth = OAuth::new();
/// let typed = oauth.remote_app("typed", RegisterOptions::new()
///     .consumer_key("key")
///     .consumer_secret("secret")
///     .request_token_url("https://api.twitter.com/oauth/request_token")
///     .request_token_method(Method::POST));
/// let by_name = oauth.remote_app("by_name", RegisterOptions::new()
///     .set("consumer_key", "key")
///     .set("consumer_secret", "secret")
///     .set("request_token_url", "https://api.twitter.com/oauth/request_token")
///     .set("request_token_method", "POST"));
/// assert_eq!(typed.settings()?.get("request_token_method"), by_name.settings()?.get("request_token_method"));
///
/// let typo = oauth.remote_app("typo", RegisterOptions::new().set("request_token_methd", "POST"));
/// assert!(typo.settings().unwrap_err().to_string().contains("did you mean `request_token_method`?"));
/// # Ok::<(), oauth_compat::Error>(())
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct RegisterOptions {
    pub(crate) given: Vec<(String, Value)>,
    pub(crate) overwrite: bool,
    pub(crate) hooks: Hooks,
    pub(crate) request_token_store: Option<Arc<dyn RequestTokenStore>>,
    pub(crate) fetch_token: Option<FetchTokenFn>,
    pub(crate) update_token: Option<UpdateTokenFn>,
    pub(crate) state: Option<StateFn>,
}

/// Makes the OAuth 2 `state` of each authorization (seed 004's `'state': lambda: ..`).
pub(crate) type StateFn = Arc<dyn Fn() -> String + Send + Sync>;

impl RegisterOptions {
    /// No setting given in code: everything comes from the configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// A setting given in code by its Python keyword (`client_id="..."`); the typed setters
    /// are the same. An unknown key is an error at the app's first use.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.given.push((key.into(), value.into()));
        self
    }

    oauth_compat_macros::__settings_table!(setters);

    /// Flask-OAuthlib's `app_key` given to [`OAuth::remote_app`], taken out of the settings
    /// (the last one given wins, as a repeated keyword would). A value that is not a string
    /// stays among the settings, where resolution reports it.
    fn take_app_key(&mut self) -> Option<String> {
        let position = self
            .given
            .iter()
            .rposition(|(key, value)| key == "app_key" && value.is_string())?;
        let (_, value) = self.given.remove(position);
        self.given.retain(|(key, _)| key != "app_key");
        value.as_str().map(str::to_owned)
    }

    /// Authlib's `overwrite=True`: the configuration wins over values given in code.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Authlib's `save_request_token` / `fetch_request_token`: where this OAuth 1 app keeps
    /// request tokens for the callback (default: the registry's
    /// [`request_token_cache`](OAuth::request_token_cache)).
    pub fn request_token_store(mut self, store: Arc<dyn RequestTokenStore>) -> Self {
        self.request_token_store = Some(store);
        self
    }

    /// Authlib's `register(.., fetch_token=f)`: the token of an API call that names none,
    /// looked up by the call's context (`.context(user)`; `()` when it gives none). Wins over
    /// the registry's [`OAuth::fetch_token`]. `Ok(None)` is [`FlowError::NoToken`]; a context
    /// of another type than `C` is [`FlowError::WrongContext`].
    ///
    /// ```
    /// use oauth_compat::oauth2::Token;
    /// use oauth_compat::RegisterOptions;
    ///
    /// #[derive(Clone)]
    /// struct UserId(u64);
    /// let options = RegisterOptions::new().fetch_token(|user: UserId| async move {
    ///     // Look the user's token up in your store.
    ///     Ok::<_, std::io::Error>((user.0 == 1).then(|| Token::bearer("token-of-user-1")))
    /// });
    /// # let _ = options;
    /// ```
    pub fn fetch_token<C, F, Fut, E>(mut self, fetch: F) -> Self
    where
        C: std::any::Any + Clone + Send + Sync,
        F: Fn(C) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Option<Token>, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        self.fetch_token = Some(erase_fetch(move |_app: String, context: C| fetch(context)));
        self
    }

    /// Flask-OAuthlib's `@remote.tokengetter`: the same as [`fetch_token`](Self::fetch_token).
    /// A Flask tokengetter takes no argument (it reads `session`); its port takes the context
    /// the call passes, `()` when none: `.tokengetter(|()| async { .. })`.
    pub fn tokengetter<C, F, Fut, E>(self, fetch: F) -> Self
    where
        C: std::any::Any + Clone + Send + Sync,
        F: Fn(C) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Option<Token>, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        self.fetch_token(fetch)
    }

    /// Authlib's `register(.., update_token=f)`: called once per automatic refresh with the
    /// new token and the refresh token it replaced, to save it where `fetch_token` reads.
    /// Wins over the registry's [`OAuth::update_token`].
    pub fn update_token<F, Fut, E>(mut self, update: F) -> Self
    where
        F: Fn(TokenUpdate) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError>,
    {
        self.update_token = Some(erase_update(move |_app: String, token| update(token)));
        self
    }

    /// Seed 004's `request_token_params={'state': lambda: security.gen_salt(10)}`: makes the
    /// OAuth 2 `state` of each authorization (default: 43 URL-safe characters, 32 bytes from
    /// the OS CSPRNG). The callback's `state` is checked against it all the same; make it
    /// unguessable. An empty one fails `authorize_redirect` with
    /// [`EmptyState`](crate::oauth2::OAuth2Error::EmptyState).
    pub fn state<F>(mut self, make: F) -> Self
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.state = Some(Arc::new(make));
        self
    }

    /// `pre_request` and compliance hooks for the app's client.
    pub fn hooks(mut self, hooks: &Hooks) -> Self {
        self.hooks.extend(hooks);
        self
    }
}

impl fmt::Debug for RegisterOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: show only the keys.
        let keys: Vec<&str> = self.given.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("RegisterOptions")
            .field("keys", &keys)
            .field("overwrite", &self.overwrite)
            .finish_non_exhaustive()
    }
}

impl OAuth {
    /// An empty registry with no configuration (Flask's `OAuth()` before `init_app`).
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry reading `config` (Flask's `OAuth(app)`).
    pub fn with_config(config: Config) -> Self {
        let oauth = Self::new();
        oauth.init_app(config);
        oauth
    }

    /// Sends every app's requests through `engine` (default: one [`Engine::new`] made at first
    /// use). Apps already used keep the engine they were built with.
    pub fn engine(self, engine: Engine) -> Self {
        *self
            .shared
            .engine
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(engine);
        self
    }

    /// Keeps OAuth 1 request tokens between `authorize_redirect` and the callback in `cache`
    /// (Flask-OAuthlib's `save_request_token` / `fetch_request_token`; default: one
    /// [`MemoryCache`], which serves one process only). Use a shared cache (Redis) when the
    /// callback may reach another process.
    pub fn request_token_cache(self, cache: Arc<dyn Cache>) -> Self {
        *self
            .shared
            .request_token_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(cache);
        self
    }

    /// Refreshes every OAuth 2 app's tokens under a lock in `cache`, so the processes (or
    /// registries) sharing it refresh a token once: each app's client gets
    /// [`OAuth2ClientBuilder::refresh_lock`](crate::client::OAuth2ClientBuilder::refresh_lock),
    /// which says what is stored and for how long a finished refresh is reused (30 s across
    /// processes). Without it, refreshes are single-flight per app within this process only,
    /// and with a provider that rotates refresh tokens a second process refreshing the same
    /// token is refused. The cache may be the [`request_token_cache`](Self::request_token_cache).
    /// Apps already used keep the client they were built with.
    ///
    /// ```no_run
    /// # #[cfg(feature = "redis")]
    /// # async fn run() -> Result<(), oauth_compat::cache::CacheError> {
    /// use std::sync::Arc;
    /// use oauth_compat::OAuth;
    /// use oauth_compat::cache::RedisCache;
    ///
    /// let redis = Arc::new(RedisCache::connect("redis://127.0.0.1:6379/").await?.with_prefix("myapp:"));
    /// let oauth = OAuth::new()
    ///     .request_token_cache(redis.clone())
    ///     .refresh_lock(redis);
    /// # let _ = oauth;
    /// # Ok(()) }
    /// ```
    pub fn refresh_lock(self, cache: Arc<dyn Cache>) -> Self {
        *self
            .shared
            .refresh_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(cache);
        self
    }

    /// Authlib's `OAuth(fetch_token=f)`: `f(name, context)` gives the token of an API call
    /// that names none, for apps without their own
    /// [`RegisterOptions::fetch_token`]. The context is what the call passes with
    /// `.context(..)` (a user id, a request...), `()` when it passes none.
    ///
    /// ```
    /// use oauth_compat::OAuth;
    /// use oauth_compat::oauth2::Token;
    ///
    /// let oauth = OAuth::new().fetch_token(|name: String, user: String| async move {
    ///     Ok::<_, std::io::Error>(Some(Token::bearer(format!("{name}-token-of-{user}"))))
    /// });
    /// # let _ = oauth;
    /// ```
    pub fn fetch_token<C, F, Fut, E>(self, fetch: F) -> Self
    where
        C: std::any::Any + Clone + Send + Sync,
        F: Fn(String, C) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Option<Token>, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        *self
            .shared
            .fetch_token
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(erase_fetch(fetch));
        self
    }

    /// Authlib's `OAuth(update_token=f)`: `f(name, update)` saves a refreshed token, for apps
    /// without their own [`RegisterOptions::update_token`].
    pub fn update_token<F, Fut, E>(self, update: F) -> Self
    where
        F: Fn(String, TokenUpdate) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError>,
    {
        *self
            .shared
            .update_token
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(erase_update(update));
        self
    }

    /// Flask's `oauth.init_app(app)`: the configuration apps read at first use. Apps already
    /// used keep the settings they resolved.
    pub fn init_app(&self, config: Config) {
        *self
            .shared
            .config
            .write()
            .unwrap_or_else(PoisonError::into_inner) = config;
    }

    /// Authlib's `oauth.register(name, ...)`: settings from `options`, then `{NAME}_{KEY}` flat
    /// keys and Django's `AUTHLIB_OAUTH_CLIENTS`, at first use. Defaults: request token by
    /// POST, `client_secret_basic`. A second app of the same name replaces the first.
    pub fn register(&self, name: impl Into<String>, options: RegisterOptions) -> RemoteApp {
        let name = name.into();
        let app = RemoteApp::new(
            name.clone(),
            Vocabulary::Authlib,
            options,
            self.shared.clone(),
        );
        self.insert(name, app)
    }

    /// Flask-OAuthlib's `oauth.remote_app(name, app_key=..., ...)`: settings from `options`,
    /// then, with [`app_key`](RegisterOptions::app_key), the config's `APP_KEY` table, else
    /// its `APP_KEY_FIELD` flat keys, at first use; without `app_key`, every setting is in
    /// `options`. Defaults: request token by GET, access token by POST, OAuth 2 client secret
    /// in the body (`client_secret_post`). A second app of the same name replaces the first.
    ///
    /// ```
    /// use oauth_compat::OAuth;
    /// use oauth_compat::RegisterOptions;
    ///
    /// let oauth = OAuth::new();
    /// // twitter = oauth.remote_app('twitter', consumer_key='key', consumer_secret='secret', ..)
    /// let twitter = oauth.remote_app("twitter", RegisterOptions::new()
    ///     .consumer_key("key")
    ///     .consumer_secret("secret")
    ///     .request_token_url("https://api.twitter.com/oauth/request_token"));
    /// assert_eq!(twitter.client_id()?, "key");
    /// // oauth.remote_app('github', app_key='GITHUB'): settings from app.config['GITHUB']
    /// let github = oauth.remote_app("github", RegisterOptions::new().app_key("GITHUB"));
    /// # let _ = github;
    /// # Ok::<(), oauth_compat::Error>(())
    /// ```
    pub fn remote_app(&self, name: impl Into<String>, mut options: RegisterOptions) -> RemoteApp {
        let name = name.into();
        let vocabulary = Vocabulary::FlaskOAuthlib {
            app_key: options.take_app_key(),
        };
        let app = RemoteApp::new(name.clone(), vocabulary, options, self.shared.clone());
        self.insert(name, app)
    }

    /// Authlib's `oauth.create_client(name)`: the app registered under `name` (a clone sharing
    /// its client), `None` if there is none.
    pub fn create_client(&self, name: &str) -> Option<RemoteApp> {
        self.apps
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// The names of the registered apps, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .apps
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    }

    fn insert(&self, name: String, app: RemoteApp) -> RemoteApp {
        self.apps
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name, app.clone());
        app
    }
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("apps", &self.names())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
