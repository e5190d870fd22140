//! PKCE, Proof Key for Code Exchange (RFC 7636).
//!
//! The client makes a secret [`CodeVerifier`] per authorization, sends its
//! [`code_challenge`](CodeVerifier::code_challenge) with the authorization request, and the
//! verifier itself with the code exchange.
//!
//! ```
//! use oauth_compat::oauth2::{CodeChallengeMethod, CodeVerifier};
//!
//! // RFC 7636 Appendix B.
//! let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
//! assert_eq!(
//!     verifier.code_challenge(CodeChallengeMethod::S256),
//!     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
//! );
//! # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::OAuth2Error;

/// Random bytes in a generated verifier: 48 bytes are 64 base64url characters, within
/// RFC 7636's 43..=128 and well above its 256-bit recommendation.
const GENERATED_BYTES: usize = 48;

/// A PKCE `code_verifier` (RFC 7636 §4.1): 43 to 128 characters of `[A-Za-z0-9._~-]`.
///
/// `Debug` prints `[redacted]`; the value is handed out by [`as_str`](Self::as_str).
/// It serializes as its string (so an [`AuthorizationRequest`](super::AuthorizationRequest)
/// can be kept in a user session) and deserializes through [`new`](Self::new)'s checks.
///
/// ```
/// use oauth_compat::oauth2::CodeVerifier;
///
/// let verifier = CodeVerifier::generate();
/// assert_eq!(verifier.as_str().len(), 64);
/// assert_eq!(format!("{verifier:?}"), "[redacted]");
/// assert!(CodeVerifier::new("too-short").is_err());
/// ```
#[derive(Clone, Eq)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// A fresh verifier: 48 bytes from the operating system's CSPRNG, base64url without
    /// padding (64 characters).
    ///
    /// # Panics
    ///
    /// If the operating system's random number generator fails, which on supported platforms
    /// it does not once the system has booted; use [`try_generate`](Self::try_generate) to
    /// get an error instead.
    pub fn generate() -> Self {
        match Self::try_generate() {
            Ok(verifier) => verifier,
            Err(err) => panic!("{err}"),
        }
    }

    /// [`generate`](Self::generate), returning [`OAuth2Error::Random`] if the OS RNG fails.
    ///
    /// # Errors
    ///
    /// [`OAuth2Error::Random`] when the operating system's random number generator fails.
    pub fn try_generate() -> Result<Self, OAuth2Error> {
        let mut raw = [0u8; GENERATED_BYTES];
        getrandom::fill(&mut raw).map_err(|_| OAuth2Error::Random {
            what: "a PKCE code_verifier",
        })?;
        Ok(Self(URL_SAFE_NO_PAD.encode(raw)))
    }

    /// Checks and wraps a verifier made elsewhere (a stored one, or a fixed test value).
    ///
    /// ```
    /// use oauth_compat::oauth2::{CodeVerifier, OAuth2Error};
    ///
    /// let err = CodeVerifier::new("dBjftJeZ4CVP+mB92K27uhbUJU1p1r/wW1gFWFOEjXk=").unwrap_err();
    /// assert!(matches!(err, OAuth2Error::CodeVerifierCharacter { position: 12 }));
    /// ```
    ///
    /// # Errors
    ///
    /// [`OAuth2Error::CodeVerifierLength`] outside 43..=128 characters,
    /// [`OAuth2Error::CodeVerifierCharacter`] naming the first character not in `[A-Za-z0-9._~-]`.
    pub fn new(value: impl Into<String>) -> Result<Self, OAuth2Error> {
        let value = value.into();
        let length = value.chars().count();
        if !(43..=128).contains(&length) {
            return Err(OAuth2Error::CodeVerifierLength { length });
        }
        if let Some(position) = value
            .chars()
            .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
        {
            return Err(OAuth2Error::CodeVerifierCharacter { position });
        }
        Ok(Self(value))
    }

    /// The verifier, as sent in the token request's `code_verifier` parameter.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `code_challenge` for `method` (RFC 7636 §4.2): `BASE64URL(SHA256(verifier))`
    /// without padding for S256, the verifier itself for plain.
    pub fn code_challenge(&self, method: CodeChallengeMethod) -> String {
        match method {
            CodeChallengeMethod::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes())),
            CodeChallengeMethod::Plain => self.0.clone(),
        }
    }
}

