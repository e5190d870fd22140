//! The registry's resolution rules, without a network: laziness, protocol, defaults, errors.

use serde_json::json;

use super::{OAuth, Protocol, RegisterOptions, RemoteClient};
use crate::config::Config;
use crate::env::MapEnv;

fn env(pairs: &[(&str, &str)]) -> Config {
    let mut env = MapEnv::new();
    for (name, value) in pairs {
        env = env.set(*name, *value);
    }
    Config::from_env_source(env)
}

fn oauth2_client(client: &RemoteClient) -> &crate::client::OAuth2Client {
    match client {
        RemoteClient::OAuth2(client) => client,
        RemoteClient::OAuth1(_) => panic!("expected an OAuth 2 client"),
    }
}

#[test]
fn config_given_after_register_is_read_at_first_use() {
    let oauth = OAuth::new();
    let github = oauth.register("github", RegisterOptions::new());
    oauth.init_app(env(&[
        ("GITHUB_CLIENT_ID", "gh-id"),
        ("GITHUB_CLIENT_SECRET", "gh-secret"),
    ]));
    assert_eq!(github.client_id().unwrap(), "gh-id");
    assert_eq!(github.protocol().unwrap(), Protocol::OAuth2);
    // Resolved once, then kept: a later configuration does not change a used app.
    oauth.init_app(env(&[("GITHUB_CLIENT_ID", "other")]));
    assert_eq!(github.client_id().unwrap(), "gh-id");
}

#[test]
fn protocol_is_decided_from_the_config() {
    let oauth = OAuth::with_config(
        Config::from_toml_str(
            r#"
            [TWITTER]
            consumer_key = "tw-key"
            consumer_secret = "tw-secret"
            request_token_url = "https://api.twitter.com/oauth/request_token"

            [FACEBOOK]
            consumer_key = "fb-id"
            consumer_secret = "fb-secret"
            "#,
        )
        .unwrap(),
    );
    let twitter = oauth.remote_app("twitter", RegisterOptions::new().app_key("TWITTER"));
    let facebook = oauth.remote_app("facebook", RegisterOptions::new().app_key("FACEBOOK"));
    assert_eq!(twitter.protocol().unwrap(), Protocol::OAuth1);
    assert!(matches!(twitter.client().unwrap(), RemoteClient::OAuth1(_)));
    assert_eq!(facebook.protocol().unwrap(), Protocol::OAuth2);
}

#[test]
fn create_client_finds_apps_by_name_and_clones_share_the_client() {
    let oauth = OAuth::with_config(env(&[("GITHUB_CLIENT_ID", "gh-id")]));
    oauth.register("github", RegisterOptions::new());
    assert!(oauth.create_client("gitlab").is_none());
    let first = oauth.create_client("github").unwrap();
    let second = oauth.clone().create_client("github").unwrap();
    assert_eq!(first.name(), "github");
    let (a, b) = (
        oauth2_client(first.client().unwrap()),
        oauth2_client(second.client().unwrap()),
    );
    assert!(std::ptr::eq(a, b), "one client per app, shared by clones");
    assert_eq!(oauth.names(), ["github"]);
}

#[test]
fn a_missing_key_names_it_and_every_place_each_time_until_configured() {
    let oauth = OAuth::with_config(env(&[("GITLAB_CLIENT_ID", "not this app")]));
    let github = oauth.register("github", RegisterOptions::new());
    for _ in 0..2 {
        let err = github.client_id().unwrap_err();
        assert_eq!(
            err.to_string(),
            "client_id for app `github`: not given in code, \
             no table AUTHLIB_OAUTH_CLIENTS[github] in env, \
             not in env GITHUB_CONSUMER_KEY or GITHUB_CLIENT_ID"
        );
    }
    oauth.init_app(env(&[("GITHUB_CLIENT_ID", "late")]));
    assert_eq!(github.client_id().unwrap(), "late");
}

#[test]
fn a_missing_consumer_secret_for_oauth1_is_named() {
    let oauth = OAuth::with_config(env(&[
        ("TWITTER_CONSUMER_KEY", "k"),
        (
            "TWITTER_REQUEST_TOKEN_URL",
            "https://api.twitter.com/oauth/request_token",
        ),
    ]));
    let twitter = oauth.remote_app("twitter", RegisterOptions::new().app_key("TWITTER"));
    let err = twitter.protocol().unwrap_err().to_string();
    assert!(err.starts_with("client_secret for app `twitter`"), "{err}");
    assert!(err.contains("TWITTER_CONSUMER_SECRET"), "{err}");
}

#[test]
fn flask_oauthlib_oauth2_request_token_params_become_authorization_params() {
    let oauth = OAuth::new();
    let facebook = oauth.remote_app(
        "facebook",
        RegisterOptions::new()
            .app_key("FACEBOOK")
            .set("consumer_key", "fb-id")
            .set("consumer_secret", "fb-secret")
            .set("request_token_url", json!(null))
            .set("authorize_url", "https://www.facebook.com/dialog/oauth")
            .set(
                "request_token_params",
                json!({"scope": "email", "state": "fixed", "display": "popup"}),
            ),
    );
    assert_eq!(facebook.protocol().unwrap(), Protocol::OAuth2);
    let client = oauth2_client(facebook.client().unwrap());
    let request = client
        .create_authorization_url(Some("https://app.example/cb"), &[])
        .unwrap();
    let url = url::Url::parse(&request.url).unwrap();
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("scope"), Some("email"));
    assert_eq!(get("display"), Some("popup"));
    // A fixed state is sent as Flask-OAuthlib sent it, once, and is the one the flow checks.
    assert_eq!(get("state"), Some("fixed"));
    assert_eq!(query.iter().filter(|(k, _)| k == "state").count(), 1);
    assert_eq!(request.state, "fixed");
}

