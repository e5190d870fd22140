//! HMAC-SHA1 (RFC 5849 §3.4.2).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::{HMAC_SHA1, KeyMaterial, SignatureMethod};
use crate::oauth1::Error;

/// HMAC-SHA1 keyed with `enc(client_secret)&enc(token_secret)`, Base64 output.
#[derive(Debug, Clone, Copy, Default)]
pub struct HmacSha1;

/// An HMAC-SHA1 state already keyed (the key's two compression blocks done once, cloned per
/// request).
pub(crate) fn keyed(key: &str) -> Result<Hmac<Sha1>, Error> {
    <Hmac<Sha1> as KeyInit>::new_from_slice(key.as_bytes()).map_err(|_| {
        Error::SignatureMethodFailed {
            method: HMAC_SHA1.to_owned(),
            reason: "key rejected".to_owned(),
        }
    })
}

/// The raw MAC of `base_string` from a keyed state.
pub(crate) fn mac(keyed: &Hmac<Sha1>, base_string: &[u8]) -> [u8; 20] {
    let mut mac = keyed.clone();
    mac.update(base_string);
    mac.finalize().into_bytes().into()
}

pub(crate) fn verify_with(keyed: &Hmac<Sha1>, base_string: &str, signature: &str) -> bool {
    let Ok(raw) = STANDARD.decode(signature) else {
        return false;
    };
    let mut mac = keyed.clone();
    mac.update(base_string.as_bytes());
    // Constant-time comparison inside `verify_slice`.
    mac.verify_slice(&raw).is_ok()
}

impl SignatureMethod for HmacSha1 {
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
    use crate::secret::{ClientSecret, TokenSecret};

    #[test]
    fn oauth_core_appendix_a() {
        let base = "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal";
        let (cs, ts) = (
            ClientSecret::new("kd94hf93k423kf44"),
            TokenSecret::new("pfkkdhi9sl3r4s00"),
        );
        let keys = KeyMaterial::new(Some(&cs), Some(&ts));
        assert_eq!(
            HmacSha1.sign(base, &keys).unwrap(),
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
        );
        assert!(
            HmacSha1
                .verify(base, &keys, "tR3+Ty81lMeYAr/Fid0kMTYa/WM=")
                .unwrap()
        );
        assert!(
            !HmacSha1
                .verify(base, &keys, "tR3+Ty81lMeYAr/Fid0kMTYa/WM")
                .unwrap()
        );
        assert!(!HmacSha1.verify(base, &keys, "not base64!").unwrap());
    }
}
