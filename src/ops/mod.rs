//! Operations on tensors, one concern per module. Checked operations come in pairs:
//! `try_x` returns `Result<_, ShapeError>` for shapes with runtime dims, `x` panics with the
//! same message at the caller's line.
//!
//! Every operation is a method of [`Tensor`](crate::Tensor); by group:
//!
//! | group | methods |
//! |---|---|
//! | creation | [`zeros`](crate::Tensor::zeros), [`ones`](crate::Tensor::ones), [`full`](crate::Tensor::full), [`from_fn`](crate::Tensor::from_fn), [`from_vec`](crate::Tensor::from_vec) / [`try_from_vec`](crate::Tensor::try_from_vec), [`scalar`](crate::Tensor::scalar), [`try_arange`](crate::Tensor::try_arange), [`linspace`](crate::Tensor::linspace), [`random_uniform`](crate::Tensor::random_uniform), [`random_normal`](crate::Tensor::random_normal), [`cast`](crate::Tensor::cast) |
//! | inspection | [`ndim`](crate::Tensor::ndim), [`shape_dims`](crate::Tensor::shape_dims), [`dtype`](crate::Tensor::dtype), [`len`](crate::Tensor::len), [`batch_size`](crate::Tensor::batch_size), [`as_slice`](crate::Tensor::as_slice), [`get`](crate::Tensor::get), [`item`](crate::Tensor::item), [`is_finite`](crate::Tensor::is_finite), [`check_finite`](crate::Tensor::check_finite) |
//! | element-wise | [`relu`](crate::Tensor::relu), [`sigmoid`](crate::Tensor::sigmoid), [`tanh`](crate::Tensor::tanh), [`exp`](crate::Tensor::exp), [`ln`](crate::Tensor::ln) / [`log`](crate::Tensor::log), [`sqrt`](crate::Tensor::sqrt), [`abs`](crate::Tensor::abs), [`sin`](crate::Tensor::sin), [`cos`](crate::Tensor::cos), [`square`](crate::Tensor::square), [`powi`](crate::Tensor::powi), [`powf`](crate::Tensor::powf), [`clamp`](crate::Tensor::clamp), [`map`](crate::Tensor::map), [`map_inplace`](crate::Tensor::map_inplace) |
//! | broadcasting binary | `+ - * /` (and `+= -= *= /=`), [`add`](crate::Tensor::add), [`sub`](crate::Tensor::sub), [`mul`](crate::Tensor::mul), [`div`](crate::Tensor::div), [`maximum`](crate::Tensor::maximum), [`minimum`](crate::Tensor::minimum), [`zip_map`](crate::Tensor::zip_map), [`zip_map_into`](crate::Tensor::zip_map_into) |
//! | reductions | [`sum`](crate::Tensor::sum), [`mean`](crate::Tensor::mean), [`max`](crate::Tensor::max), [`min`](crate::Tensor::min), [`argmax`](crate::Tensor::argmax), [`sum_axis`](crate::Tensor::sum_axis), [`mean_axis`](crate::Tensor::mean_axis), [`max_axis`](crate::Tensor::max_axis), [`min_axis`](crate::Tensor::min_axis), [`argmax_axis`](crate::Tensor::argmax_axis), [`softmax`](crate::Tensor::softmax), [`log_softmax`](crate::Tensor::log_softmax) |
//! | products | [`matmul`](crate::Tensor::matmul) / [`try_matmul`](crate::Tensor::try_matmul), [`try_matmul_into`](crate::Tensor::try_matmul_into), [`dot`], [`t`](crate::Tensor::t) (a free transposed view), [`linear_into`] |
//! | shape | [`reshape`](crate::Tensor::reshape) / [`try_reshape`](crate::Tensor::try_reshape), [`reshape_to`](crate::Tensor::reshape_to), [`flatten`](crate::Tensor::flatten), [`flatten_inner`](crate::Tensor::flatten_inner), [`unsqueeze`](crate::Tensor::unsqueeze), [`squeeze`](crate::Tensor::squeeze), [`transpose`](crate::Tensor::transpose), [`permute`](crate::Tensor::permute), [`into_shape`](crate::Tensor::into_shape), [`dyn_batch`](crate::Tensor::dyn_batch), [`try_fix_batch`](crate::Tensor::try_fix_batch) |
//! | slicing | [`narrow`](crate::Tensor::narrow), [`rows`](crate::Tensor::rows) / [`try_rows`](crate::Tensor::try_rows), [`try_batch`](crate::Tensor::try_batch), [`window`](crate::Tensor::window), [`at`](crate::Tensor::at), [`select_rows`](crate::Tensor::select_rows), [`try_select_rows_into`](crate::Tensor::try_select_rows_into) |
//! | joining and choosing | [`concat`](crate::Tensor::concat) / [`try_concat`](crate::Tensor::try_concat), [`try_stack`](crate::Tensor::try_stack), [`select`](crate::Tensor::select) (numpy's `where`), [`try_one_hot`](crate::Tensor::try_one_hot) |
//! | backward (VJPs) | [`try_sum_to`](crate::Tensor::try_sum_to), [`try_add_backward`](crate::Tensor::try_add_backward), [`try_mul_backward`](crate::Tensor::try_mul_backward), [`try_div_backward`](crate::Tensor::try_div_backward), [`softmax_backward`](crate::Tensor::softmax_backward), [`log_softmax_backward`](crate::Tensor::log_softmax_backward), [`sum_axis_backward`](crate::Tensor::sum_axis_backward), [`mean_axis_backward`](crate::Tensor::mean_axis_backward), [`narrow_backward`](crate::Tensor::narrow_backward), [`try_concat_backward`](crate::Tensor::try_concat_backward), and `x_backward` beside each differentiable element-wise `x` ([`relu_backward`](crate::Tensor::relu_backward), [`sin_backward`](crate::Tensor::sin_backward), ...); [`linear_backward_input_into`], [`linear_backward_weight_into`], [`bias_backward_into`] |
//! | threads and kernels | [`set_num_threads`], [`num_threads`], [`f32_kernel`] |

pub(crate) mod binary;
pub(crate) mod conv;
mod join;
mod linear;
mod matmul;
pub(crate) mod pool;
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

/// The machine's peak f32 GFLOP/s on `threads` threads, measured by a short probe (about a
/// second): independent chains of fused multiply-adds on the widest vectors the CPU has,
/// every thread at once. For benchmarks, which report their speed as a fraction of it.
///
/// ```
/// let peak = shaped::ops::peak_gflops(1);
/// assert!(peak > 0.0);
/// ```
pub fn peak_gflops(threads: usize) -> f64 {
    crate::kernels::peak_gflops(threads)
}
pub use linear::{
    bias_backward_into, linear_backward_input_into, linear_backward_weight_into, linear_into,
};
pub use matmul::dot;
pub(crate) use unary::sigmoid;
