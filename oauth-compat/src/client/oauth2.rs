//! The OAuth 2.0 client (RFC 6749, 6750, 7636, 7009): authorization URL, grants, client
//! authentication, token placement, auto refresh, revocation.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use http::Method;
use url::Url;

use super::api_request::{ApiRequest, Outgoing, outgoing_request};
use super::api_token::{ApiCredential, api_credential};
use super::common::{Common, CommonBuilder, Decoding};
use super::refresh::{Outcome, Reuse, SingleFlight};
use super::refresh_lock::{RefreshLock, Source};
use super::request_builder::{ClientRef, RequestBuilder};
use super::{BoxError, ClientError, require};
use crate::Step;
use crate::cache::Cache;
use crate::engine::Engine;
use crate::oauth2::{
    AuthorizationRequest, ClientAuth, ClientAuthMethod, CodeChallengeMethod, CodeVerifier, Token,
    TokenPlacement, TokenRequest, add_bearer_token, authorization_url, generate_state,
    parse_revocation_response, parse_token_response_with,
};
use crate::secret::ClientSecret;
use crate::wire::now_unix;
use crate::wire::{OutgoingRequest, RawResponse, RequestKind};

/// Authlib's default: a token that expires within a minute is refreshed before use.
pub const DEFAULT_LEEWAY_SECS: i64 = 60;

/// What `update_token` receives after a refresh: the new token, and the refresh token it
/// replaced (Authlib's `update_token(token, refresh_token=..., access_token=...)`).
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenUpdate {
    /// The new token (already holding the old refresh token when the provider sent none).
    pub token: Token,
    /// The refresh token that was used (find the stored row by it).
    pub refresh_token: Option<String>,
    /// The access token it replaces.
    pub access_token: Option<String>,
}

// The old tokens are secrets too (a refresh token may still work): show only that they are there.
impl fmt::Debug for TokenUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |value: &Option<String>| value.as_ref().map(|_| "[redacted]");
        f.debug_struct("TokenUpdate")
            .field("token", &self.token)
            .field("refresh_token", &redacted(&self.refresh_token))
            .field("access_token", &redacted(&self.access_token))
            .finish()
    }
}

type UpdateTokenFn = Arc<
    dyn Fn(TokenUpdate) -> Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>> + Send + Sync,
>;

/// A token request to make: a grant and its parameters.
///
/// ```
/// use oauth_compat::TokenGrant;
/// let grant = TokenGrant::client_credentials().scope("read write").param("audience", "api");
/// # let _ = grant;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TokenGrant {
    kind: GrantKind,
    scope: Option<String>,
    params: Vec<(String, String)>,
}

#[derive(Clone)]
enum GrantKind {
    AuthorizationCode {
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<CodeVerifier>,
    },
    RefreshToken(String),
    ClientCredentials,
    Password {
        username: String,
        password: ClientSecret,
    },
}

impl fmt::Debug for GrantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AuthorizationCode { .. } => "authorization_code",
            Self::RefreshToken(_) => "refresh_token",
            Self::ClientCredentials => "client_credentials",
            Self::Password { .. } => "password",
        })
    }
}

impl TokenGrant {
    fn new(kind: GrantKind) -> Self {
        Self {
            kind,
            scope: None,
            params: Vec::new(),
        }
    }

    /// The authorization-code grant (RFC 6749 §4.1.3). Add the `redirect_uri` and PKCE
    /// verifier of the authorization request, or use [`from_callback`](Self::from_callback).
    pub fn authorization_code(code: impl Into<String>) -> Self {
        Self::new(GrantKind::AuthorizationCode {
            code: code.into(),
            redirect_uri: None,
            code_verifier: None,
        })
    }

    /// The authorization-code grant for `code`, with the `redirect_uri` and PKCE verifier kept
    /// from the [`AuthorizationRequest`] that started the flow.
    pub fn from_callback(code: impl Into<String>, request: &AuthorizationRequest) -> Self {
        Self::new(GrantKind::AuthorizationCode {
            code: code.into(),
            redirect_uri: request.redirect_uri.clone(),
            code_verifier: request.code_verifier.clone(),
        })
    }

    /// The refresh-token grant (RFC 6749 §6).
    pub fn refresh_token(refresh_token: impl Into<String>) -> Self {
        Self::new(GrantKind::RefreshToken(refresh_token.into()))
    }

    /// The client-credentials grant (RFC 6749 §4.4).
    pub fn client_credentials() -> Self {
        Self::new(GrantKind::ClientCredentials)
    }

    /// The resource-owner password grant (RFC 6749 §4.3).
    pub fn password(username: impl Into<String>, password: impl Into<ClientSecret>) -> Self {
        Self::new(GrantKind::Password {
            username: username.into(),
            password: password.into(),
        })
    }

