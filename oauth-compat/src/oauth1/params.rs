//! Request parameter collection (RFC 5849 §3.4.1.3.1).
//!
//! The parameters that are signed: the URI query, a form-encoded body, and the `oauth_*`
//! parameters of an `Authorization: OAuth` header except `realm` and `oauth_signature`
//! (`oauth_signature` is excluded wherever it appears). Repeated names are kept.
//!
//! ```
//! use http::{HeaderMap, HeaderValue, Uri, header};
//! use oauth_compat::oauth1::collect_parameters;
//! let uri: Uri = "https://example.com/r?b=1&a=2".parse().unwrap();
//! let mut headers = HeaderMap::new();
//! headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"));
//! let params = collect_parameters(&uri, &headers, b"c=x+y").unwrap();
//! assert_eq!(params, [("b".into(), "1".into()), ("a".into(), "2".into()), ("c".into(), "x y".into())]);
//! ```

use http::{HeaderMap, Uri, header};

use super::SignatureError;
use super::encode::form_decode_bytes;
use super::header::parse_authorization_header;

/// How many parameters (URI query, form body and `Authorization` header together) a provider
/// accepts in one request unless configured otherwise: far more than any OAuth request needs,
/// and Werkzeug's default `max_form_parts` too. Without a bound, a 2 MiB form of `a&a&...`
/// is a million parameters to decode.
pub const DEFAULT_MAX_PARAMETERS: usize = 1000;

/// The media type whose bodies carry signed parameters.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Whether a `Content-Type` value is `application/x-www-form-urlencoded`, compared
/// case-insensitively and ignoring parameters such as `; charset=utf-8`.
pub(crate) fn is_form_content_type(content_type: &str) -> bool {
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    media_type.eq_ignore_ascii_case(FORM_CONTENT_TYPE)
}

/// Whether the request's `Content-Type` header says the body is form-encoded.
pub fn has_form_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_form_content_type)
}

/// The decoded query parameters of `uri`, in order.
pub fn query_parameters(uri: &Uri) -> Result<Vec<(String, String)>, SignatureError> {
    match uri.query() {
        Some(q) => form_decode_bytes(q.as_bytes(), "the URI query"),
        None => Ok(Vec::new()),
    }
}

/// The decoded body parameters, when the body is form-encoded (per `Content-Type`); otherwise
/// none, as §3.4.1.3.1 signs only single-part form bodies.
pub fn body_parameters(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<(String, String)>, SignatureError> {
    if has_form_body(headers) {
        form_decode_bytes(body, "the form body")
    } else {
        Ok(Vec::new())
    }
}

/// Collects every parameter that goes into the signature base string, in source order
/// (query, body, header): every `Authorization` header parameter but `realm` (kept apart by the
/// parser), and `oauth_signature` from wherever it came.
pub fn collect_parameters(
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<(String, String)>, SignatureError> {
    let header = match headers.get(header::AUTHORIZATION) {
        Some(value) => parse_authorization_header(value.as_bytes())?,
        None => None,
    };
    Ok(signed_parameters(
        query_parameters(uri)?,
        body_parameters(headers, body)?,
        header.map(|h| h.params),
    ))
}

/// The parameters of a request counted against a limit as they are found, so that one with
/// too many is refused ([`SignatureError::TooManyParameters`]) before anything is allocated for them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParameterBudget {
    limit: usize,
    counted: usize,
}

impl ParameterBudget {
    pub(crate) fn new(limit: usize) -> Self {
        Self { limit, counted: 0 }
    }

    /// No limit: for parsing outside a provider.
    pub(crate) fn unlimited() -> Self {
        Self::new(usize::MAX)
    }

    /// Counts `n` more parameters.
    pub(crate) fn spend(&mut self, n: usize) -> Result<(), SignatureError> {
        self.counted = self.counted.saturating_add(n);
        if self.counted > self.limit {
            return Err(SignatureError::TooManyParameters { limit: self.limit });
        }
        Ok(())
    }
}

/// Counts the parameters of form-encoded text (its non-empty `&`-separated parts, as
/// [`form_decode`](super::encode::form_decode) finds them) as it arrives in pieces, without
/// decoding or keeping any: a provider reading a body can refuse it once the count is too high.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FormParameterCounter {
    count: usize,
    /// Whether the last byte fed belongs to a parameter (a part not yet ended by `&`).
    in_part: bool,
}

