//! What both clients share: the engine, `api_base_url`, hooks, a forced content type,
//! `access_token_headers`, the `encoding` of text bodies, and the token a single-user client
//! holds; with the builder settings that fill them.

use std::sync::RwLock;

use encoding_rs::{Encoding, UTF_8};

use super::text_encoding::{encode_text, text_encoding};
use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::OAuthResponse;
use crate::Step;
use crate::engine::Engine;
use crate::engine::url_join::join_url;
use crate::hooks::Hooks;
use crate::oauth2::Token;
use crate::response::{DecodeOptions, MediaType};
use crate::wire::{OutgoingRequest, RequestKind};

/// Which response a client decodes, for [`Common::decode_options`].
pub(crate) enum Decoding {
    /// An API call's, with the media type the request forces, if any.
    Api(Option<MediaType>),
    /// An OAuth 2 token endpoint's (grants, refresh).
    OAuth2Token,
    /// An OAuth 1 temporary-credentials or token-credentials endpoint's.
    OAuth1Credentials,
}

pub(crate) struct Common {
    /// The remote app this client serves, named in its errors.
    app_name: Option<String>,
    pub(crate) engine: Engine,
    pub(crate) api_base_url: Option<Url>,
    pub(crate) hooks: Hooks,
    content_type: Option<MediaType>,
    access_token_headers: HeaderMap,
    encoding: &'static Encoding,
    token: RwLock<Option<Token>>,
    hold_token: bool,
}

impl Common {
    /// How a response of this client is decoded: the one place that decides whether a
    /// forced `content_type` applies. An API response takes the request's, else the client's;
    /// an OAuth 2 token response the client's, as Flask-OAuthlib's `handle_oauth2_response`
    /// (Weibo's token JSON arrives as `text/plain`); OAuth 1 credentials none, as
    /// `handle_oauth1_response` reads them by their own header.
    pub(crate) fn decode_options(&self, response: Decoding) -> DecodeOptions {
        let (options, forced) = match response {
            Decoding::Api(per_request) => (
                DecodeOptions::api(),
                per_request.or_else(|| self.content_type.clone()),
            ),
            Decoding::OAuth2Token => (DecodeOptions::token(), self.content_type.clone()),
            Decoding::OAuth1Credentials => (DecodeOptions::token(), None),
        };
        let options = options.max_body_bytes(self.engine.max_response_bytes());
        match forced {
            Some(media_type) => options.content_type(media_type),
            None => options,
        }
    }

