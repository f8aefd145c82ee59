//! Any-depth fixed-size nets: a layer maps one [`Activations`] block to another, and a tuple
//! of layers whose sizes link up is itself a layer. Between layers, activations live in one
//! scratch buffer whose size [`FixedLayer::SCRATCH`] is computed at compile time from the
//! layer sizes; no layer keeps its own stack array.

use crate::buffer::Activations;

/// A fixed-size layer or chain of layers: `forward` writes `Output` for `Input` without
/// allocating.
///
/// ```
/// use shaped_embed::{FixedDense, FixedLayer, Relu, Softmax};
/// static K1: [[f32; 2]; 3] = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
/// static K2: [[f32; 2]; 2] = [[1.0, 0.0], [0.0, 1.0]];
/// static B: [f32; 2] = [0.0, 0.0];
/// type Net = (FixedDense<'static, 3, 2, Relu>, FixedDense<'static, 2, 2, Softmax>);
/// let net: Net = (FixedDense::new(&K1, &B), FixedDense::new(&K2, &B));
/// // One buffer for every activation between the layers, sized when the program is built.
/// let mut scratch = [0.0; <Net as FixedLayer>::SCRATCH];
/// let mut probs = [0.0; 2];
/// net.forward(&[1.0, 0.0, 0.0], &mut probs, &mut scratch);
/// assert!(probs[0] > probs[1]);
/// assert_eq!(net.classify(&[0.0, 3.0, 0.0], &mut scratch).0, 1);
/// ```
pub trait FixedLayer {
    /// What the layer reads.
    type Input: Activations;
    /// What the layer writes.
    type Output: Activations;
    /// Floats of scratch space the forward pass needs besides its input and output (for a
    /// chain: every activation between its layers, ping-ponging between the two ends of one
    /// buffer, plus the largest need of a layer inside it).
    const SCRATCH: usize;

    /// `y = layer(x)`, with `scratch` for intermediate values.
    ///
    /// # Panics
    /// When `scratch` has fewer than [`SCRATCH`](Self::SCRATCH) floats;
    /// [`forward`](Self::forward) checks that when the program is built instead.
    fn forward_with(&self, x: &Self::Input, y: &mut Self::Output, scratch: &mut [f32]);

    /// `y = layer(x)`; a `scratch` smaller than [`SCRATCH`](Self::SCRATCH) is a compile
    /// error. Declare it as `[0.0; <Net as FixedLayer>::SCRATCH]`.
    fn forward<const N: usize>(
        &self,
        x: &Self::Input,
        y: &mut Self::Output,
        scratch: &mut [f32; N],
    ) {
        const { scratch_fits(N, Self::SCRATCH) };
        self.forward_with(x, y, scratch);
    }

    /// The index of the largest output (the first on ties; a NaN never wins) and its value.
    fn classify<const N: usize>(&self, x: &Self::Input, scratch: &mut [f32; N]) -> (usize, f32) {
        let mut y = Self::Output::zeros();
        self.forward(x, &mut y, scratch);
        best(y.as_flat())
    }
}

/// The index of the first largest value and that value (a NaN never wins; an empty slice
/// gives `(0, NaN)`).
pub(crate) fn best(y: &[f32]) -> (usize, f32) {
    let mut best = 0;
    for j in 1..y.len() {
        if y[j] > y[best] || (y[best].is_nan() && !y[j].is_nan()) {
            best = j;
        }
    }
    (best, y.get(best).copied().unwrap_or(f32::NAN))
}

/// The largest of `values` (0 for none), usable in a constant.
const fn max_of(values: &[usize]) -> usize {
    let mut max = 0;
    let mut i = 0;
    while i < values.len() {
        if values[i] > max {
            max = values[i];
        }
        i += 1;
    }
    max
}

#[track_caller]
fn check_scratch(have: usize, need: usize) {
    assert!(
        have >= need,
        "scratch of {have} floats, the net needs {need} (its SCRATCH)"
    );
}

/// The chain's first layer: reads the caller's input, writes the front of `scratch`.
fn first<L: FixedLayer>(layer: &L, x: &L::Input, scratch: &mut [f32]) {
    let (y, rest) = scratch.split_at_mut(L::Output::LEN);
    layer.forward_with(x, L::Output::from_flat_mut(y), rest);
}

/// A middle layer: reads one end of `scratch`, writes the other, works in between.
fn middle<L: FixedLayer>(layer: &L, scratch: &mut [f32], input_at_front: bool) {
    let (front_len, back_len) = if input_at_front {
        (L::Input::LEN, L::Output::LEN)
    } else {
        (L::Output::LEN, L::Input::LEN)
    };
    let (front, rest) = scratch.split_at_mut(front_len);
    let mid_len = rest.len() - back_len;
    let (work, back) = rest.split_at_mut(mid_len);
    if input_at_front {
        layer.forward_with(
            L::Input::from_flat(front),
            L::Output::from_flat_mut(back),
            work,
        );
    } else {
        layer.forward_with(
            L::Input::from_flat(back),
            L::Output::from_flat_mut(front),
            work,
        );
    }
}

