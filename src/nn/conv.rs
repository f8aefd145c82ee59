//! Keras's `Conv2D` on channels-last images: `activation(conv(x, kernel) + bias)`.

use core::fmt;
use core::marker::PhantomData;

use rand::distr::Distribution;
use rand::distr::uniform::SampleUniform;
use rand_distr::StandardNormal;

use super::{Activation, Grad, Init, Layer, Linear, Params, Train, reuse};
use crate::kernels::par_chunks;
use crate::ops::conv::{
    Window2d, conv2d_backward_input, conv2d_backward_params, conv2d_backward_params_direct,
    conv2d_forward_direct, conv2d_forward_direct_into, conv2d_forward_one_image,
    conv2d_forward_patches, direct_suits, direct_trains, split_suits,
};
use crate::shapes::checks::{ok, window_2d};
use crate::shapes::{Dim, Dimension};
use crate::tensor::{Float, Tensor};

/// How a window layer treats the border (Keras's `padding`).
pub trait Padding: Copy + Default + fmt::Debug + Send + Sync + 'static {
    /// `true` for `same`: zero padding so that the output is `ceil(input / stride)`.
    const SAME: bool;
    /// Keras's name for it.
    const NAME: &'static str;
}

// The padding markers are shaped-embed's, so that a trained layer and its fixed-size twin
// name the same padding (as with the activations).
pub use shaped_embed::{Same, Valid};

impl Padding for Valid {
    const SAME: bool = false;
    const NAME: &'static str = "valid";
}

impl Padding for Same {
    const SAME: bool = true;
    const NAME: &'static str = "same";
}

/// A 2-D convolution of `IH x IW x IC` images into `OH x OW x OC` feature maps with a
/// `K x K` kernel, stride `S` (1 by default), padding `P` ([`Valid`] by default) and
/// activation `A`: Keras's `Conv2D(filters=OC, kernel_size=K, strides=S, padding=..,
/// activation=..)`. Images are channels-last, `(batch, height, width, channels)`, as in
/// Keras; the kernel is Keras's `(K, K, IC, OC)`.
///
/// Stable Rust cannot compute `(IH - K) / S + 1` in a type, so the output size is named
/// and checked when the program is built: `Conv2D::<28, 28, 1, 27, 27, 32, 3>::new(0)`
/// fails with `Conv2D 3x3, stride 1, valid, on 28x28 gives 26x26, not 27x27` at that line.
/// A layer that does not take the previous one's output does not compile either.
///
/// Training multiplies patch matrices (im2col) by the kernel a few images at a time, so
/// that each group's patches are multiplied while they are in the cache, and rebuilds them
/// in the backward pass rather than keeping the batch's; inference (`forward`, `predict`)
/// reads the input in place instead where every window lies inside the image, so its
/// results can differ from training's forward pass in the last bits. A first layer (a
/// patch of at most 32 values, no padding) trains in place too, without a patch matrix.
///
/// ```
/// use shaped::nn::{Conv2D, Layer, Relu, Same};
/// use shaped::{Dim, Tensor};
/// // The book's first layer: 32 filters of 3x3 on 28x28x1, relu.
/// let conv = Conv2D::<28, 28, 1, 26, 26, 32, 3, Relu>::new(0);
/// let x = Tensor::<(usize, Dim<28>, Dim<28>, Dim<1>)>::zeros((2, Dim, Dim, Dim));
/// assert_eq!(conv.forward(&x).shape_dims(), [2, 26, 26, 32]);
/// // Stride 2 with same padding halves the size, rounding up.
/// let down = Conv2D::<7, 7, 4, 4, 4, 8, 3, Relu, 2, Same>::new(1);
/// let y = down.forward(&Tensor::<(usize, Dim<7>, Dim<7>, Dim<4>)>::zeros((1, Dim, Dim, Dim)));
/// assert_eq!(y.shape_dims(), [1, 4, 4, 8]);
/// ```
#[derive(Params)]
#[rustfmt::skip] // one line, so that a wiring error quotes it in one line
pub struct Conv2D<const IH: usize, const IW: usize, const IC: usize, const OH: usize, const OW: usize, const OC: usize, const K: usize, A: Activation = Linear, const S: usize = 1, P: Padding = Valid, E: Float = f32> {
    /// `(K, K, IC, OC)`, Keras's layout.
    pub kernel: Tensor<(Dim<K>, Dim<K>, Dim<IC>, Dim<OC>), E>,
    /// One per output channel.
    pub bias: Tensor<(Dim<OC>,), E>,
    marker: PhantomData<(A, P)>,
}

