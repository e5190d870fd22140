//! The provider's settings: Authlib's `OAUTH1_*` configuration keys and its class attributes
//! (`SUPPORTED_SIGNATURE_METHODS`, `EXPIRY_TIME`, `TEMPORARY_CREDENTIALS_METHOD`), plus what a
//! Rust deployment needs on top (the public URL behind a reverse proxy, the transport rule).
//!
//! ```
//! use std::time::Duration;
//! use oauth_compat::MapEnv;
//! use oauth_compat::server::ServerConfig;
//!
//! // Flask: app.config["OAUTH1_SUPPORTED_SIGNATURE_METHODS"] = ["HMAC-SHA1", "RSA-SHA1"]
//! let env = MapEnv::new().set("OAUTH1_SUPPORTED_SIGNATURE_METHODS", "HMAC-SHA1, RSA-SHA1");
//! let config = ServerConfig::from_env(&env)?
//!     .timestamp_window(Duration::from_secs(120))?
//!     .external_base_url("https://api.example.com/oauth")?;
//! assert_eq!(config.supported_methods(), ["HMAC-SHA1", "RSA-SHA1"]);
//! # Ok::<(), oauth_compat::server::ServerConfigError>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use url::Url;

use crate::env::EnvSource;
use crate::oauth1::params::DEFAULT_MAX_PARAMETERS;
use crate::oauth1::{SignatureMethod, SignatureMethods};
use crate::wire::transport::insecure_transport_allowed;

/// Makes a token, a token secret or a verifier (Authlib's `OAUTH1_TOKEN_GENERATOR`).
pub type Generator = Arc<dyn Fn() -> String + Send + Sync>;

/// `OAUTH1_TOKEN_LENGTH`'s default, as Authlib's.
pub const DEFAULT_TOKEN_LENGTH: usize = 42;
/// `OAUTH1_TOKEN_SECRET_LENGTH`'s default, as Authlib's.
pub const DEFAULT_TOKEN_SECRET_LENGTH: usize = 48;
/// The length of `oauth_verifier`, as Authlib's (`generate_token(36)`).
pub const VERIFIER_LENGTH: usize = 36;
/// The shortest token or secret length accepted: 16 characters of 62 are 95 bits, still out of
/// reach of guessing; Authlib accepts any length, but a short token is a guessable password.
pub const MIN_TOKEN_LENGTH: usize = 16;
/// The longest token or secret length accepted (tokens travel in headers and URLs).
pub const MAX_TOKEN_LENGTH: usize = 1024;
/// How far `oauth_timestamp` may be from the server's clock, either way (Authlib's
/// `EXPIRY_TIME`: 300 seconds).
pub const DEFAULT_TIMESTAMP_WINDOW: Duration = Duration::from_secs(300);
/// How long temporary credentials live: ten minutes, time for a user to sign in and decide.
/// Authlib's cache helper keeps them a day; a request token is a bearer of half a grant, so
/// shorter is safer, and the client restarts the flow if the user was slower.
pub const DEFAULT_TEMPORARY_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(600);

/// The smallest [`ServerConfig::max_parameters`] accepted: one request's own protocol
/// parameters (`oauth_consumer_key`, `oauth_token`, `oauth_signature_method`,
/// `oauth_signature`, `oauth_timestamp`, `oauth_nonce`, `oauth_version`, `oauth_callback`,
/// `oauth_verifier`) and `realm`.
pub const MIN_MAX_PARAMETERS: usize = 10;

/// The longest [`ServerConfig::timestamp_window`] accepted: one day.
pub const MAX_TIMESTAMP_WINDOW: Duration = Duration::from_secs(86_400);
/// The longest [`ServerConfig::temporary_credential_lifetime`] accepted: seven days.
pub const MAX_TEMPORARY_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(7 * 86_400);

const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Authlib's `generate_token(length)`: `length` characters of ASCII letters and digits from
/// the operating system's CSPRNG (unbiased: bytes of 248 and above are drawn again).
///
/// ```
/// let token = oauth_compat::server::generate_token(42);
/// assert_eq!(token.len(), 42);
/// assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));
/// ```
///
/// # Panics
///
/// If the operating system's random number generator fails, which on supported platforms it
/// does not once the system has booted.
pub fn generate_token(length: usize) -> String {
    let mut out = String::with_capacity(length);
    let mut raw = [0u8; 64];
    while out.len() < length {
        if getrandom::fill(&mut raw).is_err() {
            panic!("the OS random number generator failed while generating an OAuth 1 token");
        }
        for &b in &raw {
            // 248 = 4 * 62: keeping only bytes below it makes `b % 62` uniform.
            if b < 248 && out.len() < length {
                out.push(char::from(ALPHABET[usize::from(b % 62)]));
            }
        }
    }
    out
}

