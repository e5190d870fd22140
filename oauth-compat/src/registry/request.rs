//! An API request through a remote app: recorded as it is built, then, at `send`, the app
//! resolved (server metadata fetched if need be), the token found (explicit, else
//! `fetch_token` with the request's context) and the client's [`RequestBuilder`] run.

use std::any::Any;

use http::Method;
use http::header::{HeaderName, HeaderValue};
use serde_json::{Map, Value};

use super::RemoteApp;
use super::tokens::Context;
use crate::OAuthResponse;
use crate::client::request_builder::header_pair;
use crate::client::{Error as ClientError, RequestBuilder};
use crate::oauth2::Token;
use crate::response::MediaType;

/// The body format of Flask-OAuthlib's `remote.post(url, data=.., format=..)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `format='urlencoded'` (the default): an `application/x-www-form-urlencoded` body.
    #[default]
    Urlencoded,
    /// `format='json'`: a JSON object body.
    Json,
}

/// One step of building, replayed on the client's [`RequestBuilder`] at `send`.
type Step = Box<dyn for<'b> FnOnce(RequestBuilder<'b>) -> RequestBuilder<'b> + Send>;

fn step<F>(f: F) -> Step
where
    F: for<'b> FnOnce(RequestBuilder<'b>) -> RequestBuilder<'b> + Send + 'static,
{
    Box::new(f)
}

fn owned<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
        .collect()
}

/// An API request made by [`RemoteApp::request`] and its `get`/`post`/`put`/`patch`/`delete`
/// shorthands, with the methods of [`RequestBuilder`] plus [`context`](Self::context) and
/// [`data`](Self::data).
///
/// The token: [`token`](Self::token) if given, else the app's `fetch_token` (else the
/// registry's) called with the [`context`](Self::context) (`()` if none is given), else none
/// (an OAuth 2 call then fails with [`MissingToken`](crate::client::Error::MissingToken)).
#[must_use = "a request does nothing until it is sent"]
pub struct RemoteRequest<'a> {
    app: &'a RemoteApp,
    method: Method,
    url: String,
    steps: Vec<Step>,
    token: Option<Token>,
    context: Option<Context>,
    withhold_token: bool,
    /// The first building error, reported by `send` (as the client's builder does).
    error: Option<crate::Error>,
}

impl<'a> RemoteRequest<'a> {
    pub(crate) fn new(app: &'a RemoteApp, method: Method, url: &str) -> Self {
        Self {
            app,
            method,
            url: url.to_owned(),
            steps: Vec::new(),
            token: None,
            context: None,
            withhold_token: false,
            error: None,
        }
    }

    fn then(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    fn fail(mut self, err: impl Into<crate::Error>) -> Self {
        self.error.get_or_insert(err.into());
        self
    }

    /// See [`RequestBuilder::query`].
    pub fn query<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        let params = owned(params);
        self.then(step(move |b| b.query(&params)))
    }

