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
pub trait Float: Dtype + num_traits::Float + num_traits::FloatConst {
    /// `C = alpha * A.B + beta * C` on strided matrices (shaped's f32 kernels where the CPU
    /// has them, matrixmultiply otherwise).
    ///
    /// # Safety
    /// For every `i < m, l < k, j < n`, the offsets `i*rsa + l*csa`, `l*rsb + j*csb` and
    /// `i*rsc + j*csc` must lie inside the allocations behind `a`, `b` and `c`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    );
}

impl Float for f32 {
    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: f32,
        a: *const f32,
        rsa: isize,
        csa: isize,
        b: *const f32,
        rsb: isize,
        csb: isize,
        beta: f32,
        c: *mut f32,
        rsc: isize,
        csc: isize,
    ) {
        let own = crate::ops::sgemm::available()
            && alpha == 1.0
            && csc == 1
            && [rsa, csa, rsb, csb, rsc].iter().all(|&s| s >= 0);
        if own {
            let a = crate::ops::sgemm::Strided {
                ptr: a,
                rs: rsa as usize,
                cs: csa as usize,
            };
            let b = crate::ops::sgemm::Strided {
                ptr: b,
                rs: rsb as usize,
                cs: csb as usize,
            };
            // SAFETY: forwarded contract of `Float::gemm` (every element addressable), the
            // kernel is available, and the strides are non-negative.
            unsafe { crate::ops::sgemm::sgemm(m, k, n, a, b, beta, c, rsc as usize) }
        } else {
            // SAFETY: forwarded contract of `Float::gemm`.
            unsafe {
                matrixmultiply::sgemm(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc)
            }
        }
    }
}

impl Float for f64 {
    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: f64,
        a: *const f64,
        rsa: isize,
        csa: isize,
        b: *const f64,
        rsb: isize,
        csb: isize,
        beta: f64,
        c: *mut f64,
        rsc: isize,
        csc: isize,
    ) {
        // SAFETY: forwarded contract of `Float::gemm`.
        unsafe {
            matrixmultiply::dgemm(m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc)
        }
    }
}
