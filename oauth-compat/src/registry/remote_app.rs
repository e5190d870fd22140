//! One remote app: its settings resolved lazily, its protocol decided from them, and the
//! engine client that serves it.

use std::fmt;
use std::sync::{Arc, OnceLock};

use http::Method;
use serde_json::{Map, Value};
use tokio::sync::OnceCell;

use super::flow::{CacheRequestTokens, FlowError, RequestTokenStore};
use super::metadata;
use super::request::RemoteRequest;
use super::tokens::Context;
use super::{RegisterOptions, Shared};
use crate::Step;
use crate::client::{OAuth1Client, OAuth2Client, OAuth2ClientBuilder};
use crate::config::{AppSettings, ConfigError, Vocabulary};
use crate::oauth1::{ClientCredentials, RsaPrivateKey, SignatureType};
use crate::oauth2::{ClientAuthMethod, CodeChallengeMethod, Token, TokenPlacement};
use crate::response::MediaType;

/// Which OAuth an app speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// OAuth 1.0a (RFC 5849): the app has a `request_token_url`.
    OAuth1,
    /// OAuth 2.0 (RFC 6749): the app has no `request_token_url`.
    OAuth2,
}

/// The engine client an app resolved to.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RemoteClient {
    /// An OAuth 1 app's client.
    OAuth1(OAuth1Client),
    /// An OAuth 2 app's client.
    OAuth2(OAuth2Client),
}

/// A remote app (Flask-OAuthlib's `OAuthRemoteApp`, Authlib's `FlaskOAuth1App` /
/// `FlaskOAuth2App` in one type), made by [`OAuth::register`](super::OAuth::register) or
/// [`OAuth::remote_app`](super::OAuth::remote_app). Cheap to clone: clones share one client.
///
/// Its settings are resolved from the registry's configuration at first use and then kept;
/// its protocol is decided then, as Flask-OAuthlib decides it: a `request_token_url` means
/// OAuth 1. A resolution that fails (a missing `consumer_key`, ...) is not kept: every use
/// returns the typed error until the configuration is fixed.
///
/// With `server_metadata_url`, the endpoints it leaves unset come from the provider's
/// discovery document, fetched at the first async use (a flow, a request,
/// [`load_server_metadata`](Self::load_server_metadata)); the synchronous accessors answer
/// [`FlowError::MetadataNotLoaded`] before that.
///
/// Its client is shared by every user, so it holds no token: each API call takes its user's
/// token from [`RemoteRequest::token`], else from `fetch_token` given the call's
/// [`context`](RemoteRequest::context).
#[derive(Clone)]
pub struct RemoteApp {
    inner: Arc<AppInner>,
}

struct AppInner {
    name: String,
    /// How the app was declared (`remote_app` with or without `app_key`, or `register`).
    vocabulary: Vocabulary,
    options: RegisterOptions,
    shared: Arc<Shared>,
    /// The discovery document, fetched once (`server_metadata_url`).
    metadata: OnceCell<Map<String, Value>>,
    resolved: OnceLock<Resolved>,
}

pub(super) struct Resolved {
    settings: AppSettings,
    pub(super) client: RemoteClient,
}

