//! `FixedConv2D`: a direct 2-D convolution over borrowed weights, channels-last like
//! shaped's `nn::Conv2D` (Keras layout), and the padding markers both crates share.

use core::marker::PhantomData;

use crate::activation::{FixedActivation, Linear};
use crate::layer::FixedLayer;
use crate::message::ConstText;

/// How a window layer treats the border (Keras's `padding`).
pub trait FixedPadding {
    /// `true` for `same`: zero padding so that the output is `ceil(input / stride)`.
    const SAME: bool;
}

/// No padding (Keras's default): the output is `(input - kernel) / stride + 1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Valid;

/// Zero padding, smaller half first (as Keras and TensorFlow do): the output is
/// `ceil(input / stride)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Same;

impl FixedPadding for Valid {
    const SAME: bool = false;
}
impl FixedPadding for Same {
    const SAME: bool = true;
}

/// The output size of a window of `k` at stride `s` over `n` (0 when it does not fit).
pub(crate) const fn window_out(n: usize, k: usize, s: usize, same: bool) -> usize {
    if s == 0 {
        0
    } else if same {
        n.div_ceil(s)
    } else if n >= k {
        (n - k) / s + 1
    } else {
        0
    }
}

/// Fails the build unless a `k` window at stride `s` over `input` gives `output`, with a
/// message naming the layer and every size, e.g. `FixedConv2D 3x3, stride 1, valid, on
/// 8x8 gives 6x6, not 7x7`. `track_caller` puts the error at the layer's `const` block,
/// without a frame inside this function.
#[track_caller]
pub(crate) const fn window_fits(
    layer: &str,
    input: (usize, usize),
    k: usize,
    s: usize,
    same: bool,
    output: (usize, usize),
) {
    let given = (
        window_out(input.0, k, s, same),
        window_out(input.1, k, s, same),
    );
    if given.0 == output.0 && given.1 == output.1 {
        return;
    }
    let text = ConstText::new()
        .str(layer)
        .str(" ")
        .size((k, k))
        .str(", stride ")
        .num(s)
        .str(if same { ", same, on " } else { ", valid, on " })
        .size(input);
    let text = if k == 0 || s == 0 {
        text.str(": the window and the stride must be at least 1")
    } else if !same && (k > input.0 || k > input.1) {
        text.str(": the window is larger than the input (valid padding)")
    } else {
        text.str(" gives ").size(given).str(", not ").size(output)
    };
    panic!("{}", text.as_str());
}

/// Positions of zero padding before the first input (the smaller half, as TensorFlow).
pub(crate) const fn pad_before(n: usize, k: usize, s: usize, same: bool) -> usize {
    if !same || s == 0 {
        return 0;
    }
    let total = (n.div_ceil(s).saturating_sub(1) * s + k).saturating_sub(n);
    total / 2
}

/// `activation(conv(x, kernel) + bias)` for one `IH x IW x IC` image, `K x K` kernel,
/// stride `S`, padding `P`, giving `OH x OW x OC`: shaped's `nn::Conv2D` with borrowed
/// weights (kernel `[K][K][IC][OC]`). The activation applies per pixel over the channels
/// (so `Softmax` is over channels, as in Keras). Output sizes are checked when the program
/// is built, in [`new`](Self::new).
///
/// ```
/// use shaped_embed::{FixedConv2D, FixedLayer, Linear};
/// // One 2x2 filter that sums its window, on a 3x3 one-channel image.
/// static K: [[[[f32; 1]; 1]; 2]; 2] = [[[[1.0]], [[1.0]]], [[[1.0]], [[1.0]]]];
/// static B: [f32; 1] = [0.0];
/// let conv = FixedConv2D::<3, 3, 1, 2, 2, 1, 2, Linear>::new(&K, &B);
/// let x = [[[1.0], [2.0], [3.0]], [[4.0], [5.0], [6.0]], [[7.0], [8.0], [9.0]]];
/// let mut y = [[[0.0; 1]; 2]; 2];
/// conv.forward(&x, &mut y, &mut []);
/// assert_eq!(y, [[[12.0], [16.0]], [[24.0], [28.0]]]);
/// ```
#[allow(clippy::type_complexity)]
pub struct FixedConv2D<
    'w,
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    const K: usize,
    A = Linear,
    const S: usize = 1,
    P = Valid,
