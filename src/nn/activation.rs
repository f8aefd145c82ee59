//! Activations: used inside [`Dense`](super::Dense) or as standalone layers.

use core::fmt::Debug;

use super::{Grad, HasElem, Layer, Params, Train, reuse};
use crate::ops::sigmoid;
use crate::shapes::{Dim, Dimension};
use crate::tensor::{Float, Tensor};

/// An activation function, applied row by row to a batch of vectors.
///
/// Every activation's derivative here is a function of its output, so backward needs only
/// the output, not the pre-activation.
pub trait Activation: Copy + Default + Debug + Send + Sync + 'static {
    /// Keras's name for it.
    const NAME: &'static str;
    /// `true` for softmax (crossentropy can then fuse its gradient to `p - onehot`).
    const IS_SOFTMAX: bool = false;
    /// Applies the function in place to rows of `row_len` values.
    fn apply<E: Float>(values: &mut [E], row_len: usize);
    /// `true` for the identity (its backward is a no-op, so layers skip the pass).
    const IS_IDENTITY: bool = false;
    /// Turns d(loss)/d(output) into d(loss)/d(pre-activation) in place, given the output.
    fn backward<E: Float>(output: &[E], grad: &mut [E], row_len: usize);
    /// The vector-Jacobian product into another buffer: `dx = J(output)^T . grad`.
    fn backward_into<E: Float>(output: &[E], grad: &[E], dx: &mut [E], row_len: usize) {
        dx.copy_from_slice(grad);
        Self::backward(output, dx, row_len);
    }
}

pub use shaped_embed::{Linear, Relu, Sigmoid, Softmax, Tanh};

impl Activation for Linear {
    const NAME: &'static str = "linear";
    const IS_IDENTITY: bool = true;
    fn apply<E: Float>(_: &mut [E], _: usize) {}
    fn backward<E: Float>(_: &[E], _: &mut [E], _: usize) {}
}

impl Activation for Relu {
    const NAME: &'static str = "relu";
    fn apply<E: Float>(values: &mut [E], _: usize) {
        // NaN stays NaN (`max` would turn it into 0 and hide it).
        values
            .iter_mut()
            .for_each(|x| *x = if *x < E::zero() { E::zero() } else { *x });
    }
    fn backward<E: Float>(output: &[E], grad: &mut [E], _: usize) {
        // A select, not a conditional store, so that the loop vectorises.
        for (g, &y) in grad.iter_mut().zip(output) {
            *g = if y > E::zero() { *g } else { E::zero() };
        }
    }
    fn backward_into<E: Float>(output: &[E], grad: &[E], dx: &mut [E], _: usize) {
        // One pass instead of a copy and a pass over the copy.
        for ((d, &g), &y) in dx.iter_mut().zip(grad).zip(output) {
            *d = if y > E::zero() { g } else { E::zero() };
        }
    }
}

impl Activation for Sigmoid {
    const NAME: &'static str = "sigmoid";
    fn apply<E: Float>(values: &mut [E], _: usize) {
        values.iter_mut().for_each(|x| *x = sigmoid(*x));
    }
    fn backward<E: Float>(output: &[E], grad: &mut [E], _: usize) {
        for (g, &y) in grad.iter_mut().zip(output) {
            *g = *g * y * (E::one() - y);
        }
    }
}

impl Activation for Tanh {
    const NAME: &'static str = "tanh";
    fn apply<E: Float>(values: &mut [E], _: usize) {
        values.iter_mut().for_each(|x| *x = x.tanh());
    }
    fn backward<E: Float>(output: &[E], grad: &mut [E], _: usize) {
        for (g, &y) in grad.iter_mut().zip(output) {
            *g *= E::one() - y * y;
        }
    }
}

impl Activation for Softmax {
    const NAME: &'static str = "softmax";
    const IS_SOFTMAX: bool = true;
    fn apply<E: Float>(values: &mut [E], row_len: usize) {
        for row in values.chunks_exact_mut(row_len.max(1)) {
            let max = row.iter().copied().fold(E::neg_infinity(), E::max);
            let mut sum = E::zero();
            for x in row.iter_mut() {
                *x = (*x - max).exp();
                sum += *x;
            }
            row.iter_mut().for_each(|x| *x /= sum);
        }
    }
    fn backward<E: Float>(output: &[E], grad: &mut [E], row_len: usize) {
        // d/dz_j = p_j * (g_j - sum_i g_i p_i): the Jacobian-vector product of softmax.
        for (g, p) in grad
            .chunks_exact_mut(row_len.max(1))
            .zip(output.chunks_exact(row_len.max(1)))
        {
            let dot = g
                .iter()
                .zip(p)
                .fold(E::zero(), |acc, (&gi, &pi)| acc + gi * pi);
            for (gi, &pi) in g.iter_mut().zip(p) {
                *gi = pi * (*gi - dot);
            }
        }
    }
}

