//! The worker pool: large products and updates split over persistent threads.
//!
//! matrixmultiply's own threading does not scale the 128-row products of the chapter's
//! network, and its thread count is fixed at start-up; splitting a product into column (or
//! row) blocks, one per thread, does scale, and lets one process compare thread counts.
//! Each output element is computed by exactly one thread in the same order, so results are
//! deterministic for a given thread count.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

/// 0 means "not set": use `SHAPED_NUM_THREADS`, else the available cores.
static REQUESTED: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads large products use (at least 1; without the `threads` feature,
/// everything runs on the caller's thread whatever is set).
///
/// ```
/// shaped::ops::set_num_threads(1);
/// assert_eq!(shaped::ops::num_threads(), 1);
/// ```
pub fn set_num_threads(n: usize) {
    REQUESTED.store(n.max(1), Ordering::Relaxed);
}

/// The number of threads large products use: the last [`set_num_threads`], else the
/// `SHAPED_NUM_THREADS` environment variable, else the number of available cores. Always 1
/// without the `threads` feature.
pub fn num_threads() -> usize {
    if !cfg!(feature = "threads") {
        return 1;
    }
    match REQUESTED.load(Ordering::Relaxed) {
        0 => {
            let from_env = std::env::var("SHAPED_NUM_THREADS")
                .ok()
                .and_then(|v| v.parse::<usize>().ok());
            let n = from_env
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
                .max(1);
            REQUESTED.store(n, Ordering::Relaxed);
            n
        }
        n => n,
    }
}

/// A job: a borrowed closure, with its lifetime erased while workers run it.
#[derive(Clone, Copy)]
struct Job {
    func: *const (dyn Fn(usize) + Sync),
    parts: usize,
    /// Threads taking part: thread `t` runs parts `t`, `t + threads`, ...
    threads: usize,
}

// SAFETY: the pointer is only dereferenced while `run` keeps the closure (which is `Sync`)
// borrowed; see `run`.
unsafe impl Send for Job {}

struct State {
    job: Option<Job>,
    generation: u64,
    /// Parts not finished yet in the current generation.
    pending: usize,
    /// The first worker panic of the current generation, re-raised in the caller.
    panic: Option<Box<dyn std::any::Any + Send>>,
    /// Workers waiting on `start`, and whether the caller waits on `finished`: a condition
    /// variable is notified only when someone waits on it, since each notification is a
    /// system call and most `run`s find every thread still spinning.
    parked_workers: usize,
    caller_parked: bool,
}

struct Pool {
    workers: usize,
    /// Mirrors of `State::generation` and `State::pending`, read while spinning: waking a
    /// parked thread costs tens of microseconds, as much as a small product.
    generation: std::sync::atomic::AtomicU64,
    pending: AtomicUsize,
    /// Set while a `run` owns the workers; a concurrent or nested `run` works inline.
    busy: std::sync::atomic::AtomicBool,
    state: Mutex<State>,
    start: Condvar,
    finished: Condvar,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<&'static Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = cores.max(num_threads()).saturating_sub(1).min(63);
        let pool: &'static Pool = Box::leak(Box::new(Pool {
            workers,
            generation: std::sync::atomic::AtomicU64::new(0),
            pending: AtomicUsize::new(0),
            busy: std::sync::atomic::AtomicBool::new(false),
            state: Mutex::new(State {
                job: None,
                generation: 0,
                pending: 0,
                panic: None,
                parked_workers: 0,
                caller_parked: false,
            }),
            start: Condvar::new(),
            finished: Condvar::new(),
        }));
        for index in 1..=workers {
            std::thread::Builder::new()
                .name(format!("shaped-worker-{index}"))
                .spawn(move || worker(pool, index))
                .expect("spawn a worker thread");
        }
        pool
    })
}

fn worker(pool: &'static Pool, index: usize) {
    let mut seen = 0;
    loop {
        spin_while(|| pool.generation.load(Ordering::Acquire) == seen);
        let job = {
            let mut state = pool.state.lock().unwrap_or_else(|e| e.into_inner());
            while state.generation == seen {
                state.parked_workers += 1;
                state = pool.start.wait(state).unwrap_or_else(|e| e.into_inner());
                state.parked_workers -= 1;
            }
            seen = state.generation;
            state.job
        };
        let Some(job) = job else { continue };
        if index < job.threads {
            // SAFETY: `run` does not return before `pending` reaches 0, which happens only
            // after these calls; the closure it points to is alive and `Sync`.
            let f = unsafe { &*job.func };
            let parts = (index..job.parts).step_by(job.threads);
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parts.for_each(f)));
            let mut state = pool.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(payload) = result {
                state.panic.get_or_insert(payload);
            }
            state.pending -= 1;
            pool.pending.store(state.pending, Ordering::Release);
            if state.pending == 0 && state.caller_parked {
                pool.finished.notify_all();
            }
        }
    }
}

