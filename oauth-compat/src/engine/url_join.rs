//! Relative API paths joined to `base_url` / `api_base_url` the way Python's `urljoin` does
//! (RFC 3986 §5 reference resolution), which is what Flask-OAuthlib and Authlib call.

use url::Url;

use super::EngineError;

/// Resolves `url` against `base`: an absolute URL passes through; `statuses/x.json` is joined
/// under a base ending in `/` and replaces the last segment of one that does not; `/x` replaces
/// the whole path. Without a base, `url` must be absolute.
pub(crate) fn join_url(base: Option<&Url>, url: &str) -> Result<Url, EngineError> {
    let joined = match base {
        Some(base) => base.join(url),
        None => Url::parse(url),
    };
    joined.map_err(|err| EngineError::InvalidUrl {
        url: crate::wire::redact::redact_url_str(url),
        reason: match (base, err) {
            (None, url::ParseError::RelativeUrlWithoutBase) => {
                "a relative path needs `api_base_url` (Flask-OAuthlib's `base_url`) to be set"
                    .to_owned()
            }
            (_, err) => err.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values are what CPython's urllib.parse.urljoin returns for the same inputs.
    #[test]
    fn joins_like_python_urljoin() {
        let cases = [
            ("https://a.example/v1/", "me", "https://a.example/v1/me"),
            ("https://a.example/v1", "me", "https://a.example/me"),
            ("https://a.example/v1/", "/me", "https://a.example/me"),
            ("https://a.example/v1/", "../me", "https://a.example/me"),
            (
                "https://a.example/v1/",
                "me?x=1",
                "https://a.example/v1/me?x=1",
            ),
            ("https://a.example/v1/?k=v", "me", "https://a.example/v1/me"),
            ("https://a.example/v1/", "", "https://a.example/v1/"),
            (
                "https://a.example/v1/",
                "//b.example/x",
                "https://b.example/x",
            ),
            (
                "https://a.example/v1/",
                "http://b.example/x",
                "http://b.example/x",
            ),
        ];
        for (base, url, want) in cases {
            let base = Url::parse(base).unwrap();
            assert_eq!(
                join_url(Some(&base), url).unwrap().as_str(),
                want,
                "{base} + {url}"
            );
        }
    }

    #[test]
    fn relative_without_base_names_the_setting() {
        let err = join_url(None, "user").unwrap_err().to_string();
        assert!(err.contains("api_base_url"), "{err}");
    }
}