/// Compared in constant time: a verifier is a secret.
impl PartialEq for CodeVerifier {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl serde::Serialize for CodeVerifier {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for CodeVerifier {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Self::new(value).map_err(serde::de::Error::custom)
    }
}

/// How the `code_challenge` is derived from the verifier (RFC 7636 §4.2).
///
/// ```
/// use oauth_compat::oauth2::CodeChallengeMethod;
///
/// let method: CodeChallengeMethod = "S256".parse()?;
/// assert_eq!(method, CodeChallengeMethod::S256);
/// assert_eq!("plain".parse::<CodeChallengeMethod>()?.as_str(), "plain");
/// assert!("s256".parse::<CodeChallengeMethod>().is_err()); // names are case-sensitive
/// # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CodeChallengeMethod {
    /// `S256`: the SHA-256 of the verifier. The default, and what RFC 7636 §4.2 requires
    /// whenever the client can compute it.
    #[default]
    S256,
    /// `plain`: the verifier itself.
    Plain,
}

impl CodeChallengeMethod {
    /// The name sent as `code_challenge_method`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
        }
    }
}

impl fmt::Display for CodeChallengeMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses the names RFC 7636 §4.3 defines, exactly as written (`S256`, `plain`).
impl FromStr for CodeChallengeMethod {
    type Err = OAuth2Error;

    fn from_str(value: &str) -> Result<Self, OAuth2Error> {
        match value {
            "S256" => Ok(Self::S256),
            "plain" => Ok(Self::Plain),
            _ => Err(OAuth2Error::UnknownCodeChallengeMethod {
                value: value.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPENDIX_B: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn generated_verifiers_are_valid_and_distinct() {
        let a = CodeVerifier::generate();
        let b = CodeVerifier::generate();
        assert_eq!(a.as_str().len(), 64);
        assert!(CodeVerifier::new(a.as_str()).is_ok());
        assert_ne!(a, b);
    }

    #[test]
    fn length_and_character_errors() {
        let err = CodeVerifier::new("a".repeat(42)).unwrap_err();
        assert!(matches!(
            err,
            OAuth2Error::CodeVerifierLength { length: 42 }
        ));
        assert!(err.to_string().contains("42 characters"), "{err}");
        assert!(matches!(
            CodeVerifier::new("a".repeat(129)),
            Err(OAuth2Error::CodeVerifierLength { length: 129 })
        ));
        // Length counts characters, not bytes.
        assert!(matches!(
            CodeVerifier::new("é".repeat(43)),
            Err(OAuth2Error::CodeVerifierCharacter { position: 0 })
        ));
        let secret = format!("{}!{}", "a".repeat(20), "S3CR3T".repeat(5));
        let err = CodeVerifier::new(secret).unwrap_err();
        assert!(matches!(
            err,
            OAuth2Error::CodeVerifierCharacter { position: 20 }
        ));
        assert!(!err.to_string().contains("S3CR3T"));
        assert!(CodeVerifier::new("a".repeat(43)).is_ok());
        assert!(CodeVerifier::new("~".repeat(128)).is_ok());
    }

    #[test]
    fn challenge_methods() {
        let verifier = CodeVerifier::new(APPENDIX_B).unwrap();
        assert_eq!(
            verifier.code_challenge(CodeChallengeMethod::S256),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(
            verifier.code_challenge(CodeChallengeMethod::Plain),
            APPENDIX_B
        );
        assert_eq!(CodeChallengeMethod::default(), CodeChallengeMethod::S256);
        let err = "sha256".parse::<CodeChallengeMethod>().unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"unknown code_challenge_method "sha256": use "S256" or "plain""#
        );
    }

    #[test]
    fn serde_is_the_string_and_validates() {
        let verifier = CodeVerifier::new(APPENDIX_B).unwrap();
        let json = serde_json::to_string(&verifier).unwrap();
        assert_eq!(json, format!("\"{APPENDIX_B}\""));
        assert_eq!(
            serde_json::from_str::<CodeVerifier>(&json).unwrap(),
            verifier
        );
        assert!(serde_json::from_str::<CodeVerifier>("\"short\"").is_err());
    }
}
