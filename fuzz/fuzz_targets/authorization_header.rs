#![no_main]
//! The `Authorization` header parser on arbitrary bytes: never panics, and whatever parses
//! formats back to a header that parses to the same value.

use oauth_compat::oauth1::parse_authorization_header;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut inputs = vec![data.to_vec()];
    if let Ok(value) = http::HeaderValue::from_bytes(data) {
        inputs.push(value.as_bytes().to_vec());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        inputs.push(text.trim().as_bytes().to_vec());
    }
    for input in inputs {
        if let Ok(Some(parsed)) = parse_authorization_header(&input) {
            // The parser refuses control characters in the realm, so what it returns formats.
            let formatted = parsed.to_header_value().expect("a parsed header formats");
            assert!(http::HeaderValue::from_bytes(formatted.as_bytes()).is_ok());
            let again = parse_authorization_header(formatted.as_bytes());
            assert_eq!(again.ok().flatten(), Some(parsed));
        }
    }
});
