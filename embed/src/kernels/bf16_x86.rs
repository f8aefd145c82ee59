//! `y += x . kernel` for a row-major bf16 kernel on 512- and 256-bit registers: the sums of
//! the f32 kernels (nonzero inputs four at a time, `y + (((x0 r0 + x1 r1) + x2 r2) + x3 r3)`,
//! separate multiplies and adds) over the weights widened to f32, so the same bits.
//!
//! A register of `2L` weights is read once and widened without a shuffle: as `L` 32-bit
//! words, a shift left by 16 gives the even columns' f32 values and clearing the low half
//! the odd columns'. (Widening each value in its own lane, `vpmovzxwd`, ran at 19.8 us for
//! the chapter's 784 x 512 layer here, no faster than f32: the shuffle was the limit.) So a
//! block keeps its even and odd columns in separate accumulators; `y`'s columns are split
//! into them before the rows and merged back after.

use core::arch::x86_64::*;

use super::Groups;
use crate::bf16::Bf16;

macro_rules! bf16_kernel {
    (
        $rows:ident, $block:ident, $feature:literal, $lanes:literal, $vec:ty, $ivec:ty,
        $load_weights:ident, $masked_load_weights:ident, $mask:ident,
        $loadu:ident, $storeu:ident, $set1:ident, $add:ident, $mul:ident,
        $shift:ident, $and:ident, $set1_word:ident, $cast:ident, blocks: [$($n:literal),*]
    ) => {
        /// Adds the rows to `y` for every column: blocks of whole registers, then the last
        /// columns in one register whose other values are not read.
        ///
        /// # Safety
        #[doc = concat!("The CPU must support ", $feature, "; `kernel.len() == x.len() * y.len()`.")]
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn $rows(x: &[f32], kernel: &[Bf16], y: &mut [f32]) {
            let cols = y.len();
            let mut c = 0;
            $(
                while c + 2 * $lanes * $n <= cols {
                    // SAFETY: every register reads 2 * lanes values of a row from a column
                    // below c + 2 * lanes * n <= cols.
                    let weights = |p: *const Bf16| unsafe { $load_weights(p) };
                    // SAFETY: columns c..c + 2 * lanes * n exist; lengths as required.
                    unsafe { $block::<$n>(x, kernel, y, c, 2 * $lanes * $n, weights) };
                    c += 2 * $lanes * $n;
                }
            )*
            if c < cols {
                let mask = $mask(cols - c);
                // SAFETY: the register reads only the cols - c (< 2 * lanes) values from
                // column c of a row, which `mask` selects.
                let weights = |p: *const Bf16| unsafe { $masked_load_weights(mask, p) };
                // SAFETY: as above; lengths as required.
                unsafe { $block::<1>(x, kernel, y, c, cols - c, weights) };
            }
        }

        /// Columns `c..c + width` (`width <= 2 * lanes * N`) of `y`, through every row.
        ///
        /// # Safety
        #[doc = concat!("The CPU must support ", $feature, "; `weights` must read only the columns below `c + width` of the `N` registers at `c` (2 lanes values each) in a row; `c + width <= y.len()`; `kernel.len() == x.len() * y.len()`.")]
        #[target_feature(enable = $feature)]
        unsafe fn $block<const N: usize>(
            x: &[f32],
            kernel: &[Bf16],
            y: &mut [f32],
            c: usize,
            width: usize,
            weights: impl Fn(*const Bf16) -> $ivec,
        ) {
            let cols = y.len();
            debug_assert!(c + width <= cols && kernel.len() == x.len() * cols);
            // y's columns split into even and odd ones per register (zero past `width`).
            let mut even = [[0.0f32; $lanes]; N];
            let mut odd = [[0.0f32; $lanes]; N];
            for (i, &v) in y[c..c + width].iter().enumerate() {
                let (k, lane) = (i / (2 * $lanes), i % (2 * $lanes) / 2);
                if i % 2 == 0 { even[k][lane] = v } else { odd[k][lane] = v }
            }
            // SAFETY: each array holds `lanes` values.
            let mut acc_even: [$vec; N] = core::array::from_fn(|k| unsafe { $loadu(even[k].as_ptr()) });
            // SAFETY: as above.
            let mut acc_odd: [$vec; N] = core::array::from_fn(|k| unsafe { $loadu(odd[k].as_ptr()) });
            let high = $set1_word(-65536); // 0xffff0000: a word's upper half
            // Row r's register k: columns c + 2 lanes k.. of row r, inside the row (the
            // caller's contract), read by `weights`; widened as the module says.
            let at = |r: usize, k: usize| {
                let w = weights(kernel.as_ptr().wrapping_add(r * cols + c + 2 * $lanes * k));
                ($cast($shift::<16>(w)), $cast($and(w, high)))
            };
            for group in Groups::new(x) {
                match group {
                    [Some((x0, r0)), Some((x1, r1)), Some((x2, r2)), Some((x3, r3))] => {
                        let (b0, b1, b2, b3) = ($set1(x0), $set1(x1), $set1(x2), $set1(x3));
                        for k in 0..N {
                            let ((e0, o0), (e1, o1)) = (at(r0, k), at(r1, k));
                            let ((e2, o2), (e3, o3)) = (at(r2, k), at(r3, k));
                            let te = $add($add($add($mul(b0, e0), $mul(b1, e1)), $mul(b2, e2)), $mul(b3, e3));
                            let to = $add($add($add($mul(b0, o0), $mul(b1, o1)), $mul(b2, o2)), $mul(b3, o3));
                            acc_even[k] = $add(acc_even[k], te);
                            acc_odd[k] = $add(acc_odd[k], to);
                        }
                    }
                    rest => {
                        for (xi, r) in rest.into_iter().flatten() {
                            let b = $set1(xi);
                            for k in 0..N {
                                let (e, o) = at(r, k);
                                acc_even[k] = $add(acc_even[k], $mul(b, e));
                                acc_odd[k] = $add(acc_odd[k], $mul(b, o));
                            }
                        }
                    }
                }
            }
            for k in 0..N {
                // SAFETY: each array holds `lanes` values.
                unsafe {
                    $storeu(even[k].as_mut_ptr(), acc_even[k]);
                    $storeu(odd[k].as_mut_ptr(), acc_odd[k]);
                }
            }
            for (i, v) in y[c..c + width].iter_mut().enumerate() {
                let (k, lane) = (i / (2 * $lanes), i % (2 * $lanes) / 2);
                *v = if i % 2 == 0 { even[k][lane] } else { odd[k][lane] };
            }
        }
    };
}

