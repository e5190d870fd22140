//! A real PostgreSQL server for the tests, from Debian's `postgresql` package (which
//! `scripts/test` installs): `initdb` into a temp dir, `postgres` on a free 127.0.0.1 port, run
//! as the `postgres` user when the tests run as root (PostgreSQL refuses root).
//!
//! One server per test binary, started by the first test that asks and shared by the rest
//! (each test gets a database of its own). It is stopped when the test binary exits, however it
//! exits: `postgres` runs under a small shell watchdog whose stdin is a pipe only this process
//! holds; at EOF (this process is gone, even killed) the watchdog stops the server with an
//! immediate shutdown (SIGQUIT: the data is thrown away anyway), waits for it, and removes the
//! temp dir.

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use oauth_compat::store::sqlx::{self, AssertSqlSafe, Connection, postgres::PgConnection};

/// How long the server may take to accept connections.
const STARTUP: Duration = Duration::from_secs(30);

/// Starts `postgres` (`$1` binary, `$2` data dir, `$3` port, `$4` temp dir) in the background,
/// then waits for EOF on stdin and cleans up.
const WATCHDOG: &str = r#"
"$1" -D "$2" -p "$3" -k "$4" -c listen_addresses=127.0.0.1 -c max_connections=200 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off >"$4/postgres.log" 2>&1 &
pid=$!
read -r _ || true
kill -QUIT "$pid" 2>/dev/null
wait "$pid"
rm -rf "$4"
"#;

/// The running server.
pub(crate) struct Server {
    port: u16,
    dir: PathBuf,
    /// Holds the watchdog's stdin open for as long as this process lives.
    watchdog: Mutex<Child>,
}

/// The test binary's server, started on first use.
pub(crate) fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(Server::start)
}

impl Server {
    fn start() -> Self {
        let bin = binaries();
        let owner = postgres_user_if_root();
        let dir = std::env::temp_dir().join(format!(
            "oauth-compat-postgres-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the server's temp dir");
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
                .expect("give the server's temp dir to the postgres user");
        }
        let data = dir.join("data");

        let initdb = as_owner(Command::new(bin.join("initdb")), owner, &dir)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
            .args(["--no-sync", "--no-instructions", "-D"])
            .arg(&data)
            .output()
            .expect("run initdb");
        if !initdb.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            panic!(
                "initdb failed: {}\n{}",
                String::from_utf8_lossy(&initdb.stdout),
                String::from_utf8_lossy(&initdb.stderr)
            );
        }

        let port = free_port();
        let watchdog = as_owner(Command::new("sh"), owner, &dir)
            .args(["-c", WATCHDOG, "sh"])
            .arg(bin.join("postgres"))
            .arg(&data)
            .arg(port.to_string())
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres under its watchdog");
        let server = Self {
            port,
            dir,
            watchdog: Mutex::new(watchdog),
        };
        server.wait_until_ready();
        server
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
    }

    fn wait_until_ready(&self) {
        let started = Instant::now();
        loop {
            let log = self.log();
            if log.contains("ready to accept connections")
                && std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
            {
                return;
            }
            let exited = self.watchdog.lock().unwrap().try_wait().unwrap().is_some();
            if exited || log.contains("FATAL") || started.elapsed() > STARTUP {
                panic!(
                    "PostgreSQL did not start on 127.0.0.1:{} within {STARTUP:?}:\n{log}",
                    self.port
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The URL of `database` on this server.
    pub(crate) fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a database of its own for one test: its URL.
    pub(crate) async fn fresh_database(&self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = PgConnection::connect(&self.url("postgres"))
            .await
            .expect("connect to the test server");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create a test database");
        admin.close().await.unwrap();
        self.url(&name)
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb` and `postgres`.
fn binaries() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("postgres").is_file())
                .then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "PostgreSQL server binaries (initdb, postgres) not found under \
             /usr/lib/postgresql/*/bin: run scripts/test, which installs Debian's postgresql \
             package"
        )
    })
}

/// The `postgres` user's ids when this process runs as root, which PostgreSQL refuses.
fn postgres_user_if_root() -> Option<(u32, u32)> {
    let euid = std::fs::metadata("/proc/self")
        .expect("read /proc/self")
        .uid();
    if euid != 0 {
        return None;
    }
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .expect("run id");
        assert!(
            out.status.success(),
            "no postgres user to run PostgreSQL as (root is refused): run scripts/test, which \
             installs Debian's postgresql package and its user"
        );
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    };
    Some((id("-u"), id("-g")))
}

/// Runs `command` as the postgres user when we are root, from `dir` (which that user can read).
fn as_owner(mut command: Command, owner: Option<(u32, u32)>, dir: &Path) -> Command {
    command.current_dir(dir).env_remove("PGDATA");
    if let Some((uid, gid)) = owner {
        command.uid(uid).gid(gid);
    }
    command
}

/// A port nobody listens on now (bound, then released for the server).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}