fn random_generator(length: usize) -> Generator {
    Arc::new(move || generate_token(length))
}

/// [`check_length`] for a value given in code, as the error of the setting it stands for.
fn check_setting_length(variable: &'static str, length: usize) -> Result<usize, ServerConfigError> {
    check_length(length).map_err(|reason| ServerConfigError::InvalidValue {
        variable,
        value: length.to_string(),
        reason,
    })
}

fn check_length(length: usize) -> Result<usize, &'static str> {
    if length < MIN_TOKEN_LENGTH {
        Err("it must be at least 16: shorter tokens can be guessed")
    } else if length > MAX_TOKEN_LENGTH {
        Err("it must be at most 1024")
    } else {
        Ok(length)
    }
}

/// When OAuth 1 requests must arrive over a secure transport (`https`, or `http` to
/// `localhost`, 127.0.0.0/8 or `::1`: the engine's rule, Authlib's `is_secure_transport`),
/// judged on the public request URI (so behind a TLS-terminating proxy, configure
/// [`ServerConfig::external_base_url`] or [`ServerConfig::trust_forwarded_headers`]).
/// Refused requests get `insecure_transport` (400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TransportRule {
    /// PLAINTEXT requests only: they carry the secrets themselves (RFC 5849 §3.4.4). Signed
    /// requests travel safely over plain HTTP. The default.
    #[default]
    PlaintextOnly,
    /// Every request to the three endpoints and to protected resources (Authlib's rule: its
    /// `OAuth1Request` refuses plain HTTP outright).
    EveryRequest,
    /// No check (`AUTHLIB_INSECURE_TRANSPORT` set): local development only.
    Off,
}

/// A setting that cannot be used. Each variant names the setting and says what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerConfigError {
    /// A setting (an environment variable, or the setter standing for it) holds a value that is
    /// not allowed.
    #[error("{variable}={value:?} is invalid: {reason}")]
    InvalidValue {
        /// The variable's name.
        variable: &'static str,
        /// The value found (these settings hold no secrets).
        value: String,
        /// What is expected.
        reason: &'static str,
    },
    /// A generator named in the environment: Python imports it by module path, Rust cannot.
    #[error(
        "{variable} names a Python function, which Rust cannot import; unset it and pass a closure to ServerConfig::{setter} instead"
    )]
    GeneratorFromEnv {
        /// The variable's name.
        variable: &'static str,
        /// The setter to use in code.
        setter: &'static str,
    },
    /// The external base URL cannot be the public prefix of request URIs.
    #[error("external_base_url {url:?} is invalid: {reason}")]
    InvalidExternalBaseUrl {
        /// The URL as given.
        url: String,
        /// What is expected.
        reason: &'static str,
    },
}

