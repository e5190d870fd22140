//! `OAuthResponse`: status, headers, raw body and decoded data, with Authlib's helpers.

use std::borrow::Cow;
use std::fmt;

use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::error::RawBody;
use super::{Data, DecodeError, DecodeOptions, MediaType, decode};

/// A provider's response, decoded.
///
/// Fields read as in Flask-OAuthlib (`resp.status`, `resp.data`, `resp.raw_data`); methods
/// read as in Authlib (`status_code()`, `text()`, `json()`, `raise_for_status()`).
///
/// ```
/// use http::{HeaderMap, StatusCode, header};
/// use oauth_compat::response::{DecodeOptions, OAuthResponse};
///
/// let mut headers = HeaderMap::new();
/// headers.insert(header::CONTENT_TYPE, "application/json; charset=utf-8".parse()?);
/// let body = br#"{"id": 6253282, "screen_name": "twitterapi"}"#.to_vec();
/// let resp = OAuthResponse::decode(StatusCode::OK, headers, body, &DecodeOptions::api())?;
///
/// assert!(resp.status == 200);
/// assert_eq!(resp.data["screen_name"], "twitterapi");
/// assert_eq!(resp.data["id"], 6253282);
///
/// #[derive(serde::Deserialize)]
/// struct User { id: u64, screen_name: String }
/// let user: User = resp.json()?;
/// assert_eq!((user.id, user.screen_name.as_str()), (6253282, "twitterapi"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct OAuthResponse {
    /// The HTTP status; compares with integers (`resp.status == 200`).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as received.
    pub raw_data: Vec<u8>,
    /// The decoded body, indexed like the Python dict it replaces.
    pub data: Data,
    /// The content type decoding used (forced, header, or the JSON default).
    media_type: Option<MediaType>,
}

