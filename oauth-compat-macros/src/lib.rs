//! Procedural macros for [`oauth-compat`](https://docs.rs/oauth-compat).
//!
//! Do not depend on this crate directly: `oauth-compat` re-exports its macros and pins it to
//! the exact same version, so the generated code and the runtime it calls always match.
//!
//! The macros themselves (`remote_app!`, `#[remote_app(..)]`, `#[tokengetter]`) arrive with the
//! remote-apps layer; until then this crate holds only its documentation.

#![warn(missing_docs)]
