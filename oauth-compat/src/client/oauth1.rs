//! The OAuth 1.0a client (RFC 5849): temporary credentials, the authorization URL, token
//! credentials, signed API calls.

use std::fmt;
use std::sync::{Arc, Mutex};

use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method};

use super::api_request::{ApiRequest, Outgoing, append_query_to_url, outgoing_request};
use super::api_token::{ApiCredential, api_credential};
use super::common::{Common, CommonBuilder, Decoding};
use super::request_builder::{ClientRef, RequestBuilder};
use super::{ClientError, require};
use crate::Step;
use crate::engine::Engine;
use crate::oauth1::params::FORM_CONTENT_TYPE;
use crate::oauth1::{
    ClientCredentials, RsaPrivateKey, SignatureMethods, SignatureType, Signer, SignerBuilder,
    TokenCredentials,
};
use crate::oauth2::form::{append_query, form_urlencode};
use crate::oauth2::{Token, parse_token_response_with};
use crate::response::DecodeOptions;
use crate::wire::{RawResponse, RequestKind};

/// An OAuth 1.0a client: Authlib's `OAuth1Session`, requests-oauthlib's `OAuth1Session`.
///
/// Cheap to clone; clones share the held token. Token endpoints answer errors the way OAuth 2
/// ones do (`error=invalid_signature`, Authlib's form-encoded OAuth 1 errors included), so a
/// refusal there is [`oauth2::OAuth2Error::Provider`](crate::oauth2::OAuth2Error::Provider) with the
/// status, `error`, `error_description` and raw body; any other non-2xx answer is
/// [`oauth2::OAuth2Error::HttpStatus`](crate::oauth2::OAuth2Error::HttpStatus) keeping the body.
///
/// ```no_run
/// use oauth_compat::OAuth1Client;
/// use oauth_compat::oauth1::ClientCredentials;
///
/// # async fn run() -> Result<(), oauth_compat::Error> {
/// let twitter = OAuth1Client::builder(ClientCredentials::new("consumer-key", "consumer-secret"))
///     .request_token_url("https://api.twitter.com/oauth/request_token")
///     .authorize_url("https://api.twitter.com/oauth/authenticate")
///     .access_token_url("https://api.twitter.com/oauth/access_token")
///     .api_base_url("https://api.twitter.com/1.1/")
///     .build()?;
///
/// // 1. Temporary credentials, then send the user to the authorization URL.
/// let request_token = twitter.fetch_request_token(Some("https://example.com/callback"), &[]).await?;
/// let url = twitter.authorization_url(&request_token, &[])?;
/// // 2. On the callback: exchange the verifier for token credentials.
/// let token = twitter.fetch_access_token(&request_token, "verifier-from-callback", &[]).await?;
/// assert_eq!(token["screen_name"], "twitterapi");
/// // 3. Signed API calls.
/// let resp = twitter.get("statuses/home_timeline.json").token(token).send().await?;
/// println!("{}", resp.data[0]["text"]);
/// # let _ = url; Ok(()) }
/// ```
#[derive(Clone)]
pub struct OAuth1Client {
    inner: Arc<Inner>,
}

struct Inner {
    common: Common,
    signer: SignerBuilder,
    request_token_url: Option<String>,
    request_token_method: Method,
    request_token_params: Vec<(String, String)>,
    access_token_url: Option<String>,
    access_token_method: Method,
    access_token_params: Vec<(String, String)>,
    authorize_url: Option<String>,
    /// The signer for the last token used on an API call: building one keys the HMAC and
    /// copies the settings, work a run of calls with the same token need not repeat.
    last_signer: Mutex<Option<(TokenCredentials, Arc<Signer>)>>,
}

impl OAuth1Client {
    /// A builder for a client with these consumer credentials.
    pub fn builder(client: ClientCredentials) -> OAuth1ClientBuilder {
        OAuth1ClientBuilder {
            common: CommonBuilder::default(),
            signer: Signer::builder(client),
            request_token_url: None,
            request_token_method: Method::POST,
            request_token_params: Vec::new(),
            access_token_url: None,
            access_token_method: Method::POST,
            access_token_params: Vec::new(),
            authorize_url: None,
        }
    }

    /// The engine requests go through.
    pub fn engine(&self) -> &Engine {
        &self.inner.common.engine
    }

    /// The token the client holds (set by [`fetch_access_token`](Self::fetch_access_token) or
    /// [`set_token`](Self::set_token)).
    pub fn token(&self) -> Option<Token> {
        self.inner.common.token()
    }

    pub(crate) fn common(&self) -> &Common {
        &self.inner.common
    }

