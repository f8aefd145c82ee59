//! Weights stored from the start of a cache line, so that a 512-bit load of a whole
//! register touches one line instead of two. A large allocation of an array starts 16 bytes
//! past a line (glibc's chunk header). Measured here: one core reading a 784x256 f32 kernel
//! (each core's share of the chapter's hidden layer) took 8.1-8.6 us from a line boundary
//! and 9.7-12 us from 16 bytes past one; the chapter's 784x512 int8 layer 6.1-6.8 us and
//! 8.6-10.2 us.

use std::alloc::Layout;
use std::mem::MaybeUninit;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

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

/// Arrays (of any depth) of `f32`, `i8` or [`Bf16`](shaped_embed::Bf16): the values
/// [`CacheAligned::boxed_zeroed`] can build, since all-zero bytes are one of them. Sealed.
pub trait Zeroable: private::Sealed {}

mod private {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for i8 {}
    impl Sealed for shaped_embed::Bf16 {}
    impl<T: Sealed, const N: usize> Sealed for [T; N] {}
}

impl Zeroable for f32 {}
impl Zeroable for i8 {}
impl Zeroable for shaped_embed::Bf16 {}
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
        // SAFETY: `T` is an array of f32, i8 or Bf16 (`Zeroable` is sealed to those; Bf16
        // is a `repr(transparent)` u16), for which all zero bytes are the value 0;
        // `CacheAligned` adds only alignment.
        unsafe { Box::<Self>::new_zeroed().assume_init() }
    }
}

/// The alignment of an [`AlignedVec`] of at least [`LINE_FROM`] bytes: a 64-byte cache line.
const LINE_BYTES: usize = 64;

/// Allocations from this many bytes on start a cache line; smaller ones keep the element's
/// own alignment. An aligned allocation and its release cost glibc 35-60 ns more (measured:
/// 49 against 14 ns for 40 bytes, 73 against 38 ns for 2 KB), a price only large arrays
/// repay.
const LINE_FROM: usize = 4096;

/// A growable array whose first element starts a cache line once it has room for 4 KB: the
/// storage of every tensor. A `Vec` of a large size starts 16 bytes past a line (glibc's
/// chunk header), so a 512-bit load of one of its rows touches two lines. Measured here:
/// the typed model's 784x512 kernel on one sample, two threads, 8.9-9.1 us from a line
/// and 10.8-11.5 us from 32 bytes past one (interleaved in one process).
pub(crate) struct AlignedVec<E: Copy> {
    ptr: NonNull<E>,
    len: usize,
    cap: usize,
}

// SAFETY: an `AlignedVec` owns its values like a `Vec` does; sharing or sending it shares
// or sends only those values.
unsafe impl<E: Copy + Send> Send for AlignedVec<E> {}
// SAFETY: as above.
unsafe impl<E: Copy + Sync> Sync for AlignedVec<E> {}

impl<E: Copy> AlignedVec<E> {
    /// No values, no allocation.
    pub(crate) fn new() -> Self {
        AlignedVec {
            ptr: NonNull::dangling(),
            len: 0,
            cap: 0,
        }
    }

    /// `len` copies of `value`. Panics when `len` values do not fit in memory.
    #[track_caller]
    pub(crate) fn filled(value: E, len: usize) -> Self {
        let mut v = Self::new();
        v.resize(len, value);
        v
    }

    /// A copy of `values`.
    pub(crate) fn from_slice(values: &[E]) -> Self {
        let mut v = Self::new();
        v.reserve_exact(values.len());
        // SAFETY: the allocation holds `values.len()` elements (reserved above) and is a
        // new one, so it does not overlap `values`; all of them are written before `len`
        // says so.
        unsafe {
            std::ptr::copy_nonoverlapping(values.as_ptr(), v.ptr.as_ptr(), values.len());
        }
        v.len = values.len();
        v
    }

    /// Appends `value`, growing the allocation when it is full.
    #[track_caller]
    pub(crate) fn push(&mut self, value: E) {
        self.reserve(1);
        // SAFETY: len < cap after `reserve`, so the slot is inside the allocation.
        unsafe { self.ptr.as_ptr().add(self.len).write(value) };
        self.len += 1;
    }

