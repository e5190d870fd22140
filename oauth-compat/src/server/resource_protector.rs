//! Protected resources (Authlib's `ResourceProtector`, the seed's `require_oauth`): a request
//! signed with token credentials yields the [`Credential`] (the seed's `current_credential`).

use std::sync::Arc;

use http::Request;

use super::base_server::{
    locate, record_nonce, store_failed, validate_signature, validate_timestamp,
};
use super::config::ServerConfig;
use super::error::OAuth1Error;
use super::store::{ClientStore, NonceStore, TokenCredential, TokenCredentialStore};
use crate::oauth1::SignatureMethod;

/// What a protected handler learns about the caller: the token credential and its client (the
/// seed's `current_credential`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The token credential the request was signed with.
    pub token: TokenCredential,
    /// The client that signed it.
    pub client_id: String,
}

impl Credential {
    /// The user who granted the token (the seed's `current_credential.user`).
    pub fn user_id(&self) -> &str {
        &self.token.user_id
    }
}

/// Checks signed requests to protected resources (Authlib's `ResourceProtector`). It needs only
/// the stores, so it can run on a resource server apart from the authorization server, sharing
/// the storage. Cheap to clone; its futures are `Send`.
///
/// Seed counterparts: `query_client` is a [`ClientStore`], `query_token` a
/// [`TokenCredentialStore`], `exists_nonce` a [`NonceStore`].
#[derive(Clone)]
pub struct ResourceProtector {
    clients: Arc<dyn ClientStore>,
    token_credentials: Arc<dyn TokenCredentialStore>,
    nonces: Arc<dyn NonceStore>,
    /// Shared, so a clone (one per request when axum takes the protector from the router's
    /// state) copies no settings; changed copy-on-write by `register_signature_method`.
    config: Arc<ServerConfig>,
}

impl std::fmt::Debug for ResourceProtector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceProtector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ResourceProtector {
    /// A protector over the stores it reads (clients, token credentials) and writes (nonces).
    pub fn new(
        clients: Arc<dyn ClientStore>,
        token_credentials: Arc<dyn TokenCredentialStore>,
        nonces: Arc<dyn NonceStore>,
        config: ServerConfig,
    ) -> Self {
        config.warn_unregistered_methods();
        Self {
            clients,
            token_credentials,
            nonces,
            config: Arc::new(config),
        }
    }

    /// A protector over one store that keeps everything.
    pub fn from_store<S>(store: Arc<S>, config: ServerConfig) -> Self
    where
        S: ClientStore + TokenCredentialStore + NonceStore + 'static,
    {
        Self::new(store.clone(), store.clone(), store, config)
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
        Arc::make_mut(&mut self.config).register_method_in_place(name.into(), method);
        self
    }

    /// Checks a request to a protected resource: the client, the token credential (issued to
    /// that client), the timestamp (all before the parameters that are not `oauth_*` are
    /// decoded, and a request of more than [`ServerConfig::max_parameters`] is refused before
    /// anything), the signature, and then the nonce, recorded only for a
    /// well-signed request (Authlib records it before checking the signature, so a flood of
    /// forged requests filled its nonce store). The error's
    /// [`into_json_response`](OAuth1Error::into_json_response) is what Authlib's Flask
    /// `require_oauth()` answers.
    pub async fn validate_request<B: AsRef<[u8]> + Sync>(
        &self,
        req: &Request<B>,
    ) -> Result<Credential, OAuth1Error> {
        let located = locate(req, &self.config)?;
        let protocol = located.protocol();
        let client = self
            .clients
            .query_client(protocol.consumer_key())
            .await
            .map_err(store_failed)?
            .ok_or(OAuth1Error::InvalidClient)?;
        let token = protocol.token().filter(|t| !t.is_empty()).ok_or(
            OAuth1Error::MissingRequiredParameter {
                name: "oauth_token",
            },
        )?;
        let token = self
            .token_credentials
            .query_token(&client.client_id, token)
            .await
            .map_err(store_failed)?
            .filter(|t| t.client_id == client.client_id)
            .ok_or(OAuth1Error::InvalidToken)?;
        let nonce = validate_timestamp(protocol, &self.config)?;
        // Only now, for a known client and token, are the other parameters decoded.
        let signed = located.into_signed_request(req.method())?;
        validate_signature(
            &signed,
            &client,
            Some(&token.oauth_token_secret),
            &self.config,
        )?;
        record_nonce(nonce, self.nonces.as_ref()).await?;
        Ok(Credential {
            token,
            client_id: client.client_id,
        })
    }
}
