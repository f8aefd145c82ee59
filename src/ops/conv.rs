//! 2-D convolution on channels-last (NHWC) batches, as im2col and one product: every output
//! pixel's `k x k x c_in` patch becomes a row of a matrix, which times the `(k k c_in,
//! c_out)` kernel gives the output. With its two vector-Jacobian products (kernel and
//! input), writing into reused buffers, so a training step allocates nothing.

use super::linear::{column_sums_into, mat};
use crate::kernels::AlignedVec;
use std::sync::Mutex;

use crate::kernels::{Mat, gemm, num_threads, par_chunks, par_for, widest};
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

    /// `true` when every window lies inside the image: no padding before the first row
    /// and column, and none after the last (same padding of an even window pads only
    /// after). Direct convolution reads windows in place and needs it.
    pub(crate) fn unpadded(&self) -> bool {
        let inside = |out: usize, len: usize| {
            out == 0
                || (out - 1)
                    .checked_mul(self.stride)
                    .and_then(|last| last.checked_add(self.k))
                    .is_some_and(|end| end <= len)
        };
        self.pad_top == 0
            && self.pad_left == 0
            && inside(self.oh, self.h)
            && inside(self.ow, self.w)
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

/// [`im2col`] then [`conv2d_forward`] in [`parts`] of the batch spread over the pool, each
/// part a group of images at a time ([`GROUP_BYTES`]) so that a product reads its group's
/// patches while they are in the core's cache; `cols` holds one group's patches per thread
/// (grown here). Each output value is the one a single product over the batch gives: a
/// group only takes rows of it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv2d_forward_patches<E: Float>(
    x: &[E],
    batch: usize,
    g: &Window2d,
    kernel: &[E],
    bias: &[E],
    cols: &mut Vec<E>,
    out: &mut [E],
    finish: &(dyn Fn(&mut [E]) + Sync),
) {
    let c_out = bias.len();
    let (image, pixels, patch) = (g.h * g.w * g.c, g.oh * g.ow, g.patch_len());
    assert_eq!(x.len(), batch * image, "conv forward: input size");
    assert_eq!(
        out.len(),
        batch * pixels * c_out,
        "conv forward: output size"
    );
    let p = parts::<E>(batch, g);
    let scratch = grown(cols, scratch_pieces(p.count) * p.scratch);
    par_parts(
        out,
        p.images * pixels * c_out,
        scratch,
        p.scratch,
        &|part, out, cols| {
            for (b0, images) in p.groups(part, out.len() / (pixels * c_out).max(1)) {
                let cols = &mut cols[..images * pixels * patch];
                im2col(&x[b0 * image..(b0 + images) * image], images, g, cols);
                let first = (b0 - part * p.images) * pixels * c_out;
                let out = &mut out[first..first + images * pixels * c_out];
                conv2d_forward(cols, kernel, bias, images * pixels, g, out, finish);
            }
        },
    );
}

/// [`conv2d_forward`] of a single image, its output channels split over the threads: each
/// thread builds the patch matrix itself (a cross-core read of a freshly written patch
/// matrix cost more than half of the split's gain, measured) and multiplies it by its
/// block of the kernel's columns. Every value is summed as by [`conv2d_forward`] (the
/// products split by columns anyway). Returns the `oh * ow * c_out` output values.
pub(crate) fn conv2d_forward_one_image<E: Float>(
    x: &[E],
    g: &Window2d,
    kernel: &[E],
    bias: &[E],
    finish: &(dyn Fn(&mut [E]) + Sync),
) -> AlignedVec<E> {
    let c_out = bias.len();
    let (pixels, patch) = (g.oh * g.ow, g.patch_len());
    assert_eq!(x.len(), g.h * g.w * g.c, "one image: input size");
    assert_eq!(kernel.len(), patch * c_out, "one image: kernel size");
    let parts = num_threads().min(c_out.div_ceil(SPLIT_COLUMNS)).max(1);
    let width = c_out.div_ceil(parts).div_ceil(SPLIT_COLUMNS) * SPLIT_COLUMNS;
    // Part `part`'s first output channel and how many it computes.
    let columns = |part: usize| {
        let lo = (part * width).min(c_out);
        (lo, width.min(c_out - lo))
    };
    // Each part's columns, pixel by pixel, then gathered into the output.
    let mut blocks = vec![E::zero(); pixels * width * parts];
    par_chunks(&mut blocks, pixels * width, 1, &|part, block| {
        let (lo, cols_here) = columns(part);
        let block = &mut block[..pixels * cols_here];
        let mut cols = vec![E::zero(); pixels * patch];
        im2col_image(x, g, &mut cols);
        for row in block.chunks_exact_mut(cols_here) {
            row.copy_from_slice(&bias[lo..lo + cols_here]);
        }
        let weights = Mat {
            rows: patch,
            cols: cols_here,
            rs: c_out,
            cs: 1,
            data: &kernel[lo..],
        };
        gemm(mat(&cols, pixels, patch, false), weights, E::one(), block);
    });
    let mut out = AlignedVec::filled(E::zero(), pixels * c_out);
    for (part, block) in blocks.chunks_exact(pixels * width).enumerate() {
        let (lo, cols_here) = columns(part);
        for (row, values) in out
            .chunks_exact_mut(c_out)
            .zip(block.chunks_exact(cols_here.max(1)))
        {
            row[lo..lo + cols_here].copy_from_slice(values);
        }
    }
    finish(&mut out);
    out
}

/// Whether [`conv2d_forward_one_image`] pays for one image of a layer with `c_out`
/// output channels: more than one thread, at least two blocks of columns and a product
/// of at least a million operations (some 10 us on one core).
pub(crate) fn split_suits(g: &Window2d, c_out: usize) -> bool {
    let flops = (g.oh * g.ow)
        .saturating_mul(g.patch_len())
        .saturating_mul(c_out)
        .saturating_mul(2);
    num_threads() > 1 && c_out >= 2 * SPLIT_COLUMNS && flops >= 1 << 20
}