/// Spins while `busy()` holds, for a bounded time (about 0.3 ms here); the caller then
/// falls back to its condition variable. A training step's sequential parts (loss, batch
/// gathering) outlast a shorter window: at 28 us, workers parked and were woken by a
/// system call before most products (measured: two threads 1.3x one; 1.4x with this).
fn spin_while(busy: impl Fn() -> bool) {
    for _ in 0..20_000 {
        if !busy() {
            return;
        }
        std::hint::spin_loop();
    }
}

/// Runs `f(0)`, ..., `f(parts - 1)`, each exactly once, spread over up to
/// [`num_threads`] threads (the caller's among them). Allocates nothing once the pool
/// exists.
pub(crate) fn run(parts: usize, f: &(dyn Fn(usize) + Sync)) {
    let threads = parts.min(num_threads());
    if threads <= 1 {
        (0..parts).for_each(f);
        return;
    }
    let pool = pool();
    let threads = threads.min(pool.workers + 1);
    if threads <= 1 || pool.busy.swap(true, Ordering::Acquire) {
        (0..parts).for_each(f);
        return;
    }
    // SAFETY (lifetime erasure): workers dereference the pointer only for jobs of the
    // current generation, and this function waits below until every part has finished
    // before returning, so `f` outlives every use.
    let func: *const (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(f) };
    {
        let mut state = pool.state.lock().unwrap_or_else(|e| e.into_inner());
        state.job = Some(Job {
            func,
            parts,
            threads,
        });
        state.generation += 1;
        state.pending = threads - 1;
        pool.pending.store(threads - 1, Ordering::Release);
        pool.generation.store(state.generation, Ordering::Release);
        state.panic = None;
        if state.parked_workers > 0 {
            pool.start.notify_all();
        }
    }
    let own = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (0..parts).step_by(threads).for_each(f)
    }));
    spin_while(|| pool.pending.load(Ordering::Acquire) > 0);
    let mut state = pool.state.lock().unwrap_or_else(|e| e.into_inner());
    while state.pending > 0 {
        state.caller_parked = true;
        state = pool.finished.wait(state).unwrap_or_else(|e| e.into_inner());
        state.caller_parked = false;
    }
    state.job = None;
    let worker_panic = state.panic.take();
    drop(state);
    pool.busy.store(false, Ordering::Release);
    // The caller sees the original panic (its message and payload), its own first.
    if let Err(payload) = own {
        std::panic::resume_unwind(payload);
    }
    if let Some(payload) = worker_panic {
        std::panic::resume_unwind(payload);
    }
}

#[cfg(test)]
mod tests {
    use super::run;

    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Runs a job of `parts` parts and asserts that each ran exactly once.
    fn assert_each_part_runs_once(parts: usize) {
        let hits: Vec<AtomicUsize> = (0..parts).map(|_| AtomicUsize::new(0)).collect();
        run(parts, &|i| {
            hits[i].fetch_add(1, Ordering::SeqCst);
        });
        assert!(hits.iter().all(|h| h.load(Ordering::SeqCst) == 1));
    }

    #[test]
    fn a_worker_panic_reaches_the_caller_with_its_message() {
        super::set_num_threads(2);
        for _ in 0..20 {
            // Part 1 runs on a worker whenever the pool has one.
            let result = std::panic::catch_unwind(|| {
                run(2, &|i| {
                    if i == 1 {
                        panic!("part {i} failed");
                    }
                })
            });
            let payload = result.expect_err("the panic reaches the caller");
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            assert_eq!(message, Some("part 1 failed"));
        }
        // The pool still works afterwards.
        let hits = AtomicUsize::new(0);
        run(4, &|_| {
            hits.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(hits.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn parked_workers_wake_for_the_next_job() {
        // Long enough idle for every worker to stop spinning and park (about 0.3 ms),
        // then jobs again: each must be taken up (a lost wake-up would hang here).
        super::set_num_threads(2);
        for _ in 0..if cfg!(miri) { 2 } else { 20 } {
            std::thread::sleep(std::time::Duration::from_millis(5));
            assert_each_part_runs_once(4);
        }
    }

    #[test]
    fn callers_on_several_threads_each_get_every_part_once() {
        // Concurrent callers: one owns the workers, the others run their parts inline.
        super::set_num_threads(2);
        let rounds = if cfg!(miri) { 3 } else { 2000 };
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    for parts in (1..6).cycle().take(rounds) {
                        assert_each_part_runs_once(parts);
                    }
                });
            }
        });
    }

    #[test]
    fn every_part_runs_exactly_once() {
        for parts in 1..9 {
            assert_each_part_runs_once(parts);
        }
    }
}
