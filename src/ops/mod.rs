//! Operations on tensors, one concern per module. Checked operations come in pairs:
//! `try_x` returns `Result<_, ShapeError>` for shapes with runtime dims, `x` panics with the
//! same message at the caller's line.

mod binary;
mod matmul;
mod reduce;
mod reshape;
mod slice;
mod unary;

pub use crate::kernels::{num_threads, set_num_threads};
pub use matmul::dot;
pub(crate) use unary::sigmoid;
