//! The IDX format of MNIST: a big-endian header (magic, dims) followed by raw values.
//! Files may be gzip-compressed; compression is detected from the content, not the name.

use std::io::Read;
use std::path::Path;

use super::DataError;

/// The largest decompressed file accepted (guards against gzip bombs): 1 GiB.
const MAX_BYTES: u64 = 1 << 30;

/// Element type codes of the IDX format (the third magic byte).
const DTYPE_NAMES: [(u8, &str, usize); 6] = [
    (0x08, "u8", 1),
    (0x09, "i8", 1),
    (0x0B, "i16", 2),
    (0x0C, "i32", 4),
    (0x0D, "f32", 4),
    (0x0E, "f64", 8),
];

/// A parsed IDX file of unsigned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxU8 {
    /// The sizes from the header.
    pub dims: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<u8>,
}

/// Reads a whole file, decompressing gzip when the content starts with gzip's magic.
pub fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io)?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw.as_slice())
        .take(MAX_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| DataError::invalid(path, format!("corrupt gzip data: {e}")))?;
    if out.len() as u64 > MAX_BYTES {
        return Err(DataError::invalid(path, "decompresses to more than 1 GiB"));
    }
    Ok(out)
}

/// Parses IDX bytes holding unsigned bytes (type code 0x08) with `expected_rank` dims.
pub fn parse_u8(path: &Path, bytes: &[u8], expected_rank: usize) -> Result<IdxU8, DataError> {
    let invalid = |reason: String| DataError::invalid(path, reason);
    if bytes.len() < 4 {
        return Err(invalid(format!(
            "truncated: {} bytes, too short for an IDX header",
            bytes.len()
        )));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(invalid(format!(
            "wrong magic number 0x{:02x}{:02x}{:02x}{:02x}: not an IDX file",
            bytes[0], bytes[1], bytes[2], bytes[3]
        )));
    }
    let (code, rank) = (bytes[2], bytes[3] as usize);
    if code != 0x08 {
        let name = DTYPE_NAMES
            .iter()
            .find(|d| d.0 == code)
            .map_or("unknown", |d| d.1);
        return Err(invalid(format!(
            "wrong dtype: type code 0x{code:02x} ({name}), expected 0x08 (u8)"
        )));
    }
    if rank != expected_rank {
        return Err(invalid(format!(
            "wrong rank: {rank} dims in the header, expected {expected_rank}"
        )));
    }
    let header = 4 + 4 * rank;
    if bytes.len() < header {
        return Err(invalid(format!(
            "truncated: {} bytes, the header needs {header}",
            bytes.len()
        )));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let count = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let Some(count) = count else {
        return Err(invalid(format!("dims {dims:?} overflow")));
    };
    let body = &bytes[header..];
    if body.len() < count {
        return Err(invalid(format!(
            "truncated: dims {dims:?} need {count} values, the file holds {}",
            body.len()
        )));
    }
    if body.len() > count {
        return Err(invalid(format!(
            "{} unexpected bytes after the {count} values of dims {dims:?}",
            body.len() - count
        )));
    }
    Ok(IdxU8 {
        dims,
        data: body.to_vec(),
    })
}

/// Reads and parses an IDX file of unsigned bytes (raw or gzip).
pub fn read_u8(path: &Path, expected_rank: usize) -> Result<IdxU8, DataError> {
    parse_u8(path, &read_maybe_gzip(path)?, expected_rank)
}

/// Encodes an IDX file of unsigned bytes (for tests and tools).
pub fn encode_u8(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}
