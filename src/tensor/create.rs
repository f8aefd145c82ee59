//! Building tensors: filled, from functions, from nested arrays, from vectors, casts.

use num_traits::AsPrimitive;

use super::{Dtype, Tensor};
use crate::kernels::AlignedVec;
use crate::shapes::{Dim, One, Shape, ShapeError, StaticShape, checked_len};

/// The element count of `shape` for a buffer of `E`; panics at the caller's line with the
/// [`ShapeError`] when it does not fit in memory's address space.
#[track_caller]
fn len_or_panic<S: Shape, E>(op: &'static str, shape: &S) -> usize {
    match checked_len::<E>(op, shape.dims().as_ref()) {
        Ok(n) => n,
        Err(e) => panic!("{e}"),
    }
}

impl<S: Shape, E: Dtype> Tensor<S, E> {
    /// A tensor of the given shape filled with `value`; `Err` when the shape's element
    /// count does not fit in the address space (a runtime dim from untrusted input).
    ///
    /// The memory is requested up front and an allocation failure is an error too, though
    /// an operating system that overcommits may still end the process later.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let t = Tensor::<(usize, Dim<2>)>::try_full((3, Dim), 7.0).unwrap();
    /// assert_eq!(t.as_slice(), &[7.0; 6]);
    /// assert!(Tensor::<(usize, usize)>::try_full((1 << 40, 1 << 40), 1.0).is_err());
    /// ```
    pub fn try_full(shape: S, value: E) -> Result<Self, ShapeError> {
        let n = checked_len::<E>("full", shape.dims().as_ref())?;
        let data = AlignedVec::try_filled(value, n).ok_or_else(|| {
            ShapeError::too_large("full", shape.dims().as_ref(), "the allocation failed")
        })?;
        Ok(Tensor::from_parts(shape, data))
    }

    /// [`try_full`](Self::try_full) filled with zeros.
    pub fn try_zeros(shape: S) -> Result<Self, ShapeError> {
        Self::try_full(shape, E::zero()).map_err(|e| e.renamed("zeros"))
    }

    /// A tensor of the given shape filled with `value`; panics (at the caller's line) when
    /// the shape is too large for memory.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let t = Tensor::<(usize, Dim<2>)>::full((3, Dim), 7.0);
    /// assert_eq!(t.as_slice(), &[7.0; 6]);
    /// ```
    #[track_caller]
    pub fn full(shape: S, value: E) -> Self {
        Tensor::from_parts(
            shape,
            AlignedVec::filled(value, len_or_panic::<S, E>("full", &shape)),
        )
    }

    /// A tensor of zeros.
    #[track_caller]
    pub fn zeros(shape: S) -> Self {
        Tensor::from_parts(
            shape,
            AlignedVec::filled(E::zero(), len_or_panic::<S, E>("zeros", &shape)),
        )
    }

    /// A tensor of ones.
    #[track_caller]
    pub fn ones(shape: S) -> Self {
        Tensor::from_parts(
            shape,
            AlignedVec::filled(E::one(), len_or_panic::<S, E>("ones", &shape)),
        )
    }

    /// A tensor whose element at each multi-index is `f(index)`.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let t = Tensor::<(Dim<2>, Dim<3>)>::from_fn(Default::default(), |[i, j]| (10 * i + j) as f32);
    /// assert_eq!(t.as_slice(), &[0.0, 1.0, 2.0, 10.0, 11.0, 12.0]);
    /// ```
    #[track_caller]
    pub fn from_fn(shape: S, mut f: impl FnMut(S::Dims) -> E) -> Self {
        let dims = shape.dims();
        let numel = len_or_panic::<S, E>("from_fn", &shape);
        let mut data = AlignedVec::with_capacity(numel);
        let mut index = S::Dims::default();
        for _ in 0..numel {
            data.push(f(index));
            // Odometer increment, last axis fastest.
            for (i, d) in index.as_mut().iter_mut().zip(dims.as_ref()).rev() {
                *i += 1;
                if *i < *d {
                    break;
                }
                *i = 0;
            }
        }
        Tensor::from_parts(shape, data)
    }

