//! bfloat16 weights: [`Bf16`], and [`Bf16Dense`], a dense layer over them that stores half
//! the bytes of [`FixedDense`](crate::FixedDense) and computes in f32.

use core::marker::PhantomData;

use crate::activation::FixedActivation;
use crate::kernels::{Bf16Kernel, bf16_rows};
use crate::layer::FixedLayer;

/// A bfloat16 number: the upper 16 bits of an `f32` (its sign, its 8-bit exponent and 7
/// of its 23 mantissa bits). Every bf16 is exactly an `f32`; an `f32` rounds to the
/// nearest bf16 with about 3 significant decimal digits, over f32's whole range.
///
/// ```
/// use shaped_embed::Bf16;
/// assert_eq!(Bf16::from_f32(1.0).to_f32(), 1.0);
/// assert_eq!(Bf16::from_f32(0.1).to_f32(), 0.10009765625);
/// assert_eq!(Bf16::from_f32(1.0).to_bits(), 0x3f80);
/// ```
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bf16(u16);

impl Bf16 {
    /// Positive zero.
    pub const ZERO: Bf16 = Bf16(0);

    /// The bf16 nearest to `v`, ties to the even one (IEEE rounding): values beyond the
    /// largest finite bf16 (about 3.39e38) become infinite, NaN stays NaN (made quiet).
    pub const fn from_f32(v: f32) -> Bf16 {
        let bits = v.to_bits();
        if v.is_nan() {
            // Keep the sign and the top payload bits; set the quiet bit so that a payload
            // living only in the dropped bits does not turn the NaN into an infinity.
            return Bf16((bits >> 16) as u16 | 0x0040);
        }
        // Adding 0x7fff (plus one when the kept part is odd) carries into the kept bits
        // exactly when the dropped part is above half, or half with an odd kept part.
        let round = 0x7fff + ((bits >> 16) & 1);
        Bf16((bits.wrapping_add(round) >> 16) as u16)
    }

    /// The value as an `f32` (exact).
    pub const fn to_f32(self) -> f32 {
        f32::from_bits((self.0 as u32) << 16)
    }

    /// The 16 bits (the upper half of the `f32`'s bits), as safetensors' `BF16` stores them
    /// (little-endian).
    pub const fn to_bits(self) -> u16 {
        self.0
    }

    /// The bf16 with these bits.
    pub const fn from_bits(bits: u16) -> Bf16 {
        Bf16(bits)
    }
}

/// `activation(x . kernel + bias)` for one sample, with a bf16 kernel (`[in][out]`, as
/// [`FixedDense`](crate::FixedDense) takes it) and an f32 bias. Each weight is widened to
/// f32 exactly and the sums are those of `FixedDense` over the widened kernel, to the bit:
/// the only difference from f32 weights is the rounding of each weight to bf16 (relative
/// error at most 2^-8). Half the bytes: the chapter's 784 x 512 kernel is 802 KB, within
/// one core's L2 cache on many x86 CPUs, and half the flash on a microcontroller. On x86
/// the widening runs on AVX-512 or AVX2 when the CPU has them.
///
/// ```
/// use shaped_embed::{Bf16, Bf16Dense, Linear};
/// static K: [[Bf16; 2]; 2] = [
///     [Bf16::from_f32(0.5), Bf16::from_f32(-1.0)],
///     [Bf16::from_f32(1.0), Bf16::from_f32(0.25)],
/// ];
/// static B: [f32; 2] = [0.0, 1.0];
/// let layer = Bf16Dense::<2, 2, Linear>::new(&K, &B);
/// let mut y = [0.0; 2];
/// layer.forward(&[1.0, 1.0], &mut y);
/// assert_eq!(y, [1.5, 0.25]);
/// ```
pub struct Bf16Dense<'w, const I: usize, const O: usize, A> {
    kernel: &'w [[Bf16; O]; I],
    bias: &'w [f32; O],
    activation: PhantomData<A>,
}

impl<'w, const I: usize, const O: usize, A: FixedActivation> Bf16Dense<'w, I, O, A> {
    /// A layer over the given weights.
    pub const fn new(kernel: &'w [[Bf16; O]; I], bias: &'w [f32; O]) -> Self {
        Bf16Dense {
            kernel,
            bias,
            activation: PhantomData,
        }
    }

