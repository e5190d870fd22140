//! What the root integration tests share, one helper a file; each test file pulls it in with
//! `mod support;` and names what it uses (`use support::loopback;`). See `tests/README.md`.
// Every test binary compiles all of it and uses a different part (macros included).
#![allow(dead_code, unused_macros)]

/// The Authlib OAuth 1 and OAuth 2 peer servers of `tests/interop/` as child processes.
pub(crate) mod authlib_peer;
/// Where the built examples are, for the tests that run them as processes.
pub(crate) mod example_binary;
/// The OAuth 1 client tests' signature-method × placement table.
pub(crate) mod full_flows;
/// An axum router served on a free 127.0.0.1 port, logging every request it receives.
pub(crate) mod loopback;
/// An OAuth 1.0a provider on `loopback` that verifies every signature it is sent.
pub(crate) mod oauth1_provider;
/// A PostgreSQL server per test binary, started on first use.
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
/// A `redis-server` per test, on a free loopback port.
pub(crate) mod redis_server;
/// The test binary run again as a second process, for what two processes do at once.
pub(crate) mod second_process;
/// What every SQL store must do, run by `store_sqlite.rs` and `store_postgres.rs`.
pub(crate) mod store_contract;
/// A directory of a test's own, removed when dropped.
pub(crate) mod temp_dir;
