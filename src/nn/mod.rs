//! Layers with statically typed forward and backward passes, models, losses and gradients.
//!
//! * [`Layer`]: inference, `forward(&x) -> y`, typed input and output.
//! * [`Train`]: a training forward that keeps what backward needs, and a backward that
//!   writes the parameter gradients (typed like the parameters: a model's gradients are a
//!   value of the model's own type) and returns the input gradient only when asked.
//! * Models are tuples of layers: `(Dense<784, 512, Relu>, Dense<512, 10, Softmax>)`.
//!   A wrong link is a compile error naming the layer and the tensor it was given.

mod activation;
mod apply;
mod combinators;
mod conv;
mod dense;
mod dropout;
mod flatten;
mod grad;
mod init;
pub mod loss;
mod macros;
mod norm;
mod params;
mod pool;
mod scratch;
mod sequential;

pub use activation::{Activation, Linear, Relu, Sigmoid, Softmax, Tanh};
pub use apply::{Abs, Apply, Cos, ElementWise, Exp, Sin, Square};
pub use combinators::{Concat, ConcatCache, PairCache, Residual, ResidualCache, Sum, SumInPlace};
pub use conv::{Conv2D, Conv2DCache, Padding, Same, Valid};
pub use dense::{Dense, DenseCache};
pub use dropout::{Dropout, DropoutCache};
pub use flatten::Flatten;
pub use grad::{value_and_grad, value_and_grad_with};
pub use init::Init;
#[doc(hidden)]
pub use macros::Stage;
pub use norm::{BatchNormalization, LayerNormalization, NormCache};
pub use params::{Params, join};
pub use pool::{AveragePooling2D, GlobalAveragePooling2D, MaxPoolCache, MaxPooling2D};
pub use sequential::Takes;
/// Derives [`Layer`] and [`Train`] for a struct of layers run in field order: a struct
/// model (see the crate docs' layers guide).
pub use shaped_derive::Model;
/// Derives [`Params`](trait@Params) for a struct of layers and tensors (see the trait).
pub use shaped_derive::Params;

use crate::shapes::Shape;
use crate::tensor::{Float, Tensor};

/// A layer (or model) that maps an input `X` to `Self::Output`.
#[diagnostic::on_unimplemented(
    message = "layer `{Self}` cannot take input `{X}`",
    label = "this layer does not accept that input",
    note = "a layer's input must match the previous layer's output (or the model's input) dim for dim"
)]
pub trait Layer<X> {
    /// What the layer returns.
    type Output;
    /// Shape checks that need the input type (Flatten's element count, Concat's widths),
    /// evaluated when the program is built; `()` for layers with none. Models and
    /// containers combine their layers' checks and evaluate them in the method you call
    /// (`forward`, `fit`, `predict`, ...), so a failing check's error ends at your line.
    const CHECK: () = ();
    /// Inference forward pass.
    fn forward(&self, x: &X) -> Self::Output;
}

/// A gradient flowing back into a layer: with respect to its output, or (for the last
/// layer, from a fused softmax + crossentropy) with respect to its pre-activation.
#[derive(Debug)]
pub enum Grad<T> {
    /// d(loss)/d(output).
    Output(T),
    /// d(loss)/d(pre-activation): the activation's backward is skipped.
    PreActivation(T),
}

impl<T> Grad<T> {
    /// Borrows the gradient mutably, keeping its kind (what `Train::backward` takes).
    pub fn as_mut(&mut self) -> Grad<&mut T> {
        match self {
            Grad::Output(t) => Grad::Output(t),
            Grad::PreActivation(t) => Grad::PreActivation(t),
        }
    }

    /// Borrows the gradient, keeping its kind (what `Train::backward` takes).
    pub fn as_ref(&self) -> Grad<&T> {
        match self {
            Grad::Output(t) => Grad::Output(t),
            Grad::PreActivation(t) => Grad::PreActivation(t),
        }
    }