/// Output channels per thread in [`conv2d_forward_one_image`] are a multiple of this (the
/// micro-kernel's width).
const SPLIT_COLUMNS: usize = 16;

/// Whether [`conv2d_forward_direct`] suits a window: no padding, and either a small patch
/// (summed tap by tap) or output rows of at least [`DIRECT_MIN_WIDTH`] pixels. A product per
/// output row re-reads its share of the kernel for every row, and one row of fewer pixels
/// leaves most of a product tile empty: there, one product over a patch matrix of the
/// whole image is faster (measured on a 5x5x64 input, 3x3 output rows).
pub(crate) fn direct_suits(g: &Window2d) -> bool {
    g.unpadded() && (small_patch_run(g).is_some() || g.ow >= DIRECT_MIN_WIDTH)
}

/// The fewest output pixels per row for which [`conv2d_forward_direct`] runs a product per
/// row.
const DIRECT_MIN_WIDTH: usize = 8;

/// [`conv2d_forward`] without a patch matrix, for windows without padding: output row `oy`
/// of an image is the sum over kernel rows `ky` of one product each, whose left matrix is
/// read in place from input row `oy * stride + ky` (its rows overlap: consecutive output
/// pixels start `stride * c_in` values apart, and each reads `k * c_in`). Used for
/// inference, where no patch matrix is kept for a backward pass; the terms are summed in
/// another order than [`conv2d_forward`]'s, so results may differ in the last bits.
/// Returns the `batch` images' outputs, bias first, then the products added, then `finish`
/// called once on every output value, in chunks of whole pixels (a group of pixels or an
/// output row, while it is in the L1 cache). The images are spread over the worker pool;
/// a single image's output rows are too (for the book's convnet's second layer: 44 us on
/// one thread, 26-31 on two, measured), and pooling splits a single image by rows the same
/// way, so that each thread mostly pools rows it wrote.
pub(crate) fn conv2d_forward_direct<E: Float, F: Fn(&mut [E]) + Sync>(
    x: &[E],
    batch: usize,
    g: &Window2d,
    kernel: &[E],
    bias: &[E],
    finish: &F,
) -> AlignedVec<E> {
    let out_len =
        g.oh.checked_mul(g.ow)
            .and_then(|n| n.checked_mul(bias.len()))
            .and_then(|n| n.checked_mul(batch))
            .expect("direct convolution: a size overflows usize");
    let mut out = AlignedVec::filled(E::zero(), out_len);
    conv2d_forward_direct_into(x, batch, g, kernel, bias, &mut out, finish);
    out
}

/// [`conv2d_forward_direct`] into `out` (`batch * oh * ow * c_out` values), which is
/// overwritten: training's forward pass, which reuses its output buffer.
pub(crate) fn conv2d_forward_direct_into<E: Float, F: Fn(&mut [E]) + Sync>(
    x: &[E],
    batch: usize,
    g: &Window2d,
    kernel: &[E],
    bias: &[E],
    out: &mut [E],
    finish: &F,
) {
    assert!(g.unpadded(), "direct convolution: padding");
    let c_out = bias.len();
    let sizes = || {
        let image = g.h.checked_mul(g.w)?.checked_mul(g.c)?;
        let out_image = g.oh.checked_mul(g.ow)?.checked_mul(c_out)?;
        let kernel = g.patch_len().checked_mul(c_out)?;
        Some((image, out_image, kernel, batch.checked_mul(out_image)?))
    };
    let (image, out_image, kernel_len, out_len) =
        sizes().expect("direct convolution: a size overflows usize");
    assert_eq!(
        Some(x.len()),
        batch.checked_mul(image),
        "direct convolution: input size"
    );
    assert_eq!(kernel.len(), kernel_len, "direct convolution: kernel size");
    assert_eq!(out.len(), out_len, "direct convolution: output size");
    if batch == 1 && num_threads() > 1 {
        // One image (an application classifying as inputs come): its output rows are
        // split over the threads. Every value is summed as on one thread.
        let rows = g.oh.div_ceil(num_threads());
        par_chunks(out, rows * g.ow * c_out, 2, &|part, y| {
            direct_pixels(x, g, kernel, bias, y, part * rows * g.ow, finish)
        });
        return;
    }
    par_chunks(out, out_image, 2, &|b, y| {
        direct_pixels(
            &x[b * image..(b + 1) * image],
            g,
            kernel,
            bias,
            y,
            0,
            finish,
        )
    });
}

/// [`conv2d_forward_direct`] on one image, `xb`: its output pixels from `first` on, as
/// many as `y` holds (for a product per row, `first` starts a row and `y` holds whole
/// rows).
fn direct_pixels<E: Float, F: Fn(&mut [E]) + Sync>(
    xb: &[E],
    g: &Window2d,
    kernel: &[E],
    bias: &[E],
    y: &mut [E],
    first: usize,
    finish: &F,
) {
    let c_out = bias.len();
    if taps_in_registers(xb, g, kernel, bias, y, first, finish) {
        return;
    }
    debug_assert_eq!(first % g.ow, 0, "direct convolution: whole rows");
    let run = g.k * g.c;
    y.chunks_exact_mut(c_out)
        .for_each(|pixel| pixel.copy_from_slice(bias));
    for (row, line) in y.chunks_exact_mut(g.ow * c_out).enumerate() {
        let oy = first / g.ow + row;
        for ky in 0..g.k {
            let iy = oy * g.stride + ky;
            let rows = Mat {
                rows: g.ow,
                cols: run,
                rs: g.stride * g.c,
                cs: 1,
                data: &xb[iy * g.w * g.c..],
            };
            let weights = &kernel[ky * run * c_out..(ky + 1) * run * c_out];
            gemm(rows, mat(weights, run, c_out, false), E::one(), line);
        }
        finish(line);
    }
}

