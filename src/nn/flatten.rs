//! Keras's `Flatten`: `(B, 28, 28) -> (B, 784)`.

use super::{Grad, Layer, Params, Train};
use crate::shapes::Dim;
use crate::shapes::rules::HasAxis;
use crate::tensor::{Float, Tensor};

/// Flattens every axis after the batch axis into `N` features; the element count is
/// checked when the program is built.
///
/// ```
/// use shaped::nn::{Flatten, Layer};
/// use shaped::{Dim, Tensor};
/// let x = Tensor::<(usize, Dim<28>, Dim<28>)>::zeros((2, Dim, Dim));
/// assert_eq!(Flatten::<784>.forward(&x).shape_dims(), [2, 784]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flatten<const N: usize>;

impl<S: HasAxis<0>, const N: usize, E: Float> Layer<Tensor<S, E>> for Flatten<N> {
    type Output = Tensor<(S::Dim, Dim<N>), E>;
    fn forward(&self, x: &Tensor<S, E>) -> Self::Output {
        x.clone().flatten_inner::<N>()
    }
}

impl<const N: usize, E: Float> Params<E> for Flatten<N> {
    fn visit(&self, _: &str, _: &mut dyn FnMut(&str, &[E], &[usize])) {}
    fn visit_mut(&mut self, _: &mut dyn FnMut(&mut [E])) {}
    fn zip_update<const K: usize>(
        &mut self,
        _: &Self,
        _: [&mut Self; K],
        _: &mut dyn FnMut(&mut [E], &[E], [&mut [E]; K]),
    ) {
    }
}

impl<S: HasAxis<0>, const N: usize, E: Float> Train<Tensor<S, E>> for Flatten<N> {
    /// The input shape, to unflatten the gradient.
    type Cache = S;
    const SOFTMAX_OUTPUT: bool = false;
    fn forward_train(&self, x: Tensor<S, E>) -> (Self::Output, S) {
        let shape = x.shape();
        (x.flatten_inner::<N>(), shape)
    }
    fn backward(
        &self,
        shape: S,
        grad: Grad<Self::Output>,
        _: &mut Self,
        need_input_grad: bool,
    ) -> Option<Tensor<S, E>> {
        let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
        need_input_grad.then(|| Tensor::from_vec(shape, g.into_vec()))
    }
}
