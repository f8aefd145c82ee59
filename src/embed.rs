//! Embedding a trained net: fixed-size weights and an allocation-free forward pass.
//!
//! The inference core is the `no_std` crate `shaped-embed`, re-exported here; this module
//! adds the bridge from a trained [`nn::Dense`] to fixed-size storage.

pub use shaped_embed::*;

use crate::nn;

/// Weights of one layer in fixed-size heap storage, taken from a trained layer.
pub struct FixedWeights<const I: usize, const O: usize> {
    /// `[in][out]`, as the trained layer's kernel.
    pub kernel: Box<[[f32; O]; I]>,
    /// `[out]`.
    pub bias: Box<[f32; O]>,
}

impl<const I: usize, const O: usize> FixedWeights<I, O> {
    /// Copies a trained layer's parameters (the shapes agree by type).
    pub fn from_dense<A: nn::Activation>(layer: &nn::Dense<I, O, A, f32>) -> Self {
        FixedWeights {
            kernel: boxed_matrix(layer.kernel.as_slice()).expect("kernel is I x O by type"),
            bias: boxed_vector(layer.bias.as_slice()).expect("bias is O by type"),
        }
    }

    /// A fixed-size layer over these weights.
    pub fn layer<A: FixedActivation>(&self) -> FixedDense<'_, I, O, A> {
        FixedDense::new(&self.kernel, &self.bias)
    }
}
