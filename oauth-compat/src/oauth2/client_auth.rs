//! Client authentication at the token endpoint (RFC 6749 §2.3, Authlib's
//! `token_endpoint_auth_method`).
//!
//! ```
//! use oauth_compat::oauth2::{ClientAuth, ClientAuthMethod, TokenRequest};
//!
//! let auth = ClientAuth::new("s6BhdRkqt3", "7Fjfp0ZBr1KtDRbnfVdmIw");
//! let mut request = TokenRequest::client_credentials("https://server.example.com/token", None);
//! let method: ClientAuthMethod = "client_secret_basic".parse()?;
//! method.apply(&mut request, &auth)?;
//! assert_eq!(request.headers["authorization"], "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3");
//! # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;
use http::header::AUTHORIZATION;

use super::form::encode_component;
use super::{OAuth2Error, TokenRequest};
use crate::secret::ClientSecret;

/// A client's credentials: `client_id` and, for a confidential client, `client_secret`.
///
/// `Debug` prints the id and `[redacted]` for the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAuth {
    /// The client identifier (RFC 6749 §2.2).
    pub client_id: String,
    /// The client secret; `None` for a public client.
    pub client_secret: Option<ClientSecret>,
}

impl ClientAuth {
    /// A confidential client.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<ClientSecret>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: Some(client_secret.into()),
        }
    }

    /// A public client (no secret), as used with the `none` method and PKCE.
    pub fn public(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
        }
    }

    fn secret(&self, method: &'static str) -> Result<&str, OAuth2Error> {
        self.client_secret
            .as_ref()
            .map(ClientSecret::expose_secret)
            .ok_or(OAuth2Error::MissingClientSecret { method })
    }
}

/// The function behind [`ClientAuthMethod::Custom`].
type CustomFn = dyn Fn(&mut TokenRequest, &ClientAuth) -> Result<(), OAuth2Error> + Send + Sync;

/// A client authentication method written by the caller (`private_key_jwt`, a provider's own
/// scheme, ...), with a name for `Debug` and errors.
#[derive(Clone)]
pub struct CustomClientAuth {
    name: String,
    apply: Arc<CustomFn>,
}

impl CustomClientAuth {
    /// The name given at construction.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for CustomClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CustomClientAuth").field(&self.name).finish()
    }
}

/// How the client proves its identity to the token endpoint.
///
/// The two Basic variants differ only when the id or secret holds a character that
/// `application/x-www-form-urlencoded` changes (anything but `A-Za-z0-9_.-~`):
///
/// | variant | `Authorization` value | for `my client` / `p@ss word` |
/// |---|---|---|
/// | [`ClientSecretBasic`](Self::ClientSecretBasic) | `Basic base64(form(id) ":" form(secret))`, RFC 6749 §2.3.1 | `Basic bXkrY2xpZW50OnAlNDBzcyt3b3Jk` (`my+client:p%40ss+word`) |
/// | [`ClientSecretBasicUnencoded`](Self::ClientSecretBasicUnencoded) | `Basic base64(id ":" secret)`, what Authlib 1.9.9 and most HTTP clients send | `Basic bXkgY2xpZW50OnBAc3Mgd29yZA==` (`my client:p@ss word`) |
///
/// A server that follows the RFC form-decodes both parts, so an id or secret with `:`, `%`,
/// `+` or a space is read correctly only from the RFC variant; a server that does not (many
/// do not) reads correctly only the unencoded one. Pick the unencoded variant to send exactly
/// what an existing Authlib deployment sends. Where Authlib fails on characters outside
/// Latin-1, the unencoded variant sends them as UTF-8.
///
/// ```
/// use oauth_compat::oauth2::{ClientAuth, ClientAuthMethod, TokenRequest};
///
/// let auth = ClientAuth::new("my client", "p@ss word");
/// let header = |method: ClientAuthMethod| {
///     let mut request = TokenRequest::client_credentials("https://p.example/token", None);
///     method.apply(&mut request, &auth).unwrap();
///     request.headers["authorization"].to_str().unwrap().to_owned()
/// };
/// assert_eq!(header(ClientAuthMethod::ClientSecretBasic), "Basic bXkrY2xpZW50OnAlNDBzcyt3b3Jk");
/// assert_eq!(header(ClientAuthMethod::ClientSecretBasicUnencoded), "Basic bXkgY2xpZW50OnBAc3Mgd29yZA==");
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// `client_secret_basic` as RFC 6749 §2.3.1 defines it: HTTP Basic over the form-encoded
    /// id and secret. The default, as in RFC 6749 and Authlib.
    #[default]
    ClientSecretBasic,
    /// HTTP Basic over the raw id and secret, as Authlib 1.9.9's `client_secret_basic`
    /// sends it (no form-encoding; UTF-8).
    ClientSecretBasicUnencoded,
    /// `client_secret_post`: `client_id` and `client_secret` as form parameters.
    ClientSecretPost,
    /// `none`: a public client sends only `client_id` as a form parameter.
    None,
    /// A caller-provided method; see [`ClientAuthMethod::custom`].
    Custom(CustomClientAuth),
}

