//! The OAuth 2 layer's error type.
//!
//! No variant carries a secret: not a token, a client secret, a code or a verifier. Bodies
//! kept for inspection are [`RawBody`]s, whose `Debug` prints only their length, and URLs are
//! named without their query, where a careless configuration might put a secret.

use http::StatusCode;

use super::token_response::ProviderError;
use crate::response::RawBody;

/// Errors of the OAuth 2 layer: PKCE, client authentication, building token and authorization
/// requests, placing bearer tokens, and reading token responses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuth2Error {
    /// A PKCE `code_verifier` is shorter than 43 or longer than 128 characters (RFC 7636 §4.1).
    #[error(
        "code_verifier is {length} characters long; RFC 7636 §4.1 requires 43 to 128 \
         (CodeVerifier::generate makes a valid one)"
    )]
    CodeVerifierLength {
        /// The length found, in characters.
        length: usize,
    },
    /// A PKCE `code_verifier` holds a character outside `[A-Za-z0-9._~-]` (RFC 7636 §4.1).
    #[error(
        "code_verifier has a character at position {position} (0-based) that RFC 7636 §4.1 \
         does not allow; use only A-Z a-z 0-9 - . _ ~ (base64url without padding fits)"
    )]
    CodeVerifierCharacter {
        /// 0-based character index of the first character not allowed. The character itself
        /// is not repeated: the verifier is a secret.
        position: usize,
    },
    /// A `code_challenge_method` name that RFC 7636 does not define.
    #[error("unknown code_challenge_method {value:?}: use \"S256\" or \"plain\"")]
    UnknownCodeChallengeMethod {
        /// The name as given.
        value: String,
    },
    /// A `token_endpoint_auth_method` name this crate does not know.
    #[error(
        "unknown client authentication method {value:?}: use \"client_secret_basic\", \
         \"client_secret_post\" or \"none\", or ClientAuthMethod::custom"
    )]
    UnknownClientAuthMethod {
        /// The name as given.
        value: String,
    },
    /// A client authentication method that sends the secret, used without one.
    #[error(
        "{method} needs a client_secret; configure one, or use the \"none\" method for a public client"
    )]
    MissingClientSecret {
        /// The method that needed it.
        method: &'static str,
    },
    /// A custom client authentication method reported a failure.
    #[error("client authentication method `{method}` failed: {reason}")]
    ClientAuthFailed {
        /// The custom method's name.
        method: String,
        /// Its own reason (must not contain secrets).
        reason: String,
    },
    /// A token placement name other than `header`, `body` or `uri`.
    #[error("unknown token placement {value:?}: use \"header\", \"body\" or \"uri\"")]
    UnknownTokenPlacement {
        /// The name as given.
        value: String,
    },
    /// An endpoint URL that cannot be used.
    #[error("invalid endpoint URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL up to (not including) its query and fragment.
        url: String,
        /// What is wrong and what to write instead.
        reason: &'static str,
    },
    /// [`authorization_url`](super::authorization_url()) was given an empty `state`.
    #[error(
        "state is empty; pass one from generate_state() and check it on the callback with \
         states_match() (RFC 6749 §10.12)"
    )]
    EmptyState,
    /// A value that cannot go into an HTTP header (a control character, a newline, ...).
    #[error(
        "the value for the {header} header has characters HTTP headers cannot carry \
         (control characters or newlines); check the token or credentials for stray whitespace"
    )]
    InvalidHeaderValue {
        /// The header name.
        header: &'static str,
    },
    /// A token type other than `Bearer` (for example `mac`), which this crate cannot sign.
    #[error(
        "token_type {token_type:?} is not supported: only Bearer tokens (RFC 6750) can be \
         added to a request; sign other types in a pre_request hook"
    )]
    UnsupportedTokenType {
        /// The token type as the provider sent it.
        token_type: String,
    },
    /// Form parameters were to go into a body that is not form-encoded.
    #[error(
        "parameters can go in the body only when Content-Type is \
         application/x-www-form-urlencoded (found {found}); use header or uri placement, or \
         send a form"
    )]
    BodyNotForm {
        /// The Content-Type found, or "none" (for a non-empty body without one).
        found: String,
    },
    /// The provider answered with an OAuth error object (RFC 6749 §5.2), at any status.
    #[error("{0}{hint}", hint = provider_hint(&.0.error))]
    Provider(ProviderError),
    /// The provider answered with a non-2xx status and no OAuth error object (an HTML error
    /// page, a proxy's 502, ...).
    #[error(
        "the provider answered HTTP {status} without an OAuth error object; check the endpoint \
         URL and the request method (the body is kept in this error)"
    )]
    HttpStatus {
        /// The response status.
        status: StatusCode,
        /// The response body, as received.
        body: RawBody,
    },
    /// A required token field is missing or empty.
    #[error(
        "the token has no `{field}`: the provider's answer is not a token response (the body, \
         if any, is kept in this error)"
    )]
    MissingField {
        /// The field name.
        field: &'static str,
        /// The response body, when the token came from a response.
        body: Option<RawBody>,
    },
    /// A token field has a value of the wrong kind.
    #[error("the token's `{field}` must be {expected}")]
    InvalidField {
        /// The field name.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
        /// The response body, when the token came from a response.
        body: Option<RawBody>,
    },
    /// A 2xx token response whose body decodes to something other than an object.
    #[error(
        "the token response decodes to {found}, not an object of token fields; check the \
         endpoint URL (the body is kept in this error)"
    )]
    NotAnObject {
        /// What it decoded to ("an array", "a string", ...).
        found: &'static str,
        /// The response body.
        body: RawBody,
    },
    /// The response body could not be decoded, or is over the size limit.
    #[error(transparent)]
    Response(#[from] crate::response::DecodeError),
    /// The operating system random number generator failed.
    #[error("the OS random number generator failed while generating {what}")]
    Random {
        /// What was being generated.
        what: &'static str,
    },
}

