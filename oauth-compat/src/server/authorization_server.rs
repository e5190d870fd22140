//! The authorization server (Authlib's `AuthorizationServer`): the temporary credentials
//! endpoint (RFC 5849 §2.1), resource owner authorization (§2.2) and the token credentials
//! endpoint (§2.3), over `http::Request` and `http::Response`.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use subtle::ConstantTimeEq as _;
use url::Url;

use super::base_server::{
    Located, MAX_PARAMETER_LENGTH, check_parameter, check_unsigned_transport, locate, record_nonce,
    store_failed, validate_signature, validate_timestamp,
};
use super::config::ServerConfig;
use super::error::OAuth1Error;
use super::response::{form_response, redirect};
use super::store::{
    Client, ClientStore, NonceKey, NonceStore, TemporaryCredential, TemporaryCredentialStore,
    TokenCredential, TokenCredentialStore,
};
use crate::oauth1::SignatureMethod;
use crate::oauth1::params::{
    ParameterBudget, body_parameters, count_form_parameters, has_form_body, query_parameters,
};
use crate::secret::TokenSecret;
use crate::wire::now_unix;

/// The nonce under which a temporary credential's exchange is recorded: no real request can
/// carry timestamp 0 (it is outside any window), so it never meets a client's nonce.
const CONSUMED: &str = "oauth1:temporary-credential-exchanged";

/// What the authorization page shows the user: the pending temporary credential and the client
/// asking (the `req` of the seed's `render_template('authorize.html', req=req)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAuthorization {
    /// The temporary credential named by `oauth_token`.
    pub credential: TemporaryCredential,
    /// The client it was issued to.
    pub client: Client,
}

impl PendingAuthorization {
    /// `oauth_token`.
    pub fn oauth_token(&self) -> &str {
        &self.credential.oauth_token
    }

    /// The client's id.
    pub fn client_id(&self) -> &str {
        &self.client.client_id
    }

    /// The `oauth_callback` the client registered for this request (`oob` allowed).
    pub fn callback(&self) -> &str {
        &self.credential.oauth_callback
    }
}

/// Issues temporary credentials and token credentials, and records the user's grant (Authlib's
/// `AuthorizationServer`). Cheap to clone; its futures are `Send`.
///
/// The seed's hooks are the stores: `query_client` a [`ClientStore`],
/// `register_temporary_credential_hooks` a [`TemporaryCredentialStore`],
/// `register_token_credential_hooks` a [`TokenCredentialStore`], `register_nonce_hooks` a
/// [`NonceStore`] (see [`crate::store`]). See the [module docs](super) for a walk-through.
#[derive(Clone)]
pub struct AuthorizationServer {
    clients: Arc<dyn ClientStore>,
    temporary_credentials: Arc<dyn TemporaryCredentialStore>,
    token_credentials: Arc<dyn TokenCredentialStore>,
    nonces: Arc<dyn NonceStore>,
    config: ServerConfig,
}

impl std::fmt::Debug for AuthorizationServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationServer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AuthorizationServer {
    /// A server over its four stores.
    pub fn new(
        clients: Arc<dyn ClientStore>,
        temporary_credentials: Arc<dyn TemporaryCredentialStore>,
        token_credentials: Arc<dyn TokenCredentialStore>,
        nonces: Arc<dyn NonceStore>,
        config: ServerConfig,
    ) -> Self {
        config.warn_unregistered_methods();
        Self {
            clients,
            temporary_credentials,
            token_credentials,
            nonces,
            config,
        }
    }

