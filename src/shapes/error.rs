//! The runtime shape error: what `try_*` operations return.

use core::fmt;

use super::shape::fmt_dims;

/// A shape check that failed at run time (a runtime dim disagreed).
///
/// The message names the operation and both shapes:
///
/// ```
/// use shaped::{Dim, Tensor};
/// let a = Tensor::<(usize, Dim<7>)>::zeros((32, Dim));
/// let b = Tensor::<(usize, Dim<10>)>::zeros((784, Dim));
/// let err = a.try_matmul(&b).unwrap_err();
/// assert_eq!(err.to_string(), "matmul: incompatible shapes [32, 7] and [784, 10]");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeError {
    op: &'static str,
    lhs: Vec<usize>,
    rhs: Vec<usize>,
    detail: Option<String>,
    too_large: bool,
}

impl ShapeError {
    /// Two shapes that the operation `op` cannot combine.
    pub fn incompatible(op: &'static str, lhs: &[usize], rhs: &[usize]) -> Self {
        ShapeError {
            op,
            lhs: lhs.to_vec(),
            rhs: rhs.to_vec(),
            detail: None,
            too_large: false,
        }
    }

    /// A shape whose element count (or byte size) does not fit in memory's address space.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let err = Tensor::<(usize, Dim<2>)>::try_zeros((usize::MAX, Dim)).unwrap_err();
    /// assert!(err.is_too_large());
    /// assert_eq!(err.to_string(), "zeros: shape [18446744073709551615, 2] is too large (its element count overflows usize)");
    /// ```
    pub fn too_large(op: &'static str, dims: &[usize], detail: impl Into<String>) -> Self {
        ShapeError {
            op,
            lhs: dims.to_vec(),
            rhs: Vec::new(),
            detail: Some(detail.into()),
            too_large: true,
        }
    }

    /// The same error reported for another operation (a public entry point that
    /// delegates to another one).
    pub(crate) fn renamed(mut self, op: &'static str) -> Self {
        self.op = op;
        self
    }

    /// `true` for [`too_large`](Self::too_large) errors.
    pub fn is_too_large(&self) -> bool {
        self.too_large
    }

    /// Adds an explanation after the shapes.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The operation that failed, e.g. `"matmul"`.
    pub fn op(&self) -> &'static str {
        self.op
    }

    /// The first shape involved.
    pub fn lhs(&self) -> &[usize] {
        &self.lhs
    }

    /// The second shape involved (the requested shape for reshapes and slices; empty for
    /// [`too_large`](Self::too_large) errors).
    pub fn rhs(&self) -> &[usize] {
        &self.rhs
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.too_large {
            write!(f, "{}: shape {} is too large", self.op, fmt_dims(&self.lhs))?;
        } else {
            write!(
                f,
                "{}: incompatible shapes {} and {}",
                self.op,
                fmt_dims(&self.lhs),
                fmt_dims(&self.rhs)
            )?;
        }
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ShapeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_return_what_the_error_was_built_from() {
        let e = ShapeError::incompatible("matmul", &[32, 7], &[784, 10]);
        assert_eq!(
            (e.op(), e.lhs(), e.rhs()),
            ("matmul", &[32, 7][..], &[784, 10][..])
        );
        assert!(!e.is_too_large());
        let e = e.renamed("dense").with_detail("inner dims differ");
        assert_eq!(e.op(), "dense");
        assert_eq!(
            e.to_string(),
            "dense: incompatible shapes [32, 7] and [784, 10] (inner dims differ)"
        );
        let big = ShapeError::too_large("zeros", &[3, 5], "overflow");
        assert!(big.is_too_large());
        assert_eq!((big.lhs(), big.rhs()), (&[3, 5][..], &[][..]));
        assert_eq!(
            big.to_string(),
            "zeros: shape [3, 5] is too large (overflow)"
        );
    }
}
