//! Shape rules as named traits: each one is a relation the compiler checks.
//!
//! An unsatisfied rule is a compile error carrying the rule's own message and the dims
//! involved. Relations between a static and a runtime dim type-check and are verified
//! when the program runs (the `try_*` methods). Where both must be equal (`SameDim`) the
//! static dim wins in the result type; in broadcasting a runtime dim wins, since either side
//! may be a size 1 that stretches.

use super::dim::{Dimension, NotOne, One, SizeOne};
use super::shape::{ConstDim, Shape};

/// A static dim other than `One`: exactly the `Dim<N>`s.
pub trait Fixed: ConstDim + NotOne {}
impl<D: ConstDim + NotOne> Fixed for D {}

/// Two dims that must be equal: matmul's inner dims, element-wise operands, layer wiring.
///
/// `Output` is the representative: the static dim when one side is static.
#[diagnostic::on_unimplemented(
    message = "dimension mismatch: `{Self}` is not `{Rhs}`",
    label = "these dimensions must be equal",
    note = "static dims must be equal; a runtime dim (`usize`) is checked when the program runs"
)]
pub trait SameDim<Rhs: Dimension>: Dimension {
    /// The dim both sides agree on.
    type Output: Dimension;
}

// Every dim equals itself: one impl for all, so that a generic `B: Dimension` in user code
// needs no extra bound (impls for `Dim<N>` and `usize` separately would not cover it).
impl<D: Dimension> SameDim<D> for D {
    type Output = D;
}
// A static dim against a runtime one (checked when the program runs). Blanket impls over
// `Fixed` rather than `Dim<N>` keep rustc from quoting them as "similar impls" in errors.
#[diagnostic::do_not_recommend]
impl<D: Fixed> SameDim<usize> for D {
    type Output = D;
}
#[diagnostic::do_not_recommend]
impl<D: Fixed> SameDim<D> for usize {
    type Output = D;
}

/// Two dims that broadcast together under numpy's rule: equal, or one of them stretches.
///
/// The stretching size-1 axis is [`One`]: it broadcasts with every dim, static or runtime,
/// of any size, and in generic code (a generic `B` needs `B: NotOne`). A runtime dim
/// broadcasts with any static dim and is checked when the program runs, where a size of
/// 1 stretches as in numpy. `Dim<1>` is an ordinary size: it matches only itself.
#[diagnostic::on_unimplemented(
    message = "cannot broadcast `{Self}` with `{Rhs}`",
    label = "sizes must be equal, or one of them `One`",
    note = "generic code: a dim `B` broadcast against `One` needs `B: NotOne`",
    note = "a size-1 axis that stretches is `One` (what `unsqueeze` gives); `Dim<1>` only matches 1"
)]
pub trait BroadcastDim<Rhs: Dimension>: Dimension {
    /// The broadcast size.
    type Output: Dimension;
}

// Every dim broadcasts with itself (generic dims included, as for `SameDim`).
impl<D: Dimension> BroadcastDim<D> for D {
    type Output = D;
}
// A runtime dim against a static one gives a runtime dim: the runtime side may be 1 and
// stretch to the static size, or the static side may be `Dim<1>` and stretch to it.
#[diagnostic::do_not_recommend]
impl<D: Fixed> BroadcastDim<usize> for D {
    type Output = usize;
}
#[diagnostic::do_not_recommend]
impl<D: Fixed> BroadcastDim<D> for usize {
    type Output = usize;
}
// `One` stretches to the other dim. `NotOne` keeps these apart from `One` against itself
// (the first impl): coherence sees that `One` does not implement it.
// No `do_not_recommend` here: for a generic `B` the error is then `NotOne`'s, whose fix
// rustc suggests (`B: NotOne`).
impl<D: NotOne> BroadcastDim<One> for D {
    type Output = D;
}
impl<D: NotOne> BroadcastDim<D> for One {
    type Output = D;
}

/// A dim of an in-place operation's right operand that fits the left operand's dim
/// `Target`: equal, a [`One`] that stretches, or a runtime dim (checked when the program
/// runs). Unlike [`BroadcastDim`], the result always has the left operand's dim.
#[diagnostic::on_unimplemented(
    message = "cannot broadcast `{Self}` into `{Target}` in place",
    label = "the right operand's size must equal the left's, or be `One`",
    note = "in `a += b` the result keeps `a`'s shape: each of `b`'s dims equals `a`'s or is `One`"
)]
pub trait BroadcastsInto<Target: Dimension>: Dimension {}