    pub(crate) fn token(&self) -> Option<Token> {
        self.token.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set_token(&self, token: Option<Token>) {
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = token;
    }

    /// Keeps a token the client fetched, unless built with `hold_token(false)`.
    pub(crate) fn hold(&self, token: &Token) {
        if self.hold_token {
            self.set_token(Some(token.clone()));
        }
    }

    /// Replaces the held token with `new` only when the held one satisfies `was_refreshed`.
    pub(crate) fn replace_held(&self, was_refreshed: impl FnOnce(&Token) -> bool, new: &Token) {
        let mut held = self.token.write().unwrap_or_else(|e| e.into_inner());
        if held.as_ref().is_some_and(was_refreshed) {
            *held = Some(new.clone());
        }
    }

    /// `err` as an error of this client's `step` at `url`: where it happened, and the app's
    /// name when a registry made the client.
    pub(crate) fn locate(&self, err: crate::Error, step: Step, url: Option<&str>) -> crate::Error {
        match &self.app_name {
            Some(app) => err.in_app(app, step, url),
            None => err.at(step, url),
        }
    }

    /// The URL a step goes to, for its errors: `url` joined to `api_base_url`, or as given
    /// when it does not join (the join's own error says why).
    pub(crate) fn step_url(&self, url: &str) -> String {
        self.join(url).map_or_else(|_| url.to_owned(), String::from)
    }

    /// `err` as an error of the API call to `url` (joined to `api_base_url` when it joins).
    pub(crate) fn locate_api(&self, err: crate::Error, url: &str) -> crate::Error {
        self.locate(err, Step::Api, Some(&self.step_url(url)))
    }

    /// [`locate`](Self::locate) at the URL of an endpoint setting (when it is set).
    pub(crate) fn locate_at_setting(
        &self,
        err: crate::Error,
        step: Step,
        setting: &Option<String>,
    ) -> crate::Error {
        let url = setting.as_deref().map(|url| self.step_url(url));
        self.locate(err, step, url.as_deref())
    }

    /// `url` joined to `api_base_url` as Python's `urljoin` does.
    pub(crate) fn join(&self, url: &str) -> Result<Url, crate::engine::EngineError> {
        join_url(self.api_base_url.as_ref(), url)
    }

    /// Sends an API request through the hooks and decodes the answer (see
    /// [`decode_options`](Self::decode_options)).
    pub(crate) async fn send_api(
        &self,
        request: OutgoingRequest,
        kind: RequestKind,
        content_type: Option<MediaType>,
    ) -> Result<OAuthResponse, crate::Error> {
        let response = self.engine.send(request, kind, &self.hooks).await?;
        let options = self.decode_options(Decoding::Api(content_type));
        Ok(OAuthResponse::decode(
            response.status,
            response.headers,
            response.body,
            &options,
        )?)
    }

    /// Adds `access_token_headers` to a token request the client has built and signed. Each
    /// replaces the client's header of that name (`Accept`), except the `Content-Type` of a
    /// body the client encoded, which stays the form's as in Flask-OAuthlib.
    /// (`Authorization` is among them only when the client sets none: `build` checks.)
    pub(crate) fn add_access_token_headers(&self, headers: &mut HeaderMap) {
        for name in self.access_token_headers.keys() {
            if name == CONTENT_TYPE && headers.contains_key(CONTENT_TYPE) {
                continue;
            }
            headers.remove(name);
            for value in self.access_token_headers.get_all(name) {
                headers.append(name.clone(), value.clone());
            }
        }
    }

    /// `text` in the client's `encoding`, as Flask-OAuthlib's `to_bytes(body, encoding)`.
    pub(crate) fn encode_text(&self, text: &str) -> Result<Vec<u8>, super::ClientError> {
        encode_text(self.encoding, text)
    }

    pub(crate) fn debug_base_url(&self) -> Option<&str> {
        self.api_base_url.as_ref().map(Url::as_str)
    }

    /// The names of `access_token_headers`, never their values (they may carry keys).
    pub(crate) fn debug_access_token_headers(&self) -> Vec<&str> {
        self.access_token_headers
            .keys()
            .map(HeaderName::as_str)
            .collect()
    }

    /// The name of the `encoding` text bodies are sent in.
    pub(crate) fn debug_encoding(&self) -> &'static str {
        self.encoding.name()
    }
}

/// Checks `access_token_headers` as given to the builder; the last value of a repeated name
/// wins, as in the Python dict Flask-OAuthlib took.
fn access_token_headers(
    given: Vec<(String, String)>,
    own_authorization: Option<&'static str>,
) -> Result<HeaderMap, super::ClientError> {
    let mut headers = HeaderMap::with_capacity(given.len());
    for (name, value) in given {
        let invalid = |why| super::ClientError::InvalidAccessTokenHeader {
            name: name.clone(),
            why,
        };
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid("is not a valid HTTP header name"))?;
        if header_name == AUTHORIZATION
            && let Some(why) = own_authorization
        {
            return Err(invalid(why));
        }
        // The error does not echo the value: it may be a key.
        let header_value = HeaderValue::from_str(&value).map_err(|_| {
            invalid("has a value that is not valid in HTTP (control characters or non-ASCII)")
        })?;
        headers.insert(header_name, mark_sensitive(header_value));
    }
    Ok(headers)
}

/// Marks a header value sensitive, so HTTP/2 never indexes it (HPACK) and `Debug` hides it.
fn mark_sensitive(mut value: HeaderValue) -> HeaderValue {
    value.set_sensitive(true);
    value
}

