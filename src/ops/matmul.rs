//! Tensor products (`np.dot` / `matmul`) on strided views: shaped's own f32 kernels where
//! the CPU has them (see `sgemm`), matrixmultiply otherwise.

use crate::shapes::rules::MatMul;
use crate::shapes::{Shape, ShapeError};
use crate::tensor::{AsView, Float, Tensor, TensorView};

use super::binary::unwrap_shape;

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
    /// One past the largest offset the matrix reads; 0 when it is empty.
    fn extent(&self) -> usize {
        if self.rows == 0 || self.cols == 0 {
            0
        } else {
            (self.rows - 1) * self.rs + (self.cols - 1) * self.cs + 1
        }
    }
}

/// `out = a . b + beta * out` where `out` is a row-major `a.rows x b.cols` matrix.
///
/// Panics (never undefined behaviour) when a matrix does not fit in its slice.
pub(crate) fn gemm<E: Float>(a: Mat<'_, E>, b: Mat<'_, E>, beta: E, out: &mut [E]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "gemm: inner dims differ");
    assert!(
        a.extent() <= a.data.len() && b.extent() <= b.data.len(),
        "gemm: operand out of bounds"
    );
    assert!(out.len() >= m * n, "gemm: output too small");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        out[..m * n].iter_mut().for_each(|c| *c = beta * *c);
        return;
    }
    // Large products are split into blocks of columns (or of rows when there are few
    // columns), one per thread; each block is an independent kernel call.
    let threads = if 2 * m * k * n >= PARALLEL_FLOPS {
        super::threads::num_threads()
    } else {
        1
    };
    // Split the longer side: each thread then packs the smaller share of the operands.
    let by_columns = n >= m || m < 2 * BLOCK_ALIGN;
    let len = if by_columns { n } else { m };
    let block = len.div_ceil(threads).next_multiple_of(BLOCK_ALIGN).max(1);
    let parts = len.div_ceil(block);
    let c = SharedOut(out.as_mut_ptr());
    let run_part = |p: usize| {
        let (lo, hi) = (p * block, ((p + 1) * block).min(len));
        let (rows, cols, a_off, b_off, c_off) = if by_columns {
            (m, hi - lo, 0, lo * b.cs, lo)
        } else {
            (hi - lo, n, lo * a.rs, 0, lo * n)
        };
        // SAFETY: the asserts above bound every offset of the whole product; a block reads a
        // sub-matrix of `a`/`b` and writes only its own rows/columns of `out`, which no
        // other block touches (blocks partition `0..len`). Strides fit in isize because the
        // offsets they produce are below a slice length.
        unsafe {
            E::gemm(
                rows,
                k,
                cols,
                E::one(),
                a.data.as_ptr().add(a_off),
                a.rs as isize,
                a.cs as isize,
                b.data.as_ptr().add(b_off),
                b.rs as isize,
                b.cs as isize,
                beta,
                c.get().add(c_off),
                n as isize,
                1,
            );
        }
    };
    if parts <= 1 {
        run_part(0);
    } else {
        super::threads::run(parts, &run_part);
    }
}

/// Products below this many floating-point operations stay on one thread (splitting
/// costs a few microseconds).
const PARALLEL_FLOPS: usize = 1 << 22;
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

/// The product of two views into `out` (overwritten); the ranks select the rule (see
/// [`MatMul`]). Returns the output shape; `out` must hold exactly its element count.
fn matmul_views_into<L, R, E>(
    a: TensorView<'_, L, E>,
    b: TensorView<'_, R, E>,
    out: &mut [E],
) -> Result<L::Output, ShapeError>
where
    L: MatMul<R>,
    R: Shape,
    E: Float,
{
    let (da, db) = (a.shape.dims(), b.shape.dims());
    let (da, db) = (da.as_ref(), db.as_ref());
    let (sa, sb) = (a.strides.as_ref(), b.strides.as_ref());
    let err = || ShapeError::incompatible("matmul", da, db);
    // Every rule reads the left operand as (batch, m, k) and the right one as (k, n).
    let (batch, m, k, rsa, csa, batch_stride) = match *da {
        [k] => (1, 1, k, 0, sa[0], 0),
        [m, k] => (1, m, k, sa[0], sa[1], 0),
        [b, m, k] => (b, m, k, sa[1], sa[2], sa[0]),
        _ => return Err(err()),
    };
    let (k2, n, rsb, csb) = match *db {
        [k] => (k, 1, sb[0], 0),
        [k, n] => (k, n, sb[0], sb[1]),
        _ => return Err(err()),
    };
    if k != k2 {
        return Err(err());
    }
    let out_dims: &[usize] = match (da.len(), db.len()) {
        (1, 1) => &[],
        (2, 1) => &[m],
        (1, 2) => &[n],
        (2, 2) => &[m, n],
        _ => &[batch, m, n],
    };
    let shape = L::Output::from_dims(out_dims).ok_or_else(err)?;
    if out.len() != batch * m * n {
        return Err(
            ShapeError::incompatible("matmul_into", out_dims, &[out.len()])
                .with_detail("the output buffer has the wrong size"),
        );
    }
    let rhs = Mat {
        rows: k,
        cols: n,
        rs: rsb,
        cs: csb,
        data: b.data,
    };
    // A batch whose rows follow each other in memory is one tall matrix: one kernel call.
    let fused = batch > 1 && batch_stride == m * rsa;
    let (calls, rows) = if fused || batch == 1 {
        (1, batch * m)
    } else {
        (batch, m)
    };
    for (i, chunk) in out
        .chunks_exact_mut((rows * n).max(1))
        .take(calls)
        .enumerate()
    {
        let lhs = Mat {
            rows,
            cols: k,
            rs: rsa,
            cs: csa,
            data: &a.data[i * batch_stride..],
        };
        gemm(lhs, rhs, E::zero(), chunk);
    }
    Ok(shape)
}

