//! Typed settings through the public API: `remote_app` without `app_key` running a real OAuth 1
//! flow, unknown keys (in code, in a config table, in flat keys) as errors that suggest the
//! nearest known key, server metadata fields kept, and one protocol per app.

mod support;

use http::Method;
use oauth_compat::MapEnv;
use oauth_compat::config::{Config, ConfigError};
use oauth_compat::{Error, OAuth};
use oauth_compat::{MemorySession, RegisterOptions};
use oauth1_provider::{
    ACCESS_SECRET, ACCESS_TOKEN, CONSUMER_KEY, CONSUMER_SECRET, TEMP_TOKEN, VERIFIER,
};
use serde_json::json;
use support::oauth1_provider;

const CALLBACK: &str = "http://127.0.0.1/callback";

/// The configuration error under `err`, or a panic naming what came instead.
fn config_error(err: &Error) -> &ConfigError {
    match err.underlying() {
        Error::Config(config) => config,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn remote_app_without_app_key_runs_an_oauth1_flow_with_flask_oauthlib_defaults() {
    let provider = oauth1_provider::serve().await;
    // Flat keys that an app_key of TWITTER would read: without app_key nothing is read.
    let oauth = OAuth::with_config(Config::from_env_source(
        MapEnv::new().set("TWITTER_CONSUMER_KEY", "not-read"),
    ));
    let twitter = oauth.remote_app(
        "twitter",
        RegisterOptions::new()
            .consumer_key(CONSUMER_KEY)
            .consumer_secret(CONSUMER_SECRET)
            .request_token_url(provider.url("/initiate"))
            .access_token_url(provider.url("/token"))
            .authorize_url(provider.url("/authorize")),
    );
    let session = MemorySession::new();
    let url = twitter
        .authorize(&session, Some(CALLBACK), &[])
        .await
        .unwrap();
    assert_eq!(
        url,
        format!("{}?oauth_token={TEMP_TOKEN}", provider.url("/authorize"))
    );
    // Flask-OAuthlib's defaults: request token by GET, access token by POST.
    assert_eq!(provider.last_verified("/initiate").method, Method::GET);
    let callback = format!("oauth_token={TEMP_TOKEN}&oauth_verifier={VERIFIER}");
    let token = twitter
        .authorized_response(&session, &callback)
        .await
        .unwrap();
    assert_eq!(token.access_token(), ACCESS_TOKEN);
    assert_eq!(token.token_secret(), Some(ACCESS_SECRET));
    assert_eq!(provider.last_verified("/token").method, Method::POST);
    assert_eq!(twitter.client_id().unwrap(), CONSUMER_KEY);
}

#[tokio::test]
async fn a_typo_in_set_fails_the_flow_naming_the_key_and_the_nearest_one() {
    let provider = oauth1_provider::serve().await;
    let twitter = OAuth::new().remote_app(
        "twitter",
        RegisterOptions::new()
            .consumer_key(CONSUMER_KEY)
            .consumer_secret(CONSUMER_SECRET)
            .request_token_url(provider.url("/initiate"))
            .access_token_url(provider.url("/token"))
            .authorize_url(provider.url("/authorize"))
            .set("request_token_methd", "POST"),
    );
    let err = twitter
        .authorize_redirect(&MemorySession::new(), Some(CALLBACK), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            config_error(&err),
            ConfigError::UnknownKey { app, key, suggestion, .. }
                if app == "twitter" && key == "request_token_methd"
                    && suggestion == "request_token_method"
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(
            "unknown setting `request_token_methd` in code; did you mean `request_token_method`?"
        ),
        "{err}"
    );
    // Refused before any request left.
    assert!(provider.verified().is_empty() && provider.rejected().is_empty());
}

#[test]
fn an_unknown_key_in_an_app_table_is_an_error() {
    let oauth = OAuth::with_config(
        Config::from_toml_str(
            r#"
            [TWITTER]
            consumer_key = "key"
            consumer_secret = "secret"
            request_token_url = "https://api.twitter.com/oauth/request_token"
            acess_token_url = "https://api.twitter.com/oauth/access_token"

            [AUTHLIB_OAUTH_CLIENTS.github]
            client_id = "id"
            clinet_secret = "secret"
            "#,
        )
        .unwrap(),
    );
    let twitter = oauth.remote_app("twitter", RegisterOptions::new().app_key("TWITTER"));
    let err = twitter.settings().unwrap_err();
    assert_eq!(
        err.to_string(),
        "app `twitter`: unknown setting `acess_token_url` in table TWITTER of TOML string; \
         did you mean `access_token_url`?"
    );
    let github = oauth.register("github", RegisterOptions::new());
    let err = github.settings().unwrap_err();
    assert!(
        matches!(
            config_error(&err),
            ConfigError::UnknownKey { key, suggestion, .. }
                if key == "clinet_secret" && suggestion == "client_secret"
        ),
        "{err:?}"
    );
}

#[test]
fn a_flat_key_one_edit_from_a_known_one_is_an_error_and_others_are_left_alone() {
    let env = MapEnv::new()
        .set("GITHUB_CLIENT_ID", "id")
        .set("GITHUB_CLIENT_SECRT", "secret")
        // Not near any setting: another part of the configuration (CI sets these).
        .set("GITHUB_TOKEN", "unrelated")
        .set("GITHUB_WORKSPACE", "/tmp");
    let oauth = OAuth::with_config(Config::from_env_source(env));
    let err = oauth
        .register("github", RegisterOptions::new())
        .settings()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "app `github`: unknown setting `GITHUB_CLIENT_SECRT` in env; did you mean `GITHUB_CLIENT_SECRET`?"
    );
    let clean = OAuth::with_config(Config::from_env_source(
        MapEnv::new()
            .set("GITHUB_CLIENT_ID", "id")
            .set("GITHUB_CLIENT_SECRET", "secret")
            .set("GITHUB_TOKEN", "unrelated"),
    ))
    .register("github", RegisterOptions::new());
    assert_eq!(clean.client_id().unwrap(), "id");
}

#[test]
fn server_metadata_fields_stay_accepted_as_metadata() {
    let oauth = OAuth::with_config(
        Config::from_toml_str(
            r#"
            [AUTHLIB_OAUTH_CLIENTS.google]
            client_id = "id"
            client_secret = "secret"
            jwks_uri = "https://www.googleapis.com/oauth2/v3/certs"
            "#,
        )
        .unwrap(),
    );
    let google = oauth.register(
        "google",
        RegisterOptions::new()
            .access_token_url("https://oauth2.googleapis.com/token")
            .set(
                "userinfo_endpoint",
                "https://openidconnect.googleapis.com/v1/userinfo",
            )
            .set("issuer", "https://accounts.google.com")
            .set("claims_supported", json!(["sub", "email"])),
    );
    let settings = google.settings().unwrap();
    let mut extras: Vec<&str> = settings.extras().map(|(key, _)| key).collect();
    extras.sort_unstable();
    assert_eq!(
        extras,
        [
            "claims_supported",
            "issuer",
            "jwks_uri",
            "userinfo_endpoint"
        ]
    );
}

#[test]
fn an_oauth1_only_key_beside_an_oauth2_only_key_names_both() {
    let app = OAuth::new().register(
        "mixed",
        RegisterOptions::new()
            .client_id("id")
            .client_secret("secret")
            .request_token_url("https://provider.example/request_token")
            .refresh_token_url("https://provider.example/token"),
    );
    let err = app.settings().unwrap_err();
    assert!(
        matches!(
            config_error(&err),
            ConfigError::MixedProtocols { oauth1, oauth2, .. }
                if oauth1 == "request_token_url" && oauth2 == "refresh_token_url"
        ),
        "{err:?}"
    );
    // In client_kwargs too (Authlib passes it to the session).
    let app = OAuth::new().register(
        "mixed",
        RegisterOptions::new()
            .client_id("id")
            .client_secret("secret")
            .signature_method("HMAC-SHA1")
            .client_kwargs(json!({"token_placement": "header"})),
    );
    let message = app.settings().unwrap_err().to_string();
    assert!(
        message.contains(
            "`signature_method` is an OAuth 1 setting and `token_placement` an OAuth 2 one"
        ),
        "{message}"
    );
}

#[test]
fn app_key_belongs_to_remote_app_only() {
    let app = OAuth::new().register(
        "github",
        RegisterOptions::new().client_id("id").app_key("GITHUB"),
    );
    let err = app.settings().unwrap_err();
    assert!(
        matches!(config_error(&err), ConfigError::Misplaced { key, .. } if key == "app_key"),
        "{err:?}"
    );
    // In remote_app, `set("app_key", ..)` is the typed setter's equal.
    let oauth = OAuth::with_config(Config::from_values([(
        "TWITTER",
        json!({"consumer_key": "from-table", "consumer_secret": "s"}),
    )]));
    let twitter = oauth.remote_app("twitter", RegisterOptions::new().set("app_key", "TWITTER"));
    assert_eq!(twitter.client_id().unwrap(), "from-table");
}
