//! Bakes the test digits into the firmware (the weights come from `include_net!` in
//! `src/main.rs`). `SHAPED_DIGITS` names a file of test digits: a count (u32 LE), then per
//! digit its label (u8) and 784 pixels (u8).

use std::path::PathBuf;

fn fail(message: String) -> ! {
    // A build-script panic is a compile error; the message is what the user reads.
    panic!("\n\nshaped-firmware: {message}\n\n");
}

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::copy("memory.x", out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");

    let digits = std::env::var("SHAPED_DIGITS").unwrap_or_else(|_| {
        fail("set SHAPED_DIGITS to the test digits file (scripts/run_firmware.sh writes it)".into())
    });
    println!("cargo:rerun-if-env-changed=SHAPED_DIGITS");
    println!("cargo:rerun-if-changed={digits}");
    let data = std::fs::read(&digits).unwrap_or_else(|e| fail(format!("{digits}: {e}")));
    let count = data
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .unwrap_or_else(|| fail(format!("{digits}: no count")));
    if data.len() != 4 + count * 785 {
        fail(format!(
            "{digits}: {} bytes for {count} digits of 785",
            data.len()
        ));
    }
    std::fs::write(out.join("digits.bin"), &data[4..]).expect("write digits.bin");
    std::fs::write(
        out.join("digits.rs"),
        format!("pub const DIGITS: usize = {count};\n"),
    )
    .expect("write digits.rs");
}
