//! Flask-OAuthlib's `parse_response`: pick a decoder from the content type, run it.

use encoding_rs::Encoding;
use http::HeaderMap;
use http::header::CONTENT_TYPE;

use super::error::Failure;
use super::{
    Data, DecodeError, DecodeOptions, Format, MediaType, ResponseKind, charset, form, json, xml,
};

/// The content type that governs decoding: the forced one, else the header, else JSON.
/// `None` when the header is present but unreadable, which decodes as an unknown type.
pub(crate) fn effective_media_type(
    headers: &HeaderMap,
    options: &DecodeOptions,
) -> Option<MediaType> {
    if let Some(forced) = &options.content_type {
        return Some(forced.clone());
    }
    match headers.get(CONTENT_TYPE) {
        None => Some(MediaType::json()),
        Some(value) => value.to_str().ok().and_then(|v| MediaType::parse(v).ok()),
    }
}

/// Decodes `body`, returning it back on success (it becomes `raw_data`) and inside the error
/// otherwise.
pub(crate) fn decode(
    media_type: Option<&MediaType>,
    body: Vec<u8>,
    options: &DecodeOptions,
) -> Result<(Data, Vec<u8>), DecodeError> {
    // Checked first: no parser ever sees an oversized body.
    if body.len() > options.max_body_bytes {
        return Err(DecodeError::BodyTooLarge {
            size: body.len(),
            limit: options.max_body_bytes,
        });
    }
    let format = match (
        media_type.map_or(Format::Text, MediaType::format),
        options.kind,
    ) {
        (Format::Text, ResponseKind::Token) => Format::Form,
        (format, _) => format,
    };
    let charset_label = media_type.and_then(MediaType::charset);
    match decode_as(format, charset_label, &body) {
        Ok(data) => Ok((data, body)),
        Err(failure) => {
            let content_type = media_type.map_or_else(String::new, MediaType::to_string);
            Err(failure.into_error(format, &content_type, body))
        }
    }
}

fn decode_as(format: Format, charset_label: Option<&str>, body: &[u8]) -> Result<Data, Failure> {
    match format {
        Format::Json => json::decode(body, charset_label).map(Data::from_json),
        Format::Form => {
            let encoding = charset::lookup(charset_label)?;
            Ok(Data::from_form(form::decode(body, encoding)))
        }
        Format::Xml => {
            let (encoding, bom_len) = xml_encoding(body, charset_label)?;
            let text = charset::decode_strict(&body[bom_len..], encoding, bom_len)?;
            xml::parse(&text).map(Data::from_xml)
        }
        Format::Text => Ok(Data::from_text(
            decode_text(body, charset_label).into_owned(),
        )),
    }
}

/// Text never fails: an unknown charset falls back to UTF-8, bad bytes become U+FFFD.
pub(crate) fn decode_text<'a>(
    body: &'a [u8],
    charset_label: Option<&str>,
) -> std::borrow::Cow<'a, str> {
    let encoding = charset::lookup(charset_label).unwrap_or(encoding_rs::UTF_8);
    charset::decode_lossy(body, encoding)
}

/// An XML body's encoding: a byte-order mark, else the `charset` parameter, else the
/// `<?xml encoding=".."?>` declaration, else UTF-8. This is RFC 7303 §3.2's order, which
/// browsers follow. Python's ElementTree (Flask-OAuthlib's `etree.fromstring(content)`)
/// never sees the header and lets the declaration win even over a UTF-8 BOM; where the
/// two disagree, the header is the server's word about the bytes it sent.
fn xml_encoding(
    body: &[u8],
    charset_label: Option<&str>,
) -> Result<(&'static Encoding, usize), Failure> {
    if let Some(found) = Encoding::for_bom(body) {
        return Ok(found);
    }
    let label = charset_label.or_else(|| declared_encoding(body));
    Ok((charset::lookup(label)?, 0))
}

/// The `encoding` pseudo-attribute of an XML declaration, if the body starts with one.
fn declared_encoding(body: &[u8]) -> Option<&str> {
    let head = body.strip_prefix(b"<?xml")?;
    let decl = &head[..head.windows(2).position(|w| w == b"?>")?];
    let decl = std::str::from_utf8(decl).ok()?;
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    Some(&rest[..rest.find(quote)?])
}

#[cfg(test)]
mod tests {
    use http::header::{CONTENT_TYPE, HeaderValue};
    use http::{HeaderMap, StatusCode};
    use serde_json::json;

