//! An OAuth 2.0 client app, Authlib style (`oauth.register(..)` over a `Config`), that drives
//! one full authorization-code flow against a provider and then calls its API: the web app's
//! side of "Login with ..." in one process, for providers under test.
//!
//! ```sh
//! PROVIDER_URL=http://127.0.0.1:5000 CLIENT_KEY=basic-client CLIENT_SECRET='basic/secret;&' \
//!   CALLBACK_URL=http://127.0.0.1/callback AUTHORIZE_URL=/authorize TOKEN_URL=/token \
//!   API_URL=/api/me TEST_USER=alice cargo run --example oauth2_client
//! ```
//!
//! 1. `authorize_redirect` builds the authorization URL (with `state`, and a PKCE challenge
//!    when asked), keeping the flow in a [`MemorySession`].
//! 2. The example plays the user's browser: it GETs that URL plus `user=$TEST_USER` (the test
//!    providers approve at once for that user) without following redirects, and takes the
//!    `Location` as the callback the app would receive. It must point at `CALLBACK_URL`.
//! 3. `authorize_access_token` checks the callback's `state` and exchanges its code.
//! 4. `API_URL` is called `API_CALLS` times, `API_CALL_INTERVAL` seconds apart. The token lives
//!    in an in-memory store behind the app's `fetch_token` / `update_token`: a token that
//!    expires within 2 s (`leeway`) is refreshed at `TOKEN_URL` before the call,
//!    and the new one is what the next call uses (providers that rotate refresh tokens
//!    refuse the old one).
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
//! | `CLIENT_KEY` | the `client_id` |
//! | `CLIENT_SECRET` | unset or empty: a public client (`token_endpoint_auth_method` `none`) |
//! | `CALLBACK_URL` | the absolute `redirect_uri` registered with the provider |
//! | `AUTHORIZE_URL`, `TOKEN_URL` | the endpoints; `TOKEN_URL` also serves refreshes |
//! | `TOKEN_ENDPOINT_AUTH_METHOD` | optional: `client_secret_basic` (default with a secret), `client_secret_post`, `none` (the default without one; with one, the secret is not sent) |
//! | `PKCE` | optional: `S256`, or empty for none |
//! | `SCOPE` | optional: the scope to ask for (empty: the provider's default) |
//! | `API_URL` | the resource to call |
//! | `FORCE_CONTENT_TYPE` | optional: decode API responses (not token responses) as this media type (`application/json`); empty: by their `Content-Type` |
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

use oauth_compat::TokenUpdate;
use oauth_compat::config::Config;
use oauth_compat::oauth2::Token;
use oauth_compat::{Engine, OAuth, RemoteApp};
use oauth_compat::{MemorySession, RegisterOptions};
use serde_json::{Map, Value, json};
use url::Url;

use common::{
    ApiCalls, FlowFailure, SettingError, TIMEOUT, absolute_url, invalid, non_empty, optional,
    provider_url, required, run_example, visit,
};

const NAME: &str = "oauth2_client";
/// Refresh a token this close to its expiry (whole seconds; Authlib's `leeway`). The library's
/// 60 s would refresh tokens that have long to live, and fail on a short-lived token that
/// comes without a refresh token although it is still valid. Two seconds keep at least one
/// second of validity for the call.
const LEEWAY_SECS: i64 = 2;

// --- the app's configuration --------------------------------------------------------------------------------

/// Everything the environment says, checked.
struct Settings {
    /// The app's configuration, as a Flask app's `app.config` would hold it (Authlib's flat
    /// `{NAME}_{KEY}` keys for the app named `provider`).
    config: Config,
    callback_url: Url,
    api: ApiCalls,
    test_user: String,
}

