//! Shapes: tuples of dims, rank 0 to 6.

use super::dim::{Dim, Dimension};
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
    fn numel(&self) -> usize {
        self.dims().as_ref().iter().product()
    }
    /// Row-major (C order) strides in elements.
    fn strides(&self) -> Self::Dims {
        let dims = self.dims();
        let mut strides = Self::Dims::default();
        let mut acc = 1;
        for (s, d) in strides.as_mut().iter_mut().zip(dims.as_ref()).rev() {
            *s = acc;
            acc *= d;
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

/// A shape whose every size is known to the compiler; it can be built from nothing.
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

/// Formats sizes like numpy: `[2, 3]`, `[]` for a scalar.
pub(crate) fn fmt_dims(dims: &[usize]) -> String {
    let inner: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    format!("[{}]", inner.join(", "))
}
