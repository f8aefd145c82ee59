//! Reshaping: same elements, another shape.

use crate::kernels::AlignedVec;
use crate::shapes::rules::{HasAxis, InsertAxis, Squeeze};
use crate::shapes::{Dim, Dimension, One, Shape, ShapeError, StaticShape, checks};
use crate::tensor::{Dtype, Tensor};

use super::binary::unwrap_shape;

impl<S: Shape, E: Dtype> Tensor<S, E> {
    /// Reinterprets the elements in another shape with the same element count, checked
    /// when the program is built: `(3, 2) -> (6, 1) -> (2, 3)`.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<3>, Dim<2>)>::from([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]);
    /// let y = x.reshape::<(Dim<6>, Dim<1>)>();
    /// let z = y.reshape::<(Dim<2>, Dim<3>)>();
    /// assert_eq!(z.as_slice(), &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    /// ```
    pub fn reshape<Dst: StaticShape>(self) -> Tensor<Dst, E>
    where
        S: StaticShape,
    {
        const { checks::ok(checks::reshape::<S, Dst>()) };
        Tensor::from_parts(Dst::default(), self.into_storage())
    }

    /// Reshape into a shape with runtime dims; `Err` when the element counts differ.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(usize, Dim<28>, Dim<28>), u8>::zeros((5, Dim, Dim));
    /// let err = x.try_reshape((6, Dim::<784>)).unwrap_err();
    /// assert_eq!(err.to_string(), "reshape: incompatible shapes [5, 28, 28] and [6, 784] (3920 elements into 4704)");
    /// ```
    pub fn try_reshape<Dst: Shape>(self, shape: Dst) -> Result<Tensor<Dst, E>, ShapeError> {
        const { checks::ok(checks::reshape::<S, Dst>()) };
        let from = self.len();
        let to = shape.try_numel();
        if to != Some(from) {
            let to = to.map_or_else(
                || "more than usize can count".to_string(),
                |n| n.to_string(),
            );
            return Err(ShapeError::incompatible(
                "reshape",
                self.shape_dims().as_ref(),
                shape.dims().as_ref(),
            )
            .with_detail(format!("{from} elements into {to}")));
        }
        Ok(Tensor::from_parts(shape, self.into_storage()))
    }

    /// Panicking form of [`try_reshape`](Self::try_reshape).
    #[track_caller]
    pub fn reshape_to<Dst: Shape>(self, shape: Dst) -> Tensor<Dst, E> {
        unwrap_shape(self.try_reshape(shape))
    }

    /// All elements in one axis of `N` (checked when built; `N` is usually inferred).
    pub fn flatten<const N: usize>(self) -> Tensor<(Dim<N>,), E>
    where
        S: StaticShape,
    {
        self.reshape()
    }

    /// Keeps the first (batch) axis and flattens the others into `N`, checked when built:
    /// `(usize, Dim<28>, Dim<28>) -> (usize, Dim<784>)`.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let images = Tensor::<(usize, Dim<28>, Dim<28>), u8>::zeros((60, Dim, Dim));
    /// let flat = images.flatten_inner::<784>();
    /// assert_eq!(flat.shape_dims(), [60, 784]);
    /// ```
    pub fn flatten_inner<const N: usize>(self) -> Tensor<(S::Dim, Dim<N>), E>
    where
        S: HasAxis<0>,
    {
        const { checks::ok(checks::flatten_inner::<S>(N)) };
        self.flatten_inner_unchecked()
    }

    /// [`flatten_inner`](Self::flatten_inner) for callers that ran its check already
    /// (`Flatten` runs it as its `Layer::CHECK`, so that the error ends at the model's call).
    pub(crate) fn flatten_inner_unchecked<const N: usize>(self) -> Tensor<(S::Dim, Dim<N>), E>
    where
        S: HasAxis<0>,
    {
        let batch = S::Dim::from_size(self.batch_size()).expect("same dim");
        Tensor::from_parts((batch, Dim), self.into_storage())
    }

    /// Inserts a size-1 axis at position `I` (numpy's `expand_dims`); the new axis is a
    /// [`One`], so the result broadcasts along it.
    ///
    /// ```
    /// use shaped::{Dim, One, Tensor};
    /// let x = Tensor::<(Dim<2>, Dim<3>)>::from([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    /// let mean: Tensor<(One, Dim<3>)> = x.mean_axis::<0>().unsqueeze::<0>();
    /// assert_eq!((&x - &mean).as_slice(), &[-1.5, -1.5, -1.5, 1.5, 1.5, 1.5]);
    /// ```
    pub fn unsqueeze<const I: usize>(self) -> Tensor<S::Inserted<One>, E>
    where
        S: InsertAxis<I>,
    {
        let mut dims = self.shape_dims().as_ref().to_vec();
        dims.insert(I, 1);
        let shape = <S::Inserted<One>>::from_dims(&dims).expect("inserted a size-1 axis");
        Tensor::from_parts(shape, self.into_storage())
    }