impl RemoteApp {
    pub(crate) fn new(
        name: String,
        vocabulary: Vocabulary,
        options: RegisterOptions,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            inner: Arc::new(AppInner {
                name,
                vocabulary,
                options,
                shared,
                metadata: OnceCell::new(),
                resolved: OnceLock::new(),
            }),
        }
    }

    /// The name the app was registered under.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The app's settings, resolved (at first use) from the code and the configuration.
    ///
    /// # Errors
    /// A configuration error (a missing required key names every place it was looked for), or
    /// a setting the client cannot take (an unknown `token_endpoint_auth_method`, ...).
    pub fn settings(&self) -> Result<&AppSettings, crate::Error> {
        Ok(&self.resolved()?.settings)
    }

    /// `client_id` (`consumer_key`).
    ///
    /// # Errors
    /// As [`settings`](Self::settings).
    pub fn client_id(&self) -> Result<&str, crate::Error> {
        Ok(self.settings()?.require_str("client_id")?)
    }

    /// OAuth 1 or OAuth 2, decided at first use from `request_token_url`.
    ///
    /// # Errors
    /// As [`settings`](Self::settings).
    pub fn protocol(&self) -> Result<Protocol, crate::Error> {
        Ok(match self.client()? {
            RemoteClient::OAuth1(_) => Protocol::OAuth1,
            RemoteClient::OAuth2(_) => Protocol::OAuth2,
        })
    }

    /// The engine client serving this app (for flows and calls not wrapped here).
    ///
    /// # Errors
    /// As [`settings`](Self::settings).
    pub fn client(&self) -> Result<&RemoteClient, crate::Error> {
        Ok(&self.resolved()?.client)
    }

    /// An API request; a relative `url` joins to `base_url` (`api_base_url`). An error in
    /// resolving the app's settings surfaces from [`send`](RemoteRequest::send).
    pub fn request(&self, method: Method, url: &str) -> RemoteRequest<'_> {
        RemoteRequest::new(self, method, url)
    }

    crate::client::http_verbs!(
        RemoteRequest,
        "On the app's client; the token comes from `.token(..)`, else `fetch_token`."
    );

    /// Authlib's `load_server_metadata()`: fetches the discovery document at
    /// `server_metadata_url` (once; later calls answer from memory) and returns it. An app
    /// without `server_metadata_url` answers an empty document.
    ///
    /// Its `authorization_endpoint`, `token_endpoint` and `revocation_endpoint` fill the app's
    /// `authorize_url`, `access_token_url` and `revocation_endpoint` where the app sets none.
    ///
    /// # Errors
    /// As [`settings`](Self::settings); the fetch failing; [`FlowError::BadServerMetadata`]
    /// when the document is not a JSON object with string endpoints.
    pub async fn load_server_metadata(&self) -> Result<&Map<String, Value>, crate::Error> {
        static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
        let document = self
            .metadata()
            .await
            .map_err(|err| self.locate(err, Step::Discovery, "server_metadata_url"))?;
        match document {
            Some(document) => Ok(document),
            None => Ok(EMPTY.get_or_init(Map::new)),
        }
    }

    /// Authlib's `revoke_token(url, token=.., token_type_hint=..)`: revokes `token` (an access
    /// or refresh token; `hint` says which) at the app's `revocation_endpoint` (a setting, or
    /// the server metadata's), the client authenticated as for token requests (RFC 7009).
    ///
    /// # Errors
    /// [`FlowError::NotOAuth2`] for an OAuth 1 app; the client's error when no
    /// `revocation_endpoint` is known; the provider's refusal.
    pub async fn revoke_token(&self, token: &str, hint: Option<&str>) -> Result<(), crate::Error> {
        let result = match self.ready().await {
            Ok(Resolved {
                client: RemoteClient::OAuth2(client),
                ..
            }) => client.revoke_token(token, hint).await,
            Ok(Resolved { .. }) => Err(FlowError::NotOAuth2 {
                app: self.name().to_owned(),
                operation: "revoke_token",
            }
            .into()),
            Err(err) => Err(err),
        };
        result.map_err(|err| self.locate(err, Step::Revoke, "revocation_endpoint"))
    }

    /// The app resolved, its server metadata fetched first when it has `server_metadata_url`.
    pub(super) async fn ready(&self) -> Result<&Resolved, crate::Error> {
        if let Some(resolved) = self.inner.resolved.get() {
            return Ok(resolved);
        }
        self.metadata().await?;
        self.resolved()
    }

    /// `err` as this app's error at `step`, whose URL is the app's `setting` when it is known.
    pub(super) fn locate(&self, err: crate::Error, step: Step, setting: &str) -> crate::Error {
        let url = self
            .inner
            .resolved
            .get()
            .and_then(|resolved| resolved.settings.get(setting))
            .and_then(Value::as_str);
        err.in_app(self.name(), step, url)
    }

    /// The discovery document, fetched at the first call (`None` without
    /// `server_metadata_url`).
    async fn metadata(&self) -> Result<Option<&Map<String, Value>>, crate::Error> {
        let settings = self.resolve_settings()?;
        let Some(url) = (Reader {
            settings: &settings,
            vocabulary: &self.inner.vocabulary,
        })
        .string("server_metadata_url")?
        else {
            return Ok(None);
        };
        let engine = self.inner.shared.engine()?;
        let document = self
            .inner
            .metadata
            .get_or_try_init(|| metadata::fetch(&engine, self.name(), &url))
            .await
            .map_err(|err| err.in_app(self.name(), Step::Discovery, Some(&url)))?;
        Ok(Some(document))
    }

    /// The token for an API call with this `context`: the app's `fetch_token`, else the
    /// registry's; `None` when neither is set.
    pub(super) async fn token_for(&self, context: &Context) -> Result<Option<Token>, crate::Error> {
        let fetch = match &self.inner.options.fetch_token {
            Some(fetch) => fetch.clone(),
            None => match self.inner.shared.fetch_token() {
                Some(fetch) => fetch,
                None => return Ok(None),
            },
        };
        let app = self.name().to_owned();
        let pending = fetch(self.name(), context).map_err(|expected| FlowError::WrongContext {
            app: app.clone(),
            expected,
            given: context.type_name(),
        })?;
        match pending.await {
            Ok(Some(token)) => Ok(Some(token)),
            Ok(None) => Err(FlowError::NoToken { app }.into()),
            Err(source) => Err(FlowError::FetchTokenFailed { app, source }.into()),
        }
    }

    /// The OAuth 2 `state` of a new authorization from the app's `state` function, if any (a
    /// fixed one in the settings is the client's `authorize_params` state).
    pub(super) fn make_state(&self) -> Option<String> {
        self.inner.options.state.as_ref().map(|make| make())
    }

    /// A fixed `state` (Flask-OAuthlib's `request_token_params`, or `authorize_params`) is
    /// honoured, as the Pythons honour it, but the same for every user.
    fn warn_on_fixed_state(&self, read: &Reader<'_>) -> Result<(), crate::Error> {
        if self.inner.options.state.is_some() {
            return Ok(());
        }
        let mut keys = vec!["authorize_params"];
        if self.inner.vocabulary.is_flask_oauthlib() {
            keys.push("request_token_params");
        }
        for key in keys {
            if read.params(key)?.iter().any(|(name, _)| name == "state") {
                tracing::warn!(
                    app = %self.name(),
                    "a fixed `state` in {key} is sent with every authorization, so it no longer \
                     protects against CSRF; give a `state` function instead"
                );
            }
        }
        Ok(())
    }

    /// The app's request-token store, else the registry's cache.
    pub(super) fn request_token_store(&self) -> Arc<dyn RequestTokenStore> {
        match &self.inner.options.request_token_store {
            Some(store) => store.clone(),
            None => Arc::new(CacheRequestTokens(self.inner.shared.request_token_cache())),
        }
    }

    fn resolved(&self) -> Result<&Resolved, crate::Error> {
        if let Some(resolved) = self.inner.resolved.get() {
            return Ok(resolved);
        }
        // Two first uses racing both resolve; the first stored wins, the other is dropped.
        let resolved = self.resolve()?;
        Ok(self.inner.resolved.get_or_init(|| resolved))
    }

    fn resolve(&self) -> Result<Resolved, crate::Error> {
        let mut settings = self.resolve_settings()?;
        if (Reader {
            settings: &settings,
            vocabulary: &self.inner.vocabulary,
        })
        .string("server_metadata_url")?
        .is_some()
        {
            let document =
                self.inner
                    .metadata
                    .get()
                    .ok_or_else(|| FlowError::MetadataNotLoaded {
                        app: self.name().to_owned(),
                    })?;
            for (field, setting) in metadata::ENDPOINTS {
                if let Some(value) = document.get(*field).filter(|v| !v.is_null()) {
                    settings.fill_missing(setting, value.clone());
                }
            }
        }
        let read = Reader {
            settings: &settings,
            vocabulary: &self.inner.vocabulary,
        };
        let client = if read.string("request_token_url")?.is_some() {
            RemoteClient::OAuth1(self.build_oauth1(&read)?)
        } else {
            self.warn_on_fixed_state(&read)?;
            RemoteClient::OAuth2(self.build_oauth2(&read)?)
        };
        Ok(Resolved { settings, client })
    }

    /// The settings from code and configuration (without server metadata).
    fn resolve_settings(&self) -> Result<AppSettings, crate::Error> {
        let inner = &self.inner;
        let mut lookup = AppSettings::lookup(&inner.name, inner.vocabulary.clone());
        for (key, value) in &inner.options.given {
            lookup = lookup.given(key.clone(), value.clone());
        }
        Ok(lookup
            .overwrite(inner.options.overwrite)
            .resolve(&inner.shared.config())?)
    }

    fn build_oauth1(&self, read: &Reader<'_>) -> Result<OAuth1Client, crate::Error> {
        let settings = read.settings;
        let signature_method = read.string("signature_method")?;
        let rsa = signature_method.as_deref() == Some("RSA-SHA1");
        let secret = match settings.client_secret() {
            Some(secret) => secret.clone(),
            // RSA-SHA1 signs with the private key alone; a consumer secret is optional then.
            None if rsa => "".into(),
            None => return Err(settings.missing("client_secret").into()),
        };
        let credentials = ClientCredentials::new(settings.require_str("client_id")?, secret);
        let mut builder = OAuth1Client::builder(credentials)
            .app_name(self.name())
            .engine(self.inner.shared.engine()?)
            .hold_token(false)
            .hooks(&self.inner.options.hooks)
            .request_token_method(read.method_or_default("request_token_method")?)
            .access_token_method(read.method_or_default("access_token_method")?)
            .request_token_params(read.params("request_token_params")?)
            .access_token_params(read.params("access_token_params")?)
            .access_token_headers(read.params("access_token_headers")?);
        if let Some(label) = read.string("encoding")? {
            builder = builder.encoding(label);
        }
        if let Some(url) = read.string("request_token_url")? {
            builder = builder.request_token_url(url);
        }
        if let Some(url) = read.string("access_token_url")? {
            builder = builder.access_token_url(url);
        }
        if let Some(url) = read.string("authorize_url")? {
            builder = builder.authorize_url(url);
        }
        if let Some(url) = read.string("api_base_url")? {
            builder = builder.api_base_url(url);
        }
        if let Some(media_type) = read.content_type()? {
            builder = builder.content_type(media_type);
        }
        if let Some(method) = signature_method {
            builder = builder.signature_method(method);
        }
        if let Some(signature_type) = read.string("signature_type")? {
            builder = builder.signature_type(read.signature_type(&signature_type)?);
        }
        if let Some(pem) = read.string("rsa_key")? {
            builder = builder.rsa_key(RsaPrivateKey::from_pem(&pem)?);
        }
        builder.build()
    }

    fn build_oauth2(&self, read: &Reader<'_>) -> Result<OAuth2Client, crate::Error> {
        let settings = read.settings;
        let mut builder = OAuth2Client::builder(settings.require_str("client_id")?)
            .app_name(self.name())
            .engine(self.inner.shared.engine()?)
            .hold_token(false)
            .hooks(&self.inner.options.hooks)
            .access_token_method(read.method_or_default("access_token_method")?)
            .access_token_params(read.params("access_token_params")?)
            .refresh_token_params(read.params("refresh_token_params")?)
            .authorize_params(read.params("authorize_params")?)
            .access_token_headers(read.params("access_token_headers")?);
        if let Some(label) = read.string("encoding")? {
            builder = builder.encoding(label);
        }
        let auth_method = match read.string("token_endpoint_auth_method")? {
            Some(method) => method.parse::<ClientAuthMethod>()?,
            // A public client (no secret) cannot authenticate with one.
            None if settings.client_secret().is_none() => ClientAuthMethod::None,
            None => read.default_of("token_endpoint_auth_method")?.parse()?,
        };
        builder = builder.token_endpoint_auth_method(auth_method);
        if let Some(secret) = settings.client_secret() {
            builder = builder.client_secret(secret.clone());
        }
        if self.inner.vocabulary.is_flask_oauthlib() {
            // Flask-OAuthlib's OAuth 2 apps (no request_token_url: Facebook, Weibo) put the
            // authorization parameters in request_token_params. A fixed `state` among them
            // becomes the flow's, as one in `authorize_params` does; a callable one is
            // `RegisterOptions::state`.
            for (name, value) in read.params("request_token_params")? {
                match name.as_str() {
                    "scope" => builder = builder.scope(value),
                    _ => builder = builder.authorize_params([(name, value)]),
                }
            }
        }
        if let Some(scope) = read.scope()? {
            builder = builder.scope(scope);
        }
        if let Some(url) = read.string("access_token_url")? {
            builder = builder.access_token_url(url);
        }
        if let Some(url) = read.string("refresh_token_url")? {
            builder = builder.refresh_token_url(url);
        }
        if let Some(url) = read.string("revocation_endpoint")? {
            builder = builder.revocation_url(url);
        }
        builder = self.with_update_token(builder);
        if let Some(cache) = self.inner.shared.refresh_lock() {
            builder = builder.refresh_lock(cache);
        }
        if let Some(url) = read.string("authorize_url")? {
            builder = builder.authorize_url(url);
        }
        if let Some(url) = read.string("api_base_url")? {
            builder = builder.api_base_url(url);
        }
        if let Some(media_type) = read.content_type()? {
            builder = builder.content_type(media_type);
        }
        if let Some(placement) = read.string("token_placement")? {
            builder = builder.token_placement(placement.parse::<TokenPlacement>()?);
        }
        if let Some(leeway) = read.value("leeway") {
            // Authlib's `client_kwargs={'leeway': 60}`: refresh this many seconds before expiry.
            let seconds = leeway.as_i64().filter(|s| *s >= 0).ok_or_else(|| {
                read.wrong_type("leeway", "a non-negative whole number of seconds")
            })?;
            builder = builder.leeway(seconds);
        }
        if let Some(method) = read.string("code_challenge_method")? {
            builder = builder.code_challenge_method(method.parse::<CodeChallengeMethod>()?);
        }
        builder.build()
    }
}