impl OAuth2Error {
    /// The response body this error was raised on, when it keeps one.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use oauth_compat::oauth2::parse_token_response;
    ///
    /// let err = parse_token_response(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"<h1>502</h1>", 1 << 20)
    ///     .unwrap_err();
    /// assert_eq!(err.body(), Some(&b"<h1>502</h1>"[..]));
    /// ```
    pub fn body(&self) -> Option<&[u8]> {
        match self {
            Self::Provider(provider) => Some(&provider.body),
            Self::HttpStatus { body, .. } | Self::NotAnObject { body, .. } => Some(body),
            Self::MissingField { body, .. } | Self::InvalidField { body, .. } => body.as_deref(),
            Self::Response(inner) => inner.body(),
            _ => None,
        }
    }

    /// Attaches a response body to a token-field error raised by
    /// [`Token::from_map`](super::Token::from_map).
    pub(crate) fn with_body(mut self, raw: &[u8]) -> Self {
        if let Self::MissingField { body, .. } | Self::InvalidField { body, .. } = &mut self {
            *body = Some(RawBody(raw.to_vec()));
        }
        self
    }
}

/// What to do about the RFC 6749 §5.2 error codes whose fix is on the client's side.
fn provider_hint(error: &str) -> &'static str {
    match error {
        "invalid_client" => "; check client_id, client_secret and the client authentication method",
        "invalid_grant" => {
            "; the code or refresh token is expired, used, revoked, or bound to another \
             redirect_uri or client: start the authorization again"
        }
        "unauthorized_client" => "; enable this grant type for the client at the provider",
        "unsupported_grant_type" => "; the provider does not offer this grant type",
        "invalid_scope" => "; request only scopes the client is allowed",
        "invalid_request" => "; a parameter is missing, repeated or malformed",
        _ => "",
    }
}
