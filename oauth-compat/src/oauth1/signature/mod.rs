//! Signature methods (RFC 5849 §3.4) and the registry that names them.
//!
//! [`SignatureMethods`] starts with HMAC-SHA1, HMAC-SHA256, RSA-SHA1 and PLAINTEXT; register a
//! custom method by name (Authlib's `register_signature_method`) and both the
//! [`Signer`](crate::oauth1::Signer) and the verifier use it.
//!
//! ```
//! use oauth_compat::oauth1::{SignatureError, KeyMaterial, SignatureMethod, SignatureMethods};
//!
//! /// A toy method for the example: the base string's length.
//! struct Length;
//! impl SignatureMethod for Length {
//!     fn sign(&self, base_string: &str, _keys: &KeyMaterial<'_>) -> Result<String, SignatureError> {
//!         Ok(base_string.len().to_string())
//!     }
//! }
//! let mut methods = SignatureMethods::new();
//! methods.register("X-LENGTH", Length);
//! assert!(methods.contains("X-LENGTH") && methods.contains("HMAC-SHA1"));
//! ```

mod hmac_sha1;
mod hmac_sha256;
pub(crate) mod keyed_hmac;
mod plaintext;
mod rsa_sha1;

use std::fmt;
use std::sync::Arc;

use subtle::ConstantTimeEq;

use super::SignatureError;
use super::encode::percent_encode_into;
use crate::secret::{ClientSecret, TokenSecret};
pub use hmac_sha1::HmacSha1;
pub use hmac_sha256::HmacSha256;
pub use plaintext::Plaintext;
pub use rsa_sha1::{RsaPrivateKey, RsaPublicKey, RsaSha1};

/// Name of the HMAC-SHA1 method.
pub const HMAC_SHA1: &str = "HMAC-SHA1";
/// Name of the HMAC-SHA256 method (not in RFC 5849, but widely supported).
pub const HMAC_SHA256: &str = "HMAC-SHA256";
/// Name of the RSA-SHA1 method.
pub const RSA_SHA1: &str = "RSA-SHA1";
/// Name of the PLAINTEXT method.
pub const PLAINTEXT: &str = "PLAINTEXT";

/// The keys a signature method may need; each is optional, a method takes what it uses.
#[derive(Clone, Copy, Default)]
pub struct KeyMaterial<'a> {
    client_secret: Option<&'a ClientSecret>,
    token_secret: Option<&'a TokenSecret>,
    rsa_private_key: Option<&'a RsaPrivateKey>,
    rsa_public_key: Option<&'a RsaPublicKey>,
}

impl fmt::Debug for KeyMaterial<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("client_secret", &self.client_secret.map(|_| "[redacted]"))
            .field("token_secret", &self.token_secret.map(|_| "[redacted]"))
            .field(
                "rsa_private_key",
                &self.rsa_private_key.map(|_| "[redacted]"),
            )
            .field("rsa_public_key", &self.rsa_public_key.is_some())
            .finish()
    }
}

impl<'a> KeyMaterial<'a> {
    /// Shared secrets (HMAC, PLAINTEXT). `None` counts as empty.
    pub fn new(
        client_secret: Option<&'a ClientSecret>,
        token_secret: Option<&'a TokenSecret>,
    ) -> Self {
        Self {
            client_secret,
            token_secret,
            ..Self::default()
        }
    }

    /// Adds the client's RSA private key (RSA-SHA1 signing).
    pub fn with_rsa_private_key(mut self, key: &'a RsaPrivateKey) -> Self {
        self.rsa_private_key = Some(key);
        self
    }

    /// Adds the client's RSA public key (RSA-SHA1 verification).
    pub fn with_rsa_public_key(mut self, key: &'a RsaPublicKey) -> Self {
        self.rsa_public_key = Some(key);
        self
    }

    /// The client secret, or `""`.
    pub fn client_secret(&self) -> &'a str {
        self.client_secret.map_or("", ClientSecret::expose_secret)
    }

    /// The token secret, or `""`.
    pub fn token_secret(&self) -> &'a str {
        self.token_secret.map_or("", TokenSecret::expose_secret)
    }

    /// The RSA private key, if given.
    pub fn rsa_private_key(&self) -> Option<&'a RsaPrivateKey> {
        self.rsa_private_key
    }

    /// The RSA public key, if given.
    pub fn rsa_public_key(&self) -> Option<&'a RsaPublicKey> {
        self.rsa_public_key
    }

    /// `enc(client_secret)&enc(token_secret)`: the HMAC key and the PLAINTEXT signature (§3.4.2).
    pub fn signing_key(&self) -> String {
        signing_key(self.client_secret(), self.token_secret())
    }
}

/// `enc(client_secret)&enc(token_secret)` (RFC 5849 §3.4.2, §3.4.4). The result is a secret.
pub fn signing_key(client_secret: &str, token_secret: &str) -> String {
    let mut key = String::with_capacity(3 * (client_secret.len() + token_secret.len()) + 1);
    percent_encode_into(&mut key, client_secret);
    key.push('&');
    percent_encode_into(&mut key, token_secret);
    key
}

