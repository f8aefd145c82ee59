//! Joining tensors: `concat` along an axis and `stack` along a new one, the output size
//! named by the caller and checked (when the program is built for static sizes), with
//! their backward passes; `select` (numpy's `where`) and `one_hot`.

use crate::kernels::AlignedVec;
use crate::nn::loss::{Label, LossError, check_labels, label_index};
use crate::shapes::message::ConstMsg;
use crate::shapes::rules::{HasAxis, InsertAxis, MaskFits};
use crate::shapes::{Dim, RUNTIME, Shape, ShapeError, checks};
use crate::tensor::{Dtype, Float, Tensor};

/// Static sizes along `axis` must add up to `n` (runtime ones are checked when run).
const fn concat_check<S: Shape, R: Shape>(axis: usize, n: usize) -> Option<ConstMsg> {
    let (a, b) = (S::STATIC_DIMS[axis], R::STATIC_DIMS[axis]);
    if a != RUNTIME && b != RUNTIME {
        checks::concat_width(a, b, n)
    } else {
        None
    }
}

/// Copies `b`'s and `a`'s blocks along `axis` into `out` (a's first).
fn join_along<E: Copy>(
    a: &[E],
    b: &[E],
    na: usize,
    nb: usize,
    inner: usize,
    out: &mut AlignedVec<E>,
) {
    let (ra, rb) = (na * inner, nb * inner);
    let outer = (a.len() + b.len()).checked_div(ra + rb).unwrap_or(0);
    for o in 0..outer {
        out.extend_from_slice(&a[o * ra..(o + 1) * ra]);
        out.extend_from_slice(&b[o * rb..(o + 1) * rb]);
    }
}

impl<S: Shape, E: Dtype> Tensor<S, E> {
    /// Joins `self` and `other` along axis `AXIS` into `N` there (numpy's
    /// `np.concatenate`); the other axes must agree. With static sizes the sum is checked
    /// when the program is built; with runtime ones, `Err` names both shapes.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let a = Tensor::<(Dim<2>, Dim<2>)>::from([[1.0, 2.0], [3.0, 4.0]]);
    /// let b = Tensor::<(Dim<2>, Dim<1>)>::from([[5.0], [6.0]]);
    /// let c = a.try_concat::<1, 3, _>(&b).unwrap();
    /// assert_eq!(c.as_slice(), &[1.0, 2.0, 5.0, 3.0, 4.0, 6.0]);
    /// ```
    pub fn try_concat<const AXIS: usize, const N: usize, R>(
        &self,
        other: &Tensor<R, E>,
    ) -> Result<Tensor<S::Replaced<Dim<N>>, E>, ShapeError>
    where
        S: HasAxis<AXIS>,
        R: HasAxis<AXIS>,
    {
        const { checks::ok(concat_check::<S, R>(AXIS, N)) };
        self.concat_unchecked::<AXIS, N, R>(other)
    }

    /// `try_concat` after the static check: the runtime one.
    fn concat_unchecked<const AXIS: usize, const N: usize, R>(
        &self,
        other: &Tensor<R, E>,
    ) -> Result<Tensor<S::Replaced<Dim<N>>, E>, ShapeError>
    where
        S: HasAxis<AXIS>,
        R: HasAxis<AXIS>,
    {
        let (da, db) = (self.shape_dims(), other.shape_dims());
        let (da, db) = (da.as_ref(), db.as_ref());
        let err = || {
            ShapeError::incompatible("concat", da, db)
                .with_detail(format!("joined along axis {AXIS} into {N}"))
        };
        let others_agree = da.len() == db.len()
            && da
                .iter()
                .zip(db)
                .enumerate()
                .all(|(i, (x, y))| i == AXIS || x == y);
        if !others_agree || da[AXIS] + db[AXIS] != N {
            return Err(err());
        }
        let mut dims = da.to_vec();
        dims[AXIS] = N;
        let shape = <S::Replaced<Dim<N>>>::from_dims(&dims).ok_or_else(err)?;
        let inner: usize = da[AXIS + 1..].iter().product();
        let mut out = AlignedVec::with_capacity(self.len() + other.len());
        join_along(
            self.as_slice(),
            other.as_slice(),
            da[AXIS],
            db[AXIS],
            inner,
            &mut out,
        );
        Ok(Tensor::from_parts(shape, out))
    }

    /// Panicking form of [`try_concat`](Self::try_concat).
    #[track_caller]
    pub fn concat<const AXIS: usize, const N: usize, R>(
        &self,
        other: &Tensor<R, E>,
    ) -> Tensor<S::Replaced<Dim<N>>, E>
    where
        S: HasAxis<AXIS>,
        R: HasAxis<AXIS>,
    {
        // Checked here too, so that an error names the caller's line.
        const { checks::ok(concat_check::<S, R>(AXIS, N)) };
        super::binary::unwrap_shape(self.concat_unchecked::<AXIS, N, R>(other))
    }

