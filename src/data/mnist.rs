//! The MNIST loader: four IDX files into typed tensors.
//!
//! Any files of this format load (Fashion-MNIST is a drop-in); the structure is validated:
//! magic numbers, 28 x 28 images, matching image and label counts, labels in 0..=9.

use std::path::{Path, PathBuf};

use super::DataError;
use super::idx;
use crate::shapes::Dim;
use crate::tensor::Tensor;

/// A batch of 28 x 28 grey-scale images, any count.
pub type Images = Tensor<(usize, Dim<28>, Dim<28>), u8>;
/// Their labels.
pub type Labels = Tensor<(usize,), u8>;

/// The four parts of MNIST.
#[derive(Clone, Debug)]
pub struct Mnist {
    /// 60000 training images.
    pub train_images: Images,
    /// 60000 training labels.
    pub train_labels: Labels,
    /// 10000 test images.
    pub test_images: Images,
    /// 10000 test labels.
    pub test_labels: Labels,
}

/// The canonical file names (each may also end in `.gz`).
pub const FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// The data directory: `--data DIR` from `args`, else `$MNIST_DIR`, else `data/mnist`.
#[deprecated(
    since = "0.3.0",
    note = "use shaped::datasets::Loader::new().dir(dir).mnist(), which also finds the cache and downloads"
)]
pub fn data_dir(args: &[String]) -> PathBuf {
    let flag = args
        .iter()
        .position(|a| a == "--data")
        .and_then(|i| args.get(i + 1));
    let inline = args.iter().find_map(|a| a.strip_prefix("--data="));
    match flag.map(String::as_str).or(inline) {
        Some(dir) => PathBuf::from(dir),
        None => {
            std::env::var_os("MNIST_DIR").map_or_else(|| PathBuf::from("data/mnist"), PathBuf::from)
        }
    }
}

/// The raw or gzip file for `name`: anything that exists under that name, so that a
/// directory or a FIFO in its place is reported as what it is, not as missing.
fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    [dir.join(name), dir.join(format!("{name}.gz"))]
        .into_iter()
        .find(|p| p.exists())
}

/// Loads images from one IDX file: magic 2051, dims (count, 28, 28).
pub fn load_images(path: &Path) -> Result<Images, DataError> {
    let file = idx::read_u8(path, 3)?;
    match file.dims[..] {
        [n, 28, 28] => Ok(Tensor::from_vec((n, Dim, Dim), file.data)),
        _ => Err(DataError::invalid(
            path,
            format!("wrong image dims {:?}: expected [count, 28, 28]", file.dims),
        )),
    }
}

/// Loads labels from one IDX file: magic 2049, dims (count,), every label in 0..=9.
pub fn load_labels(path: &Path) -> Result<Labels, DataError> {
    let file = idx::read_u8(path, 1)?;
    if let Some((i, &l)) = file.data.iter().enumerate().find(|&(_, &l)| l > 9) {
        return Err(DataError::invalid(
            path,
            format!("label {l} at index {i} is out of range 0..=9"),
        ));
    }
    Ok(Tensor::from_vec((file.dims[0],), file.data))
}

fn load_pair(dir: &Path, images: &str, labels: &str) -> Result<(Images, Labels), DataError> {
    let (ip, lp) = (
        find(dir, images).expect("checked"),
        find(dir, labels).expect("checked"),
    );
    let (x, y) = (load_images(&ip)?, load_labels(&lp)?);
    if x.batch_size() != y.batch_size() {
        return Err(DataError::invalid(
            &lp,
            format!(
                "{} labels for {} images in {}",
                y.batch_size(),
                x.batch_size(),
                ip.display()
            ),
        ));
    }
    Ok((x, y))
}

impl Mnist {
    /// Loads the four files from `dir` (raw or gzip).
    pub fn load(dir: impl AsRef<Path>) -> Result<Mnist, DataError> {
        let dir = dir.as_ref();
        let missing: Vec<String> = FILES
            .iter()
            .filter(|name| find(dir, name).is_none())
            .map(|s| s.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(DataError::Missing {
                dir: dir.to_path_buf(),
                files: missing,
            });
        }
        let (train_images, train_labels) = load_pair(dir, FILES[0], FILES[1])?;
        let (test_images, test_labels) = load_pair(dir, FILES[2], FILES[3])?;
        Ok(Mnist {
            train_images,
            train_labels,
            test_images,
            test_labels,
        })
    }
}

/// A digit as terminal art: one character per pixel, darker characters for brighter pixels.
///
/// ```
/// use shaped::{Dim, Tensor};
/// let mut img = Tensor::<(Dim<28>, Dim<28>), u8>::zeros(Default::default());
/// img[[0, 0]] = 255;
/// let art = shaped::data::mnist::render_digit(&img);
/// assert!(art.starts_with("@ "));
/// assert_eq!(art.lines().count(), 28);
/// ```
pub fn render_digit(image: &Tensor<(Dim<28>, Dim<28>), u8>) -> String {
    const SHADES: &[u8] = b" .:-=+*#%@";
    let mut out = String::with_capacity(28 * 57);
    for row in image.as_slice().chunks_exact(28) {
        for &p in row {
            out.push(SHADES[p as usize * (SHADES.len() - 1) / 255] as char);
            out.push(' ');
        }
        out.pop();
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[allow(deprecated)]
    use super::data_dir;
    use super::render_digit;
    use crate::{Dim, Tensor};

    #[test]
    fn digits_render_with_ten_shades_by_brightness() {
        let mut img = Tensor::<(Dim<28>, Dim<28>), u8>::zeros(Default::default());
        // 255 -> '@' (9 of 9), 128 -> 128 * 9 / 255 = 4 -> '=', 28 -> 0 -> ' ', 29 -> '.'.
        for (j, p) in [255, 128, 28, 29].into_iter().enumerate() {
            img[[0, j]] = p;
        }
        let art = render_digit(&img);
        assert!(art.starts_with("@ =   ."), "{:?}", &art[..8]);
        assert_eq!(art.lines().count(), 28);
        assert!(art.lines().all(|l| l.len() == 55));
    }
    use std::path::PathBuf;

    #[test]
    #[allow(deprecated)]
    fn data_dir_reads_the_flag_in_both_forms() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            data_dir(&args(&["prog", "--data", "/d/m"])),
            PathBuf::from("/d/m")
        );
        assert_eq!(
            data_dir(&args(&["--epochs", "3", "--data=x/y"])),
            PathBuf::from("x/y")
        );
        assert_eq!(
            data_dir(&args(&["--data", "first", "--data=second"])),
            PathBuf::from("first")
        );
        // No flag: MNIST_DIR, else data/mnist (the environment is the process's own).
        let fallback = std::env::var_os("MNIST_DIR")
            .map_or_else(|| PathBuf::from("data/mnist"), PathBuf::from);
        assert_eq!(data_dir(&args(&["prog", "--data"])), fallback);
    }
}
