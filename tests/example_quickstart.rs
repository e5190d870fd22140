//! Runs the built `quickstart` example (the README's first command) as a newcomer would: it
//! must log in, print the protected call's data, exit 0 by itself within a minute, and leave no
//! SQLite file behind. Its `TMPDIR` is a directory of the test's own, so what it leaves there
//! is exactly what it failed to clean up.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::{example_binary, temp_dir::TempDir};

/// What the quickstart registers (examples/quickstart.rs).
const USER: &str = "jane";
const CONSUMER_SECRET: &str = "kd94hf93k423kf44";

/// Runs the example with `TMPDIR=tmpdir` and PATH only (no proxy or OAuth variable leaks in):
/// its output and how long it took.
fn run(tmpdir: &str) -> (Output, Duration) {
    run_after("", tmpdir)
}

/// As [`run`], run by `sh` after the shell commands `shell` (none if empty), which `exec`s the
/// example in the same process (so `$$` is its pid).
fn run_after(shell: &str, tmpdir: &str) -> (Output, Duration) {
    let mut command = if shell.is_empty() {
        Command::new(example_binary::path("quickstart"))
    } else {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(format!("{shell} && exec \"$0\""))
            .arg(example_binary::path("quickstart"));
        sh
    };
    command.env_clear().env("TMPDIR", tmpdir);
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    let started = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .output()
        .expect("run the quickstart example");
    (output, started.elapsed())
}

#[test]
fn logs_in_prints_the_protected_data_exits_0_and_cleans_up() {
    let tmp = TempDir::new("quickstart-tmp");
    let (output, took) = run(&tmp.path().display().to_string());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert!(output.status.success(), "{output:?}\n{stdout}\n{stderr}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    // `resp.status` and `resp.data` of GET api/me, as the user who granted.
    assert!(stdout.contains("resp.status = 200"), "{stdout}");
    let data = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("resp.data   = "))
        .unwrap_or_else(|| panic!("no resp.data line in:\n{stdout}"));
    let data: serde_json::Value = serde_json::from_str(data).expect("resp.data is JSON");
    assert_eq!(data["name"], USER, "{stdout}");
    assert_eq!(data["client_id"], "quickstart-app", "{stdout}");
    // Step lines, and no secret among them.
    for step in [
        "1. provider",
        "2. login",
        "3. jane",
        "4. access token",
        "6. done",
    ] {
        assert!(stdout.contains(step), "no {step:?} in:\n{stdout}");
    }
    assert!(!stdout.contains(CONSUMER_SECRET), "{stdout}");
    assert!(!stdout.contains("oauth_verifier="), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
    // Its SQLite directory was in our TMPDIR, and is gone.
    assert!(
        stdout.contains(&tmp.path().display().to_string()),
        "{stdout}"
    );
    assert_eq!(tmp.entries(), Vec::<PathBuf>::new());
}

#[test]
fn an_error_is_printed_and_exits_1() {
    // A TMPDIR under a regular file: the temp dir for the database cannot be created.
    let tmp = TempDir::new("quickstart-bad-tmp");
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let (output, _) = run(&file.display().to_string());
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stderr.starts_with("quickstart: cannot create a temp dir for the database"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty(), "{output:?}");
}

/// The temp directory for its database is made by this run: one already at its path (planted
/// by someone else, say) is refused, not used, and left alone.
#[test]
fn an_existing_temp_directory_is_refused() {
    let tmp = TempDir::new("quickstart-existing");
    // `$$`: the shell's pid, which the example keeps (the shell `exec`s it).
    let plant = "mkdir \"$TMPDIR/oauth-compat-quickstart-$$\" && touch \"$TMPDIR/oauth-compat-quickstart-$$/mine\"";
    let (output, _) = run_after(plant, &tmp.path().display().to_string());
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stderr.starts_with("quickstart: cannot create a temp dir for the database: ")
            && stderr.contains("/oauth-compat-quickstart-")
            && stderr.contains(": already exists"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "{output:?}");
    // Left as it was.
    let entries = tmp.entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let planted: Vec<PathBuf> = std::fs::read_dir(&entries[0])
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(planted, vec![entries[0].join("mine")]);
}
