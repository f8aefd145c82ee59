//! Keras's `Flatten`: `(B, 28, 28) -> (B, 784)`.

use super::{Grad, HasElem, Layer, Params, Train};
use crate::shapes::rules::HasAxis;
use crate::shapes::{Dim, Dimension, checks};
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Params)]
pub struct Flatten<const N: usize>;

impl<S: HasAxis<0>, const N: usize, E: Float> Layer<Tensor<S, E>> for Flatten<N> {
    type Output = Tensor<(S::Dim, Dim<N>), E>;
    const CHECK: () = checks::ok(checks::flatten_inner::<S>(N));
    fn forward(&self, x: &Tensor<S, E>) -> Self::Output {
        let () = <Self as Layer<Tensor<S, E>>>::CHECK;
        x.clone().flatten_inner_unchecked()
    }
}

impl<S: HasAxis<0>, const N: usize, E: Float> Train<Tensor<S, E>> for Flatten<N> {
    /// The flattened output.
    type Cache = Option<Tensor<(S::Dim, Dim<N>), E>>;
    const SOFTMAX_OUTPUT: bool = false;
    fn forward_train<'c>(
        &mut self,
        x: &Tensor<S, E>,
        cache: &'c mut Self::Cache,
    ) -> &'c Self::Output {
        let () = <Self as Layer<Tensor<S, E>>>::CHECK;
        let batch = S::Dim::from_size(x.batch_size()).expect("the first dim of S");
        let out = cache.get_or_insert_with(|| Tensor::zeros((batch, Dim)));
        out.set_shape((batch, Dim));
        out.as_mut_slice().copy_from_slice(x.as_slice());
        out
    }
    fn output(cache: &Self::Cache) -> &Self::Output {
        cache.as_ref().expect("forward_train runs before backward")
    }
    fn backward(
        &self,
        x: &Tensor<S, E>,
        _: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        _: &mut Self,
        input_grad: Option<&mut Tensor<S, E>>,
    ) {
        let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
        if let Some(dx) = input_grad {
            dx.resize_like(x);
            dx.as_mut_slice().copy_from_slice(g.as_slice());
        }
    }
}
