//! The OAuth 1.0 provider both `oauth1_provider` and `quickstart` run, as Authlib's Flask
//! OAuth 1 server guide builds one: the stores, the router and its handlers. Each example
//! includes it with `#[path = "support/provider.rs"] mod provider;` and does its own settings,
//! storage opening and serving.
//!
//! The endpoints are those `examples/oauth1_provider.rs` documents: `POST /initiate`,
//! `GET|POST /authorize` (`&user=U` grants at once as U), `POST /token`, and the protected
//! `/api/me`, `/api/me.xml`, `/api/form`, `/api/me.txt` and `/api/echo`.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use oauth_compat::integrations::axum::{
    OAuth1Authorization, OAuth1Credential, OAuth1Rejection, initiate_temporary_credential,
    issue_token, require_oauth,
};
use oauth_compat::oauth1::has_form_body;
use oauth_compat::server::{AuthorizationServer, ResourceProtector, ServerConfig};
use oauth_compat::server::{
    ClientStore, NonceStore, TemporaryCredentialStore, TokenCredentialStore,
};
use serde_json::{Value, json};

// --- storage ---------------------------------------------------------------------------------

/// The four stores the servers use.
pub(crate) struct Stores {
    pub(crate) clients: Arc<dyn ClientStore>,
    pub(crate) temporary: Arc<dyn TemporaryCredentialStore>,
    pub(crate) tokens: Arc<dyn TokenCredentialStore>,
    pub(crate) nonces: Arc<dyn NonceStore>,
}

impl Stores {
    /// All four in one store (memory, SQLite, PostgreSQL).
    pub(crate) fn all_in<S>(store: Arc<S>) -> Self
    where
        S: ClientStore + TemporaryCredentialStore + TokenCredentialStore + NonceStore + 'static,
    {
        Self {
            clients: store.clone(),
            temporary: store.clone(),
            tokens: store.clone(),
            nonces: store,
        }
    }
}

// --- the application -------------------------------------------------------------------------

/// The router's state: the two servers over the stores, and who may grant.
#[derive(Clone)]
pub(crate) struct AppState {
    server: AuthorizationServer,
    require_oauth: ResourceProtector,
    /// The registered users (one).
    users: Arc<[String]>,
}

impl FromRef<AppState> for AuthorizationServer {
    fn from_ref(state: &AppState) -> Self {
        state.server.clone()
    }
}

impl FromRef<AppState> for ResourceProtector {
    fn from_ref(state: &AppState) -> Self {
        state.require_oauth.clone()
    }
}

impl AppState {
    /// The authorization server and the resource protector over `stores`, with `config`;
    /// `users` are the ones who may grant.
    pub(crate) fn new(stores: Stores, config: ServerConfig, users: Vec<String>) -> Self {
        Self {
            server: AuthorizationServer::new(
                stores.clients.clone(),
                stores.temporary,
                stores.tokens.clone(),
                stores.nonces.clone(),
                config.clone(),
            ),
            require_oauth: ResourceProtector::new(
                stores.clients,
                stores.tokens,
                stores.nonces,
                config,
            ),
            users: users.into(),
        }
    }

    fn is_user(&self, user: &str) -> bool {
        self.users.iter().any(|u| u == user)
    }
}

/// The provider's endpoints (see the module docs) over `state`.
pub(crate) fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/me", get(me))
        .route("/me.xml", get(me_xml))
        .route("/form", get(me_form))
        .route("/me.txt", get(me_txt))
        .route("/echo", get(echo).post(echo))
        // The seed's `decorators = [require_oauth()]`: every route below /api is protected.
        .route_layer(require_oauth(state.require_oauth.clone()));
    Router::new()
        // `any`: the server answers other methods with Authlib's 405.
        .route("/initiate", any(initiate_temporary_credential))
        .route("/authorize", get(authorize_page).post(authorize_decision))
        // `post`, the contract's `POST /token`; `any` would also serve clients that send GET.
        .route("/token", post(issue_token))
        .nest("/api", api)
        .with_state(state)
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The seed's `render_template('error.html', error=error)`.
fn error_page(status: StatusCode, error: &str, description: &str) -> Response {
    let page = format!(
        "<!doctype html><title>Authorization failed</title><h1>{}</h1><p>{}</p>",
        escape_html(error),
        escape_html(description)
    );
    (status, Html(page)).into_response()
}