/// The provider's settings, shared by [`AuthorizationServer`](super::AuthorizationServer) and
/// [`ResourceProtector`](super::ResourceProtector). Start from [`ServerConfig::default`] (or
/// [`ServerConfig::from_env`]) and change what you need with the consuming setters.
///
/// | Authlib | here | default |
/// |---|---|---|
/// | `OAUTH1_TOKEN_GENERATOR` | [`token_generator`](Self::token_generator) | random, `OAUTH1_TOKEN_LENGTH` |
/// | `OAUTH1_TOKEN_SECRET_GENERATOR` | [`token_secret_generator`](Self::token_secret_generator) | random, `OAUTH1_TOKEN_SECRET_LENGTH` |
/// | `OAUTH1_TOKEN_LENGTH` | [`token_length`](Self::token_length) | 42 |
/// | `OAUTH1_TOKEN_SECRET_LENGTH` | [`token_secret_length`](Self::token_secret_length) | 48 |
/// | `generate_token(36)` for `oauth_verifier` | [`verifier_generator`](Self::verifier_generator) | random, 36 |
/// | `OAUTH1_SUPPORTED_SIGNATURE_METHODS` | [`supported_signature_methods`](Self::supported_signature_methods) | `["HMAC-SHA1"]` |
/// | `register_signature_method` | [`register_signature_method`](Self::register_signature_method) | HMAC-SHA1, HMAC-SHA256, RSA-SHA1, PLAINTEXT known |
/// | `EXPIRY_TIME` (past only) | [`timestamp_window`](Self::timestamp_window) (past and future) | 300 s |
/// | the cache helper's one day | [`temporary_credential_lifetime`](Self::temporary_credential_lifetime) | 10 min |
/// | `TEMPORARY_CREDENTIALS_METHOD` (`OAUTH1_TEMPORARY_CREDENTIALS_METHODS` here) | [`temporary_credentials_methods`](Self::temporary_credentials_methods) | `POST` |
/// | Authlib's client-side second decoding of `oauth_*` values (`OAUTH1_ACCEPT_TWICE_DECODED_OAUTH_VALUES` here) | [`accept_twice_decoded_oauth_values`](Self::accept_twice_decoded_oauth_values) | off: RFC 5849's single decoding |
/// | `AUTHLIB_INSECURE_TRANSPORT` | [`transport_rule`](Self::transport_rule) | [`TransportRule::PlaintextOnly`] |
/// | werkzeug's `ProxyFix` | [`external_base_url`](Self::external_base_url), [`trust_forwarded_headers`](Self::trust_forwarded_headers) | off |
/// | none (Werkzeug's `MAX_FORM_PARTS` is the nearest) | [`max_parameters`](Self::max_parameters), `OAUTH1_MAX_PARAMETERS` | 1000 |
#[derive(Clone)]
pub struct ServerConfig {
    pub(crate) token_generator: Generator,
    pub(crate) token_secret_generator: Generator,
    pub(crate) verifier_generator: Generator,
    pub(crate) supported_methods: Vec<String>,
    pub(crate) signature_methods: SignatureMethods,
    pub(crate) timestamp_window: Duration,
    pub(crate) temporary_credential_lifetime: Duration,
    pub(crate) temporary_credentials_methods: Vec<Method>,
    pub(crate) transport_rule: TransportRule,
    pub(crate) external_base_url: Option<Url>,
    pub(crate) trust_forwarded_headers: bool,
    pub(crate) accept_twice_decoded_oauth_values: bool,
    pub(crate) max_parameters: usize,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("supported_methods", &self.supported_methods)
            .field("signature_methods", &self.signature_methods)
            .field("timestamp_window", &self.timestamp_window)
            .field(
                "temporary_credential_lifetime",
                &self.temporary_credential_lifetime,
            )
            .field(
                "temporary_credentials_methods",
                &self.temporary_credentials_methods,
            )
            .field("transport_rule", &self.transport_rule)
            .field(
                "external_base_url",
                &self.external_base_url.as_ref().map(Url::as_str),
            )
            .field("trust_forwarded_headers", &self.trust_forwarded_headers)
            .field(
                "accept_twice_decoded_oauth_values",
                &self.accept_twice_decoded_oauth_values,
            )
            .field("max_parameters", &self.max_parameters)
            .finish_non_exhaustive()
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            token_generator: random_generator(DEFAULT_TOKEN_LENGTH),
            token_secret_generator: random_generator(DEFAULT_TOKEN_SECRET_LENGTH),
            verifier_generator: random_generator(VERIFIER_LENGTH),
            supported_methods: vec!["HMAC-SHA1".to_owned()],
            signature_methods: SignatureMethods::new(),
            timestamp_window: DEFAULT_TIMESTAMP_WINDOW,
            temporary_credential_lifetime: DEFAULT_TEMPORARY_CREDENTIAL_LIFETIME,
            temporary_credentials_methods: vec![Method::POST],
            transport_rule: TransportRule::default(),
            external_base_url: None,
            trust_forwarded_headers: false,
            accept_twice_decoded_oauth_values: false,
            max_parameters: DEFAULT_MAX_PARAMETERS,
        }
    }
}

impl ServerConfig {
    /// The defaults (see the table above).
    pub fn new() -> Self {
        Self::default()
    }

