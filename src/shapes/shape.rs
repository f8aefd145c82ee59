//! Shapes: tuples of dims, rank 0 to 6.

use super::dim::{Dim, Dimension, One};
use core::fmt::Debug;

/// The highest rank a shape can have.
pub const MAX_RANK: usize = 6;

/// Marks a runtime dim in [`Shape::STATIC_DIMS`].
pub const RUNTIME: usize = usize::MAX;

/// A tensor shape: a tuple of [`Dimension`]s, `()` for a scalar up to six axes.
///
/// ```
/// use shaped::{Dim, Shape};
/// let batch: (usize, Dim<784>) = (128, Dim);
/// assert_eq!(batch.dims(), [128, 784]);
/// assert_eq!(<(usize, Dim<784>)>::NDIM, 2);
/// assert_eq!(batch.numel(), 128 * 784);
/// ```
pub trait Shape: Copy + Debug + Send + Sync + 'static {
    /// The rank (number of axes).
    const NDIM: usize;
    /// Static sizes for compile-time checks, padded with 0; [`RUNTIME`] marks a runtime dim.
    const STATIC_DIMS: [usize; MAX_RANK];
    /// The sizes as a fixed-size array, `[usize; NDIM]`.
    type Dims: Copy
        + Debug
        + PartialEq
        + Default
        + AsRef<[usize]>
        + AsMut<[usize]>
        + Send
        + Sync
        + 'static;
    /// The sizes of all axes.
    fn dims(&self) -> Self::Dims;
    /// Builds the shape from sizes; `None` when the rank or a static size disagrees.
    fn from_dims(dims: &[usize]) -> Option<Self>;
    /// Number of elements (the product of the sizes, 1 for a scalar).
    ///
    /// Panics when the count overflows `usize`; no tensor has such a shape (every
    /// constructor checks with [`try_numel`](Self::try_numel)).
    #[track_caller]
    fn numel(&self) -> usize {
        match checked_numel(self.dims().as_ref()) {
            Some(n) => n,
            None => panic!(
                "shape {} has more elements than usize can count",
                fmt_dims(self.dims().as_ref())
            ),
        }
    }
    /// Number of elements, or `None` when it overflows `usize`.
    ///
    /// ```
    /// use shaped::Shape;
    /// assert_eq!((3usize, 4usize).try_numel(), Some(12));
    /// assert_eq!((1usize << 32, 1usize << 32).try_numel(), None);
    /// assert_eq!((1usize << 40, 1usize << 40, 0usize).try_numel(), Some(0));
    /// ```
    fn try_numel(&self) -> Option<usize> {
        checked_numel(self.dims().as_ref())
    }
    /// Row-major (C order) strides in elements. A stride that would overflow (possible
    /// only when some other axis has size 0, so no element is ever addressed) saturates.
    fn strides(&self) -> Self::Dims {
        let dims = self.dims();
        let mut strides = Self::Dims::default();
        let mut acc: usize = 1;
        for (s, d) in strides.as_mut().iter_mut().zip(dims.as_ref()).rev() {
            *s = acc;
            acc = acc.saturating_mul(*d);
        }
        strides
    }
}

/// A dim whose size is known to the compiler: only [`Dim<N>`].
pub trait ConstDim: Dimension + Default {
    /// The size.
    const SIZE: usize;
}

impl<const N: usize> ConstDim for Dim<N> {
    const SIZE: usize = N;
}

impl ConstDim for One {
    const SIZE: usize = 1;
}

/// A shape whose every size is known to the compiler; it can be built from nothing.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a static shape",
    label = "every dim must be static here",
    note = "a shape with a runtime dim (`usize`) converts with the checked `try_reshape`/`try_into_shape`"
)]
pub trait StaticShape: Shape + Default {
    /// Number of elements, as a constant.
    const NUMEL: usize;
}

macro_rules! impl_shape {
    ($n:literal; $($d:ident $i:tt),*) => {
        impl<$($d: Dimension),*> Shape for ($($d,)*) {
            const NDIM: usize = $n;
            const STATIC_DIMS: [usize; MAX_RANK] = {
                #[allow(unused_mut)]
                let mut out = [0; MAX_RANK];
                $(out[$i] = super::dim::static_or_max::<$d>();)*
                out
            };
            type Dims = [usize; $n];
            #[inline]
            fn dims(&self) -> [usize; $n] {
                [$(self.$i.size()),*]
            }
            #[inline]
            #[allow(unused_variables)]
            fn from_dims(dims: &[usize]) -> Option<Self> {
                if dims.len() != $n {
                    return None;
                }
                Some(($($d::from_size(dims[$i])?,)*))
            }
        }
        #[diagnostic::do_not_recommend]
        impl<$($d: ConstDim),*> StaticShape for ($($d,)*) {
            const NUMEL: usize = 1 $(* $d::SIZE)*;
        }
    };
}

impl_shape!(0;);
impl_shape!(1; A 0);
impl_shape!(2; A 0, B 1);
impl_shape!(3; A 0, B 1, C 2);
impl_shape!(4; A 0, B 1, C 2, D 3);
impl_shape!(5; A 0, B 1, C 2, D 3, E 4);
impl_shape!(6; A 0, B 1, C 2, D 3, E 4, F 5);

/// The product of `dims`, or `None` when it overflows; 0 whenever a size is 0, whatever
/// the others.
pub(crate) fn checked_numel(dims: &[usize]) -> Option<usize> {
    if dims.contains(&0) {
        return Some(0);
    }
    dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// The element count of `dims` for a buffer of `E`, checked against the address space
/// (`isize::MAX` bytes, Rust's limit for one allocation): a [`ShapeError`] when too large.
pub(crate) fn checked_len<E>(op: &'static str, dims: &[usize]) -> Result<usize, super::ShapeError> {
    let n = checked_numel(dims).ok_or_else(|| {
        super::ShapeError::too_large(op, dims, "its element count overflows usize")
    })?;
    let fits = n
        .checked_mul(core::mem::size_of::<E>())
        .is_some_and(|bytes| bytes <= isize::MAX as usize);
    if !fits {
        return Err(super::ShapeError::too_large(
            op,
            dims,
            format!("{n} elements exceed the address space"),
        ));
    }
    Ok(n)
}

/// Formats sizes like numpy: `[2, 3]`, `[]` for a scalar.
pub(crate) fn fmt_dims(dims: &[usize]) -> String {
    let inner: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    format!("[{}]", inner.join(", "))
}
