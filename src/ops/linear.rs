//! The batched linear map `y = x . w` (a batch of rows times a matrix) with its two
//! vector-Jacobian products, the building block of dense layers. All write into reused
//! buffers, so a training step built on them allocates nothing.

use crate::kernels::{Mat, gemm, num_threads, par_chunks};
use crate::shapes::{Dim, Dimension};
use crate::tensor::{Float, Tensor};

/// A row-major `(rows, cols)` matrix read straight or transposed.
/// A row-major `rows x cols` matrix over `data`, or the transpose of a row-major
/// `cols x rows` one (a view, no copy).
pub(crate) fn mat<E>(data: &[E], rows: usize, cols: usize, transposed: bool) -> Mat<'_, E> {
    if transposed {
        // Element (i, j) of the transpose of a row-major (cols, rows) matrix.
        Mat {
            rows,
            cols,
            rs: 1,
            cs: rows,
            data,
        }
    } else {
        Mat {
            rows,
            cols,
            rs: cols,
            cs: 1,
            data,
        }
    }
}

/// `out = x . w` for a batch of rows `x: (B, I)` and `w: (I, O)`; `out` takes `x`'s batch.
///
/// ```
/// use shaped::ops::linear_into;
/// use shaped::{Dim, Tensor};
/// let x = Tensor::<(usize, Dim<2>)>::from_vec((1, Dim), vec![1.0, 2.0]);
/// let w = Tensor::<(Dim<2>, Dim<3>)>::from([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]);
/// let mut y = Tensor::<(usize, Dim<3>)>::zeros((0, Dim));
/// linear_into(&x, &w, &mut y);
/// assert_eq!(y.as_slice(), &[1.0, 2.0, 3.0]);
/// ```
pub fn linear_into<B: Dimension, const I: usize, const O: usize, E: Float>(
    x: &Tensor<(B, Dim<I>), E>,
    w: &Tensor<(Dim<I>, Dim<O>), E>,
    out: &mut Tensor<(B, Dim<O>), E>,
) {
    let batch = x.batch_size();
    out.set_shape((x.shape().0, Dim));
    gemm(
        mat(x.as_slice(), batch, I, false),
        mat(w.as_slice(), I, O, false),
        E::zero(),
        out.as_mut_slice(),
    );
}

/// The gradient of `x . w` with respect to `w`: `dw = x^T . g` (x read transposed in
/// place, no copy). `g` is the gradient at the output, `(B, O)`.
pub fn linear_backward_weight_into<B: Dimension, const I: usize, const O: usize, E: Float>(
    x: &Tensor<(B, Dim<I>), E>,
    g: &Tensor<(B, Dim<O>), E>,
    dw: &mut Tensor<(Dim<I>, Dim<O>), E>,
) {
    let batch = x.batch_size();
    assert_eq!(batch, g.batch_size(), "linear backward: batch sizes differ");
    gemm(
        mat(x.as_slice(), I, batch, true),
        mat(g.as_slice(), batch, O, false),
        E::zero(),
        dw.as_mut_slice(),
    );
}

/// The gradient of `x . w` with respect to `x`: `dx = g . w^T` (w read transposed in
/// place); `dx` takes `g`'s batch.
pub fn linear_backward_input_into<B: Dimension, const I: usize, const O: usize, E: Float>(
    g: &Tensor<(B, Dim<O>), E>,
    w: &Tensor<(Dim<I>, Dim<O>), E>,
    dx: &mut Tensor<(B, Dim<I>), E>,
) {
    let batch = g.batch_size();
    dx.set_shape((g.shape().0, Dim));
    gemm(
        mat(g.as_slice(), batch, O, false),
        mat(w.as_slice(), O, I, true),
        E::zero(),
        dx.as_mut_slice(),
    );
}

/// The gradient of a bias added to every row: the column sums of `g`, `(O,)`.
pub fn bias_backward_into<B: Dimension, const O: usize, E: Float>(
    g: &Tensor<(B, Dim<O>), E>,
    db: &mut Tensor<(Dim<O>,), E>,
) {
    column_sums_into(g.as_slice(), db.as_mut_slice());
}

/// Overwrites `sums` with the column sums of `rows` (rows of `sums.len()` values): a bias
/// gradient. Columns are split over the threads for a large batch, each summed over the
/// rows in order: the same sums on any thread count.
pub(crate) fn column_sums_into<E: Float>(rows: &[E], sums: &mut [E]) {
    let width = sums.len();
    let columns = if rows.len() >= PAR_BIAS_VALUES {
        width.div_ceil(num_threads()).next_multiple_of(16)
    } else {
        width
    };
    par_chunks(sums, columns.max(1), 2, &|p, part| {
        let first = p * columns;
        part.iter_mut().for_each(|b| *b = E::zero());
        for row in rows.chunks_exact(width) {
            part.iter_mut()
                .zip(&row[first..])
                .for_each(|(b, &r)| *b += r);
        }
    });
}

/// Gradients of fewer values than this sum their bias on one thread.
const PAR_BIAS_VALUES: usize = 1 << 16;
