//! `vpdpbusd` kernels: each instruction multiplies four unsigned input bytes by four signed
//! weight bytes per 32-bit lane and adds the four products to the lane. Weights are stored
//! row-major (`[in][out]`, as trained), so four rows' bytes for a group of columns are
//! interleaved in registers (two rounds of unpacking) before each product. Signed inputs are
//! offset by 128 to make them unsigned, and `128 * sum(w)` is subtracted again.

use core::arch::x86_64::*;

use super::tail_rows;

/// The offset that turns a signed byte into an unsigned one, in all four bytes of a word.
const FLIP: u32 = 0x8080_8080;

/// Columns `0..` in groups of 16; returns how many columns it wrote (a multiple of 16).
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512 VNNI; `kernel.len() == rows * out.len()` and
/// `words.len() >= rows.div_ceil(4)`.
#[target_feature(enable = "avx512f,avx512vnni")]
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
    let mut c = 0;
    while c + 16 <= cols {
        let mut acc = _mm512_setzero_si512();
        let mut correction = _mm512_setzero_si512();
        for (g, word) in words[..groups].iter().enumerate() {
            let word = word.to_bits();
            if word == 0 {
                continue;
            }
            // SAFETY: rows 4g..4g+4 exist (g < rows / 4) and columns c..c+16 exist
            // (c + 16 <= cols), so each 16-byte load stays inside `kernel`.
            let (r0, r1, r2, r3) = unsafe {
                let at = kernel.as_ptr().add(4 * g * cols + c);
                (
                    _mm_loadu_si128(at as *const __m128i),
                    _mm_loadu_si128(at.add(cols) as *const __m128i),
                    _mm_loadu_si128(at.add(2 * cols) as *const __m128i),
                    _mm_loadu_si128(at.add(3 * cols) as *const __m128i),
                )
            };
            // Pairs of rows, then pairs of pairs: lane j holds rows 0..4 of column j.
            let (p01lo, p01hi) = (_mm_unpacklo_epi8(r0, r1), _mm_unpackhi_epi8(r0, r1));
            let (p23lo, p23hi) = (_mm_unpacklo_epi8(r2, r3), _mm_unpackhi_epi8(r2, r3));
            let w = _mm512_inserti32x4::<3>(
                _mm512_inserti32x4::<2>(
                    _mm512_inserti32x4::<1>(
                        _mm512_castsi128_si512(_mm_unpacklo_epi16(p01lo, p23lo)),
                        _mm_unpackhi_epi16(p01lo, p23lo),
                    ),
                    _mm_unpacklo_epi16(p01hi, p23hi),
                ),
                _mm_unpackhi_epi16(p01hi, p23hi),
            );
            acc = _mm512_dpbusd_epi32(acc, _mm512_set1_epi32((word ^ flip) as i32), w);
            if !nonnegative {
                correction = _mm512_dpbusd_epi32(correction, offsets, w);
            }
        }
        let mut sums = [0i32; 16];
        // SAFETY: `sums` has room for 16 lanes; the store is unaligned-tolerant.
        unsafe { _mm512_storeu_si512(sums.as_mut_ptr().cast(), _mm512_sub_epi32(acc, correction)) };
        tail_rows(words, kernel, rows, cols, groups * 4, c, &mut sums);
        for (o, &s) in out[c..c + 16].iter_mut().zip(&sums) {
            *o = s as f32;
        }
        c += 16;
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
