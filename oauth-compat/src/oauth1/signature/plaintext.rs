//! PLAINTEXT (RFC 5849 §3.4.4): the signature is `enc(client_secret)&enc(token_secret)`.
//!
//! Only safe over TLS; it signs nothing about the request.

use subtle::ConstantTimeEq;

use super::{KeyMaterial, SignatureMethod};
use crate::oauth1::SignatureError;

/// The PLAINTEXT method.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plaintext;

impl SignatureMethod for Plaintext {
    fn sign(&self, _base_string: &str, keys: &KeyMaterial<'_>) -> Result<String, SignatureError> {
        Ok(keys.signing_key())
    }

    fn verify(
        &self,
        _base_string: &str,
        keys: &KeyMaterial<'_>,
        signature: &str,
    ) -> Result<bool, SignatureError> {
        Ok(bool::from(
            keys.signing_key().as_bytes().ct_eq(signature.as_bytes()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{ClientSecret, TokenSecret};

    #[test]
    fn plaintext_is_the_signing_key() {
        let (cs, ts) = (
            ClientSecret::new("kd94hf93k423kf44"),
            TokenSecret::new("pfkkdhi9sl3r4s00"),
        );
        let keys = KeyMaterial::new(Some(&cs), Some(&ts));
        assert_eq!(
            Plaintext.sign("ignored", &keys).unwrap(),
            "kd94hf93k423kf44&pfkkdhi9sl3r4s00"
        );
        assert!(
            Plaintext
                .verify("", &keys, "kd94hf93k423kf44&pfkkdhi9sl3r4s00")
                .unwrap()
        );
        assert!(!Plaintext.verify("", &keys, "kd94hf93k423kf44&").unwrap());
        assert_eq!(Plaintext.sign("", &KeyMaterial::default()).unwrap(), "&");
    }
}
