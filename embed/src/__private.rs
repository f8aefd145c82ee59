//! Support for the code `include_net!` generates: typed arrays decoded from a safetensors
//! file's bytes at compile time; and the compile-time message buffer shaped's shape checks
//! share. Not a public API.

pub use crate::message::{CAP as MESSAGE_CAP, ConstText};

/// A static's value from the start of a 64-byte cache line: `include_net!`'s kernels.
#[repr(C, align(64))]
pub struct CacheLine<T>(pub T);

/// `N` little-endian f32 values from `bytes[start..]`.
pub const fn vector_f32<const N: usize>(bytes: &[u8], start: usize) -> [f32; N] {
    let mut out = [0.0; N];
    let mut i = 0;
    while i < N {
        out[i] = f32_at(bytes, start + 4 * i);
        i += 1;
    }
    out
}

/// An `R x C` row-major f32 matrix from `bytes[start..]`.
pub const fn matrix_f32<const R: usize, const C: usize>(
    bytes: &[u8],
    start: usize,
) -> [[f32; C]; R] {
    let mut out = [[0.0; C]; R];
    let mut r = 0;
    while r < R {
        out[r] = vector_f32::<C>(bytes, start + 4 * r * C);
        r += 1;
    }
    out
}

/// An `R x C` row-major i8 matrix from `bytes[start..]`.
pub const fn matrix_i8<const R: usize, const C: usize>(bytes: &[u8], start: usize) -> [[i8; C]; R] {
    let mut out = [[0; C]; R];
    let mut r = 0;
    while r < R {
        let mut c = 0;
        while c < C {
            out[r][c] = bytes[start + r * C + c] as i8;
            c += 1;
        }
        r += 1;
    }
    out
}

/// An `R x C` row-major bf16 matrix from `bytes[start..]` (two little-endian bytes each).
pub const fn matrix_bf16<const R: usize, const C: usize>(
    bytes: &[u8],
    start: usize,
) -> [[crate::Bf16; C]; R] {
    let mut out = [[crate::Bf16::ZERO; C]; R];
    let mut r = 0;
    while r < R {
        let mut c = 0;
        while c < C {
            let at = start + 2 * (r * C + c);
            out[r][c] = crate::Bf16::from_bits(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
            c += 1;
        }
        r += 1;
    }
    out
}

/// A `A x B x C x D` f32 convolution kernel (Keras's `(K, K, IC, OC)`) from `bytes[start..]`.
pub const fn kernel_f32<const A: usize, const B: usize, const C: usize, const D: usize>(
    bytes: &[u8],
    start: usize,
) -> [[[[f32; D]; C]; B]; A] {
    let mut out = [[[[0.0; D]; C]; B]; A];
    let mut a = 0;
    while a < A {
        let mut b = 0;
        while b < B {
            out[a][b] = matrix_f32::<C, D>(bytes, start + 4 * (a * B + b) * C * D);
            b += 1;
        }
        a += 1;
    }
    out
}

const fn f32_at(bytes: &[u8], at: usize) -> f32 {
    f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// `y += x . kernel` for a row-major kernel of `x.len()` rows and `y.len()` columns, with
/// the sums (and so the bits) of [`FixedDense`](crate::FixedDense), on the widest kernel
/// this CPU runs: for shaped's `ParallelDense`, whose blocks of columns are matrices of a
/// width known at run time.
///
/// # Panics
/// When `kernel.len() != x.len() * y.len()`.
pub fn f32_rows(x: &[f32], kernel: &[f32], y: &mut [f32]) {
    crate::kernels::f32_rows(crate::kernels::F32Kernel::detect(), x, kernel, y);
}

/// [`f32_rows`] for a bf16 kernel, with the bits of [`Bf16Dense`](crate::Bf16Dense) on
/// the widest kernel this CPU runs.
///
/// # Panics
/// When `kernel.len() != x.len() * y.len()`.
pub fn bf16_rows(x: &[f32], kernel: &[crate::Bf16], y: &mut [f32]) {
    crate::kernels::bf16_rows(crate::Bf16Kernel::detect(), x, kernel, y);
}

/// Quantizes `x` at `input_scale` into `words` as [`Int8Dense`](crate::Int8Dense) does
/// (four values a word); true when no value is negative. For shaped's
/// `ParallelInt8Dense`.
#[inline]
pub fn quantize_words<const I: usize>(x: &[f32; I], input_scale: f32, words: &mut [f32]) -> bool {
    crate::int8::quantize_words(x, input_scale, words)
}

/// Turns integer sums back into f32 outputs with the bias, as
/// [`Int8Dense`](crate::Int8Dense) does: `y[o] * (input_scale * scales[o]) + bias[o]`.
pub fn int8_rescale(y: &mut [f32], input_scale: f32, scales: &[f32], bias: &[f32]) {
    crate::int8::rescale(y, input_scale, scales, bias);
}

/// `out[o] = sum_r q[r] * kernel[r][o]` (as f32, from an exact i32 sum) for a row-major
/// kernel of `rows` rows and `out.len()` columns and the quantized inputs `words`, on the
/// fastest kernel this CPU runs: the integer sums of [`Int8Dense`](crate::Int8Dense).
///
/// # Panics
/// When `kernel` or `words` is too short for `rows` and `out.len()`.
pub fn int8_rows(words: &[f32], nonnegative: bool, kernel: &[i8], rows: usize, out: &mut [f32]) {
    crate::kernels::int8_matvec(
        crate::Int8Kernel::detect(),
        words,
        nonnegative,
        kernel,
        rows,
        out,
    );
}
