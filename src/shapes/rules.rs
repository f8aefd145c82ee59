//! Shape rules as named traits: each one is a relation the compiler checks.
//!
//! An unsatisfied rule is a compile error carrying the rule's own message and the dims
//! involved. Relations between a static and a runtime dim type-check and are verified
//! when the program runs (the `try_*` methods). Where both must be equal (`SameDim`) the
//! static dim wins in the result type; in broadcasting a runtime dim wins, since the static
//! side may be a stretched size-1 axis.

use super::dim::{Dim, Dimension};
use super::shape::Shape;

/// Two dims that must be equal: matmul's inner dims, element-wise operands, layer wiring.
///
/// `Output` is the representative: the static dim when one side is static.
#[diagnostic::on_unimplemented(
    message = "dimension mismatch: `{Self}` is not `{Rhs}`",
    label = "these dimensions must be equal",
    note = "the inner dims of a product, and the dims of an element-wise operation, must agree"
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
#[diagnostic::do_not_recommend]
impl<const N: usize> SameDim<usize> for Dim<N> {
    type Output = Dim<N>;
}
#[diagnostic::do_not_recommend]
impl<const N: usize> SameDim<Dim<N>> for usize {
    type Output = Dim<N>;
}

/// Two dims that broadcast together under numpy's rule: equal, or one of them is 1.
///
/// A size-1 static dim stretches to any static size up to 1024 and to the powers of two
/// up to 65536 (a table: an output dim cannot be computed from const generics on stable
/// Rust). A runtime dim broadcasts with anything and is checked when the program runs.
#[diagnostic::on_unimplemented(
    message = "cannot broadcast `{Self}` with `{Rhs}`",
    label = "sizes must be equal or one of them 1",
    note = "numpy rule: shapes align on their last axis; each pair of sizes is equal or contains a 1"
)]
pub trait BroadcastDim<Rhs: Dimension>: Dimension {
    /// The broadcast size.
    type Output: Dimension;
}

// Every dim broadcasts with itself (generic dims included, as for `SameDim`).
impl<D: Dimension> BroadcastDim<D> for D {
    type Output = D;
}
// A runtime dim against a static one gives a runtime dim: the static side may be a size-1
// axis that stretches to the runtime size (`(usize, Dim<10>) + (Dim<1>, Dim<10>)` has the
// runtime batch), and a const generic cannot tell 1 from other sizes here.
#[diagnostic::do_not_recommend]
impl<const N: usize> BroadcastDim<usize> for Dim<N> {
    type Output = usize;
}
#[diagnostic::do_not_recommend]
impl<const N: usize> BroadcastDim<Dim<N>> for usize {
    type Output = usize;
}

/// A dim of an in-place operation's right operand that fits the left operand's dim
/// `Target`: equal, a size-1 dim that stretches, or a runtime dim (checked when the program
/// runs). Unlike [`BroadcastDim`], the result always has the left operand's dim.
#[diagnostic::on_unimplemented(
    message = "cannot broadcast `{Self}` into `{Target}` in place",
    label = "the right operand's size must equal the left's, or be 1",
    note = "in `a += b` the result keeps `a`'s shape: each of `b`'s sizes equals `a`'s or is 1"
)]
pub trait BroadcastsInto<Target: Dimension>: Dimension {}

impl<D: Dimension> BroadcastsInto<D> for D {}
#[diagnostic::do_not_recommend]
impl<const N: usize> BroadcastsInto<usize> for Dim<N> {}
#[diagnostic::do_not_recommend]
impl<const N: usize> BroadcastsInto<Dim<N>> for usize {}

// The stretch table's impls are not listed in errors: a thousand lines of `Dim<1>`
// implements ... would bury the message.
macro_rules! stretch_one {
    ($($n:literal)*) => {$(
        #[diagnostic::do_not_recommend]
        impl BroadcastDim<Dim<$n>> for Dim<1> {
            type Output = Dim<$n>;
        }
        #[diagnostic::do_not_recommend]
        impl BroadcastDim<Dim<1>> for Dim<$n> {
            type Output = Dim<$n>;
        }
        #[diagnostic::do_not_recommend]
        impl BroadcastsInto<Dim<$n>> for Dim<1> {}
    )*};
}
include!("stretch_table.rs");

/// A shape that broadcasts into `Target` in place (`target op= self`): at most `Target`'s
/// rank, aligned on the last axis, each dim [`BroadcastsInto`] the target's.
#[diagnostic::on_unimplemented(
    message = "cannot broadcast shape `{Self}` into `{Target}` in place",
    label = "this operand does not broadcast into the left one's shape",
    note = "in `a += b` the result keeps `a`'s shape: `b` has at most `a`'s rank, each size equal to `a`'s or 1"
)]
pub trait BroadcastInto<Target: Shape>: Shape {}

macro_rules! broadcast_into {
    ([$($t:ident),*], [$($r:ident),*], [$(($a:ident, $b:ident)),*]) => {
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
    note = "numpy rule: shapes align on their last axis; each pair of sizes is equal or contains a 1"
)]
pub trait Broadcast<Rhs: Shape>: Shape {
    /// The shape of the result.
    type Output: Shape;
}

macro_rules! broadcast {
    ([$($l:ident),*], [$($r:ident),*], [$($lead:ident),*], [$(($a:ident, $b:ident)),*]) => {
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
    label = "no product rule for these ranks",
    note = "supported: (K)x(K), (M,K)x(K), (K)x(K,N), (M,K)x(K,N), (B,M,K)x(K,N)"
)]
pub trait MatMul<Rhs: Shape>: Shape {
    /// The shape of the product.
    type Output: Shape;
}

impl<K: SameDim<K2>, K2: Dimension> MatMul<(K2,)> for (K,) {
    type Output = ();
}
impl<M: Dimension, K: SameDim<K2>, K2: Dimension> MatMul<(K2,)> for (M, K) {
    type Output = (M,);
}
impl<K: SameDim<K2>, K2: Dimension, N: Dimension> MatMul<(K2, N)> for (K,) {
    type Output = (N,);
}
impl<M: Dimension, K: SameDim<K2>, K2: Dimension, N: Dimension> MatMul<(K2, N)> for (M, K) {
    type Output = (M, N);
}
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
        impl<$($d: Dimension),*> HasAxis<$i> for ($($d,)*) {
            type Dim = $sel;
            type Removed = ($($rem,)*);
            type Replaced<X: Dimension> = ($($rep,)*);
        }
    };
}
macro_rules! insert_axis {
    ($i:literal; [$($d:ident),*]; [$($ins:ident),*]) => {
        impl<$($d: Dimension),*> InsertAxis<$i> for ($($d,)*) {
            type Inserted<X: Dimension> = ($($ins,)*);
        }
    };
}
include!("axis_table.rs");