/// A signature method: turns a signature base string and keys into `oauth_signature`, and
/// checks one.
pub trait SignatureMethod: Send + Sync {
    /// The `oauth_signature` value (not yet percent-encoded) for `base_string`.
    fn sign(&self, base_string: &str, keys: &KeyMaterial<'_>) -> Result<String, SignatureError>;

    /// Whether `signature` is right for `base_string`. The default signs and compares in
    /// constant time, which suits any deterministic method (Authlib's model).
    fn verify(
        &self,
        base_string: &str,
        keys: &KeyMaterial<'_>,
        signature: &str,
    ) -> Result<bool, SignatureError> {
        let expected = self.sign(base_string, keys)?;
        Ok(bool::from(expected.as_bytes().ct_eq(signature.as_bytes())))
    }
}

#[derive(Clone)]
pub(crate) enum RegisteredMethod {
    HmacSha1,
    HmacSha256,
    RsaSha1,
    Plaintext,
    Custom(Arc<dyn SignatureMethod>),
}

impl RegisteredMethod {
    pub(crate) fn method(&self) -> &dyn SignatureMethod {
        match self {
            RegisteredMethod::HmacSha1 => &hmac_sha1::HmacSha1,
            RegisteredMethod::HmacSha256 => &hmac_sha256::HmacSha256,
            RegisteredMethod::RsaSha1 => &rsa_sha1::RsaSha1,
            RegisteredMethod::Plaintext => &plaintext::Plaintext,
            RegisteredMethod::Custom(m) => m.as_ref(),
        }
    }
}

/// The signature methods known by name, shared by signing and verification.
#[derive(Clone)]
pub struct SignatureMethods {
    entries: Vec<(String, RegisteredMethod)>,
}

impl fmt::Debug for SignatureMethods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Default for SignatureMethods {
    fn default() -> Self {
        Self::new()
    }
}

impl SignatureMethods {
    /// A registry with the four built-in methods.
    pub fn new() -> Self {
        Self {
            entries: vec![
                (HMAC_SHA1.to_owned(), RegisteredMethod::HmacSha1),
                (HMAC_SHA256.to_owned(), RegisteredMethod::HmacSha256),
                (RSA_SHA1.to_owned(), RegisteredMethod::RsaSha1),
                (PLAINTEXT.to_owned(), RegisteredMethod::Plaintext),
            ],
        }
    }

    /// Registers (or replaces) a method under `name` (case-sensitive, as sent on the wire).
    pub fn register(
        &mut self,
        name: impl Into<String>,
        method: impl SignatureMethod + 'static,
    ) -> &mut Self {
        let name = name.into();
        let entry = RegisteredMethod::Custom(Arc::new(method));
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = entry,
            None => self.entries.push((name, entry)),
        }
        self
    }

    /// Whether a method is registered under `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }

    /// The registered names, in registration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// The method registered under `name`.
    pub fn get(&self, name: &str) -> Result<&dyn SignatureMethod, SignatureError> {
        self.entry(name).map(RegisteredMethod::method)
    }

    pub(crate) fn entry(&self, name: &str) -> Result<&RegisteredMethod, SignatureError> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e)
            .ok_or_else(|| SignatureError::UnknownSignatureMethod {
                method: name.to_owned(),
            })
    }

    /// Signs `base_string` with the method named `name`.
    pub fn sign(
        &self,
        name: &str,
        base_string: &str,
        keys: &KeyMaterial<'_>,
    ) -> Result<String, SignatureError> {
        self.get(name)?.sign(base_string, keys)
    }

    /// Checks `signature` with the method named `name`; a mismatch is [`SignatureError::BadSignature`].
    pub fn verify(
        &self,
        name: &str,
        base_string: &str,
        keys: &KeyMaterial<'_>,
        signature: &str,
    ) -> Result<(), SignatureError> {
        if self.get(name)?.verify(base_string, keys, signature)? {
            Ok(())
        } else {
            Err(SignatureError::BadSignature {
                method: name.to_owned(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Reverse;
    impl SignatureMethod for Reverse {
        fn sign(
            &self,
            base_string: &str,
            keys: &KeyMaterial<'_>,
        ) -> Result<String, SignatureError> {
            Ok(format!(
                "{}{}",
                keys.signing_key(),
                base_string.chars().rev().collect::<String>()
            ))
        }
    }

    #[test]
    fn registry_has_builtins_and_custom() {
        let mut m = SignatureMethods::new();
        assert_eq!(
            m.names().collect::<Vec<_>>(),
            [HMAC_SHA1, HMAC_SHA256, RSA_SHA1, PLAINTEXT]
        );
        m.register("REVERSE", Reverse);
        let cs = ClientSecret::new("c");
        let keys = KeyMaterial::new(Some(&cs), None);
        assert_eq!(m.sign("REVERSE", "abc", &keys).unwrap(), "c&cba");
        assert!(m.verify("REVERSE", "abc", &keys, "c&cba").is_ok());
        assert!(matches!(
            m.verify("REVERSE", "abc", &keys, "c&abc"),
            Err(SignatureError::BadSignature { .. })
        ));
        match m.sign("HMAC-MD5", "x", &keys) {
            Err(SignatureError::UnknownSignatureMethod { method }) => {
                assert_eq!(method, "HMAC-MD5")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn key_material_debug_redacts() {
        let cs = ClientSecret::new("topsecret1");
        let ts = TokenSecret::new("topsecret2");
        let dbg = format!("{:?}", KeyMaterial::new(Some(&cs), Some(&ts)));
        assert!(!dbg.contains("topsecret"));
    }

    #[test]
    fn signing_key_encodes() {
        assert_eq!(signing_key("a&b=c", "d e"), "a%26b%3Dc&d%20e");
        assert_eq!(signing_key("", ""), "&");
    }
}
