//! Single dimensions: [`Dim<N>`] known to the compiler, `usize` known at run time, and
//! [`One`], the size-1 axis that stretches in broadcasts.

use core::fmt;

/// A dimension whose size `N` is part of the type.
///
/// Zero-sized: a shape made only of `Dim`s costs nothing to carry around.
///
/// ```
/// use shaped::{Dim, Dimension};
/// assert_eq!(Dim::<784>.size(), 784);
/// assert_eq!(<Dim<784> as Dimension>::STATIC, Some(784));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Dim<const N: usize>;

impl<const N: usize> fmt::Debug for Dim<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dim<{N}>")
    }
}

/// One axis of a shape: either static ([`Dim<N>`]) or known only at run time (`usize`).
///
/// Mixing is the normal case: `(usize, Dim<784>)` is a batch of any size of 784 features.
pub trait Dimension: Copy + fmt::Debug + Send + Sync + 'static {
    /// `Some(N)` when the size is part of the type, `None` for a runtime dim.
    const STATIC: Option<usize>;
    /// The size of this axis.
    fn size(&self) -> usize;
    /// Builds the dim from a runtime size; `None` when a static dim disagrees.
    fn from_size(size: usize) -> Option<Self>;
}

impl<const N: usize> Dimension for Dim<N> {
    const STATIC: Option<usize> = Some(N);
    #[inline(always)]
    fn size(&self) -> usize {
        N
    }
    #[inline]
    fn from_size(size: usize) -> Option<Self> {
        (size == N).then_some(Dim)
    }
}

impl Dimension for usize {
    const STATIC: Option<usize> = None;
    #[inline(always)]
    fn size(&self) -> usize {
        *self
    }
    #[inline]
    fn from_size(size: usize) -> Option<Self> {
        Some(size)
    }
}

/// A size-1 axis that stretches to any size when broadcasting (numpy's `1` in
/// `(32, 1) + (32, 10)`).
///
/// [`unsqueeze`](crate::Tensor::unsqueeze) returns it; write it where a tensor should
/// broadcast along an axis. A `Dim<1>` is an ordinary size that only matches 1 (a batch of
/// one sample): stable Rust cannot select "the other dim" for `Dim<1>` against every
/// `Dim<N>` (the impl would overlap `Dim<N>` against itself), but a separate type can.
///
/// ```
/// use shaped::{Dim, One, Tensor};
/// let column = Tensor::<(Dim<3>, One)>::from_vec((Dim, One), vec![1.0, 2.0, 3.0]);
/// let row = Tensor::<(One, Dim<2000>)>::ones((One, Dim));
/// let table: Tensor<(Dim<3>, Dim<2000>)> = &column * &row;
/// assert_eq!(table.shape_dims(), [3, 2000]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct One;

impl fmt::Debug for One {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("One")
    }
}

impl Dimension for One {
    const STATIC: Option<usize> = Some(1);
    #[inline(always)]
    fn size(&self) -> usize {
        1
    }
    #[inline]
    fn from_size(size: usize) -> Option<Self> {
        (size == 1).then_some(One)
    }
}

mod sealed {
    pub trait Sealed {}
    impl<const N: usize> Sealed for super::Dim<N> {}
    impl Sealed for usize {}
    impl Sealed for super::One {}
}

/// Every dim except [`One`]: the dims a `One` stretches to.
///
/// `Dim<N>` (any `N`, `Dim<1>` included) and `usize` implement it. Generic code that
/// broadcasts its own dim `B` against a `One` states `B: NotOne`; when `B` is itself `One`,
/// the dims are equal and need no bound.
///
/// ```
/// use shaped::{Dim, NotOne, One, Tensor};
/// use shaped::shapes::rules::BroadcastDim;
/// fn centre<B: NotOne>(x: &Tensor<(B, Dim<3>)>, mean: &Tensor<(One, Dim<3>)>) -> Tensor<(B, Dim<3>)> {
///     x - mean
/// }
/// let x = Tensor::<(usize, Dim<3>)>::ones((4, Dim));
/// assert_eq!(centre(&x, &Tensor::ones((One, Dim))).as_slice(), &[0.0; 12]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` may be `One`: a generic dim broadcast against `One` needs `{Self}: NotOne`",
    label = "add `NotOne` to this dim's bounds"
)]
pub trait NotOne: Dimension + sealed::Sealed {}
impl<const N: usize> NotOne for Dim<N> {}
impl NotOne for usize {}

/// A static size-1 dim: [`One`] or `Dim<1>` (what [`squeeze`](crate::Tensor::squeeze)
/// removes).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a size-1 axis",
    label = "only `One` or `Dim<1>` can be squeezed"
)]
pub trait SizeOne: Dimension + sealed::Sealed {}
#[diagnostic::do_not_recommend]
impl SizeOne for One {}
#[diagnostic::do_not_recommend]
impl SizeOne for Dim<1> {}

/// Static size of a dim in const context: the size for `Dim<N>`, `usize::MAX` for runtime dims.
pub(crate) const fn static_or_max<D: Dimension>() -> usize {
    match D::STATIC {
        Some(n) => n,
        None => usize::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapes::Shape;

    #[test]
    fn dims_print_their_size_in_errors_and_debug_output() {
        assert_eq!(format!("{:?}", Dim::<784>), "Dim<784>");
        assert_eq!(format!("{:?}", Dim::<0>), "Dim<0>");
        assert_eq!(format!("{:?}", One), "One");
    }

    #[test]
    fn from_size_accepts_only_the_static_size() {
        assert_eq!(Dim::<3>::from_size(3), Some(Dim));
        assert_eq!(Dim::<3>::from_size(2), None);
        assert_eq!(One::from_size(1), Some(One));
        assert_eq!(One::from_size(0), None);
        assert_eq!(<(One, Dim<2>)>::from_dims(&[2, 2]), None);
        assert_eq!(One::from_size(2), None);
        assert_eq!(usize::from_size(7), Some(7));
        assert_eq!((Dim::<5>.size(), One.size(), 9usize.size()), (5, 1, 9));
        assert_eq!(
            (Dim::<5>::STATIC, One::STATIC, usize::STATIC),
            (Some(5), Some(1), None)
        );
    }

    #[test]
    fn runtime_dims_count_as_the_largest_size_in_const_checks() {
        assert_eq!(static_or_max::<Dim<12>>(), 12);
        assert_eq!(static_or_max::<One>(), 1);
        assert_eq!(static_or_max::<usize>(), usize::MAX);
    }
}