impl RemoteApp {
    /// Routes the client's refreshed tokens to the app's `update_token`, else the registry's
    /// (read at each refresh, so one set on the registry later still counts).
    fn with_update_token(&self, builder: OAuth2ClientBuilder) -> OAuth2ClientBuilder {
        let app = self.name().to_owned();
        let own = self.inner.options.update_token.clone();
        // Shared holds no app, so the client keeping it makes no cycle.
        let shared = self.inner.shared.clone();
        builder.update_token(move |update| {
            let update_fn = own.clone().or_else(|| shared.update_token());
            let app = app.clone();
            async move {
                match update_fn {
                    Some(update_fn) => update_fn(&app, update).await,
                    None => Ok(()),
                }
            }
        })
    }
}

impl fmt::Debug for RemoteApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("RemoteApp")
            .field("name", &inner.name)
            .field("vocabulary", &inner.vocabulary)
            .field("resolved", &inner.resolved.get().map(|r| &r.settings))
            .finish_non_exhaustive()
    }
}

/// Typed reads of resolved settings; `client_kwargs` entries count as top-level settings (a
/// top-level one wins), as Authlib passes `client_kwargs` to the session.
struct Reader<'a> {
    settings: &'a AppSettings,
    vocabulary: &'a Vocabulary,
}

