//! A per-thread scratch buffer for inference passes that need a temporary as large as
//! their input (a convolution's patch matrix): reused from call to call, so classifying
//! one image after another does not allocate, zero-fill and free it each time (the heap
//! then grows and shrinks, and every new page faults: a fifth of a single image's
//! convnet inference). Training keeps its buffers in the layer's cache instead.

use std::any::Any;
use std::cell::RefCell;

use crate::tensor::Float;

/// Buffers of more values than this are freed after use rather than kept: a large batch
/// must not leave its patch matrix behind for the life of the thread.
const KEEP_MAX: usize = 1 << 20;

thread_local! {
    static SCRATCH: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

/// Calls `f` with this thread's scratch vector of `E` (contents and length unspecified:
/// `f` sizes it and overwrites what it reads). A nested call gets a fresh vector.
pub(crate) fn with_scratch<E: Float, R>(f: impl FnOnce(&mut Vec<E>) -> R) -> R {
    SCRATCH.with(|cell| {
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return f(&mut Vec::new());
        };
        if !slot.as_ref().is_some_and(|b| b.is::<Vec<E>>()) {
            *slot = Some(Box::new(Vec::<E>::new()));
        }
        let buffer = slot
            .as_mut()
            .and_then(|b| b.downcast_mut::<Vec<E>>())
            .expect("a vector of this type was just stored");
        let result = f(buffer);
        if buffer.capacity() > KEEP_MAX {
            *buffer = Vec::new();
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_is_kept_between_calls_unless_large() {
        let ptr = with_scratch(|v: &mut Vec<f32>| {
            v.resize(100, 1.0);
            v.as_ptr() as usize
        });
        assert_eq!(
            with_scratch(|v: &mut Vec<f32>| (v.len(), v.as_ptr() as usize)),
            (100, ptr)
        );
        with_scratch(|v: &mut Vec<f32>| v.resize(KEEP_MAX + 1, 0.0));
        assert_eq!(
            with_scratch(|v: &mut Vec<f32>| v.capacity()),
            0,
            "a large buffer is freed"
        );
    }

    #[test]
    fn element_types_and_nested_calls_get_their_own_vectors() {
        with_scratch(|v: &mut Vec<f32>| v.resize(3, 2.0));
        assert_eq!(with_scratch(|v: &mut Vec<f64>| v.len()), 0);
        let (outer, inner) = with_scratch(|outer: &mut Vec<f64>| {
            outer.resize(5, 1.0);
            (
                outer.len(),
                with_scratch(|inner: &mut Vec<f64>| inner.len()),
            )
        });
        assert_eq!((outer, inner), (5, 0));
    }
}