/// Patches of at most this many values (a first layer: 3x3 on 1-3 channels) are summed
/// tap by tap in registers: a product per kernel row would do 3 multiply-adds per call.
const SMALL_PATCH: usize = 32;
/// Output channels summed together: one AVX-512 register of f32.
const LANES: usize = 16;

/// Output pixels summed together: independent sums that hide an addition's latency.
const PIXELS: usize = 8;

/// The window row length (`k * c_in`) when a patch is summed tap by tap: rows of 1 to
/// [`MAX_RUN`] values (a first layer: 3x3 on one channel, 5x5, or 3x3 on RGB) and patches
/// of at most [`SMALL_PATCH`] values.
fn small_patch_run(g: &Window2d) -> Option<usize> {
    let run = g.k * g.c;
    (g.patch_len() <= SMALL_PATCH && (1..=MAX_RUN).contains(&run)).then_some(run)
}

/// The longest window row summed tap by tap (each length is compiled on its own).
const MAX_RUN: usize = 9;

/// Writes the bias plus the patch times the kernel of output pixels `first..` into `yb`,
/// reading the input in place, when [`small_patch_run`] allows; returns `false` (nothing
/// written) otherwise. The row length becomes a constant, so the loop reads window rows without
/// bounds checks.
fn taps_in_registers<E: Float, F: Fn(&mut [E]) + Sync>(
    xb: &[E],
    g: &Window2d,
    kernel: &[E],
    bias: &[E],
    yb: &mut [E],
    first: usize,
    finish: &F,
) -> bool {
    macro_rules! runs {
        ($($run:literal)*) => {
            match small_patch_run(g) {
                $(Some($run) => taps::<E, F, $run>(xb, g, kernel, bias, yb, first, finish),)*
                _ => return false,
            }
        };
    }
    runs!(1 2 3 4 5 6 7 8 9);
    true
}

/// [`taps_in_registers`] for window rows of `RUN` values: 8 pixels and 16 channels at a
/// time, the sums kept in registers over the patch's taps and stored once, then `finish`
/// on those 8 rows while they are in the L1 cache (`finish` is generic so that an
/// activation is compiled into the same wide loop). Each value adds the taps in order,
/// `a * b + c` unfused, whatever the vector width (written with `mul_add`, the compiler
/// vectorized these loops badly: over 8x slower, measured).
fn taps<E: Float, F: Fn(&mut [E]) + Sync, const RUN: usize>(
    xb: &[E],
    g: &Window2d,
    kernel: &[E],
    bias: &[E],
    yb: &mut [E],
    first_pixel: usize,
    finish: &F,
) {
    let c_out = bias.len();
    let line = g.w * g.c;
    let first = |p: usize| ((p / g.ow) * g.stride * g.w + (p % g.ow) * g.stride) * g.c;
    widest(
        #[inline(always)]
        || {
            let mut groups = yb.chunks_exact_mut(PIXELS * c_out);
            let mut p = first_pixel;
            for group in &mut groups {
                let start = first(p);
                if p % g.ow + PIXELS <= g.ow {
                    // One output row: the pixels' windows are `stride * c_in` apart.
                    let step = g.stride * g.c;
                    let at = |j: usize, ky: usize| start + j * step + ky * line;
                    pixels::<E, RUN, PIXELS>(xb, g.k, kernel, bias, at, group);
                } else {
                    let starts: [usize; PIXELS] = core::array::from_fn(|j| first(p + j));
                    let at = |j: usize, ky: usize| starts[j] + ky * line;
                    pixels::<E, RUN, PIXELS>(xb, g.k, kernel, bias, at, group);
                }
                finish(group);
                p += PIXELS;
            }
            for y in groups.into_remainder().chunks_exact_mut(c_out) {
                let start = first(p);
                pixels::<E, RUN, 1>(xb, g.k, kernel, bias, |_, ky| start + ky * line, y);
                finish(y);
                p += 1;
            }
        },
    );
}

/// Writes `P` output rows of `y` (`c_out` values each): the bias plus their patches times
/// the kernel. Pixel `j`'s window row `ky` is the `RUN` input values from `at(j, ky)`.
#[inline(always)]
fn pixels<E: Float, const RUN: usize, const P: usize>(
    xb: &[E],
    k: usize,
    kernel: &[E],
    bias: &[E],
    at: impl Fn(usize, usize) -> usize,
    y: &mut [E],
) {
    let c_out = bias.len();
    let row = |j: usize, ky: usize| -> &[E; RUN] {
        let at = at(j, ky);
        xb[at..at + RUN]
            .try_into()
            .expect("a window row of RUN values")
    };
    let mut c0 = 0;
    while c0 + LANES <= c_out {
        let start: &[E; LANES] = bias[c0..c0 + LANES].try_into().expect("LANES values");
        let mut acc = [*start; P];
        for ky in 0..k {
            let rows: [&[E; RUN]; P] = core::array::from_fn(|j| row(j, ky));
            for r in 0..RUN {
                let t = (ky * RUN + r) * c_out + c0;
                let w: &[E; LANES] = kernel[t..t + LANES].try_into().expect("LANES values");
                for (sums, values) in acc.iter_mut().zip(&rows) {
                    let v = values[r];
                    for i in 0..LANES {
                        sums[i] += v * w[i];
                    }
                }
            }
        }
        for (j, sums) in acc.iter().enumerate() {
            y[j * c_out + c0..j * c_out + c0 + LANES].copy_from_slice(sums);
        }
        c0 += LANES;
    }
    for c in c0..c_out {
        for j in 0..P {
            let mut sum = bias[c];
            for ky in 0..k {
                for (r, &v) in row(j, ky).iter().enumerate() {
                    sum += v * kernel[(ky * RUN + r) * c_out + c];
                }
            }
            y[j * c_out + c] = sum;
        }
    }
}

