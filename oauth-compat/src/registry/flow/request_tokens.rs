//! Where OAuth 1 request tokens wait between `authorize_redirect` and the callback: the
//! registry's cache by default, or the application's own store (Authlib's
//! `save_request_token` / `fetch_request_token`, seed 000).

use std::sync::Arc;

use super::{REQUEST_TOKEN_TTL, SessionStore};
use crate::cache::{BoxFuture, Cache, CacheError};
use crate::oauth2::Token;

/// Keeps request tokens for the callback. Authlib's `save_request_token(token)` and
/// `fetch_request_token()` read the current user from a global; here the user's session is
/// passed to both.
///
/// The flow has already checked that the callback's `oauth_token` is the one `session`
/// obtained before it calls [`take`](Self::take).
pub trait RequestTokenStore: Send + Sync {
    /// Keeps `token` (with its `oauth_token_secret`) for `app` and the user of `session`.
    fn save<'a>(
        &'a self,
        app: &'a str,
        session: &'a dyn SessionStore,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), CacheError>>;

    /// The token saved for `app` under `oauth_token`, removed so that it serves once; `None`
    /// when absent, expired or already taken. Two concurrent `take`s of one token must not
    /// both return it.
    fn take<'a>(
        &'a self,
        app: &'a str,
        session: &'a dyn SessionStore,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<Option<Token>, CacheError>>;
}

/// The default store: the registry's [`Cache`] (see
/// [`OAuth::request_token_cache`](crate::OAuth::request_token_cache)), keyed by app and
/// `oauth_token`, for [`REQUEST_TOKEN_TTL`].
pub(crate) struct CacheRequestTokens(pub(crate) Arc<dyn Cache>);

impl CacheRequestTokens {
    fn key(app: &str, oauth_token: &str) -> String {
        format!("oauth_compat:request_token:{app}:{oauth_token}")
    }
}

impl RequestTokenStore for CacheRequestTokens {
    fn save<'a>(
        &'a self,
        app: &'a str,
        _session: &'a dyn SessionStore,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        Box::pin(async move {
            let bytes = serde_json::to_vec(token)
                .map_err(|e| CacheError::new("cache", "encode a request token", e))?;
            let key = Self::key(app, token.access_token());
            self.0.set(&key, bytes, Some(REQUEST_TOKEN_TTL)).await
        })
    }

    fn take<'a>(
        &'a self,
        app: &'a str,
        _session: &'a dyn SessionStore,
        oauth_token: &'a str,
    ) -> BoxFuture<'a, Result<Option<Token>, CacheError>> {
        Box::pin(async move {
            let key = Self::key(app, oauth_token);
            let Some(bytes) = self.0.get(&key).await? else {
                return Ok(None);
            };
            // Single use even for two callbacks racing between the get and the delete: the
            // cache's atomic add lets only the first claim the token.
            if !self
                .0
                .add(&format!("{key}:used"), Vec::new(), REQUEST_TOKEN_TTL)
                .await?
            {
                return Ok(None);
            }
            self.0.delete(&key).await?;
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| CacheError::new("cache", "decode a request token", e))
        })
    }
}
