//! Fixed-size inference for small nets: weights in fixed-size arrays, a forward pass that
//! never allocates, and no standard library (`#![no_std]`; the `alloc` feature adds boxed
//! storage helpers).
//!
//! Layers borrow their weights, so the weights can live in a `static`, in a `Box`, or in
//! memory mapped from flash; a 784 x 512 kernel (1.6 MB) is never a value on the stack.
//!
//! ```
//! use shaped_embed::{FixedDense, FixedMlp, Relu, Softmax};
//! static K1: [[f32; 2]; 3] = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
//! static B1: [f32; 2] = [0.0, 0.0];
//! static K2: [[f32; 2]; 2] = [[1.0, 0.0], [0.0, 1.0]];
//! static B2: [f32; 2] = [0.0, 0.0];
//! let net = FixedMlp::new(FixedDense::<3, 2, Relu>::new(&K1, &B1), FixedDense::<2, 2, Softmax>::new(&K2, &B2));
//! let mut probs = [0.0; 2];
//! net.forward(&[1.0, 0.0, 0.0], &mut probs);
//! assert!(probs[0] > probs[1]);
//! assert_eq!(net.classify(&[0.0, 3.0, 0.0]).0, 1);
//! ```

#![no_std]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

use core::marker::PhantomData;

/// An activation applied in place to one output vector. The marker types are the same ones
/// `shaped::nn` uses, so a trained layer and its fixed-size twin name the same activation.
pub trait FixedActivation {
    /// Applies the function to `values`.
    fn apply(values: &mut [f32]);
}

/// The identity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Linear;
/// `max(x, 0)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Relu;
/// `1 / (1 + e^-x)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sigmoid;
/// `tanh(x)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tanh;
/// `e^x_i / sum_j e^x_j`, shifted by the maximum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Softmax;

impl FixedActivation for Linear {
    fn apply(_: &mut [f32]) {}
}
impl FixedActivation for Relu {
    fn apply(values: &mut [f32]) {
        values.iter_mut().for_each(|v| *v = v.max(0.0));
    }
}
impl FixedActivation for Sigmoid {
    fn apply(values: &mut [f32]) {
        values
            .iter_mut()
            .for_each(|v| *v = 1.0 / (1.0 + libm::expf(-*v)));
    }
}
impl FixedActivation for Tanh {
    fn apply(values: &mut [f32]) {
        values.iter_mut().for_each(|v| *v = libm::tanhf(*v));
    }
}
impl FixedActivation for Softmax {
    fn apply(values: &mut [f32]) {
        let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in values.iter_mut() {
            *v = libm::expf(*v - max);
            sum += *v;
        }
        values.iter_mut().for_each(|v| *v /= sum);
    }
}

/// `activation(x . kernel + bias)` for one sample, with borrowed fixed-size weights
/// (kernel `[in][out]`, Keras layout, as shaped's `nn::FixedDense` stores it).
pub struct FixedDense<'w, const I: usize, const O: usize, A> {
    kernel: &'w [[f32; O]; I],
    bias: &'w [f32; O],
    activation: PhantomData<A>,
}

impl<'w, const I: usize, const O: usize, A: FixedActivation> FixedDense<'w, I, O, A> {
    /// A layer over the given weights.
    pub const fn new(kernel: &'w [[f32; O]; I], bias: &'w [f32; O]) -> Self {
        FixedDense {
            kernel,
            bias,
            activation: PhantomData,
        }
    }

    /// Writes the layer's output for `x` into `y`; no allocation.
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        *y = *self.bias;
        // Row by row: each input scales one contiguous kernel row (vectorises well), zero
        // inputs (most MNIST pixels) cost nothing, and four rows are folded into `y` per pass
        // so that `y` is read and written a quarter as often.
        let mut pending: [(f32, &[f32; O]); 4] = [(0.0, &self.kernel[0]); 4];
        let mut count = 0;
        for (&xi, row) in x.iter().zip(self.kernel.iter()) {
            if xi != 0.0 {
                pending[count] = (xi, row);
                count += 1;
                if count == 4 {
                    let [(x0, r0), (x1, r1), (x2, r2), (x3, r3)] = pending;
                    for j in 0..O {
                        y[j] += x0 * r0[j] + x1 * r1[j] + x2 * r2[j] + x3 * r3[j];
                    }
                    count = 0;
                }
            }
        }
        for &(xi, row) in &pending[..count] {
            for (yj, &k) in y.iter_mut().zip(row.iter()) {
                *yj += xi * k;
            }
        }
        A::apply(y);
    }
}

/// Two dense layers, the chapter's network shape: `I -> H -> O`.
pub struct FixedMlp<'w, const I: usize, const H: usize, const O: usize, A1, A2> {
    /// The hidden layer.
    pub hidden: FixedDense<'w, I, H, A1>,
    /// The output layer.
    pub output: FixedDense<'w, H, O, A2>,
}

