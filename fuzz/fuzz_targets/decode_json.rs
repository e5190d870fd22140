#![no_main]
//! JSON decoding of arbitrary bytes, through the same path a provider response takes.

use oauth_compat::response::{DecodeOptions, MediaType, OAuthResponse};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let options = DecodeOptions::api().content_type(MediaType::json());
    if let Ok(resp) = OAuthResponse::decode(
        // StatusCode::OK and an empty HeaderMap, without a direct `http` dependency.
        Default::default(),
        Default::default(),
        data,
        &options,
    ) {
        let _ = resp.data["id"][0].is_null();
        let _ = resp.data.to_string();
        let _ = resp.json::<Vec<String>>();
    }
});
