//! Where the test binaries find the built examples they run as the outside world does.

use std::path::PathBuf;

/// `target/<profile>/examples/<name>`, which `cargo test` builds before the integration tests
/// (`cargo test --test <one>` alone does not: build them with `cargo build --examples`).
pub(crate) fn path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current test executable");
    // target/<profile>/deps/<test>-<hash> -> target/<profile>
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test executable under target/<profile>/deps");
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: build it with `cargo test` (which builds the examples) or scripts/test",
        path.display()
    );
    path
}
