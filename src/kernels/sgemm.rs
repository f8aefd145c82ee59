//! A single-precision GEMM whose packing buffers are reused (thread-local), so products
//! allocate nothing after the first call on a thread: the training loop's zero-allocation
//! steps depend on it. An AVX-512 or an AVX2+FMA micro-kernel is selected at run time;
//! other machines use matrixmultiply.
//!
//! Blocking follows the usual scheme: B is packed in `KC x NC` blocks of `NR`-column
//! panels, A in `MC x KC` blocks of `MR`-row panels, and a `MR x NR` micro-kernel
//! accumulates in registers. The sum over `k` runs in the same order for every element
//! whatever the blocking of `m` and `n`, so splitting a product across threads by rows or
//! columns gives bit-identical results.

use std::cell::RefCell;

/// Tile of the AVX-512 kernel: 12 rows x 32 columns (24 accumulators).
pub(super) const MR: usize = 12;
pub(super) const NR: usize = 32;
/// Tile of the AVX2 kernel: 6 rows x 16 columns (12 accumulators).
pub(super) const MR2: usize = 6;
pub(super) const NR2: usize = 16;
const KC: usize = 256;
const MC: usize = 96;
const NC: usize = 2048;

thread_local! {
    /// Packed A and packed B of this thread, grown on demand and then reused.
    static PACKED: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The micro-kernels this module has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Avx512,
    Avx2,
}

/// The kernel products use, if any (chosen once): the best this machine runs, or the one
/// `SHAPED_KERNEL` names (`avx512`, `avx2`, or `none` for matrixmultiply) when the machine
/// runs it, so that every kernel can be tested and measured on one machine.
pub(crate) fn kind() -> Option<Kind> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static KIND: OnceLock<Option<Kind>> = OnceLock::new();
        *KIND.get_or_init(|| {
            let avx512 = std::arch::is_x86_feature_detected!("avx512f");
            let avx2 = std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma");
            let best = if avx512 {
                Some(Kind::Avx512)
            } else if avx2 {
                Some(Kind::Avx2)
            } else {
                None
            };
            match std::env::var("SHAPED_KERNEL").as_deref() {
                Ok("none") => None,
                Ok("avx2") if avx2 => Some(Kind::Avx2),
                Ok("avx512") if avx512 => Some(Kind::Avx512),
                _ => best,
            }
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        None
    }
}

/// The name of the kernel products use: `"avx512"`, `"avx2"` or `"matrixmultiply"`.
pub(crate) fn kernel_name() -> &'static str {
    match kind() {
        Some(Kind::Avx512) => "avx512",
        Some(Kind::Avx2) => "avx2",
        None => "matrixmultiply",
    }
}

/// `true` when this machine runs one of the kernels.
pub(crate) fn available() -> bool {
    kind().is_some()
}

/// A strided read-only matrix: element (i, j) at `ptr + i * rs + j * cs`.
#[derive(Clone, Copy)]
pub(super) struct Strided {
    pub ptr: *const f32,
    pub rs: usize,
    pub cs: usize,
}

/// `C = A . B + beta * C` for an `m x k` A, a `k x n` B and a row-major C with row stride
/// `ldc`.
///
/// # Safety
/// [`available`] must be true; every element (i < m, l < k) of A, (l < k, j < n) of B and
/// (i < m, j < n) of C must be addressable through the given pointers and strides, and C
/// must not overlap A or B.
#[allow(clippy::too_many_arguments)] // the BLAS signature
pub(crate) unsafe fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    a: Strided,
    b: Strided,
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    let kind = kind().expect("a kernel is available (the caller checked)");
    // SAFETY: forwarded contract; `kind` runs on this machine.
    unsafe { sgemm_with(kind, true, m, k, n, a, b, beta, c, ldc) }
}

