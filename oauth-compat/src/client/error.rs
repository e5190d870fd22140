//! The client layer's error: what a flow or an API call needs and did not have.

use http::StatusCode;

use crate::oauth2::ProviderError;
use crate::response::RawBody;

/// A boxed error from a callback the application supplied (`update_token`, ...).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of the OAuth 1 and OAuth 2 clients.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// An API call needs a token and none was given.
    #[error(
        "no token for this request: pass one with `.token(..)`, set one on the client, or \
         call `.withhold_token()` for a request that must go out unauthenticated"
    )]
    MissingToken,
    /// The token has expired, or expires within the refresh leeway, and cannot be refreshed.
    #[error(
        "the access token expires at {expires_at} (expired, or within the refresh leeway) and \
         {why}; fetch a new token (authorize the user again), or lower the leeway"
    )]
    TokenExpired {
        /// Its `expires_at` (Unix seconds).
        expires_at: i64,
        /// Why no refresh was possible.
        why: &'static str,
    },
    /// A flow needs an endpoint or setting that was not configured.
    #[error("`{setting}` is not set on this client; it is needed to {purpose}")]
    MissingSetting {
        /// The setting's name, as the builder and the Python APIs spell it.
        setting: &'static str,
        /// What it is needed for.
        purpose: &'static str,
    },
    /// A parameter given to a call conflicts with what the client sets itself.
    #[error("parameter `{name}` cannot be given here: {why}")]
    ConflictingParameter {
        /// The parameter.
        name: &'static str,
        /// Why.
        why: &'static str,
    },
    /// A token response lacks a field the flow needs.
    #[error("the {response} lacks `{field}`")]
    MissingField {
        /// Which response.
        response: &'static str,
        /// The field.
        field: &'static str,
    },
    /// The refresh task ended without an answer (a hook or callback panicked, or the runtime is
    /// shutting down); the refresh is forgotten, so a retry starts a new one.
    #[error("the token refresh was abandoned before it finished; retry the request")]
    RefreshAbandoned,
    /// The refresh (grant and `update_token`) took longer than this; it was abandoned.
    #[error(
        "the token refresh took longer than {0:?} and was abandoned; check the provider and the `update_token` callback"
    )]
    RefreshTimedOut(std::time::Duration),
    /// The refresh lock's cache (see `OAuth2ClientBuilder::refresh_lock`) failed, or held a
    /// shared result that is not a token, so the refresh was not attempted: refreshing without
    /// the lock could revoke the token other processes hold. The key holds a hash, never a
    /// token.
    #[error("the refresh lock could not {step} (key {key}): {source}")]
    RefreshLock {
        /// What it was doing (`take the lock`, `read the shared result`, ...).
        step: &'static str,
        /// The cache key concerned.
        key: String,
        /// The cache's error.
        #[source]
        source: BoxError,
    },
    /// A refresh succeeded but `update_token` failed: the new token is here, not lost (with a
    /// rotating refresh token the old one no longer works).
    #[error("the token was refreshed but the `update_token` callback failed: {source}")]
    UpdateTokenFailed {
        /// The new token; save it.
        token: Box<crate::oauth2::Token>,
        /// The callback's error.
        #[source]
        source: BoxError,
    },
    /// A header given to `access_token_headers` is not valid HTTP, or is one the client must
    /// set itself. The value is never shown: such headers often carry keys.
    #[error("`access_token_headers`: header {name:?} {why}")]
    InvalidAccessTokenHeader {
        /// The header name, as given.
        name: String,
        /// What is wrong, and what to do instead.
        why: &'static str,
    },
    /// The label given to `encoding` names no charset request bodies can be encoded in.
    #[error("`encoding` {label:?} {why}")]
    InvalidEncoding {
        /// The label, as given.
        label: String,
        /// Why it cannot be used.
        why: &'static str,
    },
    /// A text body (`RequestBuilder::text`) has a character the client's `encoding` cannot
    /// encode (Python's `UnicodeEncodeError`). The text is not shown: bodies may carry secrets.
    #[error(
        "the text body has a character at byte {offset} that {encoding} cannot encode; \
         send it in another `encoding` (UTF-8 encodes every character) or as bytes with `body`"
    )]
    UnencodableText {
        /// The encoding's name.
        encoding: &'static str,
        /// Where the character starts in the text's UTF-8, in bytes.
        offset: usize,
    },
    /// An OAuth 1 provider refused a temporary-credentials or token-credentials request with
    /// an error code (`error=invalid_signature&error_description=..`, as Authlib's and this
    /// crate's providers answer).
    #[error("the OAuth 1 provider refused the request: {0}{hint}", hint = oauth1_hint(&.0.error))]
    OAuth1Provider(ProviderError),
    /// An OAuth 1 provider answered a temporary-credentials or token-credentials request with
    /// a non-2xx status and no error code (Twitter's plain-text 401, an HTML error page).
    #[error(
        "the OAuth 1 provider answered HTTP {status} without an error code; check the consumer \
         key and secret, the signature method, the endpoint URL and the clock (the body is kept \
         in this error)"
    )]
    OAuth1HttpStatus {
        /// The response status.
        status: StatusCode,
        /// The response body, as received.
        body: RawBody,
    },
    /// The value given to `RequestBuilder::json` does not serialize to JSON.
    #[error("the JSON body does not serialize: {reason}")]
    JsonBody {
        /// serde_json's message.
        reason: String,
    },
}

/// What to do about the OAuth 1 error codes (Authlib's, which this crate's provider shares)
/// whose fix is on the client's side.
fn oauth1_hint(error: &str) -> &'static str {
    match error {
        "invalid_client" => "; check the consumer key",
        "invalid_signature" => {
            "; check the consumer secret, the signature method and, behind a proxy, the URL \
             the provider sees"
        }
        "invalid_token" => {
            "; the request token is expired, used or unknown: start the authorization again"
        }
        "invalid_nonce" => "; check the clock (the timestamp is outside the provider's window)",
        "unsupported_signature_method" => "; use a signature method the provider accepts",
        "method_not_allowed" => "; use the HTTP method the endpoint expects (request_token_method)",
        "missing_required_parameter" | "invalid_request" => {
            "; a parameter is missing, repeated or malformed"
        }
        _ => "",
    }
}
