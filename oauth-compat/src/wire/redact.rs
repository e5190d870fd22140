//! URLs as they may appear in errors and spans: scheme, host, port and path only. The query
//! can hold an access token (`token_placement = "uri"`) or OAuth 1 signature parameters, and
//! the userinfo a password.

use url::Url;

/// `scheme://host[:port]/path` of `url`.
pub(crate) fn redact_url(url: &Url) -> String {
    let mut out = String::with_capacity(url.as_str().len());
    out.push_str(url.scheme());
    out.push_str("://");
    out.push_str(url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        out.push(':');
        out.push_str(&port.to_string());
    }
    out.push_str(url.path());
    out
}

/// The same for a string that may not parse: everything before `?` or `#`, without userinfo.
pub(crate) fn redact_url_str(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) => redact_url(&parsed),
        Err(_) => {
            let end = url.find(['?', '#']).unwrap_or(url.len());
            let kept = &url[..end];
            match (kept.find("://"), kept.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    format!("{}{}", &kept[..scheme_end + 3], &kept[at + 1..])
                }
                _ => kept.to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_query_fragment_and_userinfo() {
        let url = Url::parse("https://u:pw@api.example:8443/v1/me?access_token=abc#f").unwrap();
        assert_eq!(redact_url(&url), "https://api.example:8443/v1/me");
        assert_eq!(redact_url_str("me?access_token=abc"), "me");
        assert_eq!(redact_url_str("ht tp://u:pw@x/y?q"), "ht tp://x/y");
    }
}
