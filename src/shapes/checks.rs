//! Arithmetic shape relations checked during const evaluation (at `cargo build` time).
//!
//! Output dims cannot be computed from const generics on stable Rust, so the caller names
//! the output shape and these functions verify it, returning the error message when the
//! relation fails. [`ok`] runs them in a `const { .. }` block of the method the user
//! calls: post-monomorphization, so `cargo check` does not see them, while `cargo
//! build` and `cargo test` do. Relations involving runtime dims pass here and are checked
//! again when the program runs.

/// Fails the build with a check's message (called in a `const` block of the method the
/// user calls, so the error's last note shows the user's line).
#[track_caller]
pub(crate) const fn ok(check: Option<ConstMsg>) {
    if let Some(msg) = check {
        panic!("{}", msg.as_str());
    }
}

use super::message::{ConstMsg, static_numel};
use super::shape::{RUNTIME, Shape};

/// `Src` and `Dst` hold the same number of elements.
pub(crate) const fn reshape<Src: Shape, Dst: Shape>() -> Option<ConstMsg> {
    let (Some(a), Some(b)) = (
        static_numel(&Src::STATIC_DIMS, Src::NDIM),
        static_numel(&Dst::STATIC_DIMS, Dst::NDIM),
    ) else {
        return None;
    };
    if a != b {
        let msg = ConstMsg::new()
            .str("cannot reshape ")
            .dims(&Src::STATIC_DIMS, Src::NDIM)
            .str(" (")
            .num(a)
            .str(" elements) into ")
            .dims(&Dst::STATIC_DIMS, Dst::NDIM)
            .str(" (")
            .num(b)
            .str(" elements)");
        return Some(msg);
    }
    None
}

/// All axes after the first of `Src` flatten into `n` elements.
pub(crate) const fn flatten_inner<Src: Shape>(n: usize) -> Option<ConstMsg> {
    let dims = &Src::STATIC_DIMS;
    let mut inner = [0; super::MAX_RANK];
    let mut i = 1;
    while i < Src::NDIM {
        inner[i - 1] = dims[i];
        i += 1;
    }
    let Some(count) = static_numel(&inner, Src::NDIM - 1) else {
        let msg = ConstMsg::new()
            .str("cannot flatten ")
            .dims(dims, Src::NDIM)
            .str(": the axes after the first must be static");
        return Some(msg);
    };
    if count != n {
        let msg = ConstMsg::new()
            .str("cannot flatten ")
            .dims(dims, Src::NDIM)
            .str(" into [")
            .num(dims[0])
            .str(", ")
            .num(n)
            .str("]: the inner axes hold ")
            .num(count)
            .str(" elements, not ")
            .num(n);
        return Some(msg);
    }
    None
}

/// `start + len` fits inside axis `axis` of `Src` (when that axis is static).
pub(crate) const fn narrow<Src: Shape>(axis: usize, start: usize, len: usize) -> Option<ConstMsg> {
    let size = Src::STATIC_DIMS[axis];
    if size != RUNTIME && start + len > size {
        let msg = ConstMsg::new()
            .str("slice ")
            .num(start)
            .str("..")
            .num(start + len)
            .str(" is out of bounds for axis ")
            .num(axis)
            .str(" of size ")
            .num(size)
            .str(" in shape ")
            .dims(&Src::STATIC_DIMS, Src::NDIM);
        return Some(msg);
    }
    None
}

/// `perm` (first `Src::NDIM` entries) is a permutation of the axes of `Src`.
pub(crate) const fn permutation<Src: Shape>(perm: &[usize]) -> Option<ConstMsg> {
    let mut seen = [false; super::MAX_RANK];
    let mut i = 0;
    while i < perm.len() {
        if perm[i] >= Src::NDIM || seen[perm[i]] {
            let msg = ConstMsg::new()
                .str("axes must be a permutation of 0..")
                .num(Src::NDIM)
                .str(" for shape ")
                .dims(&Src::STATIC_DIMS, Src::NDIM);
            return Some(msg);
        }
        seen[perm[i]] = true;
        i += 1;
    }
    None
}

/// Two blocks of sizes `a` and `b` concatenate into `n` along one axis.
pub(crate) const fn concat_width(a: usize, b: usize, n: usize) -> Option<ConstMsg> {
    if a + b != n {
        let msg = ConstMsg::new()
            .str("cannot concatenate sizes ")
            .num(a)
            .str(" and ")
            .num(b)
            .str(" into ")
            .num(n)
            .str(": ")
            .num(a)
            .str(" + ")
            .num(b)
            .str(" is ")
            .num(a + b);
        return Some(msg);
    }
    None
}