    /// Stacks tensors of one shape along a new first axis of `N` (numpy's `np.stack`);
    /// `Err` when their count is not `N` or their shapes differ.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let rows = [Tensor::<(Dim<2>,)>::from([1.0, 2.0]), Tensor::from([3.0, 4.0])];
    /// let m = Tensor::try_stack::<2>(&rows).unwrap();
    /// assert_eq!(m.shape_dims(), [2, 2]);
    /// ```
    pub fn try_stack<const N: usize>(
        tensors: &[Tensor<S, E>],
    ) -> Result<Tensor<S::Inserted<Dim<N>>, E>, ShapeError>
    where
        S: InsertAxis<0>,
    {
        let first = tensors.first().map(|t| t.shape_dims());
        let dims: Vec<usize> = first.as_ref().map_or(Vec::new(), |d| d.as_ref().to_vec());
        if tensors.len() != N
            || tensors
                .iter()
                .any(|t| t.shape_dims().as_ref() != dims.as_slice())
        {
            let shapes: Vec<usize> = tensors.iter().map(|t| t.len()).collect();
            return Err(
                ShapeError::incompatible("stack", &dims, &shapes).with_detail(format!(
                    "{} tensors of one shape expected {N}",
                    tensors.len()
                )),
            );
        }
        let mut out_dims = vec![N];
        out_dims.extend_from_slice(&dims);
        let shape = <S::Inserted<Dim<N>>>::from_dims(&out_dims).expect("an axis of N in front");
        let data = tensors
            .iter()
            .flat_map(|t| t.as_slice().iter().copied())
            .collect();
        Ok(Tensor::from_parts(shape, data))
    }

    /// `self` where `mask` is non-zero, `other` elsewhere (numpy's `np.where(mask, self,
    /// other)`); the three share one shape.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let a = Tensor::<(Dim<3>,)>::from([1.0, 2.0, 3.0]);
    /// let b = Tensor::<(Dim<3>,)>::from([-1.0, -2.0, -3.0]);
    /// let keep = Tensor::<(Dim<3>,), u8>::from([1, 0, 1]);
    /// assert_eq!(a.select(&keep, &b).as_slice(), &[1.0, -2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn select<M>(&self, mask: &Tensor<M, u8>, other: &Self) -> Tensor<M::Output, E>
    where
        M: MaskFits<S, Output = S>,
    {
        assert!(
            self.shape_dims().as_ref() == mask.shape_dims().as_ref()
                && self.shape_dims() == other.shape_dims(),
            "select: shapes {:?}, {:?} and {:?} differ",
            self.shape_dims(),
            mask.shape_dims(),
            other.shape_dims()
        );
        let data = self
            .as_slice()
            .iter()
            .zip(mask.as_slice())
            .zip(other.as_slice())
            .map(|((&a, &m), &b)| if m != 0 { a } else { b })
            .collect();
        Tensor::from_parts(self.shape(), data)
    }
}

impl<S: Shape, E: Float> Tensor<S, E> {
    /// The vector-Jacobian product of [`concat`](Self::concat): the gradient `self` split
    /// back into the two operands' shapes along `AXIS`.
    pub fn try_concat_backward<const AXIS: usize, A: Shape, B: Shape>(
        &self,
        a: A,
        b: B,
    ) -> Result<(Tensor<A, E>, Tensor<B, E>), ShapeError> {
        let (dg, da, db) = (self.shape_dims(), a.dims(), b.dims());
        let (dg, da, db) = (dg.as_ref(), da.as_ref(), db.as_ref());
        let fits = AXIS < dg.len()
            && da.len() == dg.len()
            && db.len() == dg.len()
            && da[AXIS] + db[AXIS] == dg[AXIS];
        if !fits {
            return Err(ShapeError::incompatible("concat_backward", dg, da));
        }
        let inner: usize = dg[AXIS + 1..].iter().product();
        let (ra, rb) = (da[AXIS] * inner, db[AXIS] * inner);
        let (mut ga, mut gb) = (Vec::with_capacity(a.numel()), Vec::with_capacity(b.numel()));
        for row in self.as_slice().chunks_exact((ra + rb).max(1)) {
            ga.extend_from_slice(&row[..ra]);
            gb.extend_from_slice(&row[ra..]);
        }
        Ok((Tensor::try_from_vec(a, ga)?, Tensor::try_from_vec(b, gb)?))
    }
}

impl<B: crate::shapes::Dimension, L: Label> Tensor<(B,), L> {
    /// One-hot rows of `C` classes for integer labels (Keras's `to_categorical`); `Err`
    /// names the first label outside `0..C`.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let y = Tensor::<(usize,), u8>::from_vec((2,), vec![2, 0]);
    /// let onehot = y.try_one_hot::<3, f32>().unwrap();
    /// assert_eq!(onehot.as_slice(), &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    /// ```
    pub fn try_one_hot<const C: usize, E: Float>(
        &self,
    ) -> Result<Tensor<(B, Dim<C>), E>, LossError> {
        check_labels(self.as_slice(), C)?;
        let mut out = Tensor::zeros((self.shape().0, Dim));
        for (row, &l) in out
            .as_mut_slice()
            .chunks_exact_mut(C.max(1))
            .zip(self.as_slice())
        {
            row[label_index(l, C).expect("checked")] = E::one();
        }
        Ok(out)
    }
}
