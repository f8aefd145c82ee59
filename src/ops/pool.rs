//! 2-D pooling on channels-last (NHWC) batches: the maximum or the mean of each window,
//! per channel, with their backward passes. Positions in `same` padding are left out (the
//! maximum of the inside values; the mean over the inside values, as TensorFlow does).

use super::conv::Window2d;
use crate::tensor::Float;

/// The maximum of each window's inside positions, per channel. A NaN is the maximum of any
/// window holding one (it propagates). `nan` is scratch of `c` entries.
pub(crate) fn max_pool_forward<E: Float>(
    x: &[E],
    batch: usize,
    g: &Window2d,
    out: &mut [E],
    nan: &mut [u8],
) {
    let c = g.c;
    assert_eq!(x.len(), batch * g.h * g.w * c, "max_pool: input size");
    assert_eq!(out.len(), batch * g.oh * g.ow * c, "max_pool: output size");
    assert_eq!(nan.len(), c, "max_pool: scratch size");
    let mut o = 0;
    for b in 0..batch {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let best = &mut out[o..o + c];
                best.fill(E::neg_infinity());
                nan.fill(0);
                for_window(g, oy, ox, |iy, ix| {
                    let start = ((b * g.h + iy) * g.w + ix) * c;
                    // `max` (which skips NaN) and a NaN flag vectorize; a branch would not.
                    for ((m, n), &v) in best
                        .iter_mut()
                        .zip(nan.iter_mut())
                        .zip(&x[start..start + c])
                    {
                        *m = m.max(v);
                        *n |= v.is_nan() as u8;
                    }
                });
                for (m, &n) in best.iter_mut().zip(nan.iter()) {
                    if n != 0 {
                        *m = E::nan();
                    }
                }
                o += c;
            }
        }
    }
}

/// The input gradient of max pooling: each output gradient goes to the first inside
/// position (row-major) of its window that holds the maximum `out` (from
/// [`max_pool_forward`] on the same `x`). `left` is scratch of `c` entries. Overwrites `dx`.
pub(crate) fn max_pool_backward<E: Float>(
    x: &[E],
    out: &[E],
    grad: &[E],
    batch: usize,
    g: &Window2d,
    left: &mut [E],
    dx: &mut [E],
) {
    let c = g.c;
    assert_eq!(dx.len(), x.len(), "max_pool backward: input size");
    assert_eq!(
        x.len(),
        batch * g.h * g.w * c,
        "max_pool backward: input size"
    );
    assert_eq!(left.len(), c, "max_pool backward: scratch size");
    dx.fill(E::zero());
    let mut o = 0;
    for b in 0..batch {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let best = &out[o..o + c];
                // The gradient not yet handed out: all of it goes to the first match.
                left.copy_from_slice(&grad[o..o + c]);
                for_window(g, oy, ox, |iy, ix| {
                    let start = ((b * g.h + iy) * g.w + ix) * c;
                    for (((d, l), &v), &m) in dx[start..start + c]
                        .iter_mut()
                        .zip(left.iter_mut())
                        .zip(&x[start..start + c])
                        .zip(best)
                    {
                        let hit = (v == m) | (v.is_nan() & m.is_nan());
                        *d += if hit { *l } else { E::zero() };
                        *l = if hit { E::zero() } else { *l };
                    }
                });
                o += c;
            }
        }
    }
}

/// The mean of each window's inside positions, per channel.
pub(crate) fn avg_pool_forward<E: Float>(x: &[E], batch: usize, g: &Window2d, out: &mut [E]) {
    let c = g.c;
    assert_eq!(x.len(), batch * g.h * g.w * c, "avg_pool: input size");
    assert_eq!(out.len(), batch * g.oh * g.ow * c, "avg_pool: output size");
    let mut o = 0;
    for b in 0..batch {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let row = &mut out[o..o + c];
                row.fill(E::zero());
                let mut count = 0usize;
                for_window(g, oy, ox, |iy, ix| {
                    let start = ((b * g.h + iy) * g.w + ix) * c;
                    row.iter_mut()
                        .zip(&x[start..start + c])
                        .for_each(|(r, &v)| *r += v);
                    count += 1;
                });
                let scale = E::one() / E::from(count.max(1)).expect("a count fits a float");
                row.iter_mut().for_each(|r| *r *= scale);
                o += c;
            }
        }
    }
}

/// The input gradient of average pooling: each output gradient shared equally by its
/// window's inside positions. Overwrites `dx`.
pub(crate) fn avg_pool_backward<E: Float>(grad: &[E], batch: usize, g: &Window2d, dx: &mut [E]) {
    let c = g.c;
    dx.fill(E::zero());
    let mut o = 0;
    for b in 0..batch {
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let mut count = 0usize;
                for_window(g, oy, ox, |_, _| count += 1);
                let scale = E::one() / E::from(count.max(1)).expect("a count fits a float");
                let gs = &grad[o..o + c];
                for_window(g, oy, ox, |iy, ix| {
                    let start = ((b * g.h + iy) * g.w + ix) * c;
                    dx[start..start + c]
                        .iter_mut()
                        .zip(gs)
                        .for_each(|(d, &v)| *d += v * scale);
                });
                o += c;
            }
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
        max_pool_forward(&x, 1, &g, &mut out, &mut [0]);
        assert_eq!(out, [5., 8., 2., 7.]);
        let mut mean = vec![0.0; 4];
        avg_pool_forward(&x, 1, &g, &mut mean);
        assert_eq!(mean, [13. / 4., 11. / 4., 1. / 4., 27. / 4.]);
        let mut dx = vec![9.0; 16];
        max_pool_backward(&x, &out, &[1., 2., 3., 4.], 1, &g, &mut [0.0], &mut dx);
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
    fn nan_wins_the_max() {
        let x = [1.0, f64::NAN, 3.0, 2.0];
        let g = Window2d::new(2, 2, 1, 2, 2, false);
        let mut out = vec![0.0; 1];
        max_pool_forward(&x, 1, &g, &mut out, &mut [0]);
        assert!(out[0].is_nan());
        let mut dx = vec![0.0; 4];
        max_pool_backward(&x, &out, &[1.0], 1, &g, &mut [0.0], &mut dx);
        assert_eq!(dx, [0.0, 1.0, 0.0, 0.0]);
    }
}
