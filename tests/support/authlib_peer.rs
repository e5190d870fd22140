//! The Authlib peer servers (`tests/interop/authlib_oauth{1,2}_server.py`) as child processes,
//! for the tests that drive them.
//!
//! Each server runs from `<workspace>/.venv` (installed by `scripts/test`), prints
//! `LISTENING <port>` and serves until it is killed here on drop, or until its stdin (an open
//! pipe held here) reaches end of file, so it also goes away if the test process dies without
//! running `Drop`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use oauth_compat::reqwest;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const START_TIMEOUT: Duration = Duration::from_secs(20);
const STATS_TIMEOUT: Duration = Duration::from_secs(10);

/// A running peer server, killed (and reaped) when dropped.
pub(crate) struct PeerServer {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub(crate) base: String,
}

impl PeerServer {
    /// `authlib_oauth1_server.py`.
    pub(crate) fn oauth1() -> Self {
        Self::start("authlib_oauth1_server.py")
    }

    /// `authlib_oauth2_server.py`.
    pub(crate) fn oauth2() -> Self {
        Self::start("authlib_oauth2_server.py")
    }

    /// Starts `tests/interop/<script>` and waits, bounded, for its `LISTENING <port>` line.
    pub(crate) fn start(script: &str) -> Self {
        let python = PathBuf::from(ROOT).join(".venv/bin/python");
        assert!(
            python.is_file(),
            "{} is missing: run scripts/test, which installs Authlib and Flask into .venv",
            python.display()
        );
        // stdin stays an open pipe: the server exits when it reaches end of file, so it also
        // goes away if this process dies without running Drop.
        let mut child = Command::new(&python)
            .arg(format!("{ROOT}/tests/interop/{script}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|err| panic!("starting {script} with {}: {err}", python.display()));
        let stdout = child.stdout.take().expect("stdout is piped");
        // The guard exists before the wait, so a timeout or a bad line still ends the process.
        let mut server = Self {
            child,
            base: String::new(),
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send(read);
            // Nothing more is expected on stdout; drain it anyway so the server never blocks.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) => line,
            Ok(Err(err)) => panic!("{script}: reading its stdout failed: {err}"),
            Err(_) => panic!("{script}: no LISTENING line within {START_TIMEOUT:?}"),
        };
        let port: u16 = line
            .strip_prefix("LISTENING ")
            .and_then(|port| port.trim().parse().ok())
            .unwrap_or_else(|| {
                panic!("{script}: first line {line:?} is not `LISTENING <port>` (empty: it exited)")
            });
        server.base = format!("http://127.0.0.1:{port}");
        server
    }

    /// `base` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's `/stats` counters.
    pub(crate) async fn stats(&self) -> Value {
        let client = reqwest::Client::builder()
            .timeout(STATS_TIMEOUT)
            .build()
            .expect("reqwest client");
        let resp = client
            .get(self.url("/stats"))
            .send()
            .await
            .expect("GET /stats");
        serde_json::from_slice(&resp.bytes().await.expect("/stats body")).expect("/stats JSON")
    }
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
