//! Vector-Jacobian products of the element-wise, broadcasting, softmax, reduction and
//! slicing operations: given the gradient at an operation's output, the gradient at its
//! inputs. A layer's backward pass is built from these and [`linear_into`]'s companions
//! (see `src/ops/README.md`).
//!
//! [`linear_into`]: crate::ops::linear_into

use crate::shapes::rules::HasAxis;
use crate::shapes::{Dim, Dimension, MAX_RANK, Shape, ShapeError, checks};
use crate::tensor::{Dtype, Float, Tensor};

/// Sums `g` (the gradient at a broadcast result) down to `shape`, the shape of an operand
/// that was broadcast: over the leading axes it lacked and over the axes it stretched
/// from size 1. The VJP of numpy broadcasting.
fn sum_to<S: Shape, R: Shape, E: Dtype>(
    g: &Tensor<S, E>,
    shape: R,
) -> Result<Tensor<R, E>, ShapeError> {
    let (dg, dr) = (g.shape_dims(), shape.dims());
    let (dg, dr) = (dg.as_ref(), dr.as_ref());
    let err =
        || ShapeError::incompatible("sum_to", dg, dr).with_detail("not a broadcast of that shape");
    if dr.len() > dg.len() {
        return Err(err());
    }
    let offset = dg.len() - dr.len();
    for (i, &d) in dr.iter().enumerate() {
        if d != dg[offset + i] && d != 1 {
            return Err(err());
        }
    }
    let mut out = Tensor::zeros(shape);
    // Strides of the result read along g's axes: 0 on summed axes.
    let mut strides = [0usize; MAX_RANK];
    let mut acc = 1usize;
    for i in (0..dr.len()).rev() {
        strides[offset + i] = if dr[i] == 1 { 0 } else { acc };
        acc *= dr[i];
    }
    let mut index = [0usize; MAX_RANK];
    let mut at = 0usize;
    let o = out.as_mut_slice();
    for &v in g.as_slice() {
        o[at] += v;
        for ax in (0..dg.len()).rev() {
            index[ax] += 1;
            at += strides[ax];
            if index[ax] < dg[ax] {
                break;
            }
            at -= strides[ax] * dg[ax];
            index[ax] = 0;
        }
    }
    Ok(out)
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The gradient of a broadcast operand: `self` (a gradient at the broadcast result)
    /// summed down to `shape`. `Err` when `self` is not a broadcast of `shape`.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// // y = x + b with x (2, 3) and b (3,): db is the column sums of dy.
    /// let dy = Tensor::<(Dim<2>, Dim<3>)>::from([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    /// let db = dy.try_sum_to((Dim::<3>,)).unwrap();
    /// assert_eq!(db.as_slice(), &[5.0, 7.0, 9.0]);
    /// ```
    pub fn try_sum_to<R: Shape>(&self, shape: R) -> Result<Tensor<R, E>, ShapeError> {
        sum_to(self, shape)
    }

    /// The VJP of `a + b` (broadcasting): `(da, db)` from the output gradient `self`.
    pub fn try_add_backward<A: Shape, B: Shape>(
        &self,
        a: A,
        b: B,
    ) -> Result<(Tensor<A, E>, Tensor<B, E>), ShapeError> {
        Ok((sum_to(self, a)?, sum_to(self, b)?))
    }

    /// The VJP of `a - b`: `(da, db) = (g, -g)`, each summed to its operand's shape.
    pub fn try_sub_backward<A: Shape, B: Shape>(
        &self,
        a: A,
        b: B,
    ) -> Result<(Tensor<A, E>, Tensor<B, E>), ShapeError> {
        let neg = self.map(|v| -v);
        Ok((sum_to(self, a)?, sum_to(&neg, b)?))
    }

    /// The VJP of `a * b` (broadcasting): `(g * b, g * a)`, each summed to its operand's
    /// shape.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let a = Tensor::<(Dim<2>, Dim<2>)>::from([[1.0, 2.0], [3.0, 4.0]]);
    /// let b = Tensor::<(Dim<2>,)>::from([10.0, 20.0]);
    /// let g = Tensor::<(Dim<2>, Dim<2>)>::ones(Default::default());
    /// let (da, db) = g.try_mul_backward(&a, &b).unwrap();
    /// assert_eq!(da.as_slice(), &[10.0, 20.0, 10.0, 20.0]);
    /// assert_eq!(db.as_slice(), &[4.0, 6.0]);
    /// ```
    pub fn try_mul_backward<A: Shape, B: Shape>(
        &self,
        a: &Tensor<A, E>,
        b: &Tensor<B, E>,
    ) -> Result<(Tensor<A, E>, Tensor<B, E>), ShapeError> {
        let gb = crate::ops::binary::try_broadcast_zip::<S, B, S, E, E, E>(
            "mul_backward",
            self,
            b,
            |g, b| g * b,
        )?;
        let ga = crate::ops::binary::try_broadcast_zip::<S, A, S, E, E, E>(
            "mul_backward",
            self,
            a,
            |g, a| g * a,
        )?;
        Ok((sum_to(&gb, a.shape())?, sum_to(&ga, b.shape())?))
    }

    /// The VJP of `a / b` (broadcasting): `(g / b, -g * a / b^2)`, each summed to its
    /// operand's shape.
    pub fn try_div_backward<A: Shape, B: Shape>(
        &self,
        a: &Tensor<A, E>,
        b: &Tensor<B, E>,
    ) -> Result<(Tensor<A, E>, Tensor<B, E>), ShapeError> {
        let g_over_b = crate::ops::binary::try_broadcast_zip::<S, B, S, E, E, E>(
            "div_backward",
            self,
            b,
            |g, b| g / b,
        )?;
        let ab = crate::ops::binary::try_broadcast_zip::<A, B, S, E, E, E>(
            "div_backward",
            a,
            b,
            |a, b| a / (b * b),
        )?;
        let gb = crate::ops::binary::try_broadcast_zip::<S, S, S, E, E, E>(
            "div_backward",
            self,
            &ab,
            |g, q| -g * q,
        )?;
        Ok((sum_to(&g_over_b, a.shape())?, sum_to(&gb, b.shape())?))
    }
}

