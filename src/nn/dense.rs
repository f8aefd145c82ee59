//! The densely connected layer: `activation(x . kernel + bias)`.

use core::fmt;
use core::marker::PhantomData;

use rand::distr::Distribution;
use rand::distr::uniform::SampleUniform;
use rand_distr::StandardNormal;

use super::{Activation, Grad, Init, Layer, Linear, Params, Train, reuse};
use crate::kernels::par_rows;
use crate::ops::{
    bias_backward_into, linear_backward_input_into, linear_backward_weight_into, linear_into,
};
use crate::shapes::{Dim, Dimension};
use crate::tensor::{Float, Tensor};

/// Keras's `Dense(O, activation=A)` taking `I` features: `y = A(x . kernel + bias)`.
///
/// The kernel is `(I, O)` as in Keras (PyTorch's `nn.Linear.weight` is its transpose).
/// The batch dim of the input can be static or runtime.
///
/// ```
/// use shaped::nn::{Dense, Layer, Relu};
/// use shaped::{Dim, Tensor};
/// let layer = Dense::<784, 512, Relu>::new(0);
/// let x = Tensor::<(usize, Dim<784>)>::ones((32, Dim));
/// let y = layer.forward(&x);
/// assert_eq!(y.shape_dims(), [32, 512]);
/// ```
#[derive(Params)]
pub struct Dense<const I: usize, const O: usize, A: Activation = Linear, E: Float = f32> {
    /// The weights, `(I, O)`.
    pub kernel: Tensor<(Dim<I>, Dim<O>), E>,
    /// The bias, `(O,)`.
    pub bias: Tensor<(Dim<O>,), E>,
    activation: PhantomData<A>,
}

impl<const I: usize, const O: usize, A: Activation, E: Float> Clone for Dense<I, O, A, E> {
    fn clone(&self) -> Self {
        Dense {
            kernel: self.kernel.clone(),
            bias: self.bias.clone(),
            activation: PhantomData,
        }
    }
}

impl<const I: usize, const O: usize, A: Activation, E: Float> PartialEq for Dense<I, O, A, E> {
    fn eq(&self, other: &Self) -> bool {
        self.kernel == other.kernel && self.bias == other.bias
    }
}

impl<const I: usize, const O: usize, A: Activation, E: Float> fmt::Debug for Dense<I, O, A, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dense<{I}, {O}, {}>", A::NAME)
    }
}

impl<const I: usize, const O: usize, A: Activation, E: Float + SampleUniform> Dense<I, O, A, E>
where
    StandardNormal: Distribution<E>,
{
    /// Keras's defaults: `glorot_uniform` kernel, zero bias, seeded.
    pub fn new(seed: u64) -> Self {
        Self::with_init(Init::GlorotUniform, Init::Zeros, seed)
    }

    /// Chosen initializers for kernel and bias, seeded.
    pub fn with_init(kernel: Init, bias: Init, seed: u64) -> Self {
        let k = kernel.sample(I * O, I, O, seed);
        let b = bias.sample(O, I, O, seed.wrapping_add(0x9E37_79B9_7F4A_7C15));
        Self::from_tensors(
            Tensor::from_vec(Default::default(), k),
            Tensor::from_vec(Default::default(), b),
        )
    }
}

impl<const I: usize, const O: usize, A: Activation, E: Float> Dense<I, O, A, E> {
    /// A layer with the given parameters.
    pub fn from_tensors(kernel: Tensor<(Dim<I>, Dim<O>), E>, bias: Tensor<(Dim<O>,), E>) -> Self {
        Dense {
            kernel,
            bias,
            activation: PhantomData,
        }
    }

    /// `out = activation(x . kernel + bias)` for a batch of rows; `out` is already shaped.
    fn affine_into<B: Dimension>(
        &self,
        x: &Tensor<(B, Dim<I>), E>,
        out: &mut Tensor<(B, Dim<O>), E>,
    ) {
        let batch = x.batch_size();
        out.set_shape((x.shape().0, Dim));
        if batch <= SMALL_BATCH {
            // Matrix-vector path: a GEMM would repack the whole kernel for a few rows.
            let bias = self.bias.as_slice();
            let out = out.as_mut_slice();
            for (row, xs) in out.chunks_exact_mut(O).zip(x.as_slice().chunks_exact(I)) {
                row.copy_from_slice(bias);
                E::vec_mat_acc(xs, self.kernel.as_slice(), row);
            }
            A::apply(out, O);
        } else {
            linear_into(x, &self.kernel, out);
            // The bias and the activation in one pass over the batch's rows, split over
            // the threads like the product before it.
            let bias = self.bias.as_slice();
            par_rows(out.as_mut_slice(), O, &|_, rows| {
                for row in rows.chunks_exact_mut(O) {
                    row.iter_mut().zip(bias).for_each(|(v, &b)| *v += b);
                }
                A::apply(rows, O);
            });
        }
    }
}

/// Batches up to this size take the matrix-vector path.
const SMALL_BATCH: usize = 4;

impl<B: Dimension, const I: usize, const O: usize, A: Activation, E: Float>
    Layer<Tensor<(B, Dim<I>), E>> for Dense<I, O, A, E>
{
    type Output = Tensor<(B, Dim<O>), E>;
    fn forward(&self, x: &Tensor<(B, Dim<I>), E>) -> Self::Output {
        let mut out = Tensor::zeros((x.shape().0, Dim));
        self.affine_into(x, &mut out);
        out
    }
}