pub(crate) struct CommonBuilder {
    pub(crate) app_name: Option<String>,
    pub(crate) engine: Option<Engine>,
    pub(crate) api_base_url: Option<String>,
    pub(crate) hooks: Hooks,
    pub(crate) content_type: Option<MediaType>,
    pub(crate) access_token_headers: Vec<(String, String)>,
    pub(crate) encoding: Option<String>,
    pub(crate) token: Option<Token>,
    pub(crate) hold_token: bool,
}

impl Default for CommonBuilder {
    fn default() -> Self {
        Self {
            app_name: None,
            engine: None,
            api_base_url: None,
            hooks: Hooks::new(),
            content_type: None,
            access_token_headers: Vec::new(),
            encoding: None,
            token: None,
            hold_token: true,
        }
    }
}

impl CommonBuilder {
    /// Checks `api_base_url` and the endpoint `urls` against it now, so a misconfiguration
    /// fails at build and not on the first user's login; checks `access_token_headers` and
    /// `encoding`; makes the engine if none was given.
    ///
    /// `own_authorization` says why `Authorization` cannot be among `access_token_headers`
    /// when the client sets that header on token requests itself.
    pub(crate) fn build(
        self,
        urls: &[&Option<String>],
        own_authorization: Option<&'static str>,
    ) -> Result<Common, crate::Error> {
        let access_token_headers =
            access_token_headers(self.access_token_headers, own_authorization)?;
        let encoding = self.encoding.as_deref().map_or(Ok(UTF_8), text_encoding)?;
        let api_base_url = self
            .api_base_url
            .as_deref()
            .map(|base| join_url(None, base))
            .transpose()?;
        for url in urls.iter().copied().flatten() {
            join_url(api_base_url.as_ref(), url)?;
        }
        let engine = match self.engine {
            Some(engine) => engine,
            None => Engine::new()?,
        };
        Ok(Common {
            app_name: self.app_name,
            engine,
            api_base_url,
            hooks: self.hooks,
            content_type: self.content_type,
            access_token_headers,
            encoding,
            token: RwLock::new(self.token),
            hold_token: self.hold_token,
        })
    }
}