    /// Appends a copy of `values`, growing the allocation when it is too small.
    #[track_caller]
    pub(crate) fn extend_from_slice(&mut self, values: &[E]) {
        self.reserve(values.len());
        // SAFETY: `reserve` made room for `values.len()` more values after the first `len`;
        // `values` cannot lie in that uninitialized room (a shared borrow of it would be
        // a borrow of initialized values), so the ranges do not overlap.
        unsafe {
            let end = self.ptr.as_ptr().add(self.len);
            std::ptr::copy_nonoverlapping(values.as_ptr(), end, values.len());
        }
        self.len += values.len();
    }

    /// Room for `additional` more values, at least doubling the capacity when it grows,
    /// so that repeated appends copy each value a bounded number of times.
    #[track_caller]
    fn reserve(&mut self, additional: usize) {
        if self.cap - self.len >= additional {
            return;
        }
        let doubled = self.cap.saturating_mul(2).max(4);
        let needed = self
            .len
            .checked_add(additional)
            .expect("capacity overflow: more values than fit in memory");
        self.reserve_exact(needed.max(doubled) - self.len);
    }

    /// Sets the length to `len`, keeping the first values; new ones are `value`. Keeps the
    /// allocation when it is large enough, else grows it at least twofold (as `Vec` does),
    /// so that a buffer resized upwards step by step is copied a bounded number of times.
    #[track_caller]
    pub(crate) fn resize(&mut self, len: usize, value: E) {
        if len > self.len {
            self.reserve(len - self.len);
            for i in self.len..len {
                // SAFETY: i < len <= cap (reserved above).
                unsafe { self.ptr.as_ptr().add(i).write(value) };
            }
        }
        self.len = len;
    }

    /// No values, room for `cap` of them. Panics when they do not fit in memory.
    #[track_caller]
    pub(crate) fn with_capacity(cap: usize) -> Self {
        let mut v = Self::new();
        v.reserve_exact(cap);
        v
    }

    /// `len` copies of `value`, or `None` when the size overflows or the allocator fails.
    pub(crate) fn try_filled(value: E, len: usize) -> Option<Self> {
        let mut v = Self::new();
        v.try_reserve_exact(len)?;
        v.resize(len, value);
        Some(v)
    }

    /// Makes room for at least `additional` more values than the current length (see
    /// [`try_reserve_exact`](Self::try_reserve_exact)). Panics when the size overflows;
    /// reports a failed allocation like `Vec` does.
    #[track_caller]
    fn reserve_exact(&mut self, additional: usize) {
        let cap = self
            .len
            .checked_add(additional)
            .expect("capacity overflow: more values than fit in memory");
        if self.try_reserve_exact(additional).is_none() {
            std::alloc::handle_alloc_error(Self::layout(cap))
        }
    }

    /// Makes room for at least `additional` more values than the current length: a new
    /// allocation of exactly that size, the values moved over, when the current one is too
    /// small. `None` (nothing changed) when the size overflows or the allocator fails.
    fn try_reserve_exact(&mut self, additional: usize) -> Option<()> {
        let cap = self.len.checked_add(additional)?;
        if cap <= self.cap {
            return Some(());
        }
        let layout = Self::try_layout(cap)?;
        let ptr = if layout.size() == 0 {
            NonNull::dangling()
        } else {
            // SAFETY: the layout has a non-zero size.
            let raw = unsafe { std::alloc::alloc(layout) }.cast::<E>();
            let ptr = NonNull::new(raw)?;
            // SAFETY: the old allocation holds `len` initialized values, the new one room
            // for `cap > len`; they are different allocations.
            unsafe { std::ptr::copy_nonoverlapping(self.ptr.as_ptr(), ptr.as_ptr(), self.len) };
            ptr
        };
        self.free();
        self.ptr = ptr;
        self.cap = cap;
        Some(())
    }

    /// [`try_layout`](Self::try_layout), panicking when the size overflows `isize`.
    #[track_caller]
    fn layout(cap: usize) -> Layout {
        Self::try_layout(cap).expect("capacity overflow: more values than fit in memory")
    }

