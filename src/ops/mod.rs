//! Operations on tensors, one concern per module. Checked operations come in pairs:
//! `try_x` returns `Result<_, ShapeError>` for shapes with runtime dims, `x` panics with the
//! same message at the caller's line.

pub(crate) mod binary;
mod join;
mod linear;
mod matmul;
mod reduce;
mod reshape;
mod slice;
mod unary;
mod vjp;

pub use crate::kernels::{num_threads, set_num_threads};

/// The f32 product kernel this process uses: `"avx512"`, `"avx2"` or `"matrixmultiply"`
/// (chosen at run time from the CPU; `SHAPED_KERNEL=avx2|avx512|none` picks another one
/// the machine runs, to test or measure it).
///
/// ```
/// assert!(["avx512", "avx2", "matrixmultiply"].contains(&shaped::ops::f32_kernel()));
/// ```
pub fn f32_kernel() -> &'static str {
    crate::kernels::kernel_name()
}
pub use linear::{
    bias_backward_into, linear_backward_input_into, linear_backward_weight_into, linear_into,
};
pub use matmul::dot;
pub(crate) use unary::sigmoid;
