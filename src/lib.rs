//! Root package: owns the cross-crate examples and integration tests.
