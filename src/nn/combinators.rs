//! Layers made of layers, so that common architectures need no backward code:
//! [`Residual`] (`x + f(x)`), [`Sum`] (`f(x) + g(x)`) and [`Concat`] (`[f(x), g(x)]` along
//! the features, the output width named and checked when the program is built).

use super::{Grad, HasElem, Layer, Params, Train, reuse};
use crate::shapes::{Dim, Dimension, Shape, checks};
use crate::tensor::{Float, Tensor};

/// `a += b`, element by element (same shapes).
fn add_assign<S: Shape, E: Float>(a: &mut Tensor<S, E>, b: &Tensor<S, E>) {
    a.as_mut_slice()
        .iter_mut()
        .zip(b.as_slice())
        .for_each(|(x, &y)| *x += y);
}

/// A residual block: `y = x + f(x)`, for an `f` whose output has its input's shape.
/// Parameters are named after the inner layer's (`0.kernel`, ...).
///
/// ```
/// use shaped::nn::{Dense, Layer, Relu, Residual};
/// use shaped::{Dim, Tensor};
/// let block = Residual((Dense::<8, 8, Relu>::new(0), Dense::<8, 8>::new(1)));
/// let x = Tensor::<(usize, Dim<8>)>::ones((2, Dim));
/// let inner = block.0.forward(&x);
/// assert_eq!(block.forward(&x), &inner + &x);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Params)]
pub struct Residual<L>(pub L);

impl<S: Shape, E: Float, L: Layer<Tensor<S, E>, Output = Tensor<S, E>>> Layer<Tensor<S, E>>
    for Residual<L>
{
    type Output = Tensor<S, E>;
    const CHECK: () = L::CHECK;
    fn forward(&self, x: &Tensor<S, E>) -> Self::Output {
        let () = Self::CHECK;
        let mut y = self.0.forward(x);
        add_assign(&mut y, x);
        y
    }
}

/// What a [`Residual`] keeps: the inner layer's cache, the output, and the inner input
/// gradient.
pub struct ResidualCache<C, T> {
    inner: C,
    output: Option<T>,
    inner_input_grad: Option<T>,
}

impl<C: Default, T> Default for ResidualCache<C, T> {
    fn default() -> Self {
        ResidualCache {
            inner: C::default(),
            output: None,
            inner_input_grad: None,
        }
    }
}

impl<S, E, L> Train<Tensor<S, E>> for Residual<L>
where
    S: Shape,
    E: Float,
    L: Train<Tensor<S, E>, Output = Tensor<S, E>>,
{
    type Cache = ResidualCache<L::Cache, Tensor<S, E>>;
    const SOFTMAX_OUTPUT: bool = false;

    fn forward_train<'c>(
        &mut self,
        x: &Tensor<S, E>,
        cache: &'c mut Self::Cache,
    ) -> &'c Self::Output {
        let () = <Self as Layer<Tensor<S, E>>>::CHECK;
        let inner = self.0.forward_train(x, &mut cache.inner);
        let out = reuse(&mut cache.output, inner);
        out.as_mut_slice().copy_from_slice(inner.as_slice());
        add_assign(out, x);
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
        x: &Tensor<S, E>,
        cache: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        grads: &mut Self,
        input_grad: Option<&mut Tensor<S, E>>,
    ) {
        let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
        match input_grad {
            None => self
                .0
                .backward(x, &mut cache.inner, Grad::Output(g), &mut grads.0, None),
            Some(dx) => {
                // d/dx (x + f(x)) = 1 + f'(x): the skip path's gradient plus the inner one.
                let inner_dx = reuse(&mut cache.inner_input_grad, x);
                self.0.backward(
                    x,
                    &mut cache.inner,
                    Grad::Output(g),
                    &mut grads.0,
                    Some(inner_dx),
                );
                dx.resize_like(x);
                dx.as_mut_slice().copy_from_slice(g.as_slice());
                add_assign(dx, inner_dx);
            }
        }
    }
}

