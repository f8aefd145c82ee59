//! A row vector times a row-major matrix, accumulated: `y += x . W`, where `W` has
//! `x.len()` rows and `y.len()` columns. This is a Dense layer on one sample, where a GEMM
//! would spend its time packing `W` (1.6 MB for the chapter's 784x512 kernel) to use it
//! once.
//!
//! Rows whose `x` entry is zero are skipped (81% of an MNIST image). A large `W` is split by
//! columns over the pool: each core streams only its own columns, which then stay in its
//! own L2 from one call to the next. Every `y[j]` adds its terms in row order, with fused
//! multiply-adds on the SIMD kernels, whatever the split: results are identical for every
//! thread count. With AVX-512, matrices of fewer than 16 columns (a classifier's output
//! layer) take a kernel that reads 16 rows as whole vectors and sums 16 chains of rows,
//! without skipping zeros.

use super::GemmElement;
use super::chunks::par_chunks;
use super::pool::num_threads;
use super::sgemm::{Kind, kind};

/// Matrices with fewer elements than this run on the caller's thread: waking a worker
/// costs about as much as 64K multiply-adds.
const PAR_MIN: usize = 1 << 16;

/// Matrices with fewer columns than this take the narrow kernel (never split: a part has
/// at least `PART_ALIGN` columns).
const NARROW: usize = 16;

/// Columns per part of a split: whole AVX-512 vectors, so no part has a ragged middle.
const PART_ALIGN: usize = 16;

/// `y += x . W` for the row-major `W` of `x.len()` rows and `y.len()` columns.
///
/// Panics when `w.len()` is not `x.len() * y.len()` (also when that product overflows).
#[track_caller]
pub(crate) fn vec_mat_acc(x: &[f32], w: &[f32], y: &mut [f32]) {
    let n = y.len();
    check_matrix(x.len(), w.len(), n);
    let parts = if w.len() >= PAR_MIN {
        num_threads().min(n / PART_ALIGN).max(1)
    } else {
        1
    };
    if parts == 1 {
        if (1..NARROW).contains(&n) && kind() == Some(Kind::Avx512) {
            // SAFETY: the kernel runs here; 0 < n < 16 columns, x.len() * n values in w.
            unsafe { super::avx512::vec_mat_narrow(x, w.as_ptr(), n, y) };
        } else {
            columns(x, w, n, 0, y);
        }
        return;
    }
    let per = n.div_ceil(parts).next_multiple_of(PART_ALIGN);
    par_chunks(y, per, 2, &|p, part| columns(x, w, n, p * per, part));
}

/// Panics unless a matrix of `len` values is `rows x cols` (also when that overflows).
#[track_caller]
pub(super) fn check_matrix(rows: usize, len: usize, cols: usize) {
    assert!(
        rows.checked_mul(cols) == Some(len),
        "vec_mat_acc: a matrix of {len} values is not {rows} rows of {cols} columns"
    );
}

/// `y += x . W` over `y.len()` columns, row `i` of `W` at `w[i * n..]`, zero inputs
/// skipped: any element type, no SIMD (`f64`, and `f32` on CPUs without AVX2).
pub(super) fn vec_mat_plain<E: GemmElement>(x: &[E], w: &[E], n: usize, y: &mut [E]) {
    let cols = y.len();
    for (i, &xi) in x.iter().enumerate() {
        if xi != E::zero() {
            let row = &w[i * n..i * n + cols];
            y.iter_mut().zip(row).for_each(|(y, &w)| *y = *y + xi * w);
        }
    }
}

/// `y += x . W[:, j0..j0 + y.len()]` for the row-major `W` of `x.len()` rows and `n`
/// columns.
fn columns(x: &[f32], w: &[f32], n: usize, j0: usize, y: &mut [f32]) {
    let cols = y.len();
    // Every row's slice `i * n + j0 .. i * n + j0 + cols` then lies inside `w`.
    check_matrix(x.len(), w.len(), n);
    assert!(
        j0.checked_add(cols).is_some_and(|end| end <= n),
        "vec_mat_acc: columns {j0}.. ({cols} of them) of a matrix of {n}"
    );
    if cols == 0 || x.is_empty() {
        return;
    }
    // Non-empty: j0 < n and x has a row, so j0 < w.len().
    let w = &w[j0..];
    match kind() {
        // SAFETY: the kernel runs here; every row i < x.len() has `cols` values at
        // `w[i * n..]` (asserted above).
        Some(Kind::Avx512) => unsafe { super::avx512::vec_mat(x, w.as_ptr(), n, y) },
        // SAFETY: as above.
        Some(Kind::Avx2) => unsafe { super::avx2::vec_mat(x, w.as_ptr(), n, y) },
        None => vec_mat_plain(x, w, n, y),
    }
}