/// What a Dense layer keeps across training steps: its output, and the gradient at its
/// pre-activation.
pub struct DenseCache<B: Dimension, const O: usize, E: Float> {
    output: Option<Tensor<(B, Dim<O>), E>>,
    pre_activation_grad: Option<Tensor<(B, Dim<O>), E>>,
}

impl<B: Dimension, const O: usize, E: Float> Default for DenseCache<B, O, E> {
    fn default() -> Self {
        DenseCache {
            output: None,
            pre_activation_grad: None,
        }
    }
}

impl<B: Dimension, const I: usize, const O: usize, A: Activation, E: Float>
    Train<Tensor<(B, Dim<I>), E>> for Dense<I, O, A, E>
{
    type Cache = DenseCache<B, O, E>;
    const SOFTMAX_OUTPUT: bool = A::IS_SOFTMAX;

    fn forward_train<'c>(
        &mut self,
        x: &Tensor<(B, Dim<I>), E>,
        cache: &'c mut Self::Cache,
    ) -> &'c Self::Output {
        let shape = (x.shape().0, Dim);
        let out = cache.output.get_or_insert_with(|| Tensor::zeros(shape));
        self.affine_into(x, out);
        out
    }

    fn output(cache: &Self::Cache) -> &Self::Output {
        cache
            .output
            .as_ref()
            .expect("forward_train runs before backward")
    }

    fn backward(
        &self,
        x: &Tensor<(B, Dim<I>), E>,
        cache: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        grads: &mut Self,
        input_grad: Option<&mut Tensor<(B, Dim<I>), E>>,
    ) {
        // The gradient at the pre-activation: given (fused softmax), the same (linear), or
        // the activation's vector-Jacobian product into the cache's buffer.
        let gz: &Tensor<(B, Dim<O>), E> = match grad {
            Grad::PreActivation(g) => g,
            Grad::Output(g) if A::IS_IDENTITY => g,
            Grad::Output(g) => {
                let output = cache.output.as_ref().expect("forward_train runs first");
                let dz = reuse(&mut cache.pre_activation_grad, g);
                let (output, g) = (output.as_slice(), g.as_slice());
                par_rows(dz.as_mut_slice(), O, &|first, rows| {
                    let span = first * O..first * O + rows.len();
                    A::backward_into(&output[span.clone()], &g[span], rows, O);
                });
                dz
            }
        };
        linear_backward_weight_into(x, gz, &mut grads.kernel);
        bias_backward_into(gz, &mut grads.bias);
        if let Some(dx) = input_grad {
            linear_backward_input_into(gz, &self.kernel, dx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Relu;

    #[test]
    fn layers_are_equal_when_their_parameters_are() {
        let a = Dense::<3, 2, Relu>::new(1);
        assert_eq!(a, a.clone());
        assert_ne!(a, Dense::<3, 2, Relu>::new(2), "other kernel");
        let mut b = a.clone();
        b.bias = Tensor::from([0.0, 0.5]);
        assert_ne!(a, b, "other bias");
    }

    /// `relu(x . kernel + bias)` row by row in f64.
    fn reference<const I: usize, const O: usize, E: Float>(
        layer: &Dense<I, O, Relu, E>,
        x: &[E],
    ) -> Vec<f64> {
        let (k, b) = (layer.kernel.as_slice(), layer.bias.as_slice());
        x.chunks_exact(I)
            .flat_map(|row| {
                (0..O).map(move |j| {
                    let dot: f64 = (0..I)
                        .map(|i| row[i].to_f64().unwrap() * k[i * O + j].to_f64().unwrap())
                        .sum();
                    (dot + b[j].to_f64().unwrap()).max(0.0)
                })
            })
            .collect()
    }

    fn check_batches<E: Float + SampleUniform>()
    where
        StandardNormal: Distribution<E>,
    {
        // 784 x 100 is large enough to be split over two threads on the one-sample path;
        // batches of 1 and 4 take that path, 5 and 9 the GEMM; a third of the inputs are 0.
        let layer =
            Dense::<784, 100, Relu, E>::with_init(Init::GlorotUniform, Init::Uniform(-0.5, 0.5), 3);
        crate::kernels::set_num_threads(2);
        for batch in [1, 4, 5, 9] {
            let x: Vec<E> = (0..batch * 784)
                .map(|i| {
                    if i % 3 == 0 {
                        0.0
                    } else {
                        ((i * 37) % 101) as f64 / 50.0 - 1.0
                    }
                })
                .map(|v| E::from(v).unwrap())
                .collect();
            let out = layer.forward(&Tensor::<(usize, Dim<784>), E>::from_vec(
                (batch, Dim),
                x.clone(),
            ));
            for (got, want) in out.as_slice().iter().zip(reference(&layer, &x)) {
                let got = got.to_f64().unwrap();
                assert!(
                    (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                    "batch {batch}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn every_batch_size_matches_the_formula_in_f32_and_f64() {
        check_batches::<f32>();
        check_batches::<f64>();
    }

    #[test]
    fn debug_names_the_sizes_and_the_activation() {
        assert_eq!(
            format!("{:?}", Dense::<784, 10, Relu>::new(0)),
            "Dense<784, 10, relu>"
        );
    }
}
