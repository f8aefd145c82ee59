//! `y += x . kernel` for a row-major f32 kernel on 512- and 256-bit registers. The sums are
//! written exactly as the portable loop writes them (nonzero inputs taken four at a time,
//! `y + (((x0 r0 + x1 r1) + x2 r2) + x3 r3)`, separate multiplies and adds, no fused
//! multiply-add), so every kernel gives the same bits; the speed comes from the width and
//! from keeping a block of `y` in registers across all rows. One macro writes both widths.

use core::arch::x86_64::*;

use super::Groups;

macro_rules! rows_kernel {
    (
        $rows:ident, $block:ident, $feature:literal, $lanes:literal, $vec:ty,
        $load:ident, $store:ident, $set1:ident, $add:ident, $mul:ident, blocks: [$($n:literal),*]
    ) => {
        /// Adds the rows to `y` for columns `0..` in blocks of whole registers; returns the
        /// columns done.
        ///
        /// # Safety
        #[doc = concat!("The CPU must support ", $feature, "; `kernel.len() == x.len() * y.len()`.")]
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn $rows(x: &[f32], kernel: &[f32], y: &mut [f32]) -> usize {
            let cols = y.len();
            let mut c = 0;
            $(
                while c + $lanes * $n <= cols {
                    // SAFETY: columns c..c + lanes * n exist; lengths as required.
                    unsafe { $block::<$n>(x, kernel, y, c) };
                    c += $lanes * $n;
                }
            )*
            c
        }

        /// `N` registers of `y` from column `c`, through every row.
        ///
        /// # Safety
        #[doc = concat!("The CPU must support ", $feature, "; columns `c..c + lanes N` exist; `kernel.len() == x.len() * y.len()`.")]
        #[target_feature(enable = $feature)]
        unsafe fn $block<const N: usize>(x: &[f32], kernel: &[f32], y: &mut [f32], c: usize) {
            let cols = y.len();
            debug_assert!(c + $lanes * N <= cols && kernel.len() == x.len() * cols);
            let at = |r: usize, k: usize| {
                // SAFETY: r < x.len() (rows come from enumerating x) and
                // c + lanes (k + 1) <= cols, so the lanes lie inside `kernel`.
                unsafe { $load(kernel.as_ptr().add(r * cols + c + $lanes * k)) }
            };
            // SAFETY: columns c..c + lanes N of y exist.
            let mut acc: [$vec; N] = core::array::from_fn(|k| unsafe { $load(y.as_ptr().add(c + $lanes * k)) });
            for group in Groups::new(x) {
                match group {
                    [Some((x0, r0)), Some((x1, r1)), Some((x2, r2)), Some((x3, r3))] => {
                        let (b0, b1, b2, b3) = ($set1(x0), $set1(x1), $set1(x2), $set1(x3));
                        for (k, a) in acc.iter_mut().enumerate() {
                            let t = $add($add($add($mul(b0, at(r0, k)), $mul(b1, at(r1, k))), $mul(b2, at(r2, k))), $mul(b3, at(r3, k)));
                            *a = $add(*a, t);
                        }
                    }
                    rest => {
                        for (xi, r) in rest.into_iter().flatten() {
                            let b = $set1(xi);
                            for (k, a) in acc.iter_mut().enumerate() {
                                *a = $add(*a, $mul(b, at(r, k)));
                            }
                        }
                    }
                }
            }
            for (k, a) in acc.iter().enumerate() {
                // SAFETY: columns c..c + lanes N of y exist.
                unsafe { $store(y.as_mut_ptr().add(c + $lanes * k), *a) };
            }
        }
    };
}

// 16 accumulators of 16 lanes fit AVX-512's 32 registers with the four broadcasts.
rows_kernel!(
    rows_avx512, block_avx512, "avx512f", 16, __m512,
    _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_add_ps, _mm512_mul_ps,
    blocks: [16, 4, 1]
);
// 8 accumulators of 8 lanes fit AVX's 16 registers with the four broadcasts.
rows_kernel!(
    rows_avx, block_avx, "avx", 8, __m256,
    _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_add_ps, _mm256_mul_ps,
    blocks: [8, 1]
);
