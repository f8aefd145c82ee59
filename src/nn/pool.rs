//! Keras's pooling layers on channels-last images: `MaxPooling2D`, `AveragePooling2D`
//! (windows of `POOL x POOL`, stride `POOL`, Keras's default) and
//! `GlobalAveragePooling2D`.

use super::conv::{Padding, Valid};
use super::{Grad, Layer, Params, Train};
use crate::ops::conv::Window2d;
use crate::ops::pool::{avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward};
use crate::shapes::checks::{ok, window_2d};
use crate::shapes::{Dim, Dimension};
use crate::tensor::{Float, Tensor};

/// The maximum of every `POOL x POOL` window (stride `POOL`), per channel, of `IH x IW x C`
/// images into `OH x OW x C`: Keras's `MaxPooling2D(pool_size=POOL)`. The output size is
/// named and checked when the program is built, like [`Conv2D`](super::Conv2D)'s:
/// `MaxPooling2D 2x2, stride 2, valid, on 11x11 gives 5x5, not 6x6`. Positions in `same`
/// padding never win. A NaN in a window is its maximum (it propagates).
///
/// ```
/// use shaped::nn::{Layer, MaxPooling2D};
/// use shaped::{Dim, Tensor};
/// let pool = MaxPooling2D::<26, 26, 32, 13, 13, 2>::new();
/// let x = Tensor::<(usize, Dim<26>, Dim<26>, Dim<32>)>::ones((3, Dim, Dim, Dim));
/// assert_eq!(pool.forward(&x).shape_dims(), [3, 13, 13, 32]);
/// ```
#[derive(Params)]
#[rustfmt::skip] // one line, so that a wiring error quotes it in one line
pub struct MaxPooling2D<const IH: usize, const IW: usize, const C: usize, const OH: usize, const OW: usize, const POOL: usize, P: Padding = Valid> {
    #[params(skip)]
    padding: P,
}

/// The mean of every `POOL x POOL` window (stride `POOL`), per channel: Keras's
/// `AveragePooling2D(pool_size=POOL)`, checked like [`MaxPooling2D`]. With `same`
/// padding, a border window averages its inside positions only (as TensorFlow does).
///
/// ```
/// use shaped::nn::{AveragePooling2D, Layer};
/// use shaped::{Dim, Tensor};
/// let pool = AveragePooling2D::<4, 4, 1, 2, 2, 2>::new();
/// let x = Tensor::<(usize, Dim<4>, Dim<4>, Dim<1>)>::from_fn((1, Dim, Dim, Dim), |[_, i, j, _]| (i * 4 + j) as f32);
/// assert_eq!(pool.forward(&x).as_slice(), &[2.5, 4.5, 10.5, 12.5]);
/// ```
#[derive(Params)]
#[rustfmt::skip] // one line, so that a wiring error quotes it in one line
pub struct AveragePooling2D<const IH: usize, const IW: usize, const C: usize, const OH: usize, const OW: usize, const POOL: usize, P: Padding = Valid> {
    #[params(skip)]
    padding: P,
}

/// The buffer a max-pooling layer keeps for its backward pass: its output.
pub struct MaxPoolCache<B: Dimension, const OH: usize, const OW: usize, const C: usize, E: Float> {
    output: Option<Tensor<(B, Dim<OH>, Dim<OW>, Dim<C>), E>>,
}

impl<B: Dimension, const OH: usize, const OW: usize, const C: usize, E: Float> Default
    for MaxPoolCache<B, OH, OW, C, E>
{
    fn default() -> Self {
        MaxPoolCache { output: None }
    }
}

