//! A tower layer that protects every route of a router (the seed's `require_oauth()` on method
//! views and whole blueprints).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::{DefaultBodyLimit, Request};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::body::{DEFAULT_BODY_LIMIT, read_body, watch_limit};
use super::rejection::OAuth1Rejection;
use super::signed_parts::SignedParts;
use crate::oauth1::params::has_form_body;
use crate::server::{Credential, ResourceProtector};
use crate::wire::BoxFuture;

/// Protects every route the layer wraps: a request is checked by the [`ResourceProtector`]
/// before any handler runs, and refused with the [`OAuth1Rejection`] (Authlib's status, JSON
/// body) or passed on with its [`Credential`](crate::server::Credential) in the extensions,
/// where [`OAuth1Credential`](super::OAuth1Credential) (or `Extension<Credential>`) finds it.
///
/// A form-encoded body, which is signed, is read first and handed on whole, so the handler can
/// still take `Form`; it is refused as it arrives once it holds more parameters than the
/// protector's [`max_parameters`](crate::server::ServerConfig::max_parameters) (400). Other
/// bodies are passed on unread.
///
/// [`body_limit`](RequireOAuthLayer::body_limit) bounds every body of the routes it protects,
/// in place of axum's `DefaultBodyLimit` there (the handler's `Form`, `Json` or `Bytes` take
/// up to the same): a longer one, whether the layer or the handler reads it, is answered with
/// the provider's 413 ([`OAuth1Rejection::BodyTooLarge`], JSON like its other errors), not the
/// framework's plain text. One declared longer (`Content-Length`) is refused before the check.
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
/// use oauth_compat::store::MemoryStore;
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

    /// The largest body the protected routes take, form or not (default
    /// [`DEFAULT_BODY_LIMIT`], 2 MiB, axum's own default); a longer one is refused with the
    /// provider's 413. Raise it here, not with axum's `DefaultBodyLimit`, for routes that take
    /// larger bodies: behind the layer, the handler's extractors take up to this.
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
            let (req, exceeded) = match check(&protector, req, limit).await {
                Ok(checked) => checked,
                Err(rejection) => return Ok(rejection.into_response()),
            };
            let resp = inner.call(req).await?;
            // The handler read the body past the limit, and answered in its own words (axum's
            // plain-text 413): the answer is the provider's, as for a body the layer read.
            if exceeded.is_some_and(|flag| flag.load(Ordering::Relaxed)) {
                return Ok(OAuth1Rejection::BodyTooLarge { limit }.into_response());
            }
            Ok(resp)
        })
    }
}

/// The request, checked, with its credential in the extensions and its body whole (a form)
/// or bounded (another body, with the flag its readers raise past `limit`).
///
/// A request that already holds a [`Credential`] was checked by an outer layer (one on the
/// app around one on a nested router): it is passed on as it is, since checking it again
/// would meet its own nonce and refuse it as a replay.
async fn check(
    protector: &ResourceProtector,
    mut req: Request,
    limit: usize,
) -> Result<(Request, Option<Arc<AtomicBool>>), OAuth1Rejection> {
    if req.extensions().get::<Credential>().is_some() {
        return Ok((req, None));
    }
    if usize::try_from(req.body().size_hint().lower()).map_or(true, |lower| lower > limit) {
        return Err(OAuth1Rejection::BodyTooLarge { limit });
    }
    // The handler's extractors take what the layer lets through (their own default is 2 MiB).
    DefaultBodyLimit::max(limit).apply(&mut req);
    let (parts, body) = req.into_parts();
    let (body, unread) = if has_form_body(&parts.headers) {
        let max_parameters = protector.config().max_parameters;
        let body = read_body(&parts.headers, body, limit, max_parameters).await?;
        (body, None)
    } else {
        (Bytes::new(), Some(watch_limit(body, limit)))
    };
    let signed = SignedParts::new(parts, body);
    let credential = protector.validate_request(signed.request()).await?;
    let (mut parts, read) = signed.into_parts();
    parts.extensions.insert(credential);
    Ok(match unread {
        Some((body, exceeded)) => (Request::from_parts(parts, body), Some(exceeded)),
        None => (Request::from_parts(parts, Body::from(read)), None),
    })
}
