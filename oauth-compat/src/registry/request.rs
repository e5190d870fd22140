//! An API request through a remote app: the client's [`ApiRequest`], built with the same
//! setters, plus the caller's context for `fetch_token`; at `send`, the app resolved (server
//! metadata fetched if need be), the token found (explicit, else `fetch_token` with the
//! context) and the request executed by the app's client.

use std::any::Any;

use http::Method;
use http::header::{HeaderName, HeaderValue};
use serde_json::{Map, Value};

use super::tokens::Context;
use super::{RemoteApp, RemoteClient};
use crate::client::request_builder::{BuildFailure, apply};
use crate::client::{ApiRequest, ClientError};
use crate::oauth2::Token;
use crate::response::MediaType;
use crate::{OAuthResponse, Step};

/// The body format of Flask-OAuthlib's `remote.post(url, data=.., format=..)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataFormat {
    /// `format='urlencoded'` (the default): an `application/x-www-form-urlencoded` body.
    #[default]
    Urlencoded,
    /// `format='json'`: a JSON object body.
    Json,
}

/// An API request made by [`RemoteApp::request`] and its `get`/`post`/`put`/`patch`/`delete`
/// shorthands, with the methods of [`RequestBuilder`](crate::client::RequestBuilder) plus
/// [`context`](Self::context) and [`data`](Self::data). It builds the same [`ApiRequest`] the
/// client's builder does, which [`RemoteApp::execute`] runs.
///
/// The token: [`token`](Self::token) if given, else the app's `fetch_token` (else the
/// registry's) called with the [`context`](Self::context) (`()` if none is given), else none
/// (an OAuth 2 call then fails with [`MissingToken`](crate::client::ClientError::MissingToken)).
#[must_use = "a request does nothing until it is sent"]
pub struct RemoteRequest<'a> {
    app: &'a RemoteApp,
    request: Result<ApiRequest, BuildFailure>,
    context: Option<Context>,
}

impl<'a> RemoteRequest<'a> {
    pub(crate) fn new(app: &'a RemoteApp, method: Method, url: &str) -> Self {
        Self {
            app,
            request: Ok(ApiRequest::new(method, url)),
            context: None,
        }
    }

    fn with<E: Into<crate::Error>>(
        mut self,
        set: impl FnOnce(&mut ApiRequest) -> Result<(), E>,
    ) -> Self {
        apply(&mut self.request, set);
        self
    }

    fn set(self, set: impl FnOnce(&mut ApiRequest)) -> Self {
        self.with(|request| {
            set(request);
            Ok::<(), crate::Error>(())
        })
    }

