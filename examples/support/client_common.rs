//! What the client examples (`oauth1_client`, `oauth2_client`) share: reading the environment
//! contract, the browser's visit to the authorization page, the `ME` line, and the errors.
//! Included with `#[path = "support/client_common.rs"] mod common;`.

use std::fmt;
use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use oauth_compat::response::{Format, MediaType};
use oauth_compat::{OAuthResponse, RemoteApp, reqwest};
use serde_json::{Map, Value};
use url::Url;

/// Every request to the provider, the browser's included, gives up after this long.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(30);

// --- settings --------------------------------------------------------------------------------

/// A variable that cannot be used: its name and what to fix.
#[derive(Debug)]
pub(crate) struct SettingError {
    pub(crate) variable: &'static str,
    pub(crate) reason: String,
}

pub(crate) fn invalid(variable: &'static str, reason: impl Into<String>) -> SettingError {
    SettingError {
        variable,
        reason: reason.into(),
    }
}

/// The variable's value; `None` when unset. A value that is not Unicode is an error.
pub(crate) fn optional(variable: &'static str) -> Result<Option<String>, SettingError> {
    match std::env::var(variable) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(invalid(variable, "is not valid Unicode")),
    }
}

/// The variable's value, which must be set and not empty.
pub(crate) fn required(variable: &'static str) -> Result<String, SettingError> {
    let value = optional(variable)?.ok_or_else(|| invalid(variable, "is not set"))?;
    if value.is_empty() {
        return Err(invalid(variable, "is empty"));
    }
    Ok(value)
}

/// The variable's value; unset and empty both mean "not given".
pub(crate) fn non_empty(variable: &'static str) -> Result<Option<String>, SettingError> {
    Ok(optional(variable)?.filter(|value| !value.is_empty()))
}

/// An absolute `http://` or `https://` URL.
pub(crate) fn absolute_url(variable: &'static str) -> Result<Url, SettingError> {
    let value = required(variable)?;
    let url = Url::parse(&value).map_err(|err| {
        invalid(
            variable,
            format!("{value:?} is not an absolute URL ({err})"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            variable,
            format!("{value:?} is not an http(s) URL"),
        ));
    }
    Ok(url)
}

/// A provider URL: absolute, or relative to `PROVIDER_URL`.
pub(crate) fn provider_url(provider: &Url, variable: &'static str) -> Result<String, SettingError> {
    let value = required(variable)?;
    let url = provider.join(&value).map_err(|err| {
        invalid(
            variable,
            format!("{value:?} is not a URL, absolute or relative to PROVIDER_URL ({err})"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            variable,
            format!("{value:?} is not an http(s) URL"),
        ));
    }
    Ok(url.into())
}

pub(crate) fn api_calls() -> Result<u32, SettingError> {
    match non_empty("API_CALLS")? {
        None => Ok(1),
        Some(value) => value
            .parse::<u32>()
            .ok()
            .filter(|calls| *calls > 0)
            .ok_or_else(|| invalid("API_CALLS", format!("{value:?} is not a positive integer"))),
    }
}

pub(crate) fn api_call_interval() -> Result<Duration, SettingError> {
    match non_empty("API_CALL_INTERVAL")? {
        None => Ok(Duration::ZERO),
        Some(value) => value
            .parse::<f64>()
            .ok()
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .ok_or_else(|| {
                invalid(
                    "API_CALL_INTERVAL",
                    format!("{value:?} is not a non-negative number of seconds"),
                )
            }),
    }
}

/// `FORCE_CONTENT_TYPE`: the media type to decode API responses as; unset or empty: their
/// own `Content-Type`.
pub(crate) fn force_content_type() -> Result<Option<MediaType>, SettingError> {
    non_empty("FORCE_CONTENT_TYPE")?
        .map(|value| {
            value
                .parse::<MediaType>()
                .map_err(|err| invalid("FORCE_CONTENT_TYPE", format!("{value:?}: {err}")))
        })
        .transpose()
}

// --- errors ----------------------------------------------------------------------------------

/// Why the flow stopped after the settings were read.
#[derive(Debug)]
pub(crate) enum FlowFailure {
    /// The library refused or failed (the provider's error answer included).
    OAuth(oauth_compat::Error),
    /// The browser's visit to the authorization page failed.
    Browser { reason: String },
    /// The authorization page did not redirect.
    NoRedirect { status: u16 },
    /// It redirected somewhere else than `CALLBACK_URL`.
    NotTheCallback { location: String },
    /// The API answered with an error status.
    ApiStatus { status: u16, data: String },
    /// The API's body is not a JSON object, nor XML or a form that maps to one.
    NotAnObject { format: Format, why: String },
}

impl fmt::Display for FlowFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OAuth(err) => write!(f, "{err}"),
            Self::Browser { reason } => {
                write!(f, "visiting the authorization URL failed: {reason}")
            }
            Self::NoRedirect { status } => write!(
                f,
                "the authorization page answered {status} instead of redirecting to the callback"
            ),
            Self::NotTheCallback { location } => {
                write!(
                    f,
                    "the provider redirected to {location}, not to CALLBACK_URL"
                )
            }
            Self::ApiStatus { status, data } => write!(f, "API_URL answered {status}: {data}"),
            Self::NotAnObject { format, why } => {
                write!(f, "API_URL's {format} body is not a JSON object: {why}")
            }
        }
    }
}

