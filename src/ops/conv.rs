//! 2-D convolution on channels-last (NHWC) batches, as im2col and one product: every output
//! pixel's `k x k x c_in` patch becomes a row of a matrix, which times the `(k k c_in,
//! c_out)` kernel gives the output. With its two vector-Jacobian products (kernel and
//! input), writing into reused buffers, so a training step allocates nothing.

use super::linear::mat;
use crate::kernels::{gemm, par_chunks};
use crate::shapes::checks::{pad_before, window_out};
use crate::tensor::Float;

/// The sizes of one convolution (or pooling window), all from a layer's const generics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window2d {
    /// Input height, width and channels.
    pub h: usize,
    pub w: usize,
    pub c: usize,
    /// Output height and width.
    pub oh: usize,
    pub ow: usize,
    /// Window size (square) and stride.
    pub k: usize,
    pub stride: usize,
    /// Zero padding before the first row and column.
    pub pad_top: usize,
    pub pad_left: usize,
}

impl Window2d {
    /// The geometry of a `k x k` window with stride `s` on `h x w x c`, `same` or valid
    /// padding. The output size is the formula's (a layer checks its declared one first).
    pub(crate) const fn new(h: usize, w: usize, c: usize, k: usize, s: usize, same: bool) -> Self {
        let oh = match window_out(h, k, s, same) {
            Some(n) => n,
            None => 0,
        };
        let ow = match window_out(w, k, s, same) {
            Some(n) => n,
            None => 0,
        };
        Window2d {
            h,
            w,
            c,
            oh,
            ow,
            k,
            stride: s,
            pad_top: pad_before(h, k, s, same),
            pad_left: pad_before(w, k, s, same),
        }
    }

    /// Values in one patch: `k * k * c`.
    pub(crate) const fn patch_len(&self) -> usize {
        self.k * self.k * self.c
    }

    /// Input row `iy` of output row `oy`, window row `ky`, when inside the image.
    #[inline]
    fn input_row(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.stride + ky)
            .checked_sub(self.pad_top)
            .filter(|&iy| iy < self.h)
    }

    #[inline]
    fn input_col(&self, ox: usize, kx: usize) -> Option<usize> {
        (ox * self.stride + kx)
            .checked_sub(self.pad_left)
            .filter(|&ix| ix < self.w)
    }
}

/// `cols[(b, oy, ox), (ky, kx, ch)] = x[b, oy*s + ky - pad_top, ox*s + kx - pad_left, ch]`,
/// zero outside the image. `x` holds `batch` images of `h * w * c`; `cols` has
/// `batch * oh * ow` rows of `patch_len` values. Images are spread over the pool.
pub(crate) fn im2col<E: Float>(x: &[E], batch: usize, g: &Window2d, cols: &mut [E]) {
    let image = g.h * g.w * g.c;
    assert_eq!(x.len(), batch * image, "im2col: input size");
    assert_eq!(
        cols.len(),
        batch * g.oh * g.ow * g.patch_len(),
        "im2col: buffer size"
    );
    par_chunks(cols, g.oh * g.ow * g.patch_len(), 4, &|b, rows| {
        im2col_image(&x[b * image..(b + 1) * image], g, rows)
    });
}

fn im2col_image<E: Float>(xb: &[E], g: &Window2d, cols: &mut [E]) {
    let (c, k) = (g.c, g.k);
    let (run, patch) = (k * c, g.patch_len());
    if g.ow * patch == 0 {
        return; // nothing to write (and `chunks_exact_mut` refuses a length of 0)
    }
    // One output line at a time, one kernel row across the whole line: the input row is
    // looked up once per line, not once per patch.
    for (oy, line_rows) in cols.chunks_exact_mut(g.ow * patch).enumerate() {
        for ky in 0..k {
            let rows = line_rows.chunks_exact_mut(patch);
            let Some(iy) = g.input_row(oy, ky) else {
                rows.for_each(|row| row[ky * run..(ky + 1) * run].fill(E::zero()));
                continue;
            };
            let line = &xb[iy * g.w * c..(iy + 1) * g.w * c];
            for (ox, row) in rows.enumerate() {
                let dst = &mut row[ky * run..(ky + 1) * run];
                let first = ox * g.stride;
                if first >= g.pad_left && first - g.pad_left + k <= g.w {
                    // The whole window row is inside: one contiguous copy.
                    let ix = first - g.pad_left;
                    copy_run(dst, &line[ix * c..(ix + k) * c]);
                } else {
                    for (kx, d) in dst.chunks_exact_mut(c).enumerate() {
                        match g.input_col(ox, kx) {
                            Some(ix) => d.copy_from_slice(&line[ix * c..(ix + 1) * c]),
                            None => d.fill(E::zero()),
                        }
                    }
                }
            }
        }
    }
}

