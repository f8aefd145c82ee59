//! The IDX reader and MNIST loader on files the tests write themselves: valid ones (raw and
//! gzip) and every kind of bad one, each of which must give a clear error, never a panic.

#![cfg(feature = "data")]
use std::io::Write;
use std::path::Path;

use shaped::data::idx::{encode_u8, read_u8};
use shaped::data::{DataError, Mnist, batches, epoch_permutation};

#[path = "common/scratch.rs"]
mod scratch;
use scratch::scratch_dir as temp_dir;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn images(n: usize) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 3];
    for d in [n as u32, 28, 28] {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend((0..n * 784).map(|i| (i % 251) as u8));
    out
}

fn labels(values: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 1];
    out.extend_from_slice(&(values.len() as u32).to_be_bytes());
    out.extend_from_slice(values);
    out
}

/// Writes a small valid MNIST set (3 train, 2 test), gzip or raw.
fn write_set(dir: &Path, gz: bool) {
    let files = [
        ("train-images-idx3-ubyte", images(3)),
        ("train-labels-idx1-ubyte", labels(&[5, 0, 4])),
        ("t10k-images-idx3-ubyte", images(2)),
        ("t10k-labels-idx1-ubyte", labels(&[7, 2])),
    ];
    for (name, bytes) in files {
        if gz {
            std::fs::write(dir.join(format!("{name}.gz")), gzip(&bytes)).unwrap();
        } else {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

fn replace(dir: &Path, name: &str, bytes: &[u8]) {
    let _ = std::fs::remove_file(dir.join(name));
    let _ = std::fs::remove_file(dir.join(format!("{name}.gz")));
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn load_err(dir: &Path) -> String {
    match Mnist::load(dir) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn valid_sets_load_raw_and_gzip() {
    for gz in [false, true] {
        let dir = temp_dir(&format!("valid-{gz}"));
        write_set(&dir, gz);
        let m = Mnist::load(&dir).unwrap();
        assert_eq!(m.train_images.shape_dims(), [3, 28, 28]);
        assert_eq!(m.train_labels.as_slice(), &[5, 0, 4]);
        assert_eq!(m.test_images.shape_dims(), [2, 28, 28]);
        assert_eq!(m.train_images[[1, 0, 0]], (784 % 251) as u8);
    }
}

#[test]
fn missing_files_are_each_named_with_how_to_get_them() {
    let dir = temp_dir("missing");
    write_set(&dir, true);
    std::fs::remove_file(dir.join("t10k-images-idx3-ubyte.gz")).unwrap();
    std::fs::remove_file(dir.join("train-labels-idx1-ubyte.gz")).unwrap();
    let msg = load_err(&dir);
    assert!(msg.contains("t10k-images-idx3-ubyte"), "{msg}");
    assert!(msg.contains("train-labels-idx1-ubyte"), "{msg}");
    assert!(!msg.contains("train-images-idx3-ubyte"), "{msg}");
    assert!(msg.contains("MNIST_DIR"), "{msg}");
    assert!(matches!(Mnist::load(&dir), Err(DataError::Missing { .. })));
}

#[test]
fn bad_files_give_clear_errors() {
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "truncated",
            "train-images-idx3-ubyte",
            images(3)[..1000].to_vec(),
            "truncated: dims [3, 28, 28] need 2352 values",
        ),
        (
            "short-header",
            "train-images-idx3-ubyte",
            vec![0, 0, 8],
            "truncated: 3 bytes",
        ),
        (
            "header-cut",
            "train-images-idx3-ubyte",
            vec![0, 0, 8, 3, 0, 0],
            "the header needs 16",
        ),
        (
            "magic",
            "train-images-idx3-ubyte",
            [vec![1, 2], images(3)[2..].to_vec()].concat(),
            "wrong magic number 0x01020803",
        ),
        (
            "dtype",
            "train-images-idx3-ubyte",
            [vec![0, 0, 0x0D], images(3)[3..].to_vec()].concat(),
            "wrong dtype: type code 0x0d (f32)",
        ),
        (
            "rank",
            "train-labels-idx1-ubyte",
            images(3),
            "wrong rank: 3 dims in the header, expected 1",
        ),
        (
            "dims",
            "train-images-idx3-ubyte",
            encode_u8(&[3, 32, 32], &[0; 3 * 1024]),
            "wrong image dims [3, 32, 32]",
        ),
        (
            "count",
            "train-labels-idx1-ubyte",
            labels(&[1, 2]),
            "2 labels for 3 images",
        ),
        (
            "label",
            "t10k-labels-idx1-ubyte",
            labels(&[7, 12]),
            "label 12 at index 1 is out of range 0..=9",
        ),
        (
            "trailing",
            "t10k-labels-idx1-ubyte",
            [labels(&[7, 2]), vec![0]].concat(),
            "1 unexpected bytes",
        ),
        (
            "gzip",
            "t10k-images-idx3-ubyte",
            gzip(&images(2))[..40].to_vec(),
            "corrupt gzip data",
        ),
        (
            "overflow",
            "train-images-idx3-ubyte",
            encode_u8(&[u32::MAX as usize; 3], &[]),
            "dims [4294967295, 4294967295, 4294967295] declare more than 1073741824 values",
        ),
    ];
    for (i, (case, file, bytes, expected)) in cases.into_iter().enumerate() {
        // The directory is named by number so that it cannot satisfy `expected` by itself.
        let dir = temp_dir(&format!("bad-{i}"));
        write_set(&dir, false);
        replace(&dir, file, &bytes);
        let msg = load_err(&dir);
        assert!(msg.contains(expected), "{case}: {msg}");
        assert!(
            msg.contains(file),
            "{case}: the message names the file: {msg}"
        );
    }
}

#[test]
fn idx_round_trip() {
    let dir = temp_dir("idx");
    let path = dir.join("x.idx");
    std::fs::write(&path, encode_u8(&[2, 3], &[1, 2, 3, 4, 5, 6])).unwrap();
    let f = read_u8(&path, 2).unwrap();
    assert_eq!(f.dims, [2, 3]);
    assert_eq!(f.data, [1, 2, 3, 4, 5, 6]);
}

#[test]
fn batching_in_order_and_shuffled() {
    let ranges: Vec<_> = batches(300, 128).collect();
    assert_eq!(ranges, [0..128, 128..256, 256..300]);
    let a = epoch_permutation(1000, 7, 0);
    let b = epoch_permutation(1000, 7, 0);
    let c = epoch_permutation(1000, 7, 1);
    assert_eq!(a, b);
    assert_ne!(a, c);
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
}

#[test]
fn every_digit_label_loads_and_the_first_past_the_range_does_not() {
    let dir = temp_dir("all-labels");
    let path = dir.join("labels");
    let all: Vec<u8> = (0..=9).collect();
    std::fs::write(&path, labels(&all)).unwrap();
    let loaded = shaped::data::mnist::load_labels(&path).unwrap();
    assert_eq!(loaded.as_slice(), &all[..]);
    std::fs::write(&path, labels(&[9, 10])).unwrap();
    let err = shaped::data::mnist::load_labels(&path)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("label 10 at index 1 is out of range 0..=9"),
        "{err}"
    );
}