    /// Replaces the token the client holds.
    pub fn set_token(&self, token: Option<Token>) {
        self.inner.common.set_token(token);
    }

    /// Obtains temporary credentials (RFC 5849 §2.1) from `request_token_url`, by
    /// `request_token_method` (POST unless set; Flask-OAuthlib used GET), sending
    /// `request_token_params` and `params` (signed). `callback` `None` sends `oob`.
    ///
    /// The result is a [`Token`] with `oauth_token`, `oauth_token_secret` and whatever else the
    /// provider sent (`oauth_callback_confirmed`).
    pub async fn fetch_request_token(
        &self,
        callback: Option<&str>,
        params: &[(&str, &str)],
    ) -> Result<Token, crate::Error> {
        let inner = &self.inner;
        let result = async {
            let url = require(
                &inner.request_token_url,
                "request_token_url",
                "fetch a request token",
            )?;
            let signer = inner.signer.clone().callback(callback.unwrap_or("oob"));
            self.token_request(
                RequestKind::RequestToken,
                url,
                inner.request_token_method.clone(),
                &inner.request_token_params,
                params,
                signer,
                "temporary credentials response",
            )
            .await
        }
        .await;
        result.map_err(|err| {
            inner
                .common
                .locate_at_setting(err, Step::RequestToken, &inner.request_token_url)
        })
    }

    /// The URL to send the user to (RFC 5849 §2.2): `authorize_url` with `oauth_token` and
    /// `params` added to its query.
    pub fn authorization_url(
        &self,
        request_token: &Token,
        params: &[(&str, &str)],
    ) -> Result<String, crate::Error> {
        let common = &self.inner.common;
        let result = (|| {
            let base = require(
                &self.inner.authorize_url,
                "authorize_url",
                "build the authorization URL",
            )?;
            let mut url = String::from(common.join(base)?);
            let query = form_urlencode(
                [("oauth_token", request_token.access_token())]
                    .into_iter()
                    .chain(params.iter().copied()),
            );
            append_query(&mut url, &query);
            Ok(url)
        })();
        result.map_err(|err| {
            common.locate_at_setting(err, Step::Authorize, &self.inner.authorize_url)
        })
    }

    /// Exchanges temporary credentials and the verifier from the callback for token credentials
    /// (RFC 5849 §2.3) at `access_token_url`, and holds the result.
    ///
    /// The result keeps every field the provider sent (Twitter's `screen_name`, `user_id`).
    pub async fn fetch_access_token(
        &self,
        request_token: &Token,
        verifier: &str,
        params: &[(&str, &str)],
    ) -> Result<Token, crate::Error> {
        let inner = &self.inner;
        let result = async {
            let url = require(
                &inner.access_token_url,
                "access_token_url",
                "fetch an access token",
            )?;
            let signer = inner
                .signer
                .clone()
                .token(token_credentials(request_token)?)
                .verifier(verifier);
            self.token_request(
                RequestKind::AccessToken,
                url,
                inner.access_token_method.clone(),
                &inner.access_token_params,
                params,
                signer,
                "token credentials response",
            )
            .await
        }
        .await;
        let token = result.map_err(|err| {
            inner
                .common
                .locate_at_setting(err, Step::AccessToken, &inner.access_token_url)
        })?;
        self.inner.common.hold(&token);
        Ok(token)
    }