/// `dst.copy_from_slice(src)`, without a library call for the short runs of a first
/// layer's patches (3 values for a 3x3 kernel on one channel).
#[inline(always)]
fn copy_run<E: Copy>(dst: &mut [E], src: &[E]) {
    match (dst, src) {
        ([d0], [s0]) => *d0 = *s0,
        ([d0, d1], [s0, s1]) => (*d0, *d1) = (*s0, *s1),
        ([d0, d1, d2], [s0, s1, s2]) => (*d0, *d1, *d2) = (*s0, *s1, *s2),
        ([d0, d1, d2, d3], [s0, s1, s2, s3]) => (*d0, *d1, *d2, *d3) = (*s0, *s1, *s2, *s3),
        (dst, src) => dst.copy_from_slice(src),
    }
}

/// The adjoint of [`im2col`]: every patch value added back to the input position it came
/// from (positions in the padding are dropped). Overwrites `dx`. Images are spread over the
/// pool.
pub(crate) fn col2im<E: Float>(cols: &[E], batch: usize, g: &Window2d, dx: &mut [E]) {
    let image = g.h * g.w * g.c;
    let per_image = g.oh * g.ow * g.patch_len();
    assert_eq!(dx.len(), batch * image, "col2im: input size");
    assert_eq!(cols.len(), batch * per_image, "col2im: buffer size");
    par_chunks(dx, image, 4, &|b, db| {
        col2im_image(&cols[b * per_image..(b + 1) * per_image], g, db)
    });
}

fn col2im_image<E: Float>(cols: &[E], g: &Window2d, db: &mut [E]) {
    let (c, k) = (g.c, g.k);
    db.fill(E::zero());
    let mut rows = cols.chunks_exact(g.patch_len());
    for oy in 0..g.oh {
        for ox in 0..g.ow {
            let row = rows.next().expect("sized by the caller");
            for ky in 0..k {
                let Some(iy) = g.input_row(oy, ky) else {
                    continue;
                };
                let src = &row[ky * k * c..(ky + 1) * k * c];
                let line = &mut db[iy * g.w * c..(iy + 1) * g.w * c];
                for (kx, s) in src.chunks_exact(c).enumerate() {
                    if let Some(ix) = g.input_col(ox, kx) {
                        line[ix * c..(ix + 1) * c]
                            .iter_mut()
                            .zip(s)
                            .for_each(|(d, &v)| *d += v);
                    }
                }
            }
        }
    }
}

/// `out[(b, oy, ox), co] = sum cols[(b, oy, ox), :] * kernel[:, co] + bias[co]`, with
/// `cols` from [`im2col`] and the kernel in Keras's `(k, k, c_in, c_out)` layout; then
/// `finish` (the activation) on each image's output. The bias is written first and the
/// product added to it (`beta = 1`), so no pass of its own reads the output again; the
/// bias and `finish` passes are spread over the pool image by image.
pub(crate) fn conv2d_forward<E: Float>(
    cols: &[E],
    kernel: &[E],
    bias: &[E],
    pixels: usize,
    g: &Window2d,
    out: &mut [E],
    finish: &(dyn Fn(&mut [E]) + Sync),
) {
    let c_out = bias.len();
    let image = g.oh * g.ow * c_out;
    par_chunks(&mut out[..pixels * c_out], image, 4, &|_, image| {
        image
            .chunks_exact_mut(c_out)
            .for_each(|row| row.copy_from_slice(bias));
    });
    gemm(
        mat(cols, pixels, g.patch_len(), false),
        mat(kernel, g.patch_len(), c_out, false),
        E::one(),
        out,
    );
    par_chunks(&mut out[..pixels * c_out], image, 4, &|_, image| {
        finish(image)
    });
}

/// The kernel and bias gradients of [`conv2d_forward`]: `dkernel = cols^T . dz`,
/// `dbias = column sums of dz`.
pub(crate) fn conv2d_backward_params<E: Float>(
    cols: &[E],
    dz: &[E],
    pixels: usize,
    g: &Window2d,
    dkernel: &mut [E],
    dbias: &mut [E],
) {
    let c_out = dbias.len();
    gemm(
        mat(cols, g.patch_len(), pixels, true),
        mat(dz, pixels, c_out, false),
        E::zero(),
        dkernel,
    );
    dbias.fill(E::zero());
    for row in dz.chunks_exact(c_out) {
        dbias.iter_mut().zip(row).for_each(|(d, &v)| *d += v);
    }
}

