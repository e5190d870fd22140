//! Token-endpoint requests (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6), before they are encoded.
//!
//! A [`TokenRequest`] holds the grant's parameters as a list, so client authentication
//! ([`ClientAuthMethod::apply`](super::ClientAuthMethod::apply)), extra parameters and hooks
//! can change it; [`into_parts`](TokenRequest::into_parts) then encodes it for the wire.
//!
//! ```
//! use http::Method;
//! use oauth_compat::oauth2::TokenRequest;
//!
//! let request = TokenRequest::refresh_token("https://provider.example/token", "tGzv3JOkF0XG5Qx2TlKWIA", None)
//!     .extend_params([("resource", "https://api.example/")]);
//! let (method, url, headers, body) = request.into_parts()?;
//! assert_eq!(method, Method::POST);
//! assert_eq!(url, "https://provider.example/token");
//! assert_eq!(headers["content-type"], "application/x-www-form-urlencoded");
//! assert_eq!(
//!     body,
//!     b"grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&resource=https%3A%2F%2Fapi.example%2F"
//! );
//! # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
//! ```

use std::fmt;

use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method};

use super::form::{
    FORM_CONTENT_TYPE, append_query, check_endpoint_url, form_urlencode, merge_params, set_param,
};
use super::{CodeVerifier, OAuth2Error};

/// Form parameters whose values `Debug` never prints.
const SECRET_PARAMS: &[&str] = &[
    "code",
    "code_verifier",
    "refresh_token",
    "password",
    "client_secret",
    "client_assertion",
    "assertion",
    "access_token",
    "subject_token",
    "actor_token",
];

/// A token-endpoint request before it is encoded.
///
/// `form` is sent as an `application/x-www-form-urlencoded` body for POST and appended to the
/// URL's query for any other method (what Authlib's `fetch_token(method=..)` does).
/// Every constructor puts `grant_type` first.
///
/// `Debug` shows the method, URL, header names and parameter names, with the values of
/// secret parameters (`code`, `code_verifier`, `refresh_token`, `password`,
/// `client_secret`, ...) printed as `[redacted]`.
#[derive(Clone)]
pub struct TokenRequest {
    /// The HTTP method: POST unless changed with [`with_method`](Self::with_method).
    pub method: Method,
    /// The token endpoint URL.
    pub url: String,
    /// Headers to send, such as `Authorization` from client authentication.
    pub headers: HeaderMap,
    /// The parameters, in order.
    pub form: Vec<(String, String)>,
}

impl TokenRequest {
    /// A POST request to `url` with `grant_type` and nothing else.
    pub fn new(url: impl Into<String>, grant_type: &str) -> Self {
        Self {
            method: Method::POST,
            url: url.into(),
            headers: HeaderMap::new(),
            form: vec![("grant_type".to_owned(), grant_type.to_owned())],
        }
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3; RFC 7636 §4.5 adds `code_verifier`).
    ///
    /// `redirect_uri` must be the one sent in the authorization request, if one was.
    ///
    /// ```
    /// use oauth_compat::oauth2::{CodeVerifier, TokenRequest};
    ///
    /// let verifier = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
    /// let request = TokenRequest::authorization_code(
    ///     "https://server.example.com/token",
    ///     "SplxlOBeZQQYbYS6WxSbIA",
    ///     Some("https://client.example.com/cb"),
    ///     Some(&verifier),
    /// );
    /// let (_, _, _, body) = request.into_parts()?;
    /// assert_eq!(
    ///     String::from_utf8(body).unwrap(),
    ///     "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA\
    ///      &redirect_uri=https%3A%2F%2Fclient.example.com%2Fcb\
    ///      &code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    /// );
    /// # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
    /// ```
    pub fn authorization_code(
        url: impl Into<String>,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&CodeVerifier>,
    ) -> Self {
        let mut request = Self::new(url, "authorization_code");
        request.push("code", code);
        if let Some(redirect_uri) = redirect_uri {
            request.push("redirect_uri", redirect_uri);
        }
        if let Some(verifier) = code_verifier {
            request.push("code_verifier", verifier.as_str());
        }
        request
    }

    /// Refreshes an access token (RFC 6749 §6); `scope` may only narrow the original grant.
    pub fn refresh_token(url: impl Into<String>, refresh_token: &str, scope: Option<&str>) -> Self {
        let mut request = Self::new(url, "refresh_token");
        request.push("refresh_token", refresh_token);
        request.push_scope(scope);
        request
    }

    /// Asks for a token for the client itself (RFC 6749 §4.4.2).
    pub fn client_credentials(url: impl Into<String>, scope: Option<&str>) -> Self {
        let mut request = Self::new(url, "client_credentials");
        request.push_scope(scope);
        request
    }

