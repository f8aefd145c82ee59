//! The dimension algebra: dims, shapes, the rules between them and the runtime error.
//!
//! * [`Dim<N>`] is a size known to the compiler; `usize` is a size known at run time;
//!   [`One`] is a size-1 axis that stretches when broadcasting.
//! * A [`Shape`] is a tuple of dims, `()` to six axes: `(usize, Dim<28>, Dim<28>)`.
//! * Equality relations (products, element-wise ops, broadcasting, layer wiring, axes) are
//!   traits in [`rules`], checked by `cargo check`.
//! * Arithmetic relations (reshape element counts, slice bounds) are const evaluations,
//!   checked by `cargo build`.
//! * Anything involving a runtime dim is checked when the program runs and reported as a
//!   [`ShapeError`].

pub(crate) mod checks;
mod dim;
mod error;
pub(crate) mod message;
pub mod rules;
mod shape;
mod user_rule;

pub use dim::{Dim, Dimension, NotOne, One, SizeOne};
pub use error::ShapeError;
pub use shape::{ConstDim, MAX_RANK, RUNTIME, Shape, StaticShape};
pub(crate) use shape::{checked_len, checked_numel, fmt_dims};