    /// `redirect_uri` (authorization-code grant; ignored by the others).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        if let GrantKind::AuthorizationCode { redirect_uri, .. } = &mut self.kind {
            *redirect_uri = Some(uri.into());
        }
        self
    }

    /// The PKCE `code_verifier` (authorization-code grant; ignored by the others).
    pub fn code_verifier(mut self, verifier: CodeVerifier) -> Self {
        if let GrantKind::AuthorizationCode { code_verifier, .. } = &mut self.kind {
            *code_verifier = Some(verifier);
        }
        self
    }

    /// `scope` (refresh, client-credentials and password grants).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// An extra parameter for the token request.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }
}

/// An OAuth 2.0 client: Authlib's `OAuth2Session` / `AsyncOAuth2Client`.
///
/// Cheap to clone; clones share the held token and the refresh single-flight, so build one per
/// provider and share it.
///
/// ```no_run
/// use oauth_compat::{OAuth2Client, TokenGrant};
/// use oauth_compat::oauth2::CodeChallengeMethod;
///
/// # async fn run() -> Result<(), oauth_compat::Error> {
/// let github = OAuth2Client::builder("client-id")
///     .client_secret("client-secret")
///     .authorize_url("https://github.com/login/oauth/authorize")
///     .access_token_url("https://github.com/login/oauth/access_token")
///     .api_base_url("https://api.github.com/")
///     .scope("user:email")
///     .code_challenge_method(CodeChallengeMethod::S256)
///     .build()?;
///
/// // 1. Redirect: keep `request` (state, PKCE verifier, redirect_uri) in the user's session.
/// let request = github.create_authorization_url(Some("https://example.com/callback"), &[])?;
/// // 2. Callback: check `state` against the stored one, then exchange the code.
/// let token = github.fetch_token(TokenGrant::from_callback("code-from-callback", &request)).await?;
/// // 3. API calls, with the token refreshed before use when it is about to expire.
/// let user = github.get("user").token(token).send().await?;
/// println!("{}", user.data["login"]);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OAuth2Client {
    inner: Arc<Inner>,
}

struct Inner {
    common: Common,
    auth: ClientAuth,
    auth_method: ClientAuthMethod,
    authorize_url: Option<String>,
    access_token_url: Option<String>,
    access_token_method: Method,
    access_token_params: Vec<(String, String)>,
    refresh_token_url: Option<String>,
    refresh_token_params: Vec<(String, String)>,
    revocation_url: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    code_challenge_method: Option<CodeChallengeMethod>,
    authorize_params: Vec<(String, String)>,
    token_placement: TokenPlacement,
    leeway: i64,
    update_token: Option<UpdateTokenFn>,
    refreshes: SingleFlight,
    refresh_lock: Option<RefreshLock>,
}

impl OAuth2Client {
    /// A builder for a client with this `client_id`.
    pub fn builder(client_id: impl Into<String>) -> OAuth2ClientBuilder {
        OAuth2ClientBuilder {
            common: CommonBuilder::default(),
            client_id: client_id.into(),
            client_secret: None,
            auth_method: ClientAuthMethod::ClientSecretBasic,
            authorize_url: None,
            access_token_url: None,
            access_token_method: Method::POST,
            access_token_params: Vec::new(),
            refresh_token_url: None,
            refresh_token_params: Vec::new(),
            revocation_url: None,
            redirect_uri: None,
            scope: None,
            code_challenge_method: None,
            authorize_params: Vec::new(),
            token_placement: TokenPlacement::Header,
            leeway: DEFAULT_LEEWAY_SECS,
            update_token: None,
            refresh_lock: None,
        }
    }

    /// The engine requests go through.
    pub fn engine(&self) -> &Engine {
        &self.inner.common.engine
    }

    /// The `client_id`.
    pub fn client_id(&self) -> &str {
        &self.inner.auth.client_id
    }

    /// The token the client holds: the last one fetched or explicitly refreshed, or set; an
    /// auto refresh replaces it when it was the token refreshed.
    ///
    /// A client shared between users should be built with
    /// [`hold_token(false)`](OAuth2ClientBuilder::hold_token) and pass each user's token with
    /// [`RequestBuilder::token`]: the held token is for single-user use, as an Authlib
    /// `OAuth2Session` is, and a request without a token falls back to it.
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

