//! The AVX2+FMA micro-kernel, for x86-64 machines without AVX-512.

use super::sgemm::{MR2, NR2};

/// The `MR2 x NR2` AVX2+FMA micro-kernel: `tile = A_panel . B_panel + beta * tile` on the
/// top-left `rows x cols` of the tile.
///
/// # Safety
/// AVX2 and FMA must be available; `a` holds `MR2 * kc` and `b` `NR2 * kc` values; the
/// tile's `rows x cols` elements (row stride `ldc`) must be writable.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn kernel(
    kc: usize,
    a: &[f32],
    b: &[f32],
    tile: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    beta: f32,
) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm256_setzero_ps(); 2]; MR2];
    for (ap, bp) in a.chunks_exact(MR2).zip(b.chunks_exact(NR2)).take(kc) {
        // SAFETY: `bp` holds NR2 = 16 values, read as two groups of 8.
        let (b0, b1) = unsafe {
            (
                _mm256_loadu_ps(bp.as_ptr()),
                _mm256_loadu_ps(bp.as_ptr().add(8)),
            )
        };
        for (row, &ai) in acc.iter_mut().zip(ap) {
            let ai = _mm256_set1_ps(ai);
            row[0] = _mm256_fmadd_ps(ai, b0, row[0]);
            row[1] = _mm256_fmadd_ps(ai, b1, row[1]);
        }
    }
    // Spill to a small buffer, then write the valid part (AVX2 has no cheap masked store).
    let mut out = [[0.0f32; NR2]; MR2];
    for (dst, row) in out.iter_mut().zip(&acc) {
        // SAFETY: each destination row holds 16 values.
        unsafe {
            _mm256_storeu_ps(dst.as_mut_ptr(), row[0]);
            _mm256_storeu_ps(dst.as_mut_ptr().add(8), row[1]);
        }
    }
    for (i, values) in out.iter().enumerate().take(rows) {
        for (j, &v) in values.iter().enumerate().take(cols) {
            // SAFETY: element (i, j) with i < rows, j < cols lies in the tile.
            unsafe {
                let dst = tile.add(i * ldc + j);
                *dst = if beta == 0.0 { v } else { beta * *dst + v };
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn kernel(
    _: usize,
    _: &[f32],
    _: &[f32],
    _: *mut f32,
    _: usize,
    _: usize,
    _: usize,
    _: f32,
) {
    unreachable!("`kind` is None off x86_64")
}
