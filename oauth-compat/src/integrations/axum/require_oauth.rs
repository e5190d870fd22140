//! A tower layer that protects every route of a router (the seed's `require_oauth()` on method
//! views and whole blueprints).

use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::body::{DEFAULT_BODY_LIMIT, read_body};
use super::rejection::OAuth1Rejection;
use super::signed_parts::SignedParts;
use crate::oauth1::params::has_form_body;
use crate::server::store::BoxFuture;
use crate::server::{Credential, ResourceProtector};

/// Protects every route the layer wraps: a request is checked by the [`ResourceProtector`]
/// before any handler runs, and refused with the [`OAuth1Rejection`] (Authlib's status, JSON
/// body) or passed on with its [`Credential`](crate::server::Credential) in the extensions,
/// where [`OAuth1Credential`](super::OAuth1Credential) (or `Extension<Credential>`) finds it.
///
/// A form-encoded body, which is signed, is read first (up to
/// [`body_limit`](RequireOAuthLayer::body_limit), else 413) and handed on whole, so the
/// handler can still take `Form`. Other bodies are passed on unread.
///
/// Use `route_layer`, so requests to paths the router does not serve get a 404, not a 401.
///
/// Layers nest: a request an outer layer has checked (its `Credential` is in the extensions)
/// is not checked again by an inner one, which would see its nonce as a replay.
///
/// ```
/// use std::sync::Arc;
/// use axum::{Router, routing::get};
/// use oauth_compat::integrations::axum::{OAuth1Credential, require_oauth};
/// use oauth_compat::server::{ResourceProtector, ServerConfig};
/// use oauth_compat::store::memory::MemoryStore;
///
/// async fn me(credential: OAuth1Credential) -> String {
///     credential.user_id().to_owned()
/// }
///
/// let protector = ResourceProtector::from_store(Arc::new(MemoryStore::new()), ServerConfig::default());
/// let api: Router = Router::new()
///     .route("/me", get(me))
///     .route_layer(require_oauth(protector.clone()))
///     .with_state(protector);
/// let app: Router = Router::new().nest("/api", api);
/// ```
pub fn require_oauth(protector: ResourceProtector) -> RequireOAuthLayer {
    RequireOAuthLayer::new(protector)
}

/// The layer [`require_oauth`] makes.
#[derive(Debug, Clone)]
pub struct RequireOAuthLayer {
    protector: ResourceProtector,
    body_limit: usize,
}

impl RequireOAuthLayer {
    /// A layer checking requests with `protector`.
    pub fn new(protector: ResourceProtector) -> Self {
        Self {
            protector,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// The largest form body read (default [`DEFAULT_BODY_LIMIT`], 2 MiB); a longer one is
    /// refused with 413.
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }
}

impl<S> Layer<S> for RequireOAuthLayer {
    type Service = RequireOAuth<S>;

    fn layer(&self, inner: S) -> RequireOAuth<S> {
        RequireOAuth {
            inner,
            protector: self.protector.clone(),
            body_limit: self.body_limit,
        }
    }
}

/// The service [`RequireOAuthLayer`] wraps around a route.
#[derive(Debug, Clone)]
pub struct RequireOAuth<S> {
    inner: S,
    protector: ResourceProtector,
    body_limit: usize,
}

impl<S> Service<Request> for RequireOAuth<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The clone that was polled ready serves this request (tower's rule).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let protector = self.protector.clone();
        let limit = self.body_limit;
        Box::pin(async move {
            match check(&protector, req, limit).await {
                Ok(req) => inner.call(req).await,
                Err(rejection) => Ok(rejection.into_response()),
            }
        })
    }
}

/// The request, checked, with its credential in the extensions and its body whole.
///
/// A request that already holds a [`Credential`] was checked by an outer layer (one on the
/// app around one on a nested router): it is passed on as it is, since checking it again
/// would meet its own nonce and refuse it as a replay.
async fn check(
    protector: &ResourceProtector,
    req: Request,
    limit: usize,
) -> Result<Request, OAuth1Rejection> {
    if req.extensions().get::<Credential>().is_some() {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let (body, unread) = if has_form_body(&parts.headers) {
        (read_body(body, limit).await?, None)
    } else {
        (Default::default(), Some(body))
    };
    let signed = SignedParts::new(parts, body);
    let credential = protector.validate_request(signed.request()).await?;
    let (mut parts, read) = signed.into_parts();
    parts.extensions.insert(credential);
    Ok(Request::from_parts(
        parts,
        unread.unwrap_or_else(|| Body::from(read)),
    ))
}