    use super::super::{DecodeError, Format, OAuthResponse, Position};
    use super::*;

    fn headers(content_type: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            match HeaderValue::from_str(ct) {
                Ok(value) => {
                    headers.insert(CONTENT_TYPE, value);
                }
                Err(e) => panic!("test header {ct:?}: {e}"),
            }
        }
        headers
    }

    fn decode_with(
        content_type: Option<&str>,
        body: &[u8],
        options: &DecodeOptions,
    ) -> Result<OAuthResponse, DecodeError> {
        OAuthResponse::decode(StatusCode::OK, headers(content_type), body, options)
    }

    fn ok(content_type: Option<&str>, body: &[u8], options: &DecodeOptions) -> OAuthResponse {
        match decode_with(content_type, body, options) {
            Ok(resp) => resp,
            Err(e) => panic!("{content_type:?} {body:?} should decode: {e}"),
        }
    }

    fn json_type() -> MediaType {
        MediaType::json()
    }

    #[test]
    fn no_content_type_is_json_and_empty_is_empty_object() {
        let resp = ok(None, b"{\"id\": 1}", &DecodeOptions::api());
        assert_eq!(resp.data.format(), Format::Json);
        assert_eq!(resp.data["id"], 1);
        assert_eq!(
            resp.media_type().map(MediaType::essence),
            Some("application/json")
        );
        let empty = ok(None, b"", &DecodeOptions::token());
        assert_eq!(empty.data, json!({}));
        let empty = ok(Some("application/json"), b"", &DecodeOptions::api());
        assert_eq!(empty.data, json!({}));
    }

    #[test]
    fn blank_json_is_an_error_naming_the_content_type() {
        for (content_type, options) in [
            (None, DecodeOptions::api()),
            (
                Some("application/vnd.api+json; charset=utf-8"),
                DecodeOptions::token(),
            ),
            (
                Some("text/plain"),
                DecodeOptions::token().content_type(MediaType::json()),
            ),
        ] {
            match decode_with(content_type, b" \r\n", &options) {
                Err(e @ DecodeError::BlankJson { .. }) => {
                    let want = match content_type {
                        Some("text/plain") | None => "application/json",
                        Some(ct) => ct,
                    };
                    assert!(
                        e.to_string().contains(&format!("the {want} response")),
                        "{e}"
                    );
                    assert_eq!(e.body(), Some(&b" \r\n"[..]));
                }
                other => panic!("{content_type:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn json_in_utf16_and_values_serde_cannot_hold() {
        let utf16: Vec<u8> = "{\"name\": \"Zoë\"}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let resp = ok(
            Some("application/json; charset=utf-8"),
            &utf16,
            &DecodeOptions::api(),
        );
        assert_eq!(resp.data["name"], "Zoë");
        let body = b"{\"id\": 12345678901234567890123, \"name\": \"S3CR3T\"}";
        match decode_with(Some("application/json"), body, &DecodeOptions::api()) {
            Err(e @ DecodeError::UnrepresentableJson { .. }) => {
                let shown = e.to_string();
                assert!(
                    shown.contains("an integer beyond 64 bits at line 1, column 8"),
                    "{shown}"
                );
                assert!(
                    !shown.contains("1234567") && !shown.contains("S3CR3T"),
                    "{shown}"
                );
                assert_eq!(e.body(), Some(&body[..]));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_json_and_xml_type_selects_its_decoder() {
        for ct in [
            "application/json",
            "application/JSON; charset=UTF-8",
            "text/javascript",
            "application/vnd.api+json",
        ] {
            let resp = ok(Some(ct), b"[1]", &DecodeOptions::api());
            assert_eq!(resp.data[0], 1, "{ct}");
        }
        for ct in [
            "application/xml",
            "text/xml",
            "application/atom+xml; charset=utf-8",
        ] {
            let resp = ok(Some(ct), b"<r><a>1</a></r>", &DecodeOptions::api());
            assert_eq!(resp.data["a"], "1", "{ct}");
            assert_eq!(resp.data.xml().map(|r| r.tag.as_str()), Some("r"));
        }
    }

    #[test]
    fn the_first_of_listed_content_types_decides() {
        let json = ok(
            Some("application/json, text/plain"),
            b"{\"id\": 1}",
            &DecodeOptions::api(),
        );
        assert_eq!(json.data.format(), Format::Json);
        assert_eq!(json.data["id"], 1);
        let text = ok(
            Some("text/plain, application/json"),
            b"{\"id\": 1}",
            &DecodeOptions::api(),
        );
        assert_eq!(text.data.format(), Format::Text);
        // The second type's charset is not the first's.
        let form = ok(
            Some("application/x-www-form-urlencoded, text/plain; charset=latin-1"),
            b"n=%C3%A9",
            &DecodeOptions::api(),
        );
        assert_eq!(form.data["n"], "é");
    }

    #[test]
    fn forms_honour_charset() {
        let form = "application/x-www-form-urlencoded";
        let resp = ok(Some(form), b"a=1&b=x+y%21", &DecodeOptions::api());
        assert_eq!(resp.data, json!({"a": "1", "b": "x y!"}));
        let latin1 = ok(
            Some("application/x-www-form-urlencoded; charset=ISO-8859-1"),
            b"name=Jos%E9&city=M\xFCnchen",
            &DecodeOptions::token(),
        );
        assert_eq!(latin1.data["name"], "José");
        assert_eq!(latin1.data["city"], "München");
    }

    #[test]
    fn undecodable_form_bytes_become_replacement_characters() {
        // A token response whose screen name was sent in latin-1 without saying so: Werkzeug
        // replaces the byte and the token is still read; it used to abort the whole response.
        let resp = ok(
            Some("application/x-www-form-urlencoded"),
            b"oauth_token=t&oauth_token_secret=s&screen_name=Ren%E9",
            &DecodeOptions::token(),
        );
        assert_eq!(resp.data["oauth_token_secret"], "s");
        assert_eq!(resp.data["screen_name"], "Ren\u{FFFD}");
        // Text read as a form for a token endpoint, in a declared charset.
        let resp = ok(
            Some("text/plain; charset=shift_jis"),
            b"oauth_token=t&name=\x82\xa0\x82",
            &DecodeOptions::token(),
        );
        assert_eq!(resp.data["name"], "\u{3042}\u{FFFD}");
    }

    #[test]
    fn python_charset_spellings_decode_as_the_client_encoding_reads_them() {
        // Each was `UnknownCharset` here while the client's `encoding` accepted it.
        for charset in [
            "latin-1",
            "Latin 1",
            "latin_1",
            "iso8859-1",
            "latin1",
            "l1",
            "8859",
        ] {
            let form = ok(
                Some(&format!(
                    "application/x-www-form-urlencoded; charset={charset}"
                )),
                b"name=Ren%E9&city=M\xFCnchen",
                &DecodeOptions::token(),
            );
            assert_eq!(form.data["name"], "René", "{charset}");
            assert_eq!(form.data["city"], "München", "{charset}");
            let text = ok(
                Some(&format!("text/plain; charset=\"{charset}\"")),
                b"caf\xE9",
                &DecodeOptions::api(),
            );
            assert_eq!(text.data, "café", "{charset}");
        }
        for charset in ["utf8", "u8", "UTF 8", "utf_8"] {
            let json = ok(
                Some(&format!("application/json; charset={charset}")),
                "{\"n\":\"Zoë\"}".as_bytes(),
                &DecodeOptions::api(),
            );
            assert_eq!(json.data["n"], "Zoë", "{charset}");
        }
        let declared = ok(
            Some("text/xml"),
            b"<?xml version='1.0' encoding='latin-1'?><r><n>Ren\xE9</n></r>",
            &DecodeOptions::api(),
        );
        assert_eq!(declared.data["n"], "René");
    }

    #[test]
    fn unknown_charset_is_named_and_keeps_body() {
        let err = decode_with(
            Some("application/x-www-form-urlencoded; charset=ebcdic-martian"),
            b"a=1",
            &DecodeOptions::api(),
        );
        match err {
            Err(e @ DecodeError::UnknownCharset { .. }) => {
                assert!(e.to_string().contains("\"ebcdic-martian\""), "{e}");
                assert_eq!(e.body(), Some(&b"a=1"[..]));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_types_are_text_for_api_and_form_for_tokens() {
        let body = b"oauth_token=t&oauth_token_secret=s";
        let api = ok(Some("text/plain"), body, &DecodeOptions::api());
        assert_eq!(api.data.format(), Format::Text);
        assert_eq!(api.data, "oauth_token=t&oauth_token_secret=s");
        let token = ok(
            Some("text/html; charset=utf-8"),
            body,
            &DecodeOptions::token(),
        );
        assert_eq!(token.data["oauth_token_secret"], "s");
        // An unreadable header is an unknown type, not a default to JSON.
        let mut bad = HeaderMap::new();
        bad.insert(CONTENT_TYPE, HeaderValue::from_static("garbage"));
        let resp = OAuthResponse::decode(StatusCode::OK, bad, &body[..], &DecodeOptions::api());
        assert!(
            matches!(resp, Ok(r) if r.data.format() == Format::Text && r.media_type().is_none())
        );
    }

    #[test]
    fn forced_content_type_wins_for_api_and_token() {
        let body = br#"{"access_token": "2.00x", "uid": "12"}"#;
        let token = ok(
            Some("text/plain"),
            body,
            &DecodeOptions::token().content_type(json_type()),
        );
        assert_eq!(token.data["access_token"], "2.00x");
        let api = ok(
            Some("text/plain"),
            body,
            &DecodeOptions::api().content_type(json_type()),
        );
        assert_eq!(api.data["uid"], "12");
        let xml_type = MediaType::parse("text/xml");
        let Ok(xml_type) = xml_type else {
            panic!("text/xml parses")
        };
        let forced_xml = ok(
            Some("application/json"),
            b"<a/>",
            &DecodeOptions::api().content_type(xml_type),
        );
        assert_eq!(forced_xml.data.format(), Format::Xml);
    }

    #[test]
    fn size_limit_is_checked_before_parsing() {
        let options = DecodeOptions::api().max_body_bytes(8);
        assert!(decode_with(None, b"[1,2,3,4]", &options.clone().max_body_bytes(9)).is_ok());
        match decode_with(None, b"[1,2,3,4]", &options) {
            Err(e @ DecodeError::BodyTooLarge { size: 9, limit: 8 }) => {
                assert!(
                    e.to_string().contains("9 bytes, over the 8-byte limit"),
                    "{e}"
                );
            }
            other => panic!("{other:?}"),
        }
        // Even a body that would not parse is refused for its size first.
        assert!(matches!(
            decode_with(Some("text/xml"), b"<!DOCTYPE x>", &options),
            Err(DecodeError::BodyTooLarge { .. })
        ));
        assert_eq!(DecodeOptions::api().max_body_bytes, 4 * 1024 * 1024);
    }

    #[test]
    fn malformed_bodies_keep_raw_body_and_position() {
        let cases: [(&str, &[u8], Format, Position); 3] = [
            (
                "application/json",
                b"{\"a\":\n [1,}",
                Format::Json,
                Position::LineColumn { line: 2, column: 5 },
            ),
            (
                "text/xml",
                b"<a><b></c></a>",
                Format::Xml,
                Position::Byte(6),
            ),
            ("text/xml", b"<a>\xFF</a>", Format::Xml, Position::Byte(3)),
        ];
        for (ct, body, want_format, want_position) in cases {
            match decode_with(Some(ct), body, &DecodeOptions::api()) {
                Err(e @ DecodeError::Malformed { .. }) => {
                    let DecodeError::Malformed {
                        format,
                        position,
                        body: raw,
                        ..
                    } = &e
                    else {
                        unreachable!()
                    };
                    assert_eq!((*format, *position), (want_format, want_position), "{e}");
                    assert_eq!(&raw[..], body);
                    assert!(e.to_string().contains(&want_format.to_string()), "{e}");
                }
                other => panic!("{ct}: {other:?}"),
            }
        }
    }

    #[test]
    fn xml_hardening_through_decode() {
        let doctype = b"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><r>&e;</r>";
        assert!(matches!(
            decode_with(Some("application/xml"), doctype, &DecodeOptions::api()),
            Err(DecodeError::XmlDoctype { body, .. }) if body[..] == doctype[..]
        ));
        let deep = "<a>".repeat(10_000);
        assert!(matches!(
            decode_with(Some("text/xml"), deep.as_bytes(), &DecodeOptions::api()),
            Err(DecodeError::XmlTooDeep { limit: 256, .. })
        ));
    }

    #[test]
    fn xml_encoding_from_declaration_bom_or_charset() {
        let declared = b"<?xml version='1.0' encoding='ISO-8859-1'?><r><n>Ren\xE9</n></r>";
        let resp = ok(Some("text/xml"), declared, &DecodeOptions::api());
        assert_eq!(resp.data["n"], "René");
        let charset = ok(
            Some("text/xml; charset=latin1"),
            b"<r><n>Ren\xE9</n></r>",
            &DecodeOptions::api(),
        );
        assert_eq!(charset.data["n"], "René");
        let bom = ok(
            Some("text/xml"),
            b"\xEF\xBB\xBF<r><n>x</n></r>",
            &DecodeOptions::api(),
        );
        assert_eq!(bom.data["n"], "x");
        assert_eq!(
            declared_encoding(b"<?xml encoding = \"utf-8\" ?>"),
            Some("utf-8")
        );
        assert_eq!(declared_encoding(b"<?xml version=\"1.0\"?>"), None);
        assert_eq!(declared_encoding(b"<?xml encoding=\"utf-8"), None);
    }

    /// Where the sources disagree, RFC 7303's order decides: BOM, then header, then
    /// declaration. (Python's ElementTree reads the first body as UTF-8, the declaration's
    /// word, and fails on `\xE9`; it reads the second as latin-1, giving "RenÃ©".)
    #[test]
    fn xml_bom_then_header_then_declaration() {
        let header_wins = ok(
            Some("text/xml; charset=latin-1"),
            b"<?xml version='1.0' encoding='utf-8'?><r><n>Ren\xE9</n></r>",
            &DecodeOptions::api(),
        );
        assert_eq!(header_wins.data["n"], "René");
        let bom_wins = ok(
            Some("text/xml; charset=latin-1"),
            b"\xEF\xBB\xBF<?xml version='1.0' encoding='latin-1'?><r><n>Ren\xC3\xA9</n></r>",
            &DecodeOptions::api(),
        );
        assert_eq!(bom_wins.data["n"], "René");
        // Without a header charset, the declaration decides.
        let declared = ok(
            Some("application/xml"),
            b"<?xml version='1.0' encoding='cp1251'?><r><n>\xC8\xE2\xE0\xED</n></r>",
            &DecodeOptions::api(),
        );
        assert_eq!(declared.data["n"], "Иван");
    }

    #[test]
    fn raise_for_status_and_helpers() {
        for (code, is_err) in [
            (200, false),
            (204, false),
            (302, false),
            (404, true),
            (503, true),
        ] {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT);
            let resp = OAuthResponse::decode(
                status,
                HeaderMap::new(),
                "{\"error\":\"x\"}",
                &DecodeOptions::api(),
            );
            let Ok(resp) = resp else { panic!("decodes") };
            assert_eq!(resp.status_code(), code);
            assert!(resp.status == code);
            match resp.raise_for_status() {
                Ok(same) => assert!(!is_err && std::ptr::eq(same, &resp)),
                Err(e @ DecodeError::Status { .. }) => {
                    assert!(is_err);
                    assert_eq!(e.body(), Some(&b"{\"error\":\"x\"}"[..]));
                    let class = if code < 500 { "client" } else { "server" };
                    assert_eq!(
                        e.to_string(),
                        format!("HTTP {status} ({class} error) from the provider")
                    );
                }
                Err(other) => panic!("{other}"),
            }
        }
    }

    #[test]
    fn json_from_form_and_xml_views() {
        #[derive(serde::Deserialize, PartialEq, Debug)]
        struct Token {
            oauth_token: String,
            screen_name: String,
        }
        let resp = ok(
            Some("application/x-www-form-urlencoded"),
            b"oauth_token=t&screen_name=ann&oauth_token=second",
            &DecodeOptions::token(),
        );
        let token: Result<Token, _> = resp.json();
        assert!(matches!(token, Ok(t) if t.oauth_token == "t" && t.screen_name == "ann"));
        let xml = ok(
            Some("text/xml"),
            b"<t><oauth_token>x</oauth_token><screen_name>bo</screen_name></t>",
            &DecodeOptions::api(),
        );
        assert!(matches!(xml.json::<Token>(), Ok(t) if t.oauth_token == "x"));
        assert!(matches!(
            xml.json::<Vec<u8>>(),
            Err(DecodeError::Deserialize {
                format: Format::Xml,
                ..
            })
        ));
    }

    #[test]
    fn debug_does_not_print_bodies() {
        let resp = ok(
            None,
            b"{\"access_token\":\"s3cret\"}",
            &DecodeOptions::token(),
        );
        assert!(!format!("{resp:?}").contains("s3cret"));
        let err = decode_with(
            None,
            b"{\"access_token\":\"s3cret\"",
            &DecodeOptions::token(),
        );
        assert!(matches!(err, Err(e) if !format!("{e:?}").contains("s3cret")));
    }
}
