//! The provider's successful answers: form-encoded credentials (Authlib's
//! `TOKEN_RESPONSE_HEADER`) and redirects.

use http::{HeaderValue, Response, StatusCode, header};

pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// `k=v&k=v`, encoded as Python's `urlencode` does (spaces as `+`).
pub(crate) fn form_body<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish().into_bytes()
}

/// A form-encoded answer that must not be cached (it carries credentials).
pub(crate) fn form_response<'a>(
    status: StatusCode,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Response<Vec<u8>> {
    let mut resp = Response::new(form_body(pairs));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(FORM));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// A 302 to `location` (a serialized [`url::Url`], so ASCII), with an empty body.
pub(crate) fn redirect(location: &url::Url) -> Response<Vec<u8>> {
    let mut resp = Response::new(Vec::new());
    *resp.status_mut() = StatusCode::FOUND;
    if let Ok(value) = HeaderValue::from_str(location.as_str()) {
        resp.headers_mut().insert(header::LOCATION, value);
    }
    resp
}