    /// Resource owner password credentials (RFC 6749 §4.3.2).
    pub fn password(
        url: impl Into<String>,
        username: &str,
        password: &str,
        scope: Option<&str>,
    ) -> Self {
        let mut request = Self::new(url, "password");
        request.push("username", username);
        request.push("password", password);
        request.push_scope(scope);
        request
    }

    fn push(&mut self, name: &str, value: &str) {
        self.form.push((name.to_owned(), value.to_owned()));
    }

    fn push_scope(&mut self, scope: Option<&str>) {
        if let Some(scope) = scope.filter(|s| !s.is_empty()) {
            self.push("scope", scope);
        }
    }

    /// Adds parameters (Authlib's `access_token_params`, `**kwargs` of `fetch_token`).
    ///
    /// A parameter whose name is already present replaces it instead of being sent twice;
    /// names repeated within `params` are all kept, in order.
    ///
    /// ```
    /// use oauth_compat::oauth2::TokenRequest;
    ///
    /// let request = TokenRequest::client_credentials("https://p.example/token", Some("read"))
    ///     .extend_params([("scope", "write"), ("audience", "api")]);
    /// let names: Vec<_> = request.form.iter().map(|(n, v)| format!("{n}={v}")).collect();
    /// assert_eq!(names, ["grant_type=client_credentials", "scope=write", "audience=api"]);
    /// ```
    #[must_use]
    pub fn extend_params<K, V>(mut self, params: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let extra = params
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        merge_params(&mut self.form, extra);
        self
    }

    /// Sends with `method` instead of POST; any method but POST carries the parameters in the
    /// URL's query.
    #[must_use]
    pub fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// The first value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets parameter `name` to `value`, replacing any value it had (for custom client
    /// authentication and hooks).
    pub fn set_param(&mut self, name: &str, value: impl Into<String>) {
        set_param(&mut self.form, name, value.into());
    }

    /// Encodes the request: `(method, url, headers, body)`.
    ///
    /// POST: the parameters become an `application/x-www-form-urlencoded` body (space as
    /// `+`, as Python's `urlencode`), and `Content-Type` is set. Any other method: they are
    /// appended to the URL's query, after any query it already has, and the body is empty.
    /// `Accept: application/json` is set unless the request already has an `Accept`.
    ///
    /// ```
    /// use http::Method;
    /// use oauth_compat::oauth2::TokenRequest;
    ///
    /// let (method, url, headers, body) =
    ///     TokenRequest::client_credentials("https://p.example/token?tenant=7", Some("a b"))
    ///         .with_method(Method::GET)
    ///         .into_parts()?;
    /// assert_eq!(method, Method::GET);
    /// assert_eq!(url, "https://p.example/token?tenant=7&grant_type=client_credentials&scope=a+b");
    /// assert_eq!(headers["accept"], "application/json");
    /// assert!(headers.get("content-type").is_none() && body.is_empty());
    /// # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`OAuth2Error::InvalidUrl`] when the URL has no scheme or host, or has a fragment;
    /// [`OAuth2Error::BodyNotForm`] for a POST whose `Content-Type` was already set to something
    /// other than a form.
    pub fn into_parts(self) -> Result<(Method, String, HeaderMap, Vec<u8>), OAuth2Error> {
        let Self {
            method,
            mut url,
            mut headers,
            form,
        } = self;
        check_endpoint_url(&url)?;
        let encoded = form_urlencode(form.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        let body = if method == Method::POST {
            match headers.get(CONTENT_TYPE) {
                None => {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_static(FORM_CONTENT_TYPE));
                }
                Some(value) if is_form(value) => {}
                Some(value) => {
                    return Err(OAuth2Error::BodyNotForm {
                        found: String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    });
                }
            }
            encoded.into_bytes()
        } else {
            append_query(&mut url, &encoded);
            Vec::new()
        };
        Ok((method, url, headers, body))
    }
}

/// Whether a `Content-Type` value is a form, ignoring case and parameters (`; charset=..`).
pub(crate) fn is_form(value: &HeaderValue) -> bool {
    let essence = value.as_bytes().split(|&b| b == b';').next().unwrap_or(b"");
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(FORM_CONTENT_TYPE.as_bytes())
}