    /// The weights the layer reads, `[in][out]`.
    pub const fn kernel(&self) -> &'w [[Bf16; O]; I] {
        self.kernel
    }

    /// Writes the layer's output for `x` into `y`; no allocation, no scratch.
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        *y = *self.bias;
        bf16_rows(Bf16Kernel::detect(), x, self.kernel.as_flattened(), y);
        A::apply(y);
    }
}

impl<const I: usize, const O: usize, A: FixedActivation> FixedLayer for Bf16Dense<'_, I, O, A> {
    type Input = [f32; I];
    type Output = [f32; O];
    const SCRATCH: usize = 0;
    fn forward_with(&self, x: &[f32; I], y: &mut [f32; O], _: &mut [f32]) {
        Bf16Dense::forward(self, x, y);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FixedDense, Relu};

    #[test]
    fn rounds_to_the_nearest_bf16_ties_to_even() {
        let round = |bits: u32| Bf16::from_f32(f32::from_bits(bits)).to_bits();
        // Dropped part below, at and above half; kept part even (0x3f80) or odd (0x3f81).
        assert_eq!(round(0x3f80_7fff), 0x3f80);
        assert_eq!(round(0x3f80_8000), 0x3f80); // tie, kept part even: stays
        assert_eq!(round(0x3f81_8000), 0x3f82); // tie, kept part odd: up to even
        assert_eq!(round(0x3f80_8001), 0x3f81);
        assert_eq!(round(0xbf80_c000), 0xbf81); // negative: magnitude rounds the same way
        // The largest finite f32 is past the largest finite bf16's halfway point: infinity.
        assert_eq!(round(0x7f7f_ffff), 0x7f80);
        assert_eq!(round(0x7f7f_7fff), 0x7f7f);
        assert_eq!(Bf16::from_f32(f32::INFINITY).to_bits(), 0x7f80);
        assert_eq!(Bf16::from_f32(f32::NEG_INFINITY).to_bits(), 0xff80);
        assert_eq!(Bf16::from_f32(-0.0).to_bits(), 0x8000);
        // Subnormals round like any other value.
        assert_eq!(round(0x0000_8000), 0x0000);
        assert_eq!(round(0x0001_8000), 0x0002);
    }

    #[test]
    fn nan_stays_nan_even_with_its_payload_in_the_dropped_bits() {
        for bits in [0x7fc0_0000, 0x7f80_0001, 0xff80_0001, 0x7fbf_ffff] {
            let b = Bf16::from_f32(f32::from_bits(bits));
            assert!(b.to_f32().is_nan(), "{bits:#x} -> {:#x}", b.to_bits());
            assert_eq!(
                b.to_bits() & 0x8000,
                (bits >> 16) as u16 & 0x8000,
                "sign kept"
            );
        }
    }

    #[test]
    fn every_value_comes_back_within_half_a_step() {
        let mut v = 1.0e-30f32;
        while v < 1.0e30 {
            for x in [v, -v, v * 1.37] {
                let back = Bf16::from_f32(x).to_f32();
                assert!((back - x).abs() <= x.abs() * (1.0 / 256.0), "{x} -> {back}");
                assert_eq!(Bf16::from_f32(back).to_f32(), back, "a bf16 is exact");
            }
            v *= 3.7;
        }
    }

    #[test]
    fn the_layer_is_fixed_dense_over_the_widened_weights() {
        let k: [[Bf16; 3]; 5] = core::array::from_fn(|i| {
            core::array::from_fn(|j| Bf16::from_f32((i * 3 + j) as f32 * 0.137 - 0.9))
        });
        let widened: [[f32; 3]; 5] = k.map(|row| row.map(Bf16::to_f32));
        let b = [0.1, -0.2, 0.3];
        let x = [1.0, 0.0, -2.0, 0.5, 3.0];
        let (mut got, mut want) = ([0.0; 3], [0.0; 3]);
        Bf16Dense::<5, 3, Relu>::new(&k, &b).forward(&x, &mut got);
        FixedDense::<5, 3, Relu>::new(&widened, &b).forward(&x, &mut want);
        assert_eq!(got.map(f32::to_bits), want.map(f32::to_bits));
    }
}
