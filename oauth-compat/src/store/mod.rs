//! Storage backends for the provider's [`crate::server`] traits.
//!
//! | backend | implements | for |
//! |---|---|---|
//! | [`memory::MemoryStore`] | all four traits | tests, examples, one process |
//! | [`cache::CacheStore`] | [`NonceStore`](crate::server::NonceStore), [`TemporaryCredentialStore`](crate::server::TemporaryCredentialStore) | any [`Cache`](crate::cache::Cache): in memory, Redis |
//! | `sqlite::SqliteStore` (feature `sqlite`) | all four traits | the embedded default: one machine, a file |
//! | `postgres::PostgresStore` (feature `postgres`) | all four traits | several machines sharing one database |
//!
//! The seed's helpers, in Rust:
//!
//! | Authlib (Flask) | here |
//! |---|---|
//! | `create_query_client_func(db.session, Client)` | a [`ClientStore`](crate::server::ClientStore): [`memory::MemoryStore`], or your own impl over your database |
//! | `create_query_token_func(db.session, TokenCredential)` | a [`TokenCredentialStore`](crate::server::TokenCredentialStore) |
//! | `register_token_credential_hooks(server, db.session, TokenCredential)` | the same [`TokenCredentialStore`](crate::server::TokenCredentialStore), passed to [`AuthorizationServer::new`](crate::server::AuthorizationServer::new) |
//! | `register_temporary_credential_hooks(server, cache)` | [`cache::CacheStore`] as the [`TemporaryCredentialStore`](crate::server::TemporaryCredentialStore) |
//! | `register_nonce_hooks(server, cache)`, `create_exists_nonce_func(cache)` | [`cache::CacheStore`] as the [`NonceStore`](crate::server::NonceStore) |

mod cache;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

/// The exact sqlx the SQL stores use: build the pools you pass to `from_pool` from it.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sqlx;

pub use cache::CacheStore;
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::SCHEMA;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
