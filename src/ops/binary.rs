//! Element-wise functions of two tensors, with numpy broadcasting checked by the compiler.

use crate::kernels::AlignedVec;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Sub, SubAssign};

use crate::shapes::rules::{Broadcast, BroadcastInto};
use crate::shapes::{MAX_RANK, Shape, ShapeError, checked_len};
use crate::tensor::{Dtype, Tensor};

/// The broadcast sizes of two shapes, right-aligned, or `None` when a pair disagrees.
/// A fixed-size array (rank at most [`MAX_RANK`]): in-place updates in training loops
/// must not allocate.
fn broadcast_dims(a: &[usize], b: &[usize]) -> Option<([usize; MAX_RANK], usize)> {
    let rank = a.len().max(b.len());
    let pad = |d: &[usize], i: usize| {
        if i + d.len() >= rank {
            d[i + d.len() - rank]
        } else {
            1
        }
    };
    let mut out = [0; MAX_RANK];
    for (i, o) in out.iter_mut().enumerate().take(rank) {
        *o = match (pad(a, i), pad(b, i)) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some((out, rank))
}

/// Strides of `dims` read as `out` (right-aligned, stride 0 on stretched axes).
fn broadcast_strides(dims: &[usize], out: &[usize]) -> [usize; MAX_RANK] {
    let mut strides = [0; MAX_RANK];
    let offset = out.len() - dims.len();
    let mut acc: usize = 1;
    for i in (0..dims.len()).rev() {
        strides[offset + i] = if dims[i] == 1 && out[offset + i] != 1 {
            0
        } else {
            acc
        };
        acc = acc.saturating_mul(dims[i]);
    }
    strides
}

/// `f` applied pairwise over the broadcast of `a` and `b`.
pub(crate) fn try_broadcast_zip<L, R, O, E, F, G>(
    op: &'static str,
    a: &Tensor<L, E>,
    b: &Tensor<R, F>,
    mut f: impl FnMut(E, F) -> G,
) -> Result<Tensor<O, G>, ShapeError>
where
    L: Shape,
    R: Shape,
    O: Shape,
    E: Dtype,
    F: Dtype,
    G: Dtype,
{
    let (da, db) = (a.shape_dims(), b.shape_dims());
    let (da, db) = (da.as_ref(), db.as_ref());
    let err = || ShapeError::incompatible(op, da, db);
    let (out_dims, rank) = broadcast_dims(da, db).ok_or_else(err)?;
    let out_dims = &out_dims[..rank];
    let shape = O::from_dims(out_dims).ok_or_else(err)?;
    let numel = checked_len::<G>(op, out_dims)?;
    let (xs, ys) = (a.as_slice(), b.as_slice());
    let data: AlignedVec<G> = if da == db {
        xs.iter().zip(ys).map(|(&x, &y)| f(x, y)).collect()
    } else if ys.len() == 1 {
        xs.iter().map(|&x| f(x, ys[0])).collect()
    } else if xs.len() == 1 {
        ys.iter().map(|&y| f(xs[0], y)).collect()
    } else if da == out_dims && out_dims.ends_with(db) {
        // Matrix + row vector: the right operand repeats over the leading axes.
        let mut out = AlignedVec::with_capacity(xs.len());
        for row in xs.chunks_exact(ys.len()) {
            out.extend(row.iter().zip(ys).map(|(&x, &y)| f(x, y)));
        }
        out
    } else {
        let sa = broadcast_strides(da, out_dims);
        let sb = broadcast_strides(db, out_dims);
        let mut out = AlignedVec::with_capacity(numel);
        let mut index = [0usize; MAX_RANK];
        let (mut ia, mut ib) = (0usize, 0usize);
        for _ in 0..numel {
            out.push(f(xs[ia], ys[ib]));
            for ax in (0..out_dims.len()).rev() {
                index[ax] += 1;
                ia += sa[ax];
                ib += sb[ax];
                if index[ax] < out_dims[ax] {
                    break;
                }
                ia -= sa[ax] * out_dims[ax];
                ib -= sb[ax] * out_dims[ax];
                index[ax] = 0;
            }
        }
        out
    };
    Ok(Tensor::from_parts(shape, data))
}

/// `f(&mut a, b)` for every element of `a`, with `b` broadcast to `a`'s shape.
pub(crate) fn try_broadcast_assign<S: Shape, R: Shape, E: Dtype, F: Dtype>(
    op: &'static str,
    a: &mut Tensor<S, E>,
    b: &Tensor<R, F>,
    mut f: impl FnMut(&mut E, F),
) -> Result<(), ShapeError> {
    let (da, db) = (a.shape_dims(), b.shape_dims());
    let (da, db) = (da.as_ref(), db.as_ref());
    if broadcast_dims(da, db).is_none_or(|(out, rank)| &out[..rank] != da) {
        return Err(ShapeError::incompatible(op, da, db));
    }
    let ys = b.as_slice();
    let xs = a.as_mut_slice();
    if da == db {
        xs.iter_mut().zip(ys).for_each(|(x, &y)| f(x, y));
    } else if ys.len() == 1 {
        xs.iter_mut().for_each(|x| f(x, ys[0]));
    } else if da.ends_with(db) {
        for row in xs.chunks_exact_mut(ys.len()) {
            row.iter_mut().zip(ys).for_each(|(x, &y)| f(x, y));
        }
    } else {
        let sb = broadcast_strides(db, da);
        let mut index = [0usize; MAX_RANK];
        let mut ib = 0usize;
        for x in xs.iter_mut() {
            f(x, ys[ib]);
            for ax in (0..da.len()).rev() {
                index[ax] += 1;
                ib += sb[ax];
                if index[ax] < da[ax] {
                    break;
                }
                ib -= sb[ax] * da[ax];
                index[ax] = 0;
            }
        }
    }
    Ok(())
}

impl<S: Shape, E: Dtype> Tensor<S, E> {
    /// `f(a, b)` element-wise over the broadcast of `self` and `rhs`.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let a = Tensor::<(Dim<2>, Dim<2>)>::from([[1.0, 2.0], [3.0, 4.0]]);
    /// let b = Tensor::<(Dim<2>,)>::from([10.0, 20.0]);
    /// let c = a.try_zip_map(&b, |x, y| x * y).unwrap();
    /// assert_eq!(c.as_slice(), &[10.0, 40.0, 30.0, 80.0]);
    /// ```
    pub fn try_zip_map<R, F, G>(
        &self,
        rhs: &Tensor<R, F>,
        f: impl FnMut(E, F) -> G,
    ) -> Result<Tensor<S::Output, G>, ShapeError>
    where
        S: Broadcast<R>,
        R: Shape,
        F: Dtype,
        G: Dtype,
    {
        try_broadcast_zip("zip_map", self, rhs, f)
    }

    /// Panicking form of [`try_zip_map`](Self::try_zip_map).
    #[track_caller]
    pub fn zip_map<R, F, G>(
        &self,
        rhs: &Tensor<R, F>,
        f: impl FnMut(E, F) -> G,
    ) -> Tensor<S::Output, G>
    where
        S: Broadcast<R>,
        R: Shape,
        F: Dtype,
        G: Dtype,
    {
        unwrap_shape(try_broadcast_zip("zip_map", self, rhs, f))
    }
}

#[track_caller]
pub(crate) fn unwrap_shape<T>(r: Result<T, ShapeError>) -> T {
    match r {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    }
}

macro_rules! binary_method {
    ($(#[$doc:meta])* $name:ident, $try_name:ident, $f:expr) => {
        impl<S: Shape, E: Dtype> Tensor<S, E> {
            $(#[$doc])*
            pub fn $try_name<R: Shape>(&self, rhs: &Tensor<R, E>) -> Result<Tensor<S::Output, E>, ShapeError>
            where
                S: Broadcast<R>,
            {
                try_broadcast_zip(stringify!($name), self, rhs, $f)
            }

            #[doc = concat!("Panicking form of [`", stringify!($try_name), "`](Self::", stringify!($try_name), ").")]
            #[track_caller]
            pub fn $name<R: Shape>(&self, rhs: &Tensor<R, E>) -> Tensor<S::Output, E>
            where
                S: Broadcast<R>,
            {
                unwrap_shape(self.$try_name(rhs))
            }
        }
    };
}

binary_method!(
    /// Element-wise sum with broadcasting; `Err` names both shapes when runtime dims disagree.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(usize, Dim<2>)>::zeros((3, Dim));
    /// let y = Tensor::<(usize, Dim<2>)>::zeros((4, Dim));
    /// assert_eq!(x.try_add(&y).unwrap_err().to_string(), "add: incompatible shapes [3, 2] and [4, 2]");
    /// ```
    add, try_add, |x, y| x + y
);
binary_method!(
    /// Element-wise difference with broadcasting.
    sub, try_sub, |x, y| x - y
);
binary_method!(
    /// Element-wise product with broadcasting.
    mul, try_mul, |x, y| x * y
);
binary_method!(
    /// Element-wise quotient with broadcasting.
    div, try_div, |x, y| x / y
);
binary_method!(
    /// Element-wise maximum with broadcasting (numpy's `np.maximum`).
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(Dim<64>, Dim<3>, Dim<32>, Dim<10>)>::random_uniform(Default::default(), 0.0, 1.0, 0);
    /// let y = Tensor::<(Dim<32>, Dim<10>)>::random_uniform(Default::default(), 0.0, 1.0, 1);
    /// let z = x.maximum(&y);
    /// assert_eq!(z.shape_dims(), [64, 3, 32, 10]);
    /// ```
    maximum, try_maximum, |x, y| if y > x { y } else { x }
);
binary_method!(
    /// Element-wise minimum with broadcasting (numpy's `np.minimum`).
    minimum, try_minimum, |x, y| if y < x { y } else { x }
);

macro_rules! operator {
    ($Op:ident, $op:ident, $method:ident, $OpAssign:ident, $op_assign:ident, $sym:tt) => {
        impl<S: Shape + Broadcast<R>, R: Shape, E: Dtype> $Op<&Tensor<R, E>> for &Tensor<S, E> {
            type Output = Tensor<S::Output, E>;
            #[track_caller]
            fn $op(self, rhs: &Tensor<R, E>) -> Self::Output {
                Tensor::$method(&self, rhs)
            }
        }
        impl<S: Shape + Broadcast<R>, R: Shape, E: Dtype> $Op<Tensor<R, E>> for &Tensor<S, E> {
            type Output = Tensor<S::Output, E>;
            #[track_caller]
            fn $op(self, rhs: Tensor<R, E>) -> Self::Output {
                Tensor::$method(&self, &rhs)
            }
        }
        impl<S: Shape + Broadcast<R>, R: Shape, E: Dtype> $Op<&Tensor<R, E>> for Tensor<S, E> {
            type Output = Tensor<S::Output, E>;
            #[track_caller]
            fn $op(self, rhs: &Tensor<R, E>) -> Self::Output {
                Tensor::$method(&self, rhs)
            }
        }
        impl<S: Shape + Broadcast<R>, R: Shape, E: Dtype> $Op<Tensor<R, E>> for Tensor<S, E> {
            type Output = Tensor<S::Output, E>;
            #[track_caller]
            fn $op(self, rhs: Tensor<R, E>) -> Self::Output {
                Tensor::$method(&self, &rhs)
            }
        }
        /// In place; the right operand broadcasts into the left one's shape.
        impl<S: Shape, R: Shape + BroadcastInto<S>, E: Dtype> $OpAssign<&Tensor<R, E>> for Tensor<S, E> {
            #[track_caller]
            fn $op_assign(&mut self, rhs: &Tensor<R, E>) {
                unwrap_shape(try_broadcast_assign(stringify!($op_assign), self, rhs, |x, y| *x = *x $sym y));
            }
        }
        impl<S: Shape, R: Shape + BroadcastInto<S>, E: Dtype> $OpAssign<Tensor<R, E>> for Tensor<S, E> {
            #[track_caller]
            fn $op_assign(&mut self, rhs: Tensor<R, E>) {
                <Self as $OpAssign<&Tensor<R, E>>>::$op_assign(self, &rhs);
            }
        }
    };
}

operator!(Add, add, add, AddAssign, add_assign, +);
operator!(Sub, sub, sub, SubAssign, sub_assign, -);
operator!(Mul, mul, mul, MulAssign, mul_assign, *);
operator!(Div, div, div, DivAssign, div_assign, /);

macro_rules! scalar_operator {
    ($($t:ty),*) => {$(
        scalar_operator!(@one $t, Add, add, AddAssign, add_assign, +);
        scalar_operator!(@one $t, Sub, sub, SubAssign, sub_assign, -);
        scalar_operator!(@one $t, Mul, mul, MulAssign, mul_assign, *);
        scalar_operator!(@one $t, Div, div, DivAssign, div_assign, /);
    )*};
    (@one $t:ty, $Op:ident, $op:ident, $OpAssign:ident, $op_assign:ident, $sym:tt) => {
        impl<S: Shape> $Op<$t> for Tensor<S, $t> {
            type Output = Tensor<S, $t>;
            fn $op(mut self, rhs: $t) -> Self::Output {
                self.map_inplace(|x| x $sym rhs);
                self
            }
        }
        impl<S: Shape> $Op<$t> for &Tensor<S, $t> {
            type Output = Tensor<S, $t>;
            fn $op(self, rhs: $t) -> Self::Output {
                self.map(|x| x $sym rhs)
            }
        }
        impl<S: Shape> $Op<Tensor<S, $t>> for $t {
            type Output = Tensor<S, $t>;
            fn $op(self, mut rhs: Tensor<S, $t>) -> Self::Output {
                rhs.map_inplace(|y| self $sym y);
                rhs
            }
        }
        impl<S: Shape> $Op<&Tensor<S, $t>> for $t {
            type Output = Tensor<S, $t>;
            fn $op(self, rhs: &Tensor<S, $t>) -> Self::Output {
                rhs.map(|y| self $sym y)
            }
        }
        impl<S: Shape> $OpAssign<$t> for Tensor<S, $t> {
            fn $op_assign(&mut self, rhs: $t) {
                self.map_inplace(|x| x $sym rhs);
            }
        }
    };
}

scalar_operator!(f32, f64, u8, u16, u32, i32, i64, usize);
