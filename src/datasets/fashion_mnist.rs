//! Fashion-MNIST (Xiao, Rasul and Vollgraf, Zalando Research): 70,000 28 x 28 grey-scale
//! pictures of clothing in 10 classes, MIT licence; a drop-in for MNIST.
//! Keras's `keras.datasets.fashion_mnist.load_data()`.

use crate::data::Mnist;
use crate::error::Error;

use super::{Loader, RemoteFile, Source};

/// The class of each label, `CLASS_NAMES[label]`.
///
/// ```
/// use shaped::datasets::fashion_mnist::CLASS_NAMES;
/// assert_eq!(CLASS_NAMES[9], "Ankle boot");
/// ```
pub const CLASS_NAMES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Where Fashion-MNIST comes from: the canonical gzip files and their sha256.
pub fn source() -> Source {
    Source {
        name: "fashion-mnist".into(),
        dir_env: Some("FASHION_MNIST_DIR".into()),
        mirrors: vec![
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets".into(),
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com".into(),
        ],
        files: vec![
            RemoteFile::new(
                "train-images-idx3-ubyte.gz",
                "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
            ),
            RemoteFile::new(
                "train-labels-idx1-ubyte.gz",
                "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
            ),
            RemoteFile::new(
                "t10k-images-idx3-ubyte.gz",
                "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
            ),
            RemoteFile::new(
                "t10k-labels-idx1-ubyte.gz",
                "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
            ),
        ],
    }
}

/// Loads Fashion-MNIST from `FASHION_MNIST_DIR`, the cache or a download:
/// `Loader::new().fashion_mnist()`.
pub fn load() -> Result<Mnist, Error> {
    Loader::new().fashion_mnist()
}
