//! The only `unsafe` code of the crate: SIMD bodies for the f32 and int8 matrix-vector
//! products, chosen at run time, with the portable loops they must agree with bit for bit.
//!
//! `f32_rows` adds `x . kernel` to `y` for a row-major f32 kernel, skipping zero inputs.
//!
//! `int8_matvec` computes `out[o] = sum_r q[r] * w[r][o]` (as f32, from an exact i32 sum)
//! for a row-major `rows x cols` i8 kernel and quantized inputs `q` packed four to a word
//! (little-endian bytes, in f32 slots of the shared scratch buffer: `f32::from_bits`).

use crate::bf16::Bf16;

#[cfg(target_arch = "x86_64")]
mod bf16_x86;
#[cfg(target_arch = "x86_64")]
mod int8_x86;
#[cfg(target_arch = "x86_64")]
mod rows_x86;

/// Whether the CPU has every x86 feature named: detected at run time with the `std`
/// feature, else the target features the crate was compiled for (`no_std` firmware).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
macro_rules! has_features {
    ($($feature:tt),+) => { $(std::is_x86_feature_detected!($feature))&&+ };
}
#[cfg(all(target_arch = "x86_64", not(feature = "std")))]
macro_rules! has_features {
    ($($feature:tt),+) => { $(cfg!(target_feature = $feature))&&+ };
}

/// Which int8 kernel runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Int8Kernel {
    /// Plain integer loops, any target.
    Portable,
    /// x86 AVX-VNNI (`vpdpbusd` on 256-bit registers).
    AvxVnni,
    /// x86 AVX-512 VNNI (`vpdpbusd` on 512-bit registers).
    Avx512Vnni,
}

impl Int8Kernel {
    /// The fastest kernel this CPU runs: detected at run time with the `std` feature, else
    /// the target features the crate was compiled for.
    pub fn detect() -> Int8Kernel {
        [Int8Kernel::Avx512Vnni, Int8Kernel::AvxVnni]
            .into_iter()
            .find(|k| k.is_available())
            .unwrap_or(Int8Kernel::Portable)
    }