    /// The defaults, with what the environment sets: `OAUTH1_TOKEN_LENGTH`,
    /// `OAUTH1_TOKEN_SECRET_LENGTH` (16 to 1024), `OAUTH1_SUPPORTED_SIGNATURE_METHODS` (names
    /// separated by commas or spaces), `OAUTH1_TEMPORARY_CREDENTIALS_METHODS` (HTTP methods in
    /// upper case, separated by commas or spaces: `GET,POST` for Flask-OAuthlib clients),
    /// `OAUTH1_ACCEPT_TWICE_DECODED_OAUTH_VALUES` (`1`, `true`, `yes` or `on` to turn
    /// [`accept_twice_decoded_oauth_values`](Self::accept_twice_decoded_oauth_values) on; `0`,
    /// `false`, `no`, `off` or empty for off), `OAUTH1_MAX_PARAMETERS` (see
    /// [`max_parameters`](Self::max_parameters)), and `AUTHLIB_INSECURE_TRANSPORT` /
    /// `OAUTHLIB_INSECURE_TRANSPORT` (set non-empty: [`TransportRule::Off`]). A bad value is
    /// [`ServerConfigError::InvalidValue`] naming the variable; `OAUTH1_TOKEN_GENERATOR` or
    /// `OAUTH1_TOKEN_SECRET_GENERATOR` set is [`ServerConfigError::GeneratorFromEnv`].
    ///
    /// ```
    /// use http::Method;
    /// use oauth_compat::MapEnv;
    /// use oauth_compat::server::{ServerConfigError, ServerConfig};
    ///
    /// let err = ServerConfig::from_env(&MapEnv::new().set("OAUTH1_TOKEN_LENGTH", "many")).unwrap_err();
    /// assert!(matches!(err, ServerConfigError::InvalidValue { variable: "OAUTH1_TOKEN_LENGTH", .. }));
    ///
    /// // Flask-OAuthlib asks for temporary credentials by GET unless told otherwise.
    /// let env = MapEnv::new().set("OAUTH1_TEMPORARY_CREDENTIALS_METHODS", "GET, POST");
    /// let config = ServerConfig::from_env(&env)?;
    /// assert_eq!(config.allowed_temporary_credentials_methods(), [Method::GET, Method::POST]);
    /// # Ok::<(), ServerConfigError>(())
    /// ```
    pub fn from_env(env: &dyn EnvSource) -> Result<Self, ServerConfigError> {
        let mut config = Self::default();
        for (variable, setter) in [
            ("OAUTH1_TOKEN_GENERATOR", "token_generator"),
            ("OAUTH1_TOKEN_SECRET_GENERATOR", "token_secret_generator"),
        ] {
            if env.var(variable).is_some_and(|v| !v.trim().is_empty()) {
                return Err(ServerConfigError::GeneratorFromEnv { variable, setter });
            }
        }
        if let Some(length) = env_length(env, "OAUTH1_TOKEN_LENGTH")? {
            config.token_generator = random_generator(length);
        }
        if let Some(length) = env_length(env, "OAUTH1_TOKEN_SECRET_LENGTH")? {
            config.token_secret_generator = random_generator(length);
        }
        const METHODS: &str = "OAUTH1_SUPPORTED_SIGNATURE_METHODS";
        if let Some(value) = env.var(METHODS) {
            let names: Vec<String> = value
                .split(|c: char| c == ',' || c.is_ascii_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let invalid = |reason| ServerConfigError::InvalidValue {
                variable: METHODS,
                value: value.clone(),
                reason,
            };
            if names.is_empty() {
                return Err(invalid(
                    "name at least one signature method, such as HMAC-SHA1",
                ));
            }
            if names
                .iter()
                .any(|n| !n.bytes().all(|b| b.is_ascii_graphic()))
            {
                return Err(invalid(
                    "method names are printable ASCII, separated by commas or spaces",
                ));
            }
            config.supported_methods = names;
        }
        if let Some(methods) = env_http_methods(env, "OAUTH1_TEMPORARY_CREDENTIALS_METHODS")? {
            config.temporary_credentials_methods = methods;
        }
        if let Some(accept) = env_switch(env, "OAUTH1_ACCEPT_TWICE_DECODED_OAUTH_VALUES")? {
            config.accept_twice_decoded_oauth_values = accept;
        }
        const MAX_PARAMETERS: &str = "OAUTH1_MAX_PARAMETERS";
        if let Some(value) = env.var(MAX_PARAMETERS) {
            let invalid = |reason| ServerConfigError::InvalidValue {
                variable: MAX_PARAMETERS,
                value: value.clone(),
                reason,
            };
            let max = value
                .trim()
                .parse::<usize>()
                .map_err(|_| invalid("it must be a whole number of parameters"))?;
            config.max_parameters = check_max_parameters(max).map_err(invalid)?;
        }
        if insecure_transport_allowed(env) {
            config.transport_rule = TransportRule::Off;
        }
        Ok(config)
    }

    /// Makes `oauth_token` values (temporary and token credentials) with `generator`.
    pub fn token_generator(
        mut self,
        generator: impl Fn() -> String + Send + Sync + 'static,
    ) -> Self {
        self.token_generator = Arc::new(generator);
        self
    }

    /// Makes `oauth_token_secret` values with `generator`.
    pub fn token_secret_generator(
        mut self,
        generator: impl Fn() -> String + Send + Sync + 'static,
    ) -> Self {
        self.token_secret_generator = Arc::new(generator);
        self
    }

    /// Makes `oauth_verifier` values with `generator`.
    pub fn verifier_generator(
        mut self,
        generator: impl Fn() -> String + Send + Sync + 'static,
    ) -> Self {
        self.verifier_generator = Arc::new(generator);
        self
    }

    /// Random tokens of `length` characters (`OAUTH1_TOKEN_LENGTH`): between
    /// [`MIN_TOKEN_LENGTH`] and [`MAX_TOKEN_LENGTH`], else [`ServerConfigError::InvalidValue`].
    pub fn token_length(mut self, length: usize) -> Result<Self, ServerConfigError> {
        let length = check_setting_length("OAUTH1_TOKEN_LENGTH", length)?;
        self.token_generator = random_generator(length);
        Ok(self)
    }

    /// Random token secrets of `length` characters (`OAUTH1_TOKEN_SECRET_LENGTH`): between
    /// [`MIN_TOKEN_LENGTH`] and [`MAX_TOKEN_LENGTH`], else [`ServerConfigError::InvalidValue`].
    pub fn token_secret_length(mut self, length: usize) -> Result<Self, ServerConfigError> {
        let length = check_setting_length("OAUTH1_TOKEN_SECRET_LENGTH", length)?;
        self.token_secret_generator = random_generator(length);
        Ok(self)
    }

    /// The signature methods accepted (`OAUTH1_SUPPORTED_SIGNATURE_METHODS`), by the names
    /// clients send. Each must be known to the registry: the four built-in ones are, others
    /// need [`register_signature_method`](Self::register_signature_method). A request with
    /// another method gets `unsupported_signature_method`.
    pub fn supported_signature_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.supported_methods = methods.into_iter().map(Into::into).collect();
        self
    }