impl FormParameterCounter {
    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        for &b in chunk {
            if b == b'&' {
                self.in_part = false;
            } else if !self.in_part {
                self.in_part = true;
                self.count += 1;
            }
        }
    }

    pub(crate) fn count(&self) -> usize {
        self.count
    }
}

/// The number of parameters in form-encoded text, counted without decoding any.
pub(crate) fn count_form_parameters(input: &[u8]) -> usize {
    let mut counter = FormParameterCounter::default();
    counter.feed(input);
    counter.count()
}

/// §3.4.1.3.1's list from its three sources, already decoded: the one place the rule lives, for
/// both [`collect_parameters`] and the verifier.
pub(crate) fn signed_parameters(
    query: Vec<(String, String)>,
    body: Vec<(String, String)>,
    header: Option<Vec<(String, String)>>,
) -> Vec<(String, String)> {
    let mut params = query;
    params.extend(body);
    params.extend(header.into_iter().flatten());
    params.retain(|(name, _)| name != "oauth_signature");
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn form_content_type_matching() {
        assert!(is_form_content_type("application/x-www-form-urlencoded"));
        assert!(is_form_content_type(
            "Application/X-WWW-Form-URLEncoded ; charset=UTF-8"
        ));
        assert!(!is_form_content_type("multipart/form-data; boundary=x"));
        assert!(!is_form_content_type("application/json"));
        assert!(!is_form_content_type(""));
    }

    #[test]
    fn body_ignored_unless_form() {
        let uri: Uri = "https://e.com/?a=1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        assert_eq!(collect_parameters(&uri, &headers, b"x=1").unwrap().len(), 1);
        headers.remove(header::CONTENT_TYPE);
        assert_eq!(collect_parameters(&uri, &headers, b"x=1").unwrap().len(), 1);
    }

    #[test]
    fn header_params_all_signed_but_realm_and_signature() {
        let uri: Uri = "https://e.com/?a=1&a=1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                r#"OAuth realm="R", oauth_consumer_key="k", oauth_signature="s%3D", x="y""#,
            ),
        );
        let params = collect_parameters(&uri, &headers, b"").unwrap();
        let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
        // RFC 5849 §3.4.1.3.1: every header parameter but `realm`, non-`oauth_` ones included,
        // as oauthlib signs them.
        assert_eq!(names, ["a", "a", "oauth_consumer_key", "x"]);
    }

    #[test]
    fn counting_agrees_with_decoding_in_any_pieces() {
        for text in ["", "&&", "a", "a&b", "&a=1&&b&", "a=1&b=%20&c=&&&d", "=&=x"] {
            let decoded = crate::oauth1::encode::form_decode(text).unwrap().len();
            assert_eq!(count_form_parameters(text.as_bytes()), decoded, "{text:?}");
            for split in 0..=text.len() {
                let mut counter = FormParameterCounter::default();
                counter.feed(&text.as_bytes()[..split]);
                counter.feed(&text.as_bytes()[split..]);
                assert_eq!(counter.count(), decoded, "{text:?} split at {split}");
            }
        }
    }

    #[test]
    fn the_budget_refuses_past_its_limit() {
        let mut budget = ParameterBudget::new(3);
        budget.spend(2).unwrap();
        budget.spend(1).unwrap();
        assert!(matches!(
            budget.spend(1),
            Err(SignatureError::TooManyParameters { limit: 3 })
        ));
        ParameterBudget::unlimited().spend(usize::MAX).unwrap();
    }

    #[test]
    fn non_oauth_authorization_ignored() {
        let uri: Uri = "https://e.com/".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert!(collect_parameters(&uri, &headers, b"").unwrap().is_empty());
    }
}
