//! The checks every endpoint shares (Authlib's `BaseServer`): reading the signed request,
//! the transport rule, the timestamp window and nonce, and the signature, verified for real
//! by the sans-IO core.

use std::time::Duration;

use http::{Method, Request, Uri};

use super::config::{ServerConfig, TransportRule};
use super::error::OAuth1Error;
use super::request_uri::public_uri;
use super::store::{Client, NonceKey, NonceStore, StoreError};
use crate::oauth1::signature::{HMAC_SHA1, HMAC_SHA256, PLAINTEXT, RSA_SHA1};
use crate::oauth1::verify::ProtocolParameters;
use crate::oauth1::{KeyMaterial, RsaPublicKey, SignedRequest};
use crate::secret::TokenSecret;
use crate::wire::now_unix_secs;
use crate::wire::transport::is_secure_transport;

/// Logs a store failure where it happens (the response body will not say it) and wraps it.
pub(crate) fn store_failed(err: StoreError) -> OAuth1Error {
    tracing::error!(error = %err, "OAuth 1 provider storage failed");
    OAuth1Error::Store(err)
}

/// A signed request's protocol parameters, found and checked over its public URI with the
/// transport rule applied, its other parameters counted (at most
/// [`ServerConfig::max_parameters`]) but not yet decoded: an endpoint looks up the client and
/// token by them, refusing unknown ones cheaply, before
/// [`into_signed_request`](Located::into_signed_request) decodes the rest.
pub(crate) struct Located<'a> {
    uri: Uri,
    protocol: ProtocolParameters<'a>,
}

pub(crate) fn locate<'a, B: AsRef<[u8]>>(
    req: &'a Request<B>,
    config: &ServerConfig,
) -> Result<Located<'a>, OAuth1Error> {
    let uri = public_uri(req.uri(), req.headers(), config)?;
    if config.transport_rule == TransportRule::EveryRequest {
        check_transport(&uri)?;
    }
    // The request's own query: the public URI has the same (only its scheme and authority
    // are rebuilt), and borrowing it from the request lets the parameters outlive `uri`.
    let protocol = ProtocolParameters::locate(
        req.uri(),
        req.headers(),
        req.body().as_ref(),
        config.max_parameters,
    )?;
    check_protocol_parameters(protocol.fields())?;
    if config.transport_rule == TransportRule::PlaintextOnly
        && protocol.fields().signature_method() == PLAINTEXT
    {
        check_transport(&uri)?;
    }
    Ok(Located { uri, protocol })
}

impl Located<'_> {
    /// The protocol parameters (every accessor of [`SignedRequest`] but `parameters`).
    pub(crate) fn protocol(&self) -> &SignedRequest {
        self.protocol.fields()
    }

    /// The request with every parameter decoded, ready to verify.
    pub(crate) fn into_signed_request(self, method: &Method) -> Result<SignedRequest, OAuth1Error> {
        Ok(self.protocol.into_signed_request(method, &self.uri)?)
    }
}

/// The longest `oauth_consumer_key`, `oauth_token`, `oauth_nonce`, `oauth_verifier` or
/// `oauth_signature_method` accepted, in bytes: far above what any client sends, and below
/// what a database index or column refuses (PostgreSQL's btree rows stop near 2700 bytes).
pub(crate) const MAX_PARAMETER_LENGTH: usize = 255;
/// The longest `oauth_callback` accepted, in bytes.
pub(crate) const MAX_CALLBACK_LENGTH: usize = 2048;

/// Refuses, with `invalid_request` naming it, a protocol parameter that holds a control
/// character (PostgreSQL `text` refuses NUL outright) or is longer than its cap, before any
/// store sees it: such input is the client's error, never a storage failure.
pub(crate) fn check_parameter(
    name: &'static str,
    value: &str,
    max: usize,
) -> Result<(), OAuth1Error> {
    if value.chars().any(char::is_control) {
        return Err(OAuth1Error::invalid_request(format!(
            "Invalid \"{name}\" value: it must not contain control characters"
        )));
    }
    if value.len() > max {
        return Err(OAuth1Error::invalid_request(format!(
            "Invalid \"{name}\" value: it must be at most {max} bytes long"
        )));
    }
    Ok(())
}

