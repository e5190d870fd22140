//! A private temp directory for an example's SQLite database, which holds client and token
//! secrets in the clear (HMAC and PLAINTEXT need them raw). `oauth1_provider` and `quickstart`
//! include it with `#[path = "support/temp_dir.rs"] mod temp_dir;`.
//!
//! The directory is created fresh: an existing path (a directory, a file, a symlink another
//! user planted) is refused rather than used. It is mode 0700 and the database file 0600 (SQLite
//! gives its `-wal` and `-shm` files the database's mode), whatever the umask.

use std::io;
use std::path::{Path, PathBuf};

/// A directory this process created, removed (with everything in it) when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    /// Creates `$TMPDIR/<name>`, mode 0700; fails if anything is at that path already.
    pub(crate) fn create_fresh(name: &str) -> io::Result<Self> {
        let path = std::env::temp_dir().join(name);
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path).map_err(|err| {
            let reason = if err.kind() == io::ErrorKind::AlreadyExists {
                "already exists: the database needs a directory of its own, made by this run \
                 (remove it if no other run owns it)"
                    .to_owned()
            } else {
                err.to_string()
            };
            io::Error::new(err.kind(), format!("{}: {reason}", path.display()))
        })?;
        // Ours from here on, so removed when dropped even if what follows fails.
        let dir = Self(path);
        // The umask may have cleared bits of 0700 (the owner's too): set them exactly.
        set_mode(&dir.0, 0o700)?;
        Ok(dir)
    }

    #[allow(dead_code)] // quickstart prints it; oauth1_provider does not
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    /// Creates the empty file `name` in the directory, mode 0600 (SQLite opens an empty file
    /// as an empty database): its path.
    pub(crate) fn private_file(&self, name: &str) -> io::Result<PathBuf> {
        let path = self.0.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&path)
            .map_err(|err| io::Error::new(err.kind(), format!("{}: {err}", path.display())))?;
        set_mode(&path, 0o600)?;
        Ok(path)
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|err| io::Error::new(err.kind(), format!("{}: {err}", path.display())))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
