//! Embedding a trained net: fixed-size weights and an allocation-free forward pass.
//!
//! The inference core is the `no_std` crate `shaped-embed`, re-exported here; this module
//! adds the bridge from a trained [`nn::Dense`] to fixed-size storage.

pub use shaped_embed::*;

use crate::nn;

/// Weights of one layer in fixed-size heap storage, taken from a trained layer.
pub struct FixedWeights<const I: usize, const O: usize> {
    /// `[in][out]`, as the trained layer's kernel.
    pub kernel: Box<[[f32; O]; I]>,
    /// `[out]`.
    pub bias: Box<[f32; O]>,
}

impl<const I: usize, const O: usize> FixedWeights<I, O> {
    /// Copies a trained layer's parameters (the shapes agree by type).
    pub fn from_dense<A: nn::Activation>(layer: &nn::Dense<I, O, A, f32>) -> Self {
        FixedWeights {
            kernel: boxed_matrix(layer.kernel.as_slice()).expect("kernel is I x O by type"),
            bias: boxed_vector(layer.bias.as_slice()).expect("bias is O by type"),
        }
    }

    /// A fixed-size layer over these weights.
    pub fn layer<A: FixedActivation>(&self) -> FixedDense<'_, I, O, A> {
        FixedDense::new(&self.kernel, &self.bias)
    }
}

/// A trained dense layer quantized to int8 for [`Int8Dense`]: symmetric weights with one
/// scale per output channel (the channel's largest magnitude maps to 127), the bias kept in
/// f32, and the input's scale (from [`input_scale`] on calibration data).
///
/// ```
/// use shaped::embed::{Int8Weights, Linear, input_scale};
/// use shaped::nn::Dense;
/// let dense = Dense::<3, 2>::new(0);
/// let q = Int8Weights::from_dense(&dense, input_scale([0.5, -1.0, 0.25]));
/// let mut y = [0.0; 2];
/// q.layer::<Linear>().forward(&[0.5, -1.0, 0.25], &mut y);
/// let k = dense.kernel.as_slice();
/// let exact = [0.5 * k[0] - k[2] + 0.25 * k[4], 0.5 * k[1] - k[3] + 0.25 * k[5]];
/// assert!((y[0] - exact[0]).abs() < 0.02 && (y[1] - exact[1]).abs() < 0.02);
/// ```
pub struct Int8Weights<const I: usize, const O: usize> {
    /// `(I, O)`, row-major like the f32 kernel.
    pub kernel: Box<[[i8; O]; I]>,
    /// Per output channel: `w ~ kernel * scale`.
    pub scales: Box<[f32; O]>,
    /// The f32 bias.
    pub bias: Box<[f32; O]>,
    /// The input's scale.
    pub input_scale: f32,
}

impl<const I: usize, const O: usize> Int8Weights<I, O> {
    /// Quantizes `layer`'s kernel per output channel; `input_scale` is the scale its inputs
    /// will be quantized with.
    pub fn from_dense<A: nn::Activation>(
        layer: &nn::Dense<I, O, A, f32>,
        input_scale: f32,
    ) -> Self {
        let w = layer.kernel.as_slice();
        let mut scales = [0.0f32; O];
        for row in w.chunks_exact(O.max(1)) {
            for (s, &v) in scales.iter_mut().zip(row) {
                *s = s.max(v.abs());
            }
        }
        // An all-zero channel keeps scale 1 (its weights quantize to 0 either way).
        scales
            .iter_mut()
            .for_each(|s| *s = if *s > 0.0 { *s / 127.0 } else { 1.0 });
        let rows: Vec<[i8; O]> = w
            .chunks_exact(O.max(1))
            .map(|row| core::array::from_fn(|o| shaped_embed::quantize(row[o] / scales[o]) as i8))
            .collect();
        Int8Weights {
            kernel: rows.into_boxed_slice().try_into().expect("I rows by type"),
            scales: Box::new(scales),
            bias: boxed_vector(layer.bias.as_slice()).expect("bias is O by type"),
            input_scale,
        }
    }

    /// The layer over these weights, with activation `A`.
    pub fn layer<A: FixedActivation>(&self) -> Int8Dense<'_, I, O, A> {
        Int8Dense::new(&self.kernel, &self.scales, &self.bias, self.input_scale)
    }
}

/// The symmetric int8 scale for inputs like `samples`: their largest magnitude maps to 127
/// (1.0 for all-zero or empty samples). NaN and infinities are ignored.
pub fn input_scale(samples: impl IntoIterator<Item = f32>) -> f32 {
    let max = samples
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0f32, |m, v| m.max(v.abs()));
    if max > 0.0 { max / 127.0 } else { 1.0 }
}
