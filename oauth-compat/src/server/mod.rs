//! An OAuth 1.0 provider (RFC 5849), ported from Authlib's Flask OAuth 1 server: storage
//! contracts in [`store`].

pub mod store;