    /// Starts an authorization-code flow (RFC 6749 §4.1.1): a fresh `state` from the OS CSPRNG,
    /// a PKCE verifier when `code_challenge_method` is set, `authorize_params`, then `params`
    /// (`prompt`, `access_type`, or a `scope` or `state` of your own, which replace the
    /// defaults).
    ///
    /// `redirect_uri` `None` uses the client's (a `redirect_uri` in `params` wins). Keep the
    /// returned request (it serializes) until the callback: its `state` must match, and its
    /// `redirect_uri` and verifier go into the code exchange. With PKCE on, a `code_challenge`
    /// in `params` is [`ClientError::ConflictingParameter`].
    pub fn create_authorization_url(
        &self,
        redirect_uri: Option<&str>,
        params: &[(&str, &str)],
    ) -> Result<AuthorizationRequest, crate::Error> {
        let common = &self.inner.common;
        let result = (|| {
            let inner = &self.inner;
            let base = require(
                &inner.authorize_url,
                "authorize_url",
                "build the authorization URL",
            )?;
            let base = inner.common.join(base)?;
            // `state` and `redirect_uri` given as parameters are the flow's own: they are
            // returned for the callback (the code exchange resends redirect_uri, RFC 6749 §4.1.3).
            let given = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
            if inner.code_challenge_method.is_some()
                && let Some(name) = ["code_challenge", "code_challenge_method"]
                    .into_iter()
                    .find(|name| given(name).is_some())
            {
                return Err(ClientError::ConflictingParameter {
                    name,
                    why: "PKCE is on (`code_challenge_method`): the client makes the challenge \
                          from a verifier it keeps for the code exchange",
                }
                .into());
            }
            let redirect_uri = given("redirect_uri")
                .or(redirect_uri)
                .or(inner.redirect_uri.as_deref());
            // A fixed `state` in `authorize_params` (Authlib's `kwargs.update(authorize_params)`)
            // is the flow's too: sent once and kept for the callback's check.
            let configured_state = inner
                .authorize_params
                .iter()
                .find(|(k, _)| k == "state")
                .map(|(_, v)| v.as_str());
            let state = given("state")
                .or(configured_state)
                .map_or_else(generate_state, str::to_owned);
            let verifier = inner
                .code_challenge_method
                .map(|_| CodeVerifier::generate());
            let extra: Vec<(String, String)> = inner
                .authorize_params
                .iter()
                .filter(|(k, _)| k != "state")
                .cloned()
                .chain(
                    params
                        .iter()
                        .filter(|(k, _)| !matches!(*k, "state" | "redirect_uri"))
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
                )
                .collect();
            let url = authorization_url(
                base.as_str(),
                &inner.auth.client_id,
                redirect_uri,
                inner.scope.as_deref(),
                &state,
                verifier.as_ref().zip(inner.code_challenge_method),
                &extra,
            )?;
            Ok(AuthorizationRequest {
                url,
                state,
                code_verifier: verifier,
                redirect_uri: redirect_uri.map(str::to_owned),
            })
        })();
        result.map_err(|err| {
            common.locate_at_setting(err, Step::Authorize, &self.inner.authorize_url)
        })
    }

    /// Requests a token at `access_token_url` with `grant` (plus `access_token_params`), the
    /// client authenticated by its method, and holds it.
    ///
    /// A provider error (HTTP 400, or HTTP 200 with `{"error": ..}`) is
    /// [`oauth2::OAuth2Error::Provider`](crate::oauth2::OAuth2Error::Provider) with `error`,
    /// `error_description`, `error_uri` and the raw body.
    pub async fn fetch_token(&self, grant: TokenGrant) -> Result<Token, crate::Error> {
        let result: Result<Token, crate::Error> = async {
            let inner = &self.inner;
            let TokenGrant {
                kind,
                scope,
                params,
            } = grant;
            // Not needed by a refresh, which goes to refresh_token_url when that is set.
            let endpoint = || -> Result<Url, crate::Error> {
                let url = require(&inner.access_token_url, "access_token_url", "fetch a token")?;
                Ok(inner.common.join(url)?)
            };
            let request = match kind {
                GrantKind::AuthorizationCode {
                    code,
                    redirect_uri,
                    code_verifier,
                } => TokenRequest::authorization_code(
                    endpoint()?.as_str(),
                    &code,
                    redirect_uri.as_deref(),
                    code_verifier.as_ref(),
                ),
                GrantKind::RefreshToken(refresh_token) => {
                    return self
                        .refresh_with(Some(&refresh_token), scope.as_deref(), &params)
                        .await;
                }
                GrantKind::ClientCredentials => {
                    TokenRequest::client_credentials(endpoint()?.as_str(), scope.as_deref())
                }
                GrantKind::Password { username, password } => TokenRequest::password(
                    endpoint()?.as_str(),
                    &username,
                    password.expose_secret(),
                    scope.as_deref(),
                ),
            };
            // Two merges: the grant's own parameters replace `access_token_params` of the same name
            // (Authlib's `params.update(kwargs)`) rather than being sent beside them.
            let request = request
                .with_method(inner.access_token_method.clone())
                .extend_params(inner.access_token_params.iter().cloned())
                .extend_params(params);
            let token = self
                .token_request(request, RequestKind::AccessToken)
                .await?;
            self.inner.common.hold(&token);
            Ok(token)
        }
        .await;
        result.map_err(|err| {
            self.inner.common.locate_at_setting(
                err,
                Step::AccessToken,
                &self.inner.access_token_url,
            )
        })
    }

