//! What both clients share: the engine, `api_base_url`, hooks, a forced content type, and the
//! token a single-user client holds; with the builder settings that fill them.

use std::sync::RwLock;

use url::Url;

use crate::OAuthResponse;
use crate::engine::url_join::join_url;
use crate::engine::{Engine, OutgoingRequest, RequestKind};
use crate::hooks::Hooks;
use crate::oauth2::Token;
use crate::response::{DecodeOptions, MediaType};

pub(crate) struct Common {
    pub(crate) engine: Engine,
    pub(crate) api_base_url: Option<Url>,
    pub(crate) hooks: Hooks,
    content_type: Option<MediaType>,
    token: RwLock<Option<Token>>,
    hold_token: bool,
}

impl Common {
    pub(crate) fn token(&self) -> Option<Token> {
        self.token.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set_token(&self, token: Option<Token>) {
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = token;
    }

    /// Keeps a token the client fetched, unless built with `hold_token(false)`.
    pub(crate) fn hold(&self, token: &Token) {
        if self.hold_token {
            self.set_token(Some(token.clone()));
        }
    }

    /// Replaces the held token with `new` only when the held one satisfies `was_refreshed`.
    pub(crate) fn replace_held(&self, was_refreshed: impl FnOnce(&Token) -> bool, new: &Token) {
        let mut held = self.token.write().unwrap_or_else(|e| e.into_inner());
        if held.as_ref().is_some_and(was_refreshed) {
            *held = Some(new.clone());
        }
    }

    /// `url` joined to `api_base_url` as Python's `urljoin` does.
    pub(crate) fn join(&self, url: &str) -> Result<Url, crate::engine::Error> {
        join_url(self.api_base_url.as_ref(), url)
    }

    /// Sends an API request through the hooks and decodes the answer (as `content_type`
    /// forces, or the client's forced type, or the response's own).
    pub(crate) async fn send_api(
        &self,
        request: OutgoingRequest,
        kind: RequestKind,
        content_type: Option<MediaType>,
    ) -> Result<OAuthResponse, crate::Error> {
        let response = self.engine.send(request, kind, &self.hooks).await?;
        let content_type = content_type.or_else(|| self.content_type.clone());
        let mut options = DecodeOptions::api().max_body_bytes(self.engine.max_response_bytes());
        if let Some(media_type) = content_type {
            options = options.content_type(media_type);
        }
        Ok(OAuthResponse::decode(
            response.status,
            response.headers,
            response.body,
            &options,
        )?)
    }

    pub(crate) fn debug_base_url(&self) -> Option<&str> {
        self.api_base_url.as_ref().map(Url::as_str)
    }
}

pub(crate) struct CommonBuilder {
    pub(crate) engine: Option<Engine>,
    pub(crate) api_base_url: Option<String>,
    pub(crate) hooks: Hooks,
    pub(crate) content_type: Option<MediaType>,
    pub(crate) token: Option<Token>,
    pub(crate) hold_token: bool,
}

impl Default for CommonBuilder {
    fn default() -> Self {
        Self {
            engine: None,
            api_base_url: None,
            hooks: Hooks::new(),
            content_type: None,
            token: None,
            hold_token: true,
        }
    }
}

impl CommonBuilder {
    /// Checks `api_base_url` and the endpoint `urls` against it now, so a misconfiguration
    /// fails at build and not on the first user's login; makes the engine if none was given.
    pub(crate) fn build(self, urls: &[&Option<String>]) -> Result<Common, crate::Error> {
        let api_base_url = self
            .api_base_url
            .as_deref()
            .map(|base| join_url(None, base))
            .transpose()?;
        for url in urls.iter().copied().flatten() {
            join_url(api_base_url.as_ref(), url)?;
        }
        let engine = match self.engine {
            Some(engine) => engine,
            None => Engine::new()?,
        };
        Ok(Common {
            engine,
            api_base_url,
            hooks: self.hooks,
            content_type: self.content_type,
            token: RwLock::new(self.token),
            hold_token: self.hold_token,
        })
    }
}

/// The builder setters both clients share; `$fetch` names the call whose token is held.
macro_rules! common_setters {
    ($fetch:literal) => {
        /// Sends through this engine (default: a new [`Engine`](crate::Engine)).
        pub fn engine(mut self, engine: $crate::Engine) -> Self {
            self.common.engine = Some(engine);
            self
        }

        /// `api_base_url` (Flask-OAuthlib's `base_url`): relative API paths join to it as
        /// Python's `urljoin` does.
        pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
            self.common.api_base_url = Some(url.into());
            self
        }

        /// Request and response hooks (`pre_request`, compliance hooks), appended to any given
        /// before.
        pub fn hooks(mut self, hooks: &$crate::hooks::Hooks) -> Self {
            self.common.hooks.extend(hooks);
            self
        }

        /// Decodes API responses as this media type whatever their `Content-Type` says
        /// (Flask-OAuthlib's `content_type`).
        pub fn content_type(mut self, media_type: $crate::response::MediaType) -> Self {
            self.common.content_type = Some(media_type);
            self
        }

        /// A token to start with.
        pub fn token(mut self, token: $crate::oauth2::Token) -> Self {
            self.common.token = Some(token);
            self
        }

        #[doc = concat!(
            "Whether `", $fetch, "` keeps its token in the client (default `true`, as an ",
            "Authlib session). Build a client shared between users with `false`, so a request ",
            "that forgets its user's token fails with `client::Error::MissingToken` instead of ",
            "going out with another user's."
        )]
        pub fn hold_token(mut self, hold: bool) -> Self {
            self.common.hold_token = hold;
            self
        }
    };
}
pub(crate) use common_setters;
