//! Exact compile-time error messages: a tiny formatter usable in `const` evaluation.
//!
//! `assert!(cond, "{}", x)` with arguments does not compile in const context, but
//! `panic!("{}", s)` with `s: &str` does, so messages are built into a byte buffer first.

use super::shape::{MAX_RANK, RUNTIME};

use shaped_embed::__private::ConstText;
#[cfg(test)]
use shaped_embed::__private::MESSAGE_CAP as CAP;

/// A fixed-capacity string built in const fns; silently truncates. shaped-embed's buffer
/// (its window layers report sizes the same way), with shapes and runtime dims on top.
pub(crate) struct ConstMsg(ConstText);

impl ConstMsg {
    pub(crate) const fn new() -> Self {
        ConstMsg(ConstText::new())
    }

    pub(crate) const fn str(self, s: &str) -> Self {
        ConstMsg(self.0.str(s))
    }

    /// A size; a runtime dim prints as `_`.
    pub(crate) const fn num(self, n: usize) -> Self {
        if n == RUNTIME {
            return self.str("_");
        }
        ConstMsg(self.0.num(n))
    }

    /// Sizes like numpy prints them: `[2, 3]`.
    pub(crate) const fn dims(mut self, dims: &[usize; MAX_RANK], ndim: usize) -> Self {
        self = self.str("[");
        let mut i = 0;
        while i < ndim {
            if i > 0 {
                self = self.str(", ");
            }
            self = self.num(dims[i]);
            i += 1;
        }
        self.str("]")
    }

    pub(crate) const fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Product of the first `ndim` static sizes, or `None` when one is a runtime dim.
pub(crate) const fn static_numel(dims: &[usize; MAX_RANK], ndim: usize) -> Option<usize> {
    let mut i = 0;
    let mut acc = 1usize;
    while i < ndim {
        if dims[i] == RUNTIME {
            return None;
        }
        acc *= dims[i];
        i += 1;
    }
    Some(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_in_decimal_and_runtime_dims_as_underscores() {
        let m = ConstMsg::new()
            .num(0)
            .str(" ")
            .num(7)
            .str(" ")
            .num(1090)
            .str(" ");
        let m = m.num(usize::MAX - 1).str(" ").num(RUNTIME);
        assert_eq!(m.as_str(), format!("0 7 1090 {} _", usize::MAX - 1));
    }

    #[test]
    fn dims_print_like_numpy_shapes() {
        let dims = [2, RUNTIME, 30, 0, 0, 0];
        assert_eq!(ConstMsg::new().dims(&dims, 3).as_str(), "[2, _, 30]");
        assert_eq!(ConstMsg::new().dims(&dims, 1).as_str(), "[2]");
        assert_eq!(ConstMsg::new().dims(&dims, 0).as_str(), "[]");
    }

    #[test]
    fn long_messages_are_cut_at_the_capacity() {
        let long = "x".repeat(CAP + 10);
        let m = ConstMsg::new().str("ab").str(&long).num(12345);
        assert_eq!(m.as_str().len(), CAP);
        assert!(m.as_str().starts_with("abxxx"));
        let m = ConstMsg::new().str(&"y".repeat(CAP - 2)).num(12345);
        assert_eq!(m.as_str(), format!("{}12", "y".repeat(CAP - 2)));
    }

    #[test]
    fn static_numel_multiplies_static_sizes_only() {
        assert_eq!(static_numel(&[2, 3, 4, 0, 0, 0], 3), Some(24));
        assert_eq!(static_numel(&[2, 3, 4, 0, 0, 0], 0), Some(1));
        assert_eq!(static_numel(&[2, RUNTIME, 4, 0, 0, 0], 3), None);
        assert_eq!(static_numel(&[2, 3, RUNTIME, 0, 0, 0], 2), Some(6));
    }
}
