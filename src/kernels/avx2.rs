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

/// Columns of `y` the vector-matrix kernel keeps in registers at once (8 of 16 registers).
const VEC_MAT_BLOCK: usize = 64;

/// `y += x . W` over `y.len()` columns, row `i` of W starting at `w + i * n`; rows with a
/// zero `x` are skipped.
///
/// # Safety
/// AVX2 and FMA available; for every `i < x.len()`, `y.len()` values from `w.add(i * n)`
/// are readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn vec_mat(x: &[f32], w: *const f32, n: usize, y: &mut [f32]) {
    use std::arch::x86_64::*;
    let cols = y.len();
    let mut j = 0;
    while j + VEC_MAT_BLOCK <= cols {
        let mut acc = [_mm256_setzero_ps(); VEC_MAT_BLOCK / 8];
        for (v, a) in acc.iter_mut().enumerate() {
            // SAFETY: columns j + 8v .. j + 8v + 8 <= cols of y.
            *a = unsafe { _mm256_loadu_ps(y.as_ptr().add(j + 8 * v)) };
        }
        for (i, &xi) in x.iter().enumerate() {
            if xi == 0.0 {
                continue;
            }
            let xv = _mm256_set1_ps(xi);
            let row = w.wrapping_add(i * n + j);
            for (v, a) in acc.iter_mut().enumerate() {
                // SAFETY: row i has `cols` readable values (contract); j + 8v + 8 <= cols.
                *a = _mm256_fmadd_ps(xv, unsafe { _mm256_loadu_ps(row.add(8 * v)) }, *a);
            }
        }
        for (v, a) in acc.iter().enumerate() {
            // SAFETY: as for the loads.
            unsafe { _mm256_storeu_ps(y.as_mut_ptr().add(j + 8 * v), *a) };
        }
        j += VEC_MAT_BLOCK;
    }
    // The last columns one at a time, with the same fused multiply-add per term.
    for (jj, yj) in y.iter_mut().enumerate().skip(j) {
        for (i, &xi) in x.iter().enumerate() {
            if xi != 0.0 {
                // SAFETY: column jj < cols of row i (contract).
                *yj = xi.mul_add(unsafe { *w.add(i * n + jj) }, *yj);
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) unsafe fn vec_mat(_: &[f32], _: *const f32, _: usize, _: &mut [f32]) {
    unreachable!("`available` is false off x86_64")
}
