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
//! | `DATABASE_URL` | optional: `sqlite://path?mode=rwc`, or `postgres://..` (built with `--features postgres`); default: a SQLite file in `$TMPDIR/oauth1-provider-<pid>`, a directory created fresh (refused if the path exists), mode 0700, the file 0600, removed at exit |
//! | `REDIS_URL` | optional (built with `--features redis`): nonces and temporary credentials in Redis |
//! | `OAUTH1_*` | Authlib's settings ([`ServerConfig::from_env`]); default methods: HMAC-SHA1, HMAC-SHA256, RSA-SHA1. PLAINTEXT only if you opt in, e.g. `OAUTH1_SUPPORTED_SIGNATURE_METHODS=HMAC-SHA1,HMAC-SHA256,RSA-SHA1,PLAINTEXT`: its signature is the secrets themselves, with no nonce or timestamp in it, so a captured request replays forever |
//! | `HEADER_READ_TIMEOUT`, `BODY_READ_TIMEOUT`, `IDLE_TIMEOUT` | optional, seconds (`2`, `0.5`): how long a client may take to send a request head (and stay idle between keep-alive requests), to send a body, and to go without a byte moving; defaults 10, 30, 60 ([`ServeOptions`]) |
//! | `MAX_CONNECTIONS` | optional: connections served at once (past it: `503` and closed); default half the soft `ulimit -n`, at most 512 |
//! | `OAUTH1_TEMPORARY_CREDENTIALS_METHODS` | optional: the methods `/initiate` accepts (default `POST`); `GET,POST` for Flask-OAuthlib clients, which ask by GET |
//! | `OAUTH1_ACCEPT_TWICE_DECODED_OAUTH_VALUES` | optional: `1` also accepts Authlib clients' signatures over `oauth_*` values decoded twice (a callback with `%2F`); default off, RFC 5849's single decoding |
//!
//! Endpoints:
//! - `POST /initiate`: temporary credentials (other methods: 405, unless
//!   `OAUTH1_TEMPORARY_CREDENTIALS_METHODS` names them).
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
//! It serves with [`serve`] (the way to serve a provider: the timeouts and the connection limit
//! above) in the foreground until SIGTERM or Ctrl-C, then stops accepting, lets requests in
//! flight finish (10 s at most) and exits 0.

#[path = "support/provider.rs"]
mod provider;
#[path = "support/temp_dir.rs"]
mod temp_dir;

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use oauth_compat::ClientSecret;
use oauth_compat::ProcessEnv;
use oauth_compat::integrations::axum::{ServeOptions, serve};
use oauth_compat::oauth1::RsaPublicKey;
use oauth_compat::server::ServerConfig;
use oauth_compat::server::{Client, StoreError};
use oauth_compat::store::SqliteStore;
use provider::{AppState, Stores, app};
use temp_dir::TempDir;
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
    serve: ServeOptions,
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

/// An optional duration in seconds (`2`, `0.5`), above zero.
fn seconds(name: &'static str) -> Result<Option<Duration>, SettingError> {
    let Some(value) = var(name)?.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|secs| *secs > 0.0)
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .map(Some)
        .ok_or_else(|| {
            SettingError::new(
                name,
                format!("{value:?} is not a number of seconds above 0"),
            )
        })
}

/// The serving settings: [`ServeOptions`]' defaults, each overridden by its variable.
fn serve_options() -> Result<ServeOptions, SettingError> {
    let mut options = ServeOptions::new();
    if let Some(timeout) = seconds("HEADER_READ_TIMEOUT")? {
        options = options.header_read_timeout(timeout);
    }
    if let Some(timeout) = seconds("BODY_READ_TIMEOUT")? {
        options = options.body_read_timeout(timeout);
    }
    if let Some(timeout) = seconds("IDLE_TIMEOUT")? {
        options = options.idle_timeout(timeout);
    }
    if let Some(max) = var("MAX_CONNECTIONS")?.filter(|v| !v.trim().is_empty()) {
        let max = max
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                SettingError::new(
                    "MAX_CONNECTIONS",
                    format!("{max:?} is not a whole number above 0"),
                )
            })?;
        options = options.max_connections(max);
    }
    Ok(options)
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
            // Not PLAINTEXT: without a nonce and timestamp in the signature, a request replays
            // forever. An operator opts in through the variable.
            config = config.supported_signature_methods(["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1"]);
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
            serve: serve_options()?,
        })
    }
}

// --- storage ---------------------------------------------------------------------------------

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

/// Opens the database (`DATABASE_URL`, or SQLite in `temp`) and, with `REDIS_URL`, Redis for
/// nonces and temporary credentials; registers the client.
async fn open_stores(
    settings: &Settings,
    temp: &mut Option<TempDir>,
) -> Result<Stores, StorageError> {
    let url = match &settings.database_url {
        Some(url) => url.clone(),
        None => {
            let dir = TempDir::create_fresh(&format!("oauth1-provider-{}", std::process::id()))
                .map_err(|e| StoreError::new("sqlite", "create a temp dir for the database", e))?;
            let file = dir
                .private_file("provider.db")
                .map_err(|e| StoreError::new("sqlite", "create the database file", e))?;
            *temp = Some(dir);
            format!("sqlite://{}?mode=rwc", file.display())
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
    let store = oauth_compat::store::PostgresStore::connect(url).await?;
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
    use oauth_compat::cache::RedisCache;
    use oauth_compat::store::CacheStore;

    let cache = Arc::new(CacheStore::new(
        RedisCache::connect(url).await.map_err(StoreError::from)?,
    ));
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
    let state = AppState::new(stores, settings.config, vec![settings.test_user]);

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
        serve(listener, app(state), settings.serve)
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
