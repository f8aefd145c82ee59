//! Tensor products (`np.dot` / `matmul`) on strided views: shaped's own f32 kernels where
//! the CPU has them (see the kernels layer), matrixmultiply otherwise.

use crate::kernels::AlignedVec;
use crate::kernels::{Mat, gemm};
use crate::shapes::rules::MatMul;
use crate::shapes::{Shape, ShapeError, checked_len};
use crate::tensor::{AsView, Float, Tensor, TensorView};

use super::binary::unwrap_shape;

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
    let out_len = checked_len::<E>("matmul", &[batch, m, n])?;
    if out.len() != out_len {
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
    let fused = batch > 1 && m.checked_mul(rsa) == Some(batch_stride);
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
    let (da, db) = (a.shape.dims(), b.shape.dims());
    let (da, db) = (da.as_ref(), db.as_ref());
    // Output size: every rule drops the inner dim of both operands.
    let out_dims: Vec<usize> = match (da.len(), db.len()) {
        (1..=3, 1 | 2) if da.last() == db.first() => {
            da[..da.len() - 1].iter().chain(&db[1..]).copied().collect()
        }
        _ => return Err(ShapeError::incompatible("matmul", da, db)),
    };
    let size = checked_len::<E>("matmul", &out_dims)?;
    let mut out = AlignedVec::filled(E::zero(), size);
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