/// `true` when a layer trains without a patch matrix: a small patch without padding (a
/// first layer), summed tap by tap in registers forward ([`conv2d_forward_direct_into`])
/// and backward ([`conv2d_backward_params_direct`]). A first layer's patch matrix was the
/// slowest part of its step: 9 values per pixel written, then read by two products of
/// inner size 9 (one of them on a single thread).
pub(crate) fn direct_trains(g: &Window2d) -> bool {
    g.unpadded() && small_patch_run(g).is_some()
}

/// The kernel and bias gradients of a convolution that [`direct_trains`], read from the
/// input in place. Each image's share is summed over the pool into `partials` (a kernel
/// and a bias per image, resized here), then the shares are added in image order, so the
/// result is the same whatever the number of threads. Overwrites `dkernel` and `dbias`.
pub(crate) fn conv2d_backward_params_direct<E: Float>(
    x: &[E],
    dz: &[E],
    batch: usize,
    g: &Window2d,
    partials: &mut Vec<E>,
    dkernel: &mut [E],
    dbias: &mut [E],
) {
    let run = small_patch_run(g).expect("a layer that trains directly");
    assert!(g.unpadded(), "direct convolution: padding");
    let c_out = dbias.len();
    let sizes = || {
        let image = g.h.checked_mul(g.w)?.checked_mul(g.c)?;
        let out_image = g.oh.checked_mul(g.ow)?.checked_mul(c_out)?;
        let kernel = g.patch_len().checked_mul(c_out)?;
        let share = kernel.checked_add(c_out)?;
        Some((image, out_image, kernel, share, batch.checked_mul(share)?))
    };
    let (image, out_image, kernel_len, share, partials_len) =
        sizes().expect("direct convolution: a size overflows usize");
    assert_eq!(
        Some(x.len()),
        batch.checked_mul(image),
        "direct convolution: input size"
    );
    assert_eq!(
        Some(dz.len()),
        batch.checked_mul(out_image),
        "direct convolution: output gradient size"
    );
    assert_eq!(dkernel.len(), kernel_len, "direct convolution: kernel size");
    partials.resize(partials_len, E::zero());
    par_chunks(&mut partials[..partials_len], share, 2, &|b, part| {
        let (dk, db) = part.split_at_mut(kernel_len);
        let (xb, dzb) = (
            &x[b * image..(b + 1) * image],
            &dz[b * out_image..(b + 1) * out_image],
        );
        image_params(xb, dzb, g, run, dk, db);
    });
    let parts = || partials[..partials_len].chunks_exact(share.max(1));
    sum_in_order(dkernel, parts().map(|part| &part[..kernel_len]));
    sum_in_order(dbias, parts().map(|part| &part[kernel_len..]));
}

/// Overwrites `out` with the sum of `partials` added one after another, in order: a sum
/// whose bits do not depend on how many threads computed the partials.
fn sum_in_order<'a, E: Float>(out: &mut [E], partials: impl Iterator<Item = &'a [E]>) {
    out.fill(E::zero());
    for partial in partials {
        out.iter_mut().zip(partial).for_each(|(d, &v)| *d += v);
    }
}

/// One image's kernel and bias gradients (overwritten), window rows of `run` values.
fn image_params<E: Float>(
    xb: &[E],
    dzb: &[E],
    g: &Window2d,
    run: usize,
    dk: &mut [E],
    db: &mut [E],
) {
    macro_rules! runs {
        ($($run:literal)*) => {
            match run {
                $($run => image_params_run::<E, $run>(xb, dzb, g, dk, db),)*
                _ => unreachable!("small_patch_run bounds the run"),
            }
        };
    }
    runs!(1 2 3 4 5 6 7 8 9);
}

/// [`image_params`] for window rows of `RUN` values: 8 pixels at a time, their output
/// gradients held in registers, 16 channels at a time, while each tap's sum is updated
/// once per group. Each sum adds the pixels in order.
fn image_params_run<E: Float, const RUN: usize>(
    xb: &[E],
    dzb: &[E],
    g: &Window2d,
    dk: &mut [E],
    db: &mut [E],
) {
    let c_out = db.len();
    dk.fill(E::zero());
    db.fill(E::zero());
    if c_out == 0 {
        return;
    }
    let line = g.w * g.c;
    let first = |p: usize| ((p / g.ow) * g.stride * g.w + (p % g.ow) * g.stride) * g.c;
    widest(
        #[inline(always)]
        || {
            let mut groups = dzb.chunks_exact(PIXELS * c_out);
            let mut p = 0;
            for group in &mut groups {
                let starts: [usize; PIXELS] = core::array::from_fn(|j| first(p + j));
                pixel_grads::<E, RUN, PIXELS>(xb, g.k, line, &starts, group, dk, db);
                p += PIXELS;
            }
            for d in groups.remainder().chunks_exact(c_out) {
                pixel_grads::<E, RUN, 1>(xb, g.k, line, &[first(p)], d, dk, db);
                p += 1;
            }
        },
    );
}