/// Two branches on the same input, added: `y = a(x) + b(x)`. Parameters are named `a.*`
/// and `b.*`.
///
/// ```
/// use shaped::nn::{Dense, Layer, Sum};
/// use shaped::{Dim, Tensor};
/// let both = Sum { a: Dense::<4, 3>::new(0), b: Dense::<4, 3>::new(1) };
/// let x = Tensor::<(usize, Dim<4>)>::ones((2, Dim));
/// assert_eq!(both.forward(&x), &both.a.forward(&x) + &both.b.forward(&x));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Params)]
pub struct Sum<A, B> {
    /// The first branch.
    pub a: A,
    /// The second branch.
    pub b: B,
}

impl<X, Y: Clone, A, B> Layer<X> for Sum<A, B>
where
    A: Layer<X, Output = Y>,
    B: Layer<X, Output = Y>,
    Y: HasElem + SumInPlace,
{
    type Output = Y;
    const CHECK: () = {
        let () = A::CHECK;
        let () = B::CHECK;
    };
    fn forward(&self, x: &X) -> Y {
        let () = Self::CHECK;
        let mut y = self.a.forward(x);
        y.add_in_place(&self.b.forward(x));
        y
    }
}

/// Element-wise `+=` and copies between values of one type (tensors of one shape), without
/// allocating: what [`Sum`] and [`Concat`] need of the values flowing through them.
pub trait SumInPlace {
    /// `self += other`.
    fn add_in_place(&mut self, other: &Self);
    /// `self = other`, reusing `self`'s buffer.
    fn copy_in_place(&mut self, other: &Self);
}

impl<S: Shape, E: Float> SumInPlace for Tensor<S, E> {
    fn add_in_place(&mut self, other: &Self) {
        add_assign(self, other);
    }
    fn copy_in_place(&mut self, other: &Self) {
        self.set_shape(other.shape());
        self.as_mut_slice().copy_from_slice(other.as_slice());
    }
}

/// What a [`Sum`] keeps: both branches' caches, the output and a gradient buffer.
pub struct PairCache<CA, CB, Y, X> {
    a: CA,
    b: CB,
    output: Option<Y>,
    branch_input_grad: Option<X>,
}

impl<CA: Default, CB: Default, Y, X> Default for PairCache<CA, CB, Y, X> {
    fn default() -> Self {
        PairCache {
            a: CA::default(),
            b: CB::default(),
            output: None,
            branch_input_grad: None,
        }
    }
}

impl<X, Y, A, B> Train<X> for Sum<A, B>
where
    X: HasElem + SumInPlace,
    Y: HasElem<Elem = X::Elem> + SumInPlace,
    A: Train<X, Output = Y>,
    B: Train<X, Output = Y>,
{
    type Cache = PairCache<A::Cache, B::Cache, Y, X>;
    const SOFTMAX_OUTPUT: bool = false;

    fn forward_train<'c>(&mut self, x: &X, cache: &'c mut Self::Cache) -> &'c Y {
        let () = <Self as Layer<X>>::CHECK;
        let ya = self.a.forward_train(x, &mut cache.a);
        let out = reuse(&mut cache.output, ya);
        out.copy_in_place(ya);
        out.add_in_place(self.b.forward_train(x, &mut cache.b));
        out
    }

    fn output(cache: &Self::Cache) -> &Y {
        cache
            .output
            .as_ref()
            .expect("forward_train runs before backward")
    }

    fn backward(
        &self,
        x: &X,
        cache: &mut Self::Cache,
        grad: Grad<&Y>,
        grads: &mut Self,
        input_grad: Option<&mut X>,
    ) {
        // The same output gradient flows into both branches; their input gradients add.
        let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
        match input_grad {
            None => {
                self.a
                    .backward(x, &mut cache.a, Grad::Output(g), &mut grads.a, None);
                self.b
                    .backward(x, &mut cache.b, Grad::Output(g), &mut grads.b, None);
            }
            Some(dx) => {
                self.a
                    .backward(x, &mut cache.a, Grad::Output(g), &mut grads.a, Some(dx));
                let db = reuse(&mut cache.branch_input_grad, x);
                self.b
                    .backward(x, &mut cache.b, Grad::Output(g), &mut grads.b, Some(db));
                dx.add_in_place(db);
            }
        }
    }
}

