//! `shaped::datasets` against a local HTTP server on 127.0.0.1 (never the internet):
//! download, cache hit, a corrupt cache, and servers that send corrupt, truncated, missing
//! or stalled bodies, or are not there at all.
#![cfg(feature = "download")]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};
use shaped::Error;
use shaped::data::{DataError, Mnist};
use shaped::datasets::{DownloadProblem, Loader, RemoteFile, Source};

#[path = "common/scratch.rs"]
mod scratch;
use scratch::scratch_dir as temp_dir;

fn idx_images(n: usize) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 3];
    for d in [n as u32, 28, 28] {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend((0..n * 784).map(|i| (i % 253) as u8));
    out
}

fn idx_labels(values: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 1];
    out.extend_from_slice(&(values.len() as u32).to_be_bytes());
    out.extend_from_slice(values);
    out
}

/// A tiny dataset in MNIST's layout (raw IDX files), as served by the test server.
fn tiny_files() -> Vec<(String, Vec<u8>)> {
    vec![
        ("train-images-idx3-ubyte".into(), idx_images(3)),
        ("train-labels-idx1-ubyte".into(), idx_labels(&[5, 0, 9])),
        ("t10k-images-idx3-ubyte".into(), idx_images(2)),
        ("t10k-labels-idx1-ubyte".into(), idx_labels(&[7, 2])),
    ]
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn tiny_source(mirrors: Vec<String>) -> Source {
    Source {
        name: "tiny".into(),
        dir_env: Some("SHAPED_TEST_TINY_DIR".into()),
        mirrors,
        files: tiny_files()
            .iter()
            .map(|(name, bytes)| RemoteFile::new(name.clone(), sha256(bytes)))
            .collect(),
    }
}

/// A one-file-per-request HTTP/1.1 server. The first path segment picks the behaviour:
/// `good`, `corrupt` (one byte flipped), `truncated` (half the declared length, then
/// close), `missing` (404), `slow` (headers, then silence); the rest is
/// `<dataset>/<file>`.
struct Server {
    port: u16,
    requests: Arc<AtomicUsize>,
}

impl Server {
    fn start(files: Vec<(String, Vec<u8>)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let files: Arc<HashMap<String, Vec<u8>>> = Arc::new(files.into_iter().collect());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                let files = files.clone();
                std::thread::spawn(move || serve(stream, &files));
            }
        });
        Server { port, requests }
    }

    fn url(&self, mode: &str) -> String {
        format!("http://127.0.0.1:{}/{mode}", self.port)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(mut stream: TcpStream, files: &HashMap<String, Vec<u8>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Headers up to the blank line.
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let mut parts = path.trim_start_matches('/').splitn(3, '/');
    let (mode, _dataset, file) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let Some(body) = files.get(file).filter(|_| mode != "missing") else {
        let _ = stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        );
        return;
    };
    let header = |len: usize| {
        format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
    };
    let _ = match mode {
        "good" => stream
            .write_all(header(body.len()).as_bytes())
            .and_then(|_| stream.write_all(body)),
        "corrupt" => {
            let mut body = body.clone();
            let last = body.len() - 1;
            body[last] ^= 1;
            stream
                .write_all(header(body.len()).as_bytes())
                .and_then(|_| stream.write_all(&body))
        }
        "truncated" => stream
            .write_all(header(body.len()).as_bytes())
            .and_then(|_| stream.write_all(&body[..body.len() / 2])),
        "slow" => {
            let _ = stream.write_all(header(body.len()).as_bytes());
            std::thread::sleep(Duration::from_secs(5));
            Ok(())
        }
        _ => Ok(()),
    };
}

/// No file of the dataset, finished or partial, in the cache directory.
fn assert_no_files(dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(names.is_empty(), "left behind: {names:?}");
}

fn download_error(result: Result<PathBuf, Error>) -> shaped::datasets::DownloadError {
    match result {
        Err(Error::Download(e)) => e,
        other => panic!("expected a download error, got {other:?}"),
    }
}