/// Adds `P` pixels' shares to the kernel and bias gradients: pixel `j`'s output gradient
/// is `d[j * c_out..]` and its window row `ky` the `RUN` input values from
/// `starts[j] + ky * line`.
#[inline(always)]
fn pixel_grads<E: Float, const RUN: usize, const P: usize>(
    xb: &[E],
    k: usize,
    line: usize,
    starts: &[usize; P],
    d: &[E],
    dk: &mut [E],
    db: &mut [E],
) {
    let c_out = db.len();
    let row = |j: usize, ky: usize| -> &[E; RUN] {
        let at = starts[j] + ky * line;
        xb[at..at + RUN]
            .try_into()
            .expect("a window row of RUN values")
    };
    let block = |at: usize| -> [E; LANES] { d[at..at + LANES].try_into().expect("LANES values") };
    let mut c0 = 0;
    while c0 + LANES <= c_out {
        let grads: [[E; LANES]; P] = core::array::from_fn(|j| block(j * c_out + c0));
        let bias: &mut [E; LANES] = (&mut db[c0..c0 + LANES]).try_into().expect("LANES values");
        for grad in &grads {
            for i in 0..LANES {
                bias[i] += grad[i];
            }
        }
        for ky in 0..k {
            let rows: [&[E; RUN]; P] = core::array::from_fn(|j| row(j, ky));
            for r in 0..RUN {
                let t = (ky * RUN + r) * c_out + c0;
                let sums: &mut [E; LANES] =
                    (&mut dk[t..t + LANES]).try_into().expect("LANES values");
                let mut acc = *sums;
                for (grad, values) in grads.iter().zip(&rows) {
                    let v = values[r];
                    for i in 0..LANES {
                        acc[i] += v * grad[i];
                    }
                }
                *sums = acc;
            }
        }
        c0 += LANES;
    }
    for c in c0..c_out {
        for j in 0..P {
            let grad = d[j * c_out + c];
            db[c] += grad;
            for ky in 0..k {
                for (r, &v) in row(j, ky).iter().enumerate() {
                    dk[(ky * RUN + r) * c_out + c] += v * grad;
                }
            }
        }
    }
}

/// The input gradient of [`conv2d_forward`]: the patch gradients `dz . kernel^T`
/// ([`conv2d_backward_cols`]) turned into `dx` by [`col2im`], in [`parts`] of the batch
/// spread over the pool, each a group of images at a time so that `col2im` reads the patch
/// gradients from the core's cache; `dcols` holds one group's per thread (grown here). Each
/// value is the one a single product over the batch gives. Overwrites `dx`.
pub(crate) fn conv2d_backward_input<E: Float>(
    dz: &[E],
    kernel: &[E],
    batch: usize,
    g: &Window2d,
    dcols: &mut Vec<E>,
    dx: &mut [E],
) {
    let c_out = kernel.len() / g.patch_len().max(1);
    let (image, pixels, patch) = (g.h * g.w * g.c, g.oh * g.ow, g.patch_len());
    assert_eq!(kernel.len(), patch * c_out, "conv backward: kernel size");
    assert_eq!(
        dz.len(),
        batch * pixels * c_out,
        "conv backward: gradient size"
    );
    assert_eq!(dx.len(), batch * image, "conv backward: input size");
    let p = parts::<E>(batch, g);
    let scratch = grown(dcols, scratch_pieces(p.count) * p.scratch);
    par_parts(
        dx,
        p.images * image,
        scratch,
        p.scratch,
        &|part, dx, dcols| {
            for (b0, images) in p.groups(part, dx.len() / image.max(1)) {
                let rows = images * pixels;
                let dcols = &mut dcols[..rows * patch];
                let dzg = &dz[b0 * pixels * c_out..][..rows * c_out];
                conv2d_backward_cols(dzg, kernel, rows, c_out, g, dcols);
                let first = (b0 - part * p.images) * image;
                col2im(dcols, images, g, &mut dx[first..first + images * image]);
            }
        },
    );
}

/// The kernel and bias gradients of [`conv2d_forward`]: `dkernel = patches^T . dz` and
/// `dbias = column sums of dz`. Each of the batch's [`parts`] sums its share into its own
/// partial kernel gradient over the pool, a group of images at a time over patches
/// rebuilt from `x` in the core's cache (rebuilding them costs less than keeping the
/// batch's in memory and reading them back); the partial sums are then added in part
/// order. The parts and groups depend on the batch and the layer's sizes only, so the
/// result is the same on any number of threads. `scratch` holds a partial gradient per
/// part and a group's patches per thread (grown here). Overwrites `dkernel` and `dbias`.
pub(crate) fn conv2d_backward_params<E: Float>(
    x: &[E],
    dz: &[E],
    batch: usize,
    g: &Window2d,
    scratch: &mut Vec<E>,
    dkernel: &mut [E],
    dbias: &mut [E],
) {
    let c_out = dbias.len();
    let (image, pixels, patch) = (g.h * g.w * g.c, g.oh * g.ow, g.patch_len());
    let kernel_len = patch * c_out;
    assert_eq!(x.len(), batch * image, "conv backward: input size");
    assert_eq!(
        dz.len(),
        batch * pixels * c_out,
        "conv backward: gradient size"
    );
    assert_eq!(dkernel.len(), kernel_len, "conv backward: kernel size");
    let p = parts::<E>(batch, g);
    let partials_len = p.count * kernel_len;
    let scratch = grown(scratch, partials_len + scratch_pieces(p.count) * p.scratch);
    let (partials, patches) = scratch.split_at_mut(partials_len);
    par_parts(
        partials,
        kernel_len,
        patches,
        p.scratch,
        &|part, partial, cols| {
            partial.fill(E::zero());
            let images = p.images.min(batch - part * p.images);
            for (b0, images) in p.groups(part, images) {
                let rows = images * pixels;
                let cols = &mut cols[..rows * patch];
                im2col(&x[b0 * image..(b0 + images) * image], images, g, cols);
                let dzg = &dz[b0 * pixels * c_out..][..rows * c_out];
                let (a, b) = (mat(cols, patch, rows, true), mat(dzg, rows, c_out, false));
                gemm(a, b, E::one(), partial);
            }
        },
    );
    sum_in_order(dkernel, partials.chunks_exact(kernel_len.max(1)));
    column_sums_into(dz, dbias);
}

/// How the batched passes split a batch: `count` parts of `images` images (the last one
/// possibly fewer), each taken a group of up to `group` images at a time; a group's
/// patches are at most `scratch` values.
#[derive(Clone, Copy, Debug)]
struct Parts {
    count: usize,
    images: usize,
    group: usize,
    scratch: usize,
}

