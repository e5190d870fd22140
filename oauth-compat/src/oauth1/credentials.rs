//! Client and token credentials, and the provider's credential responses (RFC 5849 §2.1, §2.3).
//!
//! ```
//! use oauth_compat::oauth1::CredentialsResponse;
//! let body = b"oauth_token=hh5s93j4hdidpola&oauth_token_secret=hdhd0244k9j7ao03&oauth_callback_confirmed=true";
//! let resp = CredentialsResponse::parse(body).unwrap();
//! assert_eq!(resp.oauth_token, "hh5s93j4hdidpola");
//! assert_eq!(resp.oauth_token_secret.expose_secret(), "hdhd0244k9j7ao03");
//! assert!(resp.oauth_callback_confirmed);
//! assert!(!format!("{resp:?}").contains("hdhd0244k9j7ao03"));
//! ```

use super::SignatureError;
use super::encode::form_decode_bytes;
use crate::secret::{ClientSecret, TokenSecret};

/// Client credentials: `oauth_consumer_key` and the client (consumer) secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// The client identifier, sent as `oauth_consumer_key`.
    pub key: String,
    /// The shared secret (`Debug` prints `[redacted]`).
    pub secret: ClientSecret,
}

impl ClientCredentials {
    /// Client credentials from an identifier and a secret.
    pub fn new(key: impl Into<String>, secret: impl Into<ClientSecret>) -> Self {
        Self {
            key: key.into(),
            secret: secret.into(),
        }
    }
}

/// Temporary or token credentials: `oauth_token` and its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCredentials {
    /// The token identifier, sent as `oauth_token`.
    pub token: String,
    /// The token secret (`Debug` prints `[redacted]`).
    pub secret: TokenSecret,
}

impl TokenCredentials {
    /// Token credentials from a token and its secret.
    pub fn new(token: impl Into<String>, secret: impl Into<TokenSecret>) -> Self {
        Self {
            token: token.into(),
            secret: secret.into(),
        }
    }
}

/// A provider's form-encoded answer to a temporary-credentials or token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialsResponse {
    /// `oauth_token`.
    pub oauth_token: String,
    /// `oauth_token_secret` (`Debug` prints `[redacted]`).
    pub oauth_token_secret: TokenSecret,
    /// `oauth_callback_confirmed`: `true` for the value `true` (RFC 5849 §2.1) or `True` (what
    /// Authlib's Python server sends); `false` when absent or any other value, so a token
    /// response (which has none) parses too. Check it yourself after a temporary-credentials
    /// request.
    pub oauth_callback_confirmed: bool,
    /// Every other field, in the order sent (Twitter's `user_id`, `screen_name`, ...).
    pub extra: Vec<(String, String)>,
}

impl CredentialsResponse {
    /// Parses a form-encoded response body. A missing `oauth_token` or `oauth_token_secret` is
    /// [`SignatureError::MissingParameter`] naming it; a repeated one is [`SignatureError::DuplicateParameter`].
    pub fn parse(body: &[u8]) -> Result<Self, SignatureError> {
        let mut token = None;
        let mut secret = None;
        let mut confirmed = None;
        let mut extra = Vec::new();
        for (name, value) in form_decode_bytes(body, "the credentials response")? {
            let slot = match name.as_str() {
                "oauth_token" => &mut token,
                "oauth_token_secret" => &mut secret,
                "oauth_callback_confirmed" => &mut confirmed,
                _ => {
                    extra.push((name, value));
                    continue;
                }
            };
            if slot.replace(value).is_some() {
                return Err(SignatureError::DuplicateParameter { name });
            }
        }
        Ok(Self {
            oauth_token: token.ok_or(SignatureError::MissingParameter {
                name: "oauth_token",
            })?,
            oauth_token_secret: TokenSecret::new(secret.ok_or(
                SignatureError::MissingParameter {
                    name: "oauth_token_secret",
                },
            )?),
            oauth_callback_confirmed: matches!(confirmed.as_deref(), Some("true" | "True")),
            extra,
        })
    }

    /// The value of an extra field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The token and its secret, ready for signing.
    pub fn token_credentials(&self) -> TokenCredentials {
        TokenCredentials {
            token: self.oauth_token.clone(),
            secret: self.oauth_token_secret.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twitter_access_token_response_keeps_extras_in_order() {
        let r = CredentialsResponse::parse(
            b"oauth_token=6253282-eWudHldSbIaelX7swmsiHImEL4KinwaGloHANdrY&oauth_token_secret=2EEfA6BG5ly3sR3XjE0IBSnlQu4ZrUzPiYTmrkVU&user_id=6253282&screen_name=twitterapi",
        )
        .unwrap();
        assert_eq!(
            r.extra,
            [
                ("user_id".to_owned(), "6253282".to_owned()),
                ("screen_name".to_owned(), "twitterapi".to_owned())
            ]
        );
        assert_eq!(r.get("screen_name"), Some("twitterapi"));
        assert!(!r.oauth_callback_confirmed);
        assert!(!format!("{r:?}").contains("2EEfA6BG5ly3"));
        assert_eq!(r.token_credentials().token, r.oauth_token);
    }

    #[test]
    fn callback_confirmed_values() {
        let parse = |c: &str| {
            CredentialsResponse::parse(
                format!("oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed={c}")
                    .as_bytes(),
            )
            .unwrap()
            .oauth_callback_confirmed
        };
        assert!(parse("true"));
        assert!(parse("True"));
        assert!(!parse("false"));
        assert!(!parse("TRUE1"));
    }

    #[test]
    fn missing_fields_named() {
        match CredentialsResponse::parse(b"oauth_token_secret=s") {
            Err(SignatureError::MissingParameter { name }) => assert_eq!(name, "oauth_token"),
            other => panic!("{other:?}"),
        }
        match CredentialsResponse::parse(b"oauth_token=t") {
            Err(SignatureError::MissingParameter { name }) => {
                assert_eq!(name, "oauth_token_secret")
            }
            other => panic!("{other:?}"),
        }
        let err = CredentialsResponse::parse(
            b"oauth_token=t&oauth_token_secret=sec1&oauth_token_secret=sec2",
        )
        .unwrap_err();
        assert!(!err.to_string().contains("sec1") && !err.to_string().contains("sec2"));
    }
}
