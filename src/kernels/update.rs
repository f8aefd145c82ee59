//! Element-wise updates of large tensors (an optimizer's step) split over the pool.

use super::pool::{num_threads, run};

/// Two mutable slices and one shared slice of the same length, shared by the parts of
/// [`par_update`] (each part touches only its own range).
struct Slices<E> {
    a: *mut E,
    b: *mut E,
    c: *const E,
}

impl<E> Slices<E> {
    /// The three slices' ranges `start..start + n`.
    ///
    /// # Safety
    /// The range must lie inside the slices, and no other live reference may cover it.
    #[allow(clippy::mut_from_ref)] // disjoint ranges are the caller's contract
    unsafe fn range(&self, start: usize, n: usize) -> (&mut [E], &mut [E], &[E]) {
        // SAFETY: the caller's contract.
        unsafe {
            (
                std::slice::from_raw_parts_mut(self.a.add(start), n),
                std::slice::from_raw_parts_mut(self.b.add(start), n),
                std::slice::from_raw_parts(self.c.add(start), n),
            )
        }
    }
}

// SAFETY: parts use disjoint ranges of `a` and `b` (see `par_update`), `c` is only read,
// and `par_update` does not return before every part has finished.
unsafe impl<E: Send + Sync> Sync for Slices<E> {}

/// Calls `f` on matching chunks of `a`, `b` and `c` (all of one length), in parallel when
/// they are long enough: element-wise updates such as an optimizer's, over large tensors.
pub(crate) fn par_update<E: Send + Sync>(
    a: &mut [E],
    b: &mut [E],
    c: &[E],
    f: &(dyn Fn(&mut [E], &mut [E], &[E]) + Sync),
) {
    const MIN_CHUNK: usize = 1 << 15;
    let len = a.len();
    assert!(
        b.len() == len && c.len() == len,
        "par_update: slices of different lengths"
    );
    let parts = num_threads().min(len / MIN_CHUNK).max(1);
    if parts == 1 {
        f(a, b, c);
        return;
    }
    let chunk = len.div_ceil(parts);
    let shared = Slices {
        a: a.as_mut_ptr(),
        b: b.as_mut_ptr(),
        c: c.as_ptr(),
    };
    run(parts, &|p| {
        let start = (p * chunk).min(len);
        let n = chunk.min(len - start);
        // SAFETY: the ranges start..start + n of the parts are disjoint and inside the
        // slices (of length `len`), which stay borrowed until `run` returns.
        let (a, b, c) = unsafe { shared.range(start, n) };
        f(a, b, c);
    });
}

#[cfg(test)]
mod tests {
    use super::par_update;

    #[test]
    fn par_update_covers_every_element_once() {
        // Two threads even on a one-core runner, so that the split itself is exercised.
        crate::kernels::set_num_threads(2);
        let n = (1 << 16) + 3;
        let mut a = vec![0u32; n];
        let mut b = vec![0u32; n];
        let c: Vec<u32> = (0..n as u32).collect();
        par_update(&mut a, &mut b, &c, &|a, b, c| {
            for ((x, y), &z) in a.iter_mut().zip(b.iter_mut()).zip(c) {
                *x += z;
                *y += 1;
            }
        });
        assert!(a.iter().zip(&c).all(|(x, z)| x == z));
        assert!(b.iter().all(|&y| y == 1));
    }
}