/// The output size of a sliding window of size `k` and stride `s` over `n` positions:
/// `valid` (no padding) gives `(n - k) / s + 1`, `same` (zero padding) `ceil(n / s)`.
/// `None` when the window does not fit (`valid`, `k > n`) or `k` or `s` is 0.
pub(crate) const fn window_out(n: usize, k: usize, s: usize, same: bool) -> Option<usize> {
    if k == 0 || s == 0 {
        None
    } else if same {
        Some(n.div_ceil(s))
    } else if k > n {
        None
    } else {
        Some((n - k) / s + 1)
    }
}

/// A 2-D window layer (`Conv2D`, pooling) of size `k` x `k`, stride `s`, on `h` x `w` gives
/// `oh` x `ow`; the message states the formula's result, e.g. `Conv2D 3x3, stride 1,
/// valid, on 28x28 gives 26x26, not 27x27`.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn window_2d(
    layer: &str,
    k: usize,
    s: usize,
    same: bool,
    (h, w): (usize, usize),
    (oh, ow): (usize, usize),
) -> Option<ConstMsg> {
    let describe = ConstMsg::new()
        .str(layer)
        .str(" ")
        .num(k)
        .str("x")
        .num(k)
        .str(", stride ")
        .num(s)
        .str(if same { ", same, on " } else { ", valid, on " })
        .num(h)
        .str("x")
        .num(w);
    match (window_out(h, k, s, same), window_out(w, k, s, same)) {
        (Some(gh), Some(gw)) => {
            if gh != oh || gw != ow {
                let msg = describe
                    .str(" gives ")
                    .num(gh)
                    .str("x")
                    .num(gw)
                    .str(", not ")
                    .num(oh)
                    .str("x")
                    .num(ow);
                return Some(msg);
            }
        }
        _ => {
            let msg = describe.str(if k == 0 || s == 0 {
                ": the window and the stride must be at least 1"
            } else {
                ": the window is larger than the input (valid padding); use same padding or a smaller window"
            });
            return Some(msg);
        }
    }
    None
}

/// The zero padding before the first position (top or left) for `same`: Keras (and
/// TensorFlow) pad `max((out - 1) * s + k - n, 0)` in all, the smaller half first.
pub(crate) const fn pad_before(n: usize, k: usize, s: usize, same: bool) -> usize {
    if !same || s == 0 {
        return 0;
    }
    let out = n.div_ceil(s);
    let total = (out.saturating_sub(1) * s + k).saturating_sub(n);
    total / 2
}

#[cfg(test)]
mod tests {
    //! The checks run at build time in users' code; here they run as plain functions, so
    //! each boundary (exactly fitting, one past) is tested without a compile-fail case.
    use super::*;
    use crate::shapes::{Dim, One};

    fn message(check: Option<ConstMsg>) -> String {
        check.map(|m| m.as_str().to_owned()).unwrap_or_default()
    }

    #[test]
    fn reshape_compares_element_counts() {
        assert!(reshape::<(Dim<2>, Dim<3>), (Dim<6>, One)>().is_none());
        assert!(
            reshape::<(usize, Dim<3>), (Dim<7>,)>().is_none(),
            "runtime: checked later"
        );
        assert_eq!(
            message(reshape::<(Dim<2>, Dim<3>), (Dim<7>,)>()),
            "cannot reshape [2, 3] (6 elements) into [7] (7 elements)"
        );
        assert!(reshape::<(Dim<2>, Dim<3>), (Dim<5>,)>().is_some());
    }

    #[test]
    fn flatten_inner_counts_the_axes_after_the_first() {
        assert!(flatten_inner::<(usize, Dim<28>, Dim<28>)>(784).is_none());
        assert!(flatten_inner::<(Dim<4>, Dim<3>, Dim<2>, Dim<5>)>(30).is_none());
        // The highest rank reads every slot of the padded dims, and no further.
        type Six = (usize, Dim<2>, Dim<3>, Dim<2>, Dim<1>, Dim<5>);
        assert!(flatten_inner::<Six>(60).is_none());
        assert!(flatten_inner::<Six>(59).is_some());
        assert_eq!(
            message(flatten_inner::<(usize, Dim<28>, Dim<28>)>(785)),
            "cannot flatten [_, 28, 28] into [_, 785]: the inner axes hold 784 elements, not 785"
        );
        assert!(flatten_inner::<(usize, Dim<28>, Dim<28>)>(783).is_some());
        assert_eq!(
            message(flatten_inner::<(Dim<2>, usize)>(4)),
            "cannot flatten [2, _]: the axes after the first must be static"
        );
    }

