//! Root package: owns the cross-crate examples and integration tests.

/// `MIGRATING.md`: the seeds' client snippets side by side with their Rust ports. Each Rust
/// block is a doctest of this package, so a port that stops compiling (or asserting) fails
/// `cargo test --doc`.
#[doc = include_str!("../MIGRATING.md")]
pub mod migrating {}