impl ClientAuthMethod {
    /// A custom method: `apply` receives the request and the credentials and may change
    /// anything in the request.
    ///
    /// ```
    /// use http::HeaderValue;
    /// use oauth_compat::oauth2::{ClientAuth, ClientAuthMethod, TokenRequest};
    ///
    /// let method = ClientAuthMethod::custom("api_key_header", |request, auth| {
    ///     request.headers.insert("x-client-id", HeaderValue::from_str(&auth.client_id).unwrap());
    ///     Ok(())
    /// });
    /// let mut request = TokenRequest::client_credentials("https://p.example/token", None);
    /// method.apply(&mut request, &ClientAuth::public("abc"))?;
    /// assert_eq!(request.headers["x-client-id"], "abc");
    /// assert_eq!(format!("{method:?}"), r#"Custom(CustomClientAuth("api_key_header"))"#);
    /// # Ok::<(), oauth_compat::oauth2::OAuth2Error>(())
    /// ```
    pub fn custom<F>(name: impl Into<String>, apply: F) -> Self
    where
        F: Fn(&mut TokenRequest, &ClientAuth) -> Result<(), OAuth2Error> + Send + Sync + 'static,
    {
        Self::Custom(CustomClientAuth {
            name: name.into(),
            apply: Arc::new(apply),
        })
    }

    /// The method's name: the registered `token_endpoint_auth_method` name, or the custom name.
    /// [`ClientSecretBasicUnencoded`](Self::ClientSecretBasicUnencoded) is
    /// `client_secret_basic` on the wire, and is named so.
    pub fn name(&self) -> &str {
        match self {
            Self::ClientSecretBasic | Self::ClientSecretBasicUnencoded => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::None => "none",
            Self::Custom(custom) => custom.name(),
        }
    }

    /// Authenticates `request` as `auth`'s client.
    ///
    /// The Basic variants set the `Authorization` header (marked sensitive);
    /// `ClientSecretPost` sets the `client_id` and `client_secret` parameters; `None` sets
    /// `client_id`. A parameter already present is replaced, not repeated.
    ///
    /// # Errors
    ///
    /// [`OAuth2Error::MissingClientSecret`] when a method that sends the secret finds none; whatever
    /// a custom method returns.
    pub fn apply(&self, request: &mut TokenRequest, auth: &ClientAuth) -> Result<(), OAuth2Error> {
        match self {
            Self::ClientSecretBasic => {
                let secret = auth.secret("client_secret_basic")?;
                let credentials = format!(
                    "{}:{}",
                    encode_component(&auth.client_id),
                    encode_component(secret)
                );
                set_basic(request, &credentials)
            }
            Self::ClientSecretBasicUnencoded => {
                let secret = auth.secret("client_secret_basic")?;
                set_basic(request, &format!("{}:{secret}", auth.client_id))
            }
            Self::ClientSecretPost => {
                let secret = auth.secret("client_secret_post")?;
                request.set_param("client_id", auth.client_id.as_str());
                request.set_param("client_secret", secret);
                Ok(())
            }
            Self::None => {
                request.set_param("client_id", auth.client_id.as_str());
                Ok(())
            }
            Self::Custom(custom) => (custom.apply)(request, auth),
        }
    }
}

fn set_basic(request: &mut TokenRequest, credentials: &str) -> Result<(), OAuth2Error> {
    // Base64 output is always a valid header value; the error path is for completeness.
    let mut value = HeaderValue::try_from(format!("Basic {}", STANDARD.encode(credentials)))
        .map_err(|_| OAuth2Error::InvalidHeaderValue {
            header: "Authorization",
        })?;
    value.set_sensitive(true);
    request.headers.insert(AUTHORIZATION, value);
    Ok(())
}

/// Parses the registered names (RFC 7591 §2's `token_endpoint_auth_method`, Authlib's
/// `token_endpoint_auth_method`); `client_secret_basic` is the RFC variant.
impl FromStr for ClientAuthMethod {
    type Err = OAuth2Error;

