//! Files written to hurt: loading costs at most the data a file declares plus a stated
//! bound, is refused early when the file cannot hold what it declares, never blocks, and
//! keeps its error messages short.
//!
//! The bound: the IDX reader's peak is the declared body plus `SLACK` (the file reader's
//! 8 KiB buffer, the gzip decoder's window and tables); for a header the reader refuses
//! before reading the body, only `SLACK`.

#![cfg(all(feature = "data", feature = "io"))]
#[path = "common/counting_alloc.rs"]
mod counting_alloc;
#[path = "common/scratch.rs"]
mod scratch;

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use counting_alloc::{Counting, live_bytes, peak_bytes, reset_peak};
use scratch::{ScratchFile, scratch_dir, scratch_file};
use shaped::data::idx::{encode_u8, read_u8};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Extra bytes any load may use beyond the body it declares.
const SLACK: usize = 256 << 10;

/// Tests measure the process's peak: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// `bytes` written to a file named `name` in a scratch directory, removed on drop.
fn temp_file(name: &str, bytes: &[u8]) -> ScratchFile {
    let file = scratch_file(name);
    std::fs::write(&file, bytes).unwrap();
    file
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Runs `load` and returns its error message and the bytes it had live at its peak.
fn measured(load: impl FnOnce() -> String) -> (String, usize) {
    let before = live_bytes();
    reset_peak();
    let message = load();
    (message, peak_bytes().saturating_sub(before))
}

fn header(dims: &[u32]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out
}

fn err(path: &Path, rank: usize) -> String {
    read_u8(path, rank).unwrap_err().to_string()
}

#[test]
fn a_raw_file_is_checked_against_its_length_before_reading_the_body() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Claims 1000 images of 28x28, holds 10.
    let path = temp_file(
        "short.idx",
        &[header(&[1000, 28, 28]), vec![7; 7840]].concat(),
    );
    let (message, peak) = measured(|| err(&path, 3));
    assert!(
        message.contains("truncated: dims [1000, 28, 28] need 784000 values, the file holds 7840"),
        "{message}"
    );
    assert!(peak < SLACK, "peak {peak} bytes");
}

#[test]
fn a_wrong_dtype_is_reported_from_the_header_of_a_large_file() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 64 MB of f32 values: the header alone is wrong, nothing else is read.
    let mut bytes = header(&[4096, 4096]);
    bytes[2] = 0x0D;
    bytes.resize(8 + 12 + (64 << 20), 0);
    let path = temp_file("floats.idx", &bytes);
    drop(bytes);
    let (message, peak) = measured(|| err(&path, 2));
    assert!(
        message.contains("wrong dtype: type code 0x0d (f32)"),
        "{message}"
    );
    assert!(peak < SLACK, "peak {peak} bytes");
}

#[test]
fn a_gzip_header_claiming_more_than_the_file_can_hold_is_refused_before_allocating() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 1,369,000 images declared (1.07 GB) in a file of a few hundred bytes.
    let path = temp_file(
        "claims.idx.gz",
        &gzip(&[header(&[1_369_000, 28, 28]), vec![0; 1000]].concat()),
    );
    let (message, peak) = measured(|| err(&path, 3));
    assert!(message.contains("more than a gzip file of"), "{message}");
    assert!(peak < SLACK, "peak {peak} bytes");
}

#[test]
fn a_truncated_gzip_costs_at_most_what_it_declares() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // A gzip of 2,000 noisy images (1.5 MB, barely compressible), cut short: it may
    // declare that much, and the reader may reserve it, but no more.
    let mut state = 1u32;
    let noise: Vec<u8> = (0..2000 * 784)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect();
    let full = gzip(&[header(&[2000, 28, 28]), noise].concat());
    let path = temp_file("cut.idx.gz", &full[..full.len() / 2]);
    drop(full);
    let declared = 2000 * 784;
    let (message, peak) = measured(|| err(&path, 3));
    assert!(
        message.contains("corrupt gzip data") || message.contains("truncated"),
        "{message}"
    );
    assert!(
        peak <= declared + SLACK,
        "peak {peak} bytes for {declared} declared"
    );
}

#[test]
fn a_gzip_bomb_past_the_limit_is_refused_from_its_header() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Declares 2 GiB: over the reader's 1 GiB limit, whatever the file's length.
    let path = temp_file("bomb.idx.gz", &gzip(&header(&[1 << 16, 1 << 15])));
    let (message, peak) = measured(|| err(&path, 2));
    assert!(message.contains("the most accepted"), "{message}");
    assert!(peak < SLACK, "peak {peak} bytes");
}

