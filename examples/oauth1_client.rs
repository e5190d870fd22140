//! An OAuth 1.0a client app, Flask-OAuthlib style (`oauth.remote_app(.., app_key)` reading its
//! settings from a config table), that drives one full three-legged flow against a provider
//! and then calls its API: the web app's side of "Login with ..." in one process, for
//! providers under test.
//!
//! ```sh
//! PROVIDER_URL=http://127.0.0.1:5000 CLIENT_KEY=interop-client CLIENT_SECRET=interop-secret \
//!   CALLBACK_URL=http://127.0.0.1/callback REQUEST_TOKEN_URL=/initiate \
//!   AUTHORIZE_URL=/authorize ACCESS_TOKEN_URL=/token SIGNATURE_METHOD=HMAC-SHA1 \
//!   API_URL=/api/me TEST_USER=alice cargo run --example oauth1_client
//! ```
//!
//! 1. `authorize_redirect` gets temporary credentials (signed, `oauth_callback=CALLBACK_URL`,
//!    by POST as RFC 5849 §2.1 asks, over `remote_app`'s GET default) and builds the
//!    authorization URL, keeping the request token for the callback.
//! 2. The example plays the user's browser: it GETs that URL plus `user=$TEST_USER` (the test
//!    providers approve at once for that user) without following redirects, and takes the
//!    `Location` as the callback the app would receive. It must point at `CALLBACK_URL`.
//! 3. `authorize_access_token` checks the callback's `oauth_token` and exchanges the request
//!    token and `oauth_verifier` for token credentials.
//! 4. `API_URL` is called `API_CALLS` times, `API_CALL_INTERVAL` seconds apart, each request
//!    signed with the token credentials, which the app's `tokengetter` reads from an
//!    in-memory store.
//! 5. Each response prints one stdout line `ME <json>`: the decoded `resp.data` as a compact
//!    JSON object. A JSON body must be an object; an XML body `<root><tag>text</tag>..</root>`
//!    prints as `{tag: text}` and a form body as `{key: value}`; what those views would lose
//!    (a repeated key or tag, nested elements, attributes) and any other body are errors.
//!
//! Environment (read once at start; URLs of the provider may be absolute, or relative to
//! `PROVIDER_URL`, resolved as a browser resolves a link: `/token` replaces the path):
//!
//! | variable | |
//! |---|---|
//! | `PROVIDER_URL` | the provider's absolute `http://` or `https://` URL |
//! | `CLIENT_KEY`, `CLIENT_SECRET` | the client credentials; `CLIENT_SECRET` may be unset or empty only with `RSA-SHA1` |
//! | `CALLBACK_URL` | the absolute `oauth_callback` |
//! | `REQUEST_TOKEN_URL`, `AUTHORIZE_URL`, `ACCESS_TOKEN_URL` | the endpoints |
//! | `SIGNATURE_METHOD` | `HMAC-SHA1`, `HMAC-SHA256`, `RSA-SHA1` or `PLAINTEXT` (unset or empty: `HMAC-SHA1`) |
//! | `RSA_PRIVATE_KEY_FILE` | the client's RSA private key (PEM, PKCS#8 or PKCS#1); read only for `RSA-SHA1`, and required then |
//! | `API_URL` | the resource to call |
//! | `FORCE_CONTENT_TYPE` | optional: decode API responses (not the credentials) as this media type (`application/json`); empty: by their `Content-Type` |
//! | `API_CALLS` | optional: how many calls, a positive integer (default 1) |
//! | `API_CALL_INTERVAL` | optional: seconds between calls, fractional (default 0) |
//! | `TEST_USER` | the user who approves at the authorization page |
//!
//! Exit status: 0 after the last `ME` line; 2 for a missing or invalid variable (the message
//! names it); 1 when the flow or a call fails, with the typed error on stderr.

#[path = "support/client_common.rs"]
mod common;

use std::convert::Infallible;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use oauth_compat::config::Config;
use oauth_compat::oauth1::RsaPrivateKey;
use oauth_compat::oauth2::Token;
use oauth_compat::{Engine, OAuth};
use oauth_compat::{MemorySession, RegisterOptions};
use serde_json::{Map, json};
use url::Url;

use common::{
    ApiCalls, FlowFailure, SettingError, TIMEOUT, absolute_url, invalid, non_empty, optional,
    provider_url, required, run_example, visit,
};

const NAME: &str = "oauth1_client";
const SIGNATURE_METHODS: [&str; 4] = ["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"];

// --- the app's configuration -----------------------------------------------------------------

/// Everything the environment says, checked.
struct Settings {
    /// The app's configuration, as a Flask app's `app.config` would hold it: a `PROVIDER`
    /// table, read through `app_key="PROVIDER"` as Flask-OAuthlib's lazy config.
    config: Config,
    callback_url: Url,
    api: ApiCalls,
    test_user: String,
}

