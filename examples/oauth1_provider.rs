//! An OAuth 1.0 provider on axum, as Authlib's Flask OAuth 1 server guide builds one: the
//! temporary credentials, authorization and token endpoints, and protected resources, with one
//! registered client and one user, for clients under test to run against.
//!
//! ```sh
//! PORT=5000 CLIENT_KEY=printer CLIENT_SECRET=kd94hf93k423kf44 \
//!   CALLBACK_URL=http://127.0.0.1:8000/callback TEST_USER=jane \
//!   cargo run --example oauth1_provider
//! ```
//!
//! Environment (missing or invalid: a message naming the variable, exit code 2):
//!
//! | variable | |
//! |---|---|
//! | `PORT` | listens on `127.0.0.1:PORT` (`0`: any free port; the line printed names it) |
//! | `CLIENT_KEY`, `CLIENT_SECRET` | the one registered client (`CLIENT_SECRET` may be empty with an RSA key) |
//! | `CLIENT_RSA_PUBLIC_KEY_FILE` | optional: the client's RSA public key (PEM), for RSA-SHA1 |
//! | `CALLBACK_URL` | the client's default redirect URI, used when it sends `oauth_callback=oob` |
//! | `TEST_USER` | the one user who can grant |
//! | `DATABASE_URL` | optional: `sqlite://path?mode=rwc`, or `postgres://..` (built with `--features postgres`); default: a SQLite file in a temp dir, removed at exit |
//! | `REDIS_URL` | optional (built with `--features redis`): nonces and temporary credentials in Redis |
//! | `OAUTH1_*` | Authlib's settings ([`ServerConfig::from_env`]); default methods: HMAC-SHA1, HMAC-SHA256, RSA-SHA1, PLAINTEXT |
//!
//! Endpoints:
//! - `POST /initiate`: temporary credentials (other methods: 405).
//! - `GET /authorize?oauth_token=T`: the authorization page; with `&user=U`, U grants at once
//!   (302 to the callback with `oauth_token` and `oauth_verifier`).
//! - `POST /authorize` with the form `oauth_token`, `user`, `confirm=yes|no`: the decision
//!   (`no`: 302 with `error=access_denied`, no verifier).
//! - `POST /token`: token credentials.
//! - Protected (signed with the token credentials): `GET /api/me` (JSON `{"name": user}`),
//!   `/api/me.xml`, `/api/form` (form-encoded), `/api/me.txt` (JSON sent as `text/plain`), and
//!   `GET|POST /api/echo`: `{"method", "query": [[k, v]..], "form": [[k, v]..], "user"}` of the
//!   parameters that are not `oauth_*`.
//!
//! It runs in the foreground until SIGTERM or Ctrl-C, then stops accepting, lets requests in
//! flight finish (10 s at most) and exits 0.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use oauth_compat::env::ProcessEnv;
use oauth_compat::integrations::axum::{
    OAuth1Authorization, OAuth1Credential, OAuth1Rejection, initiate_temporary_credential,
    issue_token, require_oauth,
};
use oauth_compat::oauth1::RsaPublicKey;
use oauth_compat::oauth1::params::has_form_body;
use oauth_compat::secret::ClientSecret;
use oauth_compat::server::store::{
    Client, ClientStore, NonceStore, StoreError, TemporaryCredentialStore, TokenCredentialStore,
};
use oauth_compat::server::{AuthorizationServer, ResourceProtector, ServerConfig};
use oauth_compat::store::sqlite::SqliteStore;
use serde_json::{Value, json};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// How long requests in flight may take to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

// --- settings --------------------------------------------------------------------------------

/// A setting that cannot be used: the variable and what to fix.
struct SettingError {
    variable: &'static str,
    reason: String,
}

impl SettingError {
    fn new(variable: &'static str, reason: impl Into<String>) -> Self {
        Self {
            variable,
            reason: reason.into(),
        }
    }
}

struct Settings {
    port: u16,
    client: Client,
    test_user: String,
    database_url: Option<String>,
    redis_url: Option<String>,
    config: ServerConfig,
}

fn var(name: &'static str) -> Result<Option<String>, SettingError> {
    match std::env::var(name) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(SettingError::new(name, "it is not valid UTF-8"))
        }
    }
}

fn required(name: &'static str) -> Result<String, SettingError> {
    var(name)?.ok_or_else(|| SettingError::new(name, "it is not set"))
}

fn non_empty(name: &'static str) -> Result<String, SettingError> {
    let value = required(name)?;
    if value.trim().is_empty() {
        return Err(SettingError::new(name, "it is empty"));
    }
    Ok(value)
}

