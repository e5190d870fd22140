#![no_main]
// Placeholder until this target lands.
libfuzzer_sys::fuzz_target!(|_data: &[u8]| {});