> {
    kernel: &'w [[[[f32; OC]; IC]; K]; K],
    bias: &'w [f32; OC],
    marker: PhantomData<(A, P)>,
}

impl<
    'w,
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    const K: usize,
    A: FixedActivation,
    const S: usize,
    P: FixedPadding,
> FixedConv2D<'w, IH, IW, IC, OH, OW, OC, K, A, S, P>
{
    /// A layer over the given weights; output sizes that the formula does not give are a
    /// compile error at the caller's line.
    pub const fn new(kernel: &'w [[[[f32; OC]; IC]; K]; K], bias: &'w [f32; OC]) -> Self {
        const { window_fits("FixedConv2D", (IH, IW), K, S, P::SAME, (OH, OW)) };
        FixedConv2D {
            kernel,
            bias,
            marker: PhantomData,
        }
    }
}

impl<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    const K: usize,
    A: FixedActivation,
    const S: usize,
    P: FixedPadding,
> FixedLayer for FixedConv2D<'_, IH, IW, IC, OH, OW, OC, K, A, S, P>
{
    type Input = [[[f32; IC]; IW]; IH];
    type Output = [[[f32; OC]; OW]; OH];
    const SCRATCH: usize = 0;

    fn forward_with(&self, x: &Self::Input, y: &mut Self::Output, _: &mut [f32]) {
        let (top, left) = (pad_before(IH, K, S, P::SAME), pad_before(IW, K, S, P::SAME));
        for (oy, row) in y.iter_mut().enumerate() {
            for (ox, out) in row.iter_mut().enumerate() {
                *out = *self.bias;
                for (ky, kernel_row) in self.kernel.iter().enumerate() {
                    // Input row oy * S + ky - top; outside the image it is padding (zero).
                    let Some(iy) = (oy * S + ky).checked_sub(top).filter(|&iy| iy < IH) else {
                        continue;
                    };
                    for (kx, taps) in kernel_row.iter().enumerate() {
                        let Some(ix) = (ox * S + kx).checked_sub(left).filter(|&ix| ix < IW) else {
                            continue;
                        };
                        for (&v, tap) in x[iy][ix].iter().zip(taps) {
                            if v != 0.0 {
                                for (o, &w) in out.iter_mut().zip(tap) {
                                    *o += v * w;
                                }
                            }
                        }
                    }
                }
                A::apply(out);
            }
        }
    }
}

#[cfg(test)]
// Index loops spell the definitions out, as a reference should.
#[allow(clippy::needless_range_loop, clippy::too_many_arguments)]
mod tests {
    use super::*;
    use crate::Relu;

    #[test]
    fn size_errors_name_the_layer_and_every_size() {
        let message = |input, k, s, same, output| {
            crate::message::panic_text(|| window_fits("FixedConv2D", input, k, s, same, output))
        };
        window_fits("FixedConv2D", (28, 28), 3, 1, false, (26, 26));
        window_fits("FixedConv2D", (11, 12), 3, 2, true, (6, 6));
        assert_eq!(
            message((8, 8), 3, 1, false, (7, 7)),
            "FixedConv2D 3x3, stride 1, valid, on 8x8 gives 6x6, not 7x7"
        );
        assert_eq!(
            message((5, 9), 2, 2, true, (3, 4)),
            "FixedConv2D 2x2, stride 2, same, on 5x9 gives 3x5, not 3x4"
        );
        assert_eq!(
            message((4, 9), 5, 1, false, (1, 5)),
            "FixedConv2D 5x5, stride 1, valid, on 4x9: the window is larger than the input (valid padding)"
        );
        assert_eq!(
            message((4, 4), 3, 0, false, (1, 1)),
            "FixedConv2D 3x3, stride 0, valid, on 4x4: the window and the stride must be at least 1"
        );
    }