/// The const generics of a `Conv2D` in order, to keep impl headers short.
macro_rules! conv_impl {
    ($($t:tt)*) => {
        impl<
            const IH: usize,
            const IW: usize,
            const IC: usize,
            const OH: usize,
            const OW: usize,
            const OC: usize,
            const K: usize,
            A: Activation,
            const S: usize,
            P: Padding,
            E: Float,
        > $($t)*
    };
}

conv_impl! { Conv2D<IH, IW, IC, OH, OW, OC, K, A, S, P, E> {
    /// The geometry. Every constructor checks the declared output size first (each in its
    /// own `const` block, so that an error names the caller's line, once).
    const WINDOW: Window2d = Window2d::new(IH, IW, IC, K, S, P::SAME);

    /// The layer from parts whose sizes were checked.
    fn build(kernel: Tensor<(Dim<K>, Dim<K>, Dim<IC>, Dim<OC>), E>, bias: Tensor<(Dim<OC>,), E>) -> Self {
        Conv2D {
            kernel,
            bias,
            marker: PhantomData,
        }
    }

    /// A layer from its kernel and bias.
    #[track_caller]
    pub fn from_tensors(
        kernel: Tensor<(Dim<K>, Dim<K>, Dim<IC>, Dim<OC>), E>,
        bias: Tensor<(Dim<OC>,), E>,
    ) -> Self {
        const { ok(window_2d("Conv2D", K, S, P::SAME, (IH, IW), (OH, OW))) };
        Self::build(kernel, bias)
    }

    /// Runs the layer on `x` into `out` (resized to the batch); `cols` is scratch for a
    /// group of images' patches.
    fn forward_into<B: Dimension>(
        &self,
        x: &Tensor<(B, Dim<IH>, Dim<IW>, Dim<IC>), E>,
        cols: &mut Vec<E>,
        out: &mut Tensor<(B, Dim<OH>, Dim<OW>, Dim<OC>), E>,
    ) {
        let g = const { Self::WINDOW };
        let batch = x.batch_size();
        out.set_shape((x.shape().0, Dim, Dim, Dim));
        if direct_trains(&g) {
            // A first layer: no patch matrix (its backward pass reads the input in place).
            conv2d_forward_direct_into(
                x.as_slice(),
                batch,
                &g,
                self.kernel.as_slice(),
                self.bias.as_slice(),
                out.as_mut_slice(),
                &|pixels| A::apply(pixels, OC),
            );
            return;
        }
        conv2d_forward_patches(
            x.as_slice(),
            batch,
            &g,
            self.kernel.as_slice(),
            self.bias.as_slice(),
            cols,
            out.as_mut_slice(),
            &|image| A::apply(image, OC),
        );
    }
}}

impl<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    const K: usize,
    A: Activation,
    const S: usize,
    P: Padding,
    E: Float + SampleUniform,
