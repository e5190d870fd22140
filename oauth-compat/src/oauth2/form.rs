//! Form encoding and URL helpers shared by the request builders.

use http::Uri;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::OAuth2Error;

/// What Python's `quote_plus` leaves alone: ASCII alphanumerics and `_.-~`.
const QUOTE_PLUS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// The `application/x-www-form-urlencoded` media type.
pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Appends `value` encoded as Python's `quote_plus` does (RFC 6749 Appendix B's encoding):
/// UTF-8, space as `+`, everything but `A-Za-z0-9_.-~` as `%XX`.
pub(crate) fn encode_component_into(out: &mut String, value: &str) {
    for (i, piece) in value.split(' ').enumerate() {
        if i > 0 {
            out.push('+');
        }
        out.extend(utf8_percent_encode(piece, QUOTE_PLUS));
    }
}

/// `value` encoded by [`encode_component_into`].
pub(crate) fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    encode_component_into(&mut out, value);
    out
}

/// Pairs encoded as Python's `urlencode` does: `name=value` joined by `&`.
pub(crate) fn form_urlencode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        encode_component_into(&mut out, name);
        out.push('=');
        encode_component_into(&mut out, value);
    }
    out
}

/// Appends already-encoded `params` to `url`'s query, keeping the existing query and putting
/// them before any fragment.
pub(crate) fn append_query(url: &mut String, params: &str) {
    if params.is_empty() {
        return;
    }
    let fragment_at = url.find('#').unwrap_or(url.len());
    let query_at = url[..fragment_at].find('?');
    let joined = joined_query(query_at.map(|q| &url[q + 1..fragment_at]), params);
    url.replace_range(
        query_at.unwrap_or(fragment_at)..fragment_at,
        &format!("?{joined}"),
    );
}

/// An existing query (without its `?`) with already-encoded `params` appended: the one rule
/// for text URLs and parsed ones. `b=1&` or an empty query needs no separator.
pub(crate) fn joined_query(existing: Option<&str>, params: &str) -> String {
    match existing {
        None | Some("") => params.to_owned(),
        Some(query) if query.ends_with('&') => format!("{query}{params}"),
        Some(query) => format!("{query}&{params}"),
    }
}

/// Sets `name` to `value`: replaces the first occurrence and drops the others, or appends.
pub(crate) fn set_param(params: &mut Vec<(String, String)>, name: &str, value: String) {
    match params.iter().position(|(n, _)| n == name) {
        Some(first) => {
            params[first].1 = value;
            let mut index = 0;
            params.retain(|(n, _)| {
                let keep = index <= first || n != name;
                index += 1;
                keep
            });
        }
        None => params.push((name.to_owned(), value)),
    }
}

/// Merges `extra` into `params`: an extra whose name is already in `params` replaces it in
/// place (the first value of that name takes the slot, older values of that name go), and
/// everything else is appended in order. Repeated names within `extra` are all kept, so
/// `resource=a&resource=b` (RFC 8707) survives.
pub(crate) fn merge_params(params: &mut Vec<(String, String)>, extra: Vec<(String, String)>) {
    if extra.is_empty() {
        return;
    }
    let mut used = vec![false; extra.len()];
    let mut merged = Vec::with_capacity(params.len() + extra.len());
    for (name, value) in params.drain(..) {
        match extra.iter().position(|(n, _)| *n == name) {
            Some(i) if !used[i] => {
                used[i] = true;
                merged.push(extra[i].clone());
            }
            // A later value of a name the extras replace.
            Some(_) => {}
            None => merged.push((name, value)),
        }
    }
    merged.extend(
        extra
            .into_iter()
            .zip(used)
            .filter(|(_, used)| !used)
            .map(|(pair, _)| pair),
    );
    *params = merged;
}

