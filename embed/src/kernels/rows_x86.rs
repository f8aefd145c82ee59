//! `y += x . kernel` for a row-major f32 kernel on 512- and 256-bit registers. The sums are
//! written exactly as the portable loop writes them (nonzero inputs taken four at a time,
//! `y + (((x0 r0 + x1 r1) + x2 r2) + x3 r3)`, separate multiplies and adds, no fused
//! multiply-add), so every kernel gives the same bits; the speed comes from the width and
//! from keeping a block of `y` in registers across all rows. The last columns that do not
//! fill a register (all ten of a classifier's output layer) take one masked register: the
//! masked-off lanes are neither read nor written. One macro writes both widths.

use core::arch::x86_64::*;

use super::Groups;

macro_rules! rows_kernel {
    (
        $rows:ident, $block:ident, $feature:literal, $lanes:literal, $vec:ty,
        $load:ident, $store:ident, $set1:ident, $add:ident, $mul:ident,
        $mask:ident, $masked_load:ident, $masked_store:ident, blocks: [$($n:literal),*]
    ) => {
        /// Adds the rows to `y` for every column: blocks of whole registers, then the last
        /// columns in one masked register.
        ///
        /// # Safety
        #[doc = concat!("The CPU must support ", $feature, "; `kernel.len() == x.len() * y.len()`.")]
        #[target_feature(enable = $feature)]
        pub(super) unsafe fn $rows(x: &[f32], kernel: &[f32], y: &mut [f32]) {
            let cols = y.len();
            // SAFETY: the block passes these pointers to whole registers of its columns.
            let load = |p: *const f32| unsafe { $load(p) };
            // SAFETY: as for the loads.
            let store = |p: *mut f32, v: $vec| unsafe { $store(p, v) };
            let mut c = 0;
            $(
                while c + $lanes * $n <= cols {
                    // SAFETY: columns c..c + lanes * n exist; lengths as required.
                    unsafe { $block::<$n>(x, kernel, y, c, load, store) };
                    c += $lanes * $n;
                }
            )*
            if c < cols {
                let mask = $mask(cols - c);
                // SAFETY: the block passes these pointers to column c of a row or of y,
                // whose columns c..cols are the lanes `mask` selects (0 < cols - c < lanes);
                // the other lanes are neither read nor written.
                let load = |p: *const f32| unsafe { $masked_load(mask, p) };
                // SAFETY: as for the loads.
                let store = |p: *mut f32, v: $vec| unsafe { $masked_store(mask, p, v) };
                // SAFETY: as above; lengths as required.
                unsafe { $block::<1>(x, kernel, y, c, load, store) };
            }
        }

        /// `N` registers of `y` from column `c`, through every row, each register read and
        /// written by `load` and `store` (whole or masked).
        ///
        /// # Safety
        #[doc = concat!("The CPU must support ", $feature, "; `load` and `store` must touch only columns below `y.len()` of the `N` registers at `c` (lanes `c + k lanes..`); `kernel.len() == x.len() * y.len()`.")]
        #[target_feature(enable = $feature)]
        unsafe fn $block<const N: usize>(
            x: &[f32],
            kernel: &[f32],
            y: &mut [f32],
            c: usize,
            load: impl Fn(*const f32) -> $vec,
            store: impl Fn(*mut f32, $vec),
        ) {
            let cols = y.len();
            debug_assert!(c < cols && kernel.len() == x.len() * cols);
            // Row r's register k: `r * cols + c + lanes k` is inside row r (c < cols, and
            // k < N stays in the columns the caller gave), and `load` reads only its
            // columns below `cols`.
            let at = |r: usize, k: usize| load(kernel.as_ptr().wrapping_add(r * cols + c + $lanes * k));
            let mut acc: [$vec; N] =
                core::array::from_fn(|k| load(y.as_ptr().wrapping_add(c + $lanes * k)));
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
                store(y.as_mut_ptr().wrapping_add(c + $lanes * k), *a);
            }
        }
    };
}

/// The first `n` (below 16) of 16 lanes.
#[target_feature(enable = "avx512f")]
fn mask_avx512(n: usize) -> __mmask16 {
    ((1u32 << n) - 1) as __mmask16
}

/// # Safety
/// The CPU must support AVX-512F; the lanes `mask` selects are readable from `p`.
#[target_feature(enable = "avx512f")]
unsafe fn masked_load_avx512(mask: __mmask16, p: *const f32) -> __m512 {
    // SAFETY: the caller's contract; masked-off lanes are not read.
    unsafe { _mm512_maskz_loadu_ps(mask, p) }
}

/// # Safety
/// The CPU must support AVX-512F; the lanes `mask` selects are writable at `p`.
#[target_feature(enable = "avx512f")]
unsafe fn masked_store_avx512(mask: __mmask16, p: *mut f32, v: __m512) {
    // SAFETY: the caller's contract; masked-off lanes are not written.
    unsafe { _mm512_mask_storeu_ps(p, mask, v) }
}

/// The first `n` of 8 lanes, as AVX's masked moves take them (a lane's sign bit).
#[target_feature(enable = "avx")]
fn mask_avx(n: usize) -> __m256i {
    let lanes: [i32; 8] = core::array::from_fn(|i| if i < n { -1 } else { 0 });
    // SAFETY: `lanes` is 32 readable bytes.
    unsafe { _mm256_loadu_si256(lanes.as_ptr().cast()) }
}

/// # Safety
/// The CPU must support AVX; the lanes `mask` selects are readable from `p`.
#[target_feature(enable = "avx")]
unsafe fn masked_load_avx(mask: __m256i, p: *const f32) -> __m256 {
    // SAFETY: the caller's contract; masked-off lanes are not read.
    unsafe { _mm256_maskload_ps(p, mask) }
}

/// # Safety
/// The CPU must support AVX; the lanes `mask` selects are writable at `p`.
#[target_feature(enable = "avx")]
unsafe fn masked_store_avx(mask: __m256i, p: *mut f32, v: __m256) {
    // SAFETY: the caller's contract; masked-off lanes are not written.
    unsafe { _mm256_maskstore_ps(p, mask, v) }
}

// 16 accumulators of 16 lanes fit AVX-512's 32 registers with the four broadcasts.
rows_kernel!(
    rows_avx512, block_avx512, "avx512f", 16, __m512,
    _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_add_ps, _mm512_mul_ps,
    mask_avx512, masked_load_avx512, masked_store_avx512, blocks: [16, 4, 1]
);
// 8 accumulators of 8 lanes fit AVX's 16 registers with the four broadcasts.
rows_kernel!(
    rows_avx, block_avx, "avx", 8, __m256,
    _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_add_ps, _mm256_mul_ps,
    mask_avx, masked_load_avx, masked_store_avx, blocks: [8, 1]
);