/// Values of secret parameters and of every header are left out: see [`TokenRequest`].
impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Form<'a>(&'a [(String, String)]);
        impl fmt::Debug for Form<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut list = f.debug_list();
                for (name, value) in self.0 {
                    if SECRET_PARAMS.contains(&name.as_str()) {
                        list.entry(&format_args!("({name:?}, [redacted])"));
                    } else {
                        list.entry(&(name, value));
                    }
                }
                list.finish()
            }
        }
        struct HeaderNames<'a>(&'a HeaderMap);
        impl fmt::Debug for HeaderNames<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.keys()).finish()
            }
        }
        f.debug_struct("TokenRequest")
            .field("method", &self.method)
            .field("url", &crate::wire::redact::redact_url_str(&self.url))
            .field("headers", &HeaderNames(&self.headers))
            .field("form", &Form(&self.form))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use http::header::AUTHORIZATION;

    use super::*;

    fn form(request: &TokenRequest) -> Vec<(&str, &str)> {
        request
            .form
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn grants_put_grant_type_first() {
        let url = "https://server.example.com/token";
        assert_eq!(
            form(&TokenRequest::authorization_code(url, "c0de", None, None)),
            [("grant_type", "authorization_code"), ("code", "c0de")]
        );
        assert_eq!(
            form(&TokenRequest::refresh_token(url, "r", Some("read write"))),
            [
                ("grant_type", "refresh_token"),
                ("refresh_token", "r"),
                ("scope", "read write")
            ]
        );
        assert_eq!(
            form(&TokenRequest::client_credentials(url, Some(""))),
            [("grant_type", "client_credentials")]
        );
        assert_eq!(
            form(&TokenRequest::password(url, "johndoe", "A3ddj3w", None)),
            [
                ("grant_type", "password"),
                ("username", "johndoe"),
                ("password", "A3ddj3w")
            ]
        );
    }

    #[test]
    fn rfc6749_4_3_2_password_body() {
        // RFC 6749 §4.3.2's example request body.
        let (_, _, _, body) = TokenRequest::password(
            "https://server.example.com/token",
            "johndoe",
            "A3ddj3w",
            None,
        )
        .into_parts()
        .unwrap();
        assert_eq!(
            body,
            b"grant_type=password&username=johndoe&password=A3ddj3w"
        );
    }

    #[test]
    fn post_sets_headers_without_overriding() {
        let mut request = TokenRequest::client_credentials("https://p.example/t", None);
        request
            .headers
            .insert(ACCEPT, HeaderValue::from_static("application/xml"));
        request.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        let (_, _, headers, body) = request.into_parts().unwrap();
        assert_eq!(headers[ACCEPT], "application/xml");
        assert_eq!(
            headers[CONTENT_TYPE],
            "application/x-www-form-urlencoded; charset=UTF-8"
        );
        assert_eq!(body, b"grant_type=client_credentials");
    }

    #[test]
    fn post_refuses_a_json_content_type() {
        let mut request = TokenRequest::client_credentials("https://p.example/t", None);
        request
            .headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert!(matches!(
            request.into_parts(),
            Err(OAuth2Error::BodyNotForm { found }) if found == "application/json"
        ));
    }

    #[test]
    fn get_keeps_query_and_fragmentless_url_is_required() {
        let (_, url, _, body) = TokenRequest::refresh_token("https://p.example/t?a=1", "r t", None)
            .with_method(Method::GET)
            .into_parts()
            .unwrap();
        assert_eq!(
            url,
            "https://p.example/t?a=1&grant_type=refresh_token&refresh_token=r+t"
        );
        assert!(body.is_empty());
        assert!(matches!(
            TokenRequest::client_credentials("https://p.example/t#x", None).into_parts(),
            Err(OAuth2Error::InvalidUrl { .. })
        ));
        assert!(matches!(
            TokenRequest::client_credentials("oauth/token", None).into_parts(),
            Err(OAuth2Error::InvalidUrl { .. })
        ));
    }

    #[test]
    fn param_accessors() {
        let mut request = TokenRequest::client_credentials("https://p.example/t", None);
        request.set_param("client_id", "a");
        request.set_param("client_id", "b");
        assert_eq!(request.param("client_id"), Some("b"));
        assert_eq!(request.form.len(), 2);
        assert_eq!(request.param("missing"), None);
    }

    #[test]
    fn debug_redacts_secret_params_and_header_values() {
        let verifier = CodeVerifier::new("S3CR3T".repeat(8)).unwrap();
        let mut request = TokenRequest::authorization_code(
            "https://p.example/t",
            "C0DE",
            Some("https://c.example/cb"),
            Some(&verifier),
        )
        .extend_params([("client_secret", "S3CR3T"), ("audience", "api")]);
        request
            .headers
            .insert(AUTHORIZATION, HeaderValue::from_static("Basic S3CR3T"));
        let debug = format!("{request:?}");
        assert!(
            !debug.contains("S3CR3T") && !debug.contains("C0DE"),
            "{debug}"
        );
        assert!(debug.contains(r#"("audience", "api")"#), "{debug}");
        assert!(debug.contains(r#"("code", [redacted])"#), "{debug}");
        assert!(debug.contains("authorization"), "{debug}");
    }
}