/// Checks that `url` is absolute (scheme and host) and has no fragment (RFC 6749 §3.1, §3.2).
pub(crate) fn check_endpoint_url(url: &str) -> Result<(), OAuth2Error> {
    let invalid = |reason| OAuth2Error::InvalidUrl {
        url: crate::wire::redact::redact_url_str(url),
        reason,
    };
    if url.contains('#') {
        return Err(invalid(
            "it has a fragment (`#...`), which RFC 6749 §3.1 forbids; remove it",
        ));
    }
    let uri: Uri = url.parse().map_err(|_| {
        invalid(
            "it is not a valid absolute URL; write it like https://provider.example/oauth/token",
        )
    })?;
    if uri.scheme().is_none() || uri.host().is_none_or(str::is_empty) {
        return Err(invalid(
            "it needs a scheme and a host; write it like https://provider.example/oauth/token",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn encodes_like_quote_plus() {
        // RFC 6749 Appendix B's example value.
        assert_eq!(encode_component(" %&+£€"), "+%25%26%2B%C2%A3%E2%82%AC");
        assert_eq!(encode_component("a-b_c.d~e*f/g:h"), "a-b_c.d~e%2Af%2Fg%3Ah");
        assert_eq!(
            form_urlencode([("grant_type", "password"), ("username", "j doe")]),
            "grant_type=password&username=j+doe"
        );
        assert_eq!(form_urlencode([]), "");
    }

    #[test]
    fn append_query_keeps_query_and_fragment() {
        for (url, want) in [
            ("https://x/a", "https://x/a?k=v"),
            ("https://x/a?b=1", "https://x/a?b=1&k=v"),
            ("https://x/a?", "https://x/a?k=v"),
            ("https://x/a?b=1&", "https://x/a?b=1&k=v"),
            ("https://x/a#frag", "https://x/a?k=v#frag"),
            ("https://x/a?b=1#f?g", "https://x/a?b=1&k=v#f?g"),
        ] {
            let mut url = url.to_owned();
            append_query(&mut url, "k=v");
            assert_eq!(url, want);
        }
        let mut url = "https://x/a".to_owned();
        append_query(&mut url, "");
        assert_eq!(url, "https://x/a");
    }

    #[test]
    fn set_param_replaces_first_and_drops_rest() {
        let mut params = pairs(&[("a", "1"), ("b", "2"), ("a", "3")]);
        set_param(&mut params, "a", "9".into());
        assert_eq!(params, pairs(&[("a", "9"), ("b", "2")]));
        set_param(&mut params, "c", "4".into());
        assert_eq!(params, pairs(&[("a", "9"), ("b", "2"), ("c", "4")]));
    }

    #[test]
    fn merge_replaces_in_place_and_keeps_repeated_extras() {
        let mut params = pairs(&[("response_type", "code"), ("scope", "a"), ("state", "s")]);
        merge_params(
            &mut params,
            pairs(&[
                ("resource", "r1"),
                ("scope", "b"),
                ("resource", "r2"),
                ("scope", "c"),
            ]),
        );
        assert_eq!(
            params,
            pairs(&[
                ("response_type", "code"),
                ("scope", "b"),
                ("state", "s"),
                ("resource", "r1"),
                ("resource", "r2"),
                ("scope", "c"),
            ])
        );
    }

    #[test]
    fn endpoint_urls() {
        assert!(check_endpoint_url("https://p.example/oauth/token?x=1").is_ok());
        assert!(check_endpoint_url("http://127.0.0.1:8080/token").is_ok());
        for bad in [
            "/oauth/token",
            "p.example/oauth/token",
            "https://p.example/t#frag",
            "",
            "https:///nohost",
        ] {
            let err = check_endpoint_url(bad).unwrap_err();
            assert!(
                matches!(err, OAuth2Error::InvalidUrl { .. }),
                "{bad}: {err}"
            );
        }
        let err = check_endpoint_url("/token?client_secret=S3CR3T").unwrap_err();
        assert!(!err.to_string().contains("S3CR3T"), "{err}");
        assert!(err.to_string().contains("`/token`"), "{err}");
    }
}
