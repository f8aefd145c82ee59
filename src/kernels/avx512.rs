//! The AVX-512F micro-kernels: the general `MR x NR` tile, the narrow rows, the small
//! tiles that read B in place, and the vector-matrix kernels.

use super::sgemm::{MR, NARROW, Strided};

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

/// `C = A . B + beta * C` on a tile of at most 4 rows and 64 columns, or 5 to 12 rows and
/// at most 32 columns, B read where it lies (row-major, row stride `ldb`) instead of
/// packed: see `sgemm::small_rows`. `a`, `b` and `c` point at the tile's first element of
/// A, B and C; A's element (i, l) is at `a + i * rsa + l * csa`.
///
/// # Safety
/// AVX-512F available; `1 <= rows <= 4` and `1 <= cols <= 64`, or `5 <= rows <= 12` and
/// `1 <= cols <= 32`; A's elements (i < rows, l < kc), B's (l < kc, j < cols) and C's
/// (i < rows, j < cols, row stride `ldc`) are addressable, C writable and not overlapping
/// A or B.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn small_tile(
    rows: usize,
    cols: usize,
    kc: usize,
    (a, rsa, csa): (*const f32, usize, usize),
    (b, ldb): (*const f32, usize),
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    macro_rules! fixed {
        ($(($r:literal, $g:literal)),*) => {
            match (rows, cols.div_ceil(16)) {
                // SAFETY: forwarded contract; `$r` rows and `$g` groups are the tile's.
                $(($r, $g) => unsafe {
                    small_tile_fixed::<$r, $g>(cols, kc, (a, rsa, csa), (b, ldb), beta, c, ldc)
                },)*
                _ => unreachable!("a small tile has 1 to 4 rows and 1 to 64 columns, or 5 to 12 rows and 1 to 32"),
            }
        };
    }
    fixed!(
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 1),
        (2, 2),
        (2, 3),
        (2, 4),
        (3, 1),
        (3, 2),
        (3, 3),
        (3, 4),
        (4, 1),
        (4, 2),
        (4, 3),
        (4, 4),
        (5, 1),
        (5, 2),
        (6, 1),
        (6, 2),
        (7, 1),
        (7, 2),
        (8, 1),
        (8, 2),
        (9, 1),
        (9, 2),
        (10, 1),
        (10, 2),
        (11, 1),
        (11, 2),
        (12, 1),
        (12, 2)
    )
}