    #[test]
    fn narrow_accepts_a_slice_ending_exactly_at_the_end() {
        type S = (Dim<100>, Dim<4>);
        assert!(narrow::<S>(0, 90, 10).is_none());
        assert!(narrow::<S>(0, 0, 100).is_none());
        assert!(narrow::<S>(1, 4, 0).is_none());
        assert_eq!(
            message(narrow::<S>(0, 91, 10)),
            "slice 91..101 is out of bounds for axis 0 of size 100 in shape [100, 4]"
        );
        assert!(narrow::<S>(1, 3, 2).is_some());
        assert!(
            narrow::<(usize, Dim<4>)>(0, 1000, 5).is_none(),
            "runtime: checked later"
        );
    }

    #[test]
    fn permutation_needs_every_axis_once() {
        type S = (Dim<2>, Dim<3>, Dim<4>);
        assert!(permutation::<S>(&[2, 0, 1]).is_none());
        assert!(permutation::<S>(&[0, 1, 2]).is_none());
        assert_eq!(
            message(permutation::<S>(&[0, 1, 3])),
            "axes must be a permutation of 0..3 for shape [2, 3, 4]"
        );
        assert!(permutation::<S>(&[1, 1, 0]).is_some(), "a repeated axis");
        assert!(
            permutation::<S>(&[0, 2, 2]).is_some(),
            "a repeated last axis"
        );
    }

    #[test]
    fn concat_width_adds_the_sizes() {
        assert!(concat_width(2, 1, 3).is_none());
        assert_eq!(
            message(concat_width(2, 1, 4)),
            "cannot concatenate sizes 2 and 1 into 4: 2 + 1 is 3"
        );
        assert!(concat_width(2, 1, 2).is_some());
    }

    #[test]
    fn window_out_follows_keras() {
        assert_eq!(window_out(28, 3, 1, false), Some(26));
        assert_eq!(window_out(11, 2, 2, false), Some(5));
        assert_eq!(
            window_out(3, 3, 1, false),
            Some(1),
            "a window exactly the input's size"
        );
        assert_eq!(window_out(2, 3, 1, false), None);
        assert_eq!(window_out(11, 3, 2, true), Some(6));
        assert_eq!(window_out(12, 3, 2, true), Some(6));
        assert_eq!(window_out(5, 0, 1, true), None);
        assert_eq!(window_out(5, 1, 0, false), None);
    }

    #[test]
    fn window_2d_states_the_formula_result() {
        assert!(window_2d("Conv2D", 3, 1, false, (28, 28), (26, 26)).is_none());
        assert!(window_2d("Conv2D", 3, 2, true, (11, 12), (6, 6)).is_none());
        assert_eq!(
            message(window_2d("Conv2D", 3, 1, false, (28, 28), (27, 26))),
            "Conv2D 3x3, stride 1, valid, on 28x28 gives 26x26, not 27x26"
        );
        assert!(window_2d("Conv2D", 3, 1, false, (28, 28), (26, 27)).is_some());
        assert_eq!(
            message(window_2d("MaxPooling2D", 2, 2, true, (5, 5), (2, 3))),
            "MaxPooling2D 2x2, stride 2, same, on 5x5 gives 3x3, not 2x3"
        );
        assert_eq!(
            message(window_2d("Conv2D", 5, 1, false, (4, 9), (1, 5))),
            "Conv2D 5x5, stride 1, valid, on 4x9: the window is larger than the input (valid padding); use same padding or a smaller window"
        );
        assert_eq!(
            message(window_2d("Conv2D", 3, 0, false, (4, 4), (1, 1))),
            "Conv2D 3x3, stride 0, valid, on 4x4: the window and the stride must be at least 1"
        );
    }

    #[test]
    fn same_padding_puts_the_smaller_half_first() {
        // Keras: 28 wide, 3x3, stride 1 -> 2 in all, 1 before; stride 2 on 28: out 14,
        // total (13 * 2 + 3) - 28 = 1, 0 before; even windows pad more after.
        assert_eq!(pad_before(28, 3, 1, true), 1);
        assert_eq!(pad_before(28, 3, 2, true), 0);
        assert_eq!(pad_before(5, 4, 1, true), 1);
        assert_eq!(pad_before(28, 5, 1, true), 2);
        assert_eq!(pad_before(28, 3, 1, false), 0);
        assert_eq!(pad_before(28, 3, 0, true), 0);
        assert_eq!(pad_before(2, 1, 4, true), 0);
    }

    #[test]
    fn ok_panics_with_the_message() {
        ok(None);
        let err = std::panic::catch_unwind(|| ok(concat_width(1, 1, 3))).unwrap_err();
        assert_eq!(
            err.downcast_ref::<String>().map(String::as_str),
            Some("cannot concatenate sizes 1 and 1 into 3: 1 + 1 is 2")
        );
    }
}
