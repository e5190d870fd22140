//! The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3): where to send the user.
//!
//! ```
//! use oauth_compat::oauth2::{authorization_url, CodeChallengeMethod, CodeVerifier};
//!
//! let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
//! let url = authorization_url(
//!     "https://server.example.com/authorize",
//!     "s6BhdRkqt3",
//!     Some("https://client.example.com/cb"),
//!     Some("openid profile"),
//!     "xyz",
//!     Some((&verifier, CodeChallengeMethod::S256)),
//!     &[],
//! )?;
//! assert_eq!(
//!     url,
//!     "https://server.example.com/authorize?response_type=code&client_id=s6BhdRkqt3\
//!      &redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&scope=openid+profile&state=xyz\
//!      &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
//! );
//! # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
//! ```

use super::form::{append_query, check_endpoint_url, form_urlencode, merge_params};
use super::{CodeChallengeMethod, CodeVerifier, OAuth2Error, states_match};

/// What a flow keeps between the redirect to the provider and the callback: the URL sent to,
/// the `state` to check, and the PKCE verifier and `redirect_uri` for the code exchange.
///
/// It serializes (the verifier as its string), so it can be stored in the user's session;
/// `Debug` prints the verifier as `[redacted]`.
///
/// ```
/// use oauth_compat::oauth2::{AuthorizationRequest, CodeVerifier};
///
/// let request = AuthorizationRequest {
///     url: "https://p.example/authorize?response_type=code&client_id=a&state=xyz".into(),
///     state: "xyz".into(),
///     code_verifier: Some(CodeVerifier::generate()),
///     redirect_uri: None,
/// };
/// let stored = serde_json::to_string(&request)?;
/// let back: AuthorizationRequest = serde_json::from_str(&stored)?;
/// assert_eq!(back, request);
/// assert!(back.state_matches("xyz") && !back.state_matches("abc"));
/// assert!(format!("{back:?}").contains("code_verifier: Some([redacted])"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorizationRequest {
    /// The authorization URL to redirect the user to.
    pub url: String,
    /// The `state` sent; the callback must bring it back.
    pub state: String,
    /// The PKCE verifier, when PKCE is used; sent with the code exchange.
    pub code_verifier: Option<CodeVerifier>,
    /// The `redirect_uri` sent, if any; the code exchange must repeat it (RFC 6749 §4.1.3).
    pub redirect_uri: Option<String>,
}

impl AuthorizationRequest {
    /// Whether the callback's `state` is the one sent, compared in constant time
    /// ([`states_match`]).
    pub fn state_matches(&self, received: &str) -> bool {
        states_match(&self.state, received)
    }
}

/// Builds the authorization URL (Authlib's `create_authorization_url`).
///
/// Appends, in this order, `response_type=code`, `client_id`, `redirect_uri`, `scope` (each
/// only when given and non-empty), `state`, `code_challenge` and `code_challenge_method` (with
/// `pkce`), then `extra` in the order given. An extra with the name of one of these replaces
/// it in place instead of sending it twice (`("response_type", "code id_token")`); repeated
/// names within `extra` are all sent. The base URL's own query is kept as it is, first.
///
/// ```
/// use oauth_compat::oauth2::authorization_url;
///
/// let extra = [("access_type".to_owned(), "offline".to_owned()),
///              ("response_type".to_owned(), "code id_token".to_owned())];
/// let url = authorization_url("https://p.example/auth?hd=example.com", "a", None, None, "s", None, &extra)?;
/// assert_eq!(url, "https://p.example/auth?hd=example.com&response_type=code+id_token&client_id=a&state=s&access_type=offline");
/// # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
/// ```
///
/// # Errors
///
/// [`OAuth2Error::InvalidUrl`] naming `authorize_url` when it has no scheme or host, or has a
/// fragment (RFC 6749 §3.1); [`OAuth2Error::EmptyState`] when `state` is empty.
pub fn authorization_url(
    authorize_url: &str,
    client_id: &str,
    redirect_uri: Option<&str>,
    scope: Option<&str>,
    state: &str,
    pkce: Option<(&CodeVerifier, CodeChallengeMethod)>,
    extra: &[(String, String)],
) -> Result<String, OAuth2Error> {
    check_endpoint_url(authorize_url)?;
    if state.is_empty() {
        return Err(OAuth2Error::EmptyState);
    }
    let mut params: Vec<(String, String)> = Vec::with_capacity(7 + extra.len());
    let mut push = |name: &str, value: &str| params.push((name.to_owned(), value.to_owned()));
    push("response_type", "code");
    push("client_id", client_id);
    if let Some(redirect_uri) = redirect_uri.filter(|r| !r.is_empty()) {
        push("redirect_uri", redirect_uri);
    }
    if let Some(scope) = scope.filter(|s| !s.is_empty()) {
        push("scope", scope);
    }
    push("state", state);
    if let Some((verifier, method)) = pkce {
        push("code_challenge", &verifier.code_challenge(method));
        push("code_challenge_method", method.as_str());
    }
    merge_params(&mut params, extra.to_vec());
    let mut url = authorize_url.to_owned();
    append_query(
        &mut url,
        &form_urlencode(params.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
    );
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extra(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn rfc6749_4_1_1_example() {
        // RFC 6749 §4.1.1's example request (its URL, with the query built here).
        let url = authorization_url(
            "https://server.example.com/authorize",
            "s6BhdRkqt3",
            Some("https://client.example.com/cb"),
            None,
            "xyz",
            None,
            &[],
        )
        .unwrap();
        assert_eq!(
            url,
            "https://server.example.com/authorize?response_type=code&client_id=s6BhdRkqt3\
             &redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb&state=xyz"
        );
    }

    #[test]
    fn existing_query_kept_and_extras_override_in_place() {
        let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        let url = authorization_url(
            "https://p.example/authorize?tenant=a%20b&x=1",
            "id",
            Some(""),
            Some("email"),
            "st",
            Some((&verifier, CodeChallengeMethod::Plain)),
            &extra(&[
                ("prompt", "consent"),
                ("scope", "email profile"),
                ("code_challenge_method", "plain"),
                ("claims", "{\"a\":1}"),
            ]),
        )
        .unwrap();
        assert_eq!(
            url,
            "https://p.example/authorize?tenant=a%20b&x=1&response_type=code&client_id=id\
             &scope=email+profile&state=st\
             &code_challenge=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk\
             &code_challenge_method=plain&prompt=consent&claims=%7B%22a%22%3A1%7D"
        );
        // A trailing `?` on the base URL adds no empty parameter.
        let url =
            authorization_url("https://p.example/a?", "id", None, None, "s", None, &[]).unwrap();
        assert_eq!(
            url,
            "https://p.example/a?response_type=code&client_id=id&state=s"
        );
    }

    #[test]
    fn bad_urls_and_empty_state() {
        for bad in ["https://p.example/a#x", "/authorize", "p.example/authorize"] {
            let err = authorization_url(bad, "id", None, None, "s", None, &[]).unwrap_err();
            let OAuth2Error::InvalidUrl { url, .. } = &err else {
                panic!("{err:?}")
            };
            assert_eq!(url, bad.split('#').next().unwrap());
            assert!(err.to_string().contains(url.as_str()), "{err}");
        }
        assert!(matches!(
            authorization_url("https://p.example/a", "id", None, None, "", None, &[]),
            Err(OAuth2Error::EmptyState)
        ));
    }
}