impl Settings {
    fn from_env() -> Result<Self, SettingError> {
        let port = required("PORT")?;
        let port = port.trim().parse::<u16>().map_err(|_| {
            SettingError::new("PORT", format!("{port:?} is not a port number (0-65535)"))
        })?;
        let client_id = non_empty("CLIENT_KEY")?;
        let rsa_public_key = match var("CLIENT_RSA_PUBLIC_KEY_FILE")?.filter(|p| !p.is_empty()) {
            None => None,
            Some(path) => {
                let pem = std::fs::read_to_string(&path).map_err(|e| {
                    SettingError::new(
                        "CLIENT_RSA_PUBLIC_KEY_FILE",
                        format!("cannot read {path}: {e}"),
                    )
                })?;
                RsaPublicKey::from_pem(&pem).map_err(|e| {
                    SettingError::new(
                        "CLIENT_RSA_PUBLIC_KEY_FILE",
                        format!("{path} is not an RSA public key in PEM: {e}"),
                    )
                })?;
                Some(pem)
            }
        };
        let client_secret = required("CLIENT_SECRET")?;
        if client_secret.is_empty() && rsa_public_key.is_none() {
            return Err(SettingError::new(
                "CLIENT_SECRET",
                "it is empty, and no CLIENT_RSA_PUBLIC_KEY_FILE is set: the client could not sign",
            ));
        }
        let callback = non_empty("CALLBACK_URL")?;
        let parsed = url::Url::parse(&callback).map_err(|e| {
            SettingError::new(
                "CALLBACK_URL",
                format!("{callback:?} is not an absolute URL: {e}"),
            )
        })?;
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(SettingError::new(
                "CALLBACK_URL",
                format!("{callback:?} names no host"),
            ));
        }
        let test_user = non_empty("TEST_USER")?;

        let mut config = ServerConfig::from_env(&ProcessEnv)
            .map_err(|e| SettingError::new("OAUTH1_*", e.to_string()))?;
        if var("OAUTH1_SUPPORTED_SIGNATURE_METHODS")?.is_none() {
            config = config.supported_signature_methods([
                "HMAC-SHA1",
                "HMAC-SHA256",
                "RSA-SHA1",
                "PLAINTEXT",
            ]);
        }
        Ok(Self {
            port,
            client: Client {
                client_id,
                client_secret: ClientSecret::new(client_secret),
                rsa_public_key,
                default_redirect_uri: Some(callback),
            },
            test_user,
            database_url: var("DATABASE_URL")?.filter(|u| !u.trim().is_empty()),
            redis_url: var("REDIS_URL")?.filter(|u| !u.trim().is_empty()),
            config,
        })
    }
}

// --- storage ---------------------------------------------------------------------------------

/// The four stores the servers use.
struct Stores {
    clients: Arc<dyn ClientStore>,
    temporary: Arc<dyn TemporaryCredentialStore>,
    tokens: Arc<dyn TokenCredentialStore>,
    nonces: Arc<dyn NonceStore>,
}

