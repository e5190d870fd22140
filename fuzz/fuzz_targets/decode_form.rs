#![no_main]
//! Form decoding of arbitrary bytes; the first byte picks a charset, and a decoded form must
//! re-encode and decode to itself.

use oauth_compat::response::{DecodeOptions, Form, MediaType, OAuthResponse};

const TYPES: &[&str] = &[
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=iso-8859-1",
    "application/x-www-form-urlencoded; charset=shift_jis",
    "text/plain",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let Ok(media_type) = MediaType::parse(TYPES[usize::from(pick) % TYPES.len()]) else {
        return;
    };
    // Token responses read text/plain as a form, as Flask-OAuthlib's strict=False does.
    let options = DecodeOptions::token().content_type(media_type);
    if let Ok(resp) = OAuthResponse::decode(
        // StatusCode::OK and an empty HeaderMap, without a direct `http` dependency.
        Default::default(),
        Default::default(),
        body,
        &options,
    ) {
        if let Some(form) = resp.data.form() {
            assert_eq!(&Form::parse(form.encode().as_bytes()), form);
        }
    }
});
