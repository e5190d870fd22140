//! Quickstart: a whole OAuth 1.0 login, from start to finish, in one process.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! 1. Starts this crate's OAuth 1.0 provider (the one `examples/oauth1_provider.rs` runs) on a
//!    free port of 127.0.0.1, served with `integrations::axum::serve` (timeouts and a
//!    connection limit), its storage a SQLite file (mode 0600) in a temp directory this run
//!    creates (mode 0700; an existing path is refused), with one registered client app and one
//!    user.
//! 2. Declares that provider as a remote app, as a Flask-OAuthlib user does: `remote_app(..)`
//!    with some settings in code and the rest in the app's config under its `app_key`.
//! 3. Runs the login: request token, the user's "Allow" (a plain HTTP client plays her
//!    browser), access token.
//! 4. Calls a protected API with the user's token and prints `resp.status` and `resp.data`.
//!
//! Then it stops the provider, removes the temp directory and exits 0 (well within a minute);
//! on any error it prints it to stderr and exits 1. Nothing needs setting up first.

#[path = "support/provider.rs"]
mod provider;
#[path = "support/temp_dir.rs"]
mod temp_dir;

use std::fmt;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use oauth_compat::ClientSecret;
use oauth_compat::OAuth;
use oauth_compat::config::Config;
use oauth_compat::integrations::axum::{ServeOptions, serve};
use oauth_compat::reqwest::{self, StatusCode, Url, header, redirect};
use oauth_compat::server::ServerConfig;
use oauth_compat::server::{Client, StoreError};
use oauth_compat::store::SqliteStore;
use oauth_compat::{MemorySession, RegisterOptions};
use provider::{AppState, Stores};
use temp_dir::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The client app registered with the provider: what a real provider's developer page hands
/// you when you register your app.
const CONSUMER_KEY: &str = "quickstart-app";
const CONSUMER_SECRET: &str = "kd94hf93k423kf44";
/// The provider's one user, who grants our app access.
const USER: &str = "jane";
/// Your app's callback route, where the provider sends the user back. Never contacted here:
/// the quickstart reads the redirect instead of following it.
const CALLBACK: &str = "http://127.0.0.1:8000/authorized";
/// The whole run is bounded, so it ends by itself even if something hangs.
const DEADLINE: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> ExitCode {
    match tokio::time::timeout(DEADLINE, run()).await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            eprintln!("quickstart: {err}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("quickstart: did not finish within {DEADLINE:?}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Failure> {
    // Removed (SQLite file and all) when `dir` is dropped: on success, on error, on timeout.
    let dir = TempDir::create_fresh(&format!("oauth-compat-quickstart-{}", std::process::id()))
        .map_err(Failure::TempDir)?;
    let provider = Provider::start(&dir).await?;
    println!(
        "1. provider: listening on {}, storing in {}",
        provider.base_url, provider.db_path
    );

    let result = login_and_call(&provider.base_url).await;
    let stopped = provider.stop().await;
    let dir_path = dir.path().display().to_string();
    drop(dir);
    result.and(stopped)?;
    println!("6. done: provider stopped, {dir_path} removed");
    Ok(())
}

/// The client side, as a web app using this crate would do it.
async fn login_and_call(base_url: &str) -> Result<(), Failure> {
    // Flask-OAuthlib's `oauth = OAuth(app)` and `remote = oauth.remote_app('provider', ...)`.
    // Settings given in code...
    let oauth = OAuth::new();
    let remote = oauth.remote_app(
        "provider",
        RegisterOptions::new()
            .app_key("PROVIDER") // app_key: the config table the other settings come from
            .set("base_url", format!("{base_url}/"))
            // Flask-OAuthlib asks for request tokens with GET; this provider, like Authlib's,
            // takes POST only (RFC 5849 §2.1).
            .set("request_token_method", "POST"),
    );
    // ...and the rest from the app's config, read at first use. Credentials and URLs differ
    // between deployments, so they live in config (a file: `Config::from_toml_file(..)`).
    oauth.init_app(Config::from_toml_str(&format!(
        r#"
        [PROVIDER]
        consumer_key = "{CONSUMER_KEY}"
        consumer_secret = "{CONSUMER_SECRET}"
        request_token_url = "{base_url}/initiate"
        access_token_url = "{base_url}/token"
        authorize_url = "{base_url}/authorize"
        "#
    ))?);

    // Your login route: gets a request token and the URL to send the user to. The session is
    // the user's (a cookie session in a web app): it remembers which request token is hers.
    let session = MemorySession::new();
    let authorize_url = remote.authorize(&session, Some(CALLBACK), &[]).await?;
    println!("2. login: request token obtained; send the user to {authorize_url}");

    // The user signs in at the provider and clicks "Allow"; it redirects her to your callback.
    let callback = grant_in_browser(&authorize_url, USER).await?;
    let names: Vec<_> = callback.query_pairs().map(|(name, _)| name).collect();
    println!(
        "3. {USER} allowed it: the provider redirects her to {}{} with {} (values not shown)",
        callback.origin().ascii_serialization(),
        callback.path(),
        names.join(" and "),
    );

    // Your callback route: Flask-OAuthlib's `resp = remote.authorized_response()`. It checks
    // the callback belongs to this session's login and trades the verifier for a token.
    let token = remote
        .authorized_response(&session, callback.query().unwrap_or_default())
        .await?;
    println!(
        "4. access token: oauth_token={} (its secret is kept, never printed)",
        token.access_token()
    );

    // Any API call on the user's behalf, signed with the app's and the user's credentials.
    let resp = remote.get("api/me").token(token).send().await?;
    println!("5. GET {base_url}/api/me");
    println!("   resp.status = {}", resp.status.as_u16());
    println!("   resp.data   = {}", resp.data);
    resp.raise_for_status().map_err(oauth_compat::Error::from)?;
    Ok(())
}

/// Plays the user's browser at the provider: opens the authorization URL signed in as `user`
/// (this provider's `&user=` shortcut stands for signing in and clicking "Allow") and returns
/// where the provider redirects, without following it.
async fn grant_in_browser(authorize_url: &str, user: &str) -> Result<Url, Failure> {
    let mut url = Url::parse(authorize_url).map_err(|e| Failure::BadUrl {
        what: "authorization URL",
        reason: e.to_string(),
    })?;
    url.query_pairs_mut().append_pair("user", user);
    let browser = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(Failure::Browser)?;
    let resp = browser.get(url).send().await.map_err(Failure::Browser)?;
    let location = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .filter(|_| resp.status().is_redirection())
        .ok_or(Failure::NoRedirect {
            status: resp.status(),
        })?;
    Url::parse(location).map_err(|e| Failure::BadUrl {
        what: "redirect Location",
        reason: e.to_string(),
    })
}

// --- the provider ----------------------------------------------------------------------------

/// The provider, serving in a task of this process.
struct Provider {
    base_url: String,
    db_path: String,
    store: SqliteStore,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Provider {
    /// Opens the SQLite store in `dir`, registers the client, and serves on a free port.
    async fn start(dir: &TempDir) -> Result<Self, Failure> {
        let db_path = dir
            .private_file("provider.db")
            .map_err(Failure::TempDir)?
            .display()
            .to_string();
        let store = SqliteStore::connect(&format!("sqlite://{db_path}?mode=rwc")).await?;
        store
            .add_client(Client {
                client_id: CONSUMER_KEY.to_owned(),
                client_secret: ClientSecret::new(CONSUMER_SECRET),
                rsa_public_key: None,
                default_redirect_uri: Some(CALLBACK.to_owned()),
            })
            .await?;
        let state = AppState::new(
            Stores::all_in(Arc::new(store.clone())),
            ServerConfig::default(),
            vec![USER.to_owned()],
        );

        // Port 0: any free port, so the quickstart never collides with what already runs.
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(Failure::Listen)?;
        let port = listener.local_addr().map_err(Failure::Listen)?.port();
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            // The defaults: header-read, body-read and idle timeouts, a connection limit.
            serve(listener, provider::app(state), ServeOptions::new())
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await
        });
        Ok(Self {
            base_url: format!("http://127.0.0.1:{port}"),
            db_path,
            store,
            shutdown,
            server,
        })
    }

    /// Stops serving (requests in flight finish) and closes the database, so its directory
    /// can go.
    async fn stop(self) -> Result<(), Failure> {
        let _ = self.shutdown.send(());
        let served = tokio::time::timeout(Duration::from_secs(5), self.server).await;
        self.store.pool().close().await;
        match served {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(err))) => Err(Failure::Serve(err.to_string())),
            Ok(Err(err)) => Err(Failure::Serve(err.to_string())),
            Err(_) => Err(Failure::Serve("it did not stop within 5 s".to_owned())),
        }
    }
}

