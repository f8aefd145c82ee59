//! The IDX format of MNIST: a big-endian header (magic, dims) followed by raw values.
//! Files may be gzip-compressed; compression is detected from the content, not the name.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use super::DataError;

/// The largest body accepted (the values after the header): 1 GiB.
const MAX_BYTES: u64 = 1 << 30;

/// Deflate's best case stores 258 bytes in about two bits: a gzip file cannot decode to
/// more than about 1032 times its length. A header claiming more is refused before
/// anything is allocated.
const MAX_GZIP_RATIO: u64 = 1032;

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

/// What a path is when it is not a regular file, for the error message.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        } else if t.is_char_device() {
            return "a character device";
        } else if t.is_block_device() {
            return "a block device";
        } else if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Opens a regular file and returns it with its length. Anything else (a directory, a
/// FIFO, `/dev/zero`) is refused before it is opened, so opening never blocks.
fn open_regular(path: &Path) -> Result<(File, u64), DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(DataError::invalid(
            path,
            format!("is {}, not a data file", file_kind(&meta)),
        ));
    }
    let file = File::open(path).map_err(io)?;
    Ok((file, meta.len()))
}

/// Reads as many bytes as `buf` holds unless the stream ends first; returns the count.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match reader.read(&mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Where the bytes come from: raw, with an exact length, or gzip, with a compressed
/// length that bounds what it can decode to.
#[derive(Clone, Copy)]
enum Source {
    Raw { len: u64 },
    Gzip { compressed_len: u64 },
}

/// Parses an IDX stream of unsigned bytes: header first, the claimed size checked against
/// what the source can hold, then the values read straight into their final buffer.
/// Peak memory is the declared body plus a constant (the reader's buffers).
fn parse_stream(
    path: &Path,
    reader: &mut impl Read,
    source: Source,
    expected_rank: usize,
) -> Result<IdxU8, DataError> {
    let invalid = |reason: String| DataError::invalid(path, reason);
    let gzip = matches!(source, Source::Gzip { .. });
    let read_error = |e: std::io::Error| {
        if gzip {
            invalid(format!("corrupt gzip data: {e}"))
        } else {
            DataError::Io {
                path: path.to_path_buf(),
                source: e,
            }
        }
    };
    let mut magic = [0u8; 4];
    let got = read_full(reader, &mut magic).map_err(read_error)?;
    if got < 4 {
        return Err(invalid(format!(
            "truncated: {got} bytes, too short for an IDX header"
        )));
    }
    if magic[0] != 0 || magic[1] != 0 {
        return Err(invalid(format!(
            "wrong magic number 0x{:02x}{:02x}{:02x}{:02x}: not an IDX file",
            magic[0], magic[1], magic[2], magic[3]
        )));
    }
    let (code, rank) = (magic[2], magic[3] as usize);
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
    let mut raw_dims = vec![0u8; 4 * rank];
    let got = read_full(reader, &mut raw_dims).map_err(read_error)?;
    if got < raw_dims.len() {
        return Err(invalid(format!(
            "truncated: {} bytes, the header needs {header}",
            4 + got
        )));
    }
    let dims: Vec<usize> = raw_dims
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let count = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64));
    let count = match count {
        Some(c) if c <= MAX_BYTES => c,
        _ => {
            return Err(invalid(format!(
                "dims {dims:?} declare more than {MAX_BYTES} values (1 GiB), the most accepted"
            )));
        }
    };
    match source {
        Source::Raw { len } => {
            let body = len.saturating_sub(header as u64);
            if body < count {
                return Err(invalid(format!(
                    "truncated: dims {dims:?} need {count} values, the file holds {body}"
                )));
            }
            if body > count {
                return Err(invalid(format!(
                    "{} unexpected bytes after the {count} values of dims {dims:?}",
                    body - count
                )));
            }
        }
        Source::Gzip { compressed_len } => {
            let most = compressed_len.saturating_mul(MAX_GZIP_RATIO);
            if count > most {
                return Err(invalid(format!(
                    "dims {dims:?} declare {count} values, more than a gzip file of \
                     {compressed_len} bytes can hold (at most {most})"
                )));
            }
        }
    }
    // Zeroed memory comes from the allocator untouched (mapped on first write), so a
    // truncated file costs only the pages actually read into.
    let mut data = vec![0u8; count as usize];
    let got = read_full(reader, &mut data).map_err(read_error)?;
    if (got as u64) < count {
        return Err(invalid(format!(
            "truncated: dims {dims:?} need {count} values, the file holds {got}"
        )));
    }
    let mut extra = [0u8; 1];
    match read_full(reader, &mut extra) {
        Ok(0) => {}
        Ok(_) => {
            return Err(invalid(format!(
                "unexpected bytes after the {count} values of dims {dims:?}"
            )));
        }
        Err(e) if gzip => {
            return Err(invalid(format!(
                "trailing data after the gzip stream is not gzip: {e}"
            )));
        }
        Err(e) => return Err(read_error(e)),
    }
    Ok(IdxU8 { dims, data })
}

/// `true` when the bytes start with gzip's magic number.
fn is_gzip(start: &[u8]) -> bool {
    start.starts_with(&[0x1f, 0x8b])
}