impl OAuthResponse {
    /// Decodes a response the way Flask-OAuthlib's `parse_response` does.
    ///
    /// The content type is `options.content_type` if set, else the `Content-Type` header,
    /// else `application/json`. JSON types (`+json` included) decode as JSON, an empty body
    /// as `{}`, in the encoding `json.loads` would detect; XML types as an
    /// [`Element`](super::Element) tree; forms as a [`Form`](super::Form), honouring
    /// `charset`; anything else as text for
    /// [`ResponseKind::Api`](super::ResponseKind::Api) and as a form for
    /// [`ResponseKind::Token`](super::ResponseKind::Token).
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode, header};
    /// use oauth_compat::response::{DecodeOptions, Format, MediaType, OAuthResponse};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert(header::CONTENT_TYPE, "text/plain".parse()?);
    /// let body = r#"{"access_token": "2.00abc", "expires_in": 157679999}"#;
    ///
    /// // An API response in text/plain stays text...
    /// let api = OAuthResponse::decode(StatusCode::OK, headers.clone(), body, &DecodeOptions::api())?;
    /// assert_eq!(api.data.format(), Format::Text);
    ///
    /// // ...unless the type is forced, as Weibo's `content_type='application/json'` does.
    /// let options = DecodeOptions::token().content_type(MediaType::json());
    /// let token = OAuthResponse::decode(StatusCode::OK, headers, body, &options)?;
    /// assert_eq!(token.data["access_token"], "2.00abc");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DecodeError::BodyTooLarge`] before any parsing; [`DecodeError::Malformed`],
    /// [`DecodeError::UnknownCharset`], [`DecodeError::BlankJson`], [`DecodeError::UnrepresentableJson`],
    /// [`DecodeError::XmlDoctype`] or [`DecodeError::XmlTooDeep`], each keeping the body, when it does
    /// not decode.
    pub fn decode(
        status: StatusCode,
        headers: HeaderMap,
        body: impl Into<Vec<u8>>,
        options: &DecodeOptions,
    ) -> Result<Self, DecodeError> {
        let media_type = decode::effective_media_type(&headers, options);
        let (data, raw_data) = decode::decode(media_type.as_ref(), body.into(), options)?;
        Ok(Self {
            status,
            headers,
            raw_data,
            data,
            media_type,
        })
    }

    /// Decodes an [`http::Response`], as the HTTP engine receives it.
    ///
    /// ```
    /// use oauth_compat::response::{DecodeOptions, OAuthResponse};
    ///
    /// let http_resp = http::Response::builder()
    ///     .status(200)
    ///     .header("content-type", "application/x-www-form-urlencoded")
    ///     .body("oauth_token=abc&oauth_token_secret=xyz&screen_name=twitterapi")?;
    /// let resp = OAuthResponse::from_http(http_resp, &DecodeOptions::token())?;
    /// assert_eq!(resp.data["oauth_token"], "abc");
    /// assert_eq!(resp.data["screen_name"], "twitterapi");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`decode`](Self::decode).
    pub fn from_http<B: Into<Vec<u8>>>(
        response: http::Response<B>,
        options: &DecodeOptions,
    ) -> Result<Self, DecodeError> {
        let (parts, body) = response.into_parts();
        Self::decode(parts.status, parts.headers, body, options)
    }

    /// The status as a number, as Authlib's (requests') `resp.status_code`.
    pub fn status_code(&self) -> u16 {
        self.status.as_u16()
    }

    /// The content type decoding used: the forced one, the header's, or `application/json`
    /// when there was no header. `None` when the header could not be parsed.
    pub fn media_type(&self) -> Option<&MediaType> {
        self.media_type.as_ref()
    }

    /// The body as text, in the content type's `charset` (UTF-8 by default); bytes that do
    /// not decode become U+FFFD, as in requests' `resp.text`.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode, header};
    /// use oauth_compat::response::{DecodeOptions, OAuthResponse};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert(header::CONTENT_TYPE, "text/plain; charset=iso-8859-1".parse()?);
    /// let resp = OAuthResponse::decode(StatusCode::OK, headers, b"caf\xE9".to_vec(), &DecodeOptions::api())?;
    /// assert_eq!(resp.text(), "café");
    /// assert_eq!(resp.data, "café");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn text(&self) -> Cow<'_, str> {
        decode::decode_text(
            &self.raw_data,
            self.media_type.as_ref().and_then(MediaType::charset),
        )
    }

    /// Deserializes the body into `T`, as Authlib's `resp.json()`.
    ///
    /// JSON, form and XML bodies deserialize from [`Data`]'s view; form values and XML
    /// texts are strings that parse into the numbers and bools `T` asks for
    /// (`expires_in=3600` into a `u64`). A text body is parsed as JSON whatever its content
    /// type, as requests does.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode, header};
    /// use oauth_compat::response::{DecodeOptions, OAuthResponse};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Token { access_token: String, expires_in: u64, refresh_token: Option<String> }
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert(header::CONTENT_TYPE, "text/plain".parse()?);
    /// let body = "access_token=AAAB&expires_in=5183999";
    /// let resp = OAuthResponse::decode(StatusCode::OK, headers, body, &DecodeOptions::token())?;
    /// let token: Token = resp.json()?;
    /// assert_eq!((token.access_token.as_str(), token.expires_in), ("AAAB", 5183999));
    /// assert!(token.refresh_token.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DecodeError::Deserialize`] naming the format, the target type and what did not fit.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        self.data.deserialize()
    }

    /// `Err` for a 4xx or 5xx status, as Authlib's (requests') `raise_for_status()`.
    ///
    /// ```
    /// use http::{HeaderMap, StatusCode};
    /// use oauth_compat::response::{DecodeOptions, DecodeError, OAuthResponse};
    ///
    /// let body = r#"{"errors": [{"code": 89, "message": "Invalid or expired token."}]}"#;
    /// let resp = OAuthResponse::decode(StatusCode::UNAUTHORIZED, HeaderMap::new(), body, &DecodeOptions::api())?;
    /// assert_eq!(resp.data["errors"][0]["code"], 89);
    /// match resp.raise_for_status() {
    ///     Err(DecodeError::Status { status, body, .. }) => {
    ///         assert_eq!(status, 401);
    ///         assert_eq!(&body[..], resp.raw_data.as_slice());
    ///     }
    ///     _ => panic!("401 is an error"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DecodeError::Status`] with the status and a copy of the body.
    pub fn raise_for_status(&self) -> Result<&Self, DecodeError> {
        let class = if self.status.is_client_error() {
            "client"
        } else if self.status.is_server_error() {
            "server"
        } else {
            return Ok(self);
        };
        Err(DecodeError::Status {
            status: self.status,
            class,
            body: RawBody(self.raw_data.clone()),
        })
    }
}

/// Prints the body's size and format, not its contents: token responses carry secrets.
/// Prints a header map's names, in order, without values.
struct HeaderNames<'a>(&'a http::HeaderMap);

impl fmt::Debug for HeaderNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl fmt::Debug for OAuthResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthResponse")
            .field("status", &self.status)
            // Header names only: values such as `Set-Cookie` can carry session secrets.
            .field("headers", &HeaderNames(&self.headers))
            .field("raw_data", &format_args!("<{} bytes>", self.raw_data.len()))
            .field("data", &format_args!("<{}>", self.data.format()))
            .field("media_type", &self.media_type)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue, StatusCode, header};

    use super::*;
    use crate::response::DecodeOptions;

    #[test]
    fn debug_names_headers_but_shows_no_value() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::SET_COOKIE,
            HeaderValue::from_static("session=S3CR3T"),
        );
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let resp = OAuthResponse::decode(
            StatusCode::OK,
            headers,
            "oauth_token=T0K&oauth_token_secret=S3CR3T",
            &DecodeOptions::token(),
        )
        .unwrap();
        let debug = format!("{resp:?}");
        assert!(debug.contains("set-cookie"), "{debug}");
        assert!(
            !debug.contains("S3CR3T") && !debug.contains("T0K"),
            "{debug}"
        );
    }
}