    /// Refreshes a token (RFC 6749 §6) at `refresh_token_url`, or `access_token_url` when that
    /// is unset, as Authlib does; `refresh_token` `None` uses the held token's.
    ///
    /// The new token keeps the old refresh token when the provider sends none; it replaces the
    /// held token, and `update_token` is called with it. Concurrent refreshes of the same
    /// refresh token on this client (and its clones) are one request.
    pub async fn refresh_token(&self, refresh_token: Option<&str>) -> Result<Token, crate::Error> {
        self.refresh_with(refresh_token, None, &[]).await
    }

    /// [`refresh_token`](Self::refresh_token) with the `scope` and extra parameters of a
    /// [`TokenGrant::refresh_token`].
    async fn refresh_with(
        &self,
        refresh_token: Option<&str>,
        scope: Option<&str>,
        params: &[(String, String)],
    ) -> Result<Token, crate::Error> {
        let result: Result<Token, crate::Error> = async {
            // A refresh of this token that finishes after now answers this call too.
            let read_at = Instant::now();
            let held = self.token();
            let refresh_token = match refresh_token {
                Some(rt) => rt.to_owned(),
                None => held
                    .as_ref()
                    .and_then(|t| t.refresh_token())
                    .map(str::to_owned)
                    .ok_or(ClientError::MissingField {
                        response: "held token",
                        field: "refresh_token",
                    })?,
            };
            let old_access = held
                .filter(|t| t.refresh_token() == Some(refresh_token.as_str()))
                .map(|t| t.access_token().to_owned());
            let token = self
                .refresh_shared(
                    refresh_token,
                    old_access,
                    scope.map(str::to_owned),
                    params.to_vec(),
                    Reuse::FinishedAfter(read_at),
                )
                .await?;
            self.inner.common.hold(&token);
            Ok(token)
        }
        .await;
        result.map_err(|err| {
            self.inner
                .common
                .locate_at_setting(err, Step::Refresh, self.refresh_url())
        })
    }

    /// Revokes a token (RFC 7009) at `revocation_url`, the client authenticated as for token
    /// requests. `token_type_hint`: `access_token` or `refresh_token`.
    pub async fn revoke_token(
        &self,
        token: &str,
        token_type_hint: Option<&str>,
    ) -> Result<(), crate::Error> {
        let result: Result<(), crate::Error> = async {
            let inner = &self.inner;
            let url = require(&inner.revocation_url, "revocation_url", "revoke a token")?;
            let url = inner.common.join(url)?;
            let mut form = vec![("token".to_owned(), token.to_owned())];
            if let Some(hint) = token_type_hint {
                form.push(("token_type_hint".to_owned(), hint.to_owned()));
            }
            let request = TokenRequest {
                method: Method::POST,
                url: url.into(),
                headers: http::HeaderMap::new(),
                form,
            };
            let response = self
                .send_token_request(request, RequestKind::Revoke)
                .await?;
            parse_revocation_response(response.status, &response.headers, &response.body)?;
            Ok(())
        }
        .await;
        result.map_err(|err| {
            self.inner
                .common
                .locate_at_setting(err, Step::Revoke, &self.inner.revocation_url)
        })
    }

