//! 2-D pooling on channels-last (NHWC) batches: the maximum or the mean of each window,
//! per channel, with their backward passes. Positions in `same` padding are left out (the
//! maximum of the inside values; the mean over the inside values, as TensorFlow does).

use std::ops::Range;

use super::conv::Window2d;
use crate::kernels::{num_threads, par_chunks, widest};
use crate::tensor::Float;

/// The maximum of each window's inside positions, per channel. A NaN is the maximum of any
/// window holding one (it propagates). Images are spread over the pool; a single image's
/// output rows are (an application classifying one input: each thread then pools the rows
/// that a convolution split the same way left in its cache).
pub(crate) fn max_pool_forward<E: Float>(x: &[E], batch: usize, g: &Window2d, out: &mut [E]) {
    let (image, pooled) = (g.h * g.w * g.c, g.oh * g.ow * g.c);
    assert_eq!(x.len(), batch * image, "max_pool: input size");
    assert_eq!(out.len(), batch * pooled, "max_pool: output size");
    if batch == 1 && num_threads() > 1 {
        par_chunks(out, g.ow * g.c, 2, &|oy, row| {
            widest(
                #[inline(always)]
                || max_pool_rows(x, g, oy..oy + 1, row),
            )
        });
        return;
    }
    par_chunks(out, pooled, 4, &|b, ob| {
        let xb = &x[b * image..(b + 1) * image];
        widest(
            #[inline(always)]
            || max_pool_rows(xb, g, 0..g.oh, ob),
        )
    });
}

/// [`max_pool_forward`] of output rows `rows` of one image, `xb`, into `ob` (those rows).
#[inline(always)]
fn max_pool_rows<E: Float>(xb: &[E], g: &Window2d, rows: Range<usize>, ob: &mut [E]) {
    let first = rows.start;
    let outputs = rows.flat_map(move |oy| (0..g.ow).map(move |ox| (oy, ox)));
    for (oy, ox) in outputs {
        let o = ((oy - first) * g.ow + ox) * g.c;
        let (rows, cols) = window(g, oy, ox);
        let at = |iy: usize, ix: usize| (iy * g.w + ix) * g.c;
        // Channels 16 at a time, the running maximum kept in registers over the window
        // and stored once: a constant length makes each step one vector operation
        // whatever the channel count, and updating the output in place would reload each
        // value right after a masked store of it, which the CPU cannot forward.
        let mut blocks = ob[o..o + g.c].chunks_exact_mut(LANES);
        let mut c0 = 0;
        for block in &mut blocks {
            let mut m = [E::neg_infinity(); LANES];
            for iy in rows.clone() {
                for ix in cols.clone() {
                    let start = at(iy, ix) + c0;
                    let v = lanes(xb, start);
                    for i in 0..LANES {
                        m[i] = max_nan(m[i], v[i]);
                    }
                }
            }
            block.copy_from_slice(&m);
            c0 += LANES;
        }
        for (c, slot) in (c0..).zip(blocks.into_remainder()) {
            let mut m = E::neg_infinity();
            for iy in rows.clone() {
                for ix in cols.clone() {
                    m = max_nan(m, xb[at(iy, ix) + c]);
                }
            }
            *slot = m;
        }
    }
}

/// Channels pooled together by [`max_pool_forward`].
const LANES: usize = 16;

/// `v` if it is greater than `m` or NaN: a NaN, once taken, stays (nothing compares
/// greater). Two compares and a select vectorize, where `max` plus a NaN flag took three
/// times the instructions.
#[inline(always)]
fn max_nan<E: Float>(m: E, v: E) -> E {
    if (v > m) | v.is_nan() { v } else { m }
}