/// The builder setters both clients share; `$fetch` names the call whose token is held, and
/// `$token_requests` says which requests carry `access_token_headers`, and `$new_builder` is
/// an expression making a builder, for the examples.
macro_rules! common_setters {
    ($fetch:literal, $token_requests:literal, $new_builder:literal) => {
        /// Sends through this engine (default: a new [`Engine`](crate::Engine)).
        pub fn engine(mut self, engine: $crate::Engine) -> Self {
            self.common.engine = Some(engine);
            self
        }

        /// `api_base_url` (Flask-OAuthlib's `base_url`): relative API paths join to it as
        /// Python's `urljoin` does.
        pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
            self.common.api_base_url = Some(url.into());
            self
        }

        /// Request and response hooks (`pre_request`, compliance hooks), appended to any given
        /// before.
        pub fn hooks(mut self, hooks: &$crate::hooks::Hooks) -> Self {
            self.common.hooks.extend(hooks);
            self
        }

        /// Decodes API responses, and OAuth 2 token responses, as this media type whatever their
        /// `Content-Type` says (Flask-OAuthlib's `content_type`; OAuth 1 credentials are read
        /// by their own header, as there).
        pub fn content_type(mut self, media_type: $crate::response::MediaType) -> Self {
            self.common.content_type = Some(media_type);
            self
        }

        /// `access_token_headers`: extra HTTP headers for the token requests (Flask-OAuthlib's
        /// `remote_app(access_token_headers={..})`), added to each given before; a repeated
        /// name keeps its last value, as a Python dict does.
        ///
        #[doc = $token_requests]
        ///
        /// A header of the client's own with the same name is replaced (`Accept`, say), except
        /// the `Content-Type` of a form body the client encoded, which stays (Flask-OAuthlib's
        /// OAuth 2 POST does the same). `Authorization` stays the client's own: it is refused
        /// when the client sets it (the OAuth 1 signature; OAuth 2 `client_secret_basic` or a
        /// custom method), and allowed for an OAuth 2 client that authenticates in the body
        /// (`client_secret_post`, `none`), as Flask-OAuthlib users sent Bitbucket's Basic
        /// credentials.
        ///
        #[doc = concat!(
            "```\n",
            "use oauth_compat::ClientError;\n",
            "\n",
            "let client = ", $new_builder, "\n",
            "    .access_token_headers([(\"Accept\", \"application/json\"), (\"X-Api-Key\", \"k3y\")])\n",
            "    .build()?;\n",
            "assert!(!format!(\"{client:?}\").contains(\"k3y\"));\n",
            "\n",
            "let refused = ", $new_builder, "\n",
            "    .access_token_headers([(\"Authorization\", \"Basic c2VjcmV0\")])\n",
            "    .build();\n",
            "let Err(oauth_compat::Error::Client(err @ ClientError::InvalidAccessTokenHeader { .. })) = refused else {\n",
            "    panic!(\"Authorization is the client's own\");\n",
            "};\n",
            "assert!(err.to_string().contains(\"\\\"Authorization\\\"\"));\n",
            "assert!(!format!(\"{err} {err:?}\").contains(\"c2VjcmV0\"));\n",
            "# Ok::<(), oauth_compat::Error>(())\n",
            "```",
        )]
        ///
        /// # Errors
        ///
        /// `build` returns [`client::ClientError::InvalidAccessTokenHeader`] naming the header when
        /// a name or value is not valid HTTP, or the name is an `Authorization` the client
        /// sets itself. Values never appear in errors, `Debug` output or logs.
        ///
        /// [`client::ClientError::InvalidAccessTokenHeader`]: crate::client::ClientError::InvalidAccessTokenHeader
        pub fn access_token_headers<K: Into<String>, V: Into<String>>(
            mut self,
            headers: impl IntoIterator<Item = (K, V)>,
        ) -> Self {
            self.common
                .access_token_headers
                .extend(headers.into_iter().map(|(k, v)| (k.into(), v.into())));
            self
        }

        /// `encoding` (Flask-OAuthlib's `remote_app(encoding='utf-8')`): the charset text
        /// request bodies are encoded in: a WHATWG label such as `"utf-8"` (the default),
        /// `"latin1"` or `"shift_jis"`, or Python's spelling of one (`"latin-1"`, `"euc_jp"`).
        ///
        /// Flask-OAuthlib applies it in one place that matters: a request body given as
        /// text (`remote.post(url, data='café', content_type='text/plain')`) is sent as
        /// `body.encode(encoding)`. Here that is [`RequestBuilder::text`]. (It also decoded
        /// a callback URL or scope given as Python 2 bytes, which `&str` makes moot.) Form, JSON and
        /// token-request bodies are ASCII whatever the encoding (percent-encoded UTF-8; JSON
        /// in Python escapes non-ASCII), and [`body`](crate::client::RequestBuilder::body)
        /// bytes go out as given. It does **not** change how responses are decoded: there,
        /// as in Flask-OAuthlib, the response's `charset` decides, and UTF-8 without one.
        ///
        /// The label is read by the same table as a response's `charset`: WHATWG labels and
        /// Python's codec names and aliases ([what each names](crate::response#charsets)).
        /// Python's `latin-1` and `ascii` name windows-1252 there, a superset of both.
        ///
        #[doc = concat!(
            "```\n",
            "use oauth_compat::ClientError;\n",
            "\n",
            "let client = ", $new_builder, ".encoding(\"latin-1\").build()?;\n",
            "assert!(format!(\"{client:?}\").contains(\"windows-1252\"));\n",
            "\n",
            "let unknown = ", $new_builder, ".encoding(\"klingon-8\").build();\n",
            "assert!(matches!(\n",
            "    unknown,\n",
            "    Err(oauth_compat::Error::Client(ClientError::InvalidEncoding { label, .. })) if label == \"klingon-8\"\n",
            "));\n",
            "# Ok::<(), oauth_compat::Error>(())\n",
            "```",
        )]
        ///
        /// # Errors
        ///
        /// `build` returns [`client::ClientError::InvalidEncoding`] naming the label when it is
        /// unknown, or names an encoding bodies cannot be encoded in (UTF-16).
        ///
        /// [`RequestBuilder::text`]: crate::client::RequestBuilder::text
        /// [`client::ClientError::InvalidEncoding`]: crate::client::ClientError::InvalidEncoding
        pub fn encoding(mut self, label: impl Into<String>) -> Self {
            self.common.encoding = Some(label.into());
            self
        }

        /// A token to start with.
        pub fn token(mut self, token: $crate::oauth2::Token) -> Self {
            self.common.token = Some(token);
            self
        }

        #[doc = concat!(
            "Whether `", $fetch, "` keeps its token in the client (default `true`, as an ",
            "Authlib session). Build a client shared between users with `false`, so a request ",
            "that forgets its user's token fails with `ClientError::MissingToken` instead of ",
            "going out with another user's."
        )]
        pub fn hold_token(mut self, hold: bool) -> Self {
            self.common.hold_token = hold;
            self
        }
    };
}
pub(crate) use common_setters;