/// The chain's last layer: reads one end of `scratch`, writes the caller's output.
fn last<L: FixedLayer>(layer: &L, scratch: &mut [f32], input_at_front: bool, y: &mut L::Output) {
    let len = scratch.len();
    if input_at_front {
        let (x, work) = scratch.split_at_mut(L::Input::LEN);
        layer.forward_with(L::Input::from_flat(x), y, work);
    } else {
        let (work, x) = scratch.split_at_mut(len - L::Input::LEN);
        layer.forward_with(L::Input::from_flat(x), y, work);
    }
}

/// One link of a chain: the layer in the one-element slice `[L]` reads an `I`
/// (`L::Input` is `I`).
///
/// Implemented for every `[L]` with `L: FixedLayer<Input = I>`; it exists for the error
/// message. A chain states each link as `[B]: Accepts<A::Output>` rather than
/// `B: FixedLayer<Input = A::Output>`: for a wrong link rustc then lists the unmet link
/// (`[FixedDense<'_, 4, 2, Linear>]: Accepts<[f32; 2]>`) without also quoting the layer's
/// struct definition, which it does for a bound on a struct type. Sealed: a chain's
/// scratch layout relies on each link's sizes matching, so only those slices are links.
pub trait Accepts<I>: sealed::Link<I> {}

impl<I, L: FixedLayer<Input = I>> Accepts<I> for [L] {}

mod sealed {
    /// Keeps [`Accepts`](super::Accepts) to the slices of layers whose input is `I`.
    pub trait Link<I> {}
    impl<I, L: super::FixedLayer<Input = I>> Link<I> for [L] {}
}

/// A chain of layers as a tuple: each layer's `Input` must be the previous one's `Output`.
macro_rules! chain {
    ($f:ident $fi:tt, [$($m:ident $mi:tt $mp:ident),*], $l:ident $li:tt $lp:ident) => {
        impl<$f: FixedLayer, $($m: FixedLayer,)* $l: FixedLayer> FixedLayer for ($f, $($m,)* $l)
        where
            $([$m]: Accepts<$mp::Output>,)*
            [$l]: Accepts<$lp::Output>,
        {
            type Input = $f::Input;
            type Output = $l::Output;
            const SCRATCH: usize = max_of(&[
                <$f::Output as Activations>::LEN + $f::SCRATCH,
                $(<$m::Input as Activations>::LEN + <$m::Output as Activations>::LEN + $m::SCRATCH,)*
                <$l::Input as Activations>::LEN + $l::SCRATCH,
            ]);

            fn forward_with(&self, x: &Self::Input, y: &mut Self::Output, scratch: &mut [f32]) {
                check_scratch(scratch.len(), Self::SCRATCH);
                let scratch = &mut scratch[..Self::SCRATCH];
                first(&self.$fi, x, scratch);
                #[allow(unused_mut)]
                let mut input_at_front = true;
                $(
                    middle(&self.$mi, scratch, input_at_front);
                    input_at_front = !input_at_front;
                )*
                last(&self.$li, scratch, input_at_front, y);
            }
        }
    };
}

chain!(A 0, [], B 1 A);
chain!(A 0, [B 1 A], C 2 B);
chain!(A 0, [B 1 A, C 2 B], D 3 C);
chain!(A 0, [B 1 A, C 2 B, D 3 C], E 4 D);
chain!(A 0, [B 1 A, C 2 B, D 3 C, E 4 D], F 5 E);
chain!(A 0, [B 1 A, C 2 B, D 3 C, E 4 D, F 5 E], G 6 F);
chain!(A 0, [B 1 A, C 2 B, D 3 C, E 4 D, F 5 E, G 6 F], H 7 G);
chain!(A 0, [B 1 A, C 2 B, D 3 C, E 4 D, F 5 E, G 6 F, H 7 G], I 8 H);
chain!(A 0, [B 1 A, C 2 B, D 3 C, E 4 D, F 5 E, G 6 F, H 7 G, I 8 H], J 9 I);
chain!(A 0, [B 1 A, C 2 B, D 3 C, E 4 D, F 5 E, G 6 F, H 7 G, I 8 H, J 9 I], K 10 J);
chain!(A 0, [B 1 A, C 2 B, D 3 C, E 4 D, F 5 E, G 6 F, H 7 G, I 8 H, J 9 I, K 10 J], L 11 K);