    /// A server over one store that keeps everything (such as
    /// [`MemoryStore`](crate::store::MemoryStore)).
    pub fn from_store<S>(store: Arc<S>, config: ServerConfig) -> Self
    where
        S: ClientStore + TemporaryCredentialStore + TokenCredentialStore + NonceStore + 'static,
    {
        Self::new(store.clone(), store.clone(), store.clone(), store, config)
    }

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Registers (or replaces) a signature method (Authlib's `register_signature_method`); add
    /// its name to the supported methods to accept it.
    pub fn register_signature_method(
        &mut self,
        name: impl Into<String>,
        method: impl SignatureMethod + 'static,
    ) -> &mut Self {
        self.config.register_method_in_place(name.into(), method);
        self
    }

    /// The temporary credentials endpoint (Authlib's `create_temporary_credentials_response`):
    /// a POST signed with the client's credentials and carrying `oauth_callback` (an absolute
    /// URL, or `oob`) gets `200` with `oauth_token`, `oauth_token_secret` and
    /// `oauth_callback_confirmed=true`, form-encoded; anything else gets the error's answer.
    pub async fn create_temporary_credential_response<B: AsRef<[u8]> + Sync>(
        &self,
        req: &Request<B>,
    ) -> Response<Vec<u8>> {
        match self.create_temporary_credential(req).await {
            Ok(credential) => form_response(
                StatusCode::OK,
                [
                    ("oauth_token", credential.oauth_token.as_str()),
                    (
                        "oauth_token_secret",
                        credential.oauth_token_secret.expose_secret(),
                    ),
                    ("oauth_callback_confirmed", "true"),
                ],
            ),
            Err(err) => err.into_response(),
        }
    }

    async fn create_temporary_credential<B: AsRef<[u8]> + Sync>(
        &self,
        req: &Request<B>,
    ) -> Result<TemporaryCredential, OAuth1Error> {
        if !self
            .config
            .temporary_credentials_methods
            .contains(req.method())
        {
            let allowed = self.config.temporary_credentials_methods.iter();
            return Err(OAuth1Error::MethodNotAllowed {
                allowed: allowed.map(Method::as_str).collect::<Vec<_>>().join(", "),
            });
        }
        let located = locate(req, &self.config)?;
        let protocol = located.protocol();
        let callback = protocol.callback().filter(|c| !c.is_empty()).ok_or(
            OAuth1Error::MissingRequiredParameter {
                name: "oauth_callback",
            },
        )?;
        if callback != "oob" {
            check_callback(callback)?;
        }
        let callback = callback.to_owned();
        let client = self.client(protocol.consumer_key()).await?;
        let nonce = validate_timestamp(protocol, &self.config)?;
        // Only now, for a known client, are the other parameters decoded.
        let signed = located.into_signed_request(req.method())?;
        validate_signature(&signed, &client, None, &self.config)?;
        record_nonce(nonce, self.nonces.as_ref()).await?;

        let credential = TemporaryCredential {
            client_id: client.client_id,
            oauth_token: (self.config.token_generator)(),
            oauth_token_secret: TokenSecret::new((self.config.token_secret_generator)()),
            oauth_callback: callback,
            oauth_verifier: None,
            user_id: None,
            expires_at: expires_at(self.config.temporary_credential_lifetime),
        };
        self.temporary_credentials
            .create_temporary_credential(&credential)
            .await
            .map_err(store_failed)?;
        Ok(credential)
    }

    /// Checks a request to the authorization page (the seed's `check_authorization_request`):
    /// `oauth_token` from the query (or a form body) must name an unexpired temporary
    /// credential, whose client is returned with it so the page can show who asks.
    pub async fn check_authorization_request<B: AsRef<[u8]> + Sync>(
        &self,
        req: &Request<B>,
    ) -> Result<PendingAuthorization, OAuth1Error> {
        check_unsigned_transport(req, &self.config)?;
        let token = authorization_token(req, self.config.max_parameters)?;
        let credential = self.temporary_credential(&token).await?;
        let client = self.client(&credential.client_id).await?;
        Ok(PendingAuthorization { credential, client })
    }

    /// Answers the user's decision (the seed's `create_authorization_response(grant_user)`).
    ///
    /// Granted (`Some(user_id)`): a fresh `oauth_verifier` is stored with the user on the
    /// temporary credential, and the answer is a 302 to the callback with `oauth_token` and
    /// `oauth_verifier` added to its query. Denied (`None`): a 302 to the callback with
    /// `error=access_denied` and its description, and no verifier (as Authlib).
    ///
    /// With `oauth_callback=oob`, the client's `default_redirect_uri` is used as the callback,
    /// as Authlib does; a client without one gets, when granted, a `200` whose form-encoded
    /// body holds `oauth_token` and `oauth_verifier` (for the user to copy, RFC 5849 §2.2), and
    /// when denied [`OAuth1Error::AccessDenied`], for the page to render.
    ///
    /// Errors (unknown or expired `oauth_token`, ...) are returned, for the page to render, as
    /// in the seed's `except OAuth1Error`.
    pub async fn create_authorization_response<B: AsRef<[u8]> + Sync>(
        &self,
        req: &Request<B>,
        grant_user: Option<&str>,
    ) -> Result<Response<Vec<u8>>, OAuth1Error> {
        let PendingAuthorization { credential, client } =
            self.check_authorization_request(req).await?;
        let callback = match credential.oauth_callback.as_str() {
            "" | "oob" => client.default_redirect_uri.as_deref(),
            callback => Some(callback),
        };
        let callback = callback.map(parse_redirect).transpose()?;

        let Some(user_id) = grant_user else {
            let Some(mut location) = callback else {
                return Err(OAuth1Error::AccessDenied);
            };
            let error = OAuth1Error::AccessDenied;
            location
                .query_pairs_mut()
                .extend_pairs(error.pairs().iter().map(|(k, v)| (*k, v.as_ref())));
            return Ok(redirect(&location));
        };

        let verifier = (self.config.verifier_generator)();
        let recorded = self
            .temporary_credentials
            .create_authorization_verifier(&credential.oauth_token, user_id, &verifier)
            .await
            .map_err(store_failed)?;
        if !recorded {
            return Err(OAuth1Error::InvalidToken);
        }
        let params = [
            ("oauth_token", credential.oauth_token.as_str()),
            ("oauth_verifier", verifier.as_str()),
        ];
        Ok(match callback {
            Some(mut location) => {
                location.query_pairs_mut().extend_pairs(params);
                redirect(&location)
            }
            None => form_response(StatusCode::OK, params),
        })
    }

    /// The token credentials endpoint (Authlib's `create_token_response`): a request signed
    /// with the client's secret and the temporary credential's secret, carrying the
    /// `oauth_verifier` the user's grant produced, gets `200` with `oauth_token` and
    /// `oauth_token_secret`, form-encoded.
    ///
    /// The temporary credential is deleted once exchanged, and also after a failed attempt
    /// authenticated as its own client (signature, timestamp and nonce good: a wrong or
    /// missing verifier cannot be retried, as Authlib); a request that is not (an unknown
    /// client, another client's token, a bad signature) leaves it alone, so nobody but its
    /// client can destroy a pending request token. A store failure does not delete it. The exchange is recorded atomically in the nonce store first, so two
    /// concurrent requests cannot both exchange it. Any HTTP method is accepted, as Authlib
    /// does (Flask-OAuthlib clients send GET).
    pub async fn create_token_response<B: AsRef<[u8]> + Sync>(
        &self,
        req: &Request<B>,
    ) -> Response<Vec<u8>> {
        let located = match locate(req, &self.config) {
            Ok(located) => located,
            Err(err) => return err.into_response(),
        };
        let temporary_token = located
            .protocol()
            .token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let mut burn = false;
        match self.create_token_credential(req, located, &mut burn).await {
            Ok(token) => form_response(
                StatusCode::OK,
                [
                    ("oauth_token", token.oauth_token.as_str()),
                    (
                        "oauth_token_secret",
                        token.oauth_token_secret.expose_secret(),
                    ),
                ],
            ),
            Err(err) => {
                if burn
                    && !matches!(err, OAuth1Error::Store(_))
                    && let Some(token) = &temporary_token
                    && let Err(store_err) = self
                        .temporary_credentials
                        .delete_temporary_credential(token)
                        .await
                {
                    tracing::error!(error = %store_err, "could not delete a temporary credential after a failed token request");
                }
                err.into_response()
            }
        }
    }

    /// Sets `burn` once the request is authenticated as the temporary credential's own client:
    /// from then on a failure deletes the credential (see `create_token_response`).
    async fn create_token_credential<B: AsRef<[u8]> + Sync>(
        &self,
        req: &Request<B>,
        located: Located<'_>,
        burn: &mut bool,
    ) -> Result<TokenCredential, OAuth1Error> {
        let protocol = located.protocol();
        let client = self.client(protocol.consumer_key()).await?;
        let token = protocol.token().filter(|t| !t.is_empty()).ok_or(
            OAuth1Error::MissingRequiredParameter {
                name: "oauth_token",
            },
        )?;
        let credential = self.temporary_credential(token).await?;
        if credential.client_id != client.client_id {
            return Err(OAuth1Error::InvalidToken);
        }
        let nonce = validate_timestamp(protocol, &self.config)?;
        // Only now, for a known client and token, are the other parameters decoded.
        let signed = located.into_signed_request(req.method())?;
        validate_signature(
            &signed,
            &client,
            Some(&credential.oauth_token_secret),
            &self.config,
        )?;
        record_nonce(nonce, self.nonces.as_ref()).await?;
        // Authenticated as the credential's own client: a wrong verifier now burns it.
        *burn = true;
        let verifier = signed.verifier().filter(|v| !v.is_empty()).ok_or(
            OAuth1Error::MissingRequiredParameter {
                name: "oauth_verifier",
            },
        )?;
        let expected = credential.oauth_verifier.as_deref().unwrap_or_default();
        let matches =
            !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(verifier.as_bytes()));
        let user_id = match (&credential.user_id, matches) {
            (Some(user_id), true) => user_id.clone(),
            _ => return Err(OAuth1Error::invalid_request("Invalid \"oauth_verifier\"")),
        };

        // Exactly once, even across processes: the nonce store's insert is atomic.
        let exchange = NonceKey {
            client_id: client.client_id.clone(),
            timestamp: 0,
            nonce: CONSUMED.to_owned(),
            token: Some(credential.oauth_token.clone()),
        };
        let lifetime = u64::try_from(credential.expires_at.saturating_sub(now_unix()))
            .unwrap_or(0)
            .max(1);
        let first = self
            .nonces
            .insert_nonce(&exchange, Duration::from_secs(lifetime))
            .await
            .map_err(store_failed)?;
        if !first {
            return Err(OAuth1Error::InvalidToken);
        }
        self.temporary_credentials
            .delete_temporary_credential(&credential.oauth_token)
            .await
            .map_err(store_failed)?;

        let token = TokenCredential {
            client_id: client.client_id,
            oauth_token: (self.config.token_generator)(),
            oauth_token_secret: TokenSecret::new((self.config.token_secret_generator)()),
            user_id,
        };
        self.token_credentials
            .create_token_credential(&token)
            .await
            .map_err(store_failed)?;
        Ok(token)
    }

