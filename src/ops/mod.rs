//! Operations on tensors, one concern per module. Checked operations come in pairs:
//! `try_x` returns `Result<_, ShapeError>` for shapes with runtime dims, `x` panics with the
//! same message at the caller's line.

mod binary;
mod matmul;
mod reduce;
mod reshape;
pub(crate) mod sgemm;
mod slice;
mod threads;
mod unary;

pub use matmul::dot;
pub(crate) use matmul::{Mat, gemm};
pub(crate) use threads::par_update;
pub use threads::{num_threads, set_num_threads};
pub(crate) use unary::sigmoid;