impl<D: Dimension> BroadcastsInto<D> for D {}
#[diagnostic::do_not_recommend]
impl<D: Fixed> BroadcastsInto<usize> for D {}
#[diagnostic::do_not_recommend]
impl<D: Fixed> BroadcastsInto<D> for usize {}
// As for `BroadcastDim`: a generic target dim gets `NotOne`'s message and suggestion.
impl<D: NotOne> BroadcastsInto<D> for One {}
#[diagnostic::do_not_recommend]
impl BroadcastsInto<One> for usize {}

/// A shape that broadcasts into `Target` in place (`target op= self`): at most `Target`'s
/// rank, aligned on the last axis, each dim [`BroadcastsInto`] the target's.
#[diagnostic::on_unimplemented(
    message = "cannot broadcast shape `{Self}` into `{Target}` in place",
    label = "this operand does not broadcast into the left one's shape",
    note = "in `a += b` the result keeps `a`'s shape: `b` has at most `a`'s rank, each dim equal to `a`'s or `One`"
)]
pub trait BroadcastInto<Target: Shape>: Shape {}

macro_rules! broadcast_into {
    ([$($t:ident),*], [$($r:ident),*], [$(($a:ident, $b:ident)),*]) => {
        #[diagnostic::do_not_recommend]
        impl<$($t: Dimension,)* $($r: Dimension,)*> BroadcastInto<($($t,)*)> for ($($r,)*)
        where
            $($a: BroadcastsInto<$b>,)*
        {
        }
    };
}
include!("assign_table.rs");

/// Two shapes that broadcast together; `Output` is the broadcast shape.
#[diagnostic::on_unimplemented(
    message = "cannot broadcast shape `{Self}` with `{Rhs}`",
    label = "shapes do not broadcast",
    note = "shapes align on their last axis; each pair of dims is equal, or one is `One` (the size 1 that stretches; `Dim<1>` does not)",
    note = "generic code: a dim `B` broadcast against `One` needs `B: NotOne`"
)]
pub trait Broadcast<Rhs: Shape>: Shape {
    /// The shape of the result.
    type Output: Shape;
}

macro_rules! broadcast {
    ([$($l:ident),*], [$($r:ident),*], [$($lead:ident),*], [$(($a:ident, $b:ident)),*]) => {
        #[diagnostic::do_not_recommend]
        impl<$($l: Dimension,)* $($r: Dimension,)*> Broadcast<($($r,)*)> for ($($l,)*)
        where
            $($a: BroadcastDim<$b>,)*
        {
            type Output = ($($lead,)* $(<$a as BroadcastDim<$b>>::Output,)*);
        }
    };
}
include!("broadcast_table.rs");

/// Two shapes that are equal dim by dim (static dims equal, runtime dims checked later).
#[diagnostic::on_unimplemented(
    message = "shape mismatch: `{Self}` is not `{Rhs}`",
    label = "the shapes must be equal"
)]
pub trait SameShape<Rhs: Shape>: Shape {
    /// The shape both sides agree on.
    type Output: Shape;
}

macro_rules! same_shape {
    ($(($a:ident, $b:ident)),*) => {
        #[diagnostic::do_not_recommend]
        impl<$($a: Dimension + SameDim<$b>, $b: Dimension,)*> SameShape<($($b,)*)> for ($($a,)*) {
            type Output = ($(<$a as SameDim<$b>>::Output,)*);
        }
    };
}
same_shape!();
same_shape!((A0, B0));
same_shape!((A0, B0), (A1, B1));
same_shape!((A0, B0), (A1, B1), (A2, B2));
same_shape!((A0, B0), (A1, B1), (A2, B2), (A3, B3));
same_shape!((A0, B0), (A1, B1), (A2, B2), (A3, B3), (A4, B4));
same_shape!((A0, B0), (A1, B1), (A2, B2), (A3, B3), (A4, B4), (A5, B5));

/// The product rule of `np.dot`/`matmul`: the last dim of the left operand meets the
/// first dim of the right one.
///
/// | left        | right    | result      |
/// |-------------|----------|-------------|
/// | `(K,)`      | `(K,)`   | `()`        |
/// | `(M, K)`    | `(K,)`   | `(M,)`      |
/// | `(K,)`      | `(K, N)` | `(N,)`      |
/// | `(M, K)`    | `(K, N)` | `(M, N)`    |
/// | `(B, M, K)` | `(K, N)` | `(B, M, N)` |
#[diagnostic::on_unimplemented(
    message = "cannot multiply a tensor of shape `{Self}` by one of shape `{Rhs}`",
    label = "the left operand's last dim must equal the right operand's first",
    note = "supported ranks: (K)x(K), (M,K)x(K), (K)x(K,N), (M,K)x(K,N), (B,M,K)x(K,N)"
)]
pub trait MatMul<Rhs: Shape>: Shape {
    /// The shape of the product.
    type Output: Shape;
}