    /// See [`RequestBuilder::query`](crate::client::RequestBuilder::query).
    pub fn query<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        self.set(|request| request.extend_query(params))
    }

    /// See [`RequestBuilder::form`](crate::client::RequestBuilder::form).
    pub fn form<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)]) -> Self {
        self.set(|request| request.set_form(params))
    }

    /// See [`RequestBuilder::json`](crate::client::RequestBuilder::json). A value that does
    /// not serialize fails at [`send`](Self::send). The value goes through a
    /// `serde_json::Value`, so an object's keys are sent sorted, as they always were here.
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        self.with(|request| {
            let value = serde_json::to_value(value).map_err(|err| ClientError::JsonBody {
                reason: err.to_string(),
            })?;
            request.set_json(&value)
        })
    }

    /// Flask-OAuthlib's `data=.., format=..`: the pairs as a form body (`Urlencoded`) or as a
    /// JSON object of strings (`Json`); on a GET, in the query (`Json` is then an error, as
    /// Flask-OAuthlib's assertion).
    ///
    /// ```
    /// # async fn demo(app: &oauth_compat::RemoteApp) -> Result<(), oauth_compat::Error> {
    /// use oauth_compat::DataFormat;
    /// // remote.post('statuses/update.json', data={'status': 'hi'}, format='json')
    /// let resp = app.post("statuses/update.json")
    ///     .data(&[("status", "hi")], DataFormat::Json)
    ///     .send()
    ///     .await?;
    /// # let _ = resp; Ok(()) }
    /// ```
    pub fn data<K: AsRef<str>, V: AsRef<str>>(self, params: &[(K, V)], format: DataFormat) -> Self {
        self.with(|request| {
            let get = request.method() == Method::GET;
            match format {
                // Flask-OAuthlib moves a GET's data into the URL.
                DataFormat::Urlencoded if get => request.extend_query(params),
                DataFormat::Urlencoded => request.set_form(params),
                // Flask-OAuthlib asserts `format == 'urlencoded'` for a GET.
                DataFormat::Json if get => {
                    return Err(ClientError::ConflictingParameter {
                        name: "format",
                        why: "a GET carries its data in the URL, so only `DataFormat::Urlencoded` \
                              applies",
                    });
                }
                DataFormat::Json => {
                    let object: Map<String, Value> = params
                        .iter()
                        .map(|(k, v)| (k.as_ref().to_owned(), Value::from(v.as_ref())))
                        .collect();
                    request.set_json(&object)?;
                }
            }
            Ok(())
        })
    }

    /// See [`RequestBuilder::body`](crate::client::RequestBuilder::body).
    pub fn body(self, body: impl Into<Vec<u8>>) -> Self {
        self.set(|request| request.set_body(body.into()))
    }

    /// See [`RequestBuilder::text`](crate::client::RequestBuilder::text) (encoded in the
    /// app's `encoding`).
    pub fn text(self, text: impl Into<String>) -> Self {
        self.set(|request| request.set_text(text.into()))
    }

    /// See [`RequestBuilder::header`](crate::client::RequestBuilder::header).
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: std::fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: std::fmt::Display,
    {
        self.with(|request| request.set_header(name, value))
    }

    /// This user's token for the call, instead of `fetch_token`. See
    /// [`RequestBuilder::token`](crate::client::RequestBuilder::token).
    pub fn token(self, token: Token) -> Self {
        self.set(|request| request.set_token(token))
    }

    /// The caller's context for `fetch_token` (Authlib Django's `request=request`; a user id,
    /// a session handle...). Its type must be the one `fetch_token` was registered with, else
    /// [`FlowError::WrongContext`](super::FlowError::WrongContext).
    pub fn context<C: Any + Send + Sync>(mut self, context: C) -> Self {
        self.context = Some(Context::new(context));
        self
    }

    /// See [`RequestBuilder::withhold_token`](crate::client::RequestBuilder::withhold_token);
    /// `fetch_token` is not called.
    pub fn withhold_token(self) -> Self {
        self.set(ApiRequest::set_withhold_token)
    }

    /// See [`RequestBuilder::content_type`](crate::client::RequestBuilder::content_type).
    pub fn content_type(self, media_type: MediaType) -> Self {
        self.set(|request| request.set_content_type(media_type))
    }

    /// Sends the request: [`RemoteApp::execute`] with this request's context.
    ///
    /// # Errors
    /// The app's settings could not be resolved; `fetch_token` failed, found no token or got a
    /// context of the wrong type; or as
    /// [`RequestBuilder::send`](crate::client::RequestBuilder::send).
    pub async fn send(self) -> Result<OAuthResponse, crate::Error> {
        match self.request {
            Ok(request) => self.app.execute_in(request, self.context).await,
            Err(failed) => Err(self.app.locate_api(failed.error, &failed.url)),
        }
    }
}

impl RemoteApp {
    /// Runs an API request on this app's client: the app resolved (server metadata fetched if
    /// need be), the request's token, else the one `fetch_token` finds (called with `()` as
    /// its context), else none; then as the client's `execute`. [`RemoteRequest::send`] is
    /// this with the request's [`context`](RemoteRequest::context).
    ///
    /// ```no_run
    /// # async fn demo(app: &oauth_compat::RemoteApp, token: oauth_compat::oauth2::Token) -> Result<(), oauth_compat::Error> {
    /// use http::Method;
    /// use oauth_compat::ApiRequest;
    ///
    /// let request = ApiRequest::new(Method::GET, "user");
    /// let resp = app.execute(request).await?;
    /// # let _ = resp; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`RemoteRequest::send`]: each names the app, the step `api` and the URL.
    pub async fn execute(&self, request: ApiRequest) -> Result<OAuthResponse, crate::Error> {
        self.execute_in(request, None).await
    }

    async fn execute_in(
        &self,
        request: ApiRequest,
        context: Option<Context>,
    ) -> Result<OAuthResponse, crate::Error> {
        let url = request.url().to_owned();
        self.execute_unlocated(request, context)
            .await
            .map_err(|err| self.locate_api(err, &url))
    }

    async fn execute_unlocated(
        &self,
        mut request: ApiRequest,
        context: Option<Context>,
    ) -> Result<OAuthResponse, crate::Error> {
        let resolved = self.ready().await?;
        // The app's client is shared and holds no token: `fetch_token` stands in for the held
        // token of the client's decision (`withhold_token` calls nothing).
        if !request.withholds_token() && request.token().is_none() {
            let context = context.unwrap_or_else(Context::none);
            if let Some(token) = self.token_for(&context).await? {
                request.set_token(token);
            }
        }
        match &resolved.client {
            RemoteClient::OAuth1(client) => client.execute(request).await,
            RemoteClient::OAuth2(client) => client.execute(request).await,
        }
    }

    /// `err` as this app's API call to `url`: joined to `api_base_url` when the app resolved
    /// (a token lookup can fail first).
    fn locate_api(&self, err: crate::Error, url: &str) -> crate::Error {
        let url = match self.client() {
            Ok(RemoteClient::OAuth1(client)) => client.common().step_url(url),
            Ok(RemoteClient::OAuth2(client)) => client.common().step_url(url),
            Err(_) => url.to_owned(),
        };
        err.in_app(self.name(), Step::Api, Some(&url))
    }
}
