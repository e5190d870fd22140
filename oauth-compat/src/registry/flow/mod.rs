//! The authorization flows on a [`RemoteApp`]: `authorize_redirect` sends the user to the
//! provider, `authorize_access_token` turns the callback into a token.
//!
//! State between the two lives in the user's [`SessionStore`], passed explicitly (the Django
//! style), and for OAuth 1 in a [`RequestTokenStore`] (by default the registry's
//! request-token [`Cache`](crate::cache::Cache)):
//!
//! - OAuth 2: the [`AuthorizationRequest`] (state, PKCE verifier, redirect_uri) under a session
//!   key namespaced by the app's name; the callback's `state` must match it (Flask-OAuthlib
//!   never checked; we do).
//! - OAuth 1: the request token in the store under the app's name and its `oauth_token`, the
//!   session remembering that `oauth_token`, so a callback is only completed by the session that
//!   started it; the stored token is taken (deleted) on use.

mod request_tokens;
mod session;

use std::time::Duration;

use serde_json::Value;

pub(crate) use request_tokens::CacheRequestTokens;
pub use request_tokens::RequestTokenStore;
pub use session::{MemorySession, SessionStore};

use super::{RemoteApp, RemoteClient};
use crate::Step;
use crate::cache::CacheError;
use crate::client::{BoxError, TokenGrant};
use crate::oauth2::{AuthorizationRequest, Token, states_match};

/// How long a request token waits in the cache for its callback.
pub const REQUEST_TOKEN_TTL: Duration = Duration::from_secs(600);

/// Why a remote app's flow, token lookup or discovery could not complete.
///
/// For a callback: every variant but [`Denied`](Self::Denied) and
/// [`Session`](Self::Session)/[`Cache`](Self::Cache) means the callback does not belong to a
/// flow this session started: send the user to `authorize_redirect` again. The token variants
/// ([`WrongContext`](Self::WrongContext), [`NoToken`](Self::NoToken),
/// [`FetchTokenFailed`](Self::FetchTokenFailed)) come from API calls.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The user refused (`error=access_denied`), or the callback carries no code (OAuth 2) or
    /// verifier (OAuth 1). Flask-OAuthlib's `authorized_response()` returned `None` here.
    #[error("the user did not authorize `{app}`: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Denied {
        /// The app.
        app: String,
        /// The provider's `error` (`access_denied` when the callback lacks code or verifier).
        error: String,
        /// The provider's `error_description`, or why the callback counts as a denial.
        description: Option<String>,
    },
    /// This session has no authorization in progress for the app (never started, already
    /// completed, or another session's callback).
    #[error(
        "no authorization of `{app}` is in progress in this session; start with `authorize_redirect`"
    )]
    NoPendingAuthorization {
        /// The app.
        app: String,
    },
    /// The OAuth 2 callback has no `state`.
    #[error("the callback for `{app}` has no `state`; it may be forged (CSRF)")]
    MissingState {
        /// The app.
        app: String,
    },
    /// The OAuth 2 callback's `state` is not the one this session sent.
    #[error("the callback's `state` for `{app}` is not the one sent; it may be forged (CSRF)")]
    StateMismatch {
        /// The app.
        app: String,
    },
    /// The OAuth 1 callback has no `oauth_token`.
    #[error("the callback for `{app}` has no `oauth_token`")]
    MissingRequestToken {
        /// The app.
        app: String,
    },
    /// The OAuth 1 callback's `oauth_token` is not the one this session obtained.
    #[error("the callback's `oauth_token` for `{app}` is not the one this session obtained")]
    RequestTokenMismatch {
        /// The app.
        app: String,
    },
    /// The request token is no longer in its store: already used, or expired.
    #[error("the request token for `{app}` was already used or has expired; authorize again")]
    RequestTokenGone {
        /// The app.
        app: String,
    },
    /// What the session or cache holds for the flow does not decode (written by another
    /// version, or tampered with).
    #[error("the stored flow state for `{app}` does not decode: {reason}")]
    CorruptState {
        /// The app.
        app: String,
        /// serde_json's message.
        reason: String,
    },
    /// A request's context is not of the type its `fetch_token` (tokengetter) takes.
    #[error(
        "`fetch_token` of `{app}` takes a context of type `{expected}`, the request gave `{given}`; pass one with `.context(..)`"
    )]
    WrongContext {
        /// The app.
        app: String,
        /// The context type the function was registered with.
        expected: &'static str,
        /// The context type the request carried (`()` when it named none).
        given: &'static str,
    },
    /// `fetch_token` (tokengetter) found no token for the request's context (Flask-OAuthlib's
    /// `OAuthException('No token available')`).
    #[error("no token available for `{app}`: `fetch_token` returned none for this context")]
    NoToken {
        /// The app.
        app: String,
    },
    /// `fetch_token` (tokengetter) failed.
    #[error("`fetch_token` of `{app}` failed: {source}")]
    FetchTokenFailed {
        /// The app.
        app: String,
        /// The function's error.
        #[source]
        source: BoxError,
    },
    /// The operation exists for OAuth 2 apps only.
    #[error(
        "`{operation}` needs an OAuth 2 app; `{app}` is OAuth 1 (it has a `request_token_url`)"
    )]
    NotOAuth2 {
        /// The app.
        app: String,
        /// What was asked (`revoke_token`).
        operation: &'static str,
    },
    /// The server metadata document (`server_metadata_url`) is not usable.
    #[error("the server metadata of `{app}` at {url} is not usable: {reason}")]
    BadServerMetadata {
        /// The app.
        app: String,
        /// `server_metadata_url`, without its userinfo, query and fragment.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The app discovers its endpoints (`server_metadata_url`) and has not yet: a synchronous
    /// accessor was called before any async use.
    #[error(
        "`{app}` reads its endpoints from `server_metadata_url`: await `load_server_metadata()` (or any flow or request) first"
    )]
    MetadataNotLoaded {
        /// The app.
        app: String,
    },
    /// The session failed.
    #[error("the session failed: {0}")]
    Session(#[source] CacheError),
    /// The request-token store (by default the registry's cache) failed.
    #[error("the request-token store failed: {0}")]
    Cache(#[source] CacheError),
}

/// The query of the callback the provider redirected the user to: a raw query string (with or
/// without its `?`), or its decoded pairs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallbackQuery {
    pairs: Vec<(String, String)>,
}

