//! Data: the IDX file format, the MNIST loader and batching.

mod batches;
mod error;
#[cfg(feature = "data")]
pub mod idx;
#[cfg(feature = "data")]
pub mod mnist;

pub use batches::{Batches, batches, epoch_permutation};
pub use error::DataError;
#[cfg(feature = "data")]
pub use mnist::Mnist;