    /// Registers (or replaces) a signature method by name (Authlib's
    /// `register_signature_method`); add the name to
    /// [`supported_signature_methods`](Self::supported_signature_methods) to accept it.
    /// Verification is the method's [`SignatureMethod::verify`]: it must check the signature
    /// (the default implementation signs and compares in constant time).
    pub fn register_signature_method(
        mut self,
        name: impl Into<String>,
        method: impl SignatureMethod + 'static,
    ) -> Self {
        self.signature_methods.register(name, method);
        self
    }

    /// How far `oauth_timestamp` may be from the server's clock, in the past or the future
    /// (default 300 s). Nonces are remembered for as long as their request could be accepted.
    /// More than [`MAX_TIMESTAMP_WINDOW`] (a day) is [`ServerConfigError::InvalidValue`]: a window
    /// that long makes every store keep nonces for days, and a huge one overflows expiries.
    ///
    /// ```
    /// use std::time::Duration;
    /// use oauth_compat::server::ServerConfig;
    ///
    /// assert!(ServerConfig::default().timestamp_window(Duration::from_secs(120)).is_ok());
    /// assert!(ServerConfig::default().timestamp_window(Duration::MAX).is_err());
    /// ```
    pub fn timestamp_window(mut self, window: Duration) -> Result<Self, ServerConfigError> {
        if window > MAX_TIMESTAMP_WINDOW {
            return Err(ServerConfigError::InvalidValue {
                variable: "timestamp_window",
                value: format!("{window:?}"),
                reason: "it must be at most one day (86400 s)",
            });
        }
        self.timestamp_window = window;
        Ok(self)
    }

    /// How long temporary credentials stay usable (default 10 minutes). More than
    /// [`MAX_TEMPORARY_CREDENTIAL_LIFETIME`] (7 days) is [`ServerConfigError::InvalidValue`].
    pub fn temporary_credential_lifetime(
        mut self,
        lifetime: Duration,
    ) -> Result<Self, ServerConfigError> {
        if lifetime > MAX_TEMPORARY_CREDENTIAL_LIFETIME {
            return Err(ServerConfigError::InvalidValue {
                variable: "temporary_credential_lifetime",
                value: format!("{lifetime:?}"),
                reason: "it must be at most 7 days",
            });
        }
        self.temporary_credential_lifetime = lifetime;
        Ok(self)
    }

    /// The HTTP methods the temporary credentials endpoint accepts (Authlib's
    /// `TEMPORARY_CREDENTIALS_METHOD`, `OAUTH1_TEMPORARY_CREDENTIALS_METHODS` in
    /// [`from_env`](Self::from_env); default `POST` as RFC 5849 §2.1 says); others get
    /// `method_not_allowed` (405). Flask-OAuthlib clients send `GET` unless told otherwise
    /// (`request_token_method`): add it here to keep them working.
    pub fn temporary_credentials_methods(
        mut self,
        methods: impl IntoIterator<Item = Method>,
    ) -> Self {
        self.temporary_credentials_methods = methods.into_iter().collect();
        self
    }

    /// When requests must arrive over a secure transport (default
    /// [`TransportRule::PlaintextOnly`]).
    pub fn transport_rule(mut self, rule: TransportRule) -> Self {
        self.transport_rule = rule;
        self
    }

