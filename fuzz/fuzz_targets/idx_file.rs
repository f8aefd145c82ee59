//! The file-based IDX reader (raw and gzip, one or more members) on arbitrary bytes written
//! to a file: Ok or a clear Err, never a panic; an accepted file's data matches its header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| std::env::temp_dir().join(format!("shaped-fuzz-{}.idx", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    std::fs::write(path(), data).expect("write the input to a file");
    for rank in [1, 3] {
        if let Ok(file) = shaped::data::idx::read_u8(path(), rank) {
            assert_eq!(file.dims.len(), rank);
            assert_eq!(file.dims.iter().product::<usize>(), file.data.len());
        }
    }
});
