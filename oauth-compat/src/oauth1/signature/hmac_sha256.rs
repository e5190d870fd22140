//! HMAC-SHA256: HMAC-SHA1 of RFC 5849 §3.4.2 with SHA-256 (not in the RFC; Twitter-era providers and oauthlib support it).

use hmac::Hmac;
use sha2::Sha256;

use super::{HMAC_SHA256, KeyMaterial, SignatureMethod, keyed_hmac};
use crate::oauth1::SignatureError;

/// HMAC-SHA256 keyed with `enc(client_secret)&enc(token_secret)`, Base64 output.
#[derive(Debug, Clone, Copy, Default)]
pub struct HmacSha256;

impl SignatureMethod for HmacSha256 {
    fn sign(&self, base_string: &str, keys: &KeyMaterial<'_>) -> Result<String, SignatureError> {
        keyed_hmac::sign::<Hmac<Sha256>>(HMAC_SHA256, base_string, keys)
    }

    fn verify(
        &self,
        base_string: &str,
        keys: &KeyMaterial<'_>,
        signature: &str,
    ) -> Result<bool, SignatureError> {
        keyed_hmac::verify::<Hmac<Sha256>>(HMAC_SHA256, base_string, keys, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::ClientSecret;

    #[test]
    fn sign_and_verify() {
        let cs = ClientSecret::new("key");
        let keys = KeyMaterial::new(Some(&cs), None);
        // HMAC-SHA256("key&", "base"), from Python's hmac module.
        let sig = HmacSha256.sign("base", &keys).unwrap();
        assert_eq!(sig, "/NXB9XoxaU6BDAesDEJ7Q5imeVdhJl4u9se3OF4NS7s=");
        assert!(HmacSha256.verify("base", &keys, &sig).unwrap());
        assert!(!HmacSha256.verify("base2", &keys, &sig).unwrap());
    }
}
