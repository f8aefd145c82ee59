//! The IDX parser on arbitrary bytes: any input gives Ok or a clear Err, never a panic; an
//! accepted file's data length always matches its header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.idx");
    for rank in [1, 3] {
        if let Ok(file) = shaped::data::idx::parse_u8(path, data, rank) {
            assert_eq!(file.dims.len(), rank);
            assert_eq!(file.dims.iter().product::<usize>(), file.data.len());
        }
    }
});
