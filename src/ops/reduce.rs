//! Reductions over the whole tensor or along one static axis.

use crate::kernels::AlignedVec;
use crate::shapes::rules::HasAxis;
use crate::shapes::{Shape, checked_numel};
use crate::tensor::{Dtype, Float, Tensor};

/// `(outer, n, inner)`: the sizes before, at and after `axis`.
///
/// When the result is empty both `outer` and `inner` are 0, so loops over them do not run
/// (an unchecked product of the other sizes could overflow, or loop for nothing).
#[track_caller]
fn split_at_axis(dims: &[usize], axis: usize) -> (usize, usize, usize) {
    let mut rest = dims.to_vec();
    rest.remove(axis);
    let count = checked_numel(&rest).expect("the reduced shape is too large");
    if count == 0 {
        return (0, dims[axis], 0);
    }
    let outer = checked_numel(&dims[..axis]).expect("part of the reduced shape");
    let inner = checked_numel(&dims[axis + 1..]).expect("part of the reduced shape");
    (outer, dims[axis], inner)
}

/// Folds along `axis`: element (o, j) of the result reduces the `n` values at (o, :, j).
fn reduce_axis<S, O, E, F, A>(
    t: &Tensor<S, E>,
    axis: usize,
    init: impl Fn(E) -> A,
    mut fold: F,
) -> Tensor<O, A>
where
    S: Shape,
    O: Shape,
    E: Dtype,
    A: Dtype,
    F: FnMut(A, E, usize) -> A,
{
    let dims = t.shape_dims();
    let dims = dims.as_ref();
    let (outer, n, inner) = split_at_axis(dims, axis);
    let mut out_dims = dims.to_vec();
    out_dims.remove(axis);
    let shape = O::from_dims(&out_dims).expect("reduced dims match the reduced type");
    assert!(
        n > 0 || outer * inner == 0,
        "cannot reduce along an empty axis {axis} of shape {dims:?}"
    );
    let data = t.as_slice();
    let mut out = AlignedVec::with_capacity(outer * inner);
    for o in 0..outer {
        let base = o * n * inner;
        out.extend((0..inner).map(|j| {
            let mut acc = init(data[base + j]);
            for k in 1..n {
                acc = fold(acc, data[base + k * inner + j], k);
            }
            acc
        }));
    }
    Tensor::from_parts(shape, out)
}

/// NaN, for any element type (`x != x` only for NaN).
#[allow(clippy::eq_op)]
fn is_nan<E: PartialEq + Copy>(x: E) -> bool {
    x != x
}

/// `x` replaces `best` when larger, or when it is NaN: numpy's `max` and `argmax`
/// propagate NaN (the first one wins) instead of skipping it.
fn beats_max<E: PartialOrd + Copy>(x: E, best: E) -> bool {
    !is_nan(best) && (is_nan(x) || x > best)
}

/// As [`beats_max`], for the minimum.
fn beats_min<E: PartialOrd + Copy>(x: E, best: E) -> bool {
    !is_nan(best) && (is_nan(x) || x < best)
}

fn first_max<E: PartialOrd + Copy>(data: &[E]) -> Option<(usize, E)> {
    let mut it = data.iter().copied().enumerate();
    let first = it.next()?;
    Some(it.fold(
        first,
        |best, (i, x)| if beats_max(x, best.1) { (i, x) } else { best },
    ))
}

fn first_min<E: PartialOrd + Copy>(data: &[E]) -> Option<(usize, E)> {
    let mut it = data.iter().copied().enumerate();
    let first = it.next()?;
    Some(it.fold(
        first,
        |best, (i, x)| if beats_min(x, best.1) { (i, x) } else { best },
    ))
}

impl<S: Shape, E: Dtype> Tensor<S, E> {
    /// Sum of all elements.
    pub fn sum(&self) -> E {
        self.as_slice().iter().copied().sum()
    }

    /// Largest element (NaN when there is one, as numpy); panics on an empty tensor.
    #[track_caller]
    pub fn max(&self) -> E {
        match first_max(self.as_slice()) {
            Some((_, x)) => x,
            None => panic!("max of an empty tensor"),
        }
    }

    /// Smallest element; panics on an empty tensor.
    #[track_caller]
    pub fn min(&self) -> E {
        match first_min(self.as_slice()) {
            Some((_, x)) => x,
            None => panic!("min of an empty tensor"),
        }
    }

