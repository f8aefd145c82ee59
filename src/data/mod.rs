//! Data: the IDX file format, the MNIST loader and batching.

mod batches;
mod error;
pub mod idx;
pub mod mnist;

pub use batches::{Batches, batches, epoch_permutation};
pub use error::DataError;
pub use mnist::Mnist;
