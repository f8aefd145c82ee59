//! Scratch directories for tests that write files: each is removed when its value drops,
//! whether the test passes or panics, so test runs leave nothing behind in the temp dir.

use std::ffi::OsStr;
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A fresh, empty directory under the system temp dir, removed on drop.
pub struct ScratchDir(tempfile::TempDir);

/// A fresh directory named after the test (the name only helps when reading a leftover).
pub fn scratch_dir(name: &str) -> ScratchDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("shaped-{name}-"))
        .tempdir()
        .expect("a writable temp dir");
    ScratchDir(dir)
}

impl Deref for ScratchDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for ScratchDir {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

/// So `&dir` converts into a `PathBuf` wherever an API takes `impl Into<PathBuf>`.
impl AsRef<OsStr> for ScratchDir {
    fn as_ref(&self) -> &OsStr {
        self.0.path().as_os_str()
    }
}

/// A path for one file inside its own scratch directory, removed on drop.
pub struct ScratchFile {
    path: PathBuf,
    _dir: ScratchDir,
}

/// A path named `name` (not yet created) in a fresh scratch directory.
#[allow(dead_code)] // not every binary writes single files
pub fn scratch_file(name: &str) -> ScratchFile {
    let dir = scratch_dir(name);
    ScratchFile {
        path: dir.join(name),
        _dir: dir,
    }
}

impl Deref for ScratchFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for ScratchFile {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// So `&file` passes as an environment variable or a process argument.
impl AsRef<OsStr> for ScratchFile {
    fn as_ref(&self) -> &OsStr {
        self.path.as_os_str()
    }
}
