//! Where an app's API calls get their user's token, and where refreshed tokens go: Authlib's
//! `fetch_token` / `update_token` (registry- or app-level) and Flask-OAuthlib's `tokengetter`.
//!
//! The caller's context (a user id, a request, a session: whatever the application keys tokens
//! by) reaches `fetch_token` typed but erased: the function is registered for one context type
//! `C`, a request carries a value of some type, and a mismatch is
//! [`FlowError::WrongContext`](super::FlowError::WrongContext) naming both types. So neither
//! the registry nor a handler spells out a context type parameter (DESIGN.md, "Token context").

use std::any::{Any, type_name};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::client::{BoxError, TokenUpdate};
use crate::oauth2::Token;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A request's context, type-erased; `()` when the request names none.
#[derive(Clone)]
pub(crate) struct Context {
    value: Arc<dyn Any + Send + Sync>,
    type_name: &'static str,
}

impl Context {
    pub(crate) fn new<C: Any + Send + Sync>(value: C) -> Self {
        Self {
            value: Arc::new(value),
            type_name: type_name::<C>(),
        }
    }

    pub(crate) fn none() -> Self {
        Self::new(())
    }

    pub(crate) fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn get<C: Any + Clone>(&self) -> Option<C> {
        self.value.downcast_ref::<C>().cloned()
    }
}

/// What a fetch-token function found: the future of its answer, or the context type it wanted
/// (when the request's context is of another type).
pub(crate) type Fetched = Result<BoxFuture<Result<Option<Token>, BoxError>>, &'static str>;

/// A fetch-token function, erased over its context type. The registry's form receives the
/// app's name; an app's own ignores it.
pub(crate) type FetchTokenFn = Arc<dyn Fn(&str, &Context) -> Fetched + Send + Sync>;

/// An update-token function; the registry's form receives the app's name.
pub(crate) type UpdateTokenFn =
    Arc<dyn Fn(&str, TokenUpdate) -> BoxFuture<Result<(), BoxError>> + Send + Sync>;

pub(crate) fn erase_fetch<C, F, Fut, E>(fetch: F) -> FetchTokenFn
where
    C: Any + Clone + Send + Sync,
    F: Fn(String, C) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Token>, E>> + Send + 'static,
    E: Into<BoxError>,
{
    Arc::new(move |app: &str, context: &Context| {
        let Some(value) = context.get::<C>() else {
            return Err(type_name::<C>());
        };
        let fut = fetch(app.to_owned(), value);
        Ok(Box::pin(async move { fut.await.map_err(Into::into) }) as BoxFuture<_>)
    })
}

pub(crate) fn erase_update<F, Fut, E>(update: F) -> UpdateTokenFn
where
    F: Fn(String, TokenUpdate) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError>,
{
    Arc::new(move |app: &str, token: TokenUpdate| {
        let fut = update(app.to_owned(), token);
        Box::pin(async move { fut.await.map_err(Into::into) }) as BoxFuture<_>
    })
}