    /// The scheme, host, port and path prefix the public uses to reach this server
    /// (`https://api.example.com/oauth`), when a reverse proxy stands in front of it: the
    /// signature base string URI is this prefix followed by the request's path as the server
    /// receives it. It wins over the `Host` header and the forwarded headers.
    pub fn external_base_url(mut self, url: &str) -> Result<Self, ServerConfigError> {
        let invalid = |reason| ServerConfigError::InvalidExternalBaseUrl {
            url: url.to_owned(),
            reason,
        };
        let parsed = Url::parse(url).map_err(|_| {
            invalid("it must be an absolute URL such as https://api.example.com/prefix")
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(invalid("it must name a host"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(invalid("it must not carry a user name or password"));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(invalid("it must not have a query or a fragment"));
        }
        self.external_base_url = Some(parsed);
        Ok(self)
    }

    /// Whether to take the scheme and host of the request URI from `X-Forwarded-Proto` and
    /// `X-Forwarded-Host` when a request carries them (default `false`). Turn it on only when
    /// every request comes through a proxy that sets them: otherwise a client chooses the URI
    /// its signature is checked against. With several values (proxies appending), the last
    /// one, set by the proxy nearest to this server, is used.
    pub fn trust_forwarded_headers(mut self, trust: bool) -> Self {
        self.trust_forwarded_headers = trust;
        self
    }

    /// Whether a signature over `oauth_*` values percent-decoded twice is also accepted
    /// (`OAUTH1_ACCEPT_TWICE_DECODED_OAUTH_VALUES` in [`from_env`](Self::from_env); default
    /// `false`).
    ///
    /// RFC 5849 §3.4.1.3 decodes each parameter once before signing, and so does this
    /// provider by default. Authlib's client decodes `oauth_*` values a second time (in every
    /// placement; oauthlib and requests-oauthlib do it in the query and body placements), so
    /// when a value still holds a `%XX` after the first decoding, typically a callback such as
    /// `https://client.example/cb?next=%2Fhome`, it signs `…?next=/home` and the default
    /// provider answers `invalid_signature`. With this on, a signature that does not match the
    /// RFC base string is checked once more against that variant
    /// ([`SignedRequest::verify_allowing_twice_decoded`](crate::oauth1::SignedRequest::verify_allowing_twice_decoded));
    /// RFC-correct clients are unaffected, timestamp and nonce checks are the same, and the
    /// values the provider keeps (the callback it redirects to) are the RFC's single decoding.
    ///
    /// The cost: the signature then no longer covers how an `oauth_*` value is escaped, so
    /// `…?next=%2Fhome` and `…?next=/home` verify with the same signature.
    ///
    /// ```
    /// use oauth_compat::MapEnv;
    /// use oauth_compat::server::ServerConfig;
    ///
    /// let env = MapEnv::new().set("OAUTH1_ACCEPT_TWICE_DECODED_OAUTH_VALUES", "1");
    /// assert!(ServerConfig::from_env(&env)?.twice_decoded_oauth_values_accepted());
    /// assert!(!ServerConfig::new().twice_decoded_oauth_values_accepted());
    /// # Ok::<(), oauth_compat::server::ServerConfigError>(())
    /// ```
    pub fn accept_twice_decoded_oauth_values(mut self, accept: bool) -> Self {
        self.accept_twice_decoded_oauth_values = accept;
        self
    }

    /// Whether [`accept_twice_decoded_oauth_values`](Self::accept_twice_decoded_oauth_values)
    /// is on.
    pub fn twice_decoded_oauth_values_accepted(&self) -> bool {
        self.accept_twice_decoded_oauth_values
    }

    /// The HTTP methods the temporary credentials endpoint accepts.
    pub fn allowed_temporary_credentials_methods(&self) -> &[Method] {
        &self.temporary_credentials_methods
    }

    /// The most parameters a request may carry, URI query, form body and `Authorization` header
    /// together (`OAUTH1_MAX_PARAMETERS`, default [`DEFAULT_MAX_PARAMETERS`], 1000). A request
    /// with more is refused with `invalid_request` (400) naming the limit, found by counting
    /// before anything is decoded or looked up: without a bound, a 2 MiB form of `a&a&...` is a
    /// million parameters to decode. Fewer than [`MIN_MAX_PARAMETERS`] is
    /// [`ServerConfigError::InvalidValue`]: it would refuse requests for their own protocol
    /// parameters.
    ///
    /// ```
    /// use oauth_compat::server::ServerConfig;
    ///
    /// assert!(ServerConfig::default().max_parameters(200).is_ok());
    /// assert!(ServerConfig::default().max_parameters(3).is_err());
    /// ```
    pub fn max_parameters(mut self, max: usize) -> Result<Self, ServerConfigError> {
        self.max_parameters =
            check_max_parameters(max).map_err(|reason| ServerConfigError::InvalidValue {
                variable: "OAUTH1_MAX_PARAMETERS",
                value: max.to_string(),
                reason,
            })?;
        Ok(self)
    }

    /// The accepted signature method names.
    pub fn supported_methods(&self) -> &[String] {
        &self.supported_methods
    }

    /// The signature method registry.
    pub fn signature_methods(&self) -> &SignatureMethods {
        &self.signature_methods
    }

    pub(crate) fn register_method_in_place(
        &mut self,
        name: String,
        method: impl SignatureMethod + 'static,
    ) {
        self.signature_methods.register(name, method);
    }

    /// Supported names no registry entry verifies (a typo, or a method registered elsewhere).
    pub(crate) fn warn_unregistered_methods(&self) {
        for name in &self.supported_methods {
            if !self.signature_methods.contains(name) {
                tracing::warn!(
                    method = %name,
                    "OAuth 1 signature method is supported but not registered; requests using it get unsupported_signature_method"
                );
            }
        }
    }
}

/// HTTP methods separated by commas or spaces, each an upper-case token (`GET`, `POST`):
/// methods are case-sensitive, so `get` would name a method no client sends.
fn env_http_methods(
    env: &dyn EnvSource,
    variable: &'static str,
) -> Result<Option<Vec<Method>>, ServerConfigError> {
    let Some(value) = env.var(variable) else {
        return Ok(None);
    };
    let invalid = |reason| ServerConfigError::InvalidValue {
        variable,
        value: value.clone(),
        reason,
    };
    let names: Vec<&str> = value
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return Err(invalid("name at least one HTTP method, such as POST"));
    }
    names
        .into_iter()
        .map(|name| {
            if !name.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(invalid(
                    "HTTP methods are upper-case letters, such as GET or POST, separated by commas or spaces",
                ));
            }
            Method::from_bytes(name.as_bytes())
                .map_err(|_| invalid("it names an invalid HTTP method"))
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// An on/off setting: `1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`, empty (any
/// case). Anything else is refused rather than read as either, since it turns a check off.
fn env_switch(
    env: &dyn EnvSource,
    variable: &'static str,
) -> Result<Option<bool>, ServerConfigError> {
    let Some(value) = env.var(variable) else {
        return Ok(None);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(Some(true)),
        "" | "0" | "false" | "no" | "off" => Ok(Some(false)),
        _ => Err(ServerConfigError::InvalidValue {
            variable,
            value,
            reason: "it must be 1, true, yes or on, or 0, false, no, off or empty",
        }),
    }
}

fn check_max_parameters(max: usize) -> Result<usize, &'static str> {
    if max < MIN_MAX_PARAMETERS {
        Err("it must be at least 10: a request's own protocol parameters and realm")
    } else {
        Ok(max)
    }
}

fn env_length(
    env: &dyn EnvSource,
    variable: &'static str,
) -> Result<Option<usize>, ServerConfigError> {
    let Some(value) = env.var(variable) else {
        return Ok(None);
    };
    let length = value
        .trim()
        .parse::<usize>()
        .map_err(|_| ServerConfigError::InvalidValue {
            variable,
            value: value.clone(),
            reason: "it must be a whole number of characters",
        })?;
    check_length(length)
        .map(Some)
        .map_err(|reason| ServerConfigError::InvalidValue {
            variable,
            value,
            reason,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;

    #[test]
    fn defaults_are_authlibs() {
        let c = ServerConfig::default();
        assert_eq!((c.token_generator)().len(), 42);
        assert_eq!((c.token_secret_generator)().len(), 48);
        assert_eq!((c.verifier_generator)().len(), 36);
        assert_eq!(c.supported_methods(), ["HMAC-SHA1"]);
        assert_eq!(c.timestamp_window, Duration::from_secs(300));
        assert_eq!(c.transport_rule, TransportRule::PlaintextOnly);
        assert_eq!(c.temporary_credentials_methods, [Method::POST]);
        assert!(!c.accept_twice_decoded_oauth_values);
        assert_eq!(c.max_parameters, 1000);
    }

    #[test]
    fn env_temporary_credentials_methods_and_twice_decoded_switch() {
        let env = MapEnv::new()
            .set("OAUTH1_TEMPORARY_CREDENTIALS_METHODS", "GET, POST")
            .set("OAUTH1_ACCEPT_TWICE_DECODED_OAUTH_VALUES", " Yes ");
        let c = ServerConfig::from_env(&env).unwrap();
        assert_eq!(
            c.allowed_temporary_credentials_methods(),
            [Method::GET, Method::POST]
        );
        assert!(c.twice_decoded_oauth_values_accepted());
        for (value, on) in [
            ("1", true),
            ("on", true),
            ("TRUE", true),
            ("0", false),
            ("off", false),
            ("", false),
        ] {
            let env = MapEnv::new().set("OAUTH1_ACCEPT_TWICE_DECODED_OAUTH_VALUES", value);
            assert_eq!(
                ServerConfig::from_env(&env)
                    .unwrap()
                    .twice_decoded_oauth_values_accepted(),
                on,
                "{value:?}"
            );
        }
        let c = ServerConfig::from_env(
            &MapEnv::new().set("OAUTH1_TEMPORARY_CREDENTIALS_METHODS", "GET"),
        )
        .unwrap();
        assert_eq!(c.allowed_temporary_credentials_methods(), [Method::GET]);
    }

    #[test]
    fn tokens_are_distinct_and_use_the_alphabet() {
        let a = generate_token(100);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, generate_token(100));
        assert_eq!(generate_token(0), "");
        assert_eq!(generate_token(1000).len(), 1000);
    }

    #[test]
    fn env_lengths_and_methods() {
        let env = MapEnv::new()
            .set("OAUTH1_TOKEN_LENGTH", "20")
            .set("OAUTH1_TOKEN_SECRET_LENGTH", " 64 ")
            .set(
                "OAUTH1_SUPPORTED_SIGNATURE_METHODS",
                "HMAC-SHA256,RSA-SHA1 PLAINTEXT",
            );
        let c = ServerConfig::from_env(&env).unwrap();
        assert_eq!((c.token_generator)().len(), 20);
        assert_eq!((c.token_secret_generator)().len(), 64);
        assert_eq!(
            c.supported_methods(),
            ["HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"]
        );
        assert_eq!(c.transport_rule, TransportRule::PlaintextOnly);
        let c =
            ServerConfig::from_env(&MapEnv::new().set("OAUTH1_MAX_PARAMETERS", " 50 ")).unwrap();
        assert_eq!(c.max_parameters, 50);
        let c =
            ServerConfig::from_env(&MapEnv::new().set("AUTHLIB_INSECURE_TRANSPORT", "1")).unwrap();
        assert_eq!(c.transport_rule, TransportRule::Off);
    }

    #[test]
    fn env_errors_name_the_variable() {
        for (variable, value) in [
            ("OAUTH1_TOKEN_LENGTH", "-1"),
            ("OAUTH1_TOKEN_LENGTH", "8"),
            ("OAUTH1_TOKEN_SECRET_LENGTH", "99999"),
            ("OAUTH1_SUPPORTED_SIGNATURE_METHODS", " , "),
            ("OAUTH1_TEMPORARY_CREDENTIALS_METHODS", ""),
            ("OAUTH1_TEMPORARY_CREDENTIALS_METHODS", "get,post"),
            ("OAUTH1_TEMPORARY_CREDENTIALS_METHODS", "GET;POST"),
            ("OAUTH1_ACCEPT_TWICE_DECODED_OAUTH_VALUES", "maybe"),
            ("OAUTH1_MAX_PARAMETERS", "lots"),
            ("OAUTH1_MAX_PARAMETERS", "9"),
        ] {
            let err = ServerConfig::from_env(&MapEnv::new().set(variable, value)).unwrap_err();
            match &err {
                ServerConfigError::InvalidValue { variable: v, .. } => assert_eq!(*v, variable),
                other => panic!("{other:?}"),
            }
            assert!(err.to_string().starts_with(variable), "{err}");
        }
        let err = ServerConfig::from_env(
            &MapEnv::new().set("OAUTH1_TOKEN_GENERATOR", "myapp.tokens.make"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("ServerConfig::token_generator"),
            "{err}"
        );
    }

    #[test]
    fn external_base_url_is_checked() {
        let ok = ServerConfig::new().external_base_url("https://api.example.com/oauth/");
        assert!(ok.is_ok());
        for bad in [
            "/oauth",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "https://example.com/?a=1",
        ] {
            assert!(
                matches!(
                    ServerConfig::new().external_base_url(bad),
                    Err(ServerConfigError::InvalidExternalBaseUrl { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_short_token_length_is_a_config_error() {
        let err = ServerConfig::new().token_length(4).err().unwrap();
        assert!(matches!(
            err,
            ServerConfigError::InvalidValue {
                variable: "OAUTH1_TOKEN_LENGTH",
                ..
            }
        ));
        assert!(ServerConfig::new().token_secret_length(48).is_ok());
    }
}
