//! Fixed-size dense layers whose one sample is split over the worker pool (f32 or bf16
//! weights in `ParallelDense`, int8 in `ParallelInt8Dense`): each thread computes its own
//! block of output columns. The kernel is stored block after block, each
//! block's rows contiguous and the whole from a cache-line boundary, so that each core
//! streams only its share and keeps it in its own L2 from one call to the next (the
//! chapter's 784x512 kernel is 1.6 MB, a core's L2 here 1 MB). Splitting the columns of
//! the `[in][out]` layout in place instead puts each half on half of the L2's sets (its
//! rows are 2 KB apart), and a large allocation starts 16 bytes past a line, so that every
//! 512-bit load touches two lines. Measured here for one core's 784x256 share: 10.4-10.7 us
//! in place, 9.1-9.5 us contiguous, 8.1-8.6 us contiguous from a line. The caller's thread
//! always takes the first block and a worker the next, so a core meets the same columns on
//! every call. Bf16 weights (half the bytes) go the same way: on one core their 784x512
//! layer is bounded by the arithmetic of widening them, which two cores halve.

use core::marker::PhantomData;

use crate::kernels::{AlignedVec, num_threads, par_chunks};
use shaped_embed::{__private, Bf16, FixedActivation, FixedLayer};

/// The weights a [`ParallelDense`] can hold: `f32` as trained ([`FixedWeights`]), or
/// [`Bf16`] ([`Bf16Weights`]). Sealed: the layer's bits are those of the one-thread
/// layer over the same weights, which only these types promise.
///
/// [`FixedWeights`]: super::FixedWeights
/// [`Bf16Weights`]: super::Bf16Weights
pub trait ParallelWeight: Copy + Send + Sync + sealed::Sealed {
    /// `y += x . kernel` (`x.len()` rows of `y.len()` columns), the sums of the one-thread
    /// layer.
    #[doc(hidden)]
    fn add_rows(x: &[f32], kernel: &[Self], y: &mut [f32]);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for shaped_embed::Bf16 {}
}

impl ParallelWeight for f32 {
    fn add_rows(x: &[f32], kernel: &[f32], y: &mut [f32]) {
        __private::f32_rows(x, kernel, y);
    }
}

impl ParallelWeight for Bf16 {
    fn add_rows(x: &[f32], kernel: &[Bf16], y: &mut [f32]) {
        __private::bf16_rows(x, kernel, y);
    }
}

/// Kernels with fewer weights than this run on the caller's thread: waking a worker costs
/// about as much as 64K multiply-adds.
const PARALLEL_WEIGHTS: usize = 1 << 16;

/// A block's columns are whole AVX-512 registers, so no block has a ragged middle.
const BLOCK_ALIGN: usize = 16;

/// A fixed-size dense layer on the worker pool
/// ([`ops::set_num_threads`](crate::ops::set_num_threads)): a large layer's output columns
/// are split over the threads, with the bits of
/// [`FixedDense::forward`](super::FixedDense::forward) on any thread count (of
/// [`Bf16Dense::forward`](super::Bf16Dense::forward) for bf16 weights, `W = Bf16`, from
/// [`Bf16Weights::parallel_layer`](super::Bf16Weights::parallel_layer)). It owns a copy of
/// the kernel in column blocks, one per thread the pool had when the layer was built.
/// Allocates nothing when it runs. On `no_std` targets, use
/// [`FixedDense`](super::FixedDense) or [`Bf16Dense`](super::Bf16Dense).
///
/// ```
/// use shaped::embed::{FixedDense, FixedLayer, FixedWeights, ParallelDense};
/// use shaped::nn::{Dense, Relu, Softmax};
/// let (hidden, output) = (Dense::<784, 512, Relu>::new(1), Dense::<512, 10, Softmax>::new(2));
/// let (w1, w2) = (FixedWeights::from_dense(&hidden), FixedWeights::from_dense(&output));
/// type Net<'w> = (ParallelDense<784, 512, Relu>, FixedDense<'w, 512, 10, Softmax>);
/// let net: Net = (w1.parallel_layer(), w2.layer());
/// let mut scratch = [0.0; <Net as FixedLayer>::SCRATCH];
/// let image = [0.5; 784];
/// let (class, p) = net.classify(&image, &mut scratch);
/// assert!(class < 10 && p > 0.0);
/// // The same bits as the one-thread layers.
/// let one_thread = (w1.layer::<Relu>(), w2.layer::<Softmax>());
/// assert_eq!(one_thread.classify(&image, &mut scratch), (class, p));
/// ```
pub struct ParallelDense<const I: usize, const O: usize, A, W: ParallelWeight = f32> {
    blocks: ColumnBlocks<W>,
    bias: Box<[f32; O]>,
    // A type-level choice, not data: the layer is `Send` and `Sync` whatever `A` is.
    activation: PhantomData<fn() -> A>,
}

