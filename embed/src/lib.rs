//! Fixed-size inference for small nets: weights in fixed-size arrays, a forward pass that
//! never allocates, and no standard library (`#![no_std]`, no `alloc` needed).
//!
//! - Layers: [`FixedDense`], [`Int8Dense`] (int8 weights, integer products, VNNI on x86),
//!   [`FixedConv2D`], [`FixedMaxPooling2D`], [`FixedAveragePooling2D`], [`FixedFlatten`].
//! - Any depth: a tuple of layers whose sizes link up is a [`FixedLayer`]; the activations
//!   between layers share one scratch buffer sized when the program is built
//!   ([`FixedLayer::SCRATCH`]). A mis-wired tuple does not compile.
//! - Weights baked in and checked: [`include_net!`] reads a safetensors file saved by shaped
//!   when the program is built and declares a `static` net of the declared type; a file that
//!   does not match (missing, extra, wrong shape, wrong dtype) is a compile error naming the
//!   tensor and both shapes.
//!
//! Layers borrow their weights, so the weights can live in a `static` (flash on a
//! microcontroller), in a `Box`, or in memory mapped from a file; a 784 x 512 kernel
//! (1.6 MB) is never a value on the stack.
//!
//! ```
//! use shaped_embed::{FixedDense, FixedLayer, Relu, Softmax};
//! static K1: [[f32; 2]; 3] = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
//! static B1: [f32; 2] = [0.0, 0.0];
//! static K2: [[f32; 2]; 2] = [[1.0, 0.0], [0.0, 1.0]];
//! static B2: [f32; 2] = [0.0, 0.0];
//! type Net = (FixedDense<'static, 3, 2, Relu>, FixedDense<'static, 2, 2, Softmax>);
//! static NET: Net = (FixedDense::new(&K1, &B1), FixedDense::new(&K2, &B2));
//! let mut scratch = [0.0; <Net as FixedLayer>::SCRATCH];
//! let mut probs = [0.0; 2];
//! NET.forward(&[1.0, 0.0, 0.0], &mut probs, &mut scratch);
//! assert!(probs[0] > probs[1]);
//! assert_eq!(NET.classify(&[0.0, 3.0, 0.0], &mut scratch).0, 1);
//! ```
//!
//! Features: `std` (default) detects VNNI at run time; without it, x86 builds use the
//! kernels their target features allow. `alloc` (in `std`) adds boxed storage helpers.

#![no_std]
#![warn(missing_docs)]
#![deny(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod activation;
mod buffer;
mod conv;
mod dense;
mod int8;
#[allow(unsafe_code)]
mod kernels;
mod layer;
mod pool;
#[cfg(feature = "alloc")]
mod storage;

pub use activation::{FixedActivation, Linear, Relu, Sigmoid, Softmax, Tanh};
pub use buffer::Activations;
pub use conv::{FixedConv2D, FixedPadding, Same, Valid};
pub use dense::{FixedDense, FixedMlp};
pub use int8::{Int8Dense, Int8Mlp, quantize};
pub use kernels::Int8Kernel;
pub use layer::FixedLayer;
pub use pool::{
    AveragePool, FixedAveragePooling2D, FixedFlatten, FixedMaxPooling2D, FixedPooling2D, MaxPool,
    PoolKind,
};
#[cfg(feature = "alloc")]
pub use storage::{boxed_matrix, boxed_vector};