// --- errors ----------------------------------------------------------------------------------

/// What went wrong, by step.
#[derive(Debug)]
enum Failure {
    /// Creating the temp directory for the SQLite file, or the file.
    TempDir(std::io::Error),
    /// The provider's SQLite store.
    Store(StoreError),
    /// Listening on 127.0.0.1.
    Listen(std::io::Error),
    /// The provider's server task.
    Serve(String),
    /// The client side: its config, the login flow, the API call.
    OAuth(oauth_compat::Error),
    /// Playing the browser.
    Browser(reqwest::Error),
    /// The provider answered the browser without redirecting to the callback.
    NoRedirect { status: StatusCode },
    /// A URL that does not parse.
    BadUrl { what: &'static str, reason: String },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TempDir(err) => write!(f, "cannot create a temp dir for the database: {err}"),
            Self::Store(err) => write!(f, "the provider's store failed: {err}"),
            Self::Listen(err) => write!(f, "cannot listen on 127.0.0.1: {err}"),
            Self::Serve(reason) => write!(f, "the provider failed: {reason}"),
            Self::OAuth(err) => write!(f, "{err}"),
            Self::Browser(err) => write!(f, "the browser's request failed: {err}"),
            Self::NoRedirect { status } => write!(
                f,
                "the provider answered the authorization with {status}, not a redirect"
            ),
            Self::BadUrl { what, reason } => write!(f, "the {what} does not parse: {reason}"),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}

impl From<oauth_compat::Error> for Failure {
    fn from(err: oauth_compat::Error) -> Self {
        Self::OAuth(err)
    }
}

impl From<oauth_compat::config::ConfigError> for Failure {
    fn from(err: oauth_compat::config::ConfigError) -> Self {
        Self::OAuth(err.into())
    }
}
