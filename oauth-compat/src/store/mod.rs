//! Storage backends for the provider's [`crate::server::store`] traits.
