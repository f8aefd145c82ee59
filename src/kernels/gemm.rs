//! The safe entry to matrix products: bounds checked with checked arithmetic, then split
//! over the pool and dispatched to shaped's f32 kernels or matrixmultiply.

use super::pool;
use super::sgemm::{self, Strided};

/// A strided matrix inside a slice: element (i, j) is at `i * rs + j * cs`.
#[derive(Clone, Copy)]
pub(crate) struct Mat<'a, E> {
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
    pub data: &'a [E],
}

impl<E> Mat<'_, E> {
    /// One past the largest offset the matrix reads (0 when empty), or `None` when that
    /// offset does not fit in `usize`.
    fn extent(&self) -> Option<usize> {
        if self.rows == 0 || self.cols == 0 {
            return Some(0);
        }
        let last_row = (self.rows - 1).checked_mul(self.rs)?;
        let last_col = (self.cols - 1).checked_mul(self.cs)?;
        last_row.checked_add(last_col)?.checked_add(1)
    }

    /// `true` when every element lies inside `data`.
    fn fits(&self) -> bool {
        self.extent().is_some_and(|end| end <= self.data.len())
    }

    /// The strides with those of size-1 axes set to 0: they are never multiplied by a
    /// non-zero index, and an arbitrary one need not fit in `isize`.
    fn strides(&self) -> (usize, usize) {
        let rs = if self.rows > 1 { self.rs } else { 0 };
        let cs = if self.cols > 1 { self.cs } else { 0 };
        (rs, cs)
    }
}

/// Element types with a product kernel. Sealed: implemented for `f32` and `f64` only, and
/// required by [`Float`](crate::tensor::Float).
pub trait GemmElement: Copy + Send + Sync + num_traits::Float + 'static {
    /// `C = A.B + beta * C` on strided matrices, C row-major with row stride `rsc`.
    ///
    /// # Safety
    /// For every `i < m, l < k, j < n`, the offsets `i*rsa + l*csa`, `l*rsb + j*csb` and
    /// `i*rsc + j` must lie inside the allocations behind `a`, `b` and `c`; every stride
    /// is at most `isize::MAX`; C does not overlap A or B.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn raw_gemm(
        m: usize,
        k: usize,
        n: usize,
        a: (*const Self, usize, usize),
        b: (*const Self, usize, usize),
        beta: Self,
        c: *mut Self,
        rsc: usize,
    );

    /// `y += x . W` for the row-major `W` of `x.len()` rows and `y.len()` columns; rows with
    /// a zero `x` are skipped. Panics when `w.len()` is not `x.len() * y.len()`.
    #[doc(hidden)]
    #[track_caller]
    fn vec_mat_acc(x: &[Self], w: &[Self], y: &mut [Self]) {
        let n = y.len();
        super::gemv::check_matrix(x.len(), w.len(), n);
        super::gemv::vec_mat_plain(x, w, n, y);
    }
}

impl GemmElement for f32 {
    #[track_caller]
    fn vec_mat_acc(x: &[f32], w: &[f32], y: &mut [f32]) {
        super::gemv::vec_mat_acc(x, w, y);
    }

    unsafe fn raw_gemm(
        m: usize,
        k: usize,
        n: usize,
        (a, rsa, csa): (*const f32, usize, usize),
        (b, rsb, csb): (*const f32, usize, usize),
        beta: f32,
        c: *mut f32,
        rsc: usize,
    ) {
        if sgemm::available() {
            let a = Strided {
                ptr: a,
                rs: rsa,
                cs: csa,
            };
            let b = Strided {
                ptr: b,
                rs: rsb,
                cs: csb,
            };
            // SAFETY: forwarded contract (every element addressable), and a kernel runs here.
            unsafe { sgemm::sgemm(m, k, n, a, b, beta, c, rsc) }
        } else {
            // SAFETY: forwarded contract; strides fit in isize (contract).
            unsafe {
                matrixmultiply::sgemm(
                    m,
                    k,
                    n,
                    1.0,
                    a,
                    rsa as isize,
                    csa as isize,
                    b,
                    rsb as isize,
                    csb as isize,
                    beta,
                    c,
                    rsc as isize,
                    1,
                )
            }
        }
    }
}

impl GemmElement for f64 {
    unsafe fn raw_gemm(
        m: usize,
        k: usize,
        n: usize,
        (a, rsa, csa): (*const f64, usize, usize),
        (b, rsb, csb): (*const f64, usize, usize),
        beta: f64,
        c: *mut f64,
        rsc: usize,
    ) {
        // SAFETY: forwarded contract; strides fit in isize (contract).
        unsafe {
            matrixmultiply::dgemm(
                m,
                k,
                n,
                1.0,
                a,
                rsa as isize,
                csa as isize,
                b,
                rsb as isize,
                csb as isize,
                beta,
                c,
                rsc as isize,
                1,
            )
        }
    }
}

