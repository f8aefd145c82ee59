//! The machine's measured peak: independent chains of fused multiply-adds on the widest
//! vectors the CPU has, on one thread or several at once. Benchmarks report their speed as a
//! fraction of it, so that figures compare across machines (AVX-512 or not, Intel or AMD).

use std::time::Instant;

/// Independent accumulator chains: enough to cover an FMA's latency on both FMA ports.
const CHAINS: usize = 12;

/// The peak f32 GFLOP/s of `threads` threads running FMAs together (best of three runs of
/// about a fifth of a second each).
pub fn peak_gflops(threads: usize) -> f64 {
    let threads = threads.max(1);
    let (probe, lanes) = widest();
    // Calibrate the iteration count on one thread, then run all threads together.
    let mut iters = 1 << 16;
    loop {
        let start = Instant::now();
        std::hint::black_box(probe(iters));
        if start.elapsed().as_secs_f64() > 0.02 || iters >= 1 << 30 {
            break;
        }
        iters *= 2;
    }
    iters *= 8;
    let flops = (iters * CHAINS * lanes * 2 * threads) as f64;
    (0..3)
        .map(|_| {
            let barrier = std::sync::Barrier::new(threads + 1);
            // The scope returns once every thread has finished: time from the common start.
            let start = std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        barrier.wait();
                        std::hint::black_box(probe(iters));
                    });
                }
                barrier.wait();
                Instant::now()
            });
            start.elapsed().as_secs_f64()
        })
        .map(|seconds| flops / seconds / 1e9)
        .fold(0.0, f64::max)
}

/// The probe for the widest FMA this CPU has, and its f32 lanes.
fn widest() -> (fn(usize) -> f32, usize) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") {
            return (
                |n| {
                    // SAFETY: AVX-512F is present (checked just above).
                    unsafe { x86::avx512(n) }
                },
                16,
            );
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            return (
                |n| {
                    // SAFETY: AVX2 and FMA are present (checked just above).
                    unsafe { x86::avx2(n) }
                },
                8,
            );
        }
    }
    (portable, 1)
}

/// Scalar chains (what a CPU without wide FMA offers through `mul_add`).
fn portable(iters: usize) -> f32 {
    let mut acc = [0.0f32; CHAINS];
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = a.mul_add(0.999_999, 1e-7);
        }
    }
    acc.iter().sum()
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::*;

    use super::CHAINS;

    #[target_feature(enable = "avx512f")]
    pub(super) fn avx512(iters: usize) -> f32 {
        let (a, b) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
        let mut acc = [_mm512_setzero_ps(); CHAINS];
        for _ in 0..iters {
            for r in acc.iter_mut() {
                *r = _mm512_fmadd_ps(*r, a, b);
            }
        }
        acc.iter().map(|&r| _mm512_reduce_add_ps(r)).sum()
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn avx2(iters: usize) -> f32 {
        let (a, b) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
        let mut acc = [_mm256_setzero_ps(); CHAINS];
        for _ in 0..iters {
            for r in acc.iter_mut() {
                *r = _mm256_fmadd_ps(*r, a, b);
            }
        }
        let mut lanes = [0.0f32; 8];
        let mut total = 0.0;
        for &r in &acc {
            // SAFETY: `lanes` holds 8 floats; the store is unaligned-tolerant.
            unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), r) };
            total += lanes.iter().sum::<f32>();
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore = "a timing loop: too slow interpreted")]
    fn the_probe_measures_a_positive_finite_peak_and_its_chains_compute() {
        let g = peak_gflops(1);
        assert!(g.is_finite() && g > 0.0, "{g}");
        // 12 chains of x -> 0.999999 x + 1e-7 from 0, one step each: 12e-7 in total.
        assert!((portable(1) - 12e-7).abs() < 1e-9);
        let (probe, lanes) = widest();
        assert!((probe(1) - 12e-7 * lanes as f32).abs() < 1e-8);
    }
}
