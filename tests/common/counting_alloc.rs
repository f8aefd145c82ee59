//! A global allocator that counts allocations and live bytes, for tests and examples that
//! prove a path allocates nothing, or bound the memory a path needs. Each binary installs
//! it with `#[global_allocator] static GLOBAL: Counting = Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Forwards to the system allocator and counts every allocation.
pub struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Allocations made so far by the whole process.
#[allow(dead_code)] // not every binary uses every counter
pub fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::SeqCst)
}

/// Bytes allocated and not yet freed.
#[allow(dead_code)]
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::SeqCst)
}

/// Restarts the high-water mark at the current live bytes.
#[allow(dead_code)]
pub fn reset_peak() {
    PEAK.store(LIVE.load(Ordering::SeqCst), Ordering::SeqCst);
}

/// The most bytes live at once since the last [`reset_peak`].
#[allow(dead_code)]
pub fn peak_bytes() -> usize {
    PEAK.load(Ordering::SeqCst)
}

std::thread_local! {
    // Const-initialised: reading it never allocates, so the allocator may use it.
    static THREAD_ALLOCATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Allocations made so far by the calling thread: unlike [`allocations`], blind to the
/// test harness and other tests running at the same time (use it for single-threaded
/// paths).
#[allow(dead_code)]
pub fn thread_allocations() -> usize {
    THREAD_ALLOCATIONS.with(|c| c.get())
}

fn grew(size: usize) {
    // `try_with`: during thread teardown the slot may be gone; that allocation is not ours.
    let _ = THREAD_ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    let live = LIVE.fetch_add(size, Ordering::SeqCst) + size;
    PEAK.fetch_max(live, Ordering::SeqCst);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: forwarded to the system allocator with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: as above; zeroed pages stay unmapped until written, as without counting.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}