/// The input gradient of max pooling: each output gradient goes to the first inside
/// position (row-major) of its window that holds the maximum `out` (from
/// [`max_pool_forward`] on the same `x`). Overwrites `dx`.
pub(crate) fn max_pool_backward<E: Float>(
    x: &[E],
    out: &[E],
    grad: &[E],
    batch: usize,
    g: &Window2d,
    dx: &mut [E],
) {
    let (image, pooled) = (g.h * g.w * g.c, g.oh * g.ow * g.c);
    assert_eq!(x.len(), batch * image, "max_pool backward: input size");
    assert_eq!(dx.len(), x.len(), "max_pool backward: input size");
    assert_eq!(out.len(), batch * pooled, "max_pool backward: output size");
    assert_eq!(grad.len(), out.len(), "max_pool backward: gradient size");
    // Windows that tile the image exactly (the usual 2x2 pooling of an even size) hand
    // each position one gradient: written once, with no zeroing pass before it.
    let tiled = g.stride == g.k
        && g.pad_top == 0
        && g.pad_left == 0
        && g.oh * g.k == g.h
        && g.ow * g.k == g.w;
    par_chunks(dx, image, 4, &|b, db| {
        let (xb, best, gb) = (
            &x[b * image..(b + 1) * image],
            &out[b * pooled..(b + 1) * pooled],
            &grad[b * pooled..(b + 1) * pooled],
        );
        if tiled {
            widest(
                #[inline(always)]
                || max_pool_backward_image::<E, true>(xb, best, gb, g, db),
            )
        } else {
            widest(
                #[inline(always)]
                || {
                    db.fill(E::zero());
                    max_pool_backward_image::<E, false>(xb, best, gb, g, db)
                },
            )
        }
    });
}

/// One image of [`max_pool_backward`]: adds each window's gradient into `db`, or, when
/// `TILED` (every position in exactly one window), writes it.
#[inline(always)]
fn max_pool_backward_image<E: Float, const TILED: bool>(
    xb: &[E],
    best: &[E],
    gb: &[E],
    g: &Window2d,
    db: &mut [E],
) {
    let hand = |d: &mut E, hit: bool, left: E| {
        let share = if hit { left } else { E::zero() };
        *d = if TILED { share } else { *d + share };
    };
    for (oy, ox, o) in outputs(g) {
        let (rows, cols) = window(g, oy, ox);
        let at = |iy: usize, ix: usize| (iy * g.w + ix) * g.c;
        // As in the forward pass: LANES channels at a time with the gradient not yet
        // handed out kept in registers (all of it goes to the first match).
        let mut c0 = 0;
        while c0 + LANES <= g.c {
            let m = lanes(best, o + c0);
            let mut left = lanes(gb, o + c0);
            for iy in rows.clone() {
                for ix in cols.clone() {
                    let start = at(iy, ix) + c0;
                    let v = lanes(xb, start);
                    let d: &mut [E; LANES] = (&mut db[start..start + LANES])
                        .try_into()
                        .expect("a slice of LANES values");
                    for i in 0..LANES {
                        let hit = (v[i] == m[i]) | (v[i].is_nan() & m[i].is_nan());
                        hand(&mut d[i], hit, left[i]);
                        left[i] = if hit { E::zero() } else { left[i] };
                    }
                }
            }
            c0 += LANES;
        }
        for c in c0..g.c {
            let (m, mut left) = (best[o + c], gb[o + c]);
            for iy in rows.clone() {
                for ix in cols.clone() {
                    let i = at(iy, ix) + c;
                    let hit = (xb[i] == m) | (xb[i].is_nan() & m.is_nan());
                    hand(&mut db[i], hit, left);
                    left = if hit { E::zero() } else { left };
                }
            }
        }
    }
}

/// `LANES` values of `v` from `start`, by value (so they live in registers).
#[inline(always)]
fn lanes<E: Float>(v: &[E], start: usize) -> [E; LANES] {
    v[start..start + LANES]
        .try_into()
        .expect("a slice of LANES values")
}

/// The mean of each window's inside positions, per channel. Images are spread over the
/// pool.
pub(crate) fn avg_pool_forward<E: Float>(x: &[E], batch: usize, g: &Window2d, out: &mut [E]) {
    let (image, pooled) = (g.h * g.w * g.c, g.oh * g.ow * g.c);
    assert_eq!(x.len(), batch * image, "avg_pool: input size");
    assert_eq!(out.len(), batch * pooled, "avg_pool: output size");
    par_chunks(out, pooled, 4, &|b, ob| {
        let xb = &x[b * image..(b + 1) * image];
        widest(
            #[inline(always)]
            || {
                for (oy, ox, o) in outputs(g) {
                    let row = &mut ob[o..o + g.c];
                    row.fill(E::zero());
                    let (rows, cols) = window(g, oy, ox);
                    let scale = mean_scale::<E>(rows.len() * cols.len());
                    for iy in rows {
                        for ix in cols.clone() {
                            let start = (iy * g.w + ix) * g.c;
                            for (r, &v) in row.iter_mut().zip(&xb[start..start + g.c]) {
                                *r += v;
                            }
                        }
                    }
                    row.iter_mut().for_each(|r| *r *= scale);
                }
            },
        )
    });
}