> Conv2D<IH, IW, IC, OH, OW, OC, K, A, S, P, E>
where
    StandardNormal: Distribution<E>,
{
    /// Keras's default initialization: Glorot-uniform kernel (fans `K*K*IC` and
    /// `K*K*OC`), zero bias; reproducible from `seed`.
    #[track_caller]
    pub fn new(seed: u64) -> Self {
        const { ok(window_2d("Conv2D", K, S, P::SAME, (IH, IW), (OH, OW))) };
        Self::initialized(Init::GlorotUniform, Init::Zeros, seed)
    }

    /// With other initializers.
    #[track_caller]
    pub fn with_init(kernel: Init, bias: Init, seed: u64) -> Self {
        const { ok(window_2d("Conv2D", K, S, P::SAME, (IH, IW), (OH, OW))) };
        Self::initialized(kernel, bias, seed)
    }

    fn initialized(kernel: Init, bias: Init, seed: u64) -> Self {
        let (fan_in, fan_out) = (K * K * IC, K * K * OC);
        let k = kernel.sample(K * K * IC * OC, fan_in, fan_out, seed);
        let b = bias.sample(
            OC,
            fan_in,
            fan_out,
            seed.wrapping_add(0x9E37_79B9_7F4A_7C15),
        );
        Self::build(
            Tensor::from_vec(Default::default(), k),
            Tensor::from_vec(Default::default(), b),
        )
    }
}

conv_impl! { Clone for Conv2D<IH, IW, IC, OH, OW, OC, K, A, S, P, E> {
    fn clone(&self) -> Self {
        Conv2D {
            kernel: self.kernel.clone(),
            bias: self.bias.clone(),
            marker: PhantomData,
        }
    }
}}

conv_impl! { PartialEq for Conv2D<IH, IW, IC, OH, OW, OC, K, A, S, P, E> {
    fn eq(&self, other: &Self) -> bool {
        self.kernel == other.kernel && self.bias == other.bias
    }
}}

conv_impl! { fmt::Debug for Conv2D<IH, IW, IC, OH, OW, OC, K, A, S, P, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Conv2D({IH}x{IW}x{IC} -> {OH}x{OW}x{OC}, {K}x{K}, stride {S}, {}, {})",
            P::NAME,
            A::NAME
        )
    }
}}

/// The buffers a `Conv2D` keeps between its forward and backward passes.
pub struct Conv2DCache<B: Dimension, const OH: usize, const OW: usize, const OC: usize, E: Float> {
    /// A group of images' patches (or, for a first layer, the images' partial gradients).
    cols: Vec<E>,
    output: Option<Tensor<(B, Dim<OH>, Dim<OW>, Dim<OC>), E>>,
    pre_activation_grad: Option<Tensor<(B, Dim<OH>, Dim<OW>, Dim<OC>), E>>,
    /// A group of images' patch gradients.
    col_grads: Vec<E>,
}

impl<B: Dimension, const OH: usize, const OW: usize, const OC: usize, E: Float> Default
    for Conv2DCache<B, OH, OW, OC, E>
{
    fn default() -> Self {
        Conv2DCache {
            cols: Vec::new(),
            output: None,
            pre_activation_grad: None,
            col_grads: Vec::new(),
        }
    }
}

impl<
    B: Dimension,
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    const K: usize,
    A: Activation,
    const S: usize,
    P: Padding,
    E: Float,
> Layer<Tensor<(B, Dim<IH>, Dim<IW>, Dim<IC>), E>>
    for Conv2D<IH, IW, IC, OH, OW, OC, K, A, S, P, E>
{
    type Output = Tensor<(B, Dim<OH>, Dim<OW>, Dim<OC>), E>;
    fn forward(&self, x: &Tensor<(B, Dim<IH>, Dim<IW>, Dim<IC>), E>) -> Self::Output {
        let g = const { Self::WINDOW };
        let shape = (x.shape().0, Dim, Dim, Dim);
        if direct_suits(&g) {
            // No patch matrix to keep for a backward pass: read the input in place.
            let out = conv2d_forward_direct(
                x.as_slice(),
                x.batch_size(),
                &g,
                self.kernel.as_slice(),
                self.bias.as_slice(),
                &|pixels| A::apply(pixels, OC),
            );
            return Tensor::from_parts(shape, out);
        }
        if x.batch_size() == 1 && split_suits(&g, OC) {
            let out = conv2d_forward_one_image(
                x.as_slice(),
                &g,
                self.kernel.as_slice(),
                self.bias.as_slice(),
                &|pixels| A::apply(pixels, OC),
            );
            return Tensor::from_parts(shape, out);
        }
        let mut out = Tensor::zeros(shape);
        super::scratch::with_scratch(|cols| self.forward_into(x, cols, &mut out));
        out
    }
}