    async fn client(&self, client_id: &str) -> Result<Client, OAuth1Error> {
        self.clients
            .query_client(client_id)
            .await
            .map_err(store_failed)?
            .ok_or(OAuth1Error::InvalidClient)
    }

    async fn temporary_credential(&self, token: &str) -> Result<TemporaryCredential, OAuth1Error> {
        self.temporary_credentials
            .get_temporary_credential(token)
            .await
            .map_err(store_failed)?
            // A store that keeps expired entries a while must not make them usable.
            .filter(|c| c.expires_at > now_unix())
            .ok_or(OAuth1Error::InvalidToken)
    }
}

fn expires_at(lifetime: Duration) -> i64 {
    now_unix().saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX))
}

/// Authlib's `is_valid_url` for `oauth_callback`: absolute, with a host, and no user info
/// (which can disguise the real host, as in `https://provider.test@attacker.test/`).
fn check_callback(callback: &str) -> Result<(), OAuth1Error> {
    let invalid = |why: &str| {
        OAuth1Error::invalid_request(format!("Invalid \"oauth_callback\" value: {why}"))
    };
    let url =
        Url::parse(callback).map_err(|_| invalid("it must be an absolute URL, or \"oob\""))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() || authority_has_at(callback) {
        return Err(invalid("it must not carry user information"));
    }
    Ok(())
}

