//! The test binary started again as a second process that runs one `#[ignore]`d test, for
//! tests of what two processes do at once (nonces, refresh locks).
//!
//! The protocol: the child prints `@@<marker> <value>` lines on stdout and reads what the
//! parent writes to its stdin (`go`, to start at the same moment as the parent).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

const WAIT: Duration = Duration::from_secs(60);

/// The second process: killed on drop if it is still running.
pub(crate) struct SecondProcess {
    child: Child,
    stdin: ChildStdin,
    lines: UnboundedReceiver<String>,
}

impl SecondProcess {
    /// Runs `test` (an `#[ignore]`d test of this binary) with `env` set.
    pub(crate) fn start(test: &str, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([test, "--exact", "--ignored", "--nocapture"])
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the test binary again as the second process");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            stdin,
            lines,
        }
    }

    /// What follows `marker` on the next line that has it (the lines before are skipped:
    /// cargo's test harness prints its own).
    pub(crate) async fn next(&mut self, marker: &str) -> String {
        let wait = async {
            while let Some(line) = self.lines.recv().await {
                if let Some(at) = line.find(marker) {
                    return line[at + marker.len()..].trim().to_owned();
                }
            }
            panic!("the second process exited before printing {marker}");
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("the second process did not print {marker} in 60 s"))
    }

    /// Writes `line` to the child's stdin.
    pub(crate) fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("write to the second process");
    }

    /// Waits (bounded) for the child to exit and asserts it succeeded.
    pub(crate) async fn assert_success(mut self) {
        let exited = tokio::time::timeout(WAIT, async {
            loop {
                if let Some(status) = self.child.try_wait().unwrap() {
                    return status;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        let status: ExitStatus =
            exited.unwrap_or_else(|_| panic!("the second process did not exit in 60 s"));
        assert!(status.success(), "the second process failed: {status}");
    }
}

impl Drop for SecondProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