/// Fails the build when a scratch buffer of `len` floats is shorter than `needed`.
/// `track_caller` makes the error point at the `const` block in `forward` rather than at
/// this function's `assert!`, which keeps the message short.
#[track_caller]
const fn scratch_fits(len: usize, needed: usize) {
    assert!(
        len >= needed,
        "the scratch buffer is smaller than the net's SCRATCH: declare it as [0.0; <Net as FixedLayer>::SCRATCH]"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `y = x * factor + offset` elementwise on N floats, needing `work` scratch floats that
    /// it fills with garbage and checks it may use.
    struct Affine<const N: usize, const WORK: usize>(f32, f32);

    impl<const N: usize, const WORK: usize> FixedLayer for Affine<N, WORK> {
        type Input = [f32; N];
        type Output = [f32; N];
        const SCRATCH: usize = WORK;
        fn forward_with(&self, x: &[f32; N], y: &mut [f32; N], scratch: &mut [f32]) {
            assert!(scratch.len() >= WORK);
            scratch[..WORK].fill(f32::NAN);
            for (y, x) in y.iter_mut().zip(x) {
                *y = x * self.0 + self.1;
            }
        }
    }

    /// Keeps the first M of N values (sizes change along a chain).
    struct Take<const N: usize, const M: usize>;

    impl<const N: usize, const M: usize> FixedLayer for Take<N, M> {
        type Input = [f32; N];
        type Output = [f32; M];
        const SCRATCH: usize = 0;
        fn forward_with(&self, x: &[f32; N], y: &mut [f32; M], _: &mut [f32]) {
            y.copy_from_slice(&x[..M]);
        }
    }

    #[test]
    fn a_chain_applies_its_layers_in_order_in_one_buffer() {
        // ((x * 2 + 1) first 3) * 10 - 1, then first 2, then + 0.5: by hand for x = [1, 2, 3, 4].
        let net = (
            Affine::<4, 2>(2.0, 1.0),
            Take::<4, 3>,
            Affine::<3, 5>(10.0, -1.0),
            Take::<3, 2>,
            Affine::<2, 1>(1.0, 0.5),
        );
        type Net = (
            Affine<4, 2>,
            Take<4, 3>,
            Affine<3, 5>,
            Take<3, 2>,
            Affine<2, 1>,
        );
        // first: 4 + 2; take: 4 + 3; affine: 3 + 3 + 5; take: 3 + 2; last: 2 + 1.
        assert_eq!(<Net as FixedLayer>::SCRATCH, 11);
        let mut scratch = [0.0; <Net as FixedLayer>::SCRATCH];
        let mut y = [0.0; 2];
        net.forward(&[1.0, 2.0, 3.0, 4.0], &mut y, &mut scratch);
        assert_eq!(y, [29.5, 49.5]);
        // A longer buffer works too, and a nested chain is a layer.
        let nested = (
            (Affine::<4, 0>(1.0, 0.0), Take::<4, 2>),
            Affine::<2, 0>(-1.0, 0.0),
        );
        let mut big = [0.0; 64];
        nested.forward(&[1.0, 2.0, 3.0, 4.0], &mut y, &mut big);
        assert_eq!(y, [-1.0, -2.0]);
        assert_eq!(nested.classify(&[-5.0, 2.0, 3.0, 4.0], &mut big), (0, 5.0));
    }

    #[test]
    fn the_scratch_size_is_the_largest_need_along_the_chain() {
        // Two layers: the hidden vector and the larger of the two layers' own needs.
        assert_eq!(<(Affine<8, 3>, Take<8, 2>) as FixedLayer>::SCRATCH, 8 + 3);
        assert_eq!(<(Take<8, 2>, Affine<2, 9>) as FixedLayer>::SCRATCH, 2 + 9);
        // Not the sum of every hidden size: a long chain of small layers stays small.
        type Long = (
            Affine<4, 0>,
            Affine<4, 0>,
            Affine<4, 0>,
            Affine<4, 0>,
            Affine<4, 0>,
            Affine<4, 0>,
        );
        assert_eq!(<Long as FixedLayer>::SCRATCH, 8);
        let net: Long = (
            Affine(1.0, 1.0),
            Affine(2.0, 0.0),
            Affine(1.0, 1.0),
            Affine(2.0, 0.0),
            Affine(1.0, 1.0),
            Affine(2.0, 0.0),
        );
        let mut y = [0.0; 4];
        net.forward(&[0.0, 1.0, 2.0, 3.0], &mut y, &mut [0.0; 8]);
        // ((((x + 1) * 2 + 1) * 2) + 1) * 2.
        assert_eq!(y, [14.0, 22.0, 30.0, 38.0]);
    }

    #[test]
    #[should_panic(expected = "scratch of 3 floats, the net needs 11")]
    fn a_short_runtime_scratch_is_a_clear_panic() {
        let net = (Affine::<8, 3>(1.0, 0.0), Take::<8, 2>);
        net.forward_with(&[0.0; 8], &mut [0.0; 2], &mut [0.0; 3]);
    }

    #[test]
    fn best_prefers_the_first_maximum_and_skips_nan() {
        assert_eq!(best(&[1.0, 3.0, 3.0]), (1, 3.0));
        assert_eq!(best(&[f32::NAN, 2.0]), (1, 2.0));
        assert_eq!(best(&[0.0, f32::NAN, 2.0]), (2, 2.0));
        assert!(best(&[]).1.is_nan());
    }
}