/// The product of two views into a new tensor.
pub(crate) fn try_matmul_views<L, R, E>(
    a: TensorView<'_, L, E>,
    b: TensorView<'_, R, E>,
) -> Result<Tensor<L::Output, E>, ShapeError>
where
    L: MatMul<R>,
    R: Shape,
    E: Float,
{
    let numel = |dims: &[usize]| dims.iter().product::<usize>();
    let (da, db) = (a.shape.dims(), b.shape.dims());
    let (da, db) = (da.as_ref(), db.as_ref());
    // Output size: every rule drops the inner dim of both operands.
    let size = match (da.len(), db.len()) {
        (1..=3, 1 | 2) if da.last() == db.first() => numel(&da[..da.len() - 1]) * numel(&db[1..]),
        _ => return Err(ShapeError::incompatible("matmul", da, db)),
    };
    let mut out = vec![E::zero(); size];
    let shape = matmul_views_into(a, b, &mut out)?;
    Ok(Tensor::from_parts(shape, out))
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The tensor product (numpy's `np.dot`, `@`): vector.vector, matrix.vector,
    /// vector.matrix, matrix.matrix and batch.matrix. A static inner-dim mismatch does not
    /// compile; a runtime one is an `Err` naming both shapes.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(usize, Dim<3>)>::ones((2, Dim));
    /// let w = Tensor::<(Dim<3>, Dim<4>)>::ones(Default::default());
    /// let y = x.try_matmul(&w).unwrap();
    /// assert_eq!(y.shape_dims(), [2, 4]);
    /// assert_eq!(y.as_slice(), &[3.0; 8]);
    /// ```
    pub fn try_matmul<R: AsView<E>>(&self, rhs: R) -> Result<Tensor<S::Output, E>, ShapeError>
    where
        S: MatMul<R::Shape>,
    {
        self.view().try_matmul(rhs)
    }

    /// The product written into `out`, without allocating (for hot loops).
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<2>, Dim<3>)>::ones(Default::default());
    /// let w = Tensor::<(Dim<3>, Dim<4>)>::ones(Default::default());
    /// let mut y = Tensor::<(Dim<2>, Dim<4>)>::zeros(Default::default());
    /// x.try_matmul_into(&w, &mut y).unwrap();
    /// assert_eq!(y.as_slice(), &[3.0; 8]);
    /// ```
    pub fn try_matmul_into<R: AsView<E>>(
        &self,
        rhs: R,
        out: &mut Tensor<S::Output, E>,
    ) -> Result<(), ShapeError>
    where
        S: MatMul<R::Shape>,
    {
        self.view().try_matmul_into(rhs, out)
    }

    /// Panicking form of [`try_matmul`](Self::try_matmul).
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let a = Tensor::<(Dim<2>, Dim<3>)>::from([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    /// let v = Tensor::<(Dim<3>,)>::from([1.0, 0.0, -1.0]);
    /// assert_eq!(a.matmul(&v).as_slice(), &[-2.0, -2.0]);
    /// ```
    #[track_caller]
    pub fn matmul<R: AsView<E>>(&self, rhs: R) -> Tensor<S::Output, E>
    where
        S: MatMul<R::Shape>,
    {
        unwrap_shape(self.try_matmul(rhs))
    }
}

impl<S: Shape, E: Float> TensorView<'_, S, E> {
    /// The product of a view with a tensor or view, written into `out` without allocating.
    pub fn try_matmul_into<R: AsView<E>>(
        &self,
        rhs: R,
        out: &mut Tensor<S::Output, E>,
    ) -> Result<(), ShapeError>
    where
        S: MatMul<R::Shape>,
    {
        let shape = matmul_views_into(*self, rhs.as_view(), out.as_mut_slice())?;
        if shape.dims() != out.shape_dims() {
            return Err(ShapeError::incompatible(
                "matmul_into",
                shape.dims().as_ref(),
                out.shape_dims().as_ref(),
            ));
        }
        Ok(())
    }

    /// The tensor product of a view (e.g. a transpose) with a tensor or view.
    pub fn try_matmul<R: AsView<E>>(&self, rhs: R) -> Result<Tensor<S::Output, E>, ShapeError>
    where
        S: MatMul<R::Shape>,
    {
        try_matmul_views(*self, rhs.as_view())
    }

    /// Panicking form of [`try_matmul`](Self::try_matmul).
    #[track_caller]
    pub fn matmul<R: AsView<E>>(&self, rhs: R) -> Tensor<S::Output, E>
    where
        S: MatMul<R::Shape>,
    {
        unwrap_shape(self.try_matmul(rhs))
    }
}

/// numpy's `np.dot(a, b)`: the same as `a.matmul(b)`.
///
/// ```
/// use shaped::{Dim, Tensor, ops::dot};
/// let x = Tensor::<(Dim<3>,)>::from([1.0, 2.0, 3.0]);
/// assert_eq!(dot(&x, &x).item(), 14.0);
/// ```
#[track_caller]
pub fn dot<L, R, E>(a: L, b: R) -> Tensor<<L::Shape as MatMul<R::Shape>>::Output, E>
where
    L: AsView<E>,
    R: AsView<E>,
    L::Shape: MatMul<R::Shape>,
    E: Float,
{
    unwrap_shape(try_matmul_views(a.as_view(), b.as_view()))
}

#[cfg(test)]
mod tests {
    use super::{Mat, gemm};

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
}
