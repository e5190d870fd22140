//! The temporary credentials and token credentials endpoints as axum handlers.

use axum::extract::{Request, State};
use axum::response::Response;

use super::body::{ENDPOINT_BODY_LIMIT, read_body};
use super::signed_parts::SignedParts;
use crate::server::AuthorizationServer;

/// `POST /initiate` (the seed's `initiate_temporary_credential` view): answers
/// [`AuthorizationServer::create_temporary_credential_response`]. The server comes from the
/// router's state (`AuthorizationServer: FromRef<S>`).
///
/// Mount it with `any`, not `post`: the server itself refuses other methods with Authlib's
/// form-encoded `method_not_allowed` (405), and accepts those set in
/// [`temporary_credentials_methods`](crate::server::ServerConfig::temporary_credentials_methods).
/// Bodies over [`ENDPOINT_BODY_LIMIT`] get 413; forms of more than
/// [`max_parameters`](crate::server::ServerConfig::max_parameters) parameters are refused as
/// they arrive.
///
/// ```
/// # use std::sync::Arc;
/// use axum::{Router, routing::{any, post}};
/// use oauth_compat::integrations::axum::{initiate_temporary_credential, issue_token};
/// # use oauth_compat::server::{AuthorizationServer, ServerConfig};
/// # use oauth_compat::store::MemoryStore;
/// # let server = AuthorizationServer::from_store(Arc::new(MemoryStore::new()), ServerConfig::default());
///
/// let app: Router = Router::new()
///     .route("/initiate", any(initiate_temporary_credential))
///     .route("/token", post(issue_token))
///     .with_state(server);
/// ```
pub async fn initiate_temporary_credential(
    State(server): State<AuthorizationServer>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let max_parameters = server.config().max_parameters;
    let body = match read_body(&parts.headers, body, ENDPOINT_BODY_LIMIT, max_parameters).await {
        Ok(body) => body,
        Err(rejection) => return rejection.into_form_response(),
    };
    let signed = SignedParts::new(parts, body);
    server
        .create_temporary_credential_response(signed.request())
        .await
        .map(Into::into)
}

/// `POST /token` (the seed's `issue_token` view): answers
/// [`AuthorizationServer::create_token_response`]. The server comes from the router's state.
/// Bodies over [`ENDPOINT_BODY_LIMIT`] get 413; forms of more than
/// [`max_parameters`](crate::server::ServerConfig::max_parameters) parameters are refused as
/// they arrive.
///
/// Mount it with `post`, as the seed's `methods=['POST']` and the example do: axum answers
/// other methods with 405 before the handler runs. The server itself accepts any method here,
/// as Authlib's does, so mount it with `any` instead only when clients that send GET must be
/// served (Flask-OAuthlib's, for one); the signature covers the method either way.
pub async fn issue_token(State(server): State<AuthorizationServer>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let max_parameters = server.config().max_parameters;
    let body = match read_body(&parts.headers, body, ENDPOINT_BODY_LIMIT, max_parameters).await {
        Ok(body) => body,
        Err(rejection) => return rejection.into_form_response(),
    };
    let signed = SignedParts::new(parts, body);
    server
        .create_token_response(signed.request())
        .await
        .map(Into::into)
}
