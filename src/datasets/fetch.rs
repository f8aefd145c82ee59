//! HTTP downloads into the cache: streamed to a temporary file, sha256-checked, renamed.

use core::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::RemoteFile;
use crate::data::DataError;
use crate::error::Error;

/// No dataset file shaped knows is larger (Fashion-MNIST's training images are 26 MB);
/// a server sending more is refused rather than filling the disk.
const MAX_BYTES: u64 = 256 << 20;

/// Why one URL did not give the file.
#[derive(Debug)]
#[non_exhaustive]
pub enum DownloadProblem {
    /// No connection, a timeout, a TLS or protocol error, or a body cut short.
    Network(String),
    /// The server answered with this HTTP status.
    Status(u16),
    /// The body arrived but its sha256 is this, not the expected one.
    Checksum {
        /// The sha256 of what arrived.
        actual: String,
    },
    /// The body is larger than any dataset file (the limit, in bytes).
    TooLarge(u64),
    /// Writing the temporary file failed.
    Io(std::io::Error),
}

impl fmt::Display for DownloadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownloadProblem::Network(e) => write!(f, "{e}"),
            DownloadProblem::Status(code) => write!(f, "HTTP status {code}"),
            DownloadProblem::Checksum { actual } => write!(f, "wrong sha256 {actual}"),
            DownloadProblem::TooLarge(limit) => {
                write!(f, "the body is larger than {limit} bytes")
            }
            DownloadProblem::Io(e) => write!(f, "{e}"),
        }
    }
}

/// One URL tried and what went wrong.
#[derive(Debug)]
pub struct Attempt {
    /// The URL.
    pub url: String,
    /// What went wrong.
    pub problem: DownloadProblem,
}

/// A dataset file that no mirror gave with the right checksum.
#[derive(Debug)]
pub struct DownloadError {
    /// The file name.
    pub file: String,
    /// Its published sha256.
    pub expected_sha256: String,
    /// Every URL tried, in order.
    pub attempts: Vec<Attempt>,
    /// Where the file belongs (the cache directory): put a verified copy there by hand.
    pub dir: PathBuf,
    /// The environment variable naming a directory that holds the dataset, if any.
    pub dir_env: Option<String>,
}

impl fmt::Display for DownloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "could not download {} (expected sha256 {}):",
            self.file, self.expected_sha256
        )?;
        for attempt in &self.attempts {
            writeln!(f, "  {}: {}", attempt.url, attempt.problem)?;
        }
        write!(
            f,
            "put a copy with that checksum in {} by hand",
            self.dir.display()
        )?;
        if let Some(var) = &self.dir_env {
            write!(
                f,
                ", or point {var} at a directory holding all the dataset's files"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for DownloadError {}

impl From<DownloadError> for Error {
    fn from(e: DownloadError) -> Self {
        Error::Download(e)
    }
}

/// The sha256 of a file, as lower-case hex.
pub(super) fn sha256_of_file(path: &Path) -> Result<String, DataError> {
    let io = |e| DataError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match file.read(&mut buf).map_err(io)? {
            0 => break,
            n => hasher.update(&buf[..n]),
        }
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A temporary file removed on drop unless it was renamed into place.
struct Partial {
    path: PathBuf,
    file: Option<File>,
}

impl Partial {
    fn create(dir: &Path, name: &str) -> std::io::Result<Partial> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = dir.join(format!(".{name}.{}-{nanos}.part", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Partial {
            path,
            file: Some(file),
        })
    }

    fn persist(mut self, target: &Path) -> std::io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()?;
        }
        std::fs::rename(&self.path, target)
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        self.file.take();
        // Gone already after a successful rename; otherwise a failed download's leftovers.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Streams `url` into `partial`, returning the sha256 of what arrived.
fn get(agent: &ureq::Agent, url: &str, partial: &mut Partial) -> Result<String, DownloadProblem> {
    let response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(code) => DownloadProblem::Status(code),
        e => DownloadProblem::Network(e.to_string()),
    })?;
    let mut body = response.into_body().into_reader();
    let file = partial.file.as_mut().expect("open until persisted");
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    let mut total: u64 = 0;
    loop {
        let n = body
            .read(&mut buf)
            .map_err(|e| DownloadProblem::Network(e.to_string()))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > MAX_BYTES {
            return Err(DownloadProblem::TooLarge(MAX_BYTES));
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(DownloadProblem::Io)?;
    }
    Ok(hex(&hasher.finalize()))
}

/// Downloads `file` into `dir` from the first of `bases` that gives it with the right
/// checksum.
pub(super) fn download(
    bases: &[String],
    file: &RemoteFile,
    dir: &Path,
    dir_env: Option<&str>,
    read_timeout: Duration,
) -> Result<(), Error> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_per_read(Some(read_timeout))
        .user_agent(concat!("shaped/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let target = dir.join(&file.name);
    let mut attempts = Vec::new();
    for base in bases {
        let url = format!("{}/{}", base.trim_end_matches('/'), file.name);
        let mut partial = Partial::create(dir, &file.name).map_err(|e| DataError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        let problem = match get(&agent, &url, &mut partial) {
            Ok(actual) if actual == file.sha256 => match partial.persist(&target) {
                Ok(()) => return Ok(()),
                Err(e) => DownloadProblem::Io(e),
            },
            Ok(actual) => DownloadProblem::Checksum { actual },
            Err(problem) => problem,
        };
        attempts.push(Attempt { url, problem });
    }
    Err(DownloadError {
        file: file.name.clone(),
        expected_sha256: file.sha256.clone(),
        attempts,
        dir: dir.to_path_buf(),
        dir_env: dir_env.map(str::to_string),
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_a_known_string() {
        // sha256("abc"), FIPS 180-2 appendix B.1.
        let dir = std::env::temp_dir().join(format!("shaped-sha-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("abc");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(
            sha256_of_file(&path).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
