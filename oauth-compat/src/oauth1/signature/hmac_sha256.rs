//! HMAC-SHA256: HMAC-SHA1 of RFC 5849 §3.4.2 with SHA-256 (not in the RFC; Twitter-era providers and oauthlib support it).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::{HMAC_SHA256, KeyMaterial, SignatureMethod};
use crate::oauth1::Error;

/// HMAC-SHA256 keyed with `enc(client_secret)&enc(token_secret)`, Base64 output.
#[derive(Debug, Clone, Copy, Default)]
pub struct HmacSha256;

/// An HMAC-SHA256 state already keyed (the key's two compression blocks done once, cloned per
/// request).
pub(crate) fn keyed(key: &str) -> Result<Hmac<Sha256>, Error> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).map_err(|_| {
        Error::SignatureMethodFailed {
            method: HMAC_SHA256.to_owned(),
            reason: "key rejected".to_owned(),
        }
    })
}

/// The raw MAC of `base_string` from a keyed state.
pub(crate) fn mac(keyed: &Hmac<Sha256>, base_string: &[u8]) -> [u8; 32] {
    let mut mac = keyed.clone();
    mac.update(base_string);
    mac.finalize().into_bytes().into()
}

pub(crate) fn verify_with(keyed: &Hmac<Sha256>, base_string: &str, signature: &str) -> bool {
    let Ok(raw) = STANDARD.decode(signature) else {
        return false;
    };
    let mut mac = keyed.clone();
    mac.update(base_string.as_bytes());
    // Constant-time comparison inside `verify_slice`.
    mac.verify_slice(&raw).is_ok()
}

impl SignatureMethod for HmacSha256 {
    fn sign(&self, base_string: &str, keys: &KeyMaterial<'_>) -> Result<String, Error> {
        Ok(STANDARD.encode(mac(&keyed(&keys.signing_key())?, base_string.as_bytes())))
    }

    fn verify(
        &self,
        base_string: &str,
        keys: &KeyMaterial<'_>,
        signature: &str,
    ) -> Result<bool, Error> {
        Ok(verify_with(
            &keyed(&keys.signing_key())?,
            base_string,
            signature,
        ))
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