    /// Removes axis `I`, which must be a static size-1 axis, [`One`] or `Dim<1>` (numpy's
    /// `squeeze(axis=I)`).
    pub fn squeeze<const I: usize>(self) -> Tensor<<S as Squeeze<I>>::Output, E>
    where
        S: Squeeze<I>,
    {
        let mut dims = self.shape_dims().as_ref().to_vec();
        dims.remove(I);
        let shape = <S as Squeeze<I>>::Output::from_dims(&dims).expect("removed a size-1 axis");
        Tensor::from_parts(shape, self.into_storage())
    }

    /// Reorders the axes: axis `i` of the result is axis `perm[i]` of `self`.
    fn permuted<Dst: Shape>(&self, perm: &[usize]) -> Tensor<Dst, E> {
        let dims = self.shape_dims();
        let strides = self.shape().strides();
        let (dims, strides) = (dims.as_ref(), strides.as_ref());
        let new_dims: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
        let new_strides: Vec<usize> = perm.iter().map(|&p| strides[p]).collect();
        let shape = Dst::from_dims(&new_dims).expect("permuted dims match the permuted type");
        let mut out = AlignedVec::with_capacity(self.len());
        let data = self.as_slice();
        let mut index = vec![0usize; perm.len()];
        let mut offset = 0usize;
        for _ in 0..self.len() {
            out.push(data[offset]);
            for ax in (0..perm.len()).rev() {
                index[ax] += 1;
                offset += new_strides[ax];
                if index[ax] < new_dims[ax] {
                    break;
                }
                offset -= new_strides[ax] * new_dims[ax];
                index[ax] = 0;
            }
        }
        Tensor::from_parts(shape, out)
    }
}

impl<M: Dimension, N: Dimension, E: Dtype> Tensor<(M, N), E> {
    /// The transpose as a new contiguous tensor: `(300, 20) -> (20, 300)`.
    /// Products should use the free view [`t`](Self::t) instead.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<300>, Dim<20>)>::zeros(Default::default());
    /// assert_eq!(x.transpose().shape_dims(), [20, 300]);
    /// ```
    pub fn transpose(&self) -> Tensor<(N, M), E> {
        self.permuted(&[1, 0])
    }
}

impl<A: Dimension, B: Dimension, C: Dimension, E: Dtype> Tensor<(A, B, C), E> {
    /// Reorders the axes: axis `i` of the result is axis `Pi` of `self`; the permutation is
    /// checked when built.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<2>, Dim<3>, Dim<4>)>::zeros(Default::default());
    /// let y = x.permute::<2, 0, 1>();
    /// assert_eq!(y.shape_dims(), [4, 2, 3]);
    /// ```
    pub fn permute<const P0: usize, const P1: usize, const P2: usize>(
        &self,
    ) -> Tensor<
        (
            <(A, B, C) as HasAxis<P0>>::Dim,
            <(A, B, C) as HasAxis<P1>>::Dim,
            <(A, B, C) as HasAxis<P2>>::Dim,
        ),
        E,
    >
    where
        (A, B, C): HasAxis<P0> + HasAxis<P1> + HasAxis<P2>,
    {
        const { checks::ok(checks::permutation::<(A, B, C)>(&[P0, P1, P2])) };
        self.permuted(&[P0, P1, P2])
    }
}

impl<A: Dimension, B: Dimension, C: Dimension, D: Dimension, E: Dtype> Tensor<(A, B, C, D), E> {
    /// Reorders the axes: axis `i` of the result is axis `Pi` of `self`; the permutation is
    /// checked when built.
    pub fn permute<const P0: usize, const P1: usize, const P2: usize, const P3: usize>(
        &self,
    ) -> Tensor<
        (
            <(A, B, C, D) as HasAxis<P0>>::Dim,
            <(A, B, C, D) as HasAxis<P1>>::Dim,
            <(A, B, C, D) as HasAxis<P2>>::Dim,
            <(A, B, C, D) as HasAxis<P3>>::Dim,
        ),
        E,
    >
    where
        (A, B, C, D): HasAxis<P0> + HasAxis<P1> + HasAxis<P2> + HasAxis<P3>,
    {
        const { checks::ok(checks::permutation::<(A, B, C, D)>(&[P0, P1, P2, P3])) };
        self.permuted(&[P0, P1, P2, P3])
    }
}