impl std::error::Error for FlowFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::OAuth(err) => std::error::Error::source(err),
            _ => None,
        }
    }
}

impl From<oauth_compat::Error> for FlowFailure {
    fn from(err: oauth_compat::Error) -> Self {
        Self::OAuth(err)
    }
}

// --- the browser and the ME line ---------------------------------------------------------------

/// The user's browser: follows no redirect, so the callback can be read.
fn browser() -> Result<reqwest::Client, FlowFailure> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
        .map_err(|err| FlowFailure::Browser {
            reason: err.to_string(),
        })
}

/// GETs `authorization_url` plus `user=TEST_USER` and returns the query of the callback the
/// provider redirects to.
pub(crate) async fn visit(
    authorization_url: &str,
    test_user: &str,
    callback_url: &Url,
) -> Result<String, FlowFailure> {
    let mut url = Url::parse(authorization_url).map_err(|err| FlowFailure::Browser {
        reason: format!("the authorization URL does not parse: {err}"),
    })?;
    url.query_pairs_mut().append_pair("user", test_user);
    let resp = browser()?
        .get(url.clone())
        .send()
        .await
        .map_err(|err| FlowFailure::Browser {
            reason: err.without_url().to_string(),
        })?;
    if !resp.status().is_redirection() {
        return Err(FlowFailure::NoRedirect {
            status: resp.status().as_u16(),
        });
    }
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .ok_or(FlowFailure::NoRedirect {
            status: resp.status().as_u16(),
        })?;
    let callback = url
        .join(location)
        .map_err(|_| FlowFailure::NotTheCallback {
            location: location.to_owned(),
        })?;
    let same_endpoint = callback.scheme() == callback_url.scheme()
        && callback.host_str() == callback_url.host_str()
        && callback.port_or_known_default() == callback_url.port_or_known_default()
        && callback.path() == callback_url.path();
    if !same_endpoint {
        // The query may hold a code: name the endpoint only.
        let mut shown = callback;
        shown.set_query(None);
        return Err(FlowFailure::NotTheCallback {
            location: shown.into(),
        });
    }
    Ok(callback.query().unwrap_or_default().to_owned())
}

/// The `ME` line's JSON: the decoded data as an object, or why it is not one.
/// Attributes other than namespace declarations (`xmlns`, `xmlns:a`), which say how tags are
/// named, not what the element holds. Tags are printed as written (`a:name` stays prefixed).
fn has_own_attributes(attributes: &[(String, String)]) -> bool {
    attributes
        .iter()
        .any(|(name, _)| name != "xmlns" && !name.starts_with("xmlns:"))
}

