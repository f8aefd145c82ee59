//! `FixedDense`: a dense layer over borrowed f32 weights, and the two-layer `FixedMlp`.

use core::marker::PhantomData;

use crate::activation::FixedActivation;
use crate::kernels::{F32Kernel, f32_rows};
use crate::layer::{FixedLayer, best};

/// `activation(x . kernel + bias)` for one sample, with borrowed fixed-size weights
/// (kernel `[in][out]`, Keras layout, as shaped's `nn::Dense` stores it).
pub struct FixedDense<'w, const I: usize, const O: usize, A> {
    kernel: &'w [[f32; O]; I],
    bias: &'w [f32; O],
    activation: PhantomData<A>,
}

impl<'w, const I: usize, const O: usize, A: FixedActivation> FixedDense<'w, I, O, A> {
    /// A layer over the given weights.
    pub const fn new(kernel: &'w [[f32; O]; I], bias: &'w [f32; O]) -> Self {
        FixedDense {
            kernel,
            bias,
            activation: PhantomData,
        }
    }

    /// The weights the layer reads, `[in][out]`.
    pub const fn kernel(&self) -> &'w [[f32; O]; I] {
        self.kernel
    }

    /// Writes the layer's output for `x` into `y`; no allocation, no scratch.
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        *y = *self.bias;
        // Row by row: each nonzero input scales one contiguous kernel row, zero inputs (most
        // MNIST pixels) cost nothing; AVX-512 or AVX when the CPU has them, same bits.
        f32_rows(F32Kernel::detect(), x, self.kernel.as_flattened(), y);
        A::apply(y);
    }
}

impl<const I: usize, const O: usize, A: FixedActivation> FixedLayer for FixedDense<'_, I, O, A> {
    type Input = [f32; I];
    type Output = [f32; O];
    const SCRATCH: usize = 0;
    fn forward_with(&self, x: &[f32; I], y: &mut [f32; O], _: &mut [f32]) {
        FixedDense::forward(self, x, y);
    }
}

/// Two dense layers, the chapter's network shape: `I -> H -> O`. A tuple
/// `(FixedDense<I, H, A1>, FixedDense<H, O, A2>)` is the same net as a [`FixedLayer`] of any
/// depth; this type keeps the two-argument `forward` that needs no scratch buffer.
pub struct FixedMlp<'w, const I: usize, const H: usize, const O: usize, A1, A2> {
    /// The hidden layer.
    pub hidden: FixedDense<'w, I, H, A1>,
    /// The output layer.
    pub output: FixedDense<'w, H, O, A2>,
}

impl<'w, const I: usize, const H: usize, const O: usize, A1: FixedActivation, A2: FixedActivation>
    FixedMlp<'w, I, H, O, A1, A2>
{
    /// Wires two layers; their dims must agree (a compile error otherwise).
    pub const fn new(hidden: FixedDense<'w, I, H, A1>, output: FixedDense<'w, H, O, A2>) -> Self {
        FixedMlp { hidden, output }
    }

    /// Writes the network's output for `x` into `y`. The hidden activations live on the
    /// stack (`H` floats); nothing is allocated.
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        let mut h = [0.0f32; H];
        self.hidden.forward(x, &mut h);
        self.output.forward(&h, y);
    }

    /// The most likely class and its score.
    pub fn classify(&self, x: &[f32; I]) -> (usize, f32) {
        let mut y = [0.0f32; O];
        self.forward(x, &mut y);
        best(&y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Linear, Relu, Softmax};

    #[test]
    fn dense_matches_the_formula() {
        let k = [[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]];
        let b = [0.5, -10.0];
        let mut y = [0.0; 2];
        FixedDense::<3, 2, Linear>::new(&k, &b).forward(&[1.0, 2.0, 3.0], &mut y);
        assert_eq!(y, [0.5 + 1.0 + 4.0, -10.0 - 1.0 + 1.0 + 9.0]);
        FixedDense::<3, 2, Relu>::new(&k, &b).forward(&[1.0, 2.0, 3.0], &mut y);
        assert_eq!(y, [5.5, 0.0]);
        FixedDense::<3, 2, Softmax>::new(&k, &b).forward(&[1.0, 2.0, 3.0], &mut y);
        assert!((y[0] + y[1] - 1.0).abs() < 1e-6 && y[0] > 0.99);
    }

    #[test]
    fn a_tuple_of_dense_layers_equals_the_mlp() {
        let k1: [[f32; 3]; 5] =
            core::array::from_fn(|i| core::array::from_fn(|j| (i * 3 + j) as f32 * 0.1 - 0.7));
        let b1 = [0.1, -0.2, 0.3];
        let k2: [[f32; 2]; 3] = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]];
        let b2 = [0.0, 0.1];
        let mlp = FixedMlp::new(
            FixedDense::<5, 3, Relu>::new(&k1, &b1),
            FixedDense::<3, 2, Softmax>::new(&k2, &b2),
        );
        let chain = (
            FixedDense::<5, 3, Relu>::new(&k1, &b1),
            FixedDense::<3, 2, Softmax>::new(&k2, &b2),
        );
        let x = [1.0, 0.0, -2.0, 0.5, 3.0];
        let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
        mlp.forward(&x, &mut a);
        chain.forward(&x, &mut b, &mut [0.0; 3]);
        assert_eq!(a, b);
    }
}
