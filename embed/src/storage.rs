//! Boxed weight storage built on the heap directly (the `alloc` feature): a 784 x 512 matrix
//! would overflow a thread's stack as a temporary.

use alloc::boxed::Box;
use alloc::vec::Vec;

/// A boxed `[[f32; C]; R]` filled from row-major `values`. `None` when
/// `values.len() != R * C`.
pub fn boxed_matrix<const R: usize, const C: usize>(values: &[f32]) -> Option<Box<[[f32; C]; R]>> {
    if values.len() != R.checked_mul(C)? {
        return None;
    }
    let rows: Vec<[f32; C]> = values.as_chunks::<C>().0.to_vec();
    rows.into_boxed_slice().try_into().ok()
}

/// A boxed `[f32; N]` from `values`; `None` when the length differs.
pub fn boxed_vector<const N: usize>(values: &[f32]) -> Option<Box<[f32; N]>> {
    Box::<[f32]>::from(values).try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxed_storage_checks_lengths() {
        assert!(boxed_matrix::<2, 3>(&[0.0; 5]).is_none());
        let m = boxed_matrix::<2, 3>(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        assert_eq!(m[1], [4.0, 5.0, 6.0]);
        assert!(boxed_vector::<3>(&[1.0; 2]).is_none());
        // A full MNIST kernel, built without a stack temporary (debug test threads have 2 MiB).
        let big = boxed_matrix::<784, 512>(&alloc::vec![0.5; 784 * 512]).unwrap();
        assert_eq!(big[783][511], 0.5);
    }
}
