//! The OAuth 1 layer's error type.
//!
//! No variant ever carries a secret, a signature or a key: only parameter names, method names,
//! offsets and fixed reasons, so an error can be logged as is.

/// Where protocol parameters were found in a request (RFC 5849 §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParameterLocation {
    /// The `Authorization: OAuth ...` header (§3.5.1).
    Header,
    /// The request URI's query (§3.5.3).
    Query,
    /// A form-encoded request body (§3.5.2).
    Body,
}

impl std::fmt::Display for ParameterLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Header => "the Authorization header",
            Self::Query => "the URI query",
            Self::Body => "the form body",
        })
    }
}

/// Errors of the OAuth 1 layer: signing, verifying, parsing headers and credential responses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// A `%` not followed by two hex digits.
    #[error(
        "invalid percent-encoding in {within} at byte {offset}: `%` must be followed by two hex digits"
    )]
    InvalidPercentEncoding {
        /// What was being decoded (a parameter name, "query", "body", ...).
        within: String,
        /// Byte offset of the bad escape.
        offset: usize,
    },
    /// Percent-decoding produced bytes that are not UTF-8 (RFC 5849 §3.6 requires UTF-8).
    #[error("{within} does not decode to UTF-8; encode text as UTF-8 before percent-encoding")]
    InvalidUtf8 {
        /// What was being decoded.
        within: String,
    },
    /// The request URI cannot be used for a signature base string (§3.4.1.2).
    #[error("invalid request URI: {reason}")]
    InvalidUri {
        /// What is wrong with it; the URI itself is not repeated (its query may hold secrets).
        reason: &'static str,
    },
    /// The signature method is not in the [`SignatureMethods`](crate::oauth1::SignatureMethods)
    /// registry.
    #[error(
        "unknown signature method `{method}`: use HMAC-SHA1, HMAC-SHA256, RSA-SHA1, PLAINTEXT or register it with SignatureMethods::register"
    )]
    UnknownSignatureMethod {
        /// The method name as given.
        method: String,
    },
    /// The signature method is known but not in the provider's allow-list.
    #[error("signature method `{method}` is not accepted here; use one of the allowed methods")]
    UnsupportedSignatureMethod {
        /// The method name as sent.
        method: String,
    },
    /// The signature method needs a key that was not given.
    #[error("signature method `{method}` needs {key}; provide it")]
    MissingKey {
        /// The method name.
        method: String,
        /// Which key ("an RSA private key", "an RSA public key").
        key: &'static str,
    },
    /// A PEM key could not be read. The key material is not repeated.
    #[error("invalid RSA key: expected {expected}")]
    InvalidRsaKey {
        /// The PEM forms that are accepted.
        expected: &'static str,
    },
    /// The RSA signing operation failed (for example, the key is too small for SHA-1 PKCS#1).
    #[error("RSA-SHA1 signing failed; check the private key")]
    RsaSigning,
    /// A custom signature method reported a failure.
    #[error("signature method `{method}` failed: {reason}")]
    SignatureMethodFailed {
        /// The method name.
        method: String,
        /// The method's own reason (must not contain secrets).
        reason: String,
    },
    /// The operating system random number generator failed while making a nonce.
    #[error("the OS random number generator failed while generating oauth_nonce")]
    Random,
    /// Body placement needs an `application/x-www-form-urlencoded` body (§3.5.2).
    #[error(
        "oauth_* parameters can go in the body only when Content-Type is application/x-www-form-urlencoded (found {found}); use header or query placement, or send a form"
    )]
    BodyNotForm {
        /// The Content-Type found, or "none".
        found: String,
    },
    /// The request to sign already carries a protocol parameter.
    #[error(
        "the request already contains `{name}` in {location}; remove it, the signer adds the protocol parameters itself"
    )]
    ProtocolParameterPresent {
        /// The parameter name.
        name: String,
        /// Where it was found.
        location: ParameterLocation,
    },
    /// The `Authorization` header is not well-formed (§3.5.1).
    #[error("malformed OAuth Authorization header at byte {offset}: {reason}")]
    MalformedAuthorizationHeader {
        /// What was expected.
        reason: &'static str,
        /// Byte offset in the header value.
        offset: usize,
    },
    /// The `Authorization` header uses another scheme (`Basic`, `Bearer`, ...).
    #[error(
        "the Authorization header uses the `{scheme}` scheme, not OAuth; send OAuth 1 parameters with `Authorization: OAuth ...`"
    )]
    NotOAuthScheme {
        /// The scheme name found (never the credentials after it).
        scheme: String,
    },
    /// A protocol parameter appears more than once.
    #[error("protocol parameter `{name}` appears more than once; send it once")]
    DuplicateParameter {
        /// The parameter name.
        name: String,
    },
    /// Protocol parameters came from two places; RFC 5849 §3.5 allows exactly one.
    #[error(
        "oauth_* parameters found in both {first} and {second}; send them in exactly one place"
    )]
    ParametersInSeveralPlaces {
        /// One place.
        first: ParameterLocation,
        /// The other place.
        second: ParameterLocation,
    },
    /// The request has more parameters (URI query, form body and `Authorization` header
    /// together) than the provider accepts. Counted before any is decoded, so a flood of tiny
    /// parameters costs the provider no memory.
    #[error(
        "the request has more than {limit} parameters (URI query, form body and Authorization header together); this server accepts at most {limit}"
    )]
    TooManyParameters {
        /// The most accepted.
        limit: usize,
    },
    /// A required parameter is missing.
    #[error("required parameter `{name}` is missing")]
    MissingParameter {
        /// The parameter name.
        name: &'static str,
    },
    /// A parameter has a value that is not allowed.
    #[error("parameter `{name}` is invalid: {reason}")]
    InvalidParameter {
        /// The parameter name.
        name: &'static str,
        /// What is expected.
        reason: &'static str,
    },
    /// The signature does not match the request and the credentials.
    #[error(
        "oauth_signature does not match ({method}); check the secrets, the request URI, method and parameters"
    )]
    BadSignature {
        /// The signature method used.
        method: String,
    },
}