impl Parts {
    /// Part `part`'s groups, `(first image, images)`, over its `images` images: as few
    /// as hold at most `group` images each, their sizes as even as can be (a last group
    /// of one image would multiply a short patch matrix).
    fn groups(self, part: usize, images: usize) -> impl Iterator<Item = (usize, usize)> {
        let first = part * self.images;
        let count = images.div_ceil(self.group);
        let start = move |i: usize| images * i / count.max(1);
        (0..count).map(move |i| (first + start(i), start(i + 1) - start(i)))
    }
}

/// The split of a batch of `batch` images for a window `g` with elements `E`: up to
/// [`PARTS`] parts (fixed whatever the number of threads, so that the kernel gradient's
/// partial sums are too), groups of patches within [`GROUP_BYTES`].
fn parts<E>(batch: usize, g: &Window2d) -> Parts {
    let per_image = (g.oh * g.ow).saturating_mul(g.patch_len());
    let bytes = per_image.saturating_mul(size_of::<E>()).max(1);
    let images = batch.div_ceil(PARTS).max(1);
    let group = (GROUP_BYTES / bytes).clamp(1, images);
    Parts {
        count: batch.div_ceil(images),
        images,
        group,
        scratch: group * per_image,
    }
}

/// Parts of a batch in the batched passes: each is one thread's work at a time, with
/// its own patch buffer and partial kernel gradient. Four keep two threads busy with
/// even shares and cost four partial gradients (73 KB each for the book's second layer).
const PARTS: usize = 4;

/// A group's patches: half of a core's L2 cache on the machines measured (1-2 MB), the
/// rest left to the kernel, the gradients and the output. Measured on the book's convnet
/// (groups of three images of 121 patches of 288 values): products of a group run at
/// 96-111 GFLOP/s against 66-99 over the whole batch's 8.9 MB of patches.
const GROUP_BYTES: usize = 1 << 19;

/// The first `len` values of `buffer`, grown when needed (never shrunk, so that a
/// warmed-up step allocates nothing).
fn grown<E: Float>(buffer: &mut Vec<E>, len: usize) -> &mut [E] {
    if buffer.len() < len {
        buffer.resize(len, E::zero());
    }
    &mut buffer[..len]
}

/// Calls `f(i, a_i, scratch)` for every piece `a_i` of `a.chunks_mut(a_chunk)` (at most
/// [`PARTS`]), spread over the pool, with `scratch` one of the `b_chunk`-value pieces of
/// `b`: piece `i % pieces`, held for the call. The pool runs part `i` on thread
/// `i % threads`, so with as many pieces as threads ([`scratch_pieces`]) no part waits
/// for another's, and each thread keeps reusing its own piece while it is in its cache.
fn par_parts<E: Float>(
    a: &mut [E],
    a_chunk: usize,
    b: &mut [E],
    b_chunk: usize,
    f: &(dyn Fn(usize, &mut [E], &mut [E]) + Sync),
) {
    let (a_chunk, b_chunk) = (a_chunk.max(1), b_chunk.max(1));
    let (count, pieces) = (a.len().div_ceil(a_chunk), b.len().div_ceil(b_chunk).max(1));
    assert!(count <= PARTS, "par_parts: more than PARTS pieces");
    let mut a = a.chunks_mut(a_chunk);
    let parts: [Mutex<Option<&mut [E]>>; PARTS] = core::array::from_fn(|_| Mutex::new(a.next()));
    let mut b = b.chunks_mut(b_chunk);
    let scratch: [Mutex<Option<&mut [E]>>; PARTS] = core::array::from_fn(|_| Mutex::new(b.next()));
    par_for(count, &|i| {
        let piece = parts[i].lock().map(|mut s| s.take());
        let mut held = scratch[i % pieces]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Ok(Some(piece)) = piece {
            // No scratch at all when a group's patches hold no values.
            f(i, piece, held.as_deref_mut().unwrap_or_default());
        }
    });
}