fn check_protocol_parameters(signed: &SignedRequest) -> Result<(), OAuth1Error> {
    let capped = [
        ("oauth_consumer_key", Some(signed.consumer_key())),
        ("oauth_token", signed.token()),
        ("oauth_nonce", signed.nonce()),
        ("oauth_verifier", signed.verifier()),
        ("oauth_signature_method", Some(signed.signature_method())),
    ];
    for (name, value) in capped {
        if let Some(value) = value {
            check_parameter(name, value, MAX_PARAMETER_LENGTH)?;
        }
    }
    if let Some(callback) = signed.callback() {
        check_parameter("oauth_callback", callback, MAX_CALLBACK_LENGTH)?;
    }
    Ok(())
}

/// The transport rule for requests that carry no signature (the authorization page).
pub(crate) fn check_unsigned_transport<B>(
    req: &Request<B>,
    config: &ServerConfig,
) -> Result<(), OAuth1Error> {
    if config.transport_rule == TransportRule::EveryRequest {
        check_transport(&public_uri(req.uri(), req.headers(), config)?)?;
    }
    Ok(())
}

fn check_transport(uri: &http::Uri) -> Result<(), OAuth1Error> {
    let secure = url::Url::parse(&uri.to_string()).is_ok_and(|url| is_secure_transport(&url));
    if secure {
        Ok(())
    } else {
        Err(OAuth1Error::InsecureTransport)
    }
}

/// A request's nonce, checked for presence but not yet recorded: [`record_nonce`] records it
/// once the signature is verified.
pub(crate) struct PendingNonce(Option<(NonceKey, Duration)>);

/// `oauth_timestamp` within the window either way, and `oauth_nonce` present (the first half
/// of Authlib's `validate_timestamp_and_nonce`; PLAINTEXT may omit both). Nothing is stored
/// yet: the nonce is recorded by [`record_nonce`] after the signature is verified, so badly
/// signed requests cannot fill the nonce store.
pub(crate) fn validate_timestamp(
    signed: &SignedRequest,
    config: &ServerConfig,
) -> Result<PendingNonce, OAuth1Error> {
    let (timestamp, nonce) = (signed.timestamp(), signed.nonce().filter(|n| !n.is_empty()));
    if signed.signature_method() == PLAINTEXT && timestamp.is_none() && nonce.is_none() {
        return Ok(PendingNonce(None));
    }
    let timestamp = timestamp.ok_or(OAuth1Error::MissingRequiredParameter {
        name: "oauth_timestamp",
    })?;
    let window = config.timestamp_window.as_secs();
    let now = now_unix_secs();
    if now.saturating_sub(timestamp) > window {
        return Err(OAuth1Error::invalid_request(format!(
            "Invalid \"oauth_timestamp\" value: it is more than {window} seconds old; sign each request when it is sent, with a correct clock"
        )));
    }
    if timestamp.saturating_sub(now) > window {
        return Err(OAuth1Error::invalid_request(format!(
            "Invalid \"oauth_timestamp\" value: it is more than {window} seconds ahead of the server's clock; check the client's clock"
        )));
    }
    let nonce = nonce.ok_or(OAuth1Error::MissingRequiredParameter {
        name: "oauth_nonce",
    })?;
    let key = NonceKey {
        client_id: signed.consumer_key().to_owned(),
        timestamp,
        nonce: nonce.to_owned(),
        token: signed.token().map(str::to_owned),
    };
    // Remembered until the timestamp leaves the window, which for a timestamp ahead of the
    // clock is up to twice the window from now; the extra second covers rounding.
    let ttl = Duration::from_secs(
        timestamp
            .saturating_add(window)
            .saturating_sub(now)
            .saturating_add(1),
    );
    Ok(PendingNonce(Some((key, ttl))))
}

/// Records the nonce [`validate_timestamp`] found, atomically (the second half of Authlib's
/// `validate_timestamp_and_nonce`): a replay is `invalid_nonce`. Call it only once the
/// signature is verified.
pub(crate) async fn record_nonce(
    pending: PendingNonce,
    nonces: &dyn NonceStore,
) -> Result<(), OAuth1Error> {
    let Some((key, ttl)) = pending.0 else {
        return Ok(());
    };
    if nonces.insert_nonce(&key, ttl).await.map_err(store_failed)? {
        Ok(())
    } else {
        Err(OAuth1Error::InvalidNonce)
    }
}

