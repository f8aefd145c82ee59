//! `y += x . kernel` for a row-major f32 kernel on 512- and 256-bit registers. The sums are
//! written exactly as the portable loop writes them (nonzero inputs taken four at a time,
//! `y + (((x0 r0 + x1 r1) + x2 r2) + x3 r3)`, separate multiplies and adds, no fused
//! multiply-add), so every kernel gives the same bits; the speed comes from the width and
//! from keeping a block of `y` in registers across all rows.

use core::arch::x86_64::*;

use super::Groups;

/// Adds the rows to `y` for columns `0..` in blocks of 16 lanes; returns the columns done.
///
/// # Safety
/// The CPU must support AVX-512F; `kernel.len() == x.len() * y.len()`.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn rows_avx512(x: &[f32], kernel: &[f32], y: &mut [f32]) -> usize {
    let cols = y.len();
    let mut c = 0;
    while c + 256 <= cols {
        // SAFETY: columns c..c + 256 exist; lengths as required.
        unsafe { block_avx512::<16>(x, kernel, y, c) };
        c += 256;
    }
    while c + 64 <= cols {
        // SAFETY: columns c..c + 64 exist.
        unsafe { block_avx512::<4>(x, kernel, y, c) };
        c += 64;
    }
    while c + 16 <= cols {
        // SAFETY: columns c..c + 16 exist.
        unsafe { block_avx512::<1>(x, kernel, y, c) };
        c += 16;
    }
    c
}

/// `N` registers of `y` from column `c`, through every row.
///
/// # Safety
/// AVX-512F; columns `c..c + 16 N` exist; `kernel.len() == x.len() * y.len()`.
#[target_feature(enable = "avx512f")]
unsafe fn block_avx512<const N: usize>(x: &[f32], kernel: &[f32], y: &mut [f32], c: usize) {
    let cols = y.len();
    debug_assert!(c + 16 * N <= cols && kernel.len() == x.len() * cols);
    let at = |r: usize, k: usize| {
        // SAFETY: r < x.len() (rows come from enumerating x) and c + 16k + 16 <= cols, so the
        // 16 floats lie inside `kernel`.
        unsafe { _mm512_loadu_ps(kernel.as_ptr().add(r * cols + c + 16 * k)) }
    };
    // SAFETY: columns c..c + 16N of y exist.
    let mut acc: [__m512; N] =
        core::array::from_fn(|k| unsafe { _mm512_loadu_ps(y.as_ptr().add(c + 16 * k)) });
    for group in Groups::new(x) {
        match group {
            [
                Some((x0, r0)),
                Some((x1, r1)),
                Some((x2, r2)),
                Some((x3, r3)),
            ] => {
                let (b0, b1, b2, b3) = (
                    _mm512_set1_ps(x0),
                    _mm512_set1_ps(x1),
                    _mm512_set1_ps(x2),
                    _mm512_set1_ps(x3),
                );
                for (k, a) in acc.iter_mut().enumerate() {
                    let t = _mm512_add_ps(
                        _mm512_add_ps(
                            _mm512_add_ps(
                                _mm512_mul_ps(b0, at(r0, k)),
                                _mm512_mul_ps(b1, at(r1, k)),
                            ),
                            _mm512_mul_ps(b2, at(r2, k)),
                        ),
                        _mm512_mul_ps(b3, at(r3, k)),
                    );
                    *a = _mm512_add_ps(*a, t);
                }
            }
            rest => {
                for (xi, r) in rest.into_iter().flatten() {
                    let b = _mm512_set1_ps(xi);
                    for (k, a) in acc.iter_mut().enumerate() {
                        *a = _mm512_add_ps(*a, _mm512_mul_ps(b, at(r, k)));
                    }
                }
            }
        }
    }
    for (k, a) in acc.iter().enumerate() {
        // SAFETY: columns c..c + 16N of y exist.
        unsafe { _mm512_storeu_ps(y.as_mut_ptr().add(c + 16 * k), *a) };
    }
}

/// The same on 256-bit registers, blocks of 8 lanes.
///
/// # Safety
/// The CPU must support AVX; `kernel.len() == x.len() * y.len()`.
#[target_feature(enable = "avx")]
pub(super) unsafe fn rows_avx(x: &[f32], kernel: &[f32], y: &mut [f32]) -> usize {
    let cols = y.len();
    let mut c = 0;
    while c + 64 <= cols {
        // SAFETY: columns c..c + 64 exist.
        unsafe { block_avx::<8>(x, kernel, y, c) };
        c += 64;
    }
    while c + 8 <= cols {
        // SAFETY: columns c..c + 8 exist.
        unsafe { block_avx::<1>(x, kernel, y, c) };
        c += 8;
    }
    c
}

/// # Safety
/// AVX; columns `c..c + 8 N` exist; `kernel.len() == x.len() * y.len()`.
#[target_feature(enable = "avx")]
unsafe fn block_avx<const N: usize>(x: &[f32], kernel: &[f32], y: &mut [f32], c: usize) {
    let cols = y.len();
    debug_assert!(c + 8 * N <= cols && kernel.len() == x.len() * cols);
    let at = |r: usize, k: usize| {
        // SAFETY: r < x.len() and c + 8k + 8 <= cols: inside `kernel`.
        unsafe { _mm256_loadu_ps(kernel.as_ptr().add(r * cols + c + 8 * k)) }
    };
    // SAFETY: columns c..c + 8N of y exist.
    let mut acc: [__m256; N] =
        core::array::from_fn(|k| unsafe { _mm256_loadu_ps(y.as_ptr().add(c + 8 * k)) });
    for group in Groups::new(x) {
        match group {
            [
                Some((x0, r0)),
                Some((x1, r1)),
                Some((x2, r2)),
                Some((x3, r3)),
            ] => {
                let (b0, b1, b2, b3) = (
                    _mm256_set1_ps(x0),
                    _mm256_set1_ps(x1),
                    _mm256_set1_ps(x2),
                    _mm256_set1_ps(x3),
                );
                for (k, a) in acc.iter_mut().enumerate() {
                    let t = _mm256_add_ps(
                        _mm256_add_ps(
                            _mm256_add_ps(
                                _mm256_mul_ps(b0, at(r0, k)),
                                _mm256_mul_ps(b1, at(r1, k)),
                            ),
                            _mm256_mul_ps(b2, at(r2, k)),
                        ),
                        _mm256_mul_ps(b3, at(r3, k)),
                    );
                    *a = _mm256_add_ps(*a, t);
                }
            }
            rest => {
                for (xi, r) in rest.into_iter().flatten() {
                    let b = _mm256_set1_ps(xi);
                    for (k, a) in acc.iter_mut().enumerate() {
                        *a = _mm256_add_ps(*a, _mm256_mul_ps(b, at(r, k)));
                    }
                }
            }
        }
    }
    for (k, a) in acc.iter().enumerate() {
        // SAFETY: columns c..c + 8N of y exist.
        unsafe { _mm256_storeu_ps(y.as_mut_ptr().add(c + 8 * k), *a) };
    }
}