impl<B: Dimension, const N: usize, E: Float> Tensor<(B, Dim<N>), E> {
    /// Softmax of every row: `exp(x - max) / sum`.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<1>, Dim<2>)>::from([[0.0, 0.0]]);
    /// assert_eq!(x.softmax().as_slice(), &[0.5, 0.5]);
    /// ```
    pub fn softmax(&self) -> Self {
        let mut y = self.clone();
        <crate::nn::Softmax as crate::nn::Activation>::apply(y.as_mut_slice(), N);
        y
    }

    /// The VJP of softmax, from its output `y` and the gradient `self` at it:
    /// `y * (g - sum(g * y))` row by row.
    pub fn softmax_backward(&self, y: &Self) -> Self {
        let mut dx = self.clone();
        <crate::nn::Softmax as crate::nn::Activation>::backward(y.as_slice(), dx.as_mut_slice(), N);
        dx
    }

    /// Log-softmax of every row: `x - max - ln(sum(exp(x - max)))`, stable for large
    /// logits.
    pub fn log_softmax(&self) -> Self {
        let mut y = self.clone();
        for row in y.as_mut_slice().chunks_exact_mut(N.max(1)) {
            let max = row.iter().copied().fold(E::neg_infinity(), E::max);
            let lse = max + row.iter().fold(E::zero(), |s, &v| s + (v - max).exp()).ln();
            row.iter_mut().for_each(|v| *v -= lse);
        }
        y
    }

    /// The VJP of log-softmax, from its output `y` and the gradient `self` at it:
    /// `g - exp(y) * sum(g)` row by row.
    pub fn log_softmax_backward(&self, y: &Self) -> Self {
        let mut dx = self.clone();
        for (row, yr) in dx
            .as_mut_slice()
            .chunks_exact_mut(N.max(1))
            .zip(y.as_slice().chunks_exact(N.max(1)))
        {
            let total = row.iter().fold(E::zero(), |s, &g| s + g);
            row.iter_mut()
                .zip(yr)
                .for_each(|(g, &y)| *g -= y.exp() * total);
        }
        dx
    }
}

