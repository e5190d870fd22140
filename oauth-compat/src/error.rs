//! The crate-wide error: one variant per layer, each wrapping that layer's own typed error,
//! and [`StepError`]: an error with the remote app, the step and the URL it happened at.

use std::fmt;

/// Any error oauth-compat returns.
///
/// Each layer has its own `#[non_exhaustive]` error enum that says what went wrong and what to
/// fix; this enum lets application code use `?` across layers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Signing or verifying an OAuth 1 request, or reading OAuth 1 credentials.
    #[error(transparent)]
    OAuth1(#[from] crate::oauth1::SignatureError),
    /// Building an OAuth 2 request or reading an OAuth 2 response.
    #[error(transparent)]
    OAuth2(#[from] crate::oauth2::OAuth2Error),
    /// A client flow or API call (missing token or setting, refresh, callbacks).
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    /// Sending a request or reading its response.
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    /// Reading configuration or resolving an app's settings from it.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// An authorization flow on a remote app (denied, state mismatch, session or cache).
    #[error(transparent)]
    Flow(#[from] crate::registry::FlowError),
    /// Decoding a provider's response body.
    #[error(transparent)]
    Response(#[from] crate::response::DecodeError),
    /// Refreshing an OAuth 2 token failed. Shared by every request that waited for the same
    /// refresh, hence the `Arc`; [`underlying`](Self::underlying) reaches the cause (the
    /// provider's `invalid_grant`, say) and [`step`](Self::step) where the refresh failed.
    #[error("refreshing the token failed: {0}")]
    RefreshFailed(#[source] std::sync::Arc<Error>),
    /// Any of the above, with where it happened: the remote app, the step of the flow or call,
    /// and the URL. Every error a client or a remote app returns from a step comes wrapped so;
    /// [`underlying`](Self::underlying) reaches the error itself.
    #[error(transparent)]
    Step(Box<StepError>),
}

/// The step of a flow or an API call an error happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Fetching the provider's metadata document (`server_metadata_url`).
    Discovery,
    /// OAuth 1 temporary credentials (the request token).
    RequestToken,
    /// Sending the user to the provider, or checking the callback they came back with.
    Authorize,
    /// Exchanging the grant (code, verifier, client credentials, password) for a token.
    AccessToken,
    /// Refreshing an OAuth 2 token.
    Refresh,
    /// Revoking a token (RFC 7009).
    Revoke,
    /// An API call.
    Api,
}

impl Step {
    /// The step's name in messages: `discovery`, `request_token`, `authorize`, `access_token`,
    /// `refresh`, `revoke`, `api`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::RequestToken => "request_token",
            Self::Authorize => "authorize",
            Self::AccessToken => "access_token",
            Self::Refresh => "refresh",
            Self::Revoke => "revoke",
            Self::Api => "api",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with where it happened: `` `github` access_token https://github.com/login/oauth/access_token: <the error> ``.
///
/// The URL is cut to scheme, host and path (its query can carry a token or a signature).
///
/// ```
/// use oauth_compat::{OAuth2Client, TokenGrant};
/// use oauth_compat::{Error, Step};
///
/// # async fn run() -> Result<(), Error> {
/// let client = OAuth2Client::builder("id").build()?; // no access_token_url
/// let err = client.fetch_token(TokenGrant::client_credentials()).await.unwrap_err();
/// let Error::Step(step) = &err else { panic!() };
/// assert_eq!(step.step(), Step::AccessToken);
/// assert!(matches!(err.underlying(), Error::Client(_)));
/// assert!(err.to_string().starts_with("access_token: `access_token_url` is not set"));
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run()).unwrap();
/// ```
#[derive(Debug)]
pub struct StepError {
    app: Option<String>,
    step: Step,
    url: Option<String>,
    error: Error,
}

impl StepError {
    /// The remote app's name, for errors from a registered app.
    pub fn app(&self) -> Option<&str> {
        self.app.as_deref()
    }

    /// The step.
    pub fn step(&self) -> Step {
        self.step
    }

    /// The URL of the step (scheme, host and path), when one was known.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The error itself.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The error itself, owned.
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(app) = &self.app {
            write!(f, "`{app}` ")?;
        }
        f.write_str(self.step.as_str())?;
        if let Some(url) = &self.url {
            write!(f, " {url}")?;
        }
        write!(f, ": {}", self.error)
    }
}

// The message already includes the error's own; its source is the next link of the chain.
impl std::error::Error for StepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.error)
    }
}

impl Error {
    /// The error itself, without where it happened ([`Error::Step`]) and, for a token refresh
    /// that failed (shared by every request that waited for it), the error the refresh failed
    /// with: match on this.
    ///
    /// ```
    /// use oauth_compat::Error;
    /// use oauth_compat::ClientError;
    /// let err = Error::from(ClientError::MissingToken);
    /// assert!(matches!(err.underlying(), Error::Client(ClientError::MissingToken)));
    /// ```
    pub fn underlying(&self) -> &Error {
        match self {
            Self::RefreshFailed(cause) => cause.underlying(),
            Self::Step(step) => step.error.underlying(),
            other => other,
        }
    }

    /// Where the error happened (looking through a shared refresh failure, which says where
    /// the refresh failed).
    pub fn step(&self) -> Option<&StepError> {
        match self {
            Self::Step(step) => Some(step),
            Self::RefreshFailed(cause) => cause.step(),
            _ => None,
        }
    }

    /// This error at `step` and `url` (redacted here), unless it already says where it
    /// happened: the innermost step is the precise one (an API call's failed refresh names
    /// the refresh and its URL).
    pub(crate) fn at(self, step: Step, url: Option<&str>) -> Self {
        if self.step().is_some() {
            return self;
        }
        Self::Step(Box::new(StepError {
            app: None,
            step,
            url: url.map(crate::wire::redact::redact_url_str),
            error: self,
        }))
    }

    /// This error as an error of the remote app `app`: at `step` and `url` unless it already
    /// says where, and naming `app` unless it already names one.
    pub(crate) fn in_app(self, app: &str, step: Step, url: Option<&str>) -> Self {
        let mut error = self.at(step, url);
        if let Self::Step(located) = &mut error
            && located.app.is_none()
        {
            located.app = Some(app.to_owned());
        }
        error
    }

    /// The provider's OAuth error answer (OAuth 2's `invalid_grant`, OAuth 1's
    /// `invalid_signature`, ...), looking through where it happened and a shared refresh
    /// failure.
    pub fn provider_error(&self) -> Option<&crate::oauth2::ProviderError> {
        match self.underlying() {
            Self::OAuth2(crate::oauth2::OAuth2Error::Provider(provider))
            | Self::Client(crate::client::ClientError::OAuth1Provider(provider)) => Some(provider),
            _ => None,
        }
    }
}
