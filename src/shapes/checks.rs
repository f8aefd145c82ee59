//! Arithmetic shape relations checked during const evaluation (at `cargo build` time).
//!
//! Output dims cannot be computed from const generics on stable Rust, so the caller names
//! the output shape and these functions verify it. They run in `const { .. }` blocks of
//! generic methods: post-monomorphization, so `cargo check` does not see them, while
//! `cargo build` and `cargo test` do. Relations involving runtime dims pass here and are
//! checked again when the program runs.

use super::message::{ConstMsg, static_numel};
use super::shape::{RUNTIME, Shape};

/// `Src` and `Dst` hold the same number of elements.
pub(crate) const fn reshape<Src: Shape, Dst: Shape>() {
    let (Some(a), Some(b)) = (
        static_numel(&Src::STATIC_DIMS, Src::NDIM),
        static_numel(&Dst::STATIC_DIMS, Dst::NDIM),
    ) else {
        return;
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
        panic!("{}", msg.as_str());
    }
}

/// All axes after the first of `Src` flatten into `n` elements.
pub(crate) const fn flatten_inner<Src: Shape>(n: usize) {
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
        panic!("{}", msg.as_str());
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
        panic!("{}", msg.as_str());
    }
}

/// `start + len` fits inside axis `axis` of `Src` (when that axis is static).
pub(crate) const fn narrow<Src: Shape>(axis: usize, start: usize, len: usize) {
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
        panic!("{}", msg.as_str());
    }
}

/// `perm` (first `Src::NDIM` entries) is a permutation of the axes of `Src`.
pub(crate) const fn permutation<Src: Shape>(perm: &[usize]) {
    let mut seen = [false; super::MAX_RANK];
    let mut i = 0;
    while i < perm.len() {
        if perm[i] >= Src::NDIM || seen[perm[i]] {
            let msg = ConstMsg::new()
                .str("axes must be a permutation of 0..")
                .num(Src::NDIM)
                .str(" for shape ")
                .dims(&Src::STATIC_DIMS, Src::NDIM);
            panic!("{}", msg.as_str());
        }
        seen[perm[i]] = true;
        i += 1;
    }
}

/// Two blocks of sizes `a` and `b` concatenate into `n` along one axis.
pub(crate) const fn concat_width(a: usize, b: usize, n: usize) {
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
        panic!("{}", msg.as_str());
    }
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
) {
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
                panic!("{}", msg.as_str());
            }
        }
        _ => {
            let msg = describe.str(if k == 0 || s == 0 {
                ": the window and the stride must be at least 1"
            } else {
                ": the window is larger than the input (valid padding); use same padding or a smaller window"
            });
            panic!("{}", msg.as_str());
        }
    }
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