/// `out = a . b + beta * out` where `out` is a row-major `a.rows x b.cols` matrix.
///
/// Panics (never undefined behaviour) when a matrix does not fit in its slice, also when
/// its extent overflows `usize`.
#[track_caller]
pub(crate) fn gemm<E: GemmElement>(a: Mat<'_, E>, b: Mat<'_, E>, beta: E, out: &mut [E]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "gemm: inner dims differ");
    assert!(a.fits() && b.fits(), "gemm: operand out of bounds");
    let len = m.checked_mul(n);
    assert!(
        len.is_some_and(|len| len <= out.len()),
        "gemm: output too small"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        out[..m * n].iter_mut().for_each(|c| *c = beta * *c);
        return;
    }
    // From here on every offset below is at most an extent checked above, and each extent
    // is at most a slice length (<= isize::MAX), so no product below overflows.
    let ((rsa, csa), (rsb, csb)) = (a.strides(), b.strides());
    // Large products are split into blocks of columns (or of rows when there are few
    // columns), one per thread; each block is an independent kernel call over the same
    // summation order, so the split never changes a result.
    let flops = m.saturating_mul(k).saturating_mul(n).saturating_mul(2);
    let threads = if flops >= PARALLEL_FLOPS {
        pool::num_threads()
    } else {
        1
    };
    let by_columns = n >= m || m < 2 * BLOCK_ALIGN;
    let len = if by_columns { n } else { m };
    let block = block_size(len, threads, by_columns);
    // The last block takes the remainder, so no block is shorter than `block`.
    let parts = (len / block).max(1);
    let c = SharedOut(out.as_mut_ptr());
    let run_part = |p: usize| {
        let lo = p * block;
        let hi = if p + 1 == parts { len } else { lo + block };
        let (rows, cols, a_off, b_off, c_off) = if by_columns {
            (m, hi - lo, 0, lo * csb, lo)
        } else {
            (hi - lo, n, lo * rsa, 0, lo * n)
        };
        // SAFETY: `fits` bounded every offset of the whole product inside `a.data`,
        // `b.data` and `out`; a block reads a sub-matrix of `a`/`b` and writes only its own
        // rows/columns of `out`, which no other block touches (blocks partition `0..len`).
        // Strides are at most an extent, hence at most isize::MAX.
        unsafe {
            E::raw_gemm(
                rows,
                k,
                cols,
                (a.data.as_ptr().add(a_off), rsa, csa),
                (b.data.as_ptr().add(b_off), rsb, csb),
                beta,
                c.get().add(c_off),
                n,
            );
        }
    };
    if parts <= 1 {
        run_part(0);
    } else {
        pool::run(parts, &run_part);
    }
}

/// The block length for splitting `len` rows or columns over `threads`: whole tiles, and
/// column blocks wider than the narrow kernel's 16 columns, since that kernel rounds
/// differently from the general one and a split must not change the kernel.
fn block_size(len: usize, threads: usize, by_columns: bool) -> usize {
    let least = if by_columns {
        sgemm::NARROW + BLOCK_ALIGN
    } else {
        BLOCK_ALIGN
    };
    let share = len / threads.max(1);
    (share - share % BLOCK_ALIGN).max(least)
}

/// Products below this many floating-point operations stay on one thread: a dispatch to
/// the pool measured 0.3 us, a product of a million operations some 10 us. Lowered from
/// 4 million so that the chapter's 10-class layer (128x512x10, 1.3 million) splits too:
/// its three products per step were most of what the second thread waited for (the MLP's
/// 2-thread epoch 1-3% faster, interleaved runs).
const PARALLEL_FLOPS: usize = 1 << 20;
/// Blocks of columns or rows are multiples of this (whole micro-kernel tiles).
const BLOCK_ALIGN: usize = 16;

/// The output pointer, shared by the blocks of one product (each writes its own part).
struct SharedOut<E>(*mut E);

impl<E> SharedOut<E> {
    fn get(&self) -> *mut E {
        self.0
    }
}

// SAFETY: blocks write disjoint elements through this pointer (see `gemm`), and `gemm`
// does not return before every block has finished.
unsafe impl<E: Send> Sync for SharedOut<E> {}

#[cfg(test)]
mod tests {
    use super::{Mat, block_size, gemm};