    /// Flat (row-major) index of the first largest element, or of the first NaN (as
    /// numpy); panics on an empty tensor.
    #[track_caller]
    pub fn argmax(&self) -> usize {
        match first_max(self.as_slice()) {
            Some((i, _)) => i,
            None => panic!("argmax of an empty tensor"),
        }
    }

    /// Sums along axis `I`, removing it. An axis past the rank does not compile.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<2>, Dim<3>)>::from([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    /// assert_eq!(x.sum_axis::<0>().as_slice(), &[5.0, 7.0, 9.0]);
    /// assert_eq!(x.sum_axis::<1>().as_slice(), &[6.0, 15.0]);
    /// ```
    pub fn sum_axis<const I: usize>(&self) -> Tensor<S::Removed, E>
    where
        S: HasAxis<I>,
    {
        reduce_axis(self, I, |x| x, |acc, x, _| acc + x)
    }

    /// Largest value along axis `I`, removing it.
    pub fn max_axis<const I: usize>(&self) -> Tensor<S::Removed, E>
    where
        S: HasAxis<I>,
    {
        reduce_axis(
            self,
            I,
            |x| x,
            |acc, x, _| if beats_max(x, acc) { x } else { acc },
        )
    }

    /// Smallest value along axis `I`, removing it.
    pub fn min_axis<const I: usize>(&self) -> Tensor<S::Removed, E>
    where
        S: HasAxis<I>,
    {
        reduce_axis(
            self,
            I,
            |x| x,
            |acc, x, _| if beats_min(x, acc) { x } else { acc },
        )
    }

    /// Index of the first largest value along axis `I` (numpy's `argmax(axis=I)`).
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let p = Tensor::<(Dim<2>, Dim<3>)>::from([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]]);
    /// assert_eq!(p.argmax_axis::<1>().as_slice(), &[1, 0]);
    /// ```
    pub fn argmax_axis<const I: usize>(&self) -> Tensor<S::Removed, usize>
    where
        S: HasAxis<I>,
    {
        let dims = self.shape_dims();
        let (outer, n, inner) = split_at_axis(dims.as_ref(), I);
        let data = self.as_slice();
        let mut out_dims = dims.as_ref().to_vec();
        out_dims.remove(I);
        let shape = S::Removed::from_dims(&out_dims).expect("reduced dims match the reduced type");
        assert!(n > 0 || outer * inner == 0, "argmax along an empty axis");
        let mut out = AlignedVec::with_capacity(outer * inner);
        for o in 0..outer {
            for j in 0..inner {
                let at = |k: usize| data[o * n * inner + k * inner + j];
                let mut best = 0;
                for k in 1..n {
                    if beats_max(at(k), at(best)) {
                        best = k;
                    }
                }
                out.push(best);
            }
        }
        Tensor::from_parts(shape, out)
    }
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// `true` when no element is NaN or infinite.
    pub fn is_finite(&self) -> bool {
        crate::error::first_non_finite(self.as_slice()).is_none()
    }

    /// `Err` naming the first NaN or infinite element (e.g. before trusting weights or
    /// inputs from outside).
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<3>,)>::from([1.0, f32::NAN, 2.0]);
    /// assert_eq!(x.check_finite().unwrap_err().to_string(), "tensor holds NaN at element 1");
    /// assert!(Tensor::<(Dim<1>,)>::from([0.5]).check_finite().is_ok());
    /// ```
    pub fn check_finite(&self) -> Result<(), crate::Error> {
        match crate::error::first_non_finite(self.as_slice()) {
            None => Ok(()),
            Some((index, value)) => Err(crate::Error::NonFinite {
                what: "tensor".to_string(),
                index,
                value,
            }),
        }
    }

    /// Mean of all elements (NaN for an empty tensor).
    pub fn mean(&self) -> E {
        self.sum() / E::from(self.len()).expect("length fits the float type")
    }

    /// Mean along axis `I`, removing it.
    pub fn mean_axis<const I: usize>(&self) -> Tensor<S::Removed, E>
    where
        S: HasAxis<I>,
    {
        let n = E::from(self.shape_dims().as_ref()[I]).expect("size fits the float type");
        let mut out = self.sum_axis::<I>();
        out.map_inplace(|x| x / n);
        out
    }
}