#[test]
fn downloads_once_then_loads_from_the_cache() {
    let server = Server::start(tiny_files());
    let cache = temp_dir("cache-hit");
    let loader = Loader::new().cache_dir(&cache).base_url(server.url("good"));
    let source = tiny_source(vec![]);

    let dir = loader.fetch(&source).unwrap();
    assert_eq!(dir, cache.join("tiny"));
    assert_eq!(server.requests(), 4, "one request per file");
    let data = Mnist::load(&dir).unwrap();
    assert_eq!(data.train_images.shape_dims(), [3, 28, 28]);
    assert_eq!(data.train_labels.as_slice(), &[5, 0, 9]);
    assert_eq!(data.test_labels.as_slice(), &[7, 2]);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "no temporary file left: {names:?}");

    // A second load asks nothing of the network, even with the server unreachable.
    let offline = Loader::new()
        .cache_dir(&cache)
        .base_url("http://127.0.0.1:9");
    assert_eq!(offline.fetch(&source).unwrap(), dir);
    assert_eq!(server.requests(), 4);
}

#[test]
fn a_corrupt_cached_file_is_fetched_again() {
    let server = Server::start(tiny_files());
    let cache = temp_dir("corrupt-cache");
    let loader = Loader::new().cache_dir(&cache).base_url(server.url("good"));
    let source = tiny_source(vec![]);
    let dir = loader.fetch(&source).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), b"garbage").unwrap();
    loader.fetch(&source).unwrap();
    assert_eq!(server.requests(), 5, "only the corrupt file again");
    assert_eq!(
        Mnist::load(&dir).unwrap().train_labels.as_slice(),
        &[5, 0, 9]
    );
}

#[test]
fn a_corrupt_download_is_refused_and_leaves_nothing() {
    let server = Server::start(tiny_files());
    let cache = temp_dir("corrupt");
    let source = tiny_source(vec![]);
    let e = download_error(
        Loader::new()
            .cache_dir(&cache)
            .base_url(server.url("corrupt"))
            .fetch(&source),
    );
    assert_eq!(e.attempts.len(), 1);
    assert!(matches!(
        e.attempts[0].problem,
        DownloadProblem::Checksum { .. }
    ));
    let message = e.to_string();
    let url = format!("{}/tiny/train-images-idx3-ubyte", server.url("corrupt"));
    assert!(message.contains(&url), "{message}");
    assert!(message.contains(&source.files[0].sha256), "{message}");
    assert!(message.contains("by hand"), "{message}");
    assert!(
        message.contains(&cache.join("tiny").display().to_string()),
        "{message}"
    );
    assert!(message.contains("SHAPED_TEST_TINY_DIR"), "{message}");
    assert_no_files(&cache.join("tiny"));
}

#[test]
fn a_truncated_download_is_refused_and_leaves_nothing() {
    let server = Server::start(tiny_files());
    let cache = temp_dir("truncated");
    let e = download_error(
        Loader::new()
            .cache_dir(&cache)
            .base_url(server.url("truncated"))
            .fetch(&tiny_source(vec![])),
    );
    assert!(
        matches!(e.attempts[0].problem, DownloadProblem::Network(_)),
        "{e}"
    );
    assert_no_files(&cache.join("tiny"));
}

#[test]
fn a_missing_file_names_the_status() {
    let server = Server::start(tiny_files());
    let cache = temp_dir("missing");
    let e = download_error(
        Loader::new()
            .cache_dir(&cache)
            .base_url(server.url("missing"))
            .fetch(&tiny_source(vec![])),
    );
    assert!(matches!(
        e.attempts[0].problem,
        DownloadProblem::Status(404)
    ));
    assert!(e.to_string().contains("HTTP status 404"), "{e}");
    assert_no_files(&cache.join("tiny"));
}

#[test]
fn a_stalled_server_times_out() {
    let server = Server::start(tiny_files());
    let cache = temp_dir("slow");
    let e = download_error(
        Loader::new()
            .cache_dir(&cache)
            .base_url(server.url("slow"))
            .read_timeout(Duration::from_millis(300))
            .fetch(&tiny_source(vec![])),
    );
    assert!(
        matches!(e.attempts[0].problem, DownloadProblem::Network(_)),
        "{e}"
    );
    assert!(e.to_string().to_lowercase().contains("timeout"), "{e}");
    assert_no_files(&cache.join("tiny"));
}