/// The input gradient of average pooling: each output gradient shared equally by its
/// window's inside positions. Overwrites `dx`.
pub(crate) fn avg_pool_backward<E: Float>(grad: &[E], batch: usize, g: &Window2d, dx: &mut [E]) {
    let (image, pooled) = (g.h * g.w * g.c, g.oh * g.ow * g.c);
    assert_eq!(dx.len(), batch * image, "avg_pool backward: input size");
    assert_eq!(
        grad.len(),
        batch * pooled,
        "avg_pool backward: gradient size"
    );
    par_chunks(dx, image, 4, &|b, db| {
        let gb = &grad[b * pooled..(b + 1) * pooled];
        widest(
            #[inline(always)]
            || {
                db.fill(E::zero());
                for (oy, ox, o) in outputs(g) {
                    let (rows, cols) = window(g, oy, ox);
                    let scale = mean_scale::<E>(rows.len() * cols.len());
                    let gs = &gb[o..o + g.c];
                    for iy in rows {
                        for ix in cols.clone() {
                            let start = (iy * g.w + ix) * g.c;
                            for (d, &v) in db[start..start + g.c].iter_mut().zip(gs) {
                                *d += v * scale;
                            }
                        }
                    }
                }
            },
        )
    });
}

/// `1 / count` (a window with no inside position, impossible for the layers' shapes,
/// counts as one).
#[inline(always)]
fn mean_scale<E: Float>(count: usize) -> E {
    E::one() / E::from(count.max(1)).expect("a count fits a float")
}

/// Every output pixel of one image as `(oy, ox, offset)`, `offset` being where its
/// channels start in the image's output. (Plain loops, inlined, so that `widest` compiles
/// the pooling loops wide; see `kernels::wide`.)
#[inline(always)]
fn outputs(g: &Window2d) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    (0..g.oh).flat_map(move |oy| (0..g.ow).map(move |ox| (oy, ox, (oy * g.ow + ox) * g.c)))
}

/// The input rows and columns of output `(oy, ox)`'s window that lie inside the image
/// (padding takes positions off its edges only, so both are ranges).
#[inline(always)]
fn window(g: &Window2d, oy: usize, ox: usize) -> (Range<usize>, Range<usize>) {
    (
        inside(oy * g.stride, g.k, g.pad_top, g.h),
        inside(ox * g.stride, g.k, g.pad_left, g.w),
    )
}

