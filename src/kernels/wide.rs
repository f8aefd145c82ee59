//! Plain loops compiled for the widest vector unit of this CPU.
//!
//! The crate is built for the baseline x86-64 target, so the compiler vectorizes an
//! element-wise loop over f32 four lanes wide (SSE2). The same loop inlined into a function
//! compiled with AVX-512 (or AVX2) enabled is vectorized 16 (or 8) lanes wide. [`widest`]
//! runs a closure inside such a function when the CPU has the feature; the closure must be
//! marked `#[inline(always)]` so that its body is compiled there, and so must every function
//! of the crate it calls in its loops (otherwise that code is only called from there, and
//! runs four lanes wide as before). Results do not change: Rust never contracts
//! `a * b + c` into a fused multiply-add or reorders a floating-point sum, so every lane
//! computes what the scalar loop computes.

/// Runs `f` compiled for AVX-512F, else AVX2, when this CPU has it (see the module docs);
/// `SHAPED_KERNEL=avx2` or `none` narrows the choice as it does for products, so every
/// variant can be run on one machine.
#[inline(always)]
pub(crate) fn widest<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        use super::sgemm::{Kind, kind};
        match kind() {
            // SAFETY: `kind` returns `Avx512` only when the CPU has AVX-512F.
            Some(Kind::Avx512) => return unsafe { with_avx512(f) },
            // SAFETY: `kind` returns `Avx2` only when the CPU has AVX2 and FMA.
            Some(Kind::Avx2) => return unsafe { with_avx2(f) },
            None => {}
        }
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn with_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::widest;

    #[test]
    fn runs_the_closure_once_and_returns_its_value() {
        let mut calls = 0;
        let x: Vec<f32> = (0..1000).map(|i| i as f32 * 0.37 - 100.0).collect();
        let relu = widest(
            #[inline(always)]
            || {
                calls += 1;
                x.iter().map(|&v| v.max(0.0)).collect::<Vec<f32>>()
            },
        );
        assert_eq!(calls, 1);
        let expected: Vec<f32> = x.iter().map(|&v| if v > 0.0 { v } else { 0.0 }).collect();
        assert_eq!(relu, expected);
    }
}