impl<
    B: Dimension,
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    const K: usize,
    A: Activation,
    const S: usize,
    P: Padding,
    E: Float,
> Train<Tensor<(B, Dim<IH>, Dim<IW>, Dim<IC>), E>>
    for Conv2D<IH, IW, IC, OH, OW, OC, K, A, S, P, E>
{
    type Cache = Conv2DCache<B, OH, OW, OC, E>;
    const SOFTMAX_OUTPUT: bool = A::IS_SOFTMAX;

    fn forward_train<'c>(
        &mut self,
        x: &Tensor<(B, Dim<IH>, Dim<IW>, Dim<IC>), E>,
        cache: &'c mut Self::Cache,
    ) -> &'c Self::Output {
        let shape = (x.shape().0, Dim, Dim, Dim);
        let out = cache.output.get_or_insert_with(|| Tensor::zeros(shape));
        self.forward_into(x, &mut cache.cols, out);
        out
    }

    fn output(cache: &Self::Cache) -> &Self::Output {
        cache
            .output
            .as_ref()
            .expect("forward_train runs before backward")
    }

    fn backward(
        &self,
        x: &Tensor<(B, Dim<IH>, Dim<IW>, Dim<IC>), E>,
        cache: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        grads: &mut Self,
        input_grad: Option<&mut Tensor<(B, Dim<IH>, Dim<IW>, Dim<IC>), E>>,
    ) {
        let g = const { Self::WINDOW };
        let gz: &Tensor<(B, Dim<OH>, Dim<OW>, Dim<OC>), E> = match grad {
            Grad::PreActivation(g) => g,
            Grad::Output(g) if A::IS_IDENTITY => g,
            Grad::Output(g) => {
                let output = cache.output.as_ref().expect("forward_train runs first");
                let dz = reuse(&mut cache.pre_activation_grad, g);
                // Image by image over the pool, like the forward pass.
                let (output, g) = (output.as_slice(), g.as_slice());
                let image = OH * OW * OC;
                par_chunks(dz.as_mut_slice(), image, 4, &|b, d| {
                    let range = b * image..(b + 1) * image;
                    A::backward_into(&output[range.clone()], &g[range], d, OC);
                });
                dz
            }
        };
        if direct_trains(&g) {
            // `cols` holds no patches here: it serves as the images' partial gradients.
            conv2d_backward_params_direct(
                x.as_slice(),
                gz.as_slice(),
                x.batch_size(),
                &g,
                &mut cache.cols,
                grads.kernel.as_mut_slice(),
                grads.bias.as_mut_slice(),
            );
        } else {
            conv2d_backward_params(
                x.as_slice(),
                gz.as_slice(),
                x.batch_size(),
                &g,
                &mut cache.cols,
                grads.kernel.as_mut_slice(),
                grads.bias.as_mut_slice(),
            );
        }
        if let Some(dx) = input_grad {
            dx.set_shape(x.shape());
            conv2d_backward_input(
                gz.as_slice(),
                self.kernel.as_slice(),
                x.batch_size(),
                &g,
                &mut cache.col_grads,
                dx.as_mut_slice(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glorot_uniform_uses_the_kernels_fans() {
        // fan_in = 3 * 3 * 3 = 27, fan_out = 3 * 3 * 16 = 144: limit sqrt(6 / 171). With 432
        // draws the largest lands within 5% of the limit (a miss has odds below 1e-9), and
        // none passes it; other fans move the limit by more than 4%.
        let layer = Conv2D::<8, 8, 3, 6, 6, 16, 3>::new(1);
        let limit = (6.0f32 / 171.0).sqrt();
        let largest = layer
            .kernel
            .as_slice()
            .iter()
            .fold(0.0f32, |m, &w| m.max(w.abs()));
        assert!(
            largest <= limit && largest > 0.95 * limit,
            "{largest} vs {limit}"
        );
        assert!(layer.bias.as_slice().iter().all(|&b| b == 0.0));
    }
}
