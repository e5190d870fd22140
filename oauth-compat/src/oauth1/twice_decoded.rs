//! The parameters that Authlib's OAuth 1 client actually signs: every `oauth_*` value
//! percent-decoded once more after RFC 5849's own decoding.
//!
//! Authlib's `construct_base_string` unescapes `oauth_*` values that its request parser has
//! already decoded, in every placement; oauthlib's `collect_parameters` does the same for the
//! query and the form body (its header parser leaves values encoded, so there it decodes once).
//! A value that still holds `%XX` after the first decoding, such as the callback
//! `https://client.example/cb?next=%2Fhome`, is then signed as `…?next=/home`, and a provider
//! that follows §3.4.1.3 (as this crate's does by default) finds the signature wrong. Values
//! without `%` are the same either way, which is why most requests from those clients verify.
//!
//! The second decoding is Python's `urllib.parse.unquote`, which both libraries call: each
//! `%XX` with two hex digits becomes its byte, any other `%` stays as it is, `+` stays `+`, and
//! the bytes are read as UTF-8 with U+FFFD for invalid sequences.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// `value` decoded once more as Python's `urllib.parse.unquote` decodes it.
pub(crate) fn decode_again(value: &str) -> Cow<'_, str> {
    if !value.contains('%') {
        return Cow::Borrowed(value);
    }
    percent_decode_str(value).decode_utf8_lossy()
}

/// `params` (already decoded once, `oauth_signature` removed) with every `oauth_*` value
/// decoded once more; `None` when no value changes, so the base string would be the RFC's.
pub(crate) fn twice_decoded_parameters(
    params: &[(String, String)],
) -> Option<Vec<(String, String)>> {
    let changes = |(name, value): &(String, String)| {
        name.starts_with("oauth_") && decode_again(value) != **value
    };
    if !params.iter().any(changes) {
        return None;
    }
    Some(
        params
            .iter()
            .map(|(name, value)| {
                let value = if name.starts_with("oauth_") {
                    decode_again(value).into_owned()
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_as_pythons_unquote() {
        // Expected values are what `urllib.parse.unquote` returns for each input.
        for (input, expected) in [
            (
                "https://client.example/cb?next=%2Fhome",
                "https://client.example/cb?next=/home",
            ),
            ("100%25", "100%"),
            ("a+b", "a+b"),
            ("%zz%2", "%zz%2"),
            ("caf%C3%A9", "café"),
            ("caf%c3%a9", "café"),
            ("%FF", "\u{FFFD}"),
            ("été%2F", "été/"),
            ("plain", "plain"),
        ] {
            assert_eq!(decode_again(input), expected, "{input}");
        }
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn only_oauth_values_change() {
        let params = owned(&[
            ("next", "%2Fkept"),
            ("oauth_callback", "https://c.example/cb?next=%2Fhome"),
            ("oauth_nonce", "n"),
        ]);
        assert_eq!(
            twice_decoded_parameters(&params).unwrap(),
            owned(&[
                ("next", "%2Fkept"),
                ("oauth_callback", "https://c.example/cb?next=/home"),
                ("oauth_nonce", "n"),
            ])
        );
    }

    #[test]
    fn none_when_nothing_changes() {
        // No `%` at all, or only a `%` that is not an escape: the RFC base string already is
        // the variant, so there is nothing else to try.
        let params = owned(&[
            ("q", "%2F"),
            ("oauth_callback", "https://c.example/cb?next=/home"),
            ("oauth_token", "100%zz"),
        ]);
        assert_eq!(twice_decoded_parameters(&params), None);
    }
}