impl Stores {
    fn all_in<S>(store: Arc<S>) -> Self
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

/// Why the stores could not be opened: a bad setting (exit 2) or a failing backend (exit 1).
enum StorageError {
    Setting(SettingError),
    Store(StoreError),
}

impl From<SettingError> for StorageError {
    fn from(err: SettingError) -> Self {
        Self::Setting(err)
    }
}

impl From<StoreError> for StorageError {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}

/// A directory of our own for the default SQLite file, removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Opens the database (`DATABASE_URL`, or SQLite in `temp`) and, with `REDIS_URL`, Redis for
/// nonces and temporary credentials; registers the client.
async fn open_stores(
    settings: &Settings,
    temp: &mut Option<TempDir>,
) -> Result<Stores, StorageError> {
    let url = match &settings.database_url {
        Some(url) => url.clone(),
        None => {
            let dir = std::env::temp_dir().join(format!("oauth1-provider-{}", std::process::id()));
            std::fs::create_dir_all(&dir)
                .map_err(|e| StoreError::new("sqlite", "create a temp dir for the database", e))?;
            let url = format!("sqlite://{}?mode=rwc", dir.join("provider.db").display());
            *temp = Some(TempDir(dir));
            url
        }
    };
    let mut stores = if url.starts_with("sqlite:") {
        let store = SqliteStore::connect(&url).await?;
        store.add_client(settings.client.clone()).await?;
        Stores::all_in(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        postgres_stores(&url, &settings.client).await?
    } else {
        return Err(SettingError::new(
            "DATABASE_URL",
            "use sqlite://path?mode=rwc or postgres://user@host/database",
        )
        .into());
    };
    if let Some(url) = &settings.redis_url {
        redis_stores(url, &mut stores).await?;
    }
    Ok(stores)
}

#[cfg(feature = "postgres")]
async fn postgres_stores(url: &str, client: &Client) -> Result<Stores, StorageError> {
    let store = oauth_compat::store::postgres::PostgresStore::connect(url).await?;
    store.add_client(client.clone()).await?;
    Ok(Stores::all_in(Arc::new(store)))
}

#[cfg(not(feature = "postgres"))]
async fn postgres_stores(_: &str, _: &Client) -> Result<Stores, StorageError> {
    Err(SettingError::new(
        "DATABASE_URL",
        "PostgreSQL needs this example built with `--features postgres`",
    )
    .into())
}

#[cfg(feature = "redis")]
async fn redis_stores(url: &str, stores: &mut Stores) -> Result<(), StorageError> {
    use oauth_compat::cache::redis::RedisCache;
    use oauth_compat::store::cache::CacheStore;

    let cache = Arc::new(CacheStore::new(RedisCache::connect(url).await?));
    stores.temporary = cache.clone();
    stores.nonces = cache;
    Ok(())
}

#[cfg(not(feature = "redis"))]
async fn redis_stores(_: &str, _: &mut Stores) -> Result<(), StorageError> {
    Err(SettingError::new(
        "REDIS_URL",
        "Redis needs this example built with `--features redis`",
    )
    .into())
}

// --- the application -------------------------------------------------------------------------

#[derive(Clone)]
struct AppState {
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
    fn is_user(&self, user: &str) -> bool {
        self.users.iter().any(|u| u == user)
    }
}

fn app(state: AppState) -> Router {
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

// --- main ------------------------------------------------------------------------------------

/// SIGTERM and SIGINT (Ctrl-C), registered before the "listening" line is printed: a SIGTERM
/// sent as soon as that line is read must find the handler in place (else the default action
/// kills the process and the temp dir stays behind).
struct ShutdownSignals {
    terminate: Signal,
    interrupt: Signal,
}

impl ShutdownSignals {
    fn register() -> std::io::Result<Self> {
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Resolves at the first SIGTERM or SIGINT.
    async fn recv(mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}

async fn run() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("oauth1_provider: {}: {}", err.variable, err.reason);
            return ExitCode::from(2);
        }
    };
    // Before anything that must be cleaned up, and before the "listening" line.
    let signals = match ShutdownSignals::register() {
        Ok(signals) => signals,
        Err(err) => {
            eprintln!("oauth1_provider: cannot listen for SIGTERM and SIGINT: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut temp = None;
    let stores = match open_stores(&settings, &mut temp).await {
        Ok(stores) => stores,
        Err(StorageError::Setting(err)) => {
            eprintln!("oauth1_provider: {}: {}", err.variable, err.reason);
            return ExitCode::from(2);
        }
        Err(StorageError::Store(err)) => {
            eprintln!("oauth1_provider: cannot open the storage: {err}");
            return ExitCode::FAILURE;
        }
    };
    let state = AppState {
        server: AuthorizationServer::new(
            stores.clients.clone(),
            stores.temporary,
            stores.tokens.clone(),
            stores.nonces.clone(),
            settings.config.clone(),
        ),
        require_oauth: ResourceProtector::new(
            stores.clients,
            stores.tokens,
            stores.nonces,
            settings.config,
        ),
        users: Arc::from([settings.test_user]),
    };

    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", settings.port)).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!(
                "oauth1_provider: PORT: cannot listen on 127.0.0.1:{}: {err}",
                settings.port
            );
            return ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map_or(settings.port, |a| a.port());
    println!("listening on http://127.0.0.1:{port}");
    let _ = std::io::stdout().flush();

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app(state))
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });
    signals.recv().await;
    let _ = stop_tx.send(());
    let code = match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(Ok(Ok(()))) => ExitCode::SUCCESS,
        Ok(Ok(Err(err))) => {
            eprintln!("oauth1_provider: the server failed: {err}");
            ExitCode::FAILURE
        }
        Ok(Err(err)) => {
            eprintln!("oauth1_provider: the server task failed: {err}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!(
                "oauth1_provider: requests still in flight after {SHUTDOWN_GRACE:?}; exiting"
            );
            ExitCode::SUCCESS
        }
    };
    drop(temp);
    code
}

fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run()),
        Err(err) => {
            eprintln!("oauth1_provider: cannot start the runtime: {err}");
            ExitCode::FAILURE
        }
    }
}