/// The first `n` (below 32) of 32 16-bit lanes.
#[target_feature(enable = "avx512f")]
fn mask_avx512(n: usize) -> __mmask32 {
    ((1u64 << n) - 1) as __mmask32
}

/// # Safety
/// The CPU must support AVX-512F; 32 values (64 bytes) are readable from `p`.
#[target_feature(enable = "avx512f")]
unsafe fn load_avx512(p: *const Bf16) -> __m512i {
    // SAFETY: the caller's contract.
    unsafe { _mm512_loadu_si512(p.cast()) }
}

/// # Safety
/// The CPU must support AVX-512F and BW; the values `mask` selects are readable from `p`.
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn masked_load_avx512(mask: __mmask32, p: *const Bf16) -> __m512i {
    // SAFETY: the caller's contract; masked-off values are not read.
    unsafe { _mm512_maskz_loadu_epi16(mask, p.cast()) }
}

/// The count of values to read (AVX2 has no 16-bit masked load).
#[target_feature(enable = "avx2")]
fn count_avx2(n: usize) -> usize {
    n
}

/// # Safety
/// The CPU must support AVX2; 16 values (32 bytes) are readable from `p`.
#[target_feature(enable = "avx2")]
unsafe fn load_avx2(p: *const Bf16) -> __m256i {
    // SAFETY: the caller's contract.
    unsafe { _mm256_loadu_si256(p.cast()) }
}

/// # Safety
/// The CPU must support AVX2; `n` (below 16) values are readable from `p`. They are copied
/// into a zeroed register-sized buffer first.
#[target_feature(enable = "avx2")]
unsafe fn masked_load_avx2(n: usize, p: *const Bf16) -> __m256i {
    let mut buffer = [Bf16::ZERO; 16];
    // SAFETY: the caller's contract; `buffer` has room for 16 >= n values.
    unsafe { core::ptr::copy_nonoverlapping(p, buffer.as_mut_ptr(), n.min(16)) };
    // SAFETY: `buffer` is 32 readable bytes.
    unsafe { load_avx2(buffer.as_ptr()) }
}

// 4 pairs of accumulators (128 columns), 4 broadcasts and 8 widened registers: 21 of
// AVX-512's 32 registers (with 8 pairs the compiler kept some on the stack; no faster).
bf16_kernel!(
    rows_avx512, block_avx512, "avx512f,avx512bw", 16, __m512, __m512i,
    load_avx512, masked_load_avx512, mask_avx512,
    _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_add_ps, _mm512_mul_ps,
    _mm512_slli_epi32, _mm512_and_si512, _mm512_set1_epi32, _mm512_castsi512_ps,
    blocks: [4, 1]
);
// 2 pairs of accumulators (32 columns) fit AVX's 16 registers with the broadcasts.
bf16_kernel!(
    rows_avx2, block_avx2, "avx2", 8, __m256, __m256i,
    load_avx2, masked_load_avx2, count_avx2,
    _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_add_ps, _mm256_mul_ps,
    _mm256_slli_epi32, _mm256_and_si256, _mm256_set1_epi32, _mm256_castsi256_ps,
    blocks: [2, 1]
);
