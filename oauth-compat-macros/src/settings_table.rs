//! The key table: every setting of a remote app, in both vocabularies, as data.
//!
//! The single source of truth for the runtime's config files, environment lookups and
//! `RegisterOptions` (emitted there by [`crate::__settings_table`] and
//! [`crate::__register_options_setters`]) and for the macros that will read it directly. It
//! lives here because a proc-macro crate can only export macros: the runtime cannot depend on
//! it for data, but it can ask it to write the data out.

/// What a setting's value is.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// A string (a URL, a name, a label).
    Str,
    /// A string that is a secret (never printed).
    Secret,
    /// A table of parameters (a JSON object; a JSON string in flat keys).
    Table,
    /// An HTTP method.
    Method,
    /// A scope: a string, or a list of strings joined by spaces.
    Scope,
    /// A non-negative whole number of seconds.
    Seconds,
}

/// Which OAuth a setting belongs to.
#[derive(Clone, Copy)]
pub(crate) enum Protocol {
    Both,
    OAuth1,
    OAuth2,
}

/// Where a setting may be given.
#[derive(Clone, Copy)]
pub(crate) enum Place {
    /// In code, in an app's config table, and in flat keys (`TWITTER_CONSUMER_KEY`).
    Flat,
    /// In code and in an app's config table, at the top level or inside `client_kwargs`
    /// (Authlib passes `client_kwargs` to the session); not read from flat keys.
    Kwarg,
    /// In code only, and only to Flask-OAuthlib's `remote_app` (`app_key`).
    RemoteAppCode,
}

/// One setting.
pub(crate) struct Key {
    pub(crate) name: &'static str,
    /// The spelling it is stored under when it is a synonym (Flask-OAuthlib → Authlib).
    pub(crate) canonical: Option<&'static str>,
    pub(crate) kind: Kind,
    pub(crate) protocol: Protocol,
    pub(crate) place: Place,
    /// The default of Flask-OAuthlib's `remote_app`, when the runtime applies one.
    pub(crate) flask_oauthlib_default: Option<&'static str>,
    /// The default of Authlib's `register`, when the runtime applies one.
    pub(crate) authlib_default: Option<&'static str>,
    /// One line for the setter's documentation.
    pub(crate) doc: &'static str,
    /// A value for the setter's example, as Rust source.
    pub(crate) example: &'static str,
}

const fn key(name: &'static str, kind: Kind, protocol: Protocol, doc: &'static str) -> Key {
    Key {
        name,
        canonical: None,
        kind,
        protocol,
        place: Place::Flat,
        flask_oauthlib_default: None,
        authlib_default: None,
        doc,
        example: match kind {
            Kind::Str | Kind::Scope | Kind::Secret => "\"...\"",
            Kind::Table => "serde_json::json!({\"scope\": \"email\"})",
            Kind::Method => "http::Method::POST",
            Kind::Seconds => "60",
        },
    }
}

impl Key {
    const fn synonym_of(mut self, canonical: &'static str) -> Self {
        self.canonical = Some(canonical);
        self
    }

    const fn place(mut self, place: Place) -> Self {
        self.place = place;
        self
    }

    const fn example(mut self, example: &'static str) -> Self {
        self.example = example;
        self
    }

    const fn defaults(mut self, flask_oauthlib: &'static str, authlib: &'static str) -> Self {
        self.flask_oauthlib_default = Some(flask_oauthlib);
        self.authlib_default = Some(authlib);
        self
    }
}

use Kind::{Method, Scope, Seconds, Secret, Str, Table};
use Protocol::{Both, OAuth1, OAuth2};