impl CallbackQuery {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl From<&str> for CallbackQuery {
    fn from(query: &str) -> Self {
        let query = query.strip_prefix('?').unwrap_or(query);
        Self {
            pairs: url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        }
    }
}

impl From<&String> for CallbackQuery {
    fn from(query: &String) -> Self {
        Self::from(query.as_str())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> From<&[(K, V)]> for CallbackQuery {
    fn from(pairs: &[(K, V)]) -> Self {
        Self {
            pairs: pairs
                .iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
                .collect(),
        }
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> From<&[(K, V); N]> for CallbackQuery {
    fn from(pairs: &[(K, V); N]) -> Self {
        Self::from(pairs.as_slice())
    }
}

impl From<Vec<(String, String)>> for CallbackQuery {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }
}

impl RemoteApp {
    /// Authlib's `authorize_redirect`: the URL to redirect the user to, the flow's state kept
    /// in `session` (and, for OAuth 1, the registry's request-token cache).
    ///
    /// `redirect_uri` is where the provider sends the user back (OAuth 1: the `oauth_callback`,
    /// `None` sending `oob`; OAuth 2: `None` uses the configured one). `params` are added to the
    /// authorization URL (OAuth 2: `prompt`, a `scope` of your own, ...).
    ///
    /// # Errors
    /// Resolving the app's settings, the provider's refusal of the request token (OAuth 1),
    /// or [`FlowError::Session`] / [`FlowError::Cache`].
    pub async fn authorize_redirect(
        &self,
        session: &dyn SessionStore,
        redirect_uri: Option<&str>,
        params: &[(&str, &str)],
    ) -> Result<String, crate::Error> {
        let result: Result<String, crate::Error> = async {
            let resolved = self.ready().await?;
            match &resolved.client {
                RemoteClient::OAuth2(client) => {
                    let state = self.make_state();
                    let request = match state {
                        // A `state` in `params` still wins, as for the client.
                        Some(state) if !params.iter().any(|(k, _)| *k == "state") => {
                            let mut with_state = params.to_vec();
                            with_state.push(("state", state.as_str()));
                            client.create_authorization_url(redirect_uri, &with_state)?
                        }
                        _ => client.create_authorization_url(redirect_uri, params)?,
                    };
                    let stored = serde_json::to_value(&request).map_err(|e| self.corrupt(&e))?;
                    session
                        .set(&self.session_key(), stored)
                        .await
                        .map_err(FlowError::Session)?;
                    Ok(request.url)
                }
                RemoteClient::OAuth1(client) => {
                    let request_token = client.fetch_request_token(redirect_uri, &[]).await?;
                    let url = client.authorization_url(&request_token, params)?;
                    let oauth_token = request_token.access_token().to_owned();
                    self.request_token_store()
                        .save(self.name(), session, &request_token)
                        .await
                        .map_err(FlowError::Cache)?;
                    session
                        .set(&self.session_key(), Value::String(oauth_token))
                        .await
                        .map_err(FlowError::Session)?;
                    Ok(url)
                }
            }
        }
        .await;
        result.map_err(|err| self.locate(err, Step::Authorize, "authorize_url"))
    }

    /// Flask-OAuthlib's name for [`authorize_redirect`](Self::authorize_redirect)
    /// (`authorize(callback=...)`).
    ///
    /// # Errors
    /// As [`authorize_redirect`](Self::authorize_redirect).
    pub async fn authorize(
        &self,
        session: &dyn SessionStore,
        callback: Option<&str>,
        params: &[(&str, &str)],
    ) -> Result<String, crate::Error> {
        self.authorize_redirect(session, callback, params).await
    }

    /// Authlib's `authorize_access_token`: checks the callback against the flow `session`
    /// started and exchanges its code (OAuth 2) or verifier (OAuth 1) for a token, whose extra
    /// fields index like the Python dict (`token["screen_name"]`).
    ///
    /// # Errors
    /// [`FlowError::Denied`] when the user refused; the other [`FlowError`]s when the callback
    /// does not belong to this session's flow; the provider's refusal of the exchange.
    pub async fn authorize_access_token(
        &self,
        session: &dyn SessionStore,
        callback_query: impl Into<CallbackQuery>,
    ) -> Result<Token, crate::Error> {
        self.authorize_access_token_with(session, callback_query, &[])
            .await
    }

    /// [`authorize_access_token`](Self::authorize_access_token) with extra parameters for the
    /// token request (Authlib's `authorize_access_token(**kwargs)`, Flask-OAuthlib's
    /// `authorized_response(args)`), after the app's `access_token_params`.
    ///
    /// # Errors
    /// As [`authorize_access_token`](Self::authorize_access_token).
    pub async fn authorize_access_token_with(
        &self,
        session: &dyn SessionStore,
        callback_query: impl Into<CallbackQuery>,
        params: &[(&str, &str)],
    ) -> Result<Token, crate::Error> {
        let result: Result<Token, crate::Error> = async {
            let query = callback_query.into();
            match &self.ready().await?.client {
                RemoteClient::OAuth2(client) => {
                    // A denial ends nothing stored: a forged one must not cancel the user's flow.
                    if let Some(error) = query.get("error") {
                        return Err(self.denied(error, query.get("error_description")));
                    }
                    let request = self.pending_oauth2(session).await?;
                    let Some(state) = query.get("state") else {
                        return Err(self.flow_error(|app| FlowError::MissingState { app }));
                    };
                    if !states_match(&request.state, state) {
                        return Err(self.flow_error(|app| FlowError::StateMismatch { app }));
                    }
                    let Some(code) = query.get("code") else {
                        return Err(
                            self.denied("access_denied", Some("the callback has no `code`"))
                        );
                    };
                    // Single use: gone before the exchange, so a replayed callback finds nothing.
                    session
                        .remove(&self.session_key())
                        .await
                        .map_err(FlowError::Session)?;
                    let grant = params.iter().fold(
                        TokenGrant::from_callback(code, &request),
                        |grant, (k, v)| grant.param(*k, *v),
                    );
                    client.fetch_token(grant).await
                }
                RemoteClient::OAuth1(client) => {
                    let Some(verifier) = query.get("oauth_verifier") else {
                        let error = query.get("error").unwrap_or("access_denied");
                        return Err(
                            self.denied(error, Some("the callback has no `oauth_verifier`"))
                        );
                    };
                    let expected = self.pending_oauth1(session).await?;
                    let Some(oauth_token) = query.get("oauth_token") else {
                        return Err(self.flow_error(|app| FlowError::MissingRequestToken { app }));
                    };
                    if !states_match(&expected, oauth_token) {
                        return Err(self.flow_error(|app| FlowError::RequestTokenMismatch { app }));
                    }
                    let request_token = self
                        .request_token_store()
                        .take(self.name(), session, &expected)
                        .await
                        .map_err(FlowError::Cache)?
                        .ok_or_else(|| {
                            self.flow_error(|app| FlowError::RequestTokenGone { app })
                        })?;
                    session
                        .remove(&self.session_key())
                        .await
                        .map_err(FlowError::Session)?;
                    client
                        .fetch_access_token(&request_token, verifier, params)
                        .await
                }
            }
        }
        .await;
        result.map_err(|err| self.locate(err, Step::Authorize, "authorize_url"))
    }

    /// Flask-OAuthlib's name for [`authorize_access_token`](Self::authorize_access_token);
    /// where it returned `None` on denial, this returns [`FlowError::Denied`].
    ///
    /// # Errors
    /// As [`authorize_access_token`](Self::authorize_access_token).
    pub async fn authorized_response(
        &self,
        session: &dyn SessionStore,
        callback_query: impl Into<CallbackQuery>,
    ) -> Result<Token, crate::Error> {
        self.authorize_access_token(session, callback_query).await
    }

    async fn pending_oauth2(
        &self,
        session: &dyn SessionStore,
    ) -> Result<AuthorizationRequest, crate::Error> {
        let stored = self.pending(session).await?;
        Ok(serde_json::from_value(stored).map_err(|e| self.corrupt(&e))?)
    }

    async fn pending_oauth1(&self, session: &dyn SessionStore) -> Result<String, crate::Error> {
        match self.pending(session).await? {
            Value::String(oauth_token) => Ok(oauth_token),
            _ => Err(self
                .corrupt(&"the session's oauth_token is not a string")
                .into()),
        }
    }

    async fn pending(&self, session: &dyn SessionStore) -> Result<Value, crate::Error> {
        session
            .get(&self.session_key())
            .await
            .map_err(FlowError::Session)?
            .ok_or_else(|| self.flow_error(|app| FlowError::NoPendingAuthorization { app }))
    }

    /// The session key of the app's flow (one flow in progress per app and session).
    fn session_key(&self) -> String {
        format!("_oauth_compat_{}_authorization", self.name())
    }

    fn flow_error(&self, make: impl FnOnce(String) -> FlowError) -> crate::Error {
        make(self.name().to_owned()).into()
    }

    fn denied(&self, error: &str, description: Option<&str>) -> crate::Error {
        FlowError::Denied {
            app: self.name().to_owned(),
            error: error.to_owned(),
            description: description.map(str::to_owned),
        }
        .into()
    }

    fn corrupt(&self, reason: &dyn std::fmt::Display) -> FlowError {
        FlowError::CorruptState {
            app: self.name().to_owned(),
            reason: reason.to_string(),
        }
    }
}