    /// A request carrying the token (`url` joined to `api_base_url` when relative).
    pub fn request(&self, method: Method, url: &str) -> RequestBuilder<'_> {
        RequestBuilder::new(ClientRef::OAuth2(self), method, url)
    }

    super::http_verbs!(
        RequestBuilder,
        "Carrying the client's or the request's token."
    );

    /// Authenticates (refreshing the token first when it expires within the leeway), runs the
    /// hooks, sends and decodes an API request built by [`request`](Self::request) (or made
    /// with [`ApiRequest::new`]): reqwest's `Client::execute`. The request's token, else the
    /// client's; none when it withholds it.
    ///
    /// # Errors
    /// As [`RequestBuilder::send`]: each names the step (`api`, or `refresh`) and the URL.
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
        let inner = &self.inner;
        let Outgoing {
            method,
            url,
            mut headers,
            mut body,
            token,
            withhold_token,
            content_type,
        } = request.into_outgoing(&inner.common)?;
        // Bearer placement `uri` edits the URL as text, as oauthlib's `add_token` does.
        let mut url = String::from(url);
        let credential = api_credential(withhold_token, token, || self.token())?;
        let kind = credential.kind();
        if let ApiCredential::Token(token) = credential {
            let token = self.ensure_active(token).await?;
            add_bearer_token(
                inner.token_placement,
                token.access_token(),
                token.token_type(),
                &mut url,
                &mut headers,
                &mut body,
            )?;
        }
        let request = outgoing_request(method, url, headers, body);
        inner.common.send_api(request, kind, content_type).await
    }

    /// The token to use now: `token`, or its refresh when it expires within the leeway.
    async fn ensure_active(&self, token: Token) -> Result<Token, crate::Error> {
        if !token.is_expired(self.inner.leeway, now_unix()) {
            return Ok(token);
        }
        let expires_at = token.expires_at().unwrap_or_default();
        let Some(refresh_token) = token.refresh_token() else {
            return Err(ClientError::TokenExpired {
                expires_at,
                why: "it has no refresh token",
            }
            .into());
        };
        if self.inner.refresh_token_url.is_none() && self.inner.access_token_url.is_none() {
            return Err(ClientError::TokenExpired {
                expires_at,
                why: "neither `refresh_token_url` nor `access_token_url` is set to refresh it",
            }
            .into());
        }
        self.refresh_shared(
            refresh_token.to_owned(),
            Some(token.access_token().to_owned()),
            None,
            Vec::new(),
            Reuse::Recent,
        )
        .await
    }

    /// Refreshes through the single-flight: the grant, the held token, then `update_token`, in
    /// a task of its own (see [`super::refresh`]), under the refresh lock when there is one
    /// (see [`super::refresh_lock`]).
    async fn refresh_shared(
        &self,
        refresh_token: String,
        old_access_token: Option<String>,
        scope: Option<String>,
        params: Vec<(String, String)>,
        reuse: Reuse,
    ) -> Result<Token, crate::Error> {
        let client = self.clone();
        let key = refresh_token.clone();
        let refresh = move || async move {
            let Some(lock) = &client.inner.refresh_lock else {
                return client
                    .refresh_and_save(refresh_token, old_access_token, scope, params)
                    .await;
            };
            let rt = refresh_token.clone();
            let refresh = client.refresh_and_save(refresh_token, old_access_token, scope, params);
            let (token, source) = lock.run(client.client_id(), &rt, reuse, refresh).await?;
            if source == Source::Reused {
                // As `refresh_once` does for a token it fetched itself.
                client
                    .inner
                    .common
                    .replace_held(|held| held.refresh_token() == Some(rt.as_str()), &token);
            }
            Ok(token)
        };
        self.inner.refreshes.run(&key, reuse, refresh).await
    }

    /// Where refreshes go: `refresh_token_url`, else `access_token_url` (Authlib's rule).
    fn refresh_url(&self) -> &Option<String> {
        match &self.inner.refresh_token_url {
            Some(_) => &self.inner.refresh_token_url,
            None => &self.inner.access_token_url,
        }
    }

    /// One refresh-token grant, then `update_token`.
    async fn refresh_and_save(
        &self,
        refresh_token: String,
        old_access_token: Option<String>,
        scope: Option<String>,
        params: Vec<(String, String)>,
    ) -> Outcome {
        let token = self
            .refresh_once(&refresh_token, scope.as_deref(), &params)
            .await
            .map_err(Arc::new)?;
        self.save_refreshed(token, refresh_token, old_access_token)
            .await
            .map_err(|err| {
                let common = &self.inner.common;
                Arc::new(common.locate_at_setting(err, Step::Refresh, self.refresh_url()))
            })
    }

    /// Calls `update_token` with a refreshed token.
    async fn save_refreshed(
        &self,
        token: Token,
        refresh_token: String,
        old_access_token: Option<String>,
    ) -> Result<Token, crate::Error> {
        let Some(update_token) = &self.inner.update_token else {
            return Ok(token);
        };
        let update = TokenUpdate {
            token: token.clone(),
            refresh_token: Some(refresh_token),
            access_token: old_access_token,
        };
        match update_token(update).await {
            Ok(()) => Ok(token),
            Err(source) => Err(ClientError::UpdateTokenFailed {
                token: Box::new(token),
                source,
            }
            .into()),
        }
    }

    /// One refresh-token grant; the new token replaces the held one when that was refreshed.
    async fn refresh_once(
        &self,
        refresh_token: &str,
        scope: Option<&str>,
        params: &[(String, String)],
    ) -> Result<Token, crate::Error> {
        let result: Result<Token, crate::Error> = async {
            let inner = &self.inner;
            let url = inner
                .refresh_token_url
                .as_deref()
                .or(inner.access_token_url.as_deref())
                .ok_or(ClientError::MissingSetting {
                    setting: "refresh_token_url",
                    purpose: "refresh a token (or set `access_token_url`)",
                })?;
            let url = inner.common.join(url)?;
            let request = TokenRequest::refresh_token(url.as_str(), refresh_token, scope)
                .extend_params(inner.refresh_token_params.iter().cloned())
                .extend_params(params.iter().cloned());
            let mut token = self
                .token_request(request, RequestKind::RefreshToken)
                .await?;
            if token.refresh_token().is_none() {
                token = token.with_refresh_token(refresh_token);
            }
            // Replace the held token only when it is the one refreshed: a client shared between
            // users must not hand one user's token to another.
            inner
                .common
                .replace_held(|held| held.refresh_token() == Some(refresh_token), &token);
            Ok(token)
        }
        .await;
        result.map_err(|err| {
            self.inner
                .common
                .locate_at_setting(err, Step::Refresh, self.refresh_url())
        })
    }

    async fn token_request(
        &self,
        request: TokenRequest,
        kind: RequestKind,
    ) -> Result<Token, crate::Error> {
        let response = self.send_token_request(request, kind).await?;
        let options = self.inner.common.decode_options(Decoding::OAuth2Token);
        Ok(parse_token_response_with(
            response.status,
            &response.headers,
            &response.body,
            &options,
        )?)
    }

    async fn send_token_request(
        &self,
        mut request: TokenRequest,
        kind: RequestKind,
    ) -> Result<RawResponse, crate::Error> {
        let inner = &self.inner;
        inner.auth_method.apply(&mut request, &inner.auth)?;
        let (method, url, headers, body) = request.into_parts()?;
        let mut outgoing = OutgoingRequest::new(method, url);
        outgoing.headers = headers;
        outgoing.body = body;
        if matches!(kind, RequestKind::AccessToken | RequestKind::RefreshToken) {
            inner.common.add_access_token_headers(&mut outgoing.headers);
        }
        Ok(inner
            .common
            .engine
            .send(outgoing, kind, &inner.common.hooks)
            .await?)
    }
}

