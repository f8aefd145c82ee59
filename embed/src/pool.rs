//! Pooling over `POOL x POOL` windows at stride `POOL` (Keras's default), and `FixedFlatten`.

use core::marker::PhantomData;

use crate::conv::{FixedPadding, Valid, pad_before, window_fits};
use crate::layer::FixedLayer;
use crate::message::ConstText;

/// How a pooling layer reduces a window.
pub trait PoolKind {
    /// The layer's name in compile-time size errors.
    const NAME: &'static str = "FixedPooling2D";
    /// Combines the inside values of one window (at least one).
    fn reduce(values: impl Iterator<Item = f32>) -> f32;
}

/// The maximum of the window.
#[derive(Clone, Copy, Debug, Default)]
pub struct MaxPool;
/// The mean of the window's inside positions (as TensorFlow with `same` padding).
#[derive(Clone, Copy, Debug, Default)]
pub struct AveragePool;

impl PoolKind for MaxPool {
    const NAME: &'static str = "FixedMaxPooling2D";
    fn reduce(values: impl Iterator<Item = f32>) -> f32 {
        values.fold(f32::NEG_INFINITY, f32::max)
    }
}
impl PoolKind for AveragePool {
    const NAME: &'static str = "FixedAveragePooling2D";
    fn reduce(values: impl Iterator<Item = f32>) -> f32 {
        let (sum, count) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
        sum / count as f32
    }
}

/// Pooling of `IH x IW x C` into `OH x OW x C`: shaped's `nn::MaxPooling2D` (with
/// [`MaxPool`]) and `nn::AveragePooling2D` (with [`AveragePool`]). Output sizes are checked
/// when the program is built, in [`new`](Self::new).
///
/// ```
/// use shaped_embed::{FixedLayer, FixedMaxPooling2D};
/// let pool = FixedMaxPooling2D::<2, 4, 1, 1, 2, 2>::new();
/// let mut y = [[[0.0; 1]; 2]; 1];
/// pool.forward(&[[[1.0], [5.0], [2.0], [0.0]], [[3.0], [4.0], [-1.0], [-2.0]]], &mut y, &mut []);
/// assert_eq!(y, [[[5.0], [2.0]]]);
/// ```
#[allow(clippy::type_complexity)]
pub struct FixedPooling2D<
    Kind,
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    const POOL: usize,
    P = Valid,
>(PhantomData<(Kind, P)>);

/// Max pooling, see [`FixedPooling2D`].
pub type FixedMaxPooling2D<
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    const POOL: usize,
    P = Valid,
> = FixedPooling2D<MaxPool, IH, IW, C, OH, OW, POOL, P>;
/// Average pooling, see [`FixedPooling2D`].
pub type FixedAveragePooling2D<
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    const POOL: usize,
    P = Valid,
> = FixedPooling2D<AveragePool, IH, IW, C, OH, OW, POOL, P>;

impl<
    Kind: PoolKind,
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    const POOL: usize,
    P: FixedPadding,
> FixedPooling2D<Kind, IH, IW, C, OH, OW, POOL, P>
{
    /// The layer; output sizes that the formula does not give are a compile error at the
    /// caller's line.
    pub const fn new() -> Self {
        const { window_fits(Kind::NAME, (IH, IW), POOL, POOL, P::SAME, (OH, OW)) };
        FixedPooling2D(PhantomData)
    }
}

impl<
    Kind: PoolKind,
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    const POOL: usize,
    P: FixedPadding,
> Default for FixedPooling2D<Kind, IH, IW, C, OH, OW, POOL, P>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<
    Kind: PoolKind,
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    const POOL: usize,
    P: FixedPadding,
> FixedLayer for FixedPooling2D<Kind, IH, IW, C, OH, OW, POOL, P>
{
    type Input = [[[f32; C]; IW]; IH];
    type Output = [[[f32; C]; OW]; OH];
    const SCRATCH: usize = 0;

    fn forward_with(&self, x: &Self::Input, y: &mut Self::Output, _: &mut [f32]) {
        let (top, left) = (
            pad_before(IH, POOL, POOL, P::SAME),
            pad_before(IW, POOL, POOL, P::SAME),
        );
        for (oy, row) in y.iter_mut().enumerate() {
            // The window's inside rows and columns (padding positions are skipped).
            let rows =
                (oy * POOL).saturating_sub(top)..(oy * POOL + POOL).saturating_sub(top).min(IH);
            for (ox, out) in row.iter_mut().enumerate() {
                let cols = (ox * POOL).saturating_sub(left)
                    ..(ox * POOL + POOL).saturating_sub(left).min(IW);
                for (c, o) in out.iter_mut().enumerate() {
                    *o = Kind::reduce(
                        rows.clone()
                            .flat_map(|iy| cols.clone().map(move |ix| (iy, ix)))
                            .map(|(iy, ix)| x[iy][ix][c]),
                    );
                }
            }
        }
    }
}