/// [`small_tile`] with its row count `R` and 16-lane column groups `G` known, so that the
/// `R x G` accumulators live in registers. The sum over `l` runs in order from zero, one
/// fused multiply-add per step, as in the packed kernel: both give the same bits.
///
/// # Safety
/// As for [`small_tile`], with `G == cols.div_ceil(16)` and `R == rows`.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn small_tile_fixed<const R: usize, const G: usize>(
    cols: usize,
    kc: usize,
    (a, rsa, csa): (*const f32, usize, usize),
    (b, ldb): (*const f32, usize),
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    use std::arch::x86_64::*;
    // Every group is whole but the last, which holds `cols - 16 * (G - 1)` (1 to 16) lanes.
    let last_lanes = cols - 16 * (G - 1);
    let last = if last_lanes == 16 {
        0xFFFF
    } else {
        ((1u32 << last_lanes) - 1) as __mmask16
    };
    let mask = |g: usize| if g + 1 == G { last } else { 0xFFFF };
    let mut acc = [[_mm512_setzero_ps(); G]; R];
    for l in 0..kc {
        let mut bv = [_mm512_setzero_ps(); G];
        for (g, v) in bv.iter_mut().enumerate() {
            // SAFETY: row l < kc of B; `mask(g)` selects columns 16g.. below `cols`.
            *v = unsafe { _mm512_maskz_loadu_ps(mask(g), b.add(l * ldb + 16 * g)) };
        }
        for (i, row) in acc.iter_mut().enumerate() {
            // SAFETY: A's element (i < R, l < kc).
            let ai = _mm512_set1_ps(unsafe { *a.add(i * rsa + l * csa) });
            for (acc, &bv) in row.iter_mut().zip(&bv) {
                *acc = _mm512_fmadd_ps(ai, bv, *acc);
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (g, &v) in row.iter().enumerate() {
            // SAFETY: row i < R of C; `mask(g)` selects columns below `cols`.
            unsafe {
                let dst = c.add(i * ldc + 16 * g);
                let v = if beta == 0.0 {
                    v
                } else {
                    _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask(g), dst), v)
                };
                _mm512_mask_storeu_ps(dst, mask(g), v);
            }
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn small_tile(
    _: usize,
    _: usize,
    _: usize,
    _: (*const f32, usize, usize),
    _: (*const f32, usize),
    _: f32,
    _: *mut f32,
    _: usize,
) {
    unreachable!("`available` is false off x86_64")
}

/// The `MR x NR` micro-kernel: `tile = A_panel . B_panel + beta * tile` on the top-left
/// `rows x cols` of the tile. Step `l` of the sum reads `MR` contiguous values of A from
/// `a + l * a_step`: a packed panel (`a_step == MR`) or, in place, a transposed A whose
/// columns are contiguous (`a_step` its column stride); and `NR` contiguous values of B
/// from `b + l * b_step`: a packed panel (`b_step == NR`) or, in place, a row-major B
/// (`b_step` its row stride).
///
/// # Safety
/// AVX-512F must be available; `a + l * a_step .. + MR` and `b + l * b_step .. + NR` must
/// be readable for every `l < kc`; the tile's `rows x cols` elements (row stride `ldc`)
/// must be writable.
#[allow(clippy::too_many_arguments)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn kernel(
    kc: usize,
    (a, a_step): (*const f32, usize),
    (b, b_step): (*const f32, usize),
    tile: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    beta: f32,
) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    let (mut ap, mut bp) = (a, b);
    for _ in 0..kc {
        // SAFETY: each step reads NR values of b and MR values of a (caller's contract),
        // kc steps in all; `ap` and `bp` move by their steps only between reads, so after
        // the last step they may point past A or B without being read (`wrapping_add`).
        unsafe {
            let b0 = _mm512_loadu_ps(bp);
            let b1 = _mm512_loadu_ps(bp.add(16));
            for (i, row) in acc.iter_mut().enumerate() {
                let ai = _mm512_set1_ps(*ap.add(i));
                row[0] = _mm512_fmadd_ps(ai, b0, row[0]);
                row[1] = _mm512_fmadd_ps(ai, b1, row[1]);
            }
            ap = ap.wrapping_add(a_step);
            bp = bp.wrapping_add(b_step);
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
    _: (*const f32, usize),
    _: (*const f32, usize),
    _: *mut f32,
    _: usize,
    _: usize,
    _: usize,
    _: f32,
) {
    unreachable!("`available` is false off x86_64")
}

/// Vectors of `y` the vector-matrix kernel keeps in registers at once: 8, as many
/// independent multiply-add chains as two FMA ports with a 4-cycle latency need.
const VEC_MAT_VECTORS: usize = 8;

/// `y += x . W` over `y.len()` columns, row `i` of W starting at `w + i * n`; rows with a
/// zero `x` are skipped. Blocks of 8 vectors (128 columns), then the last columns in one
/// block of as many vectors as they need, the last one masked: one pass over the rows
/// for them all (a pass per vector was latency-bound: one chain of multiply-adds).
///
/// # Safety
/// AVX-512F available; for every `i < x.len()`, `y.len()` values from `w.add(i * n)` are
/// readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn vec_mat(x: &[f32], w: *const f32, n: usize, y: &mut [f32]) {
    let cols = y.len();
    let mut j = 0;
    while cols - j >= 16 * VEC_MAT_VECTORS {
        // SAFETY: columns j..j + 128 <= cols; the whole last vector (all lanes).
        unsafe { vec_mat_block::<VEC_MAT_VECTORS>(x, w, n, j, 0xffff, y) };
        j += 16 * VEC_MAT_VECTORS;
    }
    let rest = cols - j;
    if rest == 0 {
        return;
    }
    // 1..=8 vectors, the last holding 1..=16 columns.
    let vectors = rest.div_ceil(16);
    let last = (u32::MAX >> (32 - (rest - 16 * (vectors - 1)))) as u16;
    // SAFETY: columns j..cols: `vectors - 1` whole vectors and `last`'s lanes of one more.
    unsafe {
        match vectors {
            1 => vec_mat_block::<1>(x, w, n, j, last, y),
            2 => vec_mat_block::<2>(x, w, n, j, last, y),
            3 => vec_mat_block::<3>(x, w, n, j, last, y),
            4 => vec_mat_block::<4>(x, w, n, j, last, y),
            5 => vec_mat_block::<5>(x, w, n, j, last, y),
            6 => vec_mat_block::<6>(x, w, n, j, last, y),
            7 => vec_mat_block::<7>(x, w, n, j, last, y),
            _ => vec_mat_block::<8>(x, w, n, j, last, y),
        }
    }
}

/// `N` vectors of `y` from column `j` through every row, the last vector's lanes selected
/// by `last` (masked-off lanes are neither read nor written).
///
/// # Safety
/// AVX-512F available; columns `j..j + 16 (N - 1)` and the lanes of `last` after them lie
/// below `y.len()`, and are readable in every row `i < x.len()` from `w.add(i * n)`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn vec_mat_block<const N: usize>(
    x: &[f32],
    w: *const f32,
    n: usize,
    j: usize,
    last: u16,
    y: &mut [f32],
) {
    use std::arch::x86_64::*;
    let mask = |v: usize| if v + 1 == N { last } else { 0xffff };
    // SAFETY: vector v's selected lanes are columns of y (contract).
    let mut acc: [__m512; N] = core::array::from_fn(|v| unsafe {
        _mm512_maskz_loadu_ps(mask(v), y.as_ptr().add(j + 16 * v))
    });
    for (i, &xi) in x.iter().enumerate() {
        if xi == 0.0 {
            continue;
        }
        let xv = _mm512_set1_ps(xi);
        let row = w.wrapping_add(i * n + j);
        for (v, a) in acc.iter_mut().enumerate() {
            // SAFETY: the selected lanes are readable columns of row i (contract).
            let wv = unsafe { _mm512_maskz_loadu_ps(mask(v), row.add(16 * v)) };
            *a = _mm512_fmadd_ps(xv, wv, *a);
        }
    }
    for (v, a) in acc.iter().enumerate() {
        // SAFETY: as for the loads.
        unsafe { _mm512_mask_storeu_ps(y.as_mut_ptr().add(j + 16 * v), mask(v), *a) };
    }
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) unsafe fn vec_mat(_: &[f32], _: *const f32, _: usize, _: &mut [f32]) {
    unreachable!("`available` is false off x86_64")
}