    /// A signed request (`url` joined to `api_base_url` when relative).
    pub fn request(&self, method: Method, url: &str) -> RequestBuilder<'_> {
        RequestBuilder::new(ClientRef::OAuth1(self), method, url)
    }

    super::http_verbs!(
        RequestBuilder,
        "Signed with the client's or the request's token."
    );

    /// Signs, runs the hooks, sends and decodes an API request built by
    /// [`request`](Self::request) (or made with [`ApiRequest::new`]): reqwest's
    /// `Client::execute`. The request's token, else the client's; none when it withholds it.
    ///
    /// # Errors
    /// As [`RequestBuilder::send`]: each names the step `api` and the URL.
    pub async fn execute(&self, request: ApiRequest) -> Result<crate::OAuthResponse, crate::Error> {
        // Joined to `api_base_url` only if it fails: no second parse on the way that succeeds.
        let url = request.url().to_owned();
        self.execute_unlocated(request)
            .await
            .map_err(|err| self.inner.common.locate_api(err, &url))
    }

    async fn execute_unlocated(
        &self,
        request: ApiRequest,
    ) -> Result<crate::OAuthResponse, crate::Error> {
        let common = &self.inner.common;
        let Outgoing {
            method,
            mut url,
            mut headers,
            mut body,
            token,
            withhold_token,
            content_type,
        } = request.into_outgoing(common)?;
        let credential = api_credential(withhold_token, token, || self.token())?;
        let kind = credential.kind();
        if let ApiCredential::Token(token) = credential {
            let signer = self.api_signer(&token)?;
            signer.sign_url(&method, &mut url, &mut headers, &mut body)?;
        }
        let request = outgoing_request(method, url, headers, body);
        common.send_api(request, kind, content_type).await
    }

    /// The signer for API calls with `token`, reused while the token stays the same.
    fn api_signer(&self, token: &Token) -> Result<Arc<Signer>, crate::Error> {
        let mut last = self
            .inner
            .last_signer
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some((cached, signer)) = last.as_ref()
            && cached.token == token.access_token()
            && Some(cached.secret.expose_secret()) == token.token_secret()
        {
            return Ok(signer.clone());
        }
        let credentials = token_credentials(token)?;
        let signer = Arc::new(
            self.inner
                .signer
                .clone()
                .token(credentials.clone())
                .build()?,
        );
        *last = Some((credentials, signer.clone()));
        Ok(signer)
    }

    #[allow(clippy::too_many_arguments)] // private: one call site per token endpoint
    async fn token_request(
        &self,
        kind: RequestKind,
        url: &str,
        method: Method,
        configured: &[(String, String)],
        params: &[(&str, &str)],
        signer: SignerBuilder,
        response_name: &'static str,
    ) -> Result<Token, crate::Error> {
        let inner = &self.inner;
        let mut url = inner.common.join(url)?;
        // A call's parameter replaces a configured one of the same name (Authlib's
        // `params.update(kwargs)`); repeats within the call's own list are kept.
        let encoded = form_urlencode(
            configured
                .iter()
                .filter(|(k, _)| !params.iter().any(|(name, _)| name == k))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .chain(params.iter().copied()),
        );
        let mut headers = HeaderMap::new();
        let mut body = Vec::new();
        if method == Method::GET {
            append_query_to_url(&mut url, &encoded);
        } else {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
            body = encoded.into_bytes();
        }
        signer
            .build()?
            .sign_url(&method, &mut url, &mut headers, &mut body)?;
        if kind == RequestKind::AccessToken {
            inner.common.add_access_token_headers(&mut headers);
        }
        let request = outgoing_request(method, url, headers, body);
        let common = &inner.common;
        let response = common.engine.send(request, kind, &common.hooks).await?;
        let options = common.decode_options(Decoding::OAuth1Credentials);
        parse_credentials(&options, response, response_name)
    }
}

fn parse_credentials(
    options: &DecodeOptions,
    response: RawResponse,
    response_name: &'static str,
) -> Result<Token, crate::Error> {
    // The OAuth 2 reader takes every shape providers send (form, JSON, errors with 200); an
    // OAuth 1 refusal gets OAuth 1's own variants and hints.
    let token =
        parse_token_response_with(response.status, &response.headers, &response.body, options)
            .map_err(|err| -> crate::Error {
                match err {
                    crate::oauth2::OAuth2Error::Provider(provider) => {
                        ClientError::OAuth1Provider(provider).into()
                    }
                    crate::oauth2::OAuth2Error::HttpStatus { status, body } => {
                        ClientError::OAuth1HttpStatus { status, body }.into()
                    }
                    other => other.into(),
                }
            })?;
    if token.get("oauth_token").is_none() {
        return Err(ClientError::MissingField {
            response: response_name,
            field: "oauth_token",
        }
        .into());
    }
    if token.token_secret().is_none() {
        return Err(ClientError::MissingField {
            response: response_name,
            field: "oauth_token_secret",
        }
        .into());
    }
    Ok(token)
}

/// An OAuth 1 token's credentials for signing: `oauth_token` and `oauth_token_secret` (a
/// Flask-OAuthlib `(token, secret)` pair reads the same way).
fn token_credentials(token: &Token) -> Result<TokenCredentials, crate::Error> {
    Ok(TokenCredentials::new(
        token.access_token(),
        token.token_secret().ok_or(ClientError::MissingField {
            response: "token given for OAuth 1 signing",
            field: "oauth_token_secret",
        })?,
    ))
}

impl fmt::Debug for OAuth1Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("OAuth1Client")
            .field("signer", &inner.signer)
            .field("request_token_url", &inner.request_token_url)
            .field("access_token_url", &inner.access_token_url)
            .field("authorize_url", &inner.authorize_url)
            .field("api_base_url", &inner.common.debug_base_url())
            .field(
                "access_token_headers",
                &inner.common.debug_access_token_headers(),
            )
            .field("encoding", &inner.common.debug_encoding())
            .field("hooks", &inner.common.hooks)
            .finish_non_exhaustive()
    }
}