/// Parses IDX bytes holding unsigned bytes (type code 0x08) with `expected_rank` dims;
/// gzip-compressed bytes (one or more members, RFC 1952) are decoded. `path` names the
/// source in errors.
pub fn parse_u8(path: &Path, bytes: &[u8], expected_rank: usize) -> Result<IdxU8, DataError> {
    let len = bytes.len() as u64;
    if is_gzip(bytes) {
        let mut decoder = MultiGzDecoder::new(bytes);
        let source = Source::Gzip {
            compressed_len: len,
        };
        parse_stream(path, &mut decoder, source, expected_rank)
    } else {
        let mut reader = bytes;
        parse_stream(path, &mut reader, Source::Raw { len }, expected_rank)
    }
}

/// Reads and parses an IDX file of unsigned bytes (raw or gzip, detected from the
/// content). The header is read first and checked against the file's length before the
/// values are read, so a hostile file costs at most the data it declares (at most 1 GiB,
/// and never more than its length allows) plus a few tens of kilobytes.
pub fn read_u8(path: &Path, expected_rank: usize) -> Result<IdxU8, DataError> {
    let (file, len) = open_regular(path)?;
    let mut reader = BufReader::new(file);
    let start = reader.fill_buf().map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if is_gzip(start) {
        let mut decoder = MultiGzDecoder::new(reader);
        let source = Source::Gzip {
            compressed_len: len,
        };
        parse_stream(path, &mut decoder, source, expected_rank)
    } else {
        parse_stream(path, &mut reader, Source::Raw { len }, expected_rank)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives its bytes two at a time, after an `Interrupted` error on every other call.
    struct Stuttering {
        data: Vec<u8>,
        calls: usize,
    }

    impl Read for Stuttering {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.calls += 1;
            if self.calls % 2 == 1 {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(2).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn read_full_retries_interrupted_reads_and_stops_at_the_end() {
        let mut r = Stuttering {
            data: vec![1, 2, 3, 4, 5],
            calls: 0,
        };
        let mut buf = [0u8; 4];
        assert_eq!(read_full(&mut r, &mut buf).unwrap(), 4);
        assert_eq!(buf, [1, 2, 3, 4]);
        let mut rest = [0u8; 4];
        assert_eq!(
            read_full(&mut r, &mut rest).unwrap(),
            1,
            "the stream ends first"
        );
        assert_eq!(rest[0], 5);
        let mut broken = std::io::repeat(0).take(0).chain(FailingReader);
        assert!(read_full(&mut broken, &mut buf).is_err());
    }

    /// An IDX header for u8 values with these dims.
    fn header(dims: &[u32]) -> Vec<u8> {
        let mut h = vec![0, 0, 0x08, dims.len() as u8];
        for d in dims {
            h.extend_from_slice(&d.to_be_bytes());
        }
        h
    }

    fn parse(bytes: Vec<u8>, source: Source, rank: usize) -> Result<IdxU8, DataError> {
        parse_stream(Path::new("t.idx"), &mut bytes.as_slice(), source, rank)
    }

    /// The message of a rank-1 stream that must be refused.
    fn parse_error(bytes: Vec<u8>, source: Source) -> String {
        parse(bytes, source, 1).unwrap_err().to_string()
    }

    #[test]
    fn both_leading_magic_bytes_must_be_zero() {
        for magic in [[0, 1, 8, 1], [1, 0, 8, 1]] {
            let mut bytes = magic.to_vec();
            bytes.extend_from_slice(&[0, 0, 0, 1, 7]);
            let err = parse(bytes, Source::Raw { len: 9 }, 1).unwrap_err();
            assert!(err.to_string().contains("wrong magic number"), "{err}");
        }
    }

    #[test]
    fn a_gzip_body_may_reach_the_ratio_bound_but_not_pass_it() {
        let most = MAX_GZIP_RATIO as u32;
        let mut at_bound = header(&[most]);
        at_bound.resize(at_bound.len() + most as usize, 3);
        let idx = parse(at_bound, Source::Gzip { compressed_len: 1 }, 1).unwrap();
        assert_eq!(
            (idx.dims, idx.data.len()),
            (vec![most as usize], most as usize)
        );
        let mut past = header(&[most + 1]);
        past.resize(past.len() + most as usize + 1, 3);
        let err = parse_error(past, Source::Gzip { compressed_len: 1 });
        assert!(err.contains("more than a gzip file of 1 bytes"), "{err}");
    }

    #[test]
    fn a_decoded_body_shorter_than_its_dims_is_truncated() {
        let mut bytes = header(&[10]);
        bytes.extend_from_slice(&[1, 2, 3, 4, 5]);
        let err = parse_error(
            bytes,
            Source::Gzip {
                compressed_len: 100,
            },
        );
        assert!(err.contains("need 10 values, the file holds 5"), "{err}");
    }

    #[test]
    fn a_read_error_after_a_raw_body_is_an_io_error() {
        let mut bytes = header(&[2]);
        bytes.extend_from_slice(&[1, 2]);
        let len = bytes.len() as u64;
        let mut reader = bytes.as_slice().chain(FailingReader);
        let err = parse_stream(Path::new("t"), &mut reader, Source::Raw { len }, 1).unwrap_err();
        assert!(matches!(err, DataError::Io { .. }), "{err}");
        let head = header(&[2]);
        let mut reader = head.as_slice().chain(&[1u8, 2][..]).chain(FailingReader);
        let err = parse_stream(
            Path::new("t"),
            &mut reader,
            Source::Gzip { compressed_len: 50 },
            1,
        );
        assert!(err.unwrap_err().to_string().contains("not gzip"));
    }

    struct FailingReader;

    impl Read for FailingReader {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::PermissionDenied.into())
        }
    }
}
