//! A fixed-size dense layer whose one sample is split over the worker pool: each thread
//! computes its own block of output columns. The kernel is stored block after block, each
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
    /// Block `b`: `I` rows of columns `b * width..` (at most `width` of them), row-major;
    /// the blocks one after another, from a cache-line boundary (a block's rows are whole
    /// lines when `width` is a multiple of 16).
    blocks: AlignedVec<W>,
    /// Columns per block; the last block may have fewer.
    width: usize,
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
        let width = block_columns(I, O, num_threads());
        let mut blocks = AlignedVec::with_capacity(I * O);
        for start in (0..O).step_by(width) {
            let end = (start + width).min(O);
            for row in kernel {
                blocks.extend_from_slice(&row[start..end]);
            }
        }
        ParallelDense {
            blocks,
            width,
            bias: Box::new(*bias),
            activation: PhantomData,
        }
    }

    /// Writes the layer's output for `x` into `y`, as
    /// [`FixedDense::forward`](super::FixedDense::forward) does.
    pub fn forward(&self, x: &[f32; I], y: &mut [f32; O]) {
        *y = *self.bias;
        par_chunks(y, self.width, 2, &|b, part| {
            // Columns b * width.. (part.len() of them, ending at most at O): block b starts
            // after b full blocks. Both offsets are at most I * O, the length of `blocks`.
            let start = I * b * self.width;
            W::add_rows(
                x,
                &self.blocks.as_slice()[start..start + I * part.len()],
                part,
            );
        });
        A::apply(y);
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

#[cfg(test)]
mod tests {
    use super::*;
    use shaped_embed::{Bf16Dense, FixedDense, Relu, Softmax};

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

    /// An input with some zeros.
    fn input<const I: usize>() -> [f32; I] {
        core::array::from_fn(|i| if i % 3 == 0 { 0.0 } else { i as f32 / I as f32 })
    }

    /// `ParallelDense` over `kernel`, built for 1, 2 and 3 threads and run on each, gives
    /// the bits `want`.
    fn check_split<const I: usize, const O: usize, W: ParallelWeight>(
        kernel: &[[W; O]; I],
        bias: &[f32; O],
        want: [f32; O],
    ) {
        for built in [1, 2, 3] {
            crate::kernels::set_num_threads(built);
            let layer = ParallelDense::<I, O, Relu, W>::new(kernel, bias);
            for threads in [1, 2, 3] {
                crate::kernels::set_num_threads(threads);
                let mut got = [f32::NAN; O];
                layer.forward(&input(), &mut got);
                assert_eq!(
                    got.map(f32::to_bits),
                    want.map(f32::to_bits),
                    "{I} x {O} built for {built} threads, on {threads}"
                );
            }
        }
    }

    #[test]
    fn a_split_bf16_sample_has_the_one_thread_bits() {
        fn check<const I: usize, const O: usize>() {
            let (k, b) = weights::<I, O>();
            let k: Vec<[Bf16; O]> = k.iter().map(|row| row.map(Bf16::from_f32)).collect();
            let k: Box<[[Bf16; O]; I]> = k.into_boxed_slice().try_into().ok().unwrap();
            let mut want = [0.0; O];
            Bf16Dense::<I, O, Relu>::new(&k, &b).forward(&input(), &mut want);
            check_split(&k, &b, want);
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
            check_split(&k, &b, want);
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
