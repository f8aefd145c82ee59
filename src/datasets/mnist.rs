//! MNIST (LeCun, Cortes and Burges): 70,000 handwritten digits, 28 x 28 grey-scale,
//! CC BY-SA 3.0. Keras's `keras.datasets.mnist.load_data()`.

use crate::data::Mnist;
use crate::error::Error;

use super::{Loader, RemoteFile, Source};

/// The class names: the digits themselves.
pub const CLASS_NAMES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// Where MNIST comes from: the canonical gzip files and their published sha256.
pub fn source() -> Source {
    Source {
        name: "mnist".into(),
        dir_env: Some("MNIST_DIR".into()),
        mirrors: vec![
            "https://ossci-datasets.s3.amazonaws.com/mnist".into(),
            "https://storage.googleapis.com/cvdf-datasets/mnist".into(),
        ],
        files: vec![
            RemoteFile::new(
                "train-images-idx3-ubyte.gz",
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            ),
            RemoteFile::new(
                "train-labels-idx1-ubyte.gz",
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            ),
            RemoteFile::new(
                "t10k-images-idx3-ubyte.gz",
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            ),
            RemoteFile::new(
                "t10k-labels-idx1-ubyte.gz",
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            ),
        ],
    }
}

/// Loads MNIST from `MNIST_DIR`, the cache or a download (see [`super`] for the order):
/// `Loader::new().mnist()`.
///
/// ```no_run
/// let mnist = shaped::datasets::mnist::load()?;
/// assert_eq!(mnist.test_labels.shape_dims(), [10000]);
/// # Ok::<(), shaped::Error>(())
/// ```
pub fn load() -> Result<Mnist, Error> {
    Loader::new().mnist()
}
