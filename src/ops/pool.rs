//! 2-D pooling on channels-last (NHWC) batches: the maximum or the mean of each window,
//! per channel, with their backward passes. Positions in `same` padding are left out (the
//! maximum of the inside values; the mean over the inside values, as TensorFlow does).

use super::conv::Window2d;
use crate::kernels::par_chunks;
use crate::tensor::Float;

/// Channels handled together, with their scratch on the stack.
const BLOCK: usize = 64;

/// The maximum of each window's inside positions, per channel. A NaN is the maximum of any
/// window holding one (it propagates). Images are spread over the pool.
pub(crate) fn max_pool_forward<E: Float>(x: &[E], batch: usize, g: &Window2d, out: &mut [E]) {
    let (image, pooled) = (g.h * g.w * g.c, g.oh * g.ow * g.c);
    assert_eq!(x.len(), batch * image, "max_pool: input size");
    assert_eq!(out.len(), batch * pooled, "max_pool: output size");
    par_chunks(out, pooled, 4, &|b, ob| {
        let xb = &x[b * image..(b + 1) * image];
        for_outputs(g, |oy, ox, o| {
            let best = &mut ob[o..o + g.c];
            best.fill(E::neg_infinity());
            for_window(g, oy, ox, |iy, ix| {
                let start = (iy * g.w + ix) * g.c;
                // A NaN, once taken, stays (nothing compares greater); two compares and a
                // select per value vectorize, where `max` plus a NaN flag took three times
                // the instructions.
                for (m, &v) in best.iter_mut().zip(&xb[start..start + g.c]) {
                    *m = if (v > *m) | v.is_nan() { v } else { *m };
                }
            });
        });
    });
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
    par_chunks(dx, image, 4, &|b, db| {
        let (xb, best, gb) = (
            &x[b * image..(b + 1) * image],
            &out[b * pooled..(b + 1) * pooled],
            &grad[b * pooled..(b + 1) * pooled],
        );
        db.fill(E::zero());
        for_outputs(g, |oy, ox, o| {
            for c0 in (0..g.c).step_by(BLOCK) {
                let n = BLOCK.min(g.c - c0);
                let (m, gs) = (&best[o + c0..o + c0 + n], &gb[o + c0..o + c0 + n]);
                // The gradient not yet handed out: all of it goes to the first match.
                let mut left = [E::zero(); BLOCK];
                let left = &mut left[..n];
                left.copy_from_slice(gs);
                for_window(g, oy, ox, |iy, ix| {
                    let start = (iy * g.w + ix) * g.c + c0;
                    for (((d, l), &v), &mv) in db[start..start + n]
                        .iter_mut()
                        .zip(left.iter_mut())
                        .zip(&xb[start..start + n])
                        .zip(m)
                    {
                        let hit = (v == mv) | (v.is_nan() & mv.is_nan());
                        *d += if hit { *l } else { E::zero() };
                        *l = if hit { E::zero() } else { *l };
                    }
                });
            }
        });
    });
}

/// The mean of each window's inside positions, per channel. Images are spread over the
/// pool.
pub(crate) fn avg_pool_forward<E: Float>(x: &[E], batch: usize, g: &Window2d, out: &mut [E]) {
    let (image, pooled) = (g.h * g.w * g.c, g.oh * g.ow * g.c);
    assert_eq!(x.len(), batch * image, "avg_pool: input size");
    assert_eq!(out.len(), batch * pooled, "avg_pool: output size");
    par_chunks(out, pooled, 4, &|b, ob| {
        let xb = &x[b * image..(b + 1) * image];
        for_outputs(g, |oy, ox, o| {
            let row = &mut ob[o..o + g.c];
            row.fill(E::zero());
            let mut count = 0usize;
            for_window(g, oy, ox, |iy, ix| {
                let start = (iy * g.w + ix) * g.c;
                row.iter_mut()
                    .zip(&xb[start..start + g.c])
                    .for_each(|(r, &v)| *r += v);
                count += 1;
            });
            let scale = E::one() / E::from(count.max(1)).expect("a count fits a float");
            row.iter_mut().for_each(|r| *r *= scale);
        });
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
        db.fill(E::zero());
        for_outputs(g, |oy, ox, o| {
            let mut count = 0usize;
            for_window(g, oy, ox, |_, _| count += 1);
            let scale = E::one() / E::from(count.max(1)).expect("a count fits a float");
            let gs = &gb[o..o + g.c];
            for_window(g, oy, ox, |iy, ix| {
                let start = (iy * g.w + ix) * g.c;
                db[start..start + g.c]
                    .iter_mut()
                    .zip(gs)
                    .for_each(|(d, &v)| *d += v * scale);
            });
        });
    });
}

/// Calls `f(oy, ox, offset)` for every output pixel of one image, `offset` being where its
/// channels start in the image's output.
#[inline]
fn for_outputs(g: &Window2d, mut f: impl FnMut(usize, usize, usize)) {
    for oy in 0..g.oh {
        for ox in 0..g.ow {
            f(oy, ox, (oy * g.ow + ox) * g.c);
        }
    }
}

/// Calls `f(iy, ix)` for every input position of output `(oy, ox)`'s window that lies
/// inside the image.
#[inline]
fn for_window(g: &Window2d, oy: usize, ox: usize, mut f: impl FnMut(usize, usize)) {
    for ky in 0..g.k {
        let Some(iy) = (oy * g.stride + ky)
            .checked_sub(g.pad_top)
            .filter(|&iy| iy < g.h)
        else {
            continue;
        };
        for kx in 0..g.k {
            if let Some(ix) = (ox * g.stride + kx)
                .checked_sub(g.pad_left)
                .filter(|&ix| ix < g.w)
            {
                f(iy, ix);
            }
        }
    }
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
