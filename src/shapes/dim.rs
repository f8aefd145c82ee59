//! Single dimensions: [`Dim<N>`] known to the compiler, `usize` known at run time.

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

/// Static size of a dim in const context: the size for `Dim<N>`, `usize::MAX` for runtime dims.
pub(crate) const fn static_or_max<D: Dimension>() -> usize {
    match D::STATIC {
        Some(n) => n,
        None => usize::MAX,
    }
}