macro_rules! pooling_layer {
    ($name:ident, $keras:literal) => {
        impl<
            const IH: usize,
            const IW: usize,
            const C: usize,
            const OH: usize,
            const OW: usize,
            const POOL: usize,
            P: Padding,
        > $name<IH, IW, C, OH, OW, POOL, P>
        {
            /// The geometry. `new` and `default` check the declared output size first.
            const WINDOW: Window2d = Window2d::new(IH, IW, C, POOL, POOL, P::SAME);

            /// The layer (it has no parameters).
            #[track_caller]
            pub fn new() -> Self {
                const { ok(window_2d($keras, POOL, POOL, P::SAME, (IH, IW), (OH, OW))) };
                $name {
                    padding: P::default(),
                }
            }
        }

        impl<
            const IH: usize,
            const IW: usize,
            const C: usize,
            const OH: usize,
            const OW: usize,
            const POOL: usize,
            P: Padding,
        > Default for $name<IH, IW, C, OH, OW, POOL, P>
        {
            #[track_caller]
            fn default() -> Self {
                const { ok(window_2d($keras, POOL, POOL, P::SAME, (IH, IW), (OH, OW))) };
                $name {
                    padding: P::default(),
                }
            }
        }

        impl<
            const IH: usize,
            const IW: usize,
            const C: usize,
            const OH: usize,
            const OW: usize,
            const POOL: usize,
            P: Padding,
        > Clone for $name<IH, IW, C, OH, OW, POOL, P>
        {
            fn clone(&self) -> Self {
                $name {
                    padding: self.padding,
                }
            }
        }

        impl<
            const IH: usize,
            const IW: usize,
            const C: usize,
            const OH: usize,
            const OW: usize,
            const POOL: usize,
            P: Padding,
        > PartialEq for $name<IH, IW, C, OH, OW, POOL, P>
        {
            fn eq(&self, _: &Self) -> bool {
                true
            }
        }

        impl<
            const IH: usize,
            const IW: usize,
            const C: usize,
            const OH: usize,
            const OW: usize,
            const POOL: usize,
            P: Padding,
        > core::fmt::Debug for $name<IH, IW, C, OH, OW, POOL, P>
        {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(
                    f,
                    "{}({IH}x{IW}x{C} -> {OH}x{OW}x{C}, {POOL}x{POOL}, {})",
                    $keras,
                    P::NAME
                )
            }
        }
    };
}
pooling_layer!(MaxPooling2D, "MaxPooling2D");
pooling_layer!(AveragePooling2D, "AveragePooling2D");

impl<
    B: Dimension,
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    const POOL: usize,
    P: Padding,
    E: Float,
> Layer<Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>> for MaxPooling2D<IH, IW, C, OH, OW, POOL, P>
{
    type Output = Tensor<(B, Dim<OH>, Dim<OW>, Dim<C>), E>;
    fn forward(&self, x: &Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>) -> Self::Output {
        let g = const { Self::WINDOW };
        let mut out = Tensor::zeros((x.shape().0, Dim, Dim, Dim));
        max_pool_forward(x.as_slice(), x.batch_size(), &g, out.as_mut_slice());
        out
    }
}

impl<
    B: Dimension,
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    const POOL: usize,
    P: Padding,
    E: Float,
> Train<Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>> for MaxPooling2D<IH, IW, C, OH, OW, POOL, P>
{
    type Cache = MaxPoolCache<B, OH, OW, C, E>;
    const SOFTMAX_OUTPUT: bool = false;

    fn forward_train<'c>(
        &mut self,
        x: &Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>,
        cache: &'c mut Self::Cache,
    ) -> &'c Self::Output {
        let g = const { Self::WINDOW };
        let shape = (x.shape().0, Dim, Dim, Dim);
        let out = cache.output.get_or_insert_with(|| Tensor::zeros(shape));
        out.set_shape(shape);
        max_pool_forward(x.as_slice(), x.batch_size(), &g, out.as_mut_slice());
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
        x: &Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>,
        cache: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        _: &mut Self,
        input_grad: Option<&mut Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>>,
    ) {
        let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
        if let (Some(dx), Some(out)) = (input_grad, cache.output.as_ref()) {
            dx.set_shape(x.shape());
            let window = const { Self::WINDOW };
            max_pool_backward(
                x.as_slice(),
                out.as_slice(),
                g.as_slice(),
                x.batch_size(),
                &window,
                dx.as_mut_slice(),
            );
        }
    }
}

impl<
    B: Dimension,
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    const POOL: usize,
    P: Padding,
    E: Float,
> Layer<Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>> for AveragePooling2D<IH, IW, C, OH, OW, POOL, P>
{
    type Output = Tensor<(B, Dim<OH>, Dim<OW>, Dim<C>), E>;
    fn forward(&self, x: &Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>) -> Self::Output {
        let g = const { Self::WINDOW };
        let mut out = Tensor::zeros((x.shape().0, Dim, Dim, Dim));
        avg_pool_forward(x.as_slice(), x.batch_size(), &g, out.as_mut_slice());
        out
    }
}

impl<
    B: Dimension,
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    const POOL: usize,
    P: Padding,
    E: Float,