fn rejected(rejection: OAuth1Rejection) -> Response {
    error_page(
        rejection.status(),
        rejection.error(),
        &rejection.description(),
    )
}

/// `GET /authorize`: with `user`, that user grants at once (a signed-in user who already
/// agreed); without, the page asking her.
async fn authorize_page(
    State(state): State<AppState>,
    authorization: Result<OAuth1Authorization, OAuth1Rejection>,
) -> Response {
    let authorization = match authorization {
        Ok(authorization) => authorization,
        Err(rejection) => return rejected(rejection),
    };
    if let Some(user) = authorization.param("user") {
        return grant(&state, authorization, &user).await;
    }
    let request = authorization.request();
    let mut page = String::from("<!doctype html><title>Authorize</title>");
    let _ = write!(
        page,
        "<p><b>{}</b> asks to access your account (callback {}).</p>\
         <form method=post action=/authorize>\
         <input type=hidden name=oauth_token value=\"{}\">\
         <label>User <input name=user></label>\
         <button name=confirm value=yes>Allow</button>\
         <button name=confirm value=no>Deny</button></form>",
        escape_html(request.client_id()),
        escape_html(request.callback()),
        escape_html(request.oauth_token()),
    );
    Html(page).into_response()
}

/// `POST /authorize`: the user's decision (the seed's `create_authorization_response`).
async fn authorize_decision(
    State(state): State<AppState>,
    authorization: Result<OAuth1Authorization, OAuth1Rejection>,
) -> Response {
    let authorization = match authorization {
        Ok(authorization) => authorization,
        Err(rejection) => return rejected(rejection),
    };
    match authorization.param("confirm").as_deref() {
        Some("yes") => match authorization.param("user") {
            Some(user) => grant(&state, authorization, &user).await,
            None => error_page(StatusCode::BAD_REQUEST, "missing user", "sign in first"),
        },
        Some("no") => authorization.deny().await.unwrap_or_else(rejected),
        _ => error_page(
            StatusCode::BAD_REQUEST,
            "missing decision",
            "send confirm=yes or confirm=no",
        ),
    }
}

async fn grant(state: &AppState, authorization: OAuth1Authorization, user: &str) -> Response {
    if !state.is_user(user) {
        return error_page(StatusCode::FORBIDDEN, "unknown user", "no such user here");
    }
    authorization.grant(user).await.unwrap_or_else(rejected)
}

async fn me(credential: OAuth1Credential) -> Json<Value> {
    Json(json!({ "name": credential.user_id(), "client_id": credential.client_id }))
}

async fn me_xml(credential: OAuth1Credential) -> Response {
    let name = escape_html(credential.user_id());
    let xml =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<user><name>{name}</name></user>");
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

async fn me_form(credential: OAuth1Credential) -> Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("name", credential.user_id())
        .append_pair("client_id", &credential.client_id)
        .finish();
    (
        [(header::CONTENT_TYPE, "application/x-www-form-urlencoded")],
        body,
    )
        .into_response()
}

/// JSON a careless API sends as `text/plain` (clients decode it anyway, as Flask-OAuthlib does).
async fn me_txt(credential: OAuth1Credential) -> Response {
    let body = json!({ "name": credential.user_id() }).to_string();
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// The parameters that are not `oauth_*`, as `[[name, value], ...]` in the order sent.
fn non_oauth(pairs: &[u8]) -> Value {
    url::form_urlencoded::parse(pairs)
        .filter(|(name, _)| !name.starts_with("oauth_"))
        .map(|(name, value)| json!([name, value]))
        .collect()
}

async fn echo(
    credential: OAuth1Credential,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Json<Value> {
    let form = if has_form_body(&headers) {
        non_oauth(&body)
    } else {
        json!([])
    };
    Json(json!({
        "method": method.as_str(),
        "query": non_oauth(uri.query().unwrap_or_default().as_bytes()),
        "form": form,
        "user": credential.user_id(),
    }))
}
