//! The `state` parameter (RFC 6749 §10.12): CSRF protection for the redirect back.
//!
//! ```
//! use oauth_compat::oauth2::{generate_state, states_match};
//!
//! let state = generate_state();          // store it in the user's session, send it along
//! assert_eq!(state.len(), 43);
//! assert!(states_match(&state, &state.clone()));  // the callback's `state` query parameter
//! assert!(!states_match(&state, "forged"));
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq as _;

/// A fresh `state`: 32 bytes from the operating system's CSPRNG, base64url without padding
/// (43 characters).
///
/// # Panics
///
/// If the operating system's random number generator fails, which on supported platforms it
/// does not once the system has booted.
pub fn generate_state() -> String {
    let mut raw = [0u8; 32];
    if getrandom::fill(&mut raw).is_err() {
        panic!("the OS random number generator failed while generating an OAuth 2 state");
    }
    URL_SAFE_NO_PAD.encode(raw)
}

/// Whether the `state` received on the callback is the one sent, compared in constant time.
///
/// An empty `expected` never matches, so a session that lost its state cannot be satisfied by
/// a callback without one.
pub fn states_match(expected: &str, received: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_states_are_43_url_safe_chars_and_distinct() {
        let a = generate_state();
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(a, generate_state());
    }

    #[test]
    fn matching() {
        assert!(states_match("abc", "abc"));
        assert!(!states_match("abc", "abd"));
        assert!(!states_match("abc", "abcd"));
        assert!(!states_match("abc", ""));
        assert!(!states_match("", ""));
    }
}
