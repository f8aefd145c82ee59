//! `Int8Dense`: a dense layer with int8 weights and integer products, and the two-layer
//! `Int8Mlp`.

use core::marker::PhantomData;

use crate::activation::FixedActivation;
use crate::kernels::{Int8Kernel, int8_matvec};
use crate::layer::{FixedLayer, best};

/// A dense layer with int8 weights: symmetric, one scale per output channel
/// (`w[i][o] ~ kernel[i][o] * scales[o]`), the input quantized to int8 with a scale
/// calibrated on sample data (`x ~ xq * input_scale`, `xq` in -127..=127), products summed in
/// i32, then scaled back to f32 for the bias and the activation. TensorFlow Lite's
/// per-channel scheme for the weights; unlike it, activations are symmetric (no zero point)
/// and the output stays f32 between layers. On x86 the products run on VNNI instructions
/// when the CPU has them ([`Int8Kernel::detect`]); every kernel gives the same bits.
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

    /// `y = activation(x . w + bias)` in integer arithmetic, with the fastest kernel of this
    /// CPU; no allocation (the quantized input takes `I` floats of stack here; a net of
    /// these layers shares one scratch buffer instead, see [`FixedLayer`]).
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        self.forward_using(Int8Kernel::detect(), x, y, &mut [0.0; I]);
    }

    /// [`forward`](Self::forward) with a chosen kernel (one this CPU lacks falls back to the
    /// portable one) and the quantized input in `scratch` (at least `I.div_ceil(4)` floats).
    ///
    /// # Panics
    /// When `scratch` is shorter than that.
    pub fn forward_using(
        &self,
        kernel: Int8Kernel,
        x: &[f32; I],
        y: &mut [f32; O],
        scratch: &mut [f32],
    ) {
        let words = &mut scratch[..I.div_ceil(4)];
        let nonnegative = quantize_words(x, self.input_scale, words);
        int8_matvec(kernel, words, nonnegative, self.kernel.as_flattened(), I, y);
        rescale(y, self.input_scale, self.scales, self.bias);
        A::apply(y);
    }
}

/// Turns the integer sums in `y` back into f32 outputs: `y[o] * (input_scale * scales[o])
/// + bias[o]`.
pub(crate) fn rescale(y: &mut [f32], input_scale: f32, scales: &[f32], bias: &[f32]) {
    for (yj, (&s, &b)) in y.iter_mut().zip(scales.iter().zip(bias)) {
        *yj = *yj * (input_scale * s) + b;
    }
}

/// Quantizes `x` at `input_scale` four values to a word of `words` (little-endian bytes in
/// an f32's bits); true when no value is negative.
///
/// Generic over `I` so that each layer's loop is compiled for its own size (as a slice, the
/// quantization took 40% longer: 7.0 -> 9.9 us for the chapter's int8 net).
pub(crate) fn quantize_words<const I: usize>(
    x: &[f32; I],
    input_scale: f32,
    words: &mut [f32],
) -> bool {
    let inv = if input_scale > 0.0 {
        1.0 / input_scale
    } else {
        0.0
    };
    let mut nonnegative = true;
    for (word, chunk) in words.iter_mut().zip(x.chunks(4)) {
        let mut bytes = [0u8; 4];
        for (b, &v) in bytes.iter_mut().zip(chunk) {
            let q = quantize(v * inv);
            nonnegative &= q >= 0;
            *b = q as i8 as u8;
        }
        *word = f32::from_bits(u32::from_le_bytes(bytes));
    }
    nonnegative
}

impl<const I: usize, const O: usize, A: FixedActivation> FixedLayer for Int8Dense<'_, I, O, A> {
    type Input = [f32; I];
    type Output = [f32; O];
    /// The quantized input, four values per float.
    const SCRATCH: usize = I.div_ceil(4);
    fn forward_with(&self, x: &[f32; I], y: &mut [f32; O], scratch: &mut [f32]) {
        self.forward_using(Int8Kernel::detect(), x, y, scratch);
    }
}

/// Rounds to the nearest integer (halves away from zero) and saturates to -127..=127; NaN
/// becomes 0.
#[inline]
pub fn quantize(v: f32) -> i32 {
    // Clamped first, the value's integer part fits an i32 and its fraction `v - t` is exact;
    // NaN stays NaN through `clamp`, casts to 0 and has no fraction to round. Branch-free
    // once inlined (a call to `roundf` per input took a third of an int8 layer's time).
    let v = v.clamp(-128.0, 128.0);
    let t = v as i32;
    let away = (v - t as f32).abs() >= 0.5;
    (t + i32::from(away) * if v < 0.0 { -1 } else { 1 }).clamp(-127, 127)
}

/// Two int8 dense layers, the hidden activations in f32 on the stack: [`FixedMlp`]'s
/// quantized counterpart (a tuple of [`Int8Dense`] layers is the any-depth form).
///
/// [`FixedMlp`]: crate::FixedMlp
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Linear, Relu};

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
        assert_eq!(
            (quantize(f32::INFINITY), quantize(f32::NEG_INFINITY)),
            (127, -127)
        );
    }

    #[test]
    fn quantize_rounds_as_roundf_does() {
        // Every float from -130 to 130 in steps of 1/1024 (halves, quarters, integers), and
        // the floats next to every half, against libm's round-half-away-from-zero.
        let reference = |v: f32| libm::roundf(v).clamp(-127.0, 127.0) as i32;
        for i in -130 * 1024..=130 * 1024 {
            let v = i as f32 / 1024.0;
            assert_eq!(quantize(v), reference(v), "{v}");
        }
        for i in -260..=260 {
            let half = i as f32 / 2.0;
            for v in [half.next_down(), half, half.next_up()] {
                assert_eq!(quantize(v), reference(v), "{v:e}");
            }
        }
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
        // Negative inputs (the VNNI kernels' offset path) by hand: x . k = [-1 - 6, 2 - 8].
        Int8Dense::<3, 2, Linear>::new(&k, &s, &b, 1.0).forward(&[-1.0, -2.0, 0.0], &mut y);
        assert_eq!(y, [-7.0 * 0.5 + 1.0, -6.0 * 0.25 - 1.0]);
    }

    #[test]
    fn every_kernel_gives_the_same_layer_output() {
        let kernel: [[i8; 40]; 37] = core::array::from_fn(|i| {
            core::array::from_fn(|j| ((i * 31 + j * 17) % 255) as u8 as i8)
        });
        let scales = [0.01f32; 40];
        let bias: [f32; 40] = core::array::from_fn(|j| j as f32 * 0.1 - 2.0);
        let layer = Int8Dense::<37, 40, Linear>::new(&kernel, &scales, &bias, 0.05);
        let x: [f32; 37] = core::array::from_fn(|i| (i as f32 * 0.37).sin() * 6.0);
        let mut expected = [0.0; 40];
        layer.forward_using(Int8Kernel::Portable, &x, &mut expected, &mut [0.0; 10]);
        for kind in [
            Int8Kernel::AvxVnni,
            Int8Kernel::Avx512Vnni,
            Int8Kernel::detect(),
        ] {
            let mut y = [0.0; 40];
            layer.forward_using(kind, &x, &mut y, &mut [0.0; 10]);
            assert_eq!(y, expected, "{kind:?}");
        }
    }
}
