//! RSA-SHA1 (RFC 5849 §3.4.3): RSASSA-PKCS1-v1_5 over SHA-1, Base64 output.
//!
//! # Security: RUSTSEC-2023-0071
//!
//! The `rsa` crate carries advisory **RUSTSEC-2023-0071** ("Marvin Attack": a timing side
//! channel in operations that use the *private* key). What holds here:
//!
//! - **Verification (the provider side) uses only the client's public key**, so it is not
//!   affected by the advisory.
//! - **Client-side signing uses blinding**: [`RsaPrivateKey`] signs through the crate's
//!   randomized signer with the operating system RNG (`getrandom`), which blinds the private-key
//!   operation. Blinding reduces, but the advisory does not declare it removes, the leak; keep
//!   signing keys off hosts where attackers can time many signatures if that matters to you.
//! - The advisory has **no patched version** of `rsa`: `cargo audit` (cargo-audit 0.22.2, on
//!   2026-11-23, against the RustSec database as of its 2026-08-21 commit) reports it for the
//!   `rsa 0.10.0` this crate uses, and nothing else in the runtime dependencies.
//!
//! Keys are read from PEM: private keys as PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8
//! (`BEGIN PRIVATE KEY`), public keys as SPKI (`BEGIN PUBLIC KEY`) or PKCS#1
//! (`BEGIN RSA PUBLIC KEY`).

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use getrandom::SysRng;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use sha1::Sha1;

use super::{KeyMaterial, RSA_SHA1, SignatureMethod};
use crate::oauth1::SignatureError;

/// The RSA-SHA1 method: signs with [`KeyMaterial::rsa_private_key`], verifies with
/// [`KeyMaterial::rsa_public_key`].
#[derive(Debug, Clone, Copy, Default)]
pub struct RsaSha1;

/// An RSA private key for RSA-SHA1 signing. Cheap to clone; `Debug` prints `[redacted]`.
#[derive(Clone)]
pub struct RsaPrivateKey(Arc<SigningKey<Sha1>>);

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl RsaPrivateKey {
    /// Reads a PEM private key, PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, SignatureError> {
        let bad = || SignatureError::InvalidRsaKey {
            expected: "a PEM private key: PKCS#1 `BEGIN RSA PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE KEY`",
        };
        let key = if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
            rsa::PrivateKey::from_pkcs1_pem(pem).map_err(|_| bad())?
        } else {
            rsa::PrivateKey::from_pkcs8_pem(pem).map_err(|_| bad())?
        };
        Ok(Self(Arc::new(SigningKey::new(key))))
    }

    /// The matching public key.
    pub fn public_key(&self) -> RsaPublicKey {
        let private: &rsa::PrivateKey = self.0.as_ref().as_ref();
        RsaPublicKey(VerifyingKey::new(private.to_public_key()))
    }

    /// Signs with blinding (see the module docs on RUSTSEC-2023-0071).
    pub(crate) fn sign(&self, base_string: &str) -> Result<String, SignatureError> {
        let signature: Signature = self
            .0
            .try_sign_with_rng(&mut SysRng, base_string.as_bytes())
            .map_err(|_| SignatureError::RsaSigning)?;
        Ok(STANDARD.encode(signature.to_bytes()))
    }
}

/// An RSA public key for RSA-SHA1 verification.
#[derive(Clone)]
pub struct RsaPublicKey(VerifyingKey<Sha1>);

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPublicKey")
    }
}

impl RsaPublicKey {
    /// Reads a PEM public key, SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, SignatureError> {
        let bad = || SignatureError::InvalidRsaKey {
            expected: "a PEM public key: SPKI `BEGIN PUBLIC KEY` or PKCS#1 `BEGIN RSA PUBLIC KEY`",
        };
        let key = if pem.contains("-----BEGIN RSA PUBLIC KEY-----") {
            rsa::PublicKey::from_pkcs1_pem(pem).map_err(|_| bad())?
        } else {
            rsa::PublicKey::from_public_key_pem(pem).map_err(|_| bad())?
        };
        Ok(Self(VerifyingKey::new(key)))
    }

    pub(crate) fn verify(&self, base_string: &str, signature: &str) -> bool {
        let Ok(raw) = STANDARD.decode(signature) else {
            return false;
        };
        let Ok(signature) = Signature::try_from(raw.as_slice()) else {
            return false;
        };
        self.0.verify(base_string.as_bytes(), &signature).is_ok()
    }
}

impl SignatureMethod for RsaSha1 {
    fn sign(&self, base_string: &str, keys: &KeyMaterial<'_>) -> Result<String, SignatureError> {
        keys.rsa_private_key()
            .ok_or(SignatureError::MissingKey {
                method: RSA_SHA1.to_owned(),
                key: "an RSA private key",
            })?
            .sign(base_string)
    }

    fn verify(
        &self,
        base_string: &str,
        keys: &KeyMaterial<'_>,
        signature: &str,
    ) -> Result<bool, SignatureError> {
        let key = keys.rsa_public_key().ok_or(SignatureError::MissingKey {
            method: RSA_SHA1.to_owned(),
            key: "an RSA public key",
        })?;
        Ok(key.verify(base_string, signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_pem_is_typed_and_free_of_key_material() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nTUlJQ1hBSUJBQUtCZ1FD\n-----END RSA PRIVATE KEY-----\n";
        let err = RsaPrivateKey::from_pem(pem).unwrap_err();
        assert!(matches!(err, SignatureError::InvalidRsaKey { .. }));
        assert!(!err.to_string().contains("TUlJ"));
        assert!(matches!(
            RsaPrivateKey::from_pem("garbage"),
            Err(SignatureError::InvalidRsaKey { .. })
        ));
        assert!(matches!(
            RsaPublicKey::from_pem("garbage"),
            Err(SignatureError::InvalidRsaKey { .. })
        ));
    }

    #[test]
    fn missing_keys_named() {
        let err = RsaSha1.sign("x", &KeyMaterial::default()).unwrap_err();
        assert!(err.to_string().contains("RSA private key"));
        let err = RsaSha1
            .verify("x", &KeyMaterial::default(), "s")
            .unwrap_err();
        assert!(err.to_string().contains("RSA public key"));
    }
}
