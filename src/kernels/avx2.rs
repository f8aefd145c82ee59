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

/// Vectors of `y` the vector-matrix kernel keeps in registers at once (8 of 16 registers).
const VEC_MAT_VECTORS: usize = 8;

/// `y += x . W` over `y.len()` columns, row `i` of W starting at `w + i * n`; rows with a
/// zero `x` are skipped. Blocks of 8 vectors (64 columns), then the last columns in one
/// block of as many vectors as they need, the last one masked: one pass over the rows for
/// them all (a pass per column, as before, took 99 us for a 784x100 layer against 6 us).
///
/// # Safety
/// AVX2 and FMA available; for every `i < x.len()`, `y.len()` values from `w.add(i * n)`
/// are readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn vec_mat(x: &[f32], w: *const f32, n: usize, y: &mut [f32]) {
    let cols = y.len();
    let mut j = 0;
    while cols - j >= 8 * VEC_MAT_VECTORS {
        // SAFETY: columns j..j + 64 <= cols; the whole last vector.
        unsafe { vec_mat_block::<VEC_MAT_VECTORS, true>(x, w, n, j, 8, y) };
        j += 8 * VEC_MAT_VECTORS;
    }
    let rest = cols - j;
    if rest == 0 {
        return;
    }
    // 1..=8 vectors, the last holding 1..=8 columns.
    let vectors = rest.div_ceil(8);
    let last = rest - 8 * (vectors - 1);
    // SAFETY: columns j..cols: `vectors - 1` whole vectors and `last` lanes of one more.
    unsafe {
        match vectors {
            1 => vec_mat_block::<1, false>(x, w, n, j, last, y),
            2 => vec_mat_block::<2, false>(x, w, n, j, last, y),
            3 => vec_mat_block::<3, false>(x, w, n, j, last, y),
            4 => vec_mat_block::<4, false>(x, w, n, j, last, y),
            5 => vec_mat_block::<5, false>(x, w, n, j, last, y),
            6 => vec_mat_block::<6, false>(x, w, n, j, last, y),
            7 => vec_mat_block::<7, false>(x, w, n, j, last, y),
            _ => vec_mat_block::<8, false>(x, w, n, j, last, y),
        }
    }
}

/// `N` vectors of `y` from column `j` through every row, the last vector's first `last`
/// lanes only (1..=8; the others are neither read nor written). With `WHOLE`, every
/// vector is whole (`last` is 8) and no load is masked: AVX's masked load costs more than
/// a plain one.
///
/// # Safety
/// AVX2 and FMA available; columns `j..j + 8 (N - 1) + last` lie below `y.len()` and are
/// readable in every row `i < x.len()` from `w.add(i * n)`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn vec_mat_block<const N: usize, const WHOLE: bool>(
    x: &[f32],
    w: *const f32,
    n: usize,
    j: usize,
    last: usize,
    y: &mut [f32],
) {
    use std::arch::x86_64::*;
    // A lane takes part when its sign bit is set (AVX's masked moves).
    let lanes: [i32; 8] = core::array::from_fn(|l| if l < last { -1 } else { 0 });
    // SAFETY: `lanes` is 32 readable bytes.
    let partial = unsafe { _mm256_loadu_si256(lanes.as_ptr().cast()) };
    let mask = |v: usize| {
        if v + 1 == N {
            partial
        } else {
            _mm256_set1_epi32(-1)
        }
    };
    let masked = |v: usize| !WHOLE && v + 1 == N;
    // SAFETY: vector v's selected lanes are columns of y (contract).
    let load = |p: *const f32, v: usize| unsafe {
        if masked(v) {
            _mm256_maskload_ps(p, mask(v))
        } else {
            _mm256_loadu_ps(p)
        }
    };
    // SAFETY: as for `load`, in y.
    let mut acc: [__m256; N] =
        core::array::from_fn(|v| load(unsafe { y.as_ptr().add(j + 8 * v) }, v));
    for (i, &xi) in x.iter().enumerate() {
        if xi == 0.0 {
            continue;
        }
        let xv = _mm256_set1_ps(xi);
        let row = w.wrapping_add(i * n + j);
        for (v, a) in acc.iter_mut().enumerate() {
            // The selected lanes are readable columns of row i (contract).
            *a = _mm256_fmadd_ps(xv, load(row.wrapping_add(8 * v), v), *a);
        }
    }
    for (v, a) in acc.iter().enumerate() {
        // SAFETY: as for the loads.
        unsafe {
            let p = y.as_mut_ptr().add(j + 8 * v);
            if masked(v) {
                _mm256_maskstore_ps(p, mask(v), *a)
            } else {
                _mm256_storeu_ps(p, *a)
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) unsafe fn vec_mat(_: &[f32], _: *const f32, _: usize, _: &mut [f32]) {
    unreachable!("`available` is false off x86_64")
}