    fn from_str(value: &str) -> Result<Self, OAuth2Error> {
        match value {
            "client_secret_basic" => Ok(Self::ClientSecretBasic),
            "client_secret_post" => Ok(Self::ClientSecretPost),
            "none" => Ok(Self::None),
            _ => Err(OAuth2Error::UnknownClientAuthMethod {
                value: value.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> TokenRequest {
        TokenRequest::authorization_code("https://p.example/token", "c", None, None)
    }

    fn form(request: &TokenRequest) -> Vec<(&str, &str)> {
        request
            .form
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn post_and_none_set_form_params() {
        let auth = ClientAuth::new("s6BhdRkqt3", "7Fjfp0ZBr1KtDRbnfVdmIw");
        let mut post = request();
        ClientAuthMethod::ClientSecretPost
            .apply(&mut post, &auth)
            .unwrap();
        assert_eq!(
            form(&post),
            [
                ("grant_type", "authorization_code"),
                ("code", "c"),
                ("client_id", "s6BhdRkqt3"),
                ("client_secret", "7Fjfp0ZBr1KtDRbnfVdmIw")
            ]
        );
        assert!(post.headers.is_empty());
        // Applying twice does not repeat parameters.
        ClientAuthMethod::ClientSecretPost
            .apply(&mut post, &auth)
            .unwrap();
        assert_eq!(post.form.len(), 4);

        let mut none = request();
        ClientAuthMethod::None
            .apply(&mut none, &ClientAuth::public("pub"))
            .unwrap();
        assert_eq!(form(&none)[2..], [("client_id", "pub")]);
        assert!(none.headers.is_empty());
    }

    #[test]
    fn missing_secret_names_field_and_method() {
        for (method, name) in [
            (ClientAuthMethod::ClientSecretBasic, "client_secret_basic"),
            (
                ClientAuthMethod::ClientSecretBasicUnencoded,
                "client_secret_basic",
            ),
            (ClientAuthMethod::ClientSecretPost, "client_secret_post"),
        ] {
            let err = method
                .apply(&mut request(), &ClientAuth::public("pub"))
                .unwrap_err();
            assert!(matches!(err, OAuth2Error::MissingClientSecret { method } if method == name));
            let message = err.to_string();
            assert!(
                message.contains("client_secret") && message.contains(name),
                "{message}"
            );
        }
    }

    #[test]
    fn basic_header_is_sensitive_and_utf8_when_unencoded() {
        let auth = ClientAuth::new("s6BhdRkqt3", " %&+£€");
        let mut req = request();
        ClientAuthMethod::ClientSecretBasicUnencoded
            .apply(&mut req, &auth)
            .unwrap();
        let value = &req.headers[AUTHORIZATION];
        assert!(value.is_sensitive());
        let encoded = value.to_str().unwrap().strip_prefix("Basic ").unwrap();
        assert_eq!(
            STANDARD.decode(encoded).unwrap(),
            "s6BhdRkqt3: %&+£€".as_bytes()
        );
    }

    #[test]
    fn names_parse_and_unknown_ones_list_the_accepted() {
        assert!(matches!(
            "client_secret_post".parse(),
            Ok(ClientAuthMethod::ClientSecretPost)
        ));
        assert!(matches!("none".parse(), Ok(ClientAuthMethod::None)));
        assert!(matches!(
            "client_secret_basic".parse(),
            Ok(ClientAuthMethod::ClientSecretBasic)
        ));
        let err = "private_key_jwt".parse::<ClientAuthMethod>().unwrap_err();
        let message = err.to_string();
        for name in [
            "private_key_jwt",
            "client_secret_basic",
            "client_secret_post",
            "\"none\"",
        ] {
            assert!(message.contains(name), "{message}");
        }
        assert_eq!(ClientAuthMethod::default().name(), "client_secret_basic");
    }

    #[test]
    fn custom_errors_pass_through() {
        let method = ClientAuthMethod::custom("private_key_jwt", |_, _| {
            Err(OAuth2Error::ClientAuthFailed {
                method: "private_key_jwt".into(),
                reason: "no signing key configured".into(),
            })
        });
        assert_eq!(method.name(), "private_key_jwt");
        let err = method
            .apply(&mut request(), &ClientAuth::public("x"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "client authentication method `private_key_jwt` failed: no signing key configured"
        );
        let debug = format!("{:?}", ClientAuth::new("id", "S3CR3T"));
        assert!(!debug.contains("S3CR3T"), "{debug}");
    }
}