/// The positions `first - pad .. first - pad + k` that fall in `0..size`.
#[inline(always)]
fn inside(first: usize, k: usize, pad: usize, size: usize) -> Range<usize> {
    let lo = first.max(pad) - pad;
    let hi = (first + k).min(pad + size).saturating_sub(pad);
    lo..hi.max(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_and_mean_of_hand_made_windows() {
        // One 4x4 image, one channel, 2x2 windows, stride 2.
        let x: Vec<f64> = vec![
            1., 5., 2., 0., //
            3., 4., 8., 1., //
            0., 0., 7., 7., //
            -1., 2., 7., 6.,
        ];
        let g = Window2d::new(4, 4, 1, 2, 2, false);
        let mut out = vec![0.0; 4];
        max_pool_forward(&x, 1, &g, &mut out);
        assert_eq!(out, [5., 8., 2., 7.]);
        let mut mean = vec![0.0; 4];
        avg_pool_forward(&x, 1, &g, &mut mean);
        assert_eq!(mean, [13. / 4., 11. / 4., 1. / 4., 27. / 4.]);
        let mut dx = vec![9.0; 16];
        max_pool_backward(&x, &out, &[1., 2., 3., 4.], 1, &g, &mut dx);
        // Each gradient at its window's maximum; ties go to the first (row-major) 7.
        let mut want = vec![0.0; 16];
        (want[1], want[6], want[13], want[10]) = (1., 2., 3., 4.);
        assert_eq!(dx, want);
    }

    #[test]
    fn same_padding_averages_only_inside_positions() {
        // 3x3 image, 2x2 windows, stride 2, same: 2x2 outputs; the last row and column
        // windows hold 2, 2 and 1 inside values.
        let x: Vec<f64> = (1..=9).map(f64::from).collect();
        let g = Window2d::new(3, 3, 1, 2, 2, true);
        assert_eq!((g.oh, g.ow, g.pad_top), (2, 2, 0));
        let mut mean = vec![0.0; 4];
        avg_pool_forward(&x, 1, &g, &mut mean);
        assert_eq!(mean, [3.0, 4.5, 7.5, 9.0]);
        let mut dx = vec![0.0; 9];
        avg_pool_backward(&[4.0, 2.0, 2.0, 1.0], 1, &g, &mut dx);
        assert_eq!(dx, [1., 1., 1., 1., 1., 1., 1., 1., 1.]);
    }

    #[test]
    fn a_batch_split_over_threads_equals_one_image_at_a_time() {
        crate::kernels::set_num_threads(2);
        let g = Window2d::new(5, 4, 3, 2, 2, true);
        let batch = 7;
        let (image, pooled) = (5 * 4 * 3, g.oh * g.ow * 3);
        let x: Vec<f64> = (0..batch * image)
            .map(|i| ((i * 37) % 101) as f64)
            .collect();
        let grad: Vec<f64> = (0..batch * pooled).map(|i| i as f64).collect();
        let (mut max, mut avg) = (vec![0.0; batch * pooled], vec![0.0; batch * pooled]);
        max_pool_forward(&x, batch, &g, &mut max);
        avg_pool_forward(&x, batch, &g, &mut avg);
        let (mut dmax, mut davg) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        max_pool_backward(&x, &max, &grad, batch, &g, &mut dmax);
        avg_pool_backward(&grad, batch, &g, &mut davg);
        for b in 0..batch {
            let (xi, gi) = (
                &x[b * image..(b + 1) * image],
                &grad[b * pooled..(b + 1) * pooled],
            );
            let (mut m1, mut a1) = (vec![0.0; pooled], vec![0.0; pooled]);
            max_pool_forward(xi, 1, &g, &mut m1);
            avg_pool_forward(xi, 1, &g, &mut a1);
            let (mut dm1, mut da1) = (vec![0.0; image], vec![0.0; image]);
            max_pool_backward(xi, &m1, gi, 1, &g, &mut dm1);
            avg_pool_backward(gi, 1, &g, &mut da1);
            assert_eq!(&max[b * pooled..(b + 1) * pooled], &m1[..]);
            assert_eq!(&avg[b * pooled..(b + 1) * pooled], &a1[..]);
            assert_eq!(&dmax[b * image..(b + 1) * image], &dm1[..]);
            assert_eq!(&davg[b * image..(b + 1) * image], &da1[..]);
        }
    }

    /// The input indices of channel `c` in output `(oy, ox)`'s window, row-major, by index
    /// arithmetic over all `k x k` positions (those in the padding skipped).
    fn window_indices(g: &Window2d, oy: usize, ox: usize, c: usize) -> Vec<usize> {
        let mut indices = vec![];
        for ky in 0..g.k {
            for kx in 0..g.k {
                let iy = (oy * g.stride + ky) as isize - g.pad_top as isize;
                let ix = (ox * g.stride + kx) as isize - g.pad_left as isize;
                if iy >= 0 && ix >= 0 && iy < g.h as isize && ix < g.w as isize {
                    indices.push((iy as usize * g.w + ix as usize) * g.c + c);
                }
            }
        }
        indices
    }

    /// Every output position `(oy, ox, c)` with its offset in the output, row-major.
    fn naive_outputs(g: &Window2d) -> Vec<(usize, usize, usize, usize)> {
        let mut all = vec![];
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                for c in 0..g.c {
                    all.push((oy, ox, c, (oy * g.ow + ox) * g.c + c));
                }
            }
        }
        all
    }

    /// The maximum and mean of every window by index arithmetic.
    fn naive(x: &[f32], g: &Window2d) -> (Vec<f32>, Vec<f32>) {
        let (mut max, mut mean) = (vec![], vec![]);
        for (oy, ox, c, _) in naive_outputs(g) {
            let window = window_indices(g, oy, ox, c);
            let mut m = f32::NEG_INFINITY;
            for &i in &window {
                m = if x[i] > m || x[i].is_nan() { x[i] } else { m };
            }
            max.push(m);
            mean.push(window.iter().map(|&i| x[i]).sum::<f32>() / window.len() as f32);
        }
        (max, mean)
    }

    /// Max pooling's input gradient by index arithmetic: each output's gradient to the first
    /// inside position (row-major) holding its window's maximum `max`.
    fn naive_max_backward(x: &[f32], max: &[f32], grad: &[f32], g: &Window2d) -> Vec<f32> {
        let mut dx = vec![0.0; x.len()];
        for (oy, ox, c, o) in naive_outputs(g) {
            let first = window_indices(g, oy, ox, c)
                .into_iter()
                .find(|&i| x[i] == max[o] || (x[i].is_nan() && max[o].is_nan()));
            if let Some(i) = first {
                dx[i] += grad[o];
            }
        }
        dx
    }

    #[test]
    fn every_channel_count_around_the_vector_block_matches_index_arithmetic() {
        // Channel counts below, at and past the 16-channel blocks of both passes (and a
        // remainder after two and after four blocks); valid and same padding, overlapping
        // and strided windows, windows that tile 4x6 exactly (the backward pass writes
        // without zeroing first) and that leave 5x6's last row out; a NaN in a block lane
        // and one in a remainder lane.
        let windows = [
            (2, 2, false),
            (2, 2, true),
            (3, 2, true),
            (3, 1, true),
            (2, 1, false),
        ];
        for c in [1, 3, 15, 16, 17, 32, 35, 70] {
            for ((k, s, same), h) in windows.into_iter().flat_map(|w| [(w, 5), (w, 4)]) {
                let g = Window2d::new(h, 6, c, k, s, same);
                let mut x: Vec<f32> = (0..h * 6 * c)
                    .map(|i| ((i * 37 + 11) % 97) as f32 - 48.0)
                    .collect();
                x[(2 * 6 + 3) * c] = f32::NAN;
                x[((h - 1) * 6 + 5) * c + c - 1] = f32::NAN;
                let (want_max, want_mean) = naive(&x, &g);
                let pooled = g.oh * g.ow * c;
                let (mut max, mut mean) = (vec![0.0; pooled], vec![0.0; pooled]);
                max_pool_forward(&x, 1, &g, &mut max);
                avg_pool_forward(&x, 1, &g, &mut mean);
                let same_bits = |a: &[f32], b: &[f32]| {
                    a.iter()
                        .zip(b)
                        .all(|(p, q)| p == q || (p.is_nan() && q.is_nan()))
                };
                assert!(
                    same_bits(&max, &want_max),
                    "max, {h}x6, c {c}, k {k}, s {s}"
                );
                let grad: Vec<f32> = (0..pooled).map(|i| (i % 13) as f32 + 0.5).collect();
                let mut dx = vec![f32::NAN; x.len()];
                max_pool_backward(&x, &max, &grad, 1, &g, &mut dx);
                let want_dx = naive_max_backward(&x, &max, &grad, &g);
                assert_eq!(dx, want_dx, "max backward, {h}x6, c {c}, k {k}, s {s}");
                for (m, w) in mean.iter().zip(&want_mean) {
                    assert!(
                        (m - w).abs() <= 1e-5 * w.abs().max(1.0) || (m.is_nan() && w.is_nan()),
                        "mean, c {c}, k {k}, s {s}: {m} vs {w}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_first_of_equal_maxima_is_kept() {
        // 0.0 and -0.0 compare equal: the first stays, so the sign shows which one won.
        let g = Window2d::new(2, 2, 1, 2, 2, false);
        let mut out = vec![1.0f32];
        max_pool_forward(&[0.0, -0.0, -1.0, -2.0], 1, &g, &mut out);
        assert!(out[0] == 0.0 && out[0].is_sign_positive());
        max_pool_forward(&[-0.0, 0.0, -1.0, -2.0], 1, &g, &mut out);
        assert!(out[0] == 0.0 && out[0].is_sign_negative());
    }

    #[test]
    fn nan_wins_the_max() {
        let x = [1.0, f64::NAN, 3.0, 2.0];
        let g = Window2d::new(2, 2, 1, 2, 2, false);
        let mut out = vec![0.0; 1];
        max_pool_forward(&x, 1, &g, &mut out);
        assert!(out[0].is_nan());
        let mut dx = vec![0.0; 4];
        max_pool_backward(&x, &out, &[1.0], 1, &g, &mut dx);
        assert_eq!(dx, [0.0, 1.0, 0.0, 0.0]);
    }
}
