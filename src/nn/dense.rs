//! The densely connected layer: `activation(x . kernel + bias)`.

use core::fmt;
use core::marker::PhantomData;

use rand::distr::Distribution;
use rand::distr::uniform::SampleUniform;
use rand_distr::StandardNormal;

use super::{Activation, Grad, Init, Layer, Linear, Params, Train, params::join};
use crate::ops::{Mat, gemm};
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

    /// `x . kernel + bias`, then the activation, for a batch of `B` rows.
    fn affine<B: Dimension>(&self, x: &Tensor<(B, Dim<I>), E>) -> Tensor<(B, Dim<O>), E> {
        let batch = x.batch_size();
        let mut out = vec![E::zero(); batch * O];
        gemm(
            Mat {
                rows: batch,
                cols: I,
                rs: I,
                cs: 1,
                data: x.as_slice(),
            },
            Mat {
                rows: I,
                cols: O,
                rs: O,
                cs: 1,
                data: self.kernel.as_slice(),
            },
            E::zero(),
            &mut out,
        );
        let bias = self.bias.as_slice();
        for row in out.chunks_exact_mut(O) {
            row.iter_mut().zip(bias).for_each(|(y, &b)| *y += b);
        }
        A::apply(&mut out, O);
        Tensor::from_vec((x.shape().0, Dim), out)
    }
}

impl<B: Dimension, const I: usize, const O: usize, A: Activation, E: Float>
    Layer<Tensor<(B, Dim<I>), E>> for Dense<I, O, A, E>
{
    type Output = Tensor<(B, Dim<O>), E>;
    fn forward(&self, x: &Tensor<(B, Dim<I>), E>) -> Self::Output {
        self.affine(x)
    }
}

impl<const I: usize, const O: usize, A: Activation, E: Float> Params<E> for Dense<I, O, A, E> {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &[E], &[usize])) {
        f(&join(prefix, "kernel"), self.kernel.as_slice(), &[I, O]);
        f(&join(prefix, "bias"), self.bias.as_slice(), &[O]);
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut [E])) {
        f(self.kernel.as_mut_slice());
        f(self.bias.as_mut_slice());
    }

    fn zip_update<const K: usize>(
        &mut self,
        grads: &Self,
        mut states: [&mut Self; K],
        f: &mut dyn FnMut(&mut [E], &[E], [&mut [E]; K]),
    ) {
        f(
            self.kernel.as_mut_slice(),
            grads.kernel.as_slice(),
            states.each_mut().map(|s| s.kernel.as_mut_slice()),
        );
        f(
            self.bias.as_mut_slice(),
            grads.bias.as_slice(),
            states.each_mut().map(|s| s.bias.as_mut_slice()),
        );
    }
}

/// What a Dense layer keeps for backward: its input and its output.
pub struct DenseCache<B: Dimension, const I: usize, const O: usize, E: Float> {
    input: Tensor<(B, Dim<I>), E>,
    output: Tensor<(B, Dim<O>), E>,
}

impl<B: Dimension, const I: usize, const O: usize, A: Activation, E: Float>
    Train<Tensor<(B, Dim<I>), E>> for Dense<I, O, A, E>
{
    type Cache = DenseCache<B, I, O, E>;
    const SOFTMAX_OUTPUT: bool = A::IS_SOFTMAX;

    fn forward_train(&self, x: Tensor<(B, Dim<I>), E>) -> (Self::Output, Self::Cache) {
        let y = self.affine(&x);
        (
            y.clone(),
            DenseCache {
                input: x,
                output: y,
            },
        )
    }

    fn backward(
        &self,
        cache: Self::Cache,
        grad: Grad<Self::Output>,
        grads: &mut Self,
        need_input_grad: bool,
    ) -> Option<Tensor<(B, Dim<I>), E>> {
        let batch = cache.input.batch_size();
        let gz = match grad {
            Grad::PreActivation(g) => g,
            Grad::Output(mut g) => {
                A::backward(cache.output.as_slice(), g.as_mut_slice(), O);
                g
            }
        };
        let x = cache.input.as_slice();
        let g = gz.as_slice();
        // d kernel = x^T . gz, reading x transposed through strides (no copy).
        gemm(
            Mat {
                rows: I,
                cols: batch,
                rs: 1,
                cs: I,
                data: x,
            },
            Mat {
                rows: batch,
                cols: O,
                rs: O,
                cs: 1,
                data: g,
            },
            E::zero(),
            grads.kernel.as_mut_slice(),
        );
        let db = grads.bias.as_mut_slice();
        db.iter_mut().for_each(|b| *b = E::zero());
        for row in g.chunks_exact(O) {
            db.iter_mut().zip(row).for_each(|(b, &r)| *b += r);
        }
        if !need_input_grad {
            return None;
        }
        // d input = gz . kernel^T.
        let mut dx = vec![E::zero(); batch * I];
        gemm(
            Mat {
                rows: batch,
                cols: O,
                rs: O,
                cs: 1,
                data: g,
            },
            Mat {
                rows: O,
                cols: I,
                rs: 1,
                cs: O,
                data: self.kernel.as_slice(),
            },
            E::zero(),
            &mut dx,
        );
        Some(Tensor::from_vec(cache.input.shape(), dx))
    }
}