/// The patch gradients of [`conv2d_forward`], `dcols = dz . kernel^T`; [`col2im`] turns
/// them into the input gradient.
pub(crate) fn conv2d_backward_cols<E: Float>(
    dz: &[E],
    kernel: &[E],
    pixels: usize,
    c_out: usize,
    g: &Window2d,
    dcols: &mut [E],
) {
    gemm(
        mat(dz, pixels, c_out, false),
        mat(kernel, c_out, g.patch_len(), true),
        E::zero(),
        dcols,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct convolution, the definition, in f64.
    #[allow(clippy::too_many_arguments)]
    fn naive(x: &[f64], batch: usize, g: &Window2d, kernel: &[f64], bias: &[f64]) -> Vec<f64> {
        let c_out = bias.len();
        let mut out = vec![0.0; batch * g.oh * g.ow * c_out];
        for b in 0..batch {
            for oy in 0..g.oh {
                for ox in 0..g.ow {
                    for co in 0..c_out {
                        let mut acc = bias[co];
                        for ky in 0..g.k {
                            for kx in 0..g.k {
                                let iy = (oy * g.stride + ky) as isize - g.pad_top as isize;
                                let ix = (ox * g.stride + kx) as isize - g.pad_left as isize;
                                if iy < 0 || ix < 0 || iy >= g.h as isize || ix >= g.w as isize {
                                    continue;
                                }
                                for ci in 0..g.c {
                                    let xv =
                                        x[((b * g.h + iy as usize) * g.w + ix as usize) * g.c + ci];
                                    let kv = kernel[((ky * g.k + kx) * g.c + ci) * c_out + co];
                                    acc += xv * kv;
                                }
                            }
                        }
                        out[((b * g.oh + oy) * g.ow + ox) * c_out + co] = acc;
                    }
                }
            }
        }
        out
    }

    fn values(n: usize, seed: u64) -> Vec<f64> {
        (0..n)
            .map(|i| (((i as u64 * 2654435761 + seed * 97) % 1000) as f64) / 500.0 - 1.0)
            .collect()
    }

    #[test]
    fn im2col_and_product_match_the_definition() {
        // Valid and same, strides 1-3, odd sizes, kernels larger than the stride.
        for &(h, w, c, k, s, same) in &[
            (5, 5, 1, 3, 1, false),
            (6, 4, 2, 3, 2, false),
            (7, 5, 3, 3, 2, true),
            (4, 4, 2, 2, 2, true),
            (5, 6, 2, 3, 3, true),
            (3, 3, 1, 3, 1, true),
            (1, 1, 1, 1, 1, false),
        ] {
            let g = Window2d::new(h, w, c, k, s, same);
            // Six images on two threads: the split over the pool is exercised too.
            crate::kernels::set_num_threads(2);
            let (batch, c_out) = (6, 3);
            let x = values(batch * h * w * c, 1);
            let kernel = values(g.patch_len() * c_out, 2);
            let bias = values(c_out, 3);
            let pixels = batch * g.oh * g.ow;
            let mut cols = vec![0.0; pixels * g.patch_len()];
            im2col(&x, batch, &g, &mut cols);
            let mut out = vec![0.0; pixels * c_out];
            conv2d_forward(&cols, &kernel, &bias, pixels, &g, &mut out, &|_| {});
            let want = naive(&x, batch, &g, &kernel, &bias);
            for (a, b) in out.iter().zip(&want) {
                assert!((a - b).abs() < 1e-12, "{g:?}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // <im2col(x), y> == <x, col2im(y)> for every x, y.
        for &(h, w, c, k, s, same) in &[
            (5, 4, 2, 3, 1, false),
            (6, 5, 1, 3, 2, true),
            (4, 4, 3, 2, 2, false),
        ] {
            let g = Window2d::new(h, w, c, k, s, same);
            crate::kernels::set_num_threads(2);
            let batch = 5;
            let x = values(batch * h * w * c, 4);
            let y = values(batch * g.oh * g.ow * g.patch_len(), 5);
            let mut cols = vec![0.0; y.len()];
            im2col(&x, batch, &g, &mut cols);
            let mut back = vec![1.0; x.len()];
            col2im(&y, batch, &g, &mut back);
            let lhs: f64 = cols.iter().zip(&y).map(|(a, b)| a * b).sum();
            let rhs: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert!((lhs - rhs).abs() < 1e-9, "{g:?}: {lhs} vs {rhs}");
        }
    }

    #[test]
    fn same_padding_splits_like_keras() {
        // 5 wide, 3x3 stride 2 -> 3 outputs, 2 of padding in all, 1 on each side.
        let g = Window2d::new(5, 5, 1, 3, 2, true);
        assert_eq!((g.oh, g.pad_top), (3, 1));
        // 4 wide, 3x3 stride 1 -> 4 outputs, 2 in all: 1 before, 1 after.
        assert_eq!(Window2d::new(4, 4, 1, 3, 1, true).pad_left, 1);
        // 4 wide, 2x2 stride 1 -> 1 in all: 0 before (the extra goes after).
        assert_eq!(Window2d::new(4, 4, 1, 2, 1, true).pad_left, 0);
    }
}
