//! Weights stored from the start of a cache line, so that a 512-bit load of a whole
//! register touches one line instead of two. A large allocation of an array starts 16 bytes
//! past a line (glibc's chunk header). Measured here: one core reading a 784x256 f32 kernel
//! (each core's share of the chapter's hidden layer) took 8.1-8.6 us from a line boundary
//! and 9.7-12 us from 16 bytes past one; the chapter's 784x512 int8 layer 6.1-6.8 us and
//! 8.6-10.2 us.

use std::ops::{Deref, DerefMut};

/// A value stored from the start of a 64-byte cache line: fixed-size weights whose rows
/// the SIMD kernels read a line at a time. Reads and writes as the value itself.
///
/// ```
/// use shaped::embed::CacheAligned;
/// let w = Box::new(CacheAligned([[1.0f32; 4]; 2]));
/// assert_eq!(w[1][3], 1.0);
/// assert_eq!(w.as_ptr() as usize % 64, 0);
/// ```
#[repr(C, align(64))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CacheAligned<T>(pub T);

impl<T> Deref for CacheAligned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for CacheAligned<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// Arrays (of any depth) of `f32` or `i8`: the values [`CacheAligned::boxed_zeroed`] can
/// build, since all-zero bytes are one of them. Sealed.
pub trait Zeroable: private::Sealed {}

mod private {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for i8 {}
    impl<T: Sealed, const N: usize> Sealed for [T; N] {}
}

impl Zeroable for f32 {}
impl Zeroable for i8 {}
impl<T: Zeroable, const N: usize> Zeroable for [T; N] {}

impl<T: Zeroable> CacheAligned<T> {
    /// A zeroed value on the heap, written there directly: a 1.6 MB kernel never passes
    /// through the stack, as it may with `Box::new(CacheAligned(array))`.
    ///
    /// ```
    /// use shaped::embed::CacheAligned;
    /// let mut kernel = CacheAligned::<[[f32; 512]; 784]>::boxed_zeroed();
    /// kernel.as_flattened_mut().fill(0.5);
    /// assert_eq!(kernel[783][511], 0.5);
    /// ```
    pub fn boxed_zeroed() -> Box<Self> {
        // SAFETY: `T` is an array of f32 or i8 (`Zeroable` is sealed to those), for which
        // all zero bytes are the value 0; `CacheAligned` adds only alignment.
        unsafe { Box::<Self>::new_zeroed().assume_init() }
    }
}

/// One cache line of values.
type Line = CacheAligned<[f32; LINE]>;

/// Values per cache line.
const LINE: usize = 16;

// The lines are contiguous f32 values: no padding inside or between them.
const _: () = assert!(size_of::<Line>() == LINE * size_of::<f32>());

/// A fixed number of f32 values whose first value starts a cache line.
pub(crate) struct AlignedF32 {
    lines: Box<[Line]>,
    len: usize,
}

impl AlignedF32 {
    /// A copy of `values`.
    pub(crate) fn from_slice(values: &[f32]) -> Self {
        let lines = values
            .chunks(LINE)
            .map(|chunk| {
                let mut line = CacheAligned([0.0; LINE]);
                line.0[..chunk.len()].copy_from_slice(chunk);
                line
            })
            .collect();
        AlignedF32 {
            lines,
            len: values.len(),
        }
    }

    /// The values.
    pub(crate) fn as_slice(&self) -> &[f32] {
        // SAFETY: `CacheAligned` is `repr(C)` and a line has no padding (asserted above), so the lines are
        // `lines.len() * LINE` initialized, contiguous f32 values, and `from_slice` made
        // `len <= lines.len() * LINE`; the slice borrows `self`.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast::<f32>(), self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::{AlignedF32, CacheAligned};

    #[test]
    fn boxed_values_are_zero_and_start_a_line() {
        let w = CacheAligned::<[[f32; 300]; 7]>::boxed_zeroed();
        assert!(w.as_flattened().iter().all(|&v| v == 0.0));
        assert_eq!(w.as_ptr() as usize % 64, 0);
        let q = CacheAligned::<[[[[i8; 3]; 5]; 2]; 2]>::boxed_zeroed();
        assert!(
            q.as_flattened()
                .as_flattened()
                .as_flattened()
                .iter()
                .all(|&v| v == 0)
        );
        assert_eq!(q.as_ptr() as usize % 64, 0);
        let empty = CacheAligned::<[[f32; 0]; 4]>::boxed_zeroed();
        assert_eq!(empty.len(), 4);
    }

    #[test]
    fn holds_exactly_the_values_from_a_line_boundary() {
        for len in [0, 1, 15, 16, 17, 33, 1000] {
            let values: Vec<f32> = (0..len).map(|i| i as f32 * 0.5 - 3.0).collect();
            let aligned = AlignedF32::from_slice(&values);
            assert_eq!(aligned.as_slice(), &values[..]);
            assert_eq!(aligned.as_slice().as_ptr() as usize % 64, 0, "{len} values");
        }
    }
}
