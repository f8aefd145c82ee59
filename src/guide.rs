//! # Guide: your own layers, blocks, models and optimizers
//!
//! Everything here uses the public API only, and every example is compiled and run by
//! `cargo test`. `examples/custom_layer.rs` puts the pieces together and trains them.
//!
//! ## Compose a block: no backward code
//!
//! Tuples run layers in order; [`Residual`](crate::nn::Residual) adds its input back,
//! [`Sum`](crate::nn::Sum) adds two branches, [`Concat`](crate::nn::Concat) joins their
//! features (the width is named and checked when the program is built), and
//! [`Dropout`](crate::nn::Dropout) draws a new mask at every training step.
//!
//! ```
//! use shaped::nn::{Dense, Dropout, Layer, Relu, Residual, Softmax};
//! use shaped::{Dim, Tensor};
//!
//! type Block = Residual<(Dense<64, 64, Relu>, Dense<64, 64>)>;
//! let net = (
//!     Dense::<784, 64, Relu>::new(0),
//!     Residual((Dense::new(1), Dense::new(2))) as Block,
//!     Dropout::new(0.2, 3),
//!     Dense::<64, 10, Softmax>::new(4),
//! );
//! let p = net.forward(&Tensor::<(usize, Dim<784>)>::zeros((2, Dim)));
//! assert_eq!(p.shape_dims(), [2, 10]);
//! ```
//!
//! ## A struct model
//!
//! `#[derive(Params, Model)]` turns a struct of layers into a model run in field order.
//! Parameters are named after the fields (`hidden.kernel`), a wrong link is a compile error
//! at the field that breaks it, and the struct works wherever a tuple model does.
//!
//! ```
//! use shaped::nn::{Dense, Layer, Model, Params, Relu, Softmax};
//! use shaped::{Dim, Tensor};
//!
//! #[derive(Clone, Params, Model)]
//! #[model(input = Tensor<(usize, Dim<784>)>)]
//! struct Mlp {
//!     hidden: Dense<784, 512, Relu>,
//!     out: Dense<512, 10, Softmax>,
//! }
//!
//! let mlp = Mlp { hidden: Dense::new(0), out: Dense::new(1) };
//! let mut names = Vec::new();
//! mlp.visit("", &mut |name, _, _| names.push(name.to_string()));
//! assert_eq!(names, ["hidden.kernel", "hidden.bias", "out.kernel", "out.bias"]);
//! assert_eq!(mlp.forward(&Tensor::zeros((3, Dim))).shape_dims(), [3, 10]);
//! ```
//!
//! ## Write a layer
//!
//! A layer implements [`Layer`](crate::nn::Layer) (inference) and
//! [`Train`](crate::nn::Train) (a training forward that keeps what backward needs in a
//! cache, and a backward). Parameters come from `#[derive(Params)]`: tensor fields are
//! parameters, `#[params(buffer)]` fields are saved but never trained, `#[params(config)]`
//! fields are settings saved in the file and checked on load. The ops a layer uses have
//! public backward passes (`shaped::ops::linear_backward_weight_into`,
//! `Tensor::try_mul_backward`, `Tensor::softmax_backward`, ...), and
//! [`reuse`](crate::nn::reuse) keeps buffers across steps so that training allocates
//! nothing once warmed up.
//!
//! A per-feature scale `y = x * gain`:
//!
//! ```
//! use shaped::nn::{Grad, Layer, Params, Train, reuse};
//! use shaped::{Dim, Dimension, Tensor};
//!
//! #[derive(Clone, Params)]
//! struct Scale<const N: usize> {
//!     gain: Tensor<(Dim<N>,)>,
//! }
//!
//! impl<B: Dimension, const N: usize> Layer<Tensor<(B, Dim<N>)>> for Scale<N> {
//!     type Output = Tensor<(B, Dim<N>)>;
//!     fn forward(&self, x: &Tensor<(B, Dim<N>)>) -> Self::Output {
//!         x * &self.gain
//!     }
//! }
//!
//! impl<B: Dimension, const N: usize> Train<Tensor<(B, Dim<N>)>> for Scale<N> {
//!     type Cache = Option<Tensor<(B, Dim<N>)>>; // the output
//!     const SOFTMAX_OUTPUT: bool = false;
//!     fn forward_train<'c>(&mut self, x: &Tensor<(B, Dim<N>)>, cache: &'c mut Self::Cache) -> &'c Self::Output {
//!         let out = reuse(cache, x);
//!         out.as_mut_slice().copy_from_slice(x.as_slice());
//!         *out *= &self.gain;
//!         out
//!     }
//!     fn output(cache: &Self::Cache) -> &Self::Output {
//!         cache.as_ref().expect("forward_train runs first")
//!     }
//!     fn backward(
//!         &self,
//!         x: &Tensor<(B, Dim<N>)>,
//!         _: &mut Self::Cache,
//!         grad: Grad<&Self::Output>,
//!         grads: &mut Self,
//!         input_grad: Option<&mut Tensor<(B, Dim<N>)>>,
//!     ) {
//!         let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
//!         // y = x * gain (gain broadcast over the batch): the multiplication's VJP.
//!         let (dx, dgain) = g.try_mul_backward(x, &self.gain).expect("shapes of the forward");
//!         grads.gain = dgain;
//!         if let Some(input_grad) = input_grad {
//!             *input_grad = dx;
//!         }
//!     }
//! }
//!
//! let mut layer = Scale::<3> { gain: Tensor::from([1.0, 2.0, 3.0]) };
//! let x = Tensor::<(usize, Dim<3>)>::ones((2, Dim));
//! assert_eq!(layer.forward(&x).as_slice(), &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
//! let target = Tensor::<(usize, Dim<3>)>::zeros((2, Dim));
//! let (_, grads) = shaped::nn::value_and_grad(&mut layer, &shaped::nn::loss::MeanSquaredError, &x, &target).unwrap();
//! // d mean((x * gain)^2) / d gain = 2 * gain * x^2 summed over 2 rows / 6 values.
//! assert_eq!(grads.gain.as_slice(), &[2.0 / 3.0, 4.0 / 3.0, 2.0]);
//! ```
//!
//! The gradient arrives as `Grad<&Output>`: read-only, so a block may hand the same
//! gradient to several branches. `Grad::PreActivation` only reaches a layer whose
//! `SOFTMAX_OUTPUT` is true (softmax and crossentropy fused).
//!
//! A check that needs the input type and arithmetic on its dims (an element count, a
//! sum of widths) goes in [`Layer::CHECK`](crate::nn::Layer::CHECK), a `()` constant
//! that panics with the message when the program is built, as `Flatten` does. A layer
//! that holds other layers sets its `CHECK` to its children's (`let () = A::CHECK;` for
//! each) and evaluates `let () = Self::CHECK;` in `forward` and `forward_train`: then a
//! failing check inside a model is one error that ends at the line that called the model.
//!
//! ## Keep state while training
//!
//! `forward_train` takes `&mut self`: a layer may move its own state on (a random
//! generator, running statistics). Fields that must not be trained go in
//! `#[params(buffer)]` (running statistics: saved, never updated by an optimizer, untouched
//! by weight decay) or `#[params(skip)]` (a generator's position). Settings that change the
//! computation go in `#[params(config)]`: loading weights trained with another value is an
//! error naming the setting and both values.
//!
//! ## Write an optimizer
//!
//! An optimizer implements [`Optimizer`](crate::optim::Optimizer) for any model:
//! [`Params::zip_update`](crate::nn::Params::zip_update) walks the parameters, their
//! gradients and the optimizer's state (values of the model's own type) in lockstep.
//!
//! ```
//! use shaped::nn::Params;
//! use shaped::optim::Optimizer;
//!
//! /// Plain gradient descent with a fixed step.
//! #[derive(Clone)]
//! struct Descent {
//!     step: f32,
//!     iterations: u64,
//! }
//!
//! impl<M: Params<f32>> Optimizer<M, f32> for Descent {
//!     fn step(&mut self, model: &mut M, grads: &M) {
//!         let step = self.step;
//!         model.zip_update(grads, [], &mut |w, g, []| {
//!             w.iter_mut().zip(g).for_each(|(w, &g)| *w -= step * g);
//!         });
//!         self.iterations += 1;
//!     }
//!     fn iterations(&self) -> u64 { self.iterations }
//!     fn current_learning_rate(&self) -> f64 { self.step as f64 }
//!     fn state_mut(&mut self, _: &M) -> Vec<(&'static str, &mut M)> { Vec::new() }
//!     fn set_iterations(&mut self, iterations: u64) { self.iterations = iterations; }
//!     fn describe(&self) -> String { format!("descent(step={})", self.step) }
//! }
//!
//! let mut w = shaped::nn::Dense::<2, 1>::from_tensors(shaped::Tensor::from([[1.0], [1.0]]), shaped::Tensor::from([0.0]));
//! let mut grads = w.clone();
//! grads.visit_mut(&mut |v| v.iter_mut().for_each(|g| *g = 1.0));
//! Descent { step: 0.5, iterations: 0 }.step(&mut w, &grads);
//! assert_eq!(w.kernel.as_slice(), &[0.5, 0.5]);
//! ```
//!
//! `describe` is recorded in checkpoints: a checkpoint written by another optimizer, or
//! with other hyper-parameters, is refused when loaded.
