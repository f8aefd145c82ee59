//! Datasets that fetch themselves, like `keras.datasets`: MNIST and Fashion-MNIST.
//!
//! ```no_run
//! let mnist = shaped::datasets::mnist::load()?; // downloads once, then loads from the cache
//! assert_eq!(mnist.train_images.shape_dims(), [60000, 28, 28]);
//! # Ok::<(), shaped::Error>(())
//! ```
//!
//! Where the files come from, in order:
//!
//! 1. **An explicit directory**: [`Loader::dir`] (the examples' `--data DIR`), else the
//!    dataset's environment variable (`MNIST_DIR`, `FASHION_MNIST_DIR`). When one is given,
//!    the files must be there (raw or gzip); nothing is downloaded in its place.
//! 2. **The cache**: [`Loader::cache_dir`], else `$SHAPED_DATA`, else the platform cache
//!    directory (`$XDG_CACHE_HOME/shaped` or `~/.cache/shaped` on Linux,
//!    `~/Library/Caches/shaped` on macOS, `%LOCALAPPDATA%\shaped` on Windows), one
//!    sub-directory per dataset. With the `download` feature, a cached file whose sha256 is
//!    not the published one is fetched again.
//! 3. **A download** (the `download` feature, on by default): each missing file from the
//!    dataset's mirrors in turn, or from `$SHAPED_DATASETS_URL/<dataset>/<file>` (a mirror
//!    of your own; [`Loader::base_url`]). The body goes to a temporary file beside the
//!    target, its sha256 is checked, and only then is it renamed into place: an interrupted
//!    or corrupt download never leaves a file that looks valid. A failure is a
//!    [`DownloadError`] naming every URL tried, the expected checksum and where to put the
//!    file by hand.

pub mod fashion_mnist;
#[cfg(feature = "download")]
mod fetch;
pub mod mnist;
mod source;

#[cfg(feature = "download")]
pub use fetch::{Attempt, DownloadError, DownloadProblem};
pub use source::{Loader, RemoteFile, Source};