    /// The layout of an allocation of `cap` values (from a cache line when it is at least
    /// [`LINE_FROM`] bytes), or `None` when its size overflows `isize`. A function of `cap`
    /// alone, so the layout that frees an allocation is the one that made it.
    fn try_layout(cap: usize) -> Option<Layout> {
        let bytes = size_of::<E>().checked_mul(cap)?;
        let align = if bytes >= LINE_FROM {
            LINE_BYTES.max(align_of::<E>())
        } else {
            align_of::<E>()
        };
        Layout::from_size_align(bytes, align).ok()
    }

    /// Returns the allocation (if any) to the allocator; the caller replaces `ptr`/`cap`.
    fn free(&mut self) {
        let layout = Self::layout(self.cap);
        if layout.size() != 0 {
            // SAFETY: `ptr` came from `alloc` with this layout (same `cap`, computed the
            // same way) and is freed once: every caller replaces or drops it right after.
            unsafe { std::alloc::dealloc(self.ptr.as_ptr().cast(), layout) };
        }
    }

    /// The values.
    pub(crate) fn as_slice(&self) -> &[E] {
        // SAFETY: `ptr` is non-null and aligned (dangling only when nothing is allocated,
        // then len is 0 or E has no size), and its first `len` values are initialized.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The values, mutably.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [E] {
        // SAFETY: as for `as_slice`; `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<E: Copy> Drop for AlignedVec<E> {
    fn drop(&mut self) {
        self.free();
    }
}

impl<E: Copy> Deref for AlignedVec<E> {
    type Target = [E];
    fn deref(&self) -> &[E] {
        self.as_slice()
    }
}

impl<E: Copy> DerefMut for AlignedVec<E> {
    fn deref_mut(&mut self) -> &mut [E] {
        self.as_mut_slice()
    }
}

impl<E: Copy> Clone for AlignedVec<E> {
    fn clone(&self) -> Self {
        Self::from_slice(self)
    }
}

impl<E: Copy + PartialEq> PartialEq for AlignedVec<E> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<E: Copy + std::fmt::Debug> std::fmt::Debug for AlignedVec<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl<E: Copy> From<Vec<E>> for AlignedVec<E> {
    fn from(values: Vec<E>) -> Self {
        Self::from_slice(&values)
    }
}

impl<E: Copy> From<&[E]> for AlignedVec<E> {
    fn from(values: &[E]) -> Self {
        Self::from_slice(values)
    }
}

impl<E: Copy> Extend<E> for AlignedVec<E> {
    /// An iterator that knows its length (an element-wise operation's `map`) is written
    /// straight into room reserved for it, a loop the compiler vectorizes; one value at a
    /// time with a capacity check ran 5x slower (1M additions: 630 us against 130 us). Any
    /// other iterator is pushed value by value.
    fn extend<I: IntoIterator<Item = E>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        match iter.size_hint() {
            (lower, Some(upper)) if lower == upper => {
                self.reserve(lower);
                let spare = self.cap - self.len;
                // SAFETY: slots len..cap lie inside the allocation (`reserve`); they are
                // written, never read, before `len` covers them.
                let room = unsafe {
                    std::slice::from_raw_parts_mut(
                        self.ptr.as_ptr().add(self.len).cast::<MaybeUninit<E>>(),
                        spare,
                    )
                };
                // An iterator longer than its upper bound (a broken `size_hint`) is cut at
                // the room reserved; a shorter one leaves the rest unwritten and uncounted.
                let written = room
                    .iter_mut()
                    .zip(iter)
                    .map(|(slot, value)| slot.write(value))
                    .count();
                self.len += written;
            }
            (lower, _) => {
                self.reserve(lower);
                iter.for_each(|value| self.push(value));
            }
        }
    }
}