/// [`sgemm`] with a chosen kernel; `small` allows [`small_rows`] (tests compare the two
/// paths).
///
/// # Safety
/// As for [`sgemm`], and this machine must run `kind`.
#[allow(clippy::too_many_arguments)]
unsafe fn sgemm_with(
    kind: Kind,
    small: bool,
    m: usize,
    k: usize,
    n: usize,
    a: Strided,
    b: Strided,
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    let (mr, nr) = match kind {
        Kind::Avx512 => (MR, NR),
        Kind::Avx2 => (MR2, NR2),
    };
    PACKED.with(|cell| {
        let mut buffers = cell.borrow_mut();
        let (pa, pb) = &mut *buffers;
        if kind == Kind::Avx512 && n <= NARROW {
            // SAFETY: forwarded contract.
            unsafe { narrow(m, k, n, a, b, beta, c, ldc, pb) };
            return;
        }
        if small
            && kind == Kind::Avx512
            && b.cs == 1
            && (m <= SMALL_M || k.saturating_mul(n) <= SMALL_B)
        {
            // SAFETY: forwarded contract.
            unsafe { small_rows(m, k, n, a, b, beta, c, ldc) };
            return;
        }
        let kc_max = k.min(KC);
        pa.resize(MC.min(m.next_multiple_of(mr)) * kc_max, 0.0);
        pb.resize(NC.min(n.next_multiple_of(nr)) * kc_max, 0.0);
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            // A row-major B whose panels are all whole is read where it lies: packing it
            // is a pass over all of B per product (the forward pass's 784x512 weights for
            // a batch of 128 rows), and its panels' rows are already NR contiguous values.
            let b_in_place = kind == Kind::Avx512 && b.cs == 1 && nc.is_multiple_of(nr);
            for pc in (0..k).step_by(KC) {
                let kc = KC.min(k - pc);
                if !b_in_place {
                    // SAFETY: caller's contract bounds the sub-matrices read here.
                    unsafe { pack_b(kc, nc, b, pc, jc, pb, nr) };
                }
                let first = pc == 0;
                for ic in (0..m).step_by(MC) {
                    let mc = MC.min(m - ic);
                    // A transposed A (the weight gradients' `patches^T . dz`) already holds
                    // each panel's MR rows contiguously per column: the AVX-512 kernel reads
                    // whole panels in place instead of copying the whole of A first.
                    let a_in_place = kind == Kind::Avx512 && a.rs == 1 && mc.is_multiple_of(mr);
                    if !a_in_place {
                        // SAFETY: as above.
                        unsafe { pack_a(mc, kc, a, ic, pc, pa, mr) };
                    }
                    for jr in (0..nc).step_by(nr) {
                        for ir in (0..mc).step_by(mr) {
                            let rows = mr.min(mc - ir);
                            let cols = nr.min(nc - jr);
                            let ap = &pa[ir * kc..(ir + mr) * kc];
                            let bp = &pb[jr * kc..(jr + nr) * kc];
                            let beta = if first { beta } else { 1.0 };
                            // SAFETY: the tile (ic + ir.., jc + jr..) of size rows x cols lies
                            // inside C; the packed panels hold mr x kc and kc x nr values; in
                            // place, rows ic + ir .. + mr (whole, < m) of columns pc .. pc + kc
                            // of A, and columns jc + jr .. + nr (whole, <= n) of rows
                            // pc .. pc + kc of B, are addressable (caller's contract); the
                            // kernel of `kind` runs on this machine.
                            unsafe {
                                let tile = c.add((ic + ir) * ldc + jc + jr);
                                match kind {
                                    Kind::Avx512 => {
                                        let a_panel = if a_in_place {
                                            (a.ptr.add(ic + ir + pc * a.cs), a.cs)
                                        } else {
                                            (ap.as_ptr(), MR)
                                        };
                                        let b_panel = if b_in_place {
                                            (b.ptr.add(pc * b.rs + jc + jr), b.rs)
                                        } else {
                                            (bp.as_ptr(), NR)
                                        };
                                        super::avx512::kernel(
                                            kc, a_panel, b_panel, tile, ldc, rows, cols, beta,
                                        )
                                    }
                                    Kind::Avx2 => {
                                        super::avx2::kernel(kc, ap, bp, tile, ldc, rows, cols, beta)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    });
}

/// Products with at most this many columns (the chapter's 10 classes) take [`narrow`].
pub(super) const NARROW: usize = 16;
/// Rows of C computed together by [`narrow`].
const NARROW_ROWS: usize = 8;

/// `C = A . B + beta * C` for `n <= 16`: B is packed once into `k` zero-padded 16-lane
/// rows, and `NARROW_ROWS` rows of C accumulate at once, one register each. The general
/// kernel would waste most of its 32-column tiles here.
///
/// # Safety
/// As for [`sgemm`], with `n <= NARROW`.
#[allow(clippy::too_many_arguments)]
unsafe fn narrow(
    m: usize,
    k: usize,
    n: usize,
    a: Strided,
    b: Strided,
    beta: f32,
    c: *mut f32,
    ldc: usize,
    pb: &mut Vec<f32>,
) {
    pb.resize(k * NARROW, 0.0);
    for (l, row) in pb.chunks_exact_mut(NARROW).enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            // SAFETY: l < k and j < n address B (caller's contract).
            *v = if j < n {
                unsafe { *b.ptr.add(l * b.rs + j * b.cs) }
            } else {
                0.0
            };
        }
    }
    let full = m - m % NARROW_ROWS;
    for i0 in (0..full).step_by(NARROW_ROWS) {
        // SAFETY: rows i0..i0 + NARROW_ROWS of A and C exist; pb holds k packed rows.
        unsafe {
            super::avx512::narrow_rows::<NARROW_ROWS>(k, n, a, i0, pb, beta, c.add(i0 * ldc), ldc)
        };
    }
    for i0 in full..m {
        // SAFETY: row i0 of A and C exists.
        unsafe { super::avx512::narrow_rows::<1>(k, n, a, i0, pb, beta, c.add(i0 * ldc), ldc) };
    }
}

/// Products with at most this many rows and a row-major B take [`small_rows`]...
const SMALL_M: usize = 16;
/// ... and so do those whose row-major B holds at most this many values (128 KB: it stays
/// in L2 while every tile re-reads it). Measured on the convolutions' products: a single
/// image's 121x288 . 288x64 runs 1.2-1.5x faster this way, a batch's 43264x9 . 9x32 1.3x,
/// while a 784x512 B is faster packed from 128 rows on.
const SMALL_B: usize = 1 << 15;
/// Rows and columns of C one [`small_rows`] tile computes: 4 x 64, or, for 5 to 12 rows,
/// all of them by 32 columns, so that B is read once rather than once per 4 rows (a single
/// image's last convolution, 9x576 . 576x128, reads its 295 KB B once instead of 3 times).
fn small_tile_shape(m: usize) -> (usize, usize) {
    if (5..=TALL_ROWS).contains(&m) {
        (m, 32)
    } else {
        (4, 64)
    }
}
/// The most rows of a tall tile: 12 x 2 accumulators, 2 values of B and A's broadcast fill
/// 27 of the 32 vector registers.
const TALL_ROWS: usize = 12;

/// `C = A . B + beta * C` with B read where it lies, for few rows or a small B: packing B
/// is a whole pass over it (295 KB for a single image's last convolution, 576x128), repaid
/// only over many rows, and packing A pays only when B is too large to re-read. Tiles
/// ([`small_tile_shape`]) walk the same `KC` blocks of `k` as the
/// packed kernel, each block summed from zero and then added to C, so both paths give the
/// same bits and a product split over threads stays bit-identical whichever path a part
/// takes.
///
/// # Safety
/// As for [`sgemm`], with `b.cs == 1` and AVX-512F available.
#[allow(clippy::too_many_arguments)]
unsafe fn small_rows(
    m: usize,
    k: usize,
    n: usize,
    a: Strided,
    b: Strided,
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    let (tile_rows, tile_cols) = small_tile_shape(m);
    for pc in (0..k).step_by(KC) {
        let kc = KC.min(k - pc);
        let beta = if pc == 0 { beta } else { 1.0 };
        for j0 in (0..n).step_by(tile_cols) {
            let cols = tile_cols.min(n - j0);
            for i0 in (0..m).step_by(tile_rows) {
                let rows = tile_rows.min(m - i0);
                // SAFETY: the tile's rows i0.. < m, columns j0.. < n and steps pc.. < k
                // address A, B and C inside the caller's bounds; the shape is 1-4 rows by
                // 1-64 columns or 5-12 rows by 1-32 (`small_tile_shape`); AVX-512F runs
                // here (contract).
                unsafe {
                    super::avx512::small_tile(
                        rows,
                        cols,
                        kc,
                        (a.ptr.add(i0 * a.rs + pc * a.cs), a.rs, a.cs),
                        (b.ptr.add(pc * b.rs + j0), b.rs),
                        beta,
                        c.add(i0 * ldc + j0),
                        ldc,
                    )
                };
            }
        }
    }
}

/// Packs rows `ic..ic + mc`, columns `pc..pc + kc` of A into `mr`-row panels, each stored
/// column by column (`MR` values per `k`), zero-padded to whole panels.
unsafe fn pack_a(
    mc: usize,
    kc: usize,
    a: Strided,
    ic: usize,
    pc: usize,
    out: &mut [f32],
    mr: usize,
) {
    for (p, panel) in out
        .chunks_exact_mut(mr * kc)
        .take(mc.div_ceil(mr))
        .enumerate()
    {
        let rows = mr.min(mc - p * mr);
        if rows < mr {
            panel.iter_mut().for_each(|d| *d = 0.0);
        }
        // A transposed view (`rs == 1`) is read down its contiguous columns.
        if a.rs == 1 && rows == mr && (mr == MR || mr == MR2) {
            // Whole panels copy a fixed number of values per column, which compiles to a
            // few vector moves; a copy of run-time length was a `memcpy` call per column.
            let first = ic + p * mr + pc * a.cs;
            // SAFETY: as below, with rows == mr.
            unsafe {
                if mr == MR {
                    pack_columns::<MR>(a.ptr.add(first), a.cs, panel);
                } else {
                    pack_columns::<MR2>(a.ptr.add(first), a.cs, panel);
                }
            }
        } else if a.rs == 1 {
            for (l, dst) in panel.chunks_exact_mut(mr).enumerate() {
                // SAFETY: rows ic + p*mr .. + rows (< m) of column pc + l (< k) are
                // contiguous here (caller's contract).
                let col = unsafe {
                    std::slice::from_raw_parts(a.ptr.add(ic + p * mr + (pc + l) * a.cs), rows)
                };
                dst[..rows].copy_from_slice(col);
            }
        } else {
            for (l, dst) in panel.chunks_exact_mut(mr).enumerate() {
                for (i, d) in dst[..rows].iter_mut().enumerate() {
                    // SAFETY: row ic + p*mr + i < m and column pc + l < k (caller's contract).
                    *d = unsafe { *a.ptr.add((ic + p * mr + i) * a.rs + (pc + l) * a.cs) };
                }
            }
        }
    }
}

/// Copies `panel.len() / R` columns of `R` contiguous values, `cs` apart, from `first`.
///
/// # Safety
/// `first + l * cs .. + R` must be readable for every column `l < panel.len() / R`.
#[inline(always)]
unsafe fn pack_columns<const R: usize>(first: *const f32, cs: usize, panel: &mut [f32]) {
    for (l, dst) in panel.chunks_exact_mut(R).enumerate() {
        // SAFETY: column l's R values are readable (caller's contract); `dst` holds R.
        let col = unsafe { &*first.add(l * cs).cast::<[f32; R]>() };
        dst.copy_from_slice(col);
    }
}

/// Packs rows `pc..pc + kc`, columns `jc..jc + nc` of B into `nr`-column panels, each
/// stored row by row (`nr` values per `k`), zero-padded to whole panels.
unsafe fn pack_b(
    kc: usize,
    nc: usize,
    b: Strided,
    pc: usize,
    jc: usize,
    out: &mut [f32],
    nr: usize,
) {
    for (p, panel) in out
        .chunks_exact_mut(nr * kc)
        .take(nc.div_ceil(nr))
        .enumerate()
    {
        let cols = nr.min(nc - p * nr);
        for l in 0..kc {
            let dst = &mut panel[l * nr..(l + 1) * nr];
            // SAFETY: row pc + l < k and columns below jc + p*nr + cols <= n (contract).
            let row = unsafe { b.ptr.add((pc + l) * b.rs + (jc + p * nr) * b.cs) };
            if b.cs == 1 {
                // SAFETY: `cols` contiguous values of this row exist.
                dst[..cols].copy_from_slice(unsafe { std::slice::from_raw_parts(row, cols) });
            } else {
                for (j, d) in dst[..cols].iter_mut().enumerate() {
                    // SAFETY: as above, one column at a time.
                    *d = unsafe { *row.add(j * b.cs) };
                }
            }
            dst[cols..].iter_mut().for_each(|d| *d = 0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, Strided, sgemm_with};

    /// A naive reference for `C = A . B + beta * C`.
    #[allow(clippy::too_many_arguments)]
    fn reference(
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        at: bool,
        b: &[f32],
        bt: bool,
        beta: f32,
        c: &mut [f32],
        ldc: usize,
    ) {
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0.0f64;
                for l in 0..k {
                    let x = if at { a[l * m + i] } else { a[i * k + l] };
                    let y = if bt { b[j * k + l] } else { b[l * n + j] };
                    acc += x as f64 * y as f64;
                }
                c[i * ldc + j] = (acc + beta as f64 * c[i * ldc + j] as f64) as f32;
            }
        }
    }

    #[test]
    fn edges_blocks_strides_and_sentinels() {
        let mut kinds = Vec::new();
        if std::arch::is_x86_feature_detected!("avx512f") {
            kinds.push(Kind::Avx512);
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            kinds.push(Kind::Avx2);
        }
        // No kernel to test is a loud failure, not a silent pass (Miri's run without
        // target features checks the matrixmultiply path through `gemm` instead).
        let allowed = cfg!(miri) || std::env::var("SHAPED_ALLOW_SKIP").is_ok_and(|v| v == "1");
        assert!(
            !kinds.is_empty() || allowed,
            "neither AVX-512 nor AVX2+FMA here: no kernel to test (SHAPED_ALLOW_SKIP=1 to skip)"
        );
        for kind in kinds {
            check_kernel(kind);
        }
    }

    /// A `rows x cols` matrix held in `values`, row-major or (`transposed`) column-major.
    fn view(values: &[f32], rows: usize, cols: usize, transposed: bool) -> Strided {
        let (rs, cs) = if transposed { (1, rows) } else { (cols, 1) };
        Strided {
            ptr: values.as_ptr(),
            rs,
            cs,
        }
    }

    /// An `m x k` A and a `k x n` B of small exact values (multiples of 1/8 and 1/4).
    fn operands(m: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
        let a = (0..m * k).map(|i| ((i * 7 % 13) as f32 - 6.0) / 8.0);
        let b = (0..k * n).map(|i| ((i * 5 % 11) as f32 - 5.0) / 4.0);
        (a.collect(), b.collect())
    }

    /// Whether this machine runs AVX-512F; without it, a path only that kernel takes is
    /// reported untested, and that is a failure unless allowed (Miri, `SHAPED_ALLOW_SKIP`).
    fn avx512_or_allowed_skip(path: &str) -> bool {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return true;
        }
        eprintln!("{path} needs AVX-512F: not run here");
        assert!(
            cfg!(miri) || std::env::var("SHAPED_ALLOW_SKIP").is_ok_and(|v| v == "1"),
            "no AVX-512F here: {path} untested (SHAPED_ALLOW_SKIP=1 to skip)"
        );
        false
    }

    #[test]
    fn small_products_read_b_in_place_with_the_packed_bits() {
        if !avx512_or_allowed_skip("small_rows") {
            return;
        }
        // Every tile height (1-4 rows by 64 columns, 5-12 rows by 32) and width (masked
        // groups, several tiles), one and several KC blocks; operands sized exactly, so a
        // read past an end is a failure under Miri and the sentinels after C show a write
        // past its rows.
        let shapes: &[(usize, usize, usize)] = if cfg!(miri) {
            &[(1, 1, 17), (5, 3, 65), (12, 2, 33), (16, 257, 20)]
        } else {
            &[
                (1, 1, 17),
                (2, 9, 32),
                (3, 40, 48),
                (4, 64, 64),
                (5, 3, 65),
                (6, 7, 16),
                (7, 17, 31),
                (8, 5, 18),
                (9, 576, 128),
                (10, 260, 47),
                (11, 96, 64),
                (12, 300, 33),
                (13, 20, 70),
                (16, 600, 100),
            ]
        };
        for &(m, k, n) in shapes {
            for (at, beta) in [(false, 0.0), (true, 0.5)] {
                let (a, b) = operands(m, k, n);
                let sa = view(&a, m, k, at);
                let sb = view(&b, k, n, false);
                let init: Vec<f32> = (0..m * n + 4).map(|i| (i % 5) as f32).collect();
                let run = |small: bool| {
                    let mut c = init.clone();
                    // SAFETY: a holds m*k and b k*n values addressed by these strides; c
                    // holds m rows of n values (and 4 sentinels).
                    unsafe {
                        sgemm_with(
                            Kind::Avx512,
                            small,
                            m,
                            k,
                            n,
                            sa,
                            sb,
                            beta,
                            c.as_mut_ptr(),
                            n,
                        )
                    };
                    c
                };
                let (small, packed) = (run(true), run(false));
                assert_eq!(small[m * n..], init[m * n..], "{m}x{k}x{n}: written past C");
                assert!(
                    small
                        .iter()
                        .zip(&packed)
                        .all(|(x, y)| x.to_bits() == y.to_bits()),
                    "{m}x{k}x{n} (A transposed: {at}): small and packed paths differ"
                );
                let mut want = init.clone();
                reference(m, k, n, &a, at, &b, false, beta, &mut want, n);
                for (i, (&g, &w)) in small.iter().zip(&want).enumerate().take(m * n) {
                    assert!(
                        (g - w).abs() <= 1e-3 * (1.0 + w.abs()),
                        "{m}x{k}x{n} at {i}: {g} vs {w}"
                    );
                }
            }
        }
    }

    #[test]
    fn row_major_b_is_read_in_place_in_whole_panels() {
        if !avx512_or_allowed_skip("reading B in place") {
            return;
        }
        // Column counts that are whole 32-column panels, through the packed path: partial
        // row tiles, several KC blocks (a panel offset that ignores the block is wrong
        // past the first), an NC block boundary (2080 = 2048 + 32).
        let shapes: &[(usize, usize, usize)] = if cfg!(miri) {
            &[(13, 9, 64), (5, 260, 32), (3, 2, 2080)]
        } else {
            &[
                (13, 9, 64),
                (25, 300, 96),
                (3, 2, 2080),
                (40, 1100, 64),
                (128, 784, 512),
            ]
        };
        for &(m, k, n) in shapes {
            check_product(Kind::Avx512, false, m, k, n);
        }
    }

    fn check_kernel(kind: Kind) {
        // Partial micro-tiles, several KC blocks, the narrow path, an NC block boundary;
        // transposed A read in place in whole panels (m a multiple of 12: one and two MC
        // blocks, past a KC block).
        // Under Miri (interpreted, about a million operations a second) the same
        // boundaries with fewer elements: partial tiles, a KC block, an NC block, narrow,
        // in-place panels of A past a KC block.
        let shapes: &[(usize, usize, usize)] = if cfg!(miri) {
            &[
                (1, 1, 1),
                (13, 9, 33),
                (2, 257, 3),
                (1, 1, 2049),
                (9, 3, 10),
                (24, 260, 17),
            ]
        } else {
            &[
                (1, 1, 1),
                (13, 257, 33),
                (12, 256, 32),
                (25, 600, 17),
                (7, 3, 16),
                (3, 5, 2049),
                (97, 40, 10),
                (9, 513, 1),
                (24, 260, 17),
                (192, 300, 40),
            ]
        };
        for &(m, k, n) in shapes {
            check_product(kind, true, m, k, n);
        }
    }

    /// The product of `kind` (through `small_rows` where `small` allows it) against the
    /// reference, for A and B each row-major and transposed, with a padded C whose padding
    /// must stay untouched.
    fn check_product(kind: Kind, small: bool, m: usize, k: usize, n: usize) {
        for (at, bt, beta) in [
            (false, false, 0.0),
            (true, false, 1.0),
            (false, true, 0.5),
            (true, true, 0.0),
        ] {
            let (a, b) = operands(m, k, n);
            let ldc = n + 3; // a padded row stride: the padding must stay untouched
            let init: Vec<f32> = (0..m * ldc).map(|i| (i % 5) as f32).collect();
            let mut got = init.clone();
            let mut want = init.clone();
            let sa = view(&a, m, k, at);
            let sb = view(&b, k, n, bt);
            // SAFETY: a holds m*k, b k*n values addressed by these strides; got holds
            // m rows of ldc >= n values.
            unsafe { sgemm_with(kind, small, m, k, n, sa, sb, beta, got.as_mut_ptr(), ldc) };
            reference(m, k, n, &a, at, &b, bt, beta, &mut want, ldc);
            for i in 0..m {
                for j in 0..ldc {
                    let (g, w) = (got[i * ldc + j], want[i * ldc + j]);
                    if j >= n {
                        assert_eq!(
                            g,
                            init[i * ldc + j],
                            "padding written at ({i}, {j}) for {m}x{k}x{n}"
                        );
                    } else {
                        assert!(
                            (g - w).abs() <= 1e-3 * (1.0 + w.abs()),
                            "{kind:?}: {m}x{k}x{n} ({at}, {bt}) at ({i}, {j}): {g} vs {w}"
                        );
                    }
                }
            }
        }
    }
}