> Train<Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>> for AveragePooling2D<IH, IW, C, OH, OW, POOL, P>
{
    type Cache = Option<Tensor<(B, Dim<OH>, Dim<OW>, Dim<C>), E>>;
    const SOFTMAX_OUTPUT: bool = false;

    fn forward_train<'c>(
        &mut self,
        x: &Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>,
        cache: &'c mut Self::Cache,
    ) -> &'c Self::Output {
        let g = const { Self::WINDOW };
        let shape = (x.shape().0, Dim, Dim, Dim);
        let out = cache.get_or_insert_with(|| Tensor::zeros(shape));
        out.set_shape(shape);
        avg_pool_forward(x.as_slice(), x.batch_size(), &g, out.as_mut_slice());
        out
    }

    fn output(cache: &Self::Cache) -> &Self::Output {
        cache.as_ref().expect("forward_train runs before backward")
    }

    fn backward(
        &self,
        x: &Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>,
        _: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        _: &mut Self,
        input_grad: Option<&mut Tensor<(B, Dim<IH>, Dim<IW>, Dim<C>), E>>,
    ) {
        let g = const { Self::WINDOW };
        let (Grad::Output(gr) | Grad::PreActivation(gr)) = grad;
        if let Some(dx) = input_grad {
            dx.set_shape(x.shape());
            avg_pool_backward(gr.as_slice(), x.batch_size(), &g, dx.as_mut_slice());
        }
    }
}

/// The mean over height and width, per channel: `(batch, H, W, C) -> (batch, C)`, Keras's
/// `GlobalAveragePooling2D`.
///
/// ```
/// use shaped::nn::{GlobalAveragePooling2D, Layer};
/// use shaped::{Dim, Tensor};
/// let x = Tensor::<(usize, Dim<2>, Dim<2>, Dim<2>)>::from_fn((1, Dim, Dim, Dim), |[_, i, j, c]| (c * 10 + i * 2 + j) as f32);
/// assert_eq!(GlobalAveragePooling2D.forward(&x).as_slice(), &[1.5, 11.5]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Params)]
pub struct GlobalAveragePooling2D;

impl<B: Dimension, const H: usize, const W: usize, const C: usize, E: Float>
    Layer<Tensor<(B, Dim<H>, Dim<W>, Dim<C>), E>> for GlobalAveragePooling2D
{
    type Output = Tensor<(B, Dim<C>), E>;
    fn forward(&self, x: &Tensor<(B, Dim<H>, Dim<W>, Dim<C>), E>) -> Self::Output {
        let mut out = Tensor::zeros((x.shape().0, Dim));
        global_average_into(x, &mut out);
        out
    }
}

fn global_average_into<B: Dimension, const H: usize, const W: usize, const C: usize, E: Float>(
    x: &Tensor<(B, Dim<H>, Dim<W>, Dim<C>), E>,
    out: &mut Tensor<(B, Dim<C>), E>,
) {
    out.set_shape((x.shape().0, Dim));
    let scale = E::one() / E::from((H * W).max(1)).expect("a count fits a float");
    for (row, image) in out
        .as_mut_slice()
        .chunks_exact_mut(C)
        .zip(x.as_slice().chunks_exact((H * W * C).max(1)))
    {
        row.fill(E::zero());
        for pixel in image.chunks_exact(C) {
            row.iter_mut().zip(pixel).for_each(|(r, &v)| *r += v);
        }
        row.iter_mut().for_each(|r| *r *= scale);
    }
}

impl<B: Dimension, const H: usize, const W: usize, const C: usize, E: Float>
    Train<Tensor<(B, Dim<H>, Dim<W>, Dim<C>), E>> for GlobalAveragePooling2D
{
    type Cache = Option<Tensor<(B, Dim<C>), E>>;
    const SOFTMAX_OUTPUT: bool = false;

    fn forward_train<'c>(
        &mut self,
        x: &Tensor<(B, Dim<H>, Dim<W>, Dim<C>), E>,
        cache: &'c mut Self::Cache,
    ) -> &'c Self::Output {
        let out = cache.get_or_insert_with(|| Tensor::zeros((x.shape().0, Dim)));
        global_average_into(x, out);
        out
    }

    fn output(cache: &Self::Cache) -> &Self::Output {
        cache.as_ref().expect("forward_train runs before backward")
    }

    fn backward(
        &self,
        x: &Tensor<(B, Dim<H>, Dim<W>, Dim<C>), E>,
        _: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        _: &mut Self,
        input_grad: Option<&mut Tensor<(B, Dim<H>, Dim<W>, Dim<C>), E>>,
    ) {
        let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
        if let Some(dx) = input_grad {
            dx.set_shape(x.shape());
            let scale = E::one() / E::from((H * W).max(1)).expect("a count fits a float");
            for (image, row) in dx
                .as_mut_slice()
                .chunks_exact_mut((H * W * C).max(1))
                .zip(g.as_slice().chunks_exact(C))
            {
                for pixel in image.chunks_exact_mut(C) {
                    pixel.iter_mut().zip(row).for_each(|(d, &v)| *d = v * scale);
                }
            }
        }
    }
}