/// `H x W x C` images as vectors of `N = H * W * C` values (channels-last order, as
/// shaped's `nn::Flatten<N>`); `N` is checked when the program is built.
pub struct FixedFlatten<const H: usize, const W: usize, const C: usize, const N: usize>;

impl<const H: usize, const W: usize, const C: usize, const N: usize> FixedFlatten<H, W, C, N> {
    /// The layer; `N != H * W * C` is a compile error at the caller's line.
    pub const fn new() -> Self {
        const { flatten_fits((H, W, C), N) };
        FixedFlatten
    }
}

impl<const H: usize, const W: usize, const C: usize, const N: usize> Default
    for FixedFlatten<H, W, C, N>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const H: usize, const W: usize, const C: usize, const N: usize> FixedLayer
    for FixedFlatten<H, W, C, N>
{
    type Input = [[[f32; C]; W]; H];
    type Output = [f32; N];
    const SCRATCH: usize = 0;
    fn forward_with(&self, x: &Self::Input, y: &mut [f32; N], _: &mut [f32]) {
        y.copy_from_slice(x.as_flattened().as_flattened());
    }
}

/// Fails the build unless `len` (`N`) is `h * w * c`, at the caller's `const` block, with a
/// message naming every size: `FixedFlatten on 3x3x8 gives 72 values, not 64`.
#[track_caller]
const fn flatten_fits((h, w, c): (usize, usize, usize), len: usize) {
    let numel = match h.checked_mul(w) {
        Some(hw) => hw.checked_mul(c),
        None => None,
    };
    if let Some(numel) = numel
        && numel == len
    {
        return;
    }
    let text = ConstText::new()
        .str("FixedFlatten on ")
        .size((h, w))
        .str("x")
        .num(c);
    let text = match numel {
        Some(numel) => text.str(" gives ").num(numel).str(" values, not ").num(len),
        None => text.str(": more values than a usize can count"),
    };
    panic!("{}", text.as_str());
}

#[cfg(test)]
// Index loops spell the definitions out, as a reference should.
#[allow(clippy::needless_range_loop, clippy::too_many_arguments)]
mod tests {
    use super::*;
    use crate::Same;

    #[test]
    fn flatten_size_errors_name_every_size() {
        let message = |hwc, len| crate::message::panic_text(|| flatten_fits(hwc, len));
        flatten_fits((3, 3, 8), 72);
        flatten_fits((1, 0, 5), 0);
        assert_eq!(
            message((3, 3, 8), 64),
            "FixedFlatten on 3x3x8 gives 72 values, not 64"
        );
        assert_eq!(
            message((usize::MAX, 2, 1), 0),
            std::format!(
                "FixedFlatten on {}x2x1: more values than a usize can count",
                usize::MAX
            )
        );
        assert_eq!(
            message((2, usize::MAX / 2, 3), 0),
            std::format!(
                "FixedFlatten on 2x{}x3: more values than a usize can count",
                usize::MAX / 2
            )
        );
    }

    #[test]
    fn pooling_by_hand_with_and_without_padding() {
        let x: [[[f32; 2]; 3]; 3] = core::array::from_fn(|i| {
            core::array::from_fn(|j| [(i * 3 + j) as f32, -((i * 3 + j) as f32)])
        });
        // Valid 2x2 on 3x3: one window, rows 0-1, columns 0-1: values 0, 1, 3, 4.
        let mut y = [[[0.0; 2]; 1]; 1];
        FixedMaxPooling2D::<3, 3, 2, 1, 1, 2>::new().forward(&x, &mut y, &mut []);
        assert_eq!(y, [[[4.0, 0.0]]]);
        FixedAveragePooling2D::<3, 3, 2, 1, 1, 2>::new().forward(&x, &mut y, &mut []);
        assert_eq!(y, [[[2.0, -2.0]]]);
        // Same 2x2 on 3x3: 2x2 outputs, no padding before (total 1, smaller half 0); the
        // last row and column windows hold one or two inside values.
        let mut y = [[[0.0; 2]; 2]; 2];
        FixedAveragePooling2D::<3, 3, 2, 2, 2, 2, Same>::new().forward(&x, &mut y, &mut []);
        assert_eq!(y[0][0][0], 2.0);
        assert_eq!(y[0][1][0], (2.0 + 5.0) / 2.0);
        assert_eq!(y[1][0][0], (6.0 + 7.0) / 2.0);
        assert_eq!(y[1][1][0], 8.0);
        FixedMaxPooling2D::<3, 3, 2, 2, 2, 2, Same>::new().forward(&x, &mut y, &mut []);
        assert_eq!(y[1][1], [8.0, -8.0]);
    }

    #[test]
    fn flatten_keeps_channels_last_order() {
        let x = [[[1.0, 2.0], [3.0, 4.0]]];
        let mut y = [0.0; 4];
        FixedFlatten::<1, 2, 2, 4>::new().forward(&x, &mut y, &mut []);
        assert_eq!(y, [1.0, 2.0, 3.0, 4.0]);
    }
}