impl Settings {
    fn from_env() -> Result<Self, SettingError> {
        let provider = absolute_url("PROVIDER_URL")?;
        let consumer_key = required("CLIENT_KEY")?;
        // Unset is empty: only RSA-SHA1 accepts that.
        let consumer_secret = optional("CLIENT_SECRET")?.unwrap_or_default();
        let callback_url = absolute_url("CALLBACK_URL")?;
        let request_token_url = provider_url(&provider, "REQUEST_TOKEN_URL")?;
        let authorize_url = provider_url(&provider, "AUTHORIZE_URL")?;
        let access_token_url = provider_url(&provider, "ACCESS_TOKEN_URL")?;
        // Unset or empty: Flask-OAuthlib's default.
        let signature_method =
            non_empty("SIGNATURE_METHOD")?.unwrap_or_else(|| "HMAC-SHA1".to_owned());
        if !SIGNATURE_METHODS.contains(&signature_method.as_str()) {
            return Err(invalid(
                "SIGNATURE_METHOD",
                format!(
                    "{signature_method:?} is not one of {}",
                    SIGNATURE_METHODS.join(", ")
                ),
            ));
        }
        let rsa = signature_method == "RSA-SHA1";
        if consumer_secret.is_empty() && !rsa {
            return Err(invalid(
                "CLIENT_SECRET",
                format!(
                    "is unset or empty; {signature_method} signs with it (only RSA-SHA1 does not)"
                ),
            ));
        }
        let rsa_key = if rsa { Some(rsa_private_key()?) } else { None };
        let api = ApiCalls::from_env(&provider)?;

        // Flask-OAuthlib's vocabulary (consumer_key, ...), plus the signing settings.
        let mut table = Map::new();
        table.insert("consumer_key".into(), json!(consumer_key));
        if !consumer_secret.is_empty() {
            table.insert("consumer_secret".into(), json!(consumer_secret));
        }
        table.insert("request_token_url".into(), json!(request_token_url));
        // RFC 5849 §2.1 asks for temporary credentials by POST, and providers that follow it
        // refuse a GET (405); Flask-OAuthlib's GET default stays for apps ported as they are.
        table.insert("request_token_method".into(), json!("POST"));
        table.insert("authorize_url".into(), json!(authorize_url));
        table.insert("access_token_url".into(), json!(access_token_url));
        table.insert("signature_method".into(), json!(signature_method));
        if let Some(pem) = rsa_key {
            table.insert("rsa_key".into(), json!(pem));
        }

        Ok(Self {
            config: Config::from_values([("PROVIDER", table)]),
            callback_url,
            api,
            test_user: required("TEST_USER")?,
        })
    }
}

/// The PEM text of `RSA_PRIVATE_KEY_FILE`, checked to hold a private key.
fn rsa_private_key() -> Result<String, SettingError> {
    const VARIABLE: &str = "RSA_PRIVATE_KEY_FILE";
    let path = non_empty(VARIABLE)?
        .ok_or_else(|| invalid(VARIABLE, "is not set, and SIGNATURE_METHOD is RSA-SHA1"))?;
    let pem = std::fs::read_to_string(&path)
        .map_err(|err| invalid(VARIABLE, format!("cannot read {path}: {err}")))?;
    RsaPrivateKey::from_pem(&pem).map_err(|err| invalid(VARIABLE, format!("{path}: {err}")))?;
    Ok(pem)
}

// --- the flow --------------------------------------------------------------------------------

async fn run(settings: Settings) -> Result<(), FlowFailure> {
    let engine = Engine::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(oauth_compat::Error::from)?;
    let oauth = OAuth::with_config(settings.config).engine(engine);
    // Flask-OAuthlib's `@provider.tokengetter`: where calls that name no token find it (a
    // web app reads the user's from its session or database; here one user, in memory).
    let store: Arc<Mutex<Option<Token>>> = Arc::default();
    let getter = store.clone();
    let app = oauth.remote_app(
        "provider",
        RegisterOptions::new()
            .app_key("PROVIDER")
            .tokengetter(move |()| {
                let token = getter
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                async move { Ok::<_, Infallible>(token) }
            }),
    );

    let session = MemorySession::new();
    let callback = settings.callback_url.as_str();
    let authorization_url = app
        .authorize_redirect(&session, Some(callback), &[])
        .await?;
    let query = visit(
        &authorization_url,
        &settings.test_user,
        &settings.callback_url,
    )
    .await?;
    let token = app.authorize_access_token(&session, query.as_str()).await?;
    *store.lock().unwrap_or_else(PoisonError::into_inner) = Some(token);

    settings.api.run(&app).await
}

fn main() -> ExitCode {
    run_example(NAME, Settings::from_env(), run)
}
