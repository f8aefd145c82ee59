//! Helpers shared by the examples: flag parsing and a PNG of digits.

#![allow(dead_code)]

pub mod convnet;
#[path = "../../tests/common/counting_alloc.rs"]
pub mod counting_alloc;
pub mod plot;

use std::str::FromStr;

/// Runs an example's body on its arguments; an error is printed and exits non-zero.
pub fn main_with(
    run: impl FnOnce(&[String]) -> Result<(), Box<dyn std::error::Error>>,
) -> std::process::ExitCode {
    // A non-UTF-8 argument (a path, say) is an error message, not a panic.
    let args: Result<Vec<String>, String> = std::env::args_os()
        .skip(1)
        .map(|a| {
            a.into_string().map_err(|a| {
                format!(
                    "argument {} is not valid UTF-8; the examples take UTF-8 paths",
                    a.to_string_lossy()
                )
            })
        })
        .collect();
    let args = match args {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The value after `name` (`--epochs 3`) or in `name=value`, parsed.
pub fn flag<T: FromStr>(args: &[String], name: &str) -> Result<Option<T>, String>
where
    T::Err: std::fmt::Display,
{
    let prefix = format!("{name}=");
    let raw = match args.iter().position(|a| a == name) {
        Some(i) => Some(
            args.get(i + 1)
                .ok_or(format!("{name} needs a value"))?
                .clone(),
        ),
        None => args
            .iter()
            .find_map(|a| a.strip_prefix(&prefix))
            .map(str::to_string),
    };
    raw.map(|v| v.parse().map_err(|e| format!("{name} {v}: {e}")))
        .transpose()
}

/// MNIST, or Fashion-MNIST with `--dataset fashion`: from `--data DIR` when given, else
/// from `MNIST_DIR` / `FASHION_MNIST_DIR`, the cache, or a download (shaped::datasets).
#[cfg(feature = "data")]
pub fn load_mnist(args: &[String]) -> Result<shaped::data::Mnist, Box<dyn std::error::Error>> {
    let dir: Option<String> = flag(args, "--data")?;
    let loader = shaped::datasets::Loader::new().dir(dir);
    let dataset: Option<String> = flag(args, "--dataset")?;
    Ok(match dataset.as_deref() {
        None | Some("mnist") => loader.mnist()?,
        Some("fashion") | Some("fashion-mnist") => loader.fashion_mnist()?,
        Some(other) => return Err(format!("--dataset {other}: expected mnist or fashion").into()),
    })
}

/// 3x5 pixel glyphs of the digits 0-9, one row per string.
const GLYPHS: [[&str; 5]; 10] = [
    ["###", "#.#", "#.#", "#.#", "###"],
    [".#.", "##.", ".#.", ".#.", "###"],
    ["###", "..#", "###", "#..", "###"],
    ["###", "..#", "###", "..#", "###"],
    ["#.#", "#.#", "###", "..#", "..#"],
    ["###", "#..", "###", "..#", "###"],
    ["###", "#..", "###", "#.#", "###"],
    ["###", "..#", "..#", "..#", "..#"],
    ["###", "#.#", "###", "#.#", "###"],
    ["###", "#.#", "###", "..#", "###"],
];

/// Writes the digits side by side, scaled 4x, each with its predicted label drawn below.
#[cfg(feature = "data")]
pub fn write_digits_png(
    path: &std::path::Path,
    images: &shaped::data::mnist::Images,
    labels: &[usize],
) -> Result<(), Box<dyn std::error::Error>> {
    const SCALE: usize = 4;
    const CELL: usize = 28 * SCALE + 8;
    let n = images.batch_size();
    let (width, height) = (n * CELL, 28 * SCALE + 40);
    let mut pixels = vec![255u8; width * height];
    for k in 0..n {
        let x0 = k * CELL + 4;
        for i in 0..28 * SCALE {
            for j in 0..28 * SCALE {
                pixels[(4 + i) * width + x0 + j] = 255 - images[[k, i / SCALE, j / SCALE]];
            }
        }
        let glyph = GLYPHS[labels[k] % 10];
        let (gx, gy) = (x0 + 28 * SCALE / 2 - 6, 28 * SCALE + 12);
        for (r, row) in glyph.iter().enumerate() {
            for (c, ch) in row.bytes().enumerate() {
                if ch == b'#' {
                    for dy in 0..4 {
                        for dx in 0..4 {
                            pixels[(gy + r * 4 + dy) * width + gx + c * 4 + dx] = 0;
                        }
                    }
                }
            }
        }
    }
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, width as u32, height as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(())
}
