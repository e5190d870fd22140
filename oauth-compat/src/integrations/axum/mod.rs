//! The provider in axum (feature `axum`): Authlib's Flask integration
//! (`authlib.integrations.flask_oauth1`), as handlers, extractors and a layer over the
//! framework-neutral [`crate::server`].
//!
//! | Authlib (Flask) | here |
//! |---|---|
//! | `@app.route('/initiate', methods=['POST'])` → `server.create_temporary_credential_response()` | [`initiate_temporary_credential`] (mount with `any`) |
//! | `@app.route('/authorize')` → `server.check_authorization_request()` | the [`OAuth1Authorization`] extractor, [`request`](OAuth1Authorization::request) |
//! | `server.create_authorization_response(grant_user)` | [`OAuth1Authorization::create_authorization_response`], [`grant`](OAuth1Authorization::grant), [`deny`](OAuth1Authorization::deny) |
//! | `@app.route('/token', methods=['POST'])` → `server.create_token_response()` | [`issue_token`] (mount with `post`; `any` to serve GET clients) |
//! | `@require_oauth()` on a view, and `current_credential` | the [`OAuth1Credential`] extractor |
//! | `decorators = [require_oauth()]` on a `MethodView` | [`require_oauth`]`(protector)` as a `route_layer` |
//! | `OAuth1Error` raised as a response | [`OAuth1Rejection`] |
//! | `app.run()` (gunicorn's timeouts and worker limits in production) | [`serve`]`(listener, router, `[`ServeOptions`]`)` |
//!
//! The [`AuthorizationServer`](crate::server::AuthorizationServer) and the
//! [`ResourceProtector`](crate::server::ResourceProtector) live in the router's state: the
//! state itself, or fields of it reached through [`FromRef`](axum::extract::FromRef).
//!
//! Signatures are checked over the URI the client signed: a router nested under a prefix still
//! sees the full path (axum's `OriginalUri`), and behind a reverse proxy the server's
//! [`external_base_url`](crate::server::ServerConfig::external_base_url) or
//! [`trust_forwarded_headers`](crate::server::ServerConfig::trust_forwarded_headers) apply.
//! Bodies are read with a limit ([`ENDPOINT_BODY_LIMIT`], [`DEFAULT_BODY_LIMIT`], or the
//! layer's [`body_limit`](RequireOAuthLayer::body_limit), which handlers behind it share): past
//! it, the provider's 413, in the shape of its other errors. A form is refused as it arrives
//! once it holds more parameters than the server's
//! [`max_parameters`](crate::server::ServerConfig::max_parameters), so a flood of tiny
//! parameters is never buffered.
//!
//! # Serving
//!
//! Serve the router with [`serve`], not `axum::serve`: it closes connections whose headers or
//! bodies arrive too slowly, or that sit idle, and answers `503` past a connection limit
//! ([`ServeOptions`] has the defaults and the setters). `axum::serve` times nothing, so a few
//! hundred slow clients can hold every file descriptor the process has while legitimate
//! requests wait.
//!
//! # A provider
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::extract::FromRef;
//! use axum::response::{IntoResponse, Response};
//! use axum::routing::{any, get, post};
//! use axum::{Json, Router};
//! use oauth_compat::integrations::axum::{
//!     OAuth1Authorization, OAuth1Credential, ServeOptions, initiate_temporary_credential,
//!     issue_token, require_oauth, serve,
//! };
//! use oauth_compat::ClientSecret;
//! use oauth_compat::server::Client;
//! use oauth_compat::server::{AuthorizationServer, ResourceProtector, ServerConfig};
//! use oauth_compat::store::MemoryStore;
//!
//! #[derive(Clone)]
//! struct AppState {
//!     server: AuthorizationServer,
//!     require_oauth: ResourceProtector,
//! }
//!
//! // (or `#[derive(FromRef)]` with axum's `macros` feature)
//! impl FromRef<AppState> for AuthorizationServer {
//!     fn from_ref(state: &AppState) -> Self {
//!         state.server.clone()
//!     }
//! }
//!
//! impl FromRef<AppState> for ResourceProtector {
//!     fn from_ref(state: &AppState) -> Self {
//!         state.require_oauth.clone()
//!     }
//! }
//!
//! // GET shows the page (here: grants at once to the signed-in user); POST would decide.
//! async fn authorize(authorization: OAuth1Authorization) -> Response {
//!     let signed_in = "jane"; // make sure that the user is logged in, for yourself
//!     authorization.grant(signed_in).await.into_response()
//! }
//!
//! async fn user_profile(current_credential: OAuth1Credential) -> Json<serde_json::Value> {
//!     Json(serde_json::json!({ "name": current_credential.user_id() }))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let store = Arc::new(MemoryStore::new());
//! store.add_client(Client {
//!     client_id: "printer".into(),
//!     client_secret: ClientSecret::new("kd94hf93k423kf44"),
//!     rsa_public_key: None,
//!     default_redirect_uri: None,
//! });
//! let config = ServerConfig::default();
//! let state = AppState {
//!     server: AuthorizationServer::from_store(store.clone(), config.clone()),
//!     require_oauth: ResourceProtector::from_store(store, config),
//! };
//!
//! let api = Router::new()
//!     .route("/user", get(user_profile))
//!     .route_layer(require_oauth(state.require_oauth.clone()));
//! let app = Router::new()
//!     .route("/initiate", any(initiate_temporary_credential))
//!     .route("/authorize", get(authorize))
//!     .route("/token", post(issue_token))
//!     .nest("/api", api)
//!     .with_state(state);
//!
//! // Header-read, body-read and idle timeouts, and a connection limit (see `ServeOptions`).
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:5000").await?;
//! serve(listener, app, ServeOptions::new()).await
//! # }
//! ```
//!
//! `examples/oauth1_provider.rs` in the repository is a complete provider: every endpoint,
//! SQLite storage, every signature method, served with [`serve`] and shut down gracefully.

mod authorization;
mod body;
mod credential;
mod endpoints;
mod rejection;
mod require_oauth;
mod serve;
mod signed_parts;

pub use authorization::OAuth1Authorization;
pub use body::{DEFAULT_BODY_LIMIT, ENDPOINT_BODY_LIMIT};
pub use credential::OAuth1Credential;
pub use endpoints::{initiate_temporary_credential, issue_token};
pub use rejection::OAuth1Rejection;
pub use require_oauth::{RequireOAuth, RequireOAuthLayer, require_oauth};
pub use serve::{Serve, ServeOptions, WithGracefulShutdown, serve};