macro_rules! activation_layer {
    ($($a:ident),*) => {$(
        impl<B: Dimension, const N: usize, E: Float> Layer<Tensor<(B, Dim<N>), E>> for $a {
            type Output = Tensor<(B, Dim<N>), E>;
            fn forward(&self, x: &Tensor<(B, Dim<N>), E>) -> Self::Output {
                let mut y = x.clone();
                <$a as Activation>::apply(y.as_mut_slice(), N);
                y
            }
        }

        impl<E: Float> Params<E> for $a {
            fn visit(&self, _: &str, _: &mut dyn FnMut(&str, &[E], &[usize])) {}
            fn visit_mut(&mut self, _: &mut dyn FnMut(&mut [E])) {}
            fn zip_update<const K: usize>(
                &mut self,
                _: &Self,
                _: [&mut Self; K],
                _: &mut dyn FnMut(&mut [E], &[E], [&mut [E]; K]),
            ) {
            }
        }

        impl<B: Dimension, const N: usize, E: Float> Train<Tensor<(B, Dim<N>), E>> for $a {
            /// The output: every derivative here is a function of it.
            type Cache = Option<Tensor<(B, Dim<N>), E>>;
            const SOFTMAX_OUTPUT: bool = <$a as Activation>::IS_SOFTMAX;
            fn forward_train<'c>(&mut self, x: &Tensor<(B, Dim<N>), E>, cache: &'c mut Self::Cache) -> &'c Self::Output {
                let out = reuse(cache, x);
                out.as_mut_slice().copy_from_slice(x.as_slice());
                <$a as Activation>::apply(out.as_mut_slice(), N);
                out
            }
            fn output(cache: &Self::Cache) -> &Self::Output {
                cache.as_ref().expect("forward_train runs before backward")
            }
            fn backward(
                &self,
                _: &Tensor<(B, Dim<N>), E>,
                cache: &mut Self::Cache,
                grad: Grad<&Self::Output>,
                _: &mut Self,
                input_grad: Option<&mut Tensor<(B, Dim<N>), E>>,
            ) {
                let Some(dx) = input_grad else { return };
                match grad {
                    Grad::PreActivation(g) => {
                        dx.resize_like(g);
                        dx.as_mut_slice().copy_from_slice(g.as_slice());
                    }
                    Grad::Output(g) => {
                        dx.resize_like(g);
                        let y = Self::output(cache).as_slice();
                        <$a as Activation>::backward_into(y, g.as_slice(), dx.as_mut_slice(), N);
                    }
                }
            }
        }
    )*};
}

activation_layer!(Linear, Relu, Sigmoid, Tanh, Softmax);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_subtracts_the_row_maximum_so_large_logits_do_not_overflow() {
        // exp(1000) overflows f32 and f64: only the shifted form gives these values.
        let mut rows = [1000.0f32, 0.0, 999.0, 1.0, 2.0, 3.0];
        Softmax::apply(&mut rows, 3);
        let e = (-1.0f32).exp();
        let expected = [1.0 / (1.0 + e), 0.0, e / (1.0 + e)];
        for (got, want) in rows[..3].iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{rows:?}");
        }
        assert!(rows.iter().all(|p| p.is_finite()));
        let sum: f32 = rows[3..].iter().sum();
        assert!((sum - 1.0).abs() < 1e-6);
    }

    #[test]
    fn relu_keeps_nan_and_zeroes_negatives() {
        let mut v = [-2.0f64, -0.0, 0.0, 3.5, f64::NAN];
        Relu::apply(&mut v, 5);
        assert_eq!(&v[..4], &[0.0, 0.0, 0.0, 3.5]);
        assert!(v[4].is_nan());
    }

    #[test]
    fn backward_into_overwrites_with_what_backward_gives_in_place() {
        fn check<A: Activation>() {
            let mut y = [-2.0f64, -0.0, 0.0, 0.3, 3.5, -0.7];
            A::apply(&mut y, 3);
            let grad = [0.5, -1.5, 2.0, 0.25, -3.0, 1.0];
            let mut expected = grad;
            A::backward(&y, &mut expected, 3);
            let mut dx = [f64::NAN; 6];
            A::backward_into(&y, &grad, &mut dx, 3);
            assert_eq!(dx, expected, "{}", A::NAME);
        }
        check::<Relu>();
        check::<Sigmoid>();
        check::<Tanh>();
        check::<Softmax>();
    }
}
