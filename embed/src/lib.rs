//! Fixed-size inference for small nets: weights in fixed-size arrays, a forward pass that
//! never allocates, and no standard library (`#![no_std]`, no `alloc` needed).
//!
//! - Layers: [`FixedDense`], [`Bf16Dense`] (bfloat16 weights: half the bytes, f32
//!   products), [`Int8Dense`] (int8 weights, integer products, VNNI on x86),
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
mod bf16;
mod buffer;
mod conv;
mod dense;
mod int8;
#[allow(unsafe_code)]
mod kernels;
mod layer;
mod message;
mod pool;
#[cfg(feature = "alloc")]
mod storage;

#[doc(hidden)]
pub mod __private;

pub use activation::{FixedActivation, Linear, Relu, Sigmoid, Softmax, Tanh};
pub use bf16::{Bf16, Bf16Dense};
pub use buffer::Activations;
pub use conv::{FixedConv2D, FixedPadding, Same, Valid};
pub use dense::{FixedDense, FixedMlp};
pub use int8::{Int8Dense, Int8Mlp, quantize};
pub use kernels::{Bf16Kernel, Int8Kernel};

pub use layer::{Accepts, FixedLayer};
pub use pool::{
    AveragePool, FixedAveragePooling2D, FixedFlatten, FixedMaxPooling2D, FixedPooling2D, MaxPool,
    PoolKind,
};
/// Declares a `static` fixed-size net whose weights are read from a safetensors file when
/// the program is built (as saved by shaped: `examples/mnist.rs --save FILE`, or
/// `examples/embed.rs --save-int8 FILE` for [`Int8Dense`] layers, `--save-bf16 FILE` for
/// [`Bf16Dense`] ones), checked against the
/// declared layers, and stored as typed arrays in the static (flash on a microcontroller).
///
/// Layers are written with shaped's names and integer literal sizes: `Dense<I, O, A>`,
/// `Bf16Dense<I, O, A>`, `Int8Dense<I, O, A>`, `Conv2D<IH, IW, IC, OH, OW, OC, K, A, S, P>`,
/// `MaxPooling2D<IH, IW, C, OH, OW, POOL, P>`, `AveragePooling2D<..>`, `Flatten<N>`
/// (activation, stride and padding optional). The file must hold exactly the tensors those
/// layers need, named as shaped saves a tuple (`0.kernel`, `0.bias`, ...), with their
/// shapes and dtypes; anything else is a compile error naming the tensor and both shapes:
///
/// ```text
/// error: tensor `0.kernel` is [784, 256] in mnist.safetensors, [784, 64] in the model (layer 0 `Dense<784, 64, Relu>`)
/// ```
///
/// So are mis-linked layers (`layer 1 ... takes 128 values, layer 0 gives 64`) and output
/// sizes the formulas do not give. The file is named by a literal (relative to the calling
/// file, like `include_bytes!`), `env!("VAR")`, or `concat!` of literals and `env!`s
/// (absolute or relative to the crate's manifest directory); the crate is rebuilt when the
/// file or the variable changes. An optional `type` item names the net's type, for its
/// [`FixedLayer::SCRATCH`]:
///
/// ```
/// use shaped_embed::{FixedLayer, Relu, Softmax, include_net};
///
/// include_net! {
///     /// The net's type.
///     type Tiny = (Dense<3, 2, Relu>, Dense<2, 2, Softmax>);
///     /// Weights from the file, checked against `Tiny` when this builds.
///     static NET: Tiny = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiny.safetensors");
/// }
///
/// let mut scratch = [0.0; <Tiny as FixedLayer>::SCRATCH];
/// let (class, p) = NET.classify(&[1.0, 2.0, 3.0], &mut scratch);
/// // relu([1 + 3 + 0.5, 2 - 3]) = [4.5, 0], then [4.5, -4.5]: softmax favours class 0.
/// assert_eq!(class, 0);
/// assert!((p - 1.0 / (1.0 + (-9.0f32).exp())).abs() < 1e-6);
/// ```
pub use shaped_embed_macros::include_net;
#[cfg(feature = "alloc")]
pub use storage::{boxed_matrix, boxed_vector};
