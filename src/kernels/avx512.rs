//! The AVX-512F micro-kernels: the general `MR x NR` tile and the narrow rows.

use super::sgemm::{MR, NARROW, NR, Strided};

/// `R` rows of a narrow product.
///
/// # Safety
/// AVX-512F available; rows `i0..i0 + R` (< m) of A with `k` columns; `pb` holds
/// `k * NARROW` values; `R x n` elements of C from `c` (row stride `ldc`) writable.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn narrow_rows<const R: usize>(
    k: usize,
    n: usize,
    a: Strided,
    i0: usize,
    pb: &[f32],
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    use std::arch::x86_64::*;
    // A constant row count keeps the accumulators in registers.
    let rows = R;
    let mut acc = [_mm512_setzero_ps(); R];
    let base = a.ptr.wrapping_add(i0 * a.rs);
    for (l, brow) in pb.chunks_exact(NARROW).take(k).enumerate() {
        // SAFETY: pb rows hold 16 values; A elements (i0 + i, l) exist for i < rows.
        unsafe {
            let bv = _mm512_loadu_ps(brow.as_ptr());
            for (i, acc_i) in acc.iter_mut().enumerate().take(rows) {
                let ai = _mm512_set1_ps(*base.add(i * a.rs + l * a.cs));
                *acc_i = _mm512_fmadd_ps(ai, bv, *acc_i);
            }
        }
    }
    let mask: __mmask16 = if n == 16 {
        0xFFFF
    } else {
        ((1u32 << n) - 1) as __mmask16
    };
    for (i, v) in acc.iter().enumerate().take(rows) {
        // SAFETY: row i < rows of C, columns selected by `mask` are below n.
        unsafe {
            let dst = c.add(i * ldc);
            let v = if beta == 0.0 {
                *v
            } else {
                _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, dst), *v)
            };
            _mm512_mask_storeu_ps(dst, mask, v);
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn narrow_rows<const R: usize>(
    _: usize,
    _: usize,
    _: Strided,
    _: usize,
    _: &[f32],
    _: f32,
    _: *mut f32,
    _: usize,
) {
    unreachable!("`available` is false off x86_64")
}

/// The `MR x NR` micro-kernel: `tile = A_panel . B_panel + beta * tile` on the top-left
/// `rows x cols` of the tile.
///
/// # Safety
/// AVX-512F must be available; `a` holds `MR * kc` and `b` `NR * kc` values; the tile's
/// `rows x cols` elements (row stride `ldc`) must be writable.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
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
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    let (mut ap, mut bp) = (a.as_ptr(), b.as_ptr());
    for _ in 0..kc {
        // SAFETY: each step reads NR values of b and MR values of a, kc steps in all.
        unsafe {
            let b0 = _mm512_loadu_ps(bp);
            let b1 = _mm512_loadu_ps(bp.add(16));
            for (i, row) in acc.iter_mut().enumerate() {
                let ai = _mm512_set1_ps(*ap.add(i));
                row[0] = _mm512_fmadd_ps(ai, b0, row[0]);
                row[1] = _mm512_fmadd_ps(ai, b1, row[1]);
            }
            ap = ap.add(MR);
            bp = bp.add(NR);
        }
    }
    let store = |dst: *mut f32, v: __m512, mask: __mmask16| {
        // SAFETY: `mask` selects only columns below `cols` of a row below `rows`.
        unsafe {
            let v = if beta == 0.0 {
                v
            } else {
                _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, dst), v)
            };
            _mm512_mask_storeu_ps(dst, mask, v);
        }
    };
    let mask = |from: usize| -> __mmask16 {
        let n = cols.saturating_sub(from).min(16);
        if n == 16 {
            0xFFFF
        } else {
            ((1u32 << n) - 1) as __mmask16
        }
    };
    let (m0, m1) = (mask(0), mask(16));
    for (i, row) in acc.iter().enumerate().take(rows) {
        // SAFETY: row i < rows of the tile.
        let dst = unsafe { tile.add(i * ldc) };
        store(dst, row[0], m0);
        if m1 != 0 {
            // SAFETY: as above, columns 16.. of the row, masked.
            store(unsafe { dst.add(16) }, row[1], m1);
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
    unreachable!("`available` is false off x86_64")
}
