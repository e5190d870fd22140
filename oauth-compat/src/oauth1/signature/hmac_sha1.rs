//! HMAC-SHA1 (RFC 5849 §3.4.2).

use hmac::Hmac;
use sha1::Sha1;

use super::{HMAC_SHA1, KeyMaterial, SignatureMethod, keyed_hmac};
use crate::oauth1::SignatureError;

/// HMAC-SHA1 keyed with `enc(client_secret)&enc(token_secret)`, Base64 output.
#[derive(Debug, Clone, Copy, Default)]
pub struct HmacSha1;

impl SignatureMethod for HmacSha1 {
    fn sign(&self, base_string: &str, keys: &KeyMaterial<'_>) -> Result<String, SignatureError> {
        keyed_hmac::sign::<Hmac<Sha1>>(HMAC_SHA1, base_string, keys)
    }

    fn verify(
        &self,
        base_string: &str,
        keys: &KeyMaterial<'_>,
        signature: &str,
    ) -> Result<bool, SignatureError> {
        keyed_hmac::verify::<Hmac<Sha1>>(HMAC_SHA1, base_string, keys, signature)
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