impl<'w, const I: usize, const H: usize, const O: usize, A1: FixedActivation, A2: FixedActivation>
    FixedMlp<'w, I, H, O, A1, A2>
{
    /// Wires two layers; their dims must agree (a compile error otherwise).
    pub const fn new(hidden: FixedDense<'w, I, H, A1>, output: FixedDense<'w, H, O, A2>) -> Self {
        FixedMlp { hidden, output }
    }

    /// Writes the network's output for `x` into `y`. The hidden activations live on the
    /// stack (`H` floats); nothing is allocated.
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        let mut h = [0.0f32; H];
        self.hidden.forward(x, &mut h);
        self.output.forward(&h, y);
    }

    /// The most likely class and its score.
    pub fn classify(&self, x: &[f32; I]) -> (usize, f32) {
        let mut y = [0.0f32; O];
        self.forward(x, &mut y);
        best(&y)
    }
}

/// A dense layer with int8 weights: symmetric, one scale per output channel
/// (`w[i][o] ~ kernel[i][o] * scales[o]`), the input quantized to int8 with a scale
/// calibrated on sample data (`x ~ xq * input_scale`, `xq` in -127..=127), products summed in
/// i32, then scaled back to f32 for the bias and the activation. TensorFlow Lite's
/// per-channel scheme for the weights; unlike it, activations are symmetric (no zero point)
/// and the output stays f32 between layers.
///
/// ```
/// use shaped_embed::{Int8Dense, Linear};
/// // w = [[0.5, -1.0], [1.0, 0.25]]: scales 1/127 and 1/127 per output channel.
/// static K: [[i8; 2]; 2] = [[64, -127], [127, 32]];
/// static S: [f32; 2] = [1.0 / 127.0, 1.0 / 127.0];
/// static B: [f32; 2] = [0.0, 1.0];
/// let layer = Int8Dense::<2, 2, Linear>::new(&K, &S, &B, 1.0 / 127.0);
/// let mut y = [0.0; 2];
/// layer.forward(&[1.0, 1.0], &mut y);
/// assert!((y[0] - 1.5).abs() < 0.01 && (y[1] - 0.25).abs() < 0.01);
/// ```
pub struct Int8Dense<'w, const I: usize, const O: usize, A> {
    kernel: &'w [[i8; O]; I],
    scales: &'w [f32; O],
    bias: &'w [f32; O],
    input_scale: f32,
    activation: PhantomData<A>,
}

impl<'w, const I: usize, const O: usize, A: FixedActivation> Int8Dense<'w, I, O, A> {
    /// A layer over borrowed int8 weights, their per-channel scales, the f32 bias and the
    /// input's scale.
    pub const fn new(
        kernel: &'w [[i8; O]; I],
        scales: &'w [f32; O],
        bias: &'w [f32; O],
        input_scale: f32,
    ) -> Self {
        Int8Dense {
            kernel,
            scales,
            bias,
            input_scale,
            activation: PhantomData,
        }
    }

    /// The input's quantization scale.
    pub fn input_scale(&self) -> f32 {
        self.input_scale
    }

    /// `y = activation(x . w + bias)` in integer arithmetic: no allocation, `O` i32
    /// accumulators on the stack.
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        let mut acc = [0i32; O];
        let inv = if self.input_scale > 0.0 {
            1.0 / self.input_scale
        } else {
            0.0
        };
        for (&xi, row) in x.iter().zip(self.kernel.iter()) {
            let q = quantize(xi * inv);
            if q != 0 {
                for (a, &w) in acc.iter_mut().zip(row.iter()) {
                    *a += q * w as i32;
                }
            }
        }
        for ((yj, &a), (&s, &b)) in y
            .iter_mut()
            .zip(acc.iter())
            .zip(self.scales.iter().zip(self.bias.iter()))
        {
            *yj = a as f32 * (self.input_scale * s) + b;
        }
        A::apply(y);
    }
}

/// The index of the first largest value and that value (a NaN never wins; an empty slice
/// gives `(0, NaN)`).
fn best(y: &[f32]) -> (usize, f32) {
    let mut best = 0;
    for j in 1..y.len() {
        if y[j] > y[best] {
            best = j;
        }
    }
    (best, y.get(best).copied().unwrap_or(f32::NAN))
}

/// Rounds to the nearest integer (halves away from zero) and saturates to -127..=127; NaN
/// becomes 0.
pub fn quantize(v: f32) -> i32 {
    let r = libm::roundf(v);
    if r.is_nan() {
        0
    } else {
        r.clamp(-127.0, 127.0) as i32
    }
}

