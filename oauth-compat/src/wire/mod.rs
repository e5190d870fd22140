//! The plain values every layer speaks, below all of them: the outgoing request and the raw
//! response the hooks rewrite and the engine sends and reads, the kind of a request, the
//! transport rule, URL redaction for errors and spans, and the clock token expiry is counted
//! by.
//!
//! Nothing here does I/O or imports a layer above it (see DESIGN.md, "Layers"), so the sans-IO
//! cores ([`crate::oauth1`], [`crate::oauth2`]), the hooks, the engine and the provider can
//! all share these values without importing each other.

mod clock;
pub(crate) mod redact;
mod request;
pub(crate) mod transport;

pub(crate) use clock::{now_unix, now_unix_secs};
pub use request::{OutgoingRequest, RawResponse, RequestKind};

/// A boxed, `Send` future: what the [`Cache`](crate::cache::Cache) contract and the provider's
/// storage traits return, so they stay object-safe (`Arc<dyn Cache>`, `Arc<dyn ClientStore>`)
/// without a macro crate.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
