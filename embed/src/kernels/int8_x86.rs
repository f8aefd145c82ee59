//! `vpdpbusd` kernels: each instruction multiplies four unsigned input bytes by four signed
//! weight bytes per 32-bit lane and adds the four products to the lane. Weights are stored
//! row-major (`[in][out]`, as trained), so four rows' bytes for a group of columns are
//! interleaved in registers (two rounds of unpacking) before each product. Signed inputs are
//! offset by 128 to make them unsigned, and `128 * sum(w)` is subtracted again.

use core::arch::x86_64::*;

use super::tail_rows;

/// The offset that turns a signed byte into an unsigned one, in all four bytes of a word.
const FLIP: u32 = 0x8080_8080;

/// Every column, 64 at a time (the last group masked); returns `out.len()`.
///
/// # Safety
/// The CPU must support AVX-512F, BW and VNNI; `kernel.len() == rows * out.len()` and
/// `words.len() >= rows.div_ceil(4)`.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn avx512_vnni(
    words: &[f32],
    nonnegative: bool,
    kernel: &[i8],
    rows: usize,
    out: &mut [f32],
) -> usize {
    let cols = out.len();
    debug_assert!(kernel.len() == rows * cols && words.len() >= rows.div_ceil(4));
    let groups = rows / 4;
    let flip = if nonnegative { 0 } else { FLIP };
    let offsets = _mm512_set1_epi32(FLIP as i32);
    // Full-width loads of four rows, interleaved by 512-bit unpacks, which work within
    // 128-bit lanes. That leaves the columns permuted across the four results (register q,
    // lane l, dword j holds column 16l + 4q + j), which is undone once per group of columns
    // instead of with cross-lane shuffles at every step.
    let mut c = 0;
    while c < cols {
        let width = (cols - c).min(64);
        let mask: __mmask64 = if width == 64 { !0 } else { (1u64 << width) - 1 };
        let mut acc = [_mm512_setzero_si512(); 4];
        let mut correction = [_mm512_setzero_si512(); 4];
        for (g, word) in words[..groups].iter().enumerate() {
            let word = word.to_bits();
            if word == 0 {
                continue;
            }
            // SAFETY: rows 4g..4g+4 exist (g < rows / 4) and the loads read only the
            // columns c..c + width (<= cols) that `mask` selects, inside `kernel`.
            let (r0, r1, r2, r3) = unsafe {
                let at = kernel.as_ptr().add(4 * g * cols + c);
                (
                    _mm512_maskz_loadu_epi8(mask, at.cast()),
                    _mm512_maskz_loadu_epi8(mask, at.add(cols).cast()),
                    _mm512_maskz_loadu_epi8(mask, at.add(2 * cols).cast()),
                    _mm512_maskz_loadu_epi8(mask, at.add(3 * cols).cast()),
                )
            };
            let (lo01, hi01) = (_mm512_unpacklo_epi8(r0, r1), _mm512_unpackhi_epi8(r0, r1));
            let (lo23, hi23) = (_mm512_unpacklo_epi8(r2, r3), _mm512_unpackhi_epi8(r2, r3));
            let w = [
                _mm512_unpacklo_epi16(lo01, lo23),
                _mm512_unpackhi_epi16(lo01, lo23),
                _mm512_unpacklo_epi16(hi01, hi23),
                _mm512_unpackhi_epi16(hi01, hi23),
            ];
            let x = _mm512_set1_epi32((word ^ flip) as i32);
            for (a, w) in acc.iter_mut().zip(w) {
                *a = _mm512_dpbusd_epi32(*a, x, w);
            }
            if !nonnegative {
                for (k, w) in correction.iter_mut().zip(w) {
                    *k = _mm512_dpbusd_epi32(*k, offsets, w);
                }
            }
        }
        let mut sums = [0i32; 64];
        for (q, (a, k)) in acc.iter().zip(&correction).enumerate() {
            let mut lanes = [0i32; 16];
            // SAFETY: `lanes` has room for 16 lanes; the store is unaligned-tolerant.
            unsafe { _mm512_storeu_si512(lanes.as_mut_ptr().cast(), _mm512_sub_epi32(*a, *k)) };
            for (d, &v) in lanes.iter().enumerate() {
                sums[16 * (d / 4) + 4 * q + d % 4] = v;
            }
        }
        let sums = &mut sums[..width];
        tail_rows(words, kernel, rows, cols, groups * 4, c, sums);
        for (o, &s) in out[c..c + width].iter_mut().zip(sums.iter()) {
            *o = s as f32;
        }
        c += width;
    }
    c
}

/// Columns `0..` in groups of 8 on 256-bit registers; returns how many columns it wrote.
///
/// # Safety
/// The CPU must support AVX2 and AVX-VNNI; lengths as for [`avx512_vnni`].
#[target_feature(enable = "avx2,avxvnni")]
pub(super) unsafe fn avx_vnni(
    words: &[f32],
    nonnegative: bool,
    kernel: &[i8],
    rows: usize,
    out: &mut [f32],
) -> usize {
    let cols = out.len();
    debug_assert!(kernel.len() == rows * cols && words.len() >= rows.div_ceil(4));
    let groups = rows / 4;
    let flip = if nonnegative { 0 } else { FLIP };
    let offsets = _mm256_set1_epi32(FLIP as i32);
    let mut c = 0;
    while c + 8 <= cols {
        let mut acc = _mm256_setzero_si256();
        let mut correction = _mm256_setzero_si256();
        for (g, word) in words[..groups].iter().enumerate() {
            let word = word.to_bits();
            if word == 0 {
                continue;
            }
            // SAFETY: rows 4g..4g+4 and columns c..c+8 exist, so each 8-byte load stays
            // inside `kernel`.
            let (r0, r1, r2, r3) = unsafe {
                let at = kernel.as_ptr().add(4 * g * cols + c);
                (
                    _mm_loadl_epi64(at as *const __m128i),
                    _mm_loadl_epi64(at.add(cols) as *const __m128i),
                    _mm_loadl_epi64(at.add(2 * cols) as *const __m128i),
                    _mm_loadl_epi64(at.add(3 * cols) as *const __m128i),
                )
            };
            let (p01, p23) = (_mm_unpacklo_epi8(r0, r1), _mm_unpacklo_epi8(r2, r3));
            let w = _mm256_set_m128i(_mm_unpackhi_epi16(p01, p23), _mm_unpacklo_epi16(p01, p23));
            acc = _mm256_dpbusd_avx_epi32(acc, _mm256_set1_epi32((word ^ flip) as i32), w);
            if !nonnegative {
                correction = _mm256_dpbusd_avx_epi32(correction, offsets, w);
            }
        }
        let mut sums = [0i32; 8];
        // SAFETY: `sums` has room for 8 lanes; the store is unaligned-tolerant.
        unsafe { _mm256_storeu_si256(sums.as_mut_ptr().cast(), _mm256_sub_epi32(acc, correction)) };
        tail_rows(words, kernel, rows, cols, groups * 4, c, &mut sums);
        for (o, &s) in out[c..c + 8].iter_mut().zip(&sums) {
            *o = s as f32;
        }
        c += 8;
    }
    c
}