#[cfg(test)]
mod tests {
    use super::vec_mat_acc;

    /// `y + x . W` in f64, element by element.
    fn reference(x: &[f32], w: &[f32], y: &[f32]) -> Vec<f64> {
        let n = y.len();
        (0..n)
            .map(|j| {
                let terms = x
                    .iter()
                    .enumerate()
                    .map(|(i, &xi)| xi as f64 * w[i * n + j] as f64);
                y[j] as f64 + terms.sum::<f64>()
            })
            .collect()
    }

    fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len as u32)
            .map(|i| ((i.wrapping_mul(2654435761) ^ seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    #[test]
    fn matches_f64_at_every_block_edge_and_split() {
        // Columns around the 16/8-lane vectors, the 128- and 64-column blocks and the split
        // of large matrices over two threads; zero entries of x are skipped.
        // Every tail of 1 to 8 vectors on both kernels (AVX-512 16 lanes, AVX2 8) appears.
        crate::kernels::set_num_threads(2);
        let mut shapes = vec![
            (1, 1),
            (3, 15),
            (5, 16),
            (7, 17),
            (2, 127),
            (9, 128),
            (4, 129),
        ];
        shapes.extend([(3, 44), (2, 100), (2, 300), (1, 513), (784, 10)]);
        // The narrow kernel: every width below 16, whole blocks of 16 rows and tails.
        for n in 1..16 {
            shapes.extend([(1, n), (15, n), (16, n), (17, n), (35, n)]);
        }
        shapes.extend([(0, 10), (5, 0), (512, 10)]);
        // Large enough to be split over the threads (too slow under Miri, and the same
        // code paths as the shapes above once split).
        if !cfg!(miri) {
            shapes.extend([(784, 512), (300, 300), (130, 513)]);
        }
        for (k, n) in shapes {
            let mut x = values(k, 1);
            x.iter_mut().step_by(3).for_each(|v| *v = 0.0);
            let w = values(k * n, 2);
            let mut y = values(n, 3);
            let expected = reference(&x, &w, &y);
            vec_mat_acc(&x, &w, &mut y);
            for (j, (&got, &want)) in y.iter().zip(&expected).enumerate() {
                let tolerance = 1e-5 * (1.0 + k as f64);
                assert!(
                    (got as f64 - want).abs() <= tolerance,
                    "{k}x{n}, column {j}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn every_start_within_a_cache_line_gives_the_same_bits() {
        // Rows of whole cache lines and of other lengths, on one and two threads: every
        // column's sum is the one the matrix gives at any other address, bit for bit.
        for (k, n) in [(37, 512), (9, 48), (20, 16), (5, 40), (64, 300)] {
            let x = values(k, 7);
            let storage = values(k * n + 16, 8);
            let y0 = values(n, 9);
            let mut want: Option<Vec<u32>> = None;
            for threads in [1, 2] {
                crate::kernels::set_num_threads(threads);
                for offset in 0..16 {
                    // The same matrix at every offset within a line.
                    let mut moved = vec![0.0f32; k * n + 16];
                    moved[offset..offset + k * n].copy_from_slice(&storage[..k * n]);
                    let mut y = y0.clone();
                    vec_mat_acc(&x, &moved[offset..offset + k * n], &mut y);
                    let bits: Vec<u32> = y.iter().map(|v| v.to_bits()).collect();
                    match &want {
                        None => {
                            let expected = reference(&x, &storage[..k * n], &y0);
                            for (&got, &want) in y.iter().zip(&expected) {
                                assert!((got as f64 - want).abs() <= 1e-5 * (1.0 + k as f64));
                            }
                            want = Some(bits);
                        }
                        Some(want) => {
                            assert_eq!(&bits, want, "{k}x{n} at offset {offset}, {threads} threads")
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_thread_count_gives_the_same_bits() {
        // Split over the threads: at least 64K values (a smaller product stays on one).
        let (k, n) = if cfg!(miri) { (124, 530) } else { (400, 530) };
        let (x, w) = (values(k, 4), values(k * n, 5));
        let run = |threads| {
            crate::kernels::set_num_threads(threads);
            let mut y = values(n, 6);
            vec_mat_acc(&x, &w, &mut y);
            y
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(3));
    }

    #[test]
    fn empty_operands_change_nothing() {
        let mut y = vec![1.5f32; 4];
        vec_mat_acc(&[], &[], &mut y);
        assert_eq!(y, [1.5; 4]);
        vec_mat_acc(&[2.0, 3.0], &[], &mut []);
    }

    #[test]
    #[should_panic(expected = "is not 3 rows of 4 columns")]
    fn a_matrix_of_the_wrong_size_panics_before_reading() {
        vec_mat_acc(&[1.0; 3], &[1.0; 11], &mut [0.0; 4]);
    }
}
