//! Element types: `f32`, `f64`, `u8` (images), integer labels.

use core::fmt::{Debug, Display};
use core::iter::Sum;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Sub, SubAssign};

use num_traits::{NumCast, One, Zero};

/// An element type a tensor can hold.
pub trait Dtype:
    Copy
    + Default
    + PartialEq
    + PartialOrd
    + Debug
    + Display
    + Send
    + Sync
    + 'static
    + NumCast
    + Zero
    + One
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Sum
{
    /// numpy's name for the type: `"float32"`, `"uint8"`, ...
    const NAME: &'static str;
}

macro_rules! dtype {
    ($($t:ty => $name:literal),*) => {$(
        impl Dtype for $t {
            const NAME: &'static str = $name;
        }
    )*};
}
dtype!(f32 => "float32", f64 => "float64", u8 => "uint8", u16 => "uint16", u32 => "uint32",
       i32 => "int32", i64 => "int64", usize => "uint64");

/// A floating-point element type: the math of neural networks, and matrix products.
///
/// Implemented for `f32` and `f64`; sealed (its product kernels are crate-private).
pub trait Float:
    Dtype + num_traits::Float + num_traits::FloatConst + crate::kernels::GemmElement
{
}

impl Float for f32 {}
impl Float for f64 {}