/// Two branches on the same batch of vectors, their features joined: `a(x)` of width `NA`
/// then `b(x)` of width `NB`, into `N` features. Stable Rust cannot compute `NA + NB`, so
/// the caller names `N` and the build checks it:
///
/// ```
/// use shaped::nn::{Concat, Dense, Layer};
/// use shaped::{Dim, Tensor};
/// let wide = Concat::<_, _, 7> { a: Dense::<4, 3>::new(0), b: Dense::<4, 4>::new(1) };
/// let y = wide.forward(&Tensor::<(usize, Dim<4>)>::ones((2, Dim)));
/// assert_eq!(y.shape_dims(), [2, 7]);
/// ```
///
/// ```compile_fail
/// use shaped::nn::{Concat, Dense, Layer};
/// use shaped::{Dim, Tensor};
/// let wrong = Concat::<_, _, 8> { a: Dense::<4, 3>::new(0), b: Dense::<4, 4>::new(1) };
/// let _ = wrong.forward(&Tensor::<(usize, Dim<4>)>::ones((2, Dim))); // 3 + 4 is not 8
/// ```
#[derive(Clone, Debug, Default, PartialEq, Params)]
pub struct Concat<A, B, const N: usize> {
    /// The branch whose features come first.
    pub a: A,
    /// The branch whose features come second.
    pub b: B,
}

/// Writes rows of `a` (width `na`) and `b` (width `nb`) side by side into `out`.
fn join_rows<E: Copy>(a: &[E], na: usize, b: &[E], nb: usize, out: &mut [E]) {
    for ((row, ra), rb) in out
        .chunks_exact_mut(na + nb)
        .zip(a.chunks_exact(na.max(1)))
        .zip(b.chunks_exact(nb.max(1)))
    {
        row[..na].copy_from_slice(&ra[..na]);
        row[na..].copy_from_slice(&rb[..nb]);
    }
}

impl<Bt, X, A, B, const NA: usize, const NB: usize, const N: usize, E> Layer<X> for Concat<A, B, N>
where
    Bt: Dimension,
    E: Float,
    A: Layer<X, Output = Tensor<(Bt, Dim<NA>), E>>,
    B: Layer<X, Output = Tensor<(Bt, Dim<NB>), E>>,
{
    type Output = Tensor<(Bt, Dim<N>), E>;
    const CHECK: () = {
        let () = A::CHECK;
        let () = B::CHECK;
        checks::ok(checks::concat_width(NA, NB, N))
    };
    fn forward(&self, x: &X) -> Self::Output {
        let () = Self::CHECK;
        let (ya, yb) = (self.a.forward(x), self.b.forward(x));
        let mut out = Tensor::zeros((ya.shape().0, Dim));
        join_rows(ya.as_slice(), NA, yb.as_slice(), NB, out.as_mut_slice());
        out
    }
}

/// What a [`Concat`] keeps: both branches' caches, the output, the two halves of the
/// output gradient and a gradient buffer.
pub struct ConcatCache<CA, CB, Y, GA, GB, X> {
    pair: PairCache<CA, CB, Y, X>,
    grad_a: Option<GA>,
    grad_b: Option<GB>,
}

impl<CA: Default, CB: Default, Y, GA, GB, X> Default for ConcatCache<CA, CB, Y, GA, GB, X> {
    fn default() -> Self {
        ConcatCache {
            pair: PairCache::default(),
            grad_a: None,
            grad_b: None,
        }
    }
}