    /// Whether this CPU can run the kernel.
    pub fn is_available(self) -> bool {
        match self {
            Int8Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::Avx512Vnni => has_features!("avx512f", "avx512bw", "avx512vnni"),
            #[cfg(target_arch = "x86_64")]
            Int8Kernel::AvxVnni => has_features!("avx2", "avxvnni"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

/// Which bf16 kernel runs ([`Bf16Dense`](crate::Bf16Dense)). All give the same bits:
/// they widen every weight to f32 exactly and write the same sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bf16Kernel {
    /// Plain loops, any target.
    Portable,
    /// x86 AVX2 (8 lanes).
    Avx2,
    /// x86 AVX-512 F and BW (16 lanes).
    Avx512,
}

impl Bf16Kernel {
    /// The widest kernel this CPU runs: detected at run time with the `std` feature, else
    /// the target features the crate was compiled for.
    pub fn detect() -> Bf16Kernel {
        [Bf16Kernel::Avx512, Bf16Kernel::Avx2]
            .into_iter()
            .find(|k| k.is_available())
            .unwrap_or(Bf16Kernel::Portable)
    }

    /// Whether this CPU can run the kernel.
    pub fn is_available(self) -> bool {
        match self {
            Bf16Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Bf16Kernel::Avx512 => has_features!("avx512f", "avx512bw"),
            #[cfg(target_arch = "x86_64")]
            Bf16Kernel::Avx2 => has_features!("avx2"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

/// Which f32 matrix-vector kernel runs. All give the same bits: they write the same sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum F32Kernel {
    Portable,
    Avx,
    Avx512,
}

impl F32Kernel {
    /// The widest kernel this CPU runs (run-time detection with `std`).
    pub(crate) fn detect() -> F32Kernel {
        [F32Kernel::Avx512, F32Kernel::Avx]
            .into_iter()
            .find(|k| k.is_available())
            .unwrap_or(F32Kernel::Portable)
    }

    pub(crate) fn is_available(self) -> bool {
        match self {
            F32Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            F32Kernel::Avx512 => has_features!("avx512f"),
            #[cfg(target_arch = "x86_64")]
            F32Kernel::Avx => has_features!("avx"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

/// The nonzero inputs with their rows, four at a time; the last group may be partial. The
/// order in which every kernel adds rows into `y`.
///
/// Inputs are tested 64 at a time into a bit mask, and rows taken from its set bits: no
/// branch per input (after a ReLU, whether an input is zero is a coin toss), and no work
/// per zero input beyond its test.
pub(crate) struct Groups<'a> {
    x: &'a [f32],
    /// Bit `i` set: `x[base + i]` is nonzero and not yet handed out.
    bits: u64,
    base: usize,
    /// Inputs from here on are not yet in `bits`.
    next: usize,
}

impl<'a> Groups<'a> {
    pub(crate) fn new(x: &'a [f32]) -> Self {
        Groups {
            x,
            bits: 0,
            base: 0,
            next: 0,
        }
    }

    /// The next nonzero input's row.
    #[inline(always)]
    fn row(&mut self) -> Option<usize> {
        while self.bits == 0 {
            // `next` never passes the end: it grows by the chunks' lengths.
            let rest = &self.x[self.next..];
            if rest.is_empty() {
                return None;
            }
            let chunk = &rest[..rest.len().min(64)];
            self.bits = chunk
                .iter()
                .enumerate()
                .fold(0, |bits, (i, &v)| bits | (u64::from(v != 0.0) << i));
            self.base = self.next;
            self.next += chunk.len();
        }
        let i = self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(self.base + i)
    }
}

impl Iterator for Groups<'_> {
    type Item = [Option<(f32, usize)>; 4];
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let first = self.row()?;
        let rows = [Some(first), self.row(), self.row(), self.row()];
        Some(rows.map(|r| r.map(|r| (self.x[r], r))))
    }
}

/// `y += x . kernel` (`kernel` row-major, `x.len()` rows of `y.len()` columns), zero inputs
/// skipped, each nonzero group of four rows added as `y + (((x0 r0 + x1 r1) + x2 r2) + x3 r3)`.
///
/// # Panics
/// When `kernel.len() != x.len() * y.len()`.
pub(crate) fn f32_rows(kind: F32Kernel, x: &[f32], kernel: &[f32], y: &mut [f32]) {
    check_kernel(x, kernel.len(), y);
    match kind {
        #[cfg(target_arch = "x86_64")]
        F32Kernel::Avx512 if kind.is_available() => {
            // SAFETY: the CPU has AVX-512F (checked just above); the kernel's length was
            // checked against rows and columns.
            unsafe { rows_x86::rows_avx512(x, kernel, y) }
        }
        #[cfg(target_arch = "x86_64")]
        F32Kernel::Avx if kind.is_available() => {
            // SAFETY: the CPU has AVX (checked just above); lengths as above.
            unsafe { rows_x86::rows_avx(x, kernel, y) }
        }
        _ => rows_portable(x, kernel, y),
    }
}

/// `y += x . kernel` for a bf16 kernel: [`f32_rows`] over the kernel widened to f32
/// (exact), the same sums in the same order, so the same bits.
///
/// # Panics
/// When `kernel.len() != x.len() * y.len()`.
pub(crate) fn bf16_rows(kind: Bf16Kernel, x: &[f32], kernel: &[Bf16], y: &mut [f32]) {
    check_kernel(x, kernel.len(), y);
    match kind {
        #[cfg(target_arch = "x86_64")]
        Bf16Kernel::Avx512 if kind.is_available() => {
            // SAFETY: the CPU has AVX-512 F and BW (checked just above); the kernel's
            // length was checked against rows and columns.
            unsafe { bf16_x86::rows_avx512(x, kernel, y) }
        }
        #[cfg(target_arch = "x86_64")]
        Bf16Kernel::Avx2 if kind.is_available() => {
            // SAFETY: the CPU has AVX2 (checked just above); lengths as above.
            unsafe { bf16_x86::rows_avx2(x, kernel, y) }
        }
        _ => rows_portable(x, kernel, y),
    }
}

/// Panics unless a kernel of `len` values has a row of `y.len()` values per input.
fn check_kernel(x: &[f32], len: usize, y: &[f32]) {
    let size = x
        .len()
        .checked_mul(y.len())
        .expect("rows * cols fits usize");
    assert_eq!(
        len,
        size,
        "kernel of {len} values for {} x {}",
        x.len(),
        y.len()
    );
}

/// A kernel's value as an f32 (exact for both kinds).
trait Weight: Copy {
    fn widen(self) -> f32;
}

impl Weight for f32 {
    #[inline(always)]
    fn widen(self) -> f32 {
        self
    }
}

impl Weight for Bf16 {
    #[inline(always)]
    fn widen(self) -> f32 {
        self.to_f32()
    }
}

/// The portable kernel.
fn rows_portable<W: Weight>(x: &[f32], kernel: &[W], y: &mut [f32]) {
    let cols = y.len();
    let row = |r: usize| &kernel[r * cols..(r + 1) * cols];
    for group in Groups::new(x) {
        match group {
            [
                Some((x0, r0)),
                Some((x1, r1)),
                Some((x2, r2)),
                Some((x3, r3)),
            ] => {
                let (k0, k1, k2, k3) = (row(r0), row(r1), row(r2), row(r3));
                for (j, yj) in y.iter_mut().enumerate() {
                    let (w0, w1, w2, w3) =
                        (k0[j].widen(), k1[j].widen(), k2[j].widen(), k3[j].widen());
                    *yj += x0 * w0 + x1 * w1 + x2 * w2 + x3 * w3;
                }
            }
            rest => {
                for (xi, r) in rest.into_iter().flatten() {
                    for (yj, &w) in y.iter_mut().zip(row(r)) {
                        *yj += xi * w.widen();
                    }
                }
            }
        }
    }
}

/// The `r`-th quantized input from its packed word.
#[inline]
fn byte(words: &[f32], r: usize) -> i32 {
    (words[r / 4].to_bits() >> (8 * (r % 4))) as u8 as i8 as i32
}

/// `out[o] = sum_r q[r] * w[r * cols + o]` over `rows`, summed in wrapping i32 (as the SIMD
/// instructions do, so every kernel agrees even where a sum overflows), then as f32.
/// `nonnegative` promises every `q >= 0` (then the VNNI kernels need one product per
/// group, not two).
///
/// # Panics
/// When the slices are shorter than `rows` and `cols` say.
pub(crate) fn int8_matvec(
    kernel_kind: Int8Kernel,
    words: &[f32],
    nonnegative: bool,
    kernel: &[i8],
    rows: usize,
    out: &mut [f32],
) {
    let cols = out.len();
    let size = rows.checked_mul(cols).expect("rows * cols fits usize");
    assert!(
        kernel.len() >= size,
        "kernel of {} values for {rows} x {cols}",
        kernel.len()
    );
    assert!(
        words.len() >= rows.div_ceil(4),
        "{} words for {rows} inputs",
        words.len()
    );
    let done = match kernel_kind {
        #[cfg(target_arch = "x86_64")]
        Int8Kernel::Avx512Vnni if kernel_kind.is_available() => {
            // SAFETY: the CPU has AVX-512F, BW and VNNI (checked just above); the slice
            // lengths were checked against rows and cols, which the kernel stays within.
            unsafe { int8_x86::avx512_vnni(words, nonnegative, &kernel[..size], rows, out) }
        }
        #[cfg(target_arch = "x86_64")]
        Int8Kernel::AvxVnni if kernel_kind.is_available() => {
            // SAFETY: the CPU has AVX2 and AVX-VNNI (checked just above); lengths as above.
            unsafe { int8_x86::avx_vnni(words, nonnegative, &kernel[..size], rows, out) }
        }
        _ => {
            let _ = nonnegative; // only the VNNI kernels use the promise
            0
        }
    };
    portable(words, kernel, rows, cols, done, out);
}

/// The portable kernel for columns `from..cols`, in blocks of 16 accumulators.
fn portable(words: &[f32], kernel: &[i8], rows: usize, cols: usize, from: usize, out: &mut [f32]) {
    let mut start = from;
    while start < cols {
        let end = cols.min(start + 16);
        let mut acc = [0i32; 16];
        for r in 0..rows {
            let q = byte(words, r);
            if q != 0 {
                let row = &kernel[r * cols + start..r * cols + end];
                for (a, &w) in acc.iter_mut().zip(row) {
                    *a = a.wrapping_add(q.wrapping_mul(w as i32));
                }
            }
        }
        for (o, &a) in out[start..end].iter_mut().zip(&acc) {
            *o = a as f32;
        }
        start = end;
    }
}

#[cfg(target_arch = "x86_64")]
/// Adds rows `from..rows` of columns `cols_at..cols_at + acc.len()` to `acc` (the rows a
/// SIMD kernel's groups of four left over).
fn tail_rows(
    words: &[f32],
    kernel: &[i8],
    rows: usize,
    cols: usize,
    from: usize,
    cols_at: usize,
    acc: &mut [i32],
) {
    for r in from..rows {
        let q = byte(words, r);
        for (j, a) in acc.iter_mut().enumerate() {
            *a = a.wrapping_add(q.wrapping_mul(kernel[r * cols + cols_at + j] as i32));
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// A small deterministic generator (xorshift), so no dependency is needed.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn i8(&mut self) -> i8 {
            (self.next() >> 32) as u8 as i8
        }
    }

    fn pack(q: &[i8]) -> Vec<f32> {
        q.chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                for (d, &v) in b.iter_mut().zip(c) {
                    *d = v as u8;
                }
                f32::from_bits(u32::from_le_bytes(b))
            })
            .collect()
    }

    /// The reference: the sum written out, in i64, no packing.
    fn naive(q: &[i8], w: &[i8], cols: usize) -> Vec<f32> {
        (0..cols)
            .map(|o| {
                q.iter()
                    .enumerate()
                    .map(|(r, &x)| x as i64 * w[r * cols + o] as i64)
                    .sum::<i64>() as i32 as f32
            })
            .collect()
    }

    fn kernels_on_this_machine() -> Vec<Int8Kernel> {
        let all = [
            Int8Kernel::Portable,
            Int8Kernel::AvxVnni,
            Int8Kernel::Avx512Vnni,
        ];
        let present: Vec<_> = all.into_iter().filter(|k| k.is_available()).collect();
        for k in all.iter().filter(|k| !present.contains(k)) {
            std::eprintln!("int8 kernel {k:?}: not on this CPU, not tested here");
        }
        present
    }

    #[test]
    fn every_kernel_on_this_machine_equals_the_written_out_sum() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for (rows, cols) in [
            (1, 1),
            (3, 5),
            (4, 16),
            (5, 17),
            (7, 8),
            (8, 9),
            (13, 40),
            (784, 64),
            (64, 10),
            (33, 100),
            // Whole 64-column groups, then a masked one.
            (37, 130),
            (9, 203),
            (4, 79),
        ] {
            let w: Vec<i8> = (0..rows * cols).map(|_| rng.i8()).collect();
            for signed in [false, true] {
                let mut q: Vec<i8> = (0..rows).map(|_| rng.i8()).collect();
                if !signed {
                    q.iter_mut().for_each(|v| *v = v.saturating_abs());
                }
                // Some all-zero groups of four, which the kernels skip.
                q.iter_mut().take(8).for_each(|v| *v = 0);
                let words = pack(&q);
                let expected = naive(&q, &w, cols);
                for kind in kernels_on_this_machine() {
                    let mut out = std::vec![f32::NAN; cols];
                    int8_matvec(kind, &words, !signed, &w, rows, &mut out);
                    assert_eq!(
                        out, expected,
                        "{kind:?} on {rows} x {cols}, signed inputs: {signed}"
                    );
                }
            }
        }
    }

    #[test]
    fn extreme_values_agree_on_every_kernel() {
        // -128 inputs and weights at both ends: the sign trick of the VNNI kernels must hold.
        let (rows, cols) = (37, 75);
        let w: Vec<i8> = (0..rows * cols)
            .map(|i| if i % 3 == 0 { -128 } else { 127 })
            .collect();
        let q: Vec<i8> = (0..rows)
            .map(|i| if i % 2 == 0 { -128 } else { 127 })
            .collect();
        let expected = naive(&q, &w, cols);
        for kind in kernels_on_this_machine() {
            let mut out = std::vec![0.0; cols];
            int8_matvec(kind, &pack(&q), false, &w, rows, &mut out);
            assert_eq!(out, expected, "{kind:?}");
        }
    }

    fn f32_kernels_on_this_machine() -> Vec<F32Kernel> {
        let all = [F32Kernel::Portable, F32Kernel::Avx, F32Kernel::Avx512];
        let present: Vec<_> = all.into_iter().filter(|k| k.is_available()).collect();
        for k in all.iter().filter(|k| !present.contains(k)) {
            std::eprintln!("f32 kernel {k:?}: not on this CPU, not tested here");
        }
        present
    }

    #[test]
    fn groups_are_the_nonzero_rows_in_order_four_at_a_time() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for len in [0, 1, 3, 4, 5, 31, 32, 33, 35, 36, 64, 67, 100, 257] {
            for density in [0, 1, 3, 5, 8] {
                // density in eighths; -0.0 counts as zero, NaN as nonzero.
                let x: Vec<f32> = (0..len)
                    .map(|_| match (rng.next() % 8, rng.next() % 16) {
                        (d, _) if d >= density => {
                            if rng.next().is_multiple_of(2) {
                                0.0
                            } else {
                                -0.0
                            }
                        }
                        (_, 0) => f32::NAN,
                        (_, v) => v as f32,
                    })
                    .collect();
                let nonzero: Vec<usize> = (0..len).filter(|&r| x[r] != 0.0).collect();
                let want: Vec<Vec<usize>> = nonzero.chunks(4).map(<[usize]>::to_vec).collect();
                let got: Vec<Vec<usize>> = Groups::new(&x)
                    .map(|g| {
                        g.iter()
                            .flatten()
                            .map(|&(v, r)| {
                                assert_eq!(v.to_bits(), x[r].to_bits());
                                r
                            })
                            .collect()
                    })
                    .collect();
                assert_eq!(got, want, "{len} inputs, density {density}/8");
            }
        }
    }

    /// `bias + x . w` with the grouping written out by hand with plain indexing: nonzero
    /// inputs four at a time, `y + (((x0 r0 + x1 r1) + x2 r2) + x3 r3)`, then one by one.
    fn written_out(x: &[f32], w: &[f32], bias: &[f32]) -> Vec<f32> {
        let (rows, cols) = (x.len(), bias.len());
        let nonzero: Vec<usize> = (0..rows).filter(|&r| x[r] != 0.0).collect();
        let mut expected = bias.to_vec();
        let full = nonzero.len() / 4 * 4;
        for g in nonzero[..full].chunks(4) {
            for j in 0..cols {
                expected[j] += x[g[0]] * w[g[0] * cols + j]
                    + x[g[1]] * w[g[1] * cols + j]
                    + x[g[2]] * w[g[2] * cols + j]
                    + x[g[3]] * w[g[3] * cols + j];
            }
        }
        for &r in &nonzero[full..] {
            for j in 0..cols {
                expected[j] += x[r] * w[r * cols + j];
            }
        }
        expected
    }

    #[test]
    fn every_bf16_kernel_gives_the_bits_of_the_sums_over_the_widened_weights() {
        let all = [Bf16Kernel::Portable, Bf16Kernel::Avx2, Bf16Kernel::Avx512];
        let kernels: Vec<_> = all.into_iter().filter(|k| k.is_available()).collect();
        for k in all.iter().filter(|k| !kernels.contains(k)) {
            std::eprintln!("bf16 kernel {k:?}: not on this CPU, not tested here");
        }
        let mut rng = Rng(0x5851_f42d_4c95_7f2d);
        let mut float = || (rng.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        // Whole registers of 16 and 8 lanes, every tail length, and the chapter's layers
        // (not under Miri: too slow there, and the same code paths as the smaller ones).
        let mut shapes = std::vec![(1, 1), (3, 7), (5, 16), (9, 17), (2, 15), (13, 64)];
        shapes.extend([(7, 100), (6, 256), (11, 300), (64, 10), (4, 72)]);
        if !cfg!(miri) {
            shapes.extend([(784, 512), (512, 10)]);
        }
        for (rows, cols) in shapes {
            let w: Vec<Bf16> = (0..rows * cols).map(|_| Bf16::from_f32(float())).collect();
            let widened: Vec<f32> = w.iter().map(|b| b.to_f32()).collect();
            let x: Vec<f32> = (0..rows)
                .map(|r| if r % 3 == 1 { 0.0 } else { float() })
                .collect();
            let bias: Vec<f32> = (0..cols).map(|_| float()).collect();
            let expected = written_out(&x, &widened, &bias);
            for &kind in &kernels {
                let mut y = bias.clone();
                bf16_rows(kind, &x, &w, &mut y);
                let same = y
                    .iter()
                    .zip(&expected)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "{kind:?} on {rows} x {cols}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "kernel of 47 values for 3 x 16")]
    fn a_short_bf16_kernel_is_refused_before_any_simd_load() {
        bf16_rows(
            Bf16Kernel::detect(),
            &[1.0; 3],
            &[Bf16::ZERO; 47],
            &mut [0.0; 16],
        );
    }

    #[test]
    fn every_f32_kernel_gives_the_bits_of_the_written_out_sums() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut float = || (rng.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
        for (rows, cols) in [
            (1, 1),
            (3, 7),
            (5, 16),
            (9, 17),
            (13, 64),
            (7, 100),
            (6, 256),
            (11, 300),
            (784, 512),
            (64, 10),
        ] {
            let w: Vec<f32> = (0..rows * cols).map(|_| float()).collect();
            // A third of the inputs zero (skipped), groups of four and a partial last group.
            let x: Vec<f32> = (0..rows)
                .map(|r| if r % 3 == 1 { 0.0 } else { float() })
                .collect();
            let bias: Vec<f32> = (0..cols).map(|_| float()).collect();
            let expected = written_out(&x, &w, &bias);
            for kind in f32_kernels_on_this_machine() {
                let mut y = bias.clone();
                f32_rows(kind, &x, &w, &mut y);
                let same = y
                    .iter()
                    .zip(&expected)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "{kind:?} on {rows} x {cols}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "kernel of 47 values for 3 x 16")]
    fn a_short_f32_kernel_is_refused_before_any_simd_load() {
        f32_rows(F32Kernel::detect(), &[1.0; 3], &[0.0; 47], &mut [0.0; 16]);
    }

    #[test]
    #[should_panic(expected = "words for 9 inputs")]
    fn too_few_input_words_are_refused_before_any_simd_load() {
        int8_matvec(
            Int8Kernel::detect(),
            &[0.0; 2],
            true,
            &[0; 9 * 16],
            9,
            &mut [0.0; 16],
        );
    }

    #[test]
    #[should_panic(expected = "kernel of 143 values for 9 x 16")]
    fn a_short_kernel_is_refused_before_any_simd_load() {
        int8_matvec(
            Int8Kernel::detect(),
            &[0.0; 3],
            true,
            &[0; 143],
            9,
            &mut [0.0; 16],
        );
    }
}