#[test]
fn authlib_client_kwargs_and_wrong_types_are_checked() {
    let oauth = OAuth::new();
    let github = oauth.register(
        "github",
        RegisterOptions::new()
            .set("client_id", "gh")
            .set("authorize_url", "https://github.com/login/oauth/authorize")
            .set("client_kwargs", json!({"scope": ["user", "repo"]})),
    );
    let client = oauth2_client(github.client().unwrap());
    let request = client.create_authorization_url(None, &[]).unwrap();
    assert!(request.url.contains("scope=user+repo"), "{}", request.url);

    let bad = oauth.register(
        "bad",
        RegisterOptions::new()
            .set("client_id", "id")
            .set("access_token_params", "not a table"),
    );
    assert_eq!(
        bad.client_id().unwrap_err().to_string(),
        "access_token_params in the settings of app `bad`: expected a table of parameters"
    );
    let unknown = oauth.register(
        "unknown",
        RegisterOptions::new()
            .set("client_id", "id")
            .set("client_secret", "s")
            .set(
                "client_kwargs",
                json!({"token_endpoint_auth_method": "magic"}),
            ),
    );
    assert!(unknown.protocol().is_err());
}

#[test]
fn debug_shows_no_secret() {
    let oauth = OAuth::new();
    let app = oauth.register(
        "github",
        RegisterOptions::new()
            .set("client_id", "id")
            .set("client_secret", "hunter2"),
    );
    app.client_id().unwrap();
    let shown = format!(
        "{oauth:?} {app:?} {:?}",
        RegisterOptions::new().set("client_secret", "hunter2")
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn debug_hides_a_top_level_rsa_key_and_header_values() {
    let oauth = OAuth::new();
    oauth.init_app(env(&[
        ("TWITTER_RSA_KEY", "-----BEGIN PRIVATE KEY-----flat"),
        ("TWITTER_SIGNATURE_METHOD", "RSA-SHA1"),
    ]));
    // Flask-OAuthlib reads rsa_key and signature_method lazily, flat keys included.
    let app = oauth.remote_app(
        "twitter",
        RegisterOptions::new()
            .app_key("TWITTER")
            .set("consumer_key", "k")
            .set(
                "request_token_url",
                "https://api.twitter.com/oauth/request_token",
            )
            .set(
                "access_token_headers",
                json!({"Authorization": "Basic c2VjcmV0"}),
            ),
    );
    let settings = app.settings();
    // The flat key was read (the fake PEM then fails to parse: an error, not a panic).
    let err = settings
        .expect_err("the fake key must be refused")
        .to_string();
    assert!(!err.contains("flat"), "{err}");
    let lookup = crate::config::AppSettings::flask_oauthlib("twitter", "TWITTER")
        .given("consumer_key", "k")
        .given("rsa_key", "-----BEGIN PRIVATE KEY-----given")
        .given(
            "access_token_headers",
            json!({"Authorization": "Basic c2VjcmV0"}),
        )
        .resolve(&env(&[("TWITTER_SIGNATURE_METHOD", "RSA-SHA1")]))
        .unwrap();
    assert_eq!(lookup.get("signature_method").unwrap(), "RSA-SHA1");
    let shown = format!("{lookup:?} {app:?}");
    assert!(
        !shown.contains("-----given") && !shown.contains("-----flat"),
        "{shown}"
    );
    assert!(!shown.contains("c2VjcmV0"), "{shown}");
}

#[test]
fn every_key_of_the_table_has_a_typed_setter_equal_to_set() {
    use crate::config::keys::{KEYS, Kind};
    use http::Method;

    let typed = RegisterOptions::new()
        .consumer_key("s")
        .consumer_secret("s")
        .request_token_params(json!({"t": 1}))
        .request_token_url("s")
        .request_token_method(Method::POST)
        .access_token_url("s")
        .access_token_params(json!({"t": 1}))
        .access_token_method(Method::POST)
        .access_token_headers(json!({"t": 1}))
        .authorize_url("s")
        .base_url("s")
        .content_type("s")
        .app_key("s")
        .encoding("s")
        .rsa_key("s")
        .signature_method("s")
        .client_id("s")
        .client_secret("s")
        .refresh_token_url("s")
        .refresh_token_params(json!({"t": 1}))
        .authorize_params(json!({"t": 1}))
        .api_base_url("s")
        .server_metadata_url("s")
        .client_kwargs(json!({"t": 1}))
        .scope("s")
        .token_endpoint_auth_method("s")
        .token_placement("s")
        .code_challenge_method("s")
        .leeway(60)
        .signature_type("s");
    // The same settings by name, one per row of the key table: a row without a setter (or a
    // setter storing another key or another value) makes the two lists differ.
    let by_name = KEYS.iter().fold(RegisterOptions::new(), |options, spec| {
        let value = match spec.kind {
            Kind::Str | Kind::Secret | Kind::Scope => json!("s"),
            Kind::Table => json!({"t": 1}),
            Kind::Method => json!("POST"),
            Kind::Seconds => json!(60),
        };
        options.set(spec.name, value)
    });
    assert_eq!(typed.given, by_name.given);
}