/// Scratch pieces for [`par_parts`] over `parts` parts: one per thread that runs them.
fn scratch_pieces(parts: usize) -> usize {
    num_threads().min(parts).max(1)
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

    /// Input, kernel and bias of a convolution of `batch` images to `c_out` channels.
    fn operands(g: &Window2d, batch: usize, c_out: usize, seed: u64) -> [Vec<f64>; 3] {
        [
            values(batch * g.h * g.w * g.c, seed),
            values(g.patch_len() * c_out, seed + 1),
            values(c_out, seed + 2),
        ]
    }

    #[track_caller]
    fn assert_matches(g: &Window2d, got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len(), "{g:?}");
        for (a, b) in got.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{g:?}: {a} vs {b}");
        }
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
            let [x, kernel, bias] = operands(&g, batch, c_out, 1);
            let pixels = batch * g.oh * g.ow;
            let mut cols = vec![0.0; pixels * g.patch_len()];
            im2col(&x, batch, &g, &mut cols);
            let mut out = vec![0.0; pixels * c_out];
            conv2d_forward(&cols, &kernel, &bias, pixels, &g, &mut out, &|_| {});
            assert_matches(&g, &out, &naive(&x, batch, &g, &kernel, &bias));
        }
    }

    #[test]
    fn direct_convolution_matches_the_definition() {
        // Windows without padding: strides 1-3, kernels of 1-4, sizes that leave a
        // remainder, channel counts around the product kernels' tiles, one and five images
        // (split over the pool by image). `finish` (here a negation) sees every output value
        // once, after its sum, in chunks of whole pixels.
        for &(h, w, c, k, s, c_out) in &[
            (5, 5, 1, 3, 1, 3),
            (6, 7, 2, 3, 2, 5),
            (9, 8, 3, 4, 3, 17),
            (4, 4, 5, 1, 1, 33),
            (3, 3, 1, 3, 1, 1),
            (12, 10, 16, 3, 1, 70),
            (31, 29, 2, 3, 1, 20),
        ] {
            let g = Window2d::new(h, w, c, k, s, false);
            // One image on two threads: its output rows are split.
            for (batch, threads) in [(1, 1), (1, 2), (5, 2)] {
                crate::kernels::set_num_threads(threads);
                let [x, kernel, bias] = operands(&g, batch, c_out, 6);
                let finished = std::sync::atomic::AtomicUsize::new(0);
                let out = conv2d_forward_direct(&x, batch, &g, &kernel, &bias, &|chunk| {
                    assert_eq!(chunk.len() % c_out, 0, "{g:?}: a chunk of whole pixels");
                    chunk.iter_mut().for_each(|v| *v = -*v);
                    finished.fetch_add(chunk.len(), std::sync::atomic::Ordering::Relaxed);
                });
                let want = naive(&x, batch, &g, &kernel, &bias);
                assert_eq!(finished.into_inner(), want.len());
                let negated: Vec<f64> = out.iter().map(|v| -v).collect();
                assert_matches(&g, &negated, &want);
            }
        }
    }

    #[test]
    fn one_image_split_over_threads_is_the_one_thread_result_to_the_bit() {
        // f32, so that the crate's own product kernels run. Output channels around the
        // 16-wide column blocks (one block, a remainder, uneven halves), padding, strides.
        let f32s = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect::<Vec<f32>>();
        for &(h, w, c, k, s, same, c_out) in &[
            (5, 5, 64, 3, 1, false, 128),
            (7, 6, 8, 3, 2, true, 20),
            (6, 6, 3, 3, 1, true, 33),
            (9, 9, 16, 3, 1, false, 48),
            (4, 5, 4, 2, 2, false, 70),
            (13, 13, 32, 3, 1, false, 64),
        ] {
            let g = Window2d::new(h, w, c, k, s, same);
            let [x, kernel, bias] = operands(&g, 1, c_out, 3).map(f32s);
            let relu = |v: &mut [f32]| v.iter_mut().for_each(|v| *v = v.max(0.0));
            crate::kernels::set_num_threads(1);
            let pixels = g.oh * g.ow;
            let mut cols = vec![0.0; pixels * g.patch_len()];
            im2col(&x, 1, &g, &mut cols);
            let mut want = vec![0.0; pixels * c_out];
            conv2d_forward(&cols, &kernel, &bias, pixels, &g, &mut want, &relu);
            let direct_one = g
                .unpadded()
                .then(|| conv2d_forward_direct(&x, 1, &g, &kernel, &bias, &relu));
            crate::kernels::set_num_threads(2);
            let split = conv2d_forward_one_image(&x, &g, &kernel, &bias, &relu);
            assert_eq!(
                split.as_slice(),
                want,
                "{g:?}, {c_out} channels: split by columns"
            );
            if let Some(one) = direct_one {
                let two = conv2d_forward_direct(&x, 1, &g, &kernel, &bias, &relu);
                assert_eq!(two, one, "{g:?}, {c_out} channels: direct, split by rows");
            }
        }
    }

    #[test]
    fn direct_kernel_gradients_match_the_definition_on_any_thread_count() {
        // Patches small enough to sum tap by tap (window rows of 1-9 values): strides 1-2,
        // remainders of the 8-pixel groups, output channels around the 16-lane blocks; the
        // result is the same to the bit on one and two threads.
        for &(h, w, c, k, s, c_out) in &[
            (5, 5, 1, 3, 1, 3),
            (6, 7, 2, 3, 2, 16),
            (7, 6, 3, 3, 1, 17),
            (4, 5, 1, 1, 1, 35),
            (9, 9, 1, 5, 2, 32),
        ] {
            let g = Window2d::new(h, w, c, k, s, false);
            assert!(direct_trains(&g), "{g:?}");
            let batch = 5;
            let [x, _, _] = operands(&g, batch, c_out, 21);
            let dz = values(batch * g.oh * g.ow * c_out, 22);
            let mut want_dk = vec![0.0; g.patch_len() * c_out];
            let mut want_db = vec![0.0; c_out];
            for b in 0..batch {
                for oy in 0..g.oh {
                    for ox in 0..g.ow {
                        let pixel = (b * g.oh + oy) * g.ow + ox;
                        for co in 0..c_out {
                            let d = dz[pixel * c_out + co];
                            want_db[co] += d;
                            for ky in 0..k {
                                for kx in 0..k {
                                    for ci in 0..c {
                                        let (iy, ix) = (oy * s + ky, ox * s + kx);
                                        let v = x[((b * h + iy) * w + ix) * c + ci];
                                        want_dk[((ky * k + kx) * c + ci) * c_out + co] += v * d;
                                    }
                                }
                            }
                        }
                    }
                }
            }
            let [one, two] = [1, 2].map(|threads| {
                crate::kernels::set_num_threads(threads);
                let (mut dk, mut db) = (vec![f64::NAN; want_dk.len()], vec![f64::NAN; c_out]);
                let mut partials = Vec::new();
                conv2d_backward_params_direct(&x, &dz, batch, &g, &mut partials, &mut dk, &mut db);
                (dk, db)
            });
            let (dk, db) = &one;
            assert_matches(&g, dk, &want_dk);
            assert_matches(&g, db, &want_db);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&two.0),
                bits(dk),
                "{g:?}: kernel gradient on two threads"
            );
            assert_eq!(
                bits(&two.1),
                bits(db),
                "{g:?}: bias gradient on two threads"
            );
        }
    }

    #[test]
    fn windows_padded_after_the_image_are_not_read_in_place() {
        // Same padding of an even window pads only after the last row and column.
        assert!(!Window2d::new(4, 3, 1, 2, 1, true).unpadded());
        assert!(!Window2d::new(4, 4, 1, 2, 1, true).unpadded());
        assert!(Window2d::new(4, 4, 1, 2, 2, true).unpadded());
        assert!(Window2d::new(4, 4, 1, 1, 1, true).unpadded());
        assert!(!Window2d::new(5, 5, 1, 3, 1, true).unpadded());
        assert!(Window2d::new(5, 5, 1, 3, 1, false).unpadded());
        assert!(Window2d::new(6, 7, 1, 3, 2, false).unpadded());
        assert!(!direct_suits(&Window2d::new(4, 3, 1, 2, 1, true)));
        assert!(!direct_trains(&Window2d::new(4, 3, 1, 2, 1, true)));
    }

    #[test]
    fn direct_convolution_of_no_images_or_no_channels_is_empty() {
        for (c, c_out, batch) in [(1, 0, 2), (16, 0, 1), (1, 4, 0)] {
            let g = Window2d::new(5, 5, c, 3, 1, false);
            let [x, kernel, bias] = operands(&g, batch, c_out, 1);
            let out = conv2d_forward_direct(&x, batch, &g, &kernel, &bias, &|_| {});
            assert!(out.is_empty());
        }
    }

    #[test]
    #[should_panic(expected = "direct convolution: input size")]
    fn direct_convolution_refuses_an_input_of_the_wrong_size() {
        let g = Window2d::new(5, 5, 2, 3, 1, false);
        let [x, kernel, bias] = operands(&g, 2, 4, 1);
        // Two images' kernel and bias, an input one value short of two images.
        conv2d_forward_direct(&x[1..], 2, &g, &kernel, &bias, &|_| {});
    }

    #[test]
    #[should_panic(expected = "direct convolution: a size overflows usize")]
    fn direct_convolution_refuses_sizes_that_overflow() {
        let g = Window2d::new(5, 5, 2, 3, 1, false);
        let [x, kernel, bias] = operands(&g, 1, 4, 1);
        conv2d_forward_direct(&x, usize::MAX / 2, &g, &kernel, &bias, &|_| {});
    }

    #[test]
    fn direct_convolution_in_f32_tracks_f64() {
        // The f32 product kernels (AVX-512 small rows, packed, narrow) read the overlapping
        // rows in place: compared with the f64 definition.
        for &(h, w, c, k, s, c_out) in &[
            (28, 28, 1, 3, 1, 32),
            (13, 13, 32, 3, 1, 64),
            (7, 9, 4, 3, 2, 10),
        ] {
            let g = Window2d::new(h, w, c, k, s, false);
            let [x, kernel, bias] = operands(&g, 1, c_out, 9);
            let as_f32 = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<_>>();
            let out = conv2d_forward_direct(
                &as_f32(&x),
                1,
                &g,
                &as_f32(&kernel),
                &as_f32(&bias),
                &|_| {},
            );
            let want = naive(&x, 1, &g, &kernel, &bias);
            for (a, b) in out.iter().zip(&want) {
                assert!(
                    (f64::from(*a) - b).abs() < 1e-4 * (1.0 + b.abs()),
                    "{g:?}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn grouped_passes_match_the_definition_across_groups() {
        // Patches of 295 KB per image in f64 (16x16 pixels of 144 values): three parts of
        // one image; then same padding with stride 2: four parts of 3, 3, 3 and 2 images,
        // in groups of one and two.
        for &(h, w, c, k, s, same, batch) in
            &[(18, 18, 16, 3, 1, false, 3), (33, 31, 12, 3, 2, true, 11)]
        {
            let g = Window2d::new(h, w, c, k, s, same);
            let c_out = 5;
            let p = parts::<f64>(batch, &g);
            let groups: usize = (0..p.count)
                .map(|i| p.groups(i, p.images.min(batch - i * p.images)).count())
                .sum();
            assert!(groups >= 3 && p.count >= 3, "{g:?}: {p:?}, {groups} groups");
            crate::kernels::set_num_threads(2);
            let [x, kernel, bias] = operands(&g, batch, c_out, 8);
            let mut cols = Vec::new();
            let mut out = vec![0.0; batch * g.oh * g.ow * c_out];
            conv2d_forward_patches(&x, batch, &g, &kernel, &bias, &mut cols, &mut out, &|_| {});
            assert_matches(&g, &out, &naive(&x, batch, &g, &kernel, &bias));

            let dz = values(out.len(), 9);
            let (mut dkernel, mut dbias) = (vec![f64::NAN; kernel.len()], vec![f64::NAN; c_out]);
            conv2d_backward_params(&x, &dz, batch, &g, &mut cols, &mut dkernel, &mut dbias);
            let mut dx = vec![f64::NAN; x.len()];
            conv2d_backward_input(&dz, &kernel, batch, &g, &mut cols, &mut dx);
            // The definition: every (output, window position) pair inside the image.
            let (mut want_dk, mut want_db, mut want_dx) = (
                vec![0.0; kernel.len()],
                vec![0.0; c_out],
                vec![0.0; x.len()],
            );
            for b in 0..batch {
                for oy in 0..g.oh {
                    for ox in 0..g.ow {
                        let o = ((b * g.oh + oy) * g.ow + ox) * c_out;
                        for co in 0..c_out {
                            want_db[co] += dz[o + co];
                        }
                        for ky in 0..g.k {
                            for kx in 0..g.k {
                                let (Some(iy), Some(ix)) =
                                    (g.input_row(oy, ky), g.input_col(ox, kx))
                                else {
                                    continue;
                                };
                                for ci in 0..g.c {
                                    let xi = ((b * g.h + iy) * g.w + ix) * g.c + ci;
                                    let t = ((ky * g.k + kx) * g.c + ci) * c_out;
                                    for co in 0..c_out {
                                        want_dk[t + co] += x[xi] * dz[o + co];
                                        want_dx[xi] += kernel[t + co] * dz[o + co];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            assert_matches(&g, &dkernel, &want_dk);
            assert_matches(&g, &dbias, &want_db);
            assert_matches(&g, &dx, &want_dx);
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
