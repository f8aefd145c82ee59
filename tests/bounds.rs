//! Element counts and offsets that overflow `usize` are errors, never wrapped values that a
//! kernel would then trust (issue: reads and writes outside a buffer from safe code).

use shaped::{Dim, Shape, Tensor};

#[test]
fn from_vec_refuses_a_shape_whose_count_wraps_to_the_data_length() {
    // (2^63 + 1) * 2 wraps to 2: an unchecked product accepted these two values.
    let err =
        Tensor::<(usize, Dim<2>)>::try_from_vec(((1 << 63) + 1, Dim), vec![1.0; 2]).unwrap_err();
    assert!(err.is_too_large(), "{err}");
    assert_eq!(
        err.to_string(),
        "from_vec: shape [9223372036854775809, 2] is too large (its element count overflows usize)"
    );
}

#[test]
fn from_vec_refuses_a_count_whose_bytes_exceed_the_address_space() {
    // 2^62 f32 values fit in usize as a count but not as bytes.
    let err = Tensor::<(usize,)>::try_from_vec((1 << 62,), vec![]).unwrap_err();
    assert!(err.is_too_large(), "{err}");
    assert!(
        err.to_string().contains("exceed the address space"),
        "{err}"
    );
}

#[test]
fn reshape_of_an_empty_tensor_to_a_shape_that_wraps_to_zero_is_refused() {
    let empty = Tensor::<(usize,)>::zeros((0,));
    let err = empty.try_reshape((1usize << 32, 1usize << 32)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "reshape: incompatible shapes [0] and [4294967296, 4294967296] (0 elements into more than usize can count)"
    );
}

#[test]
fn zeros_of_an_impossible_shape_is_an_error_or_a_clear_panic() {
    let err = Tensor::<(usize, Dim<2>)>::try_zeros((usize::MAX, Dim)).unwrap_err();
    assert!(err.is_too_large());
    let panic = std::panic::catch_unwind(|| Tensor::<(usize, Dim<2>)>::zeros((usize::MAX, Dim)))
        .unwrap_err();
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.starts_with("zeros: shape [18446744073709551615, 2] is too large"));
}

#[test]
fn a_product_whose_output_count_overflows_is_an_error() {
    // (2, 0) . (0, n): no element is read, but the output would hold 2 * n values.
    let a = Tensor::<(usize, usize)>::zeros((2, 0));
    let b = Tensor::<(usize, usize)>::zeros((0, usize::MAX));
    let err = a.try_matmul(&b).unwrap_err();
    assert!(err.is_too_large(), "{err}");
    // The transposed view takes the same checks.
    let bt = Tensor::<(usize, usize)>::zeros((usize::MAX, 0));
    assert!(a.try_matmul(bt.t()).unwrap_err().is_too_large());
}

#[test]
fn empty_tensors_with_huge_dims_are_fine() {
    // The element count is 0 whatever the other sizes: numpy allows these too.
    let t = Tensor::<(usize, usize, usize)>::zeros((1 << 40, 1 << 40, 0));
    assert_eq!(t.len(), 0);
    assert_eq!((1usize << 40, 1usize << 40, 0usize).try_numel(), Some(0));
    // Strides saturate instead of wrapping, and no element is ever addressed.
    assert_eq!(t.shape().strides(), [0, 0, 1]);
    let sums = Tensor::<(usize, usize, usize)>::zeros((0, 1 << 40, 1 << 40));
    assert_eq!(sums.shape().strides(), [usize::MAX, 1 << 40, 1]);
    assert_eq!(sums.sum_axis::<1>().len(), 0);
    let narrowed = t.try_rows(0..1 << 39).unwrap();
    assert_eq!(narrowed.shape_dims(), [1 << 39, 1 << 40, 0]);
    let a = Tensor::<(usize, usize)>::zeros((0, 1 << 40));
    let b = Tensor::<(usize, usize)>::zeros((1 << 40, 0));
    assert_eq!(a.matmul(&b).shape_dims(), [0, 0]);
}

#[test]
fn broadcasting_to_a_count_that_overflows_is_an_error() {
    let a = Tensor::<(usize, usize, usize)>::zeros((0, 1, 1));
    let b = Tensor::<(usize, usize)>::zeros((1, 0));
    // (0, 1, 1) with (1, 0) broadcasts to (0, 1, 0): fine, and empty.
    assert_eq!(a.try_add(&b).unwrap().shape_dims(), [0, 1, 0]);
}

#[test]
fn select_rows_checks_the_output_count() {
    let x = Tensor::<(usize, Dim<3>)>::zeros((2, Dim));
    assert_eq!(x.try_select_rows(&[1, 1, 0]).unwrap().shape_dims(), [3, 3]);
}