fn me_json(resp: &OAuthResponse) -> Result<String, FlowFailure> {
    let format = resp.data.format();
    let not_an_object = |why: String| FlowFailure::NotAnObject { format, why };
    // An empty body decodes to an empty object: a provider that sent nothing has not answered.
    if resp.raw_data.iter().all(u8::is_ascii_whitespace) {
        return Err(not_an_object("the body is empty".into()));
    }
    let object = match format {
        Format::Json => match resp.data.as_value() {
            Value::Object(map) => map.clone(),
            other => return Err(not_an_object(format!("it is {}", json_kind(other)))),
        },
        Format::Form => {
            let form = resp
                .data
                .form()
                .ok_or_else(|| not_an_object("no form".into()))?;
            let mut map = Map::new();
            for (key, value) in form.iter() {
                if map.insert(key.to_owned(), value.into()).is_some() {
                    return Err(not_an_object(format!("the key {key:?} repeats")));
                }
            }
            map
        }
        Format::Xml => {
            let root = resp
                .data
                .xml()
                .ok_or_else(|| not_an_object("no XML".into()))?;
            if has_own_attributes(&root.attributes) || !root.text.trim().is_empty() {
                return Err(not_an_object(format!(
                    "the root <{}> has attributes or text of its own",
                    root.tag
                )));
            }
            let mut map = Map::new();
            for child in &root.children {
                if !child.children.is_empty() || has_own_attributes(&child.attributes) {
                    return Err(not_an_object(format!(
                        "<{}> has attributes or child elements",
                        child.tag
                    )));
                }
                if map
                    .insert(child.tag.clone(), child.text.clone().into())
                    .is_some()
                {
                    return Err(not_an_object(format!("the tag <{}> repeats", child.tag)));
                }
            }
            map
        }
        _ => {
            let media_type = resp
                .media_type()
                .map_or_else(|| "an unparsable type".to_owned(), ToString::to_string);
            return Err(not_an_object(format!(
                "it was served as {media_type}; set FORCE_CONTENT_TYPE if that label is wrong"
            )));
        }
    };
    Ok(Value::Object(object).to_string())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks the API's answer and prints its `ME` line.
pub(crate) fn print_me(resp: &OAuthResponse) -> Result<(), FlowFailure> {
    if !resp.status.is_success() {
        return Err(FlowFailure::ApiStatus {
            status: resp.status.as_u16(),
            data: resp.data.to_string(),
        });
    }
    println!("ME {}", me_json(resp)?);
    Ok(())
}

/// Prints the error, its causes, and its type (`Debug`, which the library keeps free of
/// secrets) to stderr, each line prefixed with the example's name.
pub(crate) fn report(name: &str, err: &FlowFailure) {
    eprintln!("{name}: error: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        eprintln!("{name}:   caused by: {cause}");
        source = cause.source();
    }
    eprintln!("{name}: {err:?}");
}

// --- the API calls and the process ------------------------------------------------------------

/// `API_URL`, `API_CALLS`, `API_CALL_INTERVAL` and `FORCE_CONTENT_TYPE`: the calls made after
/// the login.
pub(crate) struct ApiCalls {
    url: String,
    calls: u32,
    interval: Duration,
    /// Per call: the app-wide `content_type` setting would also force OAuth 2 token responses
    /// (as Flask-OAuthlib's does), which keep their own type.
    force_content_type: Option<MediaType>,
}

impl ApiCalls {
    pub(crate) fn from_env(provider: &Url) -> Result<Self, SettingError> {
        Ok(Self {
            url: provider_url(provider, "API_URL")?,
            calls: api_calls()?,
            interval: api_call_interval()?,
            force_content_type: force_content_type()?,
        })
    }

    /// Makes the calls, each printed as a `ME` line. No `.token(..)`: the app's
    /// `fetch_token` / `tokengetter` supplies the user's token, refreshed first (OAuth 2) when
    /// it expires within the leeway, the new one going to `update_token` for the next call.
    pub(crate) async fn run(&self, app: &RemoteApp) -> Result<(), FlowFailure> {
        for call in 0..self.calls {
            if call > 0 {
                tokio::time::sleep(self.interval).await;
            }
            let mut request = app.get(&self.url);
            if let Some(media_type) = &self.force_content_type {
                request = request.content_type(media_type.clone());
            }
            print_me(&request.send().await?)?;
        }
        Ok(())
    }
}

/// An example's process: its settings from the environment (exit 2 naming the variable at
/// fault), then its flow on a current-thread runtime (exit 1 with the typed error).
pub(crate) fn run_example<S, F, Fut>(
    name: &str,
    settings: Result<S, SettingError>,
    flow: F,
) -> ExitCode
where
    F: FnOnce(S) -> Fut,
    Fut: Future<Output = Result<(), FlowFailure>>,
{
    let settings = match settings {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("{name}: {}: {}", err.variable, err.reason);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("{name}: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(flow(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            report(name, &err);
            ExitCode::FAILURE
        }
    }
}