fn authority_has_at(uri: &str) -> bool {
    let rest = uri.split_once("://").map_or("", |(_, rest)| rest);
    rest.split(['/', '?', '#'])
        .next()
        .is_some_and(|a| a.contains('@'))
}

fn parse_redirect(uri: &str) -> Result<Url, OAuth1Error> {
    Url::parse(uri).map_err(|_| {
        tracing::warn!("a stored OAuth 1 callback or default redirect URI does not parse");
        OAuth1Error::invalid_request("the callback URI is not a valid absolute URL")
    })
}

/// `oauth_token` of the authorization page: from the query, or from a form body, which
/// together hold at most `max_parameters` (counted before any is decoded).
fn authorization_token<B: AsRef<[u8]>>(
    req: &Request<B>,
    max_parameters: usize,
) -> Result<String, OAuth1Error> {
    let form: &[u8] = if has_form_body(req.headers()) {
        req.body().as_ref()
    } else {
        &[]
    };
    let mut budget = ParameterBudget::new(max_parameters);
    budget.spend(count_form_parameters(
        req.uri().query().unwrap_or_default().as_bytes(),
    ))?;
    budget.spend(count_form_parameters(form))?;
    let query = query_parameters(req.uri())?;
    let body = body_parameters(req.headers(), req.body().as_ref())?;
    let mut tokens = query
        .into_iter()
        .chain(body)
        .filter(|(name, _)| name == "oauth_token")
        .map(|(_, value)| value);
    let token =
        tokens
            .next()
            .filter(|t| !t.is_empty())
            .ok_or(OAuth1Error::MissingRequiredParameter {
                name: "oauth_token",
            })?;
    if tokens.next().is_some() {
        return Err(OAuth1Error::DuplicatedOAuthProtocolParameter {
            description: "\"oauth_token\" appears more than once; send it once".to_owned(),
        });
    }
    check_parameter("oauth_token", &token, MAX_PARAMETER_LENGTH)?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_as_authlib_checks_them() {
        assert!(check_callback("https://client.example/cb?x=1").is_ok());
        assert!(check_callback("myapp://callback").is_ok());
        for bad in [
            "/relative",
            "https://provider.test@attacker.test/",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert_eq!(
                check_callback(bad).unwrap_err().error(),
                "invalid_request",
                "{bad}"
            );
        }
    }

    #[test]
    fn authorization_token_from_query_or_form() {
        let req = Request::get("/authorize?oauth_token=abc")
            .body(Vec::new())
            .unwrap();
        assert_eq!(authorization_token(&req, 1000).unwrap(), "abc");
        let req = Request::post("/authorize")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"oauth_token=def&confirm=yes".to_vec())
            .unwrap();
        assert_eq!(authorization_token(&req, 1000).unwrap(), "def");
        let req = Request::get("/authorize").body(Vec::new()).unwrap();
        assert!(matches!(
            authorization_token(&req, 1000),
            Err(OAuth1Error::MissingRequiredParameter {
                name: "oauth_token"
            })
        ));
        let req = Request::get("/authorize?oauth_token=a&oauth_token=b")
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            authorization_token(&req, 1000).unwrap_err().error(),
            "duplicated_oauth_protocol_parameter"
        );
        let req = Request::get("/authorize?oauth_token=abc&a&a")
            .body(Vec::new())
            .unwrap();
        assert!(authorization_token(&req, 3).is_ok());
        let req = Request::post("/authorize?oauth_token=abc&a")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"a&confirm=yes".to_vec())
            .unwrap();
        let err = authorization_token(&req, 3).unwrap_err();
        assert_eq!(err.error(), "invalid_request");
        assert!(err.description().contains("at most 3"), "{err}");
        let req = Request::get("/authorize?oauth_token=%FF")
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            authorization_token(&req, 1000).unwrap_err().error(),
            "invalid_request"
        );
    }
}
