//! Strided read-only views: a transposed matrix without a copy.

use super::{Dtype, Tensor};
use crate::kernels::AlignedVec;
use crate::shapes::{Dimension, Shape};

/// A borrowed, possibly non-contiguous window on a tensor's data.
///
/// Products read views directly (the kernels take strides), so `a.t()` costs nothing.
#[derive(Clone, Copy, Debug)]
pub struct TensorView<'a, S: Shape, E: Dtype> {
    pub(crate) shape: S,
    pub(crate) strides: S::Dims,
    pub(crate) data: &'a [E],
}

impl<'a, S: Shape, E: Dtype> TensorView<'a, S, E> {
    /// The shape value.
    pub fn shape(&self) -> S {
        self.shape
    }

    /// The strides in elements.
    pub fn strides(&self) -> S::Dims {
        self.strides
    }

    /// Copies the viewed elements into a new contiguous tensor.
    pub fn to_tensor(&self) -> Tensor<S, E> {
        let dims = self.shape.dims();
        let data = if self.strides == self.shape.strides() {
            self.data[..self.shape.numel()].into()
        } else {
            let mut out = AlignedVec::with_capacity(self.shape.numel());
            gather(dims.as_ref(), self.strides.as_ref(), self.data, 0, &mut out);
            out
        };
        Tensor::from_parts(self.shape, data)
    }
}

fn gather<E: Copy>(
    dims: &[usize],
    strides: &[usize],
    data: &[E],
    offset: usize,
    out: &mut AlignedVec<E>,
) {
    match dims {
        [] => out.push(data[offset]),
        [n] => out.extend((0..*n).map(|i| data[offset + i * strides[0]])),
        [n, ..] => {
            for i in 0..*n {
                gather(
                    &dims[1..],
                    &strides[1..],
                    data,
                    offset + i * strides[0],
                    out,
                );
            }
        }
    }
}

/// Anything a product can read: tensors (owned or borrowed) and views.
pub trait AsView<E: Dtype> {
    /// The shape of the viewed data.
    type Shape: Shape;
    /// A strided view on the data.
    fn as_view(&self) -> TensorView<'_, Self::Shape, E>;
}

impl<S: Shape, E: Dtype> AsView<E> for Tensor<S, E> {
    type Shape = S;
    fn as_view(&self) -> TensorView<'_, S, E> {
        TensorView {
            shape: self.shape(),
            strides: self.shape().strides(),
            data: self.as_slice(),
        }
    }
}

impl<T: AsView<E>, E: Dtype> AsView<E> for &T {
    type Shape = T::Shape;
    fn as_view(&self) -> TensorView<'_, T::Shape, E> {
        (**self).as_view()
    }
}

impl<S: Shape, E: Dtype> AsView<E> for TensorView<'_, S, E> {
    type Shape = S;
    fn as_view(&self) -> TensorView<'_, S, E> {
        *self
    }
}

impl<S: Shape, E: Dtype> Tensor<S, E> {
    /// A contiguous view of the whole tensor.
    pub fn view(&self) -> TensorView<'_, S, E> {
        self.as_view()
    }
}

impl<M: Dimension, N: Dimension, E: Dtype> Tensor<(M, N), E> {
    /// The transpose as a view: no data moves (use [`transpose`](Self::transpose) for a copy).
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<2>, Dim<3>)>::from([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    /// let gram = x.t().matmul(&x); // (3, 2) . (2, 3), no copy of x
    /// assert_eq!(gram.shape_dims(), [3, 3]);
    /// ```
    pub fn t(&self) -> TensorView<'_, (N, M), E> {
        let (rows, cols) = self.shape();
        TensorView {
            shape: (cols, rows),
            strides: [1, cols.size()],
            data: self.as_slice(),
        }
    }
}