#[test]
fn offline_names_the_url_the_checksum_and_where_to_put_the_file() {
    // A port nobody listens on: bound, then released.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cache = temp_dir("offline");
    let source = tiny_source(vec![format!("http://127.0.0.1:{port}/files")]);
    let e = download_error(Loader::new().cache_dir(&cache).fetch(&source));
    let message = e.to_string();
    assert!(
        message.contains(&format!(
            "http://127.0.0.1:{port}/files/train-images-idx3-ubyte"
        )),
        "{message}"
    );
    assert!(message.contains(&source.files[0].sha256), "{message}");
    assert!(message.contains("by hand"), "{message}");
    assert_no_files(&cache.join("tiny"));
}

#[test]
fn mirrors_are_tried_in_order() {
    let server = Server::start(tiny_files());
    let cache = temp_dir("mirrors");
    let source = tiny_source(vec![
        format!("{}/tiny", server.url("missing")),
        format!("{}/tiny", server.url("good")),
    ]);
    let dir = Loader::new().cache_dir(&cache).fetch(&source).unwrap();
    assert_eq!(
        server.requests(),
        8,
        "each file: a 404, then the good mirror"
    );
    assert_eq!(Mnist::load(dir).unwrap().test_images.batch_size(), 2);
}

#[test]
fn offline_loader_with_an_empty_cache_names_the_missing_files() {
    let cache = temp_dir("offline-loader");
    let err = Loader::new()
        .cache_dir(&cache)
        .offline()
        .fetch(&tiny_source(vec![]))
        .unwrap_err();
    match err {
        Error::Data(DataError::Missing { dir, files }) => {
            assert_eq!(dir, cache.join("tiny"));
            assert_eq!(files.len(), 4);
        }
        other => panic!("expected the missing files, got {other:?}"),
    }
}

#[test]
fn an_explicit_directory_is_used_as_it_is() {
    let dir = temp_dir("explicit");
    for (name, bytes) in tiny_files() {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let cache = temp_dir("explicit-cache");
    let loader = Loader::new()
        .dir(Some(&dir))
        .cache_dir(&cache)
        .base_url("http://127.0.0.1:9");
    assert_eq!(loader.fetch(&tiny_source(vec![])).unwrap(), *dir);
    // Nothing is downloaded in its place when it lacks the files.
    let empty = temp_dir("explicit-empty");
    let err = Loader::new().dir(Some(&empty)).mnist().unwrap_err();
    assert!(
        matches!(err, Error::Data(DataError::Missing { .. })),
        "{err}"
    );
}

/// The real MNIST files and published checksums, served locally: what the quick start's
/// `cargo run --release --example mnist` does on a fresh machine, minus the internet.
#[test]
fn mnist_from_a_local_mirror() {
    let Some(data) = real_mnist_dir() else {
        return;
    };
    let files: Vec<(String, Vec<u8>)> = shaped::datasets::mnist::source()
        .files
        .iter()
        .map(|f| (f.name.clone(), std::fs::read(data.join(&f.name)).unwrap()))
        .collect();
    let server = Server::start(files);
    let cache = temp_dir("real-mnist");
    let mnist = Loader::new()
        .cache_dir(&cache)
        .base_url(server.url("good"))
        .mnist()
        .unwrap();
    assert_eq!(mnist.train_images.shape_dims(), [60000, 28, 28]);
    assert_eq!(mnist.test_labels.shape_dims(), [10000]);
    assert_eq!(mnist.train_labels[[0]], 5);
    assert_eq!(server.requests(), 4);
    std::fs::remove_dir_all(&cache).unwrap();
}

/// The project's MNIST copy: `MNIST_DIR`, else CI's `../shared/data/mnist`. Missing
/// outside CI: the skip is printed; in CI (`CI=true`) it is a failure.
fn real_mnist_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("MNIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist"));
    if dir.join("train-images-idx3-ubyte.gz").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI must have MNIST in {}",
        dir.display()
    );
    eprintln!(
        "SKIPPED mnist_from_a_local_mirror: no MNIST files in {}",
        dir.display()
    );
    None
}
