//! Layers with statically typed forward and backward passes, models, losses and gradients.
//!
//! * [`Layer`]: inference, `forward(&x) -> y`, typed input and output.
//! * [`Train`]: a training forward that keeps what backward needs, and a backward that
//!   writes the parameter gradients (typed like the parameters: a model's gradients are a
//!   value of the model's own type) and returns the input gradient only when asked.
//! * Models are tuples of layers: `(Dense<784, 512, Relu>, Dense<512, 10, Softmax>)`.
//!   A wrong link is a compile error naming the layer and the tensor it was given.

mod activation;
mod dense;
mod flatten;
mod grad;
mod init;
pub mod loss;
mod params;
mod sequential;

pub use activation::{Activation, Linear, Relu, Sigmoid, Softmax, Tanh};
pub use dense::Dense;
pub use flatten::Flatten;
pub use grad::{value_and_grad, value_and_grad_with};
pub use init::Init;
pub use params::Params;

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
    /// Inference forward pass.
    fn forward(&self, x: &X) -> Self::Output;
}

/// A gradient flowing back into a layer: with respect to its output, or (for the last
/// layer, from a fused softmax + crossentropy) with respect to its pre-activation.
#[derive(Clone, Debug)]
pub enum Grad<T> {
    /// d(loss)/d(output).
    Output(T),
    /// d(loss)/d(pre-activation): the activation's backward is skipped.
    PreActivation(T),
}

/// The element type of a layer's input tensor.
pub trait HasElem {
    /// The element type.
    type Elem: Float;
}

impl<S: Shape, E: Float> HasElem for Tensor<S, E> {
    type Elem = E;
}

/// A layer that can be trained: forward with a cache, and backward.
pub trait Train<X: HasElem>: Layer<X> + Params<X::Elem> {
    /// What the training forward keeps for backward.
    type Cache;
    /// `true` when the output is a softmax (lets crossentropy fuse its gradient).
    const SOFTMAX_OUTPUT: bool;
    /// Forward pass that keeps its input and activations; takes the input by value so the
    /// cache can own it without a copy.
    fn forward_train(&self, x: X) -> (Self::Output, Self::Cache);
    /// Backward pass: writes parameter gradients into `grads` (overwriting them) and
    /// returns the input gradient when `need_input_grad` is true.
    fn backward(
        &self,
        cache: Self::Cache,
        grad: Grad<Self::Output>,
        grads: &mut Self,
        need_input_grad: bool,
    ) -> Option<X>;
}