impl Reader<'_> {
    fn value(&self, key: &str) -> Option<&Value> {
        let top = self.settings.get(key).filter(|v| !v.is_null());
        top.or_else(|| {
            self.settings
                .get("client_kwargs")
                .and_then(|kwargs| kwargs.get(key))
                .filter(|v| !v.is_null())
        })
    }

    fn wrong_type(&self, key: &str, expected: &'static str) -> crate::Error {
        ConfigError::WrongType {
            key: key.to_owned(),
            origin: format!("the settings of app `{}`", self.settings.app()),
            expected,
        }
        .into()
    }

    fn string(&self, key: &str) -> Result<Option<String>, crate::Error> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong_type(key, "a string")),
        }
    }

    /// The vocabulary's default for `key`, from the key table.
    fn default_of(&self, key: &str) -> Result<&'static str, crate::Error> {
        self.vocabulary
            .default_of(key)
            .ok_or_else(|| self.wrong_type(key, "a value (the key table gives no default)"))
    }

    /// A method setting, else the vocabulary's default.
    fn method_or_default(&self, key: &str) -> Result<Method, crate::Error> {
        match self.method(key)? {
            Some(method) => Ok(method),
            None => Method::from_bytes(self.default_of(key)?.as_bytes())
                .map_err(|_| self.wrong_type(key, "an HTTP method such as GET or POST")),
        }
    }

    fn method(&self, key: &str) -> Result<Option<Method>, crate::Error> {
        self.string(key)?
            .map(|name| {
                Method::from_bytes(name.to_ascii_uppercase().as_bytes())
                    .map_err(|_| self.wrong_type(key, "an HTTP method such as GET or POST"))
            })
            .transpose()
    }

    /// A table of parameters; numbers and booleans are sent as their text, as Python's `str`.
    fn params(&self, key: &str) -> Result<Vec<(String, String)>, crate::Error> {
        let Some(value) = self.value(key) else {
            return Ok(Vec::new());
        };
        let Value::Object(table) = value else {
            return Err(self.wrong_type(key, "a table of parameters"));
        };
        let mut params = Vec::with_capacity(table.len());
        for (name, value) in table {
            let text = match value {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
                // A list of scopes is space-separated (RFC 6749 §3.3).
                Value::Array(items) => join_scopes(items)
                    .ok_or_else(|| self.wrong_type(key, "parameter values that are strings"))?,
                Value::Object(_) => {
                    return Err(self.wrong_type(key, "parameter values that are strings"));
                }
            };
            params.push((name.clone(), text));
        }
        Ok(params)
    }

    fn scope(&self) -> Result<Option<String>, crate::Error> {
        match self.value("scope") {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Array(items)) => join_scopes(items)
                .map(Some)
                .ok_or_else(|| self.wrong_type("scope", "a string or a list of strings")),
            Some(_) => Err(self.wrong_type("scope", "a string or a list of strings")),
        }
    }

    fn content_type(&self) -> Result<Option<MediaType>, crate::Error> {
        self.string("content_type")?
            .map(|value| value.parse::<MediaType>().map_err(crate::Error::from))
            .transpose()
    }

    /// Authlib's `SIGNATURE_TYPE_HEADER` (`HEADER`) and oauthlib's `AUTH_HEADER`, `QUERY`, `BODY`.
    fn signature_type(&self, value: &str) -> Result<SignatureType, crate::Error> {
        match value.to_ascii_uppercase().as_str() {
            "HEADER" | "AUTH_HEADER" => Ok(SignatureType::Header),
            "QUERY" => Ok(SignatureType::Query),
            "BODY" => Ok(SignatureType::Body),
            _ => Err(self.wrong_type("signature_type", "HEADER, QUERY or BODY")),
        }
    }
}

fn join_scopes(items: &[Value]) -> Option<String> {
    let scopes: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
    scopes.map(|scopes| scopes.join(" "))
}