impl fmt::Debug for OAuth2Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("OAuth2Client")
            .field("client_id", &inner.auth.client_id)
            .field("auth_method", &inner.auth_method)
            .field("authorize_url", &inner.authorize_url)
            .field("access_token_url", &inner.access_token_url)
            .field("refresh_token_url", &inner.refresh_token_url)
            .field("revocation_url", &inner.revocation_url)
            .field("token_placement", &inner.token_placement)
            .field("api_base_url", &inner.common.debug_base_url())
            .field(
                "access_token_headers",
                &inner.common.debug_access_token_headers(),
            )
            .field("encoding", &inner.common.debug_encoding())
            .field("hooks", &inner.common.hooks)
            .field("refresh_lock", &inner.refresh_lock.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds an [`OAuth2Client`]; see [`OAuth2Client::builder`].
#[must_use]
pub struct OAuth2ClientBuilder {
    common: CommonBuilder,
    client_id: String,
    client_secret: Option<ClientSecret>,
    auth_method: ClientAuthMethod,
    authorize_url: Option<String>,
    access_token_url: Option<String>,
    access_token_method: Method,
    access_token_params: Vec<(String, String)>,
    refresh_token_url: Option<String>,
    refresh_token_params: Vec<(String, String)>,
    revocation_url: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    code_challenge_method: Option<CodeChallengeMethod>,
    authorize_params: Vec<(String, String)>,
    token_placement: TokenPlacement,
    leeway: i64,
    update_token: Option<UpdateTokenFn>,
    refresh_lock: Option<Arc<dyn Cache>>,
}

impl OAuth2ClientBuilder {
    super::common::common_setters!(
        "fetch_token",
        "They go with every request to the token endpoint: [`fetch_token`](OAuth2Client::fetch_token) \
         with any grant (Flask-OAuthlib's `handle_oauth2_response`, its only token request) and \
         refreshes, explicit or automatic (Flask-OAuthlib has none; a refresh is a token-endpoint \
         request, RFC 6749 §6). Not with revocation nor API calls.",
        "oauth_compat::OAuth2Client::builder(\"client-id\")"
    );

    /// `client_secret`.
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// `token_endpoint_auth_method`: how the client authenticates to the token and revocation
    /// endpoints (default `client_secret_basic`, as Authlib).
    pub fn token_endpoint_auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.auth_method = method;
        self
    }

    /// `authorize_url`.
    pub fn authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = Some(url.into());
        self
    }

    /// `access_token_url` (the token endpoint).
    pub fn access_token_url(mut self, url: impl Into<String>) -> Self {
        self.access_token_url = Some(url.into());
        self
    }

    /// `access_token_method`: POST (default) or GET (the parameters then go in the query).
    pub fn access_token_method(mut self, method: Method) -> Self {
        self.access_token_method = method;
        self
    }

    /// `access_token_params`: extra parameters for every token request.
    pub fn access_token_params<K: Into<String>, V: Into<String>>(
        mut self,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.access_token_params
            .extend(params.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// `refresh_token_url` (default: `access_token_url`).
    pub fn refresh_token_url(mut self, url: impl Into<String>) -> Self {
        self.refresh_token_url = Some(url.into());
        self
    }

    /// `refresh_token_params`: extra parameters for every refresh request.
    pub fn refresh_token_params<K: Into<String>, V: Into<String>>(
        mut self,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.refresh_token_params
            .extend(params.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The RFC 7009 revocation endpoint (Authlib's `revocation_endpoint`).
    pub fn revocation_url(mut self, url: impl Into<String>) -> Self {
        self.revocation_url = Some(url.into());
        self
    }

    /// The default `redirect_uri`.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// `scope`, space-separated, for authorization requests.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// `code_challenge_method`: adds PKCE to every authorization request.
    pub fn code_challenge_method(mut self, method: CodeChallengeMethod) -> Self {
        self.code_challenge_method = Some(method);
        self
    }

    /// `authorize_params`: extra parameters for every authorization URL.
    pub fn authorize_params<K: Into<String>, V: Into<String>>(
        mut self,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.authorize_params
            .extend(params.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// `token_placement`: header (default), body or uri (RFC 6750 §2).
    pub fn token_placement(mut self, placement: TokenPlacement) -> Self {
        self.token_placement = placement;
        self
    }

    /// Seconds before `expires_at` at which a token counts as expired and is refreshed before
    /// use (default [`DEFAULT_LEEWAY_SECS`]).
    pub fn leeway(mut self, seconds: i64) -> Self {
        self.leeway = seconds;
        self
    }

    /// `update_token`: called once per refresh with the new token and the refresh token it
    /// replaced, to save it where every process reads tokens from. If it fails, the caller gets
    /// [`ClientError::UpdateTokenFailed`] carrying the new token, and requests still holding the old
    /// token get the new one for a while, as after a successful refresh.
    ///
    /// Refreshes are single-flight per client and its clones: build one client per provider and
    /// share it (one per request gets no deduplication). Several processes sharing one
    /// user's token need that shared store behind `update_token` (and behind the token they
    /// pass to requests), and a [`refresh_lock`](Self::refresh_lock) so that they refresh it
    /// once: with rotating refresh tokens, two processes refreshing at once see one of them
    /// refused with `invalid_grant`.
    pub fn update_token<F, Fut, E>(mut self, update: F) -> Self
    where
        F: Fn(TokenUpdate) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError>,
    {
        self.update_token = Some(Arc::new(move |token| {
            let fut = update(token);
            Box::pin(async move { fut.await.map_err(Into::into) })
        }));
        self
    }

    /// The remote app this client serves, named in its errors (set by the registry).
    pub(crate) fn app_name(mut self, name: impl Into<String>) -> Self {
        self.common.app_name = Some(name.into());
        self
    }

    /// Refreshes under a lock in `cache`, shared with the other clients and processes that
    /// hold the same tokens, so that a refresh token is refreshed once among all of them:
    /// `cache::RedisCache` (feature `redis`) for several processes, a
    /// [`MemoryCache`](crate::cache::MemoryCache) for several clients in one process.
    /// Without it, refreshes are single-flight within this client and its clones only, and a
    /// provider that rotates refresh tokens refuses all but the first process with
    /// `invalid_grant`. The cache may be the one that holds request tokens or nonces.
    ///
    /// The first to take the lock (Redis `SET <key> <owner> NX EX 120`: the lock lives as long
    /// as a refresh may take, 120 s) refreshes, calls `update_token`, stores the new token in the
    /// cache, then releases the lock if it still owns it (a compare-and-delete,
    /// [`Cache::delete_if`](crate::cache::Cache::delete_if)). The others poll the cache (every
    /// 10 ms, backing off to 250 ms) and take that token without a refresh and **without
    /// calling `update_token`**: the first already saved it, and a second save would look for
    /// a row by a refresh token already replaced. A refresh that fails releases the lock and
    /// stores nothing, and a waiting process tries in its turn; one whose `update_token`
    /// failed still stores the token the provider issued. A process that dies holding the lock
    /// blocks that token's refreshes until the lock expires.
    ///
    /// # When a finished refresh is reused
    ///
    /// A request holding a refresh token that was refreshed already gets that refresh's token
    /// instead of refreshing again, while the token is unexpired, within these windows
    /// (counted from the end of the refresh):
    ///
    /// - in this client and its clones: **120 s**;
    /// - across clients and processes sharing `cache`: **30 s**, how long the new token is kept
    ///   in the cache.
    ///
    /// An explicit [`refresh_token`](OAuth2Client::refresh_token) takes only a refresh that
    /// finished after it read its token (across processes by the wall clock, so keep the
    /// machines' clocks in sync). After the window, a request still holding the old refresh
    /// token refreshes it again, which a rotating provider refuses: read tokens from the store
    /// `update_token` writes to.
    ///
    /// # What the cache holds
    ///
    /// Two keys per refresh: `oauth_compat:refresh:<id>:lock` (a random owner id) and
    /// `oauth_compat:refresh:<id>:result`, where `<id>` is the base64url SHA-256 of the
    /// `client_id`, a NUL byte and the refresh token, so no key holds a token. The result's
    /// value is the new token itself (as JSON, with when the refresh finished), for 30 s: the cache is trusted with secrets, as
    /// it is with OAuth 1 request tokens; keep it private to the application.
    ///
    /// A cache error before the refresh (unreachable, or a stored result that is not a token)
    /// fails it with [`ClientError::RefreshLock`] (inside [`crate::Error::RefreshFailed`]) naming the step
    /// and the key, without asking the provider: refreshing without the lock could revoke the
    /// token the other processes hold. One after it (storing the result, releasing the lock)
    /// is logged as a warning, and the refresh stands: the token is issued and saved, and the
    /// lock expires.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use oauth_compat::cache::MemoryCache;
    /// use oauth_compat::OAuth2Client;
    ///
    /// // One cache for every client of this process (a `RedisCache` for every process).
    /// let lock = Arc::new(MemoryCache::new());
    /// let client = OAuth2Client::builder("client-id")
    ///     .client_secret("client-secret")
    ///     .access_token_url("https://provider.example/oauth/token")
    ///     .refresh_lock(lock.clone())
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), oauth_compat::Error>(())
    /// ```
    pub fn refresh_lock(mut self, cache: Arc<dyn Cache>) -> Self {
        self.refresh_lock = Some(cache);
        self
    }

    /// Builds the client; checks the URLs now, so a misconfiguration fails here.
    pub fn build(self) -> Result<OAuth2Client, crate::Error> {
        // Flask-OAuthlib authenticated in the body, so a Basic header of the user's own
        // (Bitbucket, the reason the setting exists) went out beside it; here that still works
        // when the client puts its credentials in the body, and is refused when the client
        // sends an `Authorization` header itself.
        let own_authorization = match self.auth_method {
            ClientAuthMethod::ClientSecretPost | ClientAuthMethod::None => None,
            ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretBasicUnencoded => {
                Some(
                    "is the client's own: `client_secret_basic` sends the client's Basic \
                     credentials in it; leave it out, or choose `client_secret_post` or `none` \
                     to send a header of your own",
                )
            }
            _ => {
                Some("may be set by the custom `token_endpoint_auth_method`; set it there instead")
            }
        };
        let common = self.common.build(
            &[
                &self.authorize_url,
                &self.access_token_url,
                &self.refresh_token_url,
                &self.revocation_url,
            ],
            own_authorization,
        )?;
        Ok(OAuth2Client {
            inner: Arc::new(Inner {
                common,
                auth: ClientAuth {
                    client_id: self.client_id,
                    client_secret: self.client_secret,
                },
                auth_method: self.auth_method,
                authorize_url: self.authorize_url,
                access_token_url: self.access_token_url,
                access_token_method: self.access_token_method,
                access_token_params: self.access_token_params,
                refresh_token_url: self.refresh_token_url,
                refresh_token_params: self.refresh_token_params,
                revocation_url: self.revocation_url,
                redirect_uri: self.redirect_uri,
                scope: self.scope,
                code_challenge_method: self.code_challenge_method,
                authorize_params: self.authorize_params,
                token_placement: self.token_placement,
                leeway: self.leeway,
                update_token: self.update_token,
                refreshes: SingleFlight::default(),
                refresh_lock: self.refresh_lock.map(RefreshLock::new),
            }),
        })
    }
}