#[diagnostic::do_not_recommend]
impl<K: SameDim<K2>, K2: Dimension> MatMul<(K2,)> for (K,) {
    type Output = ();
}
#[diagnostic::do_not_recommend]
impl<M: Dimension, K: SameDim<K2>, K2: Dimension> MatMul<(K2,)> for (M, K) {
    type Output = (M,);
}
#[diagnostic::do_not_recommend]
impl<K: SameDim<K2>, K2: Dimension, N: Dimension> MatMul<(K2, N)> for (K,) {
    type Output = (N,);
}
#[diagnostic::do_not_recommend]
impl<M: Dimension, K: SameDim<K2>, K2: Dimension, N: Dimension> MatMul<(K2, N)> for (M, K) {
    type Output = (M, N);
}
#[diagnostic::do_not_recommend]
impl<B: Dimension, M: Dimension, K: SameDim<K2>, K2: Dimension, N: Dimension> MatMul<(K2, N)>
    for (B, M, K)
{
    type Output = (B, M, N);
}

/// A shape that has an axis number `I`; gives that axis's dim and the shapes without it
/// or with it replaced.
#[diagnostic::on_unimplemented(
    message = "axis {I} is out of range for a tensor of shape `{Self}`",
    label = "no axis {I} here",
    note = "axes count from 0; a tensor of rank R has axes 0 to R-1"
)]
pub trait HasAxis<const I: usize>: Shape {
    /// The dim at axis `I`.
    type Dim: Dimension;
    /// The shape with axis `I` removed (what a reduction along it returns).
    type Removed: Shape;
    /// The shape with axis `I` replaced by `D` (what a slice along it returns).
    type Replaced<D: Dimension>: Shape;
}

/// A shape whose axis `I` is a static size-1 axis ([`One`] or `Dim<1>`), so that
/// [`squeeze`](crate::Tensor::squeeze) can remove it; `Output` is the shape without it.
///
/// Holds for every shape with `HasAxis<I>` whose `Dim` is [`SizeOne`]: generic code may
/// state either bound. (The rule is its own trait so that a wrong axis is one short error
/// at the call, with no note pointing into shaped.)
#[diagnostic::on_unimplemented(
    message = "cannot squeeze axis {I} of `{Self}`: it is not a static size-1 axis",
    label = "only a `One` or `Dim<1>` axis can be squeezed",
    note = "a runtime axis (`usize`) may hold any size: reshape it with the checked `try_reshape`"
)]
pub trait Squeeze<const I: usize>: Shape {
    /// The shape without axis `I`.
    type Output: Shape;
}
#[diagnostic::do_not_recommend]
impl<S: HasAxis<I>, const I: usize> Squeeze<I> for S
where
    S::Dim: SizeOne,
{
    type Output = S::Removed;
}

/// A shape into which a new axis can be inserted before position `I` (`0..=rank`).
#[diagnostic::on_unimplemented(
    message = "cannot insert an axis at position {I} into a tensor of shape `{Self}`",
    label = "position {I} is past the end",
    note = "a tensor of rank R accepts a new axis at positions 0 to R"
)]
pub trait InsertAxis<const I: usize>: Shape {
    /// The shape with `D` inserted at position `I`.
    type Inserted<D: Dimension>: Shape;
}

macro_rules! axis {
    ($i:literal; [$($d:ident),*]; $sel:ident; [$($rem:ident),*]; [$($rep:ident),*]) => {
        #[diagnostic::do_not_recommend]
        impl<$($d: Dimension),*> HasAxis<$i> for ($($d,)*) {
            type Dim = $sel;
            type Removed = ($($rem,)*);
            type Replaced<X: Dimension> = ($($rep,)*);
        }
    };
}
macro_rules! insert_axis {
    ($i:literal; [$($d:ident),*]; [$($ins:ident),*]) => {
        #[diagnostic::do_not_recommend]
        impl<$($d: Dimension),*> InsertAxis<$i> for ($($d,)*) {
            type Inserted<X: Dimension> = ($($ins,)*);
        }
    };
}
include!("axis_table.rs");

/// A `u8` mask of shape `Self` that can choose between tensors of shape `S` (its dims equal
/// to theirs, runtime dims checked later); `Output` is `S`.
///
/// Holds whenever `Self: SameShape<S>`: generic code may state either bound. (Its own
/// trait so that a wrong mask is one short error at the call.)
#[diagnostic::on_unimplemented(
    message = "a mask of shape `{Self}` cannot choose between tensors of shape `{S}`",
    label = "the mask must have the tensors' shape"
)]
pub trait MaskFits<S: Shape>: Shape {
    /// The shape of the tensors chosen from (`S`).
    type Output: Shape;
}
#[diagnostic::do_not_recommend]
impl<M: SameShape<S>, S: Shape> MaskFits<S> for M {
    type Output = S;
}