    #[test]
    fn output_sizes_follow_keras() {
        assert_eq!(window_out(28, 3, 1, false), 26);
        assert_eq!(window_out(5, 3, 2, false), 2);
        assert_eq!(window_out(5, 3, 2, true), 3);
        assert_eq!(window_out(2, 3, 1, false), 0);
        assert_eq!(pad_before(5, 3, 2, true), 1);
        assert_eq!(pad_before(4, 2, 2, true), 0);
        assert_eq!(pad_before(5, 4, 1, true), 1);
    }

    /// The convolution written as its definition, over a zero-padded copy.
    fn reference<
        const IH: usize,
        const IW: usize,
        const IC: usize,
        const OC: usize,
        const K: usize,
    >(
        x: &[[[f32; IC]; IW]; IH],
        kernel: &[[[[f32; OC]; IC]; K]; K],
        bias: &[f32; OC],
        s: usize,
        same: bool,
        (oh, ow): (usize, usize),
        oy: usize,
        ox: usize,
        oc: usize,
    ) -> f32 {
        let (top, left) = (pad_before(IH, K, s, same), pad_before(IW, K, s, same));
        assert!(oy < oh && ox < ow);
        let mut sum = bias[oc] as f64;
        for ky in 0..K {
            for kx in 0..K {
                let (py, px) = (
                    (oy * s + ky) as isize - top as isize,
                    (ox * s + kx) as isize - left as isize,
                );
                if py < 0 || px < 0 || py >= IH as isize || px >= IW as isize {
                    continue;
                }
                for ic in 0..IC {
                    sum += x[py as usize][px as usize][ic] as f64 * kernel[ky][kx][ic][oc] as f64;
                }
            }
        }
        sum as f32
    }

    fn check<
        const IH: usize,
        const IW: usize,
        const OH: usize,
        const OW: usize,
        const S: usize,
        P: FixedPadding,
    >() {
        let kernel: [[[[f32; 3]; 2]; 3]; 3] = core::array::from_fn(|a| {
            core::array::from_fn(|b| {
                core::array::from_fn(|c| {
                    core::array::from_fn(|d| ((a * 7 + b * 5 + c * 3 + d) % 11) as f32 * 0.1 - 0.5)
                })
            })
        });
        let bias = [0.25, -0.5, 0.0];
        let x: [[[f32; 2]; IW]; IH] = core::array::from_fn(|i| {
            core::array::from_fn(|j| {
                core::array::from_fn(|c| {
                    if (i + j + c) % 4 == 0 {
                        0.0
                    } else {
                        (i * IW + j) as f32 * 0.3 - c as f32
                    }
                })
            })
        });
        let conv = FixedConv2D::<IH, IW, 2, OH, OW, 3, 3, Linear, S, P>::new(&kernel, &bias);
        let mut y = [[[0.0; 3]; OW]; OH];
        conv.forward(&x, &mut y, &mut []);
        for oy in 0..OH {
            for ox in 0..OW {
                for oc in 0..3 {
                    let want = reference(&x, &kernel, &bias, S, P::SAME, (OH, OW), oy, ox, oc);
                    assert!(
                        (y[oy][ox][oc] - want).abs() < 1e-4,
                        "({oy}, {ox}, {oc}): {} vs {want}",
                        y[oy][ox][oc]
                    );
                }
            }
        }
    }

    #[test]
    fn convolutions_match_the_definition_with_strides_and_padding() {
        check::<5, 6, 3, 4, 1, Valid>();
        check::<5, 6, 5, 6, 1, Same>();
        check::<7, 6, 3, 2, 2, Valid>();
        check::<7, 6, 4, 3, 2, Same>();
        check::<4, 4, 2, 2, 3, Same>();
    }

    #[test]
    fn the_activation_applies_per_pixel() {
        static K: [[[[f32; 2]; 1]; 1]; 1] = [[[[1.0, -1.0]]]];
        static B: [f32; 2] = [0.0, 0.0];
        let conv = FixedConv2D::<1, 2, 1, 1, 2, 2, 1, Relu>::new(&K, &B);
        let mut y = [[[0.0; 2]; 2]; 1];
        conv.forward(&[[[3.0], [-2.0]]], &mut y, &mut []);
        assert_eq!(y, [[[3.0, 0.0], [0.0, 2.0]]]);
    }
}