#[test]
fn a_valid_file_loads_within_its_size_plus_the_bound() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let body: Vec<u8> = (0..5000 * 784).map(|i| (i % 253) as u8).collect();
    let raw = encode_u8(&[5000, 28, 28], &body);
    for (name, bytes) in [("ok.idx", raw.clone()), ("ok.idx.gz", gzip(&raw))] {
        let path = temp_file(name, &bytes);
        let before = live_bytes();
        reset_peak();
        let file = read_u8(&path, 3).unwrap();
        let peak = peak_bytes() - before;
        assert_eq!(file.data, body, "{name}");
        assert!(peak <= body.len() + SLACK, "{name}: peak {peak} bytes");
    }
}

#[test]
fn multi_member_gzip_loads_and_trailing_garbage_is_refused() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let raw = encode_u8(&[4], &[1, 2, 3, 4]);
    // RFC 1952 allows several members one after the other (as `cat a.gz b.gz` makes).
    let members = [gzip(&raw[..6]), gzip(&raw[6..])].concat();
    let path = temp_file("members.idx.gz", &members);
    assert_eq!(read_u8(&path, 1).unwrap().data, [1, 2, 3, 4]);
    let garbage = [gzip(&raw), b"GARBAGE".to_vec()].concat();
    let path = temp_file("garbage.idx.gz", &garbage);
    let message = err(&path, 1);
    assert!(
        message.contains("trailing data after the gzip stream"),
        "{message}"
    );
    // Another complete member of extra values is not garbage, but it is extra data.
    let extra = [gzip(&raw), gzip(&[9])].concat();
    let path = temp_file("extra.idx.gz", &extra);
    assert!(err(&path, 1).contains("unexpected bytes after the 4 values"));
}

#[test]
fn directories_fifos_and_devices_are_named_for_what_they_are() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch_dir("hostile-dir");
    assert!(err(&dir, 1).contains("is a directory"), "{}", err(&dir, 1));
    let zero = Path::new("/dev/zero");
    if zero.exists() {
        assert!(err(zero, 1).contains("is a character device"));
    }
    let fifo = dir.join("pipe");
    let _ = std::fs::remove_file(&fifo);
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        // Opening a FIFO with no writer blocks: the reader must refuse it unopened.
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || tx.send(err(&path, 1)).unwrap());
        let message = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a FIFO must not block");
        assert!(message.contains("is a named pipe (FIFO)"), "{message}");
    } else {
        panic!("mkfifo is needed for this test (coreutils)");
    }
}

#[test]
fn a_huge_safetensors_header_is_refused_before_parsing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    use shaped::io::{IoError, load_weights};
    use shaped::nn::{Dense, Relu};
    // A header of 8 MB of empty tensors: far more than a two-tensor model's file needs.
    let mut json = String::from("{");
    let mut i = 0;
    while json.len() < 8 << 20 {
        json.push_str(&format!(
            "\"t{i}\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}},"
        ));
        i += 1;
    }
    json.pop();
    json.push('}');
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(json.as_bytes());
    let path = temp_file("header.safetensors", &bytes);
    drop(bytes);
    drop(json);
    let mut model = Dense::<2, 2, Relu>::new(0);
    let before = live_bytes();
    reset_peak();
    let error = load_weights(&mut model, &path).unwrap_err();
    let peak = peak_bytes() - before;
    assert!(matches!(error.kind(), IoError::Corrupt(_)), "{error}");
    let message = error.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "names the file: {message}"
    );
    assert!(
        message.contains("larger than a file for this model can need"),
        "{message}"
    );
    // Reading the file is allowed (it is the data); parsing its header is not.
    assert!(peak <= (8 << 20) + 2 * SLACK, "peak {peak} bytes");
}

#[test]
fn a_long_list_of_extra_tensors_gives_a_short_message() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    use shaped::io::{IoError, load_weights_bytes};
    use shaped::nn::{Dense, Relu};
    let mut json = String::from(
        "{\"kernel\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\
         \"bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}",
    );
    for i in 0..500 {
        json.push_str(&format!(
            ",\"x{i:03}\":{{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[24,24]}}"
        ));
    }
    json.push('}');
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(json.as_bytes());
    bytes.extend_from_slice(&[0; 24]);
    let mut model = Dense::<2, 2, Relu>::new(0);
    let error = load_weights_bytes(&mut model, &bytes).unwrap_err();
    let IoError::Extra(names) = &error else {
        panic!("expected extra tensors, got {error}");
    };
    assert_eq!(names.len(), 500);
    let message = error.to_string();
    assert!(message.ends_with(" and 492 more"), "{message}");
    assert!(message.len() < 200, "{} bytes", message.len());
}