/// The signature, with the client's secret or RSA public key and the token secret
/// (Authlib's `validate_oauth_signature`, which also refuses the shared-secret methods to a
/// client without a secret; here every method but RSA-SHA1 is refused to it, custom ones
/// included).
pub(crate) fn validate_signature(
    signed: &SignedRequest,
    client: &Client,
    token_secret: Option<&TokenSecret>,
    config: &ServerConfig,
) -> Result<(), OAuth1Error> {
    // Decided once, here, before the key checks: a method outside `supported_methods`, or
    // not registered, is `unsupported_signature_method`.
    let verifier = signed.accepted_method(&config.signature_methods, &config.supported_methods)?;
    let method = signed.signature_method();
    let shared_secret = matches!(method, HMAC_SHA1 | HMAC_SHA256 | PLAINTEXT);
    // Only RSA-SHA1 is known not to use the client's secret: any other method, a registered
    // custom one included, could be computed by anyone from an empty secret.
    if method != RSA_SHA1 && client.client_secret.expose_secret().is_empty() {
        return Err(OAuth1Error::InvalidSignature {
            reason: "the client has no secret, so it can only use RSA-SHA1",
        });
    }
    let rsa_key = match client.rsa_public_key.as_deref() {
        Some(pem) if !shared_secret => match RsaPublicKey::from_pem(pem) {
            Ok(key) => Some(key),
            Err(err) => {
                tracing::warn!(client_id = %client.client_id, error = %err, "the client's stored RSA public key does not parse");
                None
            }
        },
        _ => None,
    };
    if method == RSA_SHA1 && rsa_key.is_none() {
        return Err(OAuth1Error::InvalidSignature {
            reason: "the client has no usable RSA public key, so it cannot use RSA-SHA1",
        });
    }
    let mut keys = KeyMaterial::new(Some(&client.client_secret), token_secret);
    if let Some(key) = &rsa_key {
        keys = keys.with_rsa_public_key(key);
    }
    if config.accept_twice_decoded_oauth_values {
        signed.verify_allowing_twice_decoded_with(verifier, &keys)?;
    } else {
        signed.verify_with(verifier, &keys)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue, header};

    use super::*;
    use crate::secret::ClientSecret;

    fn signed_with(method: &str) -> SignedRequest {
        let mut headers = HeaderMap::new();
        let auth = format!(
            r#"OAuth oauth_consumer_key="k", oauth_signature_method="{method}", oauth_timestamp="1", oauth_nonce="n", oauth_signature="c2ln""#
        );
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&auth).unwrap());
        let uri = "https://provider.example/initiate".parse().unwrap();
        SignedRequest::from_parts(&Method::POST, &uri, &headers, b"").unwrap()
    }

    fn client_without_secret() -> Client {
        Client {
            client_id: "k".into(),
            client_secret: ClientSecret::new(""),
            rsa_public_key: None,
            default_redirect_uri: None,
        }
    }

    /// The method is decided before the client's keys are looked at: a client without a
    /// secret using a method the provider does not accept hears that, not a key problem.
    #[test]
    fn an_unaccepted_method_is_refused_before_the_key_checks() {
        let config = ServerConfig::default(); // HMAC-SHA1 only
        let client = client_without_secret();
        for method in ["HMAC-SHA256", "X-UNREGISTERED"] {
            let err = validate_signature(&signed_with(method), &client, None, &config).unwrap_err();
            assert!(
                matches!(&err, OAuth1Error::UnsupportedSignatureMethod { method: m } if m == method),
                "{err:?}"
            );
        }
        // Listed as supported but never registered: still unsupported, by the same decision.
        let config = ServerConfig::default().supported_signature_methods(["X-UNREGISTERED"]);
        let err =
            validate_signature(&signed_with("X-UNREGISTERED"), &client, None, &config).unwrap_err();
        assert!(
            matches!(&err, OAuth1Error::UnsupportedSignatureMethod { .. }),
            "{err:?}"
        );
        // An accepted method goes on to the key checks.
        let err = validate_signature(
            &signed_with("HMAC-SHA1"),
            &client,
            None,
            &ServerConfig::default(),
        )
        .unwrap_err();
        assert!(
            matches!(err, OAuth1Error::InvalidSignature { .. }),
            "{err:?}"
        );
    }
}