    #[test]
    fn gemm_reads_exactly_to_the_end_of_strided_operands() {
        // a: 2x3 stored transposed (column-major) in exactly 6 elements; b: 3x2 with a
        // padded row stride of 3 whose last element is the slice's last.
        let a = [1.0f64, 4.0, 2.0, 5.0, 3.0, 6.0];
        let b = [1.0f64, 2.0, 0.0, 3.0, 4.0, 0.0, 5.0, 6.0];
        let mut out = [0.0; 4];
        gemm(
            Mat {
                rows: 2,
                cols: 3,
                rs: 1,
                cs: 2,
                data: &a,
            },
            Mat {
                rows: 3,
                cols: 2,
                rs: 3,
                cs: 1,
                data: &b,
            },
            0.0,
            &mut out,
        );
        assert_eq!(out, [22.0, 28.0, 49.0, 64.0]);
    }

    #[test]
    #[should_panic(expected = "operand out of bounds")]
    fn gemm_refuses_operands_past_their_slice() {
        let a = [1.0f32; 5];
        let mut out = [0.0; 4];
        gemm(
            Mat {
                rows: 2,
                cols: 3,
                rs: 3,
                cs: 1,
                data: &a,
            },
            Mat {
                rows: 3,
                cols: 2,
                rs: 2,
                cs: 1,
                data: &[1.0; 6],
            },
            0.0,
            &mut out,
        );
    }

    #[test]
    #[should_panic(expected = "output too small")]
    fn gemm_refuses_a_short_output() {
        let mut out = [0.0f32; 3];
        gemm(
            Mat {
                rows: 2,
                cols: 1,
                rs: 1,
                cs: 1,
                data: &[1.0; 2],
            },
            Mat {
                rows: 1,
                cols: 2,
                rs: 2,
                cs: 1,
                data: &[1.0; 2],
            },
            0.0,
            &mut out,
        );
    }

    #[test]
    fn empty_products_are_zero() {
        let mut out = [5.0f32; 4];
        gemm(
            Mat {
                rows: 2,
                cols: 0,
                rs: 0,
                cs: 1,
                data: &[],
            },
            Mat {
                rows: 0,
                cols: 2,
                rs: 2,
                cs: 1,
                data: &[],
            },
            0.0,
            &mut out,
        );
        assert_eq!(out, [0.0; 4]);
    }

    #[test]
    #[should_panic(expected = "operand out of bounds")]
    fn gemm_refuses_an_extent_that_overflows() {
        // (rows - 1) * rs wraps to a small number without checked arithmetic.
        let a = [1.0f32; 4];
        let mut out = [0.0f32; 4];
        gemm(
            Mat {
                rows: (1 << 63) + 1,
                cols: 2,
                rs: 2,
                cs: 1,
                data: &a,
            },
            Mat {
                rows: 2,
                cols: 1,
                rs: 1,
                cs: 1,
                data: &[1.0; 2],
            },
            0.0,
            &mut out,
        );
    }

    #[test]
    #[should_panic(expected = "output too small")]
    fn gemm_refuses_an_output_size_that_overflows() {
        // m * n wraps to 0: an unchecked product would accept an empty output.
        let mut out = [0.0f64; 0];
        gemm(
            Mat {
                rows: 1 << 32,
                cols: 0,
                rs: 0,
                cs: 0,
                data: &[],
            },
            Mat {
                rows: 0,
                cols: 1 << 32,
                rs: 0,
                cs: 0,
                data: &[],
            },
            0.0,
            &mut out,
        );
    }

    #[test]
    fn a_single_row_with_a_huge_stride_reads_only_that_row() {
        // The stride of a size-1 axis is never used; it must not reach the kernel as a
        // negative isize.
        let a = [1.0f32, 2.0];
        let mut out = [0.0f32; 1];
        gemm(
            Mat {
                rows: 1,
                cols: 2,
                rs: usize::MAX,
                cs: 1,
                data: &a,
            },
            Mat {
                rows: 2,
                cols: 1,
                rs: 1,
                cs: usize::MAX,
                data: &[3.0, 4.0],
            },
            0.0,
            &mut out,
        );
        assert_eq!(out, [11.0]);
    }

    #[test]
    fn column_blocks_never_drop_to_the_narrow_kernel() {
        for len in [17, 33, 100, 520, 1000, 4096] {
            for threads in [1, 2, 3, 16, 64] {
                let block = block_size(len, threads, true);
                let parts = (len / block).max(1);
                let last = len - (parts - 1) * block;
                assert!(block > 16 && last >= block.min(len), "{len} over {threads}");
                assert_eq!(block % 16, 0);
            }
        }
    }
}
