//! Storage backends for the provider's [`crate::server::store`] traits.

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// The exact sqlx the SQL stores use: build the pools you pass to `from_pool` from it.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sqlx;