/// `y += x . W` for fewer than 16 columns (`n == y.len()`), e.g. a classifier's output
/// layer. Sixteen rows of such a `W` are `n` whole vectors, contiguous: lane `l` of vector
/// `v` holds row `(16 v + l) / n`, column `(16 v + l) % n`. So each block of 16 rows takes
/// one load of `x`, and per vector a permutation of it (the row's input in every lane),
/// a full load and a fused multiply-add, instead of 16 masked loads that straddle cache
/// lines (512x10: 0.38 -> 0.16 us). Accumulator lane `(r, c)` sums rows `r mod 16` of
/// column `c`; the 16 chains are then added in order of `r`. No branch on zero inputs,
/// which after a ReLU would be mispredicted half the time.
///
/// # Safety
/// AVX-512F available; `0 < n == y.len() < 16`; `x.len() * n` values readable from `w`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn vec_mat_narrow(x: &[f32], w: *const f32, n: usize, y: &mut [f32]) {
    // SAFETY (every arm): the contract above, with N = n.
    unsafe {
        match n {
            1 => narrow_packed::<1>(x, w, y),
            2 => narrow_packed::<2>(x, w, y),
            3 => narrow_packed::<3>(x, w, y),
            4 => narrow_packed::<4>(x, w, y),
            5 => narrow_packed::<5>(x, w, y),
            6 => narrow_packed::<6>(x, w, y),
            7 => narrow_packed::<7>(x, w, y),
            8 => narrow_packed::<8>(x, w, y),
            9 => narrow_packed::<9>(x, w, y),
            10 => narrow_packed::<10>(x, w, y),
            11 => narrow_packed::<11>(x, w, y),
            12 => narrow_packed::<12>(x, w, y),
            13 => narrow_packed::<13>(x, w, y),
            14 => narrow_packed::<14>(x, w, y),
            _ => narrow_packed::<15>(x, w, y),
        }
    }
}