    /// A tensor of a vector's row-major data; checks that its length matches the shape. The
    /// values are copied to the tensor's storage (from 4 KB on it starts a cache line; a
    /// `Vec` may start anywhere).
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let t = Tensor::<(usize, Dim<2>)>::try_from_vec((2, Dim), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
    /// assert_eq!(t[[1, 0]], 3.0);
    /// let err = Tensor::<(usize, Dim<2>)>::try_from_vec((2, Dim), vec![1.0]).unwrap_err();
    /// assert_eq!(err.to_string(), "from_vec: incompatible shapes [2, 2] and [1] (4 elements needed, 1 given)");
    /// ```
    pub fn try_from_vec(shape: S, data: Vec<E>) -> Result<Self, ShapeError> {
        let numel = checked_len::<E>("from_vec", shape.dims().as_ref())?;
        if numel != data.len() {
            return Err(
                ShapeError::incompatible("from_vec", shape.dims().as_ref(), &[data.len()])
                    .with_detail(format!("{numel} elements needed, {} given", data.len())),
            );
        }
        Ok(Tensor::from_parts(shape, data.into()))
    }

    /// Panicking form of [`try_from_vec`](Self::try_from_vec).
    #[track_caller]
    pub fn from_vec(shape: S, data: Vec<E>) -> Self {
        match Self::try_from_vec(shape, data) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    /// Converts every element with `as` semantics (numpy's `astype`): `u8` -> `f32` is exact,
    /// float -> integer truncates and saturates.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let pixels = Tensor::<(Dim<2>,), u8>::from([0u8, 255]);
    /// let x = pixels.cast::<f32>() / 255.0;
    /// assert_eq!(x.as_slice(), &[0.0, 1.0]);
    /// ```
    pub fn cast<F: Dtype>(&self) -> Tensor<S, F>
    where
        E: AsPrimitive<F>,
    {
        Tensor::from_parts(
            self.shape(),
            self.as_slice().iter().map(|x| x.as_()).collect(),
        )
    }
}

impl<S: StaticShape, E: Dtype> Default for Tensor<S, E> {
    fn default() -> Self {
        Self::zeros(S::default())
    }
}

impl<E: super::Float> Tensor<(usize,), E> {
    /// `start, start + step, ...` while below `stop` (numpy's `np.arange`); `Err` for a
    /// zero, NaN or wrong-signed step, or a count that does not fit.
    ///
    /// ```
    /// use shaped::Tensor;
    /// let x = Tensor::<(usize,)>::try_arange(0.0, 1.0, 0.25).unwrap();
    /// assert_eq!(x.as_slice(), &[0.0, 0.25, 0.5, 0.75]);
    /// ```
    pub fn try_arange(start: E, stop: E, step: E) -> Result<Self, ShapeError> {
        let count = ((stop - start) / step).ceil();
        let bad = !step.is_finite() || step == E::zero() || !count.is_finite();
        let n = if bad {
            None
        } else {
            count.max(E::zero()).to_usize()
        };
        let Some(n) = n else {
            return Err(ShapeError::too_large(
                "arange",
                &[],
                format!("{start}..{stop} by {step} is not a finite sequence"),
            ));
        };
        let n = checked_len::<E>("arange", &[n])?;
        let data = (0..n)
            .map(|i| start + step * E::from(i).expect("an index fits a float"))
            .collect();
        Ok(Tensor::from_parts((n,), data))
    }
}

impl<E: super::Float, const N: usize> Tensor<(Dim<N>,), E> {
    /// `N` evenly spaced values from `start` to `stop`, both included (numpy's
    /// `np.linspace(start, stop, N)`).
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<5>,)>::linspace(0.0, 1.0);
    /// assert_eq!(x.as_slice(), &[0.0, 0.25, 0.5, 0.75, 1.0]);
    /// ```
    pub fn linspace(start: E, stop: E) -> Self {
        let steps = E::from(N.saturating_sub(1).max(1)).expect("a size fits a float");
        Tensor::from_fn((Dim,), |[i]| {
            if i + 1 == N && N > 1 {
                stop
            } else {
                start + (stop - start) * E::from(i).expect("an index fits a float") / steps
            }
        })
    }
}

impl<E: Dtype> Tensor<(), E> {
    /// A rank-0 tensor (numpy's `np.array(12)`).
    pub fn scalar(value: E) -> Self {
        Tensor::from_parts((), AlignedVec::filled(value, 1))
    }
}

impl<E: Dtype, const A: usize> From<[E; A]> for Tensor<(Dim<A>,), E> {
    fn from(rows: [E; A]) -> Self {
        Tensor::from_parts((Dim,), rows.as_slice().into())
    }
}

impl<E: Dtype, const A: usize, const B: usize> From<[[E; B]; A]> for Tensor<(Dim<A>, Dim<B>), E> {
    fn from(rows: [[E; B]; A]) -> Self {
        Tensor::from_parts((Dim, Dim), rows.as_flattened().into())
    }
}

// A row or a column that broadcasts: `[[1.0, 2.0]]` as `(One, Dim<2>)`, `[[1.0], [2.0]]` as
// `(Dim<2>, One)`.
impl<E: Dtype, const B: usize> From<[[E; B]; 1]> for Tensor<(One, Dim<B>), E> {
    fn from(rows: [[E; B]; 1]) -> Self {
        Tensor::from_parts((One, Dim), rows.as_flattened().into())
    }
}

impl<E: Dtype, const A: usize> From<[[E; 1]; A]> for Tensor<(Dim<A>, One), E> {
    fn from(rows: [[E; 1]; A]) -> Self {
        Tensor::from_parts((Dim, One), rows.as_flattened().into())
    }
}

impl<E: Dtype, const A: usize, const B: usize, const C: usize> From<[[[E; C]; B]; A]>
    for Tensor<(Dim<A>, Dim<B>, Dim<C>), E>
{
    fn from(rows: [[[E; C]; B]; A]) -> Self {
        Tensor::from_parts((Dim, Dim, Dim), rows.as_flattened().as_flattened().into())
    }
}

impl<E: Dtype, const A: usize, const B: usize, const C: usize, const D: usize>
    From<[[[[E; D]; C]; B]; A]> for Tensor<(Dim<A>, Dim<B>, Dim<C>, Dim<D>), E>
{
    fn from(rows: [[[[E; D]; C]; B]; A]) -> Self {
        let data = rows.as_flattened().as_flattened().as_flattened().into();
        Tensor::from_parts((Dim, Dim, Dim, Dim), data)
    }
}