    /// The gradient tensor, whatever its kind.
    pub fn into_inner(self) -> T {
        match self {
            Grad::Output(t) | Grad::PreActivation(t) => t,
        }
    }
}

/// What flows between layers: tensors of a float type, whose buffers can be reused.
/// `Send + 'static` because a model keeps its training buffers between steps, type-erased.
pub trait HasElem: Clone + Send + 'static {
    /// The element type.
    type Elem: Float;
    /// Makes `self` the shape of `like` (contents unspecified), reusing its allocation.
    fn resize_like(&mut self, like: &Self);
}

impl<S: Shape, E: Float> HasElem for Tensor<S, E> {
    type Elem = E;
    fn resize_like(&mut self, like: &Self) {
        self.set_shape(like.shape());
    }
}

/// A buffer kept across training steps: created on first use (a copy of `like`), then
/// resized in place to `like`'s shape, its contents unspecified. Layers keep their outputs
/// and gradient buffers this way, so that a warmed-up step allocates nothing.
pub fn reuse<'b, T: HasElem>(slot: &'b mut Option<T>, like: &T) -> &'b mut T {
    match slot {
        Some(buf) => {
            buf.resize_like(like);
            buf
        }
        None => slot.insert(like.clone()),
    }
}

/// A layer that can be trained: a training forward that keeps its output in a reusable
/// cache, and a backward pass. After the first step of a given batch size, neither
/// allocates.
///
/// `forward_train` takes `&mut self`, so a layer can keep state while training (a dropout
/// layer's random generator, batch normalization's running statistics). `backward` reads
/// the output gradient through a shared reference: it cannot be used as scratch, so a
/// composite layer may pass the same gradient to several branches.
#[diagnostic::on_unimplemented(
    message = "layer `{Self}` cannot be trained on input `{X}`",
    label = "this layer cannot be trained on that input",
    note = "a layer's input must match the previous layer's output (or the model's input) dim for dim, and a layer without a `Train` impl runs inference only"
)]
pub trait Train<X: HasElem>:
    Layer<X, Output: HasElem<Elem = X::Elem> + Send + 'static> + Params<X::Elem> + 'static
{
    /// Buffers reused across steps: the output and whatever backward needs. `Send +
    /// 'static` (as are the layer and its output) so that `Model` can keep them between
    /// steps without a bound in the caller's generic code.
    type Cache: Default + Send + 'static;
    /// `true` when the output is a softmax (lets crossentropy fuse its gradient).
    const SOFTMAX_OUTPUT: bool;
    /// Training forward of `x`; the output is kept in `cache` and returned.
    fn forward_train<'c>(&mut self, x: &X, cache: &'c mut Self::Cache) -> &'c Self::Output;
    /// The output the last `forward_train` kept in `cache`.
    fn output(cache: &Self::Cache) -> &Self::Output;
    /// Backward pass for the input `x` of the last `forward_train`: `grad` is the gradient
    /// at the output (or, for a fused softmax, at its input); parameter gradients are
    /// written (not added) into `grads`; the input gradient is written into `input_grad`
    /// when one is given (the first layer of a model is not asked for it).
    fn backward(
        &self,
        x: &X,
        cache: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        grads: &mut Self,
        input_grad: Option<&mut X>,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapes::Dim;

    #[test]
    fn reused_buffers_follow_the_batch_size() {
        let mut slot = None;
        let full = Tensor::<(usize, Dim<2>)>::ones((4, Dim));
        assert_eq!(reuse(&mut slot, &full).shape_dims(), [4, 2]);
        let last = Tensor::<(usize, Dim<2>)>::ones((3, Dim));
        assert_eq!(reuse(&mut slot, &last).shape_dims(), [3, 2]);
        assert_eq!(reuse(&mut slot, &full).shape_dims(), [4, 2]);
        let mut buf = last.clone();
        buf.resize_like(&full);
        assert_eq!((buf.shape_dims(), buf.as_slice().len()), ([4, 2], 8));
    }
}
