//! A real `redis-server` (Debian's package, installed by scripts/test) on a free loopback port,
//! without persistence, killed by PID when dropped.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long a started server may take to answer `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running `redis-server`, killed when dropped.
pub(crate) struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts a server on a port nobody was listening on (another one if that port was taken
    /// between choosing and binding), and waits until it answers `PING`.
    pub(crate) fn start() -> Self {
        for _ in 0..5 {
            let port = free_port();
            if let Some(server) = Self::start_on(port) {
                return server;
            }
        }
        panic!("redis-server did not start on any of 5 free ports");
    }

    /// `redis://127.0.0.1:PORT/`
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server and starts a fresh one (empty: nothing is persisted) on the same port.
    pub(crate) fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + START_TIMEOUT;
        // The old socket may linger a moment; redis sets SO_REUSEADDR, so this is short.
        loop {
            if let Some(server) = Self::start_on(self.port) {
                // The old one is reaped: dropping it signals nothing (std checks).
                *self = server;
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not restart on port {}",
                self.port
            );
            sleep(Duration::from_millis(100));
        }
    }

    /// Starts on `port`; `None` if the server exited (the port was taken).
    fn start_on(port: u16) -> Option<Self> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                if e.kind() == ErrorKind::NotFound {
                    panic!(
                        "redis-server is missing: run scripts/test, which installs Debian's \
                         redis-server package"
                    )
                }
                panic!("cannot start redis-server: {e}")
            });
        let mut server = Self { child, port };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if server.pings() {
                return Some(server);
            }
            if let Some(status) = server.child.try_wait().expect("redis-server status") {
                eprintln!("redis-server on port {port} exited with {status}");
                return None;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING on port {port} within {START_TIMEOUT:?}"
            );
            sleep(Duration::from_millis(20));
        }
    }

    fn pings(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return false;
        };
        let timeout = Some(Duration::from_secs(1));
        let mut reply = [0; 7];
        stream.set_read_timeout(timeout).is_ok()
            && stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    fn kill(&mut self) {
        // By PID (std sends SIGKILL to this child only), then reaped so no zombie is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}
