//! Where a dataset's files are looked for: an explicit directory, the cache, a download.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::data::{DataError, Mnist};
use crate::error::Error;

/// One file of a dataset and its published sha256 (lower-case hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteFile {
    /// The file name, as on the mirrors and in the cache.
    pub name: String,
    /// Its sha256, 64 lower-case hex digits.
    pub sha256: String,
}

impl RemoteFile {
    /// A file and its checksum.
    pub fn new(name: impl Into<String>, sha256: impl Into<String>) -> Self {
        RemoteFile {
            name: name.into(),
            sha256: sha256.into(),
        }
    }
}

/// A dataset's files, where to download them and what they must hash to. The built-in
/// ones are [`super::mnist::source`] and [`super::fashion_mnist::source`]; any IDX dataset
/// of the same layout can be described the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The name of its cache sub-directory and of its directory on a
    /// `SHAPED_DATASETS_URL` mirror.
    pub name: String,
    /// The environment variable naming an explicit directory (`MNIST_DIR`), if any.
    pub dir_env: Option<String>,
    /// Base URLs tried in order; a file is fetched from `<base>/<name>`.
    pub mirrors: Vec<String>,
    /// The files.
    pub files: Vec<RemoteFile>,
}

/// Finds a dataset's files (explicit directory, cache, download) and loads them.
///
/// [`Loader::new`] reads `SHAPED_DATA` and `SHAPED_DATASETS_URL`; each setting can be
/// overridden by its builder method.
///
/// ```no_run
/// use shaped::datasets::Loader;
/// let mnist = Loader::new().cache_dir("/tmp/datasets").mnist()?;
/// # Ok::<(), shaped::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Loader {
    dir: Option<PathBuf>,
    cache_root: Option<PathBuf>,
    base_url: Option<String>,
    download: bool,
    read_timeout: Duration,
}

impl Default for Loader {
    fn default() -> Self {
        Loader::new()
    }
}

impl Loader {
    /// The default places: the dataset's directory variable, `$SHAPED_DATA` or the
    /// platform cache, downloads allowed (with the `download` feature) from
    /// `$SHAPED_DATASETS_URL` or the dataset's mirrors.
    pub fn new() -> Self {
        Loader {
            dir: None,
            cache_root: std::env::var_os("SHAPED_DATA")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            base_url: std::env::var("SHAPED_DATASETS_URL")
                .ok()
                .filter(|v| !v.is_empty()),
            download: cfg!(feature = "download"),
            read_timeout: Duration::from_secs(30),
        }
    }

    /// Loads from this directory only (raw or gzip files), when `Some`: the examples'
    /// `--data DIR`. `None` keeps the default search.
    pub fn dir(mut self, dir: Option<impl Into<PathBuf>>) -> Self {
        self.dir = dir.map(Into::into);
        self
    }

    /// The cache root (one sub-directory per dataset), instead of `$SHAPED_DATA` or the
    /// platform cache.
    pub fn cache_dir(mut self, root: impl Into<PathBuf>) -> Self {
        self.cache_root = Some(root.into());
        self
    }

    /// Downloads from `<url>/<dataset>/<file>` instead of the dataset's mirrors.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Never downloads: a file missing from the directory and the cache is an error.
    pub fn offline(mut self) -> Self {
        self.download = false;
        self
    }

    /// How long a download may wait for the next bytes before giving up (30 s by default).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The cache directory of `source`: `<cache root>/<name>`.
    pub fn cache_path(&self, source: &Source) -> Result<PathBuf, Error> {
        let root = match &self.cache_root {
            Some(root) => root.clone(),
            None => platform_cache_dir().ok_or_else(|| {
                Error::Config(
                    "no cache directory: set SHAPED_DATA (or HOME) to where datasets may be stored"
                        .into(),
                )
            })?,
        };
        Ok(root.join(&source.name))
    }

    /// The explicit directory for `source`, if one is set.
    fn explicit_dir(&self, source: &Source) -> Option<PathBuf> {
        self.dir.clone().or_else(|| {
            let var = source.dir_env.as_ref()?;
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
    }

    /// The directory holding every file of `source`: the explicit one if set (not checked
    /// here: its files may be raw or gzip), else the cache, filled by downloading what is
    /// missing or corrupt.
    pub fn fetch(&self, source: &Source) -> Result<PathBuf, Error> {
        if let Some(dir) = self.explicit_dir(source) {
            return Ok(dir);
        }
        let dir = self.cache_path(source)?;
        let mut missing = Vec::new();
        for file in &source.files {
            let path = dir.join(&file.name);
            if !self.cached_file_is_valid(&path, file)? {
                missing.push(file);
            }
        }
        if missing.is_empty() {
            return Ok(dir);
        }
        if !self.download {
            return Err(DataError::Missing {
                dir,
                files: missing.iter().map(|f| f.name.clone()).collect(),
            }
            .into());
        }
        self.download_into(source, &dir, &missing)?;
        Ok(dir)
    }

    #[cfg(feature = "download")]
    fn cached_file_is_valid(&self, path: &Path, file: &RemoteFile) -> Result<bool, Error> {
        if !path.exists() {
            return Ok(false);
        }
        // A file of ours that no longer matches (disk error, edited by hand) is fetched
        // again; without downloads, whatever is there is used as it is.
        if !self.download {
            return Ok(true);
        }
        Ok(super::fetch::sha256_of_file(path)? == file.sha256)
    }

    #[cfg(not(feature = "download"))]
    fn cached_file_is_valid(&self, path: &Path, _: &RemoteFile) -> Result<bool, Error> {
        Ok(path.exists())
    }

    #[cfg(feature = "download")]
    fn download_into(
        &self,
        source: &Source,
        dir: &Path,
        missing: &[&RemoteFile],
    ) -> Result<(), Error> {
        std::fs::create_dir_all(dir).map_err(|e| DataError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let bases: Vec<String> = match &self.base_url {
            Some(url) => vec![format!("{}/{}", url.trim_end_matches('/'), source.name)],
            None => source.mirrors.clone(),
        };
        for file in missing {
            super::fetch::download(
                &bases,
                file,
                dir,
                source.dir_env.as_deref(),
                self.read_timeout,
            )?;
        }
        Ok(())
    }

    #[cfg(not(feature = "download"))]
    fn download_into(&self, _: &Source, _: &Path, _: &[&RemoteFile]) -> Result<(), Error> {
        unreachable!("downloads are off without the `download` feature")
    }

    /// MNIST: [`super::mnist::source`], fetched and loaded.
    pub fn mnist(&self) -> Result<Mnist, Error> {
        Ok(Mnist::load(self.fetch(&super::mnist::source())?)?)
    }

    /// Fashion-MNIST: [`super::fashion_mnist::source`], fetched and loaded.
    pub fn fashion_mnist(&self) -> Result<Mnist, Error> {
        Ok(Mnist::load(self.fetch(&super::fashion_mnist::source())?)?)
    }
}

/// `shaped` under the platform's cache directory, from the environment alone.
fn platform_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        var("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|h| h.join("Library/Caches"))
    } else {
        var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|h| h.join(".cache")))
    };
    base.map(|b| b.join("shaped"))
}