#[cfg(test)]
mod tests {
    use super::super::ClientError;
    use super::*;

    fn pairs(given: &[(&str, &str)]) -> Vec<(String, String)> {
        given
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn common(headers: &[(&str, &str)], encoding: Option<&str>) -> Common {
        let builder = CommonBuilder {
            access_token_headers: pairs(headers),
            encoding: encoding.map(str::to_owned),
            ..CommonBuilder::default()
        };
        match builder.build(&[], None) {
            Ok(common) => common,
            Err(err) => panic!("builds: {err}"),
        }
    }

    #[test]
    fn access_token_headers_are_checked_and_name_the_header() {
        let own = Some("is the client's own");
        let cases = [
            ("Bad Name", "v", "is not a valid HTTP header name"),
            (
                "X-Key",
                "line\nbreak-SECRET",
                "has a value that is not valid",
            ),
            ("Authorization", "Basic SECRET", "is the client's own"),
        ];
        for (name, value, why) in cases {
            match access_token_headers(pairs(&[(name, value)]), own) {
                Err(err @ ClientError::InvalidAccessTokenHeader { .. }) => {
                    let shown = format!("{err} {err:?}");
                    assert!(shown.contains(&format!("{name:?}")), "{shown}");
                    assert!(shown.contains(why), "{shown}");
                    assert!(!shown.contains("SECRET"), "{shown}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        // Allowed when the client sets no Authorization of its own.
        let Ok(headers) = access_token_headers(pairs(&[("Authorization", "Basic x")]), None) else {
            panic!("allowed")
        };
        assert_eq!(headers[AUTHORIZATION], "Basic x");
    }

    #[test]
    fn access_token_headers_merge_into_the_token_request() {
        let common = common(
            &[
                ("Accept", "application/xml"),
                ("X-Key", "first"),
                ("x-key", "k3y"),
                ("Content-Type", "application/json"),
            ],
            None,
        );
        let mut form_post = HeaderMap::new();
        form_post.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        form_post.insert("accept", HeaderValue::from_static("application/json"));
        common.add_access_token_headers(&mut form_post);
        assert_eq!(form_post["accept"], "application/xml");
        assert_eq!(form_post.get_all("x-key").iter().count(), 1);
        assert_eq!(form_post["x-key"], "k3y");
        // The form body's type stays; a request without a body takes the user's.
        assert_eq!(form_post[CONTENT_TYPE], "application/x-www-form-urlencoded");
        let mut get = HeaderMap::new();
        common.add_access_token_headers(&mut get);
        assert_eq!(get[CONTENT_TYPE], "application/json");
    }

    #[test]
    fn debug_views_show_names_and_encoding_not_values() {
        let common = common(&[("X-Api-Key", "k3y")], Some("latin1"));
        assert_eq!(common.debug_access_token_headers(), ["x-api-key"]);
        assert_eq!(common.debug_encoding(), "windows-1252");
        let shown = format!("{:?}", common.access_token_headers);
        assert!(!shown.contains("k3y"), "{shown}");
    }
}