/// [`vec_mat_narrow`] for `N` columns.
///
/// # Safety
/// AVX-512F available; `0 < N == y.len() < 16`; `x.len() * N` values readable from `w`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn narrow_packed<const N: usize>(x: &[f32], w: *const f32, y: &mut [f32]) {
    use std::arch::x86_64::*;
    assert!(N > 0 && N < 16 && y.len() == N);
    // Which of the block's 16 inputs each lane of vector v multiplies.
    let rows: [__m512i; N] = core::array::from_fn(|v| {
        let lanes: [i32; 16] = core::array::from_fn(|l| ((16 * v + l) / N) as i32);
        // SAFETY: 16 i32 values, an unaligned load.
        unsafe { _mm512_loadu_si512(lanes.as_ptr().cast()) }
    });
    let mut acc = [_mm512_setzero_ps(); N];
    let blocks = x.len() / 16;
    for b in 0..blocks {
        // SAFETY: inputs 16b..16b + 16 <= x.len().
        let xs = unsafe { _mm512_loadu_ps(x.as_ptr().add(16 * b)) };
        let block = w.wrapping_add(16 * b * N);
        for (v, a) in acc.iter_mut().enumerate() {
            // SAFETY: values 16bN + 16v.. + 16 lie in rows 16b..16b + 16 (v < N).
            let wv = unsafe { _mm512_loadu_ps(block.add(16 * v)) };
            *a = _mm512_fmadd_ps(lanes_of(xs, rows[v]), wv, *a);
        }
    }
    let rest = x.len() - 16 * blocks;
    if rest > 0 {
        // The last rows: `rest` inputs, the lanes past them zero; `rest * N` values.
        // SAFETY: inputs 16 blocks..x.len(), selected by the mask.
        let xs = unsafe {
            _mm512_maskz_loadu_ps(((1u32 << rest) - 1) as u16, x.as_ptr().add(16 * blocks))
        };
        let block = w.wrapping_add(16 * blocks * N);
        for (v, a) in acc.iter_mut().enumerate() {
            let lanes = (rest * N).saturating_sub(16 * v).min(16);
            if lanes == 0 {
                break;
            }
            let mask = (u32::MAX >> (32 - lanes)) as u16;
            // SAFETY: the mask selects values below rest * N of the last rows.
            let wv = unsafe { _mm512_maskz_loadu_ps(mask, block.add(16 * v)) };
            *a = _mm512_fmadd_ps(lanes_of(xs, rows[v]), wv, *a);
        }
    }
    let mut lanes = [0.0f32; 16 * 15];
    for (v, a) in acc.iter().enumerate() {
        // SAFETY: lanes 16v..16v + 16 < 16N <= 240.
        unsafe { _mm512_storeu_ps(lanes.as_mut_ptr().add(16 * v), *a) };
    }
    for (c, out) in y.iter_mut().enumerate() {
        *out += (0..16)
            .map(|r| lanes[r * N + c])
            .fold(0.0, |sum, v| sum + v);
    }
}

/// Lane `l` of the result is lane `index[l]` of `xs` (`vpermps`). Miri lacks that
/// instruction, so under Miri the lanes are moved through arrays instead: the kernels'
/// own memory accesses are still the ones checked.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn lanes_of(
    xs: std::arch::x86_64::__m512,
    index: std::arch::x86_64::__m512i,
) -> std::arch::x86_64::__m512 {
    use std::arch::x86_64::*;
    if cfg!(miri) {
        let (mut values, mut lanes) = ([0.0f32; 16], [0i32; 16]);
        // SAFETY: 16 values and 16 indices, unaligned stores into arrays of 16.
        unsafe {
            _mm512_storeu_ps(values.as_mut_ptr(), xs);
            _mm512_storeu_si512(lanes.as_mut_ptr().cast(), index);
        }
        let picked: [f32; 16] = core::array::from_fn(|l| values[(lanes[l] & 15) as usize]);
        // SAFETY: 16 values.
        unsafe { _mm512_loadu_ps(picked.as_ptr()) }
    } else {
        _mm512_permutexvar_ps(index, xs)
    }
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) unsafe fn vec_mat_narrow(_: &[f32], _: *const f32, _: usize, _: &mut [f32]) {
    unreachable!("`available` is false off x86_64")
}
