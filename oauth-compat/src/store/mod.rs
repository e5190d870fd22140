//! Storage backends for the provider's [`crate::server::store`] traits.
//!
//! | backend | implements | for |
//! |---|---|---|
//! | [`memory::MemoryStore`] | all four traits | tests, examples, one process |
//! | [`cache::CacheStore`] | [`NonceStore`](crate::server::store::NonceStore), [`TemporaryCredentialStore`](crate::server::store::TemporaryCredentialStore) | any [`Cache`](crate::cache::Cache): in memory, Redis |
//! | `sqlite::SqliteStore` (feature `sqlite`) | all four traits | the embedded default: one machine, a file |
//! | `postgres::PostgresStore` (feature `postgres`) | all four traits | several machines sharing one database |
//!
//! The seed's helpers, in Rust:
//!
//! | Authlib (Flask) | here |
//! |---|---|
//! | `create_query_client_func(db.session, Client)` | a [`ClientStore`](crate::server::store::ClientStore): [`memory::MemoryStore`], or your own impl over your database |
//! | `create_query_token_func(db.session, TokenCredential)` | a [`TokenCredentialStore`](crate::server::store::TokenCredentialStore) |
//! | `register_token_credential_hooks(server, db.session, TokenCredential)` | the same [`TokenCredentialStore`](crate::server::store::TokenCredentialStore), passed to [`AuthorizationServer::new`](crate::server::AuthorizationServer::new) |
//! | `register_temporary_credential_hooks(server, cache)` | [`cache::CacheStore`] as the [`TemporaryCredentialStore`](crate::server::store::TemporaryCredentialStore) |
//! | `register_nonce_hooks(server, cache)`, `create_exists_nonce_func(cache)` | [`cache::CacheStore`] as the [`NonceStore`](crate::server::store::NonceStore) |

pub mod cache;
pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// The exact sqlx the SQL stores use: build the pools you pass to `from_pool` from it.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sqlx;
