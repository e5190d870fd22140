//! Whether a URL may carry credentials: HTTPS, or plain HTTP to this machine, unless the
//! application opted out, as current Authlib decides it (`is_secure_transport`).

use std::net::IpAddr;

use url::{Host, Url};

use crate::env::EnvSource;

/// The variables that allow plain HTTP anywhere when set non-empty: Authlib's, and
/// oauthlib's (which Flask-OAuthlib users already set).
pub(crate) const INSECURE_TRANSPORT_VARS: [&str; 2] =
    ["AUTHLIB_INSECURE_TRANSPORT", "OAUTHLIB_INSECURE_TRANSPORT"];

/// Whether `env` allows plain HTTP to any host (either variable set and non-empty).
pub(crate) fn insecure_transport_allowed(env: &dyn EnvSource) -> bool {
    INSECURE_TRANSPORT_VARS
        .iter()
        .any(|name| env.var(name).is_some_and(|v| !v.is_empty()))
}

/// Whether a request to `url` keeps credentials off the open network: `https`, or `http` to
/// `localhost`, 127.0.0.0/8 or `::1`.
pub(crate) fn is_secure_transport(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::MapEnv;

    #[test]
    fn either_variable_set_non_empty_allows_plain_http() {
        assert!(!insecure_transport_allowed(&MapEnv::new()));
        assert!(!insecure_transport_allowed(
            &MapEnv::new().set("AUTHLIB_INSECURE_TRANSPORT", "")
        ));
        assert!(insecure_transport_allowed(
            &MapEnv::new().set("OAUTHLIB_INSECURE_TRANSPORT", "1")
        ));
    }

    #[test]
    fn https_or_loopback_http_is_secure() {
        let ok = |s: &str| is_secure_transport(&Url::parse(s).unwrap());
        assert!(ok("https://api.twitter.com/1.1/"));
        assert!(ok("http://127.0.0.1:8080/token"));
        assert!(ok("http://127.10.0.3/token"));
        assert!(ok("http://[::1]:9000/token"));
        assert!(ok("http://localhost/token"));
        assert!(!ok("http://api.twitter.com/1.1/"));
        assert!(!ok("http://localhost.example.com/"));
        assert!(!ok("ftp://127.0.0.1/"));
    }
}