impl<const I: usize, const O: usize, A: FixedActivation, W: ParallelWeight>
    ParallelDense<I, O, A, W>
{
    /// A layer over a copy of `kernel` (`[in][out]`, Keras's layout, as `nn::Dense` stores
    /// it) and `bias`, in blocks for the pool's current thread count.
    pub fn new(kernel: &[[W; O]; I], bias: &[f32; O]) -> Self {
        ParallelDense {
            blocks: ColumnBlocks::new(kernel),
            bias: Box::new(*bias),
            activation: PhantomData,
        }
    }

    /// Writes the layer's output for `x` into `y`, as
    /// [`FixedDense::forward`](super::FixedDense::forward) does.
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        *y = *self.bias;
        self.blocks
            .split(y, &|block, part| W::add_rows(x, block, part));
        A::apply(y);
    }
}

impl<const I: usize, const O: usize, A: FixedActivation, W: ParallelWeight> FixedLayer
    for ParallelDense<I, O, A, W>
{
    type Input = [f32; I];
    type Output = [f32; O];
    const SCRATCH: usize = 0;
    fn forward_with(&self, x: &[f32; I], y: &mut [f32; O], _: &mut [f32]) {
        self.forward(x, y);
    }
}

/// [`Int8Dense`](super::Int8Dense) on the worker pool: the input is quantized once, then
/// each thread sums its own block of output columns in integers (exact, so the bits of
/// `Int8Dense::forward` on any thread count) and the columns are scaled back. It owns a
/// copy of the kernel in column blocks, as [`ParallelDense`] does; from
/// [`Int8Weights::parallel_layer`](super::Int8Weights::parallel_layer). Allocates nothing
/// when it runs.
///
/// ```
/// use shaped::embed::{FixedLayer, Int8Weights, Relu, input_scale};
/// use shaped::nn::Dense;
/// let w = Int8Weights::from_dense(&Dense::<300, 256, Relu>::new(0), input_scale([1.0]));
/// let x = [0.5; 300];
/// let (mut split, mut one) = ([0.0; 256], [0.0; 256]);
/// w.parallel_layer::<Relu>().forward(&x, &mut split);
/// w.layer::<Relu>().forward(&x, &mut one);
/// assert_eq!(split, one);
/// ```
pub struct ParallelInt8Dense<const I: usize, const O: usize, A> {
    blocks: ColumnBlocks<i8>,
    scales: Box<[f32; O]>,
    bias: Box<[f32; O]>,
    input_scale: f32,
    // A type-level choice, not data: the layer is `Send` and `Sync` whatever `A` is.
    activation: PhantomData<fn() -> A>,
}

impl<const I: usize, const O: usize, A: FixedActivation> ParallelInt8Dense<I, O, A> {
    /// A layer over a copy of the int8 `kernel` (`[in][out]`), with its per-channel
    /// `scales`, the f32 `bias` and the input's scale, in blocks for the pool's current
    /// thread count.
    pub fn new(
        kernel: &[[i8; O]; I],
        scales: &[f32; O],
        bias: &[f32; O],
        input_scale: f32,
    ) -> Self {
        ParallelInt8Dense {
            blocks: ColumnBlocks::new(kernel),
            scales: Box::new(*scales),
            bias: Box::new(*bias),
            input_scale,
            activation: PhantomData,
        }
    }

    /// Writes the layer's output for `x` into `y`, as
    /// [`Int8Dense::forward`](super::Int8Dense::forward) does (the quantized input takes
    /// `I` floats of stack; [`FixedLayer::forward_with`] takes a scratch buffer instead).
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        self.forward_with(x, y, &mut [0.0; I]);
    }
}

