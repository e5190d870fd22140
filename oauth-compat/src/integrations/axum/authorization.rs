//! The authorization page's extractor: the pending request, and the user's decision.

use std::fmt;

use axum::extract::{FromRef, FromRequest, Request};
use axum::response::Response;

use super::body::{ENDPOINT_BODY_LIMIT, read_body};
use super::rejection::OAuth1Rejection;
use super::signed_parts::SignedParts;
use crate::oauth1::params::{body_parameters, query_parameters};
use crate::server::{AuthorizationServer, PendingAuthorization};

/// A request to the authorization page (RFC 5849 §2.2), checked: its `oauth_token` (from the
/// query, or a form body) names a pending temporary credential. The page shows who asks
/// ([`request`](Self::request)), the application decides who the user is and whether she
/// grants, and the extractor answers ([`grant`](Self::grant), [`deny`](Self::deny)): the
/// seed's
///
/// ```python
/// req = server.check_authorization_request()                 # extraction
/// return render_template('authorize.html', req=req)          # GET: show the page
/// return server.create_authorization_response(grant_user)    # POST: the decision
/// ```
///
/// The [`AuthorizationServer`] comes from the router's state ([`FromRef`]). An unknown or
/// expired `oauth_token` is rejected with [`OAuth1Rejection`]; take
/// `Result<OAuth1Authorization, OAuth1Rejection>` to render an error page instead (the seed's
/// `render_template('error.html', error=error)`). It reads the body (up to
/// [`ENDPOINT_BODY_LIMIT`](super::ENDPOINT_BODY_LIMIT)), so it is the handler's last argument;
/// [`param`](Self::param) reads the form.
///
/// ```
/// use axum::Router;
/// use axum::response::{Html, IntoResponse, Response};
/// use axum::routing::get;
/// use oauth_compat::integrations::axum::OAuth1Authorization;
/// # use std::sync::Arc;
/// # use oauth_compat::server::{AuthorizationServer, ServerConfig};
/// # use oauth_compat::store::MemoryStore;
///
/// // The application's own login: here, who is signed in.
/// fn current_user() -> Option<&'static str> {
///     Some("jane")
/// }
///
/// async fn authorize_page(authorization: OAuth1Authorization) -> Html<String> {
///     let client = authorization.request().client_id().to_owned();
///     Html(format!(
///         "<form method=post><p>{client} asks for your photos</p>\
///          <input type=hidden name=oauth_token value={}>\
///          <button name=granted value=yes>Allow</button></form>",
///         authorization.request().oauth_token()
///     ))
/// }
///
/// async fn authorize(authorization: OAuth1Authorization) -> Response {
///     let grant_user = match authorization.param("granted").as_deref() {
///         Some("yes") => current_user(),
///         _ => None,
///     };
///     authorization.create_authorization_response(grant_user).await.into_response()
/// }
///
/// # let server = AuthorizationServer::from_store(Arc::new(MemoryStore::new()), ServerConfig::default());
/// let app: Router = Router::new()
///     .route("/authorize", get(authorize_page).post(authorize))
///     .with_state(server);
/// ```
pub struct OAuth1Authorization {
    server: AuthorizationServer,
    request: SignedParts,
    pending: PendingAuthorization,
}

impl fmt::Debug for OAuth1Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Authorization")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl OAuth1Authorization {
    /// The pending request: its temporary credential and the client asking (the `req` the
    /// seed's page renders).
    pub fn request(&self) -> &PendingAuthorization {
        &self.pending
    }

    /// The first value of `name` in the query, else in a form-encoded body: the page's own
    /// fields (`granted`, `confirm`, ...). `None` when absent or not decodable.
    pub fn param(&self, name: &str) -> Option<String> {
        let req = self.request.request();
        let query = query_parameters(req.uri()).unwrap_or_default();
        let form = body_parameters(req.headers(), req.body()).unwrap_or_default();
        query
            .into_iter()
            .chain(form)
            .find(|(n, _)| n == name)
            .map(|(_, value)| value)
    }

    /// The user granted: a 302 to the callback with `oauth_token` and `oauth_verifier`
    /// (see [`AuthorizationServer::create_authorization_response`]).
    pub async fn grant(self, user_id: &str) -> Result<Response, OAuth1Rejection> {
        self.create_authorization_response(Some(user_id)).await
    }

    /// The user denied: a 302 to the callback with `error=access_denied`, no verifier.
    pub async fn deny(self) -> Result<Response, OAuth1Rejection> {
        self.create_authorization_response(None).await
    }

    /// The decision (the seed's `server.create_authorization_response(grant_user)`): granted
    /// to `Some(user_id)`, denied with `None`.
    pub async fn create_authorization_response(
        self,
        grant_user: Option<&str>,
    ) -> Result<Response, OAuth1Rejection> {
        let resp = self
            .server
            .create_authorization_response(self.request.request(), grant_user)
            .await?;
        Ok(resp.map(Into::into))
    }
}

impl<S> FromRequest<S> for OAuth1Authorization
where
    AuthorizationServer: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = OAuth1Rejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let server = AuthorizationServer::from_ref(state);
        let (parts, body) = req.into_parts();
        let max_parameters = server.config().max_parameters;
        let body = read_body(&parts.headers, body, ENDPOINT_BODY_LIMIT, max_parameters).await?;
        let request = SignedParts::new(parts, body);
        let pending = server
            .check_authorization_request(request.request())
            .await?;
        Ok(Self {
            server,
            request,
            pending,
        })
    }
}
