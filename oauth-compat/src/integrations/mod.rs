//! The provider hosted by web frameworks: thin adapters from a framework's request and response
//! types to the framework-neutral [`crate::server`], which does all the checking.

#[cfg(feature = "axum")]
pub mod axum;