impl<const I: usize, const O: usize, A: FixedActivation> FixedLayer for ParallelInt8Dense<I, O, A> {
    type Input = [f32; I];
    type Output = [f32; O];
    /// The quantized input, four values per float.
    const SCRATCH: usize = I.div_ceil(4);
    fn forward_with(&self, x: &[f32; I], y: &mut [f32; O], scratch: &mut [f32]) {
        let words = &mut scratch[..I.div_ceil(4)];
        let nonnegative = __private::quantize_words(x, self.input_scale, words);
        let words = &*words;
        self.blocks.split(y, &|block, part| {
            __private::int8_rows(words, nonnegative, block, I, part)
        });
        __private::int8_rescale(y, self.input_scale, &*self.scales, &*self.bias);
        A::apply(y);
    }
}

/// A kernel's output columns in blocks, one per thread the pool had when it was built:
/// block `b` holds the kernel's rows restricted to columns `b * width..` (at most `width`
/// of them), row-major, the blocks one after another from a cache-line boundary (a block's
/// rows are whole lines when `width` is a multiple of 16).
struct ColumnBlocks<W: Copy> {
    blocks: AlignedVec<W>,
    rows: usize,
    /// Columns per block; the last block may have fewer.
    width: usize,
}

impl<W: Copy + Send + Sync> ColumnBlocks<W> {
    fn new<const I: usize, const O: usize>(kernel: &[[W; O]; I]) -> Self {
        let width = block_columns(I, O, num_threads());
        let mut blocks = AlignedVec::with_capacity(I * O);
        for start in (0..O).step_by(width) {
            let end = (start + width).min(O);
            for row in kernel {
                blocks.extend_from_slice(&row[start..end]);
            }
        }
        ColumnBlocks {
            blocks,
            rows: I,
            width,
        }
    }

    /// Calls `f(block, part)` for each block and its columns of `y` (`y.len()` being the
    /// kernel's column count), the blocks spread over the pool.
    fn split(&self, y: &mut [f32], f: &(dyn Fn(&[W], &mut [f32]) + Sync)) {
        par_chunks(y, self.width, 2, &|b, part| {
            // Columns b * width.. (part.len() of them, ending at most at the column
            // count): block b starts after b full blocks. Both offsets are at most
            // rows * columns, the length of `blocks`.
            let start = self.rows * b * self.width;
            f(
                &self.blocks.as_slice()[start..start + self.rows * part.len()],
                part,
            );
        });
    }
}

