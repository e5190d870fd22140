//! What HMAC-SHA1 and HMAC-SHA256 share: a MAC state keyed once with
//! `enc(client_secret)&enc(token_secret)`, cloned per message, Base64 output.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::digest::Output;
use hmac::{KeyInit, Mac};

use super::KeyMaterial;
use crate::oauth1::SignatureError;

/// A state already keyed (the key's two compression blocks done once, cloned per request).
pub(crate) fn keyed<M: KeyInit>(method: &str, key: &str) -> Result<M, SignatureError> {
    M::new_from_slice(key.as_bytes()).map_err(|_| SignatureError::SignatureMethodFailed {
        method: method.to_owned(),
        reason: "key rejected".to_owned(),
    })
}

/// The raw MAC of `base_string` from a keyed state.
pub(crate) fn mac<M: Mac + Clone>(keyed: &M, base_string: &[u8]) -> Output<M> {
    let mut mac = keyed.clone();
    mac.update(base_string);
    mac.finalize().into_bytes()
}

/// Whether `signature` (Base64) is the MAC of `base_string`, compared in constant time.
pub(crate) fn verify_with<M: Mac + Clone>(keyed: &M, base_string: &str, signature: &str) -> bool {
    let Ok(raw) = STANDARD.decode(signature) else {
        return false;
    };
    let mut mac = keyed.clone();
    mac.update(base_string.as_bytes());
    // Constant-time comparison inside `verify_slice`.
    mac.verify_slice(&raw).is_ok()
}

/// `SignatureMethod::sign` for an HMAC method.
pub(crate) fn sign<M: KeyInit + Mac + Clone>(
    method: &str,
    base_string: &str,
    keys: &KeyMaterial<'_>,
) -> Result<String, SignatureError> {
    let keyed = keyed::<M>(method, &keys.signing_key())?;
    Ok(STANDARD.encode(mac(&keyed, base_string.as_bytes())))
}

/// `SignatureMethod::verify` for an HMAC method.
pub(crate) fn verify<M: KeyInit + Mac + Clone>(
    method: &str,
    base_string: &str,
    keys: &KeyMaterial<'_>,
    signature: &str,
) -> Result<bool, SignatureError> {
    let keyed = keyed::<M>(method, &keys.signing_key())?;
    Ok(verify_with(&keyed, base_string, signature))
}