/// Every setting. Order: Flask-OAuthlib's keywords, then Authlib's, then the `client_kwargs`
/// entries also read at the top level.
pub(crate) const KEYS: &[Key] = &[
    key("consumer_key", Str, Both, "The client's identifier (OAuth 1 consumer key, OAuth 2 client id).")
        .synonym_of("client_id")
        .example("\"my-consumer-key\""),
    key("consumer_secret", Secret, Both, "The client's secret (OAuth 1 consumer secret, OAuth 2 client secret).")
        .synonym_of("client_secret")
        .example("\"my-consumer-secret\""),
    key("request_token_params", Table, Both, "Extra parameters of the request-token request (OAuth 1), or of the authorization (a Flask-OAuthlib OAuth 2 app)."),
    key("request_token_url", Str, OAuth1, "The temporary-credentials endpoint; setting it makes the app OAuth 1.")
        .example("\"https://api.twitter.com/oauth/request_token\""),
    key("request_token_method", Method, OAuth1, "The method of the request-token request.")
        .defaults("GET", "POST"),
    key("access_token_url", Str, Both, "The token endpoint.")
        .example("\"https://api.twitter.com/oauth/access_token\""),
    key("access_token_params", Table, Both, "Extra parameters of the access-token request."),
    key("access_token_method", Method, Both, "The method of the access-token request.")
        .defaults("POST", "POST"),
    key("access_token_headers", Table, Both, "Extra headers of the access-token request.")
        .example("serde_json::json!({\"Accept\": \"application/json\"})"),
    key("authorize_url", Str, Both, "The authorization endpoint users are redirected to.")
        .example("\"https://api.twitter.com/oauth/authenticate\""),
    key("base_url", Str, Both, "The base that relative API URLs join to.").synonym_of("api_base_url")
        .example("\"https://api.twitter.com/1.1/\""),
    key("content_type", Str, Both, "The media type every response is decoded as, whatever the provider declares.")
        .example("\"application/json\""),
    key("app_key", Str, Both, "Flask-OAuthlib's `app_key`: the config table (or flat-key prefix) the app's settings are read from.")
        .place(Place::RemoteAppCode)
        .example("\"TWITTER\""),
    key("encoding", Str, Both, "The charset of form-encoded responses.")
        .example("\"utf-8\""),
    key("rsa_key", Secret, OAuth1, "The PEM private key of RSA-SHA1 signatures.")
        .example("\"-----BEGIN PRIVATE KEY-----\\n...\""),
    key("signature_method", Str, OAuth1, "The OAuth 1 signature method (`HMAC-SHA1`, `RSA-SHA1`, ...).")
        .example("\"RSA-SHA1\""),
    key("client_id", Str, Both, "The client's identifier (OAuth 2 client id, OAuth 1 consumer key).")
        .example("\"my-client-id\""),
    key("client_secret", Secret, Both, "The client's secret (OAuth 2 client secret, OAuth 1 consumer secret).")
        .example("\"my-client-secret\""),
    key("refresh_token_url", Str, OAuth2, "The endpoint of refresh requests (default: the token endpoint).")
        .example("\"https://github.com/login/oauth/access_token\""),
    key("refresh_token_params", Table, OAuth2, "Extra parameters of refresh requests."),
    key("authorize_params", Table, Both, "Extra parameters of the authorization redirect."),
    key("api_base_url", Str, Both, "The base that relative API URLs join to.")
        .example("\"https://api.github.com/\""),
    key("server_metadata_url", Str, Both, "The provider's discovery document (RFC 8414, OpenID Connect Discovery).")
        .example("\"https://accounts.google.com/.well-known/openid-configuration\""),
    key("client_kwargs", Table, Both, "Authlib's `client_kwargs`: `scope`, `token_endpoint_auth_method`, `signature_type`, ... (each also a setting of its own).")
        .example("serde_json::json!({\"scope\": \"user:email\"})"),
    key("scope", Scope, Both, "The scope asked for (a list of scopes is joined by spaces).")
        .place(Place::Kwarg)
        .example("\"openid email\""),
    key("token_endpoint_auth_method", Str, OAuth2, "How the client authenticates at the token endpoint (`client_secret_basic`, `client_secret_post`, `none`); without a secret, `none`.")
        .place(Place::Kwarg)
        .defaults("client_secret_post", "client_secret_basic")
        .example("\"client_secret_post\""),
    key("token_placement", Str, OAuth2, "Where the access token goes in API calls (`header`, `uri`, `body`).")
        .place(Place::Kwarg)
        .example("\"header\""),
    key("code_challenge_method", Str, OAuth2, "PKCE's code challenge method (`S256`).")
        .place(Place::Kwarg)
        .example("\"S256\""),
    key("leeway", Seconds, OAuth2, "Refresh a token this many seconds before it expires.")
        .place(Place::Kwarg),
    key("signature_type", Str, OAuth1, "Where the OAuth 1 signature goes (`HEADER`, `QUERY`, `BODY`).")
        .place(Place::Kwarg)
        .example("\"QUERY\""),
];

/// The server metadata fields Authlib's `register` keeps as metadata when given as settings:
/// RFC 8414 §2 and OpenID Connect Discovery 1.0 §3.
pub(crate) const METADATA_FIELDS: &[&str] = &[
    // RFC 8414 §2
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
    "scopes_supported",
    "response_types_supported",
    "response_modes_supported",
    "grant_types_supported",
    "token_endpoint_auth_methods_supported",
    "token_endpoint_auth_signing_alg_values_supported",
    "service_documentation",
    "ui_locales_supported",
    "op_policy_uri",
    "op_tos_uri",
    "revocation_endpoint",
    "revocation_endpoint_auth_methods_supported",
    "revocation_endpoint_auth_signing_alg_values_supported",
    "introspection_endpoint",
    "introspection_endpoint_auth_methods_supported",
    "introspection_endpoint_auth_signing_alg_values_supported",
    "code_challenge_methods_supported",
    // OpenID Connect Discovery 1.0 §3 (the fields RFC 8414 does not list)
    "userinfo_endpoint",
    "acr_values_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
    "id_token_encryption_alg_values_supported",
    "id_token_encryption_enc_values_supported",
    "userinfo_signing_alg_values_supported",
    "userinfo_encryption_alg_values_supported",
    "userinfo_encryption_enc_values_supported",
    "request_object_signing_alg_values_supported",
    "request_object_encryption_alg_values_supported",
    "request_object_encryption_enc_values_supported",
    "display_values_supported",
    "claim_types_supported",
    "claims_supported",
    "claims_locales_supported",
    "claims_parameter_supported",
    "request_parameter_supported",
    "request_uri_parameter_supported",
    "require_request_uri_registration",
];
