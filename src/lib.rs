//! shaped: tensors and neural networks whose shapes are checked by the compiler.

pub mod shapes;
pub mod data;
pub mod nn;
pub mod ops;
pub mod optim;
pub mod tensor;
pub mod train;

pub use shapes::{ConstDim, Dim, Dimension, Shape, ShapeError, StaticShape};
pub use tensor::Tensor;