/// Repeats `g` (the gradient of a reduction along `axis`) `n` times along that axis:
/// every input element gets the gradient of the output it was summed into, times `scale`.
fn spread<S: Shape, R: Shape, E: Float>(
    g: &Tensor<R, E>,
    shape: S,
    axis: usize,
    scale: E,
) -> Tensor<S, E> {
    let dims = shape.dims();
    let dims = dims.as_ref();
    let n = dims[axis];
    let inner: usize = dims[axis + 1..].iter().product();
    let mut out = Tensor::zeros(shape);
    let gs = g.as_slice();
    for (o, chunk) in out
        .as_mut_slice()
        .chunks_exact_mut((n * inner).max(1))
        .enumerate()
    {
        for row in chunk.chunks_exact_mut(inner.max(1)).take(n) {
            row.iter_mut()
                .zip(&gs[o * inner..(o + 1) * inner])
                .for_each(|(v, &g)| *v = g * scale);
        }
    }
    out
}

impl<R: Shape, E: Float> Tensor<R, E> {
    /// The VJP of `x.sum_axis::<I>()`: the gradient `self` repeated along axis `I` of the
    /// input's shape.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<2>, Dim<3>)>::ones(Default::default());
    /// let g = Tensor::<(Dim<3>,)>::from([1.0, 2.0, 3.0]);
    /// let dx = g.sum_axis_backward::<0, _>(x.shape());
    /// assert_eq!(dx.as_slice(), &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn sum_axis_backward<const I: usize, S>(&self, input: S) -> Tensor<S, E>
    where
        S: HasAxis<I, Removed = R>,
    {
        spread(self, input, I, E::one())
    }

    /// The VJP of `x.mean_axis::<I>()`: the gradient repeated along axis `I`, divided by
    /// its length.
    #[track_caller]
    pub fn mean_axis_backward<const I: usize, S>(&self, input: S) -> Tensor<S, E>
    where
        S: HasAxis<I, Removed = R>,
    {
        let n = E::from(input.dims().as_ref()[I]).expect("a size fits the float type");
        spread(self, input, I, E::one() / n)
    }

    /// The VJP of a reshape: the gradient in the input's shape (the same elements).
    pub fn try_reshape_backward<S: Shape>(self, input: S) -> Result<Tensor<S, E>, ShapeError> {
        self.try_reshape(input)
    }

    /// The VJP of `x.narrow::<AXIS, START, LEN>()`: the gradient placed at
    /// `START..START + LEN` of axis `AXIS` in the input's shape, zeros elsewhere.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let g = Tensor::<(Dim<2>,)>::from([1.0, 2.0]);
    /// let dx = g.narrow_backward::<0, 1, (Dim<4>,)>(Default::default());
    /// assert_eq!(dx.as_slice(), &[0.0, 1.0, 2.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn narrow_backward<const AXIS: usize, const START: usize, S>(
        &self,
        input: S,
    ) -> Tensor<S, E>
    where
        S: HasAxis<AXIS>,
        R: HasAxis<AXIS>,
    {
        const { checks::ok(checks::narrow::<S>(AXIS, START, 0)) };
        let dims = input.dims();
        let dims = dims.as_ref();
        let gd = self.shape_dims();
        let len = gd.as_ref()[AXIS];
        assert!(
            START + len <= dims[AXIS],
            "narrow_backward: {START}..{} does not fit axis {AXIS} of size {}",
            START + len,
            dims[AXIS]
        );
        let inner: usize = dims[AXIS + 1..].iter().product();
        let n = dims[AXIS];
        let mut out = Tensor::zeros(input);
        let o = out.as_mut_slice();
        for (outer, chunk) in self
            .as_slice()
            .chunks_exact((len * inner).max(1))
            .enumerate()
        {
            let base = (outer * n + START) * inner;
            o[base..base + len * inner].copy_from_slice(chunk);
        }
        out
    }
}