/// Columns per block for `threads` threads: all `outputs` in one block when the kernel is
/// small, else an equal share per thread in whole registers.
fn block_columns(inputs: usize, outputs: usize, threads: usize) -> usize {
    let weights = inputs.saturating_mul(outputs);
    if weights < PARALLEL_WEIGHTS || threads <= 1 {
        return outputs.max(1);
    }
    outputs
        .div_ceil(threads)
        .next_multiple_of(BLOCK_ALIGN)
        .min(outputs)
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shaped_embed::{Bf16Dense, FixedDense, Int8Dense, Relu, Softmax};

    #[test]
    fn blocks_cover_the_outputs_in_whole_registers() {
        assert_eq!(block_columns(784, 512, 2), 256);
        assert_eq!(block_columns(784, 512, 1), 512);
        assert_eq!(block_columns(784, 500, 3), 176);
        // Small kernels stay on one thread; a kernel with fewer columns than a register
        // is one block.
        assert_eq!(block_columns(100, 10, 2), 10);
        assert_eq!(block_columns(1 << 20, 10, 2), 10);
        assert_eq!(block_columns(usize::MAX, 64, 2), 32);
        assert_eq!(block_columns(10, 0, 2), 1);
    }

    /// A kernel of `I x O` values spread over [-1, 1), some inputs zero.
    fn weights<const I: usize, const O: usize>() -> (Box<[[f32; O]; I]>, Box<[f32; O]>) {
        let value = |i: usize| ((i.wrapping_mul(2654435761) >> 7) % 2000) as f32 / 1000.0 - 1.0;
        let kernel: Vec<[f32; O]> = (0..I)
            .map(|r| core::array::from_fn(|c| value(r * O + c)))
            .collect();
        let kernel: Box<[[f32; O]; I]> = kernel.into_boxed_slice().try_into().ok().unwrap();
        (kernel, Box::new(core::array::from_fn(|c| value(c + 7))))
    }

    /// Every weight of `kernel` through `f`, on the heap.
    fn converted<const I: usize, const O: usize, T>(
        kernel: &[[f32; O]; I],
        f: impl Fn(f32) -> T,
    ) -> Box<[[T; O]; I]> {
        let rows: Vec<[T; O]> = kernel.iter().map(|row| row.map(&f)).collect();
        rows.into_boxed_slice().try_into().ok().unwrap()
    }

    /// An input with some zeros.
    fn input<const I: usize>() -> [f32; I] {
        core::array::from_fn(|i| if i % 3 == 0 { 0.0 } else { i as f32 / I as f32 })
    }

    /// The layer `build` makes, built for 1, 2 and 3 threads and `run` on each, gives the
    /// bits `want`.
    fn check_split<L, const O: usize>(
        what: &str,
        want: [f32; O],
        build: impl Fn() -> L,
        run: impl Fn(&L, &mut [f32; O]),
    ) {
        for built in [1, 2, 3] {
            crate::kernels::set_num_threads(built);
            let layer = build();
            for threads in [1, 2, 3] {
                crate::kernels::set_num_threads(threads);
                let mut got = [f32::NAN; O];
                run(&layer, &mut got);
                assert_eq!(
                    got.map(f32::to_bits),
                    want.map(f32::to_bits),
                    "{what} built for {built} threads, on {threads}"
                );
            }
        }
    }

    /// [`check_split`] for a `ParallelDense` over `kernel`.
    fn check_dense_split<const I: usize, const O: usize, W: ParallelWeight>(
        kernel: &[[W; O]; I],
        bias: &[f32; O],
        want: [f32; O],
    ) {
        check_split(
            &format!("{I} x {O}"),
            want,
            || ParallelDense::<I, O, Relu, W>::new(kernel, bias),
            |layer, y| layer.forward(&input(), y),
        );
    }

    #[test]
    fn a_split_bf16_sample_has_the_one_thread_bits() {
        fn check<const I: usize, const O: usize>() {
            let (k, b) = weights::<I, O>();
            let k = converted(&k, Bf16::from_f32);
            let mut want = [0.0; O];
            Bf16Dense::<I, O, Relu>::new(&k, &b).forward(&input(), &mut want);
            check_dense_split(&k, &b, want);
        }
        check::<784, 512>();
        check::<130, 513>();
        check::<64, 10>();
        check::<2, 0>();
    }

    #[test]
    fn a_split_int8_sample_has_the_one_thread_bits() {
        fn check<const I: usize, const O: usize>() {
            let (k, b) = weights::<I, O>();
            let k = converted(&k, |v| (v * 127.0) as i8);
            let scales: [f32; O] = core::array::from_fn(|o| 0.01 + o as f32 * 1e-4);
            // Negative inputs too: the VNNI kernels take another path for them.
            let signed: [f32; I] = core::array::from_fn(|i| input::<I>()[i] - 0.3);
            for (x, input_scale) in [(input::<I>(), 1.0 / 127.0), (signed, 0.7 / 127.0)] {
                let mut want = [0.0; O];
                Int8Dense::<I, O, Relu>::new(&k, &scales, &b, input_scale).forward(&x, &mut want);
                check_split(
                    &format!("{I} x {O}, input scale {input_scale}"),
                    want,
                    || ParallelInt8Dense::<I, O, Relu>::new(&k, &scales, &b, input_scale),
                    |layer, y| layer.forward_with(&x, y, &mut [f32::NAN; I]),
                );
            }
        }
        check::<784, 512>();
        check::<130, 513>();
        check::<64, 10>();
        check::<2, 0>();
    }

    #[test]
    fn a_split_sample_has_the_one_thread_bits() {
        fn check<const I: usize, const O: usize>() {
            let (k, b) = weights::<I, O>();
            let x = input::<I>();
            let (mut want, mut got) = ([0.0; O], [0.0; O]);
            FixedDense::<I, O, Relu>::new(&k, &b).forward(&x, &mut want);
            check_dense_split(&k, &b, want);
            // Softmax over the whole output, after every block is written.
            FixedDense::<I, O, Softmax>::new(&k, &b).forward(&x, &mut want);
            crate::kernels::set_num_threads(2);
            ParallelDense::<I, O, Softmax>::new(&k, &b).forward(&x, &mut got);
            assert_eq!(
                got.map(f32::to_bits),
                want.map(f32::to_bits),
                "softmax {I} x {O}"
            );
        }
        check::<784, 512>();
        check::<300, 300>();
        check::<130, 513>();
        check::<64, 10>();
        check::<2, 0>();
    }
}
