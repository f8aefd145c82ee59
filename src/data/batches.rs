//! Batches over a data set: in order (the chapter's `BatchGenerator`) or shuffled per epoch.

use core::ops::Range;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// Index ranges of consecutive batches; the last one is shorter when `len` is not a
/// multiple of `batch_size`.
///
/// ```
/// let sizes: Vec<usize> = shaped::data::batches(300, 128).map(|r| r.len()).collect();
/// assert_eq!(sizes, [128, 128, 44]);
/// ```
pub fn batches(len: usize, batch_size: usize) -> Batches {
    assert!(batch_size > 0, "batch_size must be positive");
    Batches {
        next: 0,
        len,
        batch_size,
    }
}

/// Iterator returned by [`batches`].
#[derive(Clone, Debug)]
pub struct Batches {
    next: usize,
    len: usize,
    batch_size: usize,
}

impl Iterator for Batches {
    type Item = Range<usize>;
    fn next(&mut self) -> Option<Range<usize>> {
        (self.next < self.len).then(|| {
            let start = self.next;
            self.next = (start + self.batch_size).min(self.len);
            start..self.next
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = (self.len - self.next).div_ceil(self.batch_size);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Batches {}

/// A permutation of `0..len` for one epoch: the same `(seed, epoch)` gives the same order.
pub fn epoch_permutation(len: usize, seed: u64, epoch: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut rng = StdRng::seed_from_u64(seed ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    order.shuffle(&mut rng);
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_hint_counts_the_batches_left() {
        let mut b = batches(300, 128);
        assert_eq!((b.size_hint(), b.len()), ((3, Some(3)), 3));
        b.next();
        assert_eq!(b.size_hint(), (2, Some(2)));
        b.next();
        b.next();
        assert_eq!(b.size_hint(), (0, Some(0)));
        assert_eq!(b.next(), None);
        assert_eq!(batches(256, 128).size_hint(), (2, Some(2)));
        assert_eq!(batches(0, 5).size_hint(), (0, Some(0)));
    }

    #[test]
    fn every_epoch_and_seed_has_its_own_order() {
        let sorted: Vec<usize> = (0..40).collect();
        // Seeds whose bits are all clear or all set catch a seed-epoch mix that is not
        // a full bit mix (`&` or `|` in place of `^` would give one order for every epoch).
        for seed in [0, 1, 7, u64::MAX] {
            let orders: Vec<Vec<usize>> = (0..4).map(|e| epoch_permutation(40, seed, e)).collect();
            for (e, order) in orders.iter().enumerate() {
                let mut check = order.clone();
                check.sort_unstable();
                assert_eq!(check, sorted, "a permutation (seed {seed}, epoch {e})");
                assert_eq!(
                    order,
                    &epoch_permutation(40, seed, e as u64),
                    "reproducible"
                );
                for later in &orders[e + 1..] {
                    assert_ne!(order, later, "seed {seed}: two epochs share an order");
                }
            }
        }
        assert_ne!(epoch_permutation(40, 1, 0), epoch_permutation(40, 2, 0));
    }
}
