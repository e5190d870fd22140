#![no_main]
//! XML decoding of arbitrary bytes: no DOCTYPE, bounded depth, never a panic.

use oauth_compat::response::{DecodeOptions, MediaType, OAuthResponse};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(media_type) = MediaType::parse("application/xml") else {
        return;
    };
    let options = DecodeOptions::api().content_type(media_type);
    if let Ok(resp) = OAuthResponse::decode(
        // StatusCode::OK and an empty HeaderMap, without a direct `http` dependency.
        Default::default(),
        Default::default(),
        data,
        &options,
    ) {
        if let Some(root) = resp.data.xml() {
            let _ = root.find("a").and_then(|a| a.attr("b"));
        }
        let _ = resp.data["a"].as_str();
    }
});