impl<E: Copy> FromIterator<E> for AlignedVec<E> {
    fn from_iter<I: IntoIterator<Item = E>>(iter: I) -> Self {
        let mut v = Self::new();
        v.extend(iter);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::{AlignedVec, CacheAligned};

    #[test]
    fn boxed_values_are_zero_and_start_a_line() {
        let w = CacheAligned::<[[f32; 300]; 7]>::boxed_zeroed();
        assert!(w.as_flattened().iter().all(|&v| v == 0.0));
        assert_eq!(w.as_ptr() as usize % 64, 0);
        let h = CacheAligned::<[[shaped_embed::Bf16; 33]; 3]>::boxed_zeroed();
        assert!(
            h.as_flattened()
                .iter()
                .all(|&v| v == shaped_embed::Bf16::ZERO)
        );
        assert_eq!(h.as_ptr() as usize % 64, 0);
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

    /// Whether `v` starts a cache line, or is too small to need to.
    fn at_a_line_when_large<E: Copy>(v: &AlignedVec<E>) -> bool {
        v.cap * size_of::<E>() < super::LINE_FROM || (v.as_ptr() as usize).is_multiple_of(64)
    }

    #[test]
    fn holds_exactly_the_values_from_a_line_boundary() {
        for len in [0, 1, 15, 16, 17, 33, 1000, 1024, 1025, 5000] {
            let values: Vec<f32> = (0..len).map(|i| i as f32 * 0.5 - 3.0).collect();
            let aligned = AlignedVec::from_slice(&values);
            assert_eq!(aligned.as_slice(), &values[..]);
            assert!(at_a_line_when_large(&aligned), "{len} values");
            if len >= 1024 {
                assert_eq!(
                    aligned.as_ptr() as usize % 64,
                    0,
                    "{len} values: 4 KB or more"
                );
            }
            let collected: AlignedVec<f32> = values.iter().copied().collect();
            assert_eq!(collected, aligned);
            assert_eq!(collected.clone().to_vec(), values);
        }
    }

    #[test]
    fn grows_and_shrinks_keeping_its_values_from_a_line() {
        // Growing past 4 KB moves the values to an allocation from a line.
        let mut v = AlignedVec::<f64>::new();
        for i in 0..1000 {
            v.push(i as f64);
            assert!(at_a_line_when_large(&v), "{} values", v.len());
        }
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as f64));
        assert_eq!(v.as_ptr() as usize % 64, 0);
        v.resize(10, -1.0);
        assert_eq!(v.len(), 10);
        v.resize(3000, 7.0);
        assert_eq!(&v[..10], &(0..10).map(|i| i as f64).collect::<Vec<_>>()[..]);
        assert!(v[10..].iter().all(|&x| x == 7.0));
        assert_eq!(v.as_ptr() as usize % 64, 0);
        // Appending slices grows it too, keeping what was there.
        let mut joined = AlignedVec::<u16>::new();
        for n in 0..40u16 {
            joined.extend_from_slice(&[n, n + 1000]);
            joined.extend(n..n + 1);
        }
        assert_eq!(joined.len(), 120);
        assert_eq!(&joined[..6], &[0, 1000, 0, 1, 1001, 1]);
        assert_eq!(&joined[117..], &[39, 1039, 39]);
        assert!(at_a_line_when_large(&joined));
        // A filter's size hint is only a bound: collecting still takes every value.
        let odd: AlignedVec<u8> = (0..=255u8).filter(|x| x % 2 == 1).collect();
        assert_eq!(odd.len(), 128);
        assert_eq!(odd[127], 255);
        // An iterator whose exact size hint is wrong: fewer values are counted as written;
        // more are cut at the room reserved, never written past it.
        struct Claims(u32, std::ops::Range<u32>);
        impl Iterator for Claims {
            type Item = u32;
            fn next(&mut self) -> Option<u32> {
                self.1.next()
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                (self.0 as usize, Some(self.0 as usize))
            }
        }
        let fewer: AlignedVec<u32> = Claims(10, 0..3).collect();
        assert_eq!(&fewer[..], &[0, 1, 2]);
        let more: AlignedVec<u32> = Claims(3, 0..10).collect();
        assert!((3..=more.cap).contains(&more.len()) && more.len() < 10);
        assert!(more.iter().enumerate().all(|(i, &v)| v == i as u32));
        // Types without a size never allocate.
        let units = AlignedVec::filled((), 1000);
        assert_eq!((units.len(), units.cap), (1000, 1000));
    }

    #[test]
    #[should_panic(expected = "capacity overflow")]
    fn a_size_past_memory_panics_before_allocating() {
        AlignedVec::filled(0.0f32, usize::MAX / 2);
    }
}