/// Builds an [`OAuth1Client`]; see [`OAuth1Client::builder`].
#[must_use]
pub struct OAuth1ClientBuilder {
    common: CommonBuilder,
    signer: SignerBuilder,
    request_token_url: Option<String>,
    request_token_method: Method,
    request_token_params: Vec<(String, String)>,
    access_token_url: Option<String>,
    access_token_method: Method,
    access_token_params: Vec<(String, String)>,
    authorize_url: Option<String>,
}

impl OAuth1ClientBuilder {
    super::common::common_setters!(
        "fetch_access_token",
        "They go with the token-credentials request of \
         [`fetch_access_token`](OAuth1Client::fetch_access_token) only, added after signing (headers \
         are not signed), as Flask-OAuthlib's `handle_oauth1_response` does; not with the \
         request-token request nor API calls.",
        "oauth_compat::OAuth1Client::builder(oauth_compat::oauth1::ClientCredentials::new(\"key\", \"secret\"))"
    );

    /// `signature_method`: `HMAC-SHA1` (default), `HMAC-SHA256`, `RSA-SHA1`, `PLAINTEXT`, or
    /// one registered with [`signature_methods`](Self::signature_methods).
    pub fn signature_method(mut self, name: impl Into<String>) -> Self {
        self.signer = self.signer.signature_method(name);
        self
    }

    /// A registry with custom signature methods.
    pub fn signature_methods(mut self, methods: SignatureMethods) -> Self {
        self.signer = self.signer.signature_methods(methods);
        self
    }

    /// `signature_type`: where the protocol parameters go (header by default, query, body).
    pub fn signature_type(mut self, signature_type: SignatureType) -> Self {
        self.signer = self.signer.signature_type(signature_type);
        self
    }

    /// `rsa_key`: the private key for `RSA-SHA1`.
    pub fn rsa_key(mut self, key: RsaPrivateKey) -> Self {
        self.signer = self.signer.rsa_private_key(key);
        self
    }

    /// `realm`, sent in the `Authorization` header.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.signer = self.signer.realm(realm);
        self
    }

    /// `request_token_url` (temporary credentials endpoint).
    pub fn request_token_url(mut self, url: impl Into<String>) -> Self {
        self.request_token_url = Some(url.into());
        self
    }

    /// `request_token_method`: POST (default, RFC 5849 and Authlib) or GET (Flask-OAuthlib's
    /// default).
    pub fn request_token_method(mut self, method: Method) -> Self {
        self.request_token_method = method;
        self
    }

    /// `request_token_params`: extra parameters sent (and signed) with every request-token
    /// request (Twitter's `x_auth_access_type`, Google's `scope`).
    pub fn request_token_params<K: Into<String>, V: Into<String>>(
        mut self,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.request_token_params
            .extend(params.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// `access_token_url` (token credentials endpoint).
    pub fn access_token_url(mut self, url: impl Into<String>) -> Self {
        self.access_token_url = Some(url.into());
        self
    }

    /// `access_token_method`: POST (default) or GET.
    pub fn access_token_method(mut self, method: Method) -> Self {
        self.access_token_method = method;
        self
    }

    /// `access_token_params`: extra parameters sent (and signed) with every token request.
    pub fn access_token_params<K: Into<String>, V: Into<String>>(
        mut self,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.access_token_params
            .extend(params.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// `authorize_url`, where users are sent to approve the request token.
    pub fn authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = Some(url.into());
        self
    }

    /// The remote app this client serves, named in its errors (set by the registry).
    pub(crate) fn app_name(mut self, name: impl Into<String>) -> Self {
        self.common.app_name = Some(name.into());
        self
    }

    /// Builds the client. Checks the signature method, RSA key and URLs now, so a
    /// misconfiguration fails here and not on the first user's login.
    pub fn build(self) -> Result<OAuth1Client, crate::Error> {
        // Building a signer once validates method, key and realm.
        self.signer.clone().build()?;
        let common = self.common.build(
            &[
                &self.request_token_url,
                &self.access_token_url,
                &self.authorize_url,
            ],
            Some(
                "is the client's own: it carries the OAuth 1 signature of the token request \
                 (Flask-OAuthlib let it replace the signature, which the provider then refuses)",
            ),
        )?;
        Ok(OAuth1Client {
            inner: Arc::new(Inner {
                common,
                signer: self.signer,
                request_token_url: self.request_token_url,
                request_token_method: self.request_token_method,
                request_token_params: self.request_token_params,
                access_token_url: self.access_token_url,
                access_token_method: self.access_token_method,
                access_token_params: self.access_token_params,
                authorize_url: self.authorize_url,
                last_signer: Mutex::new(None),
            }),
        })
    }
}