impl<Bt, X, A, B, const NA: usize, const NB: usize, const N: usize, E> Train<X> for Concat<A, B, N>
where
    Bt: Dimension,
    E: Float,
    X: HasElem<Elem = E> + SumInPlace,
    A: Train<X, Output = Tensor<(Bt, Dim<NA>), E>>,
    B: Train<X, Output = Tensor<(Bt, Dim<NB>), E>>,
{
    type Cache = ConcatCache<
        A::Cache,
        B::Cache,
        Tensor<(Bt, Dim<N>), E>,
        Tensor<(Bt, Dim<NA>), E>,
        Tensor<(Bt, Dim<NB>), E>,
        X,
    >;
    const SOFTMAX_OUTPUT: bool = false;

    fn forward_train<'c>(&mut self, x: &X, cache: &'c mut Self::Cache) -> &'c Self::Output {
        let () = <Self as Layer<X>>::CHECK;
        let c = &mut cache.pair;
        let ya = self.a.forward_train(x, &mut c.a);
        let yb = self.b.forward_train(x, &mut c.b);
        let shape = (ya.shape().0, Dim);
        let out = c.output.get_or_insert_with(|| Tensor::zeros(shape));
        out.set_shape(shape);
        join_rows(ya.as_slice(), NA, yb.as_slice(), NB, out.as_mut_slice());
        out
    }

    fn output(cache: &Self::Cache) -> &Self::Output {
        cache
            .pair
            .output
            .as_ref()
            .expect("forward_train runs before backward")
    }

    fn backward(
        &self,
        x: &X,
        cache: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        grads: &mut Self,
        input_grad: Option<&mut X>,
    ) {
        let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
        let shape_a = (g.shape().0, Dim::<NA>);
        let shape_b = (g.shape().0, Dim::<NB>);
        let ga = cache.grad_a.get_or_insert_with(|| Tensor::zeros(shape_a));
        let gb = cache.grad_b.get_or_insert_with(|| Tensor::zeros(shape_b));
        ga.set_shape(shape_a);
        gb.set_shape(shape_b);
        // The output gradient splits back into the two branches' columns.
        for ((row, ra), rb) in g
            .as_slice()
            .chunks_exact(N.max(1))
            .zip(ga.as_mut_slice().chunks_exact_mut(NA.max(1)))
            .zip(gb.as_mut_slice().chunks_exact_mut(NB.max(1)))
        {
            ra[..NA].copy_from_slice(&row[..NA]);
            rb[..NB].copy_from_slice(&row[NA..]);
        }
        let c = &mut cache.pair;
        match input_grad {
            None => {
                self.a
                    .backward(x, &mut c.a, Grad::Output(ga), &mut grads.a, None);
                self.b
                    .backward(x, &mut c.b, Grad::Output(gb), &mut grads.b, None);
            }
            Some(dx) => {
                self.a
                    .backward(x, &mut c.a, Grad::Output(ga), &mut grads.a, Some(dx));
                let db = reuse(&mut c.branch_input_grad, x);
                self.b
                    .backward(x, &mut c.b, Grad::Output(gb), &mut grads.b, Some(db));
                dx.add_in_place(db);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_sum_and_copy_take_the_other_value_and_shape() {
        let a = Tensor::<(usize, Dim<2>)>::from_vec((2, Dim), vec![1.0, 2.0, 3.0, 4.0]);
        let mut buf = Tensor::<(usize, Dim<2>)>::from_vec((1, Dim), vec![9.0, 9.0]);
        buf.copy_in_place(&a);
        assert_eq!((buf.shape_dims(), buf.as_slice()), ([2, 2], a.as_slice()));
        buf.add_in_place(&a);
        assert_eq!(buf.as_slice(), &[2.0, 4.0, 6.0, 8.0]);
    }
}
