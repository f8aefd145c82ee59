//! shaped: tensors and neural networks whose shapes are checked by the compiler.

pub mod shapes;
pub mod ops;
pub mod tensor;

pub use shapes::{ConstDim, Dim, Dimension, Shape, ShapeError, StaticShape};
pub use tensor::Tensor;
