//! # shaped: tensors and neural networks whose shapes are checked by the compiler
//!
//! A [`Tensor<S, E>`] carries its shape `S` in its type: a tuple of dims, where
//! [`Dim<N>`] is a size the compiler knows and `usize` a size known at run time
//! ([`One`] is the size-1 axis that stretches when broadcasting).
//! `Tensor<(usize, Dim<784>)>` is a batch of any size of 784 features; a product, a
//! broadcast, a reshape or a layer link whose static dims disagree does not compile, and the
//! error names the rule and the dims:
//!
//! ```text
//! error[E0277]: cannot multiply a tensor of shape `(usize, Dim<784>)` by one of shape `(Dim<10>, Dim<10>)`
//!   |     let y = x.matmul(&w);
//!   |               ^^^^^^ the left operand's last dim must equal the right operand's first
//! ```
//!
//! Three kinds of checks, from earliest to latest:
//!
//! | relation | examples | checked by |
//! |---|---|---|
//! | equality of static dims | products, element-wise ops, broadcasting, layer wiring, axes | `cargo check` (trait rules in [`shapes::rules`]) |
//! | arithmetic on static dims | reshape / flatten element counts, static slice bounds, permutations | `cargo build` (const evaluation) |
//! | anything with a runtime dim | batch sizes, files | run time: `try_x` returns [`ShapeError`]; `x` panics at your line |
//!
//! ## The chapter's numpy and Keras calls in shaped
//!
//! | Deep Learning with Python, chapter 2 | shaped |
//! |---|---|
//! | `np.array([[1, 2], [3, 4]])` | `Tensor::<(Dim<2>, Dim<2>)>::from([[1.0, 2.0], [3.0, 4.0]])` |
//! | `x.ndim`, `x.shape`, `x.dtype` | `x.ndim()`, `x.shape_dims()`, `x.dtype()` |
//! | `train_images[10:100]` | `train_images.narrow::<0, 10, 90>()` (static) or `.rows(10..100)` |
//! | `train_images[:, 7:-7, 7:-7]` | `.narrow::<1, 7, 14>().narrow::<2, 7, 14>()` |
//! | `train_images[128 * n:128 * (n + 1)]` | `.try_batch(n, 128)` / `.try_window::<128>(128 * n)` |
//! | `np.maximum(x, 0.)`, `x + y`, `x * 2` | `x.relu()`, `&x + &y` (broadcasts), `&x * 2.0` |
//! | `np.maximum(x, y)` with (64, 3, 32, 10) and (32, 10) | `x.maximum(&y)` |
//! | `np.dot(x, y)` | `x.matmul(&y)` or [`ops::dot`]`(&x, &y)`; `x.t()` is a free transpose |
//! | `x.reshape((6, 1))`, `np.transpose(x)` | `x.reshape::<(Dim<6>, Dim<1>)>()`, `x.transpose()` |
//! | `x.reshape((60000, 28 * 28)).astype("float32") / 255` | `x.flatten_inner::<784>().cast::<f32>() / 255.0` |
//! | `layers.Dense(512, activation="relu")` | [`nn::Dense`]`::<784, 512, Relu>::new(seed)` |
//! | `keras.Sequential([a, b])` | the tuple `(a, b)`, or [`sequential!`]`[Input => a, b]` |
//! | `model.compile("rmsprop", "sparse_categorical_crossentropy", ["accuracy"])` | [`train::Model::compile`]`(net, RmsProp::default(), SparseCategoricalCrossentropy::default(), Accuracy::default())` |
//! | `model.fit(x, y, epochs=5, batch_size=128)` | `model.fit(&x, &y, &FitConfig { epochs: 5, batch_size: 128, ..Default::default() })` |
//! | `model.predict(x)`, `model.evaluate(x, y)` | `model.predict(&x)`, `model.evaluate(&x, &y, 128)` |
//! | `tape.gradient(loss, model.weights)` | [`nn::value_and_grad`]`(&mut model, &loss, &x, &y)` |
//!
//! ## Your own models
//!
//! A struct of layers is a model (`#[derive(Params, Model)]`): parameters are named after
//! the fields, and a wrong link is a compile error at the field. Blocks compose without
//! backward code ([`nn::Residual`], [`nn::Sum`], [`nn::Concat`], [`nn::Dropout`]); the
//! [`guide`] shows how to write a layer, a block, a stateful layer and an optimizer.
//!
//! ```
//! use shaped::nn::{Dense, Dropout, Layer, Model, Params, Relu, Residual, Softmax};
//! use shaped::{Dim, Tensor};
//!
//! #[derive(Clone, Params, Model)]
//! #[model(input = Tensor<(usize, Dim<784>)>)]
//! struct Classifier {
//!     hidden: Dense<784, 256, Relu>,
//!     block: Residual<(Dense<256, 256, Relu>, Dense<256, 256>)>,
//!     dropout: Dropout,
//!     out: Dense<256, 10, Softmax>,
//! }
//!
//! let net = Classifier {
//!     hidden: Dense::new(0),
//!     block: Residual((Dense::new(1), Dense::new(2))),
//!     dropout: Dropout::new(0.2, 3),
//!     out: Dense::new(4),
//! };
//! assert_eq!(net.forward(&Tensor::zeros((2, Dim))).shape_dims(), [2, 10]);
//! ```
//!
//! ## A first network
//!
//! ```
//! use shaped::nn::loss::SparseCategoricalCrossentropy;
//! use shaped::nn::{Dense, Layer, Relu, Softmax};
//! use shaped::optim::RmsProp;
//! use shaped::train::{Accuracy, FitConfig, Model};
//! use shaped::{Dim, Tensor};
//!
//! let images = Tensor::<(usize, Dim<28>, Dim<28>), u8>::zeros((64, Dim, Dim));
//! let labels = Tensor::<(usize,), u8>::zeros((64,));
//! let x = images.flatten_inner::<784>().cast::<f32>() / 255.0;
//!
//! let net = (Dense::<784, 512, Relu>::new(0), Dense::<512, 10, Softmax>::new(1));
//! let mut model = Model::compile(net, RmsProp::default(), SparseCategoricalCrossentropy::default(), Accuracy::default());
//! let config = FitConfig { epochs: 1, batch_size: 32, verbose: false, ..FitConfig::default() };
//! model.fit(&x, &labels, &config).unwrap();
//! let probabilities = model.predict(&x); // Tensor<(usize, Dim<10>)>
//! assert_eq!(probabilities.shape_dims(), [64, 10]);
//! ```
//!
//! The module tree is the architecture: [`shapes`] (dims, shapes, rules) ->
//! [`tensor`] (storage, creation, printing) -> [`ops`] (one module per kind of operation,
//! with their backward passes; every `unsafe` block lives in a private kernels layer below) ->
//! [`nn`] (layers, losses, gradients) -> [`optim`] -> [`train`] (fit/evaluate/predict), with
//! [`data`] (IDX files, MNIST, batching) and `datasets` (MNIST and Fashion-MNIST fetched and
//! cached, like `keras.datasets`) beside them.

#![warn(missing_docs)]
#![deny(unsafe_code)]

// Lets `#[derive(Params)]` (which names `::shaped`) work inside this crate too.
extern crate self as shaped;

pub mod data;
#[cfg(feature = "data")]
pub mod datasets;
pub mod embed;
mod error;
pub mod guide;
#[cfg(feature = "io")]
pub mod io;
mod kernels;
pub mod nn;
pub mod ops;
pub mod optim;
pub mod shapes;
pub mod tensor;
pub mod train;

pub use error::Error;
/// The random-number crate shaped seeds its initializers and layers with, re-exported so
/// that layer authors use the same version (`shaped::rand::rngs::StdRng`).
pub use rand;
pub use shapes::{ConstDim, Dim, Dimension, NotOne, One, Shape, ShapeError, SizeOne, StaticShape};
pub use tensor::Tensor;
