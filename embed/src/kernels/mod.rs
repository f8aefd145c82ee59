//! The only `unsafe` code of the crate: SIMD bodies for the int8 matrix-vector product,
//! chosen at run time, with the portable loop they must agree with bit for bit.
//!
//! `int8_matvec` computes `out[o] = sum_r q[r] * w[r][o]` (as f32, from an exact i32 sum)
//! for a row-major `rows x cols` i8 kernel and quantized inputs `q` packed four to a word
//! (little-endian bytes, in f32 slots of the shared scratch buffer: `f32::from_bits`).

#[cfg(target_arch = "x86_64")]
mod int8_x86;

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
        if Int8Kernel::Avx512Vnni.is_available() {
            Int8Kernel::Avx512Vnni
        } else if Int8Kernel::AvxVnni.is_available() {
            Int8Kernel::AvxVnni
        } else {
            Int8Kernel::Portable
        }
    }

    /// Whether this CPU can run the kernel.
    pub fn is_available(self) -> bool {
        match self {
            Int8Kernel::Portable => true,
            #[cfg(all(target_arch = "x86_64", feature = "std"))]
            Int8Kernel::Avx512Vnni => {
                std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512vnni")
            }
            #[cfg(all(target_arch = "x86_64", feature = "std"))]
            Int8Kernel::AvxVnni => {
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("avxvnni")
            }
            #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
            Int8Kernel::Avx512Vnni => {
                cfg!(all(
                    target_feature = "avx512f",
                    target_feature = "avx512vnni"
                ))
            }
            #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
            Int8Kernel::AvxVnni => cfg!(all(target_feature = "avx2", target_feature = "avxvnni")),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
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
            // SAFETY: the CPU has AVX-512F and AVX-512 VNNI (checked just above); the slice
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
        let (rows, cols) = (36, 33);
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
