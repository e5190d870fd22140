//! Newtypes for secrets, so that a `{:?}` in a log line can never leak one.
//!
//! Each type prints `[redacted]` under `Debug`, has no `Display`, and hands its value out only
//! through an explicitly named method ([`ClientSecret::expose_secret`]).

use std::fmt;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself. Named so that every use is easy to find in review.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

secret_string!(
    /// A client (consumer) secret: OAuth 1 `consumer_secret`, OAuth 2 `client_secret`.
    ///
    /// ```
    /// use oauth_compat::ClientSecret;
    /// let secret = ClientSecret::new("kd94hf93k423kf44");
    /// assert_eq!(format!("{secret:?}"), "[redacted]");
    /// assert_eq!(secret.expose_secret(), "kd94hf93k423kf44");
    /// ```
    ClientSecret
);

secret_string!(
    /// An OAuth 1 token secret (`oauth_token_secret`), temporary or token credentials.
    ///
    /// ```
    /// use oauth_compat::TokenSecret;
    /// assert_eq!(format!("{:?}", TokenSecret::new("pfkkdhi9sl3r4s00")), "[redacted]");
    /// ```
    TokenSecret
);