    /// See [`RequestBuilder::form`].
    pub fn form<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        let params = owned(params);
        self.then(step(move |b| b.form(&params)))
    }

    /// See [`RequestBuilder::json`]. A value that does not serialize fails at
    /// [`send`](Self::send).
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        match serde_json::to_value(value) {
            Ok(value) => self.then(step(move |b| b.json(&value))),
            Err(err) => self.fail(ClientError::JsonBody {
                reason: err.to_string(),
            }),
        }
    }

    /// Flask-OAuthlib's `data=.., format=..`: the pairs as a form body (`Urlencoded`) or as a
    /// JSON object of strings (`Json`); on a GET, in the query (`Json` is then an error, as
    /// Flask-OAuthlib's assertion).
    ///
    /// ```
    /// # async fn demo(app: &oauth_compat::RemoteApp) -> Result<(), oauth_compat::Error> {
    /// use oauth_compat::registry::Format;
    /// // remote.post('statuses/update.json', data={'status': 'hi'}, format='json')
    /// let resp = app.post("statuses/update.json")
    ///     .data(&[("status", "hi")], Format::Json)
    ///     .send()
    ///     .await?;
    /// # let _ = resp; Ok(()) }
    /// ```
    pub fn data<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)], format: Format) -> Self {
        let get = self.method == Method::GET;
        match format {
            // Flask-OAuthlib moves a GET's data into the URL.
            Format::Urlencoded if get => self.query(params),
            Format::Urlencoded => self.form(params),
            // Flask-OAuthlib asserts `format == 'urlencoded'` for a GET.
            Format::Json if get => self.fail(ClientError::ConflictingParameter {
                name: "format",
                why: "a GET carries its data in the URL, so only `Format::Urlencoded` applies",
            }),
            Format::Json => {
                let object: Map<String, Value> = params
                    .iter()
                    .map(|(k, v)| (k.as_ref().to_owned(), Value::from(v.as_ref())))
                    .collect();
                self.json(&object)
            }
        }
    }

    /// See [`RequestBuilder::body`].
    pub fn body(self, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        self.then(step(move |b| b.body(body)))
    }

    /// See [`RequestBuilder::text`] (encoded in the app's `encoding`).
    pub fn text(self, text: impl Into<String>) -> Self {
        let text = text.into();
        self.then(step(move |b| b.text(text)))
    }

    /// See [`RequestBuilder::header`].
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: std::fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: std::fmt::Display,
    {
        match header_pair(name, value) {
            Ok((name, value)) => self.then(step(move |b| b.header(name, value))),
            Err(err) => self.fail(err),
        }
    }

    /// This user's token for the call, instead of `fetch_token`. See
    /// [`RequestBuilder::token`].
    pub fn token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }

    /// The caller's context for `fetch_token` (Authlib Django's `request=request`; a user id,
    /// a session handle...). Its type must be the one `fetch_token` was registered with, else
    /// [`FlowError::WrongContext`](super::FlowError::WrongContext).
    pub fn context<C: Any + Send + Sync>(mut self, context: C) -> Self {
        self.context = Some(Context::new(context));
        self
    }

    /// See [`RequestBuilder::withhold_token`]; `fetch_token` is not called.
    pub fn withhold_token(mut self) -> Self {
        self.withhold_token = true;
        self
    }

    /// See [`RequestBuilder::content_type`].
    pub fn content_type(self, media_type: MediaType) -> Self {
        self.then(step(move |b| b.content_type(media_type)))
    }

    /// Sends the request.
    ///
    /// # Errors
    /// The app's settings could not be resolved; `fetch_token` failed, found no token or got a
    /// context of the wrong type; or as [`RequestBuilder::send`].
    pub async fn send(self) -> Result<OAuthResponse, crate::Error> {
        let app = self.app;
        let url = self.url.clone();
        self.send_unlocated().await.map_err(|err| {
            // Joined to `api_base_url` when the app resolved (a token lookup can fail first).
            let url = match app.client() {
                Ok(super::RemoteClient::OAuth1(client)) => client.common().step_url(&url),
                Ok(super::RemoteClient::OAuth2(client)) => client.common().step_url(&url),
                Err(_) => url,
            };
            err.in_app(app.name(), crate::Step::Api, Some(&url))
        })
    }

    async fn send_unlocated(self) -> Result<OAuthResponse, crate::Error> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let resolved = self.app.ready().await?;
        let token = match (self.withhold_token, self.token) {
            (true, _) => None,
            (false, Some(token)) => Some(token),
            (false, None) => {
                let context = self.context.unwrap_or_else(Context::none);
                self.app.token_for(&context).await?
            }
        };
        let mut builder = match &resolved.client {
            super::RemoteClient::OAuth1(client) => client.request(self.method, &self.url),
            super::RemoteClient::OAuth2(client) => client.request(self.method, &self.url),
        };
        for step in self.steps {
            builder = step(builder);
        }
        if let Some(token) = token {
            builder = builder.token(token);
        }
        if self.withhold_token {
            builder = builder.withhold_token();
        }
        builder.send().await
    }
}
