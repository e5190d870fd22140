//! What the crate's integration tests share, one helper a file; each test file pulls it in with
//! `mod support;` (the same convention as the workspace's `tests/support/`, see
//! `tests/README.md` at the workspace root).
// Every test binary compiles all of it and uses a different part.
#![allow(dead_code)]

/// The provider's tests, sans-IO: stores with two registered clients, requests signed by the
/// library's own `Signer`, readers for the answers.
pub(crate) mod server;