impl Settings {
    fn from_env() -> Result<Self, SettingError> {
        let provider = absolute_url("PROVIDER_URL")?;
        let client_id = required("CLIENT_KEY")?;
        // Unset is empty: the contract allows an empty secret (a public client).
        let client_secret = optional("CLIENT_SECRET")?.unwrap_or_default();
        let callback_url = absolute_url("CALLBACK_URL")?;
        let authorize_url = provider_url(&provider, "AUTHORIZE_URL")?;
        let token_url = provider_url(&provider, "TOKEN_URL")?;
        let auth_method = match non_empty("TOKEN_ENDPOINT_AUTH_METHOD")? {
            None if client_secret.is_empty() => "none".to_owned(),
            None => "client_secret_basic".to_owned(),
            Some(method) => match (method.as_str(), client_secret.is_empty()) {
                ("client_secret_basic" | "client_secret_post", false) | ("none", _) => method,
                ("client_secret_basic" | "client_secret_post", true) => {
                    return Err(invalid(
                        "TOKEN_ENDPOINT_AUTH_METHOD",
                        format!("{method} needs a secret, but CLIENT_SECRET is empty"),
                    ));
                }
                _ => {
                    return Err(invalid(
                        "TOKEN_ENDPOINT_AUTH_METHOD",
                        format!(
                            "{method:?} is not client_secret_basic, client_secret_post or none"
                        ),
                    ));
                }
            },
        };
        let pkce = match non_empty("PKCE")? {
            None => None,
            Some(method) if method == "S256" => Some(method),
            Some(other) => {
                return Err(invalid("PKCE", format!("{other:?} is not S256 (or empty)")));
            }
        };
        let scope = non_empty("SCOPE")?;
        let api = ApiCalls::from_env(&provider)?;

        let mut client_kwargs = Map::new();
        client_kwargs.insert(
            "token_endpoint_auth_method".into(),
            auth_method.clone().into(),
        );
        client_kwargs.insert("leeway".into(), LEEWAY_SECS.into());
        if let Some(method) = pkce {
            client_kwargs.insert("code_challenge_method".into(), method.into());
        }
        if let Some(scope) = scope {
            client_kwargs.insert("scope".into(), scope.into());
        }
        let mut values = vec![
            ("PROVIDER_CLIENT_ID", json!(client_id)),
            ("PROVIDER_AUTHORIZE_URL", json!(authorize_url)),
            ("PROVIDER_ACCESS_TOKEN_URL", json!(token_url)),
            ("PROVIDER_REFRESH_TOKEN_URL", json!(token_url)),
            ("PROVIDER_CLIENT_KWARGS", Value::Object(client_kwargs)),
        ];
        // With `none` the secret is not sent, so it is not registered either.
        if !client_secret.is_empty() && auth_method != "none" {
            values.push(("PROVIDER_CLIENT_SECRET", json!(client_secret)));
        }

        Ok(Self {
            config: Config::from_values(values),
            callback_url,
            api,
            test_user: required("TEST_USER")?,
        })
    }
}

// --- the token store -------------------------------------------------------------------------

/// The user's token, in memory: what a web app keeps in its database, per user.
#[derive(Clone, Default)]
struct TokenStore(Arc<Mutex<Option<Token>>>);

impl TokenStore {
    fn get(&self) -> Option<Token> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, token: Token) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(token);
    }
}

// --- the flow --------------------------------------------------------------------------------

/// The app, registered Authlib style, with the store behind its `fetch_token` (the token of a
/// call that names none; `()`: the calls give no context, there is one user) and its
/// `update_token` (where an automatic refresh saves the new token).
fn register(oauth: &OAuth, store: &TokenStore) -> RemoteApp {
    let fetch = store.clone();
    let update = store.clone();
    oauth.register(
        "provider",
        RegisterOptions::new()
            .fetch_token(move |()| {
                let token = fetch.get();
                async move { Ok::<_, Infallible>(token) }
            })
            .update_token(move |refreshed: TokenUpdate| {
                update.set(refreshed.token);
                async { Ok::<_, Infallible>(()) }
            }),
    )
}

async fn run(settings: Settings) -> Result<(), FlowFailure> {
    let engine = Engine::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(oauth_compat::Error::from)?;
    let oauth = OAuth::with_config(settings.config).engine(engine);
    let store = TokenStore::default();
    let app = register(&oauth, &store);

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
    store.set(app.authorize_access_token(&session, query.as_str()).await?);

    settings.api.run(&app).await
}

fn main() -> ExitCode {
    run_example(NAME, Settings::from_env(), run)
}