/// Two int8 dense layers, the hidden activations in f32 on the stack: [`FixedMlp`]'s
/// quantized counterpart.
pub struct Int8Mlp<'w, const I: usize, const H: usize, const O: usize, A1, A2> {
    /// The first layer.
    pub hidden: Int8Dense<'w, I, H, A1>,
    /// The second layer.
    pub output: Int8Dense<'w, H, O, A2>,
}

impl<'w, const I: usize, const H: usize, const O: usize, A1: FixedActivation, A2: FixedActivation>
    Int8Mlp<'w, I, H, O, A1, A2>
{
    /// Chains two layers.
    pub const fn new(hidden: Int8Dense<'w, I, H, A1>, output: Int8Dense<'w, H, O, A2>) -> Self {
        Int8Mlp { hidden, output }
    }

    /// The output for one input.
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        let mut h = [0.0f32; H];
        self.hidden.forward(x, &mut h);
        self.output.forward(&h, y);
    }

    /// The most likely class and its score.
    pub fn classify(&self, x: &[f32; I]) -> (usize, f32) {
        let mut y = [0.0f32; O];
        self.forward(x, &mut y);
        best(&y)
    }
}

/// A boxed `[[f32; O]; R]` filled from row-major `values`, built on the heap directly (a
/// 784 x 512 matrix would overflow a thread's stack as a temporary). `None` when
/// `values.len() != R * O`.
#[cfg(feature = "alloc")]
pub fn boxed_matrix<const R: usize, const C: usize>(
    values: &[f32],
) -> Option<alloc::boxed::Box<[[f32; C]; R]>> {
    if values.len() != R * C {
        return None;
    }
    let rows: alloc::vec::Vec<[f32; C]> = values
        .chunks_exact(C.max(1))
        .map(|c| c.try_into().expect("chunk of C"))
        .collect();
    rows.into_boxed_slice().try_into().ok()
}

/// A boxed `[f32; N]` from `values`; `None` when the length differs.
#[cfg(feature = "alloc")]
pub fn boxed_vector<const N: usize>(values: &[f32]) -> Option<alloc::boxed::Box<[f32; N]>> {
    alloc::boxed::Box::<[f32]>::from(values).try_into().ok()
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;

    #[test]
    fn boxed_storage_checks_lengths() {
        assert!(boxed_matrix::<2, 3>(&[0.0; 5]).is_none());
        let m = boxed_matrix::<2, 3>(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        assert_eq!(m[1], [4.0, 5.0, 6.0]);
        assert!(boxed_vector::<3>(&[1.0; 2]).is_none());
        // A full MNIST kernel, built without a stack temporary (debug test threads have 2 MiB).
        let big = boxed_matrix::<784, 512>(&alloc::vec![0.5; 784 * 512]).unwrap();
        assert_eq!(big[783][511], 0.5);
    }

    #[test]
    fn quantize_rounds_and_saturates() {
        assert_eq!(
            [
                quantize(0.4),
                quantize(0.5),
                quantize(-0.5),
                quantize(1e9),
                quantize(-1e9)
            ],
            [0, 1, -1, 127, -127]
        );
        assert_eq!(quantize(f32::NAN), 0);
    }

    #[test]
    fn int8_dense_sums_in_integers() {
        // Integer inputs at scale 1 are exact: y = x . k * s + b, by hand.
        let k = [[1i8, -2], [3, 4], [-5, 6]];
        let s = [0.5f32, 0.25];
        let b = [1.0f32, -1.0];
        let mut y = [0.0; 2];
        Int8Dense::<3, 2, Linear>::new(&k, &s, &b, 1.0).forward(&[1.0, 2.0, 3.0], &mut y);
        // x . k = [1 + 6 - 15, -2 + 8 + 18] = [-8, 24].
        assert_eq!(y, [-8.0 * 0.5 + 1.0, 24.0 * 0.25 - 1.0]);
        Int8Dense::<3, 2, Relu>::new(&k, &s, &b, 1.0).forward(&[1.0, 2.0, 3.0], &mut y);
        assert_eq!(y, [0.0, 5.0]);
    }

    #[test]
    fn dense_matches_the_formula() {
        let k = [[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]];
        let b = [0.5, -10.0];
        let mut y = [0.0; 2];
        FixedDense::<3, 2, Linear>::new(&k, &b).forward(&[1.0, 2.0, 3.0], &mut y);
        assert_eq!(y, [0.5 + 1.0 + 4.0, -10.0 - 1.0 + 1.0 + 9.0]);
        FixedDense::<3, 2, Relu>::new(&k, &b).forward(&[1.0, 2.0, 3.0], &mut y);
        assert_eq!(y, [5.5, 0.0]);
        FixedDense::<3, 2, Softmax>::new(&k, &b).forward(&[1.0, 2.0, 3.0], &mut y);
        assert!((y[0] + y[1] - 1.0).abs() < 1e-6 && y[0] > 0.99);
    }
}
