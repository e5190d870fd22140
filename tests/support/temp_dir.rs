//! A directory of a test's own under the system temp dir, removed when dropped.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) struct TempDir(PathBuf);

impl TempDir {
    /// `<temp>/oauth-compat-<name>-<pid>-<n>-<nanos>`, created now (`n` counts this process's
    /// dirs, so tests on parallel threads never share one).
    pub(crate) fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!(
            "oauth-compat-{name}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        Self(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    /// What is in it now (not recursively), to check what a process left behind.
    pub(crate) fn entries(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.0)
            .expect("read the temp dir")
            .map(|entry| entry.expect("a dir entry").path())
            .collect()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
