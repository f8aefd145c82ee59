//! Errors from reading data files: each names the file and what is wrong with it.

use core::fmt;
use std::path::PathBuf;

/// A data file that could not be used.
#[derive(Debug)]
pub enum DataError {
    /// Required files are missing; the message says how to get them.
    Missing {
        /// The directory searched.
        dir: PathBuf,
        /// The file names not found there.
        files: Vec<String>,
    },
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file was read but its content is not valid.
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl DataError {
    #[cfg_attr(not(feature = "data"), allow(dead_code))]
    pub(crate) fn invalid(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        DataError::Invalid {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Missing { dir, files } => {
                writeln!(f, "dataset files missing in {}:", dir.display())?;
                for file in files {
                    writeln!(f, "  - {file}")?;
                }
                write!(
                    f,
                    "put them there (raw or gzip), point --data DIR or MNIST_DIR at a directory \
                     that has them, or leave both unset so that shaped::datasets downloads them"
                )
            }
            DataError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            DataError::Invalid { path, reason } => write!(f, "{}: {reason}", path.display()),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn an_io_error_keeps_its_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no access");
        let e = DataError::Io {
            path: "x.gz".into(),
            source: io,
        };
        let cause = e.source().expect("the io error");
        assert_eq!(cause.to_string(), "no access");
        assert_eq!(e.to_string(), "x.gz: no access");
        let invalid = DataError::Invalid {
            path: "y".into(),
            reason: "bad magic".into(),
        };
        assert!(invalid.source().is_none());
    }
}
