//! Embedding a trained net: fixed-size weights and an allocation-free forward pass.
//!
//! The inference core is the `no_std` crate `shaped-embed`, re-exported here; this module
//! adds the bridge from trained layers ([`nn::Dense`], [`nn::Conv2D`]) to fixed-size
//! storage ([`FixedWeights`], [`ConvWeights`]), bf16 rounding ([`Bf16Weights`]) and int8
//! quantization ([`Int8Weights`]), the file [`include_net!`] reads ([`NetFile`]), and
//! [`ParallelDense`] and [`ParallelInt8Dense`], fixed-size layers whose one sample is
//! split over shaped's worker pool.

pub use shaped_embed::*;

mod parallel;

pub use crate::kernels::{CacheAligned, Zeroable};
pub use parallel::{ParallelDense, ParallelInt8Dense, ParallelWeight};

use crate::nn;

/// Weights of one layer in fixed-size heap storage, taken from a trained layer.
pub struct FixedWeights<const I: usize, const O: usize> {
    /// `[in][out]`, as the trained layer's kernel, from a cache-line boundary.
    pub kernel: Box<CacheAligned<[[f32; O]; I]>>,
    /// `[out]`.
    pub bias: Box<[f32; O]>,
}

impl<const I: usize, const O: usize> FixedWeights<I, O> {
    /// Copies a trained layer's parameters (the shapes agree by type).
    pub fn from_dense<A: nn::Activation>(layer: &nn::Dense<I, O, A, f32>) -> Self {
        FixedWeights {
            kernel: {
                let mut kernel = CacheAligned::<[[f32; O]; I]>::boxed_zeroed();
                kernel
                    .as_flattened_mut()
                    .copy_from_slice(layer.kernel.as_slice());
                kernel
            },
            bias: boxed_vector(layer.bias.as_slice()).expect("bias is O by type"),
        }
    }

    /// A fixed-size layer over these weights.
    pub fn layer<A: FixedActivation>(&self) -> FixedDense<'_, I, O, A> {
        FixedDense::new(&self.kernel, &self.bias)
    }

    /// The same layer with one sample's outputs split over the worker pool (the same
    /// bits), over a copy of the kernel laid out for it.
    pub fn parallel_layer<A: FixedActivation>(&self) -> ParallelDense<I, O, A> {
        ParallelDense::new(&self.kernel, &self.bias)
    }
}

/// Weights of one layer with the kernel rounded to bfloat16, for [`Bf16Dense`]: half the
/// bytes of [`FixedWeights`], products still in f32 (each weight within 2^-8 of its f32
/// value, relative).
///
/// ```
/// use shaped::embed::{Bf16Weights, FixedWeights, Relu};
/// use shaped::nn::Dense;
/// let dense = Dense::<3, 2, Relu>::new(0);
/// let (half, full) = (Bf16Weights::from_dense(&dense), FixedWeights::from_dense(&dense));
/// let x = [0.5, -1.0, 0.25];
/// let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
/// half.layer::<Relu>().forward(&x, &mut a);
/// full.layer::<Relu>().forward(&x, &mut b);
/// assert!((a[0] - b[0]).abs() < 0.01 && (a[1] - b[1]).abs() < 0.01);
/// ```
pub struct Bf16Weights<const I: usize, const O: usize> {
    /// `[in][out]`, each weight the nearest bf16 to the trained one, from a cache-line
    /// boundary.
    pub kernel: Box<CacheAligned<[[Bf16; O]; I]>>,
    /// `[out]`, f32 as trained.
    pub bias: Box<[f32; O]>,
}

impl<const I: usize, const O: usize> Bf16Weights<I, O> {
    /// Rounds a trained layer's kernel to bf16 (nearest, ties to even) and copies its bias.
    pub fn from_dense<A: nn::Activation>(layer: &nn::Dense<I, O, A, f32>) -> Self {
        let mut kernel = CacheAligned::<[[Bf16; O]; I]>::boxed_zeroed();
        for (b, &w) in kernel
            .as_flattened_mut()
            .iter_mut()
            .zip(layer.kernel.as_slice())
        {
            *b = Bf16::from_f32(w);
        }
        Bf16Weights {
            kernel,
            bias: boxed_vector(layer.bias.as_slice()).expect("bias is O by type"),
        }
    }

    /// The layer over these weights, with activation `A`.
    pub fn layer<A: FixedActivation>(&self) -> Bf16Dense<'_, I, O, A> {
        Bf16Dense::new(&self.kernel, &self.bias)
    }

    /// The same layer with one sample's outputs split over the worker pool (the same
    /// bits), over a copy of the kernel laid out for it.
    ///
    /// ```
    /// use shaped::embed::{Bf16Weights, Relu};
    /// use shaped::nn::Dense;
    /// let w = Bf16Weights::from_dense(&Dense::<300, 256, Relu>::new(0));
    /// let x = [0.5; 300];
    /// let (mut split, mut one) = ([0.0; 256], [0.0; 256]);
    /// w.parallel_layer::<Relu>().forward(&x, &mut split);
    /// w.layer::<Relu>().forward(&x, &mut one);
    /// assert_eq!(split, one);
    /// ```
    pub fn parallel_layer<A: FixedActivation>(&self) -> ParallelDense<I, O, A, Bf16> {
        ParallelDense::new(&self.kernel, &self.bias)
    }
}

/// Weights of a trained [`nn::Conv2D`] in fixed-size heap storage, for [`FixedConv2D`].
///
/// ```
/// use shaped::embed::{ConvWeights, FixedLayer};
/// use shaped::nn::{Conv2D, Layer, Relu};
/// use shaped::{Dim, Tensor};
/// let conv = Conv2D::<4, 4, 2, 2, 2, 3, 3, Relu>::new(0);
/// let w = ConvWeights::from_conv(&conv);
/// let fixed = w.layer::<4, 4, 2, 2, Relu, 1, shaped::nn::Valid>();
/// let image: [[[f32; 2]; 4]; 4] =
///     core::array::from_fn(|r| core::array::from_fn(|c| [r as f32 - c as f32, 0.5 * c as f32]));
/// let x = Tensor::<(Dim<1>, Dim<4>, Dim<4>, Dim<2>)>::from_vec(
///     (Dim, Dim, Dim, Dim),
///     image.as_flattened().as_flattened().to_vec(),
/// );
/// let mut y = [[[0.0; 3]; 2]; 2];
/// fixed.forward(&image, &mut y, &mut []);
/// let trained = conv.forward(&x);
/// for (a, b) in y.as_flattened().as_flattened().iter().zip(trained.as_slice()) {
///     assert!((a - b).abs() < 1e-5);
/// }
/// ```
pub struct ConvWeights<const K: usize, const IC: usize, const OC: usize> {
    /// `[K][K][IC][OC]`, Keras's layout, as the trained layer's kernel, from a cache-line
    /// boundary.
    pub kernel: Box<CacheAligned<[[[[f32; OC]; IC]; K]; K]>>,
    /// `[OC]`.
    pub bias: Box<[f32; OC]>,
}

impl<const K: usize, const IC: usize, const OC: usize> ConvWeights<K, IC, OC> {
    /// Copies a trained layer's parameters (the shapes agree by type).
    pub fn from_conv<
        const IH: usize,
        const IW: usize,
        const OH: usize,
        const OW: usize,
        A: nn::Activation,
        const S: usize,
        P: nn::Padding,
    >(
        layer: &nn::Conv2D<IH, IW, IC, OH, OW, OC, K, A, S, P, f32>,
    ) -> Self {
        let mut kernel = CacheAligned::<[[[[f32; OC]; IC]; K]; K]>::boxed_zeroed();
        kernel
            .as_flattened_mut()
            .as_flattened_mut()
            .as_flattened_mut()
            .copy_from_slice(layer.kernel.as_slice());
        ConvWeights {
            kernel,
            bias: boxed_vector(layer.bias.as_slice()).expect("bias is OC by type"),
        }
    }

    /// A fixed-size layer over these weights (output sizes checked as for the trained layer).
    #[allow(clippy::type_complexity)]
    pub fn layer<
        const IH: usize,
        const IW: usize,
        const OH: usize,
        const OW: usize,
        A: FixedActivation,
        const S: usize,
        P: FixedPadding,
    >(
        &self,
    ) -> FixedConv2D<'_, IH, IW, IC, OH, OW, OC, K, A, S, P> {
        FixedConv2D::new(&self.kernel, &self.bias)
    }
}

/// A trained dense layer quantized to int8 for [`Int8Dense`]: symmetric weights with one
/// scale per output channel (the channel's largest magnitude maps to 127), the bias kept in
/// f32, and the input's scale (from [`input_scale`] on calibration data).
///
/// ```
/// use shaped::embed::{Int8Weights, Linear, input_scale};
/// use shaped::nn::Dense;
/// let dense = Dense::<3, 2>::new(0);
/// let q = Int8Weights::from_dense(&dense, input_scale([0.5, -1.0, 0.25]));
/// let mut y = [0.0; 2];
/// q.layer::<Linear>().forward(&[0.5, -1.0, 0.25], &mut y);
/// let k = dense.kernel.as_slice();
/// let exact = [0.5 * k[0] - k[2] + 0.25 * k[4], 0.5 * k[1] - k[3] + 0.25 * k[5]];
/// assert!((y[0] - exact[0]).abs() < 0.02 && (y[1] - exact[1]).abs() < 0.02);
/// ```
pub struct Int8Weights<const I: usize, const O: usize> {
    /// `(I, O)`, row-major like the f32 kernel, from a cache-line boundary.
    pub kernel: Box<CacheAligned<[[i8; O]; I]>>,
    /// Per output channel: `w ~ kernel * scale`.
    pub scales: Box<[f32; O]>,
    /// The f32 bias.
    pub bias: Box<[f32; O]>,
    /// The input's scale.
    pub input_scale: f32,
}

impl<const I: usize, const O: usize> Int8Weights<I, O> {
    /// Quantizes `layer`'s kernel per output channel; `input_scale` is the scale its inputs
    /// will be quantized with.
    pub fn from_dense<A: nn::Activation>(
        layer: &nn::Dense<I, O, A, f32>,
        input_scale: f32,
    ) -> Self {
        let w = layer.kernel.as_slice();
        let mut scales = [0.0f32; O];
        for row in w.chunks_exact(O.max(1)) {
            for (s, &v) in scales.iter_mut().zip(row) {
                *s = s.max(v.abs());
            }
        }
        // An all-zero channel keeps scale 1 (its weights quantize to 0 either way).
        scales
            .iter_mut()
            .for_each(|s| *s = if *s > 0.0 { *s / 127.0 } else { 1.0 });
        let mut kernel = CacheAligned::<[[i8; O]; I]>::boxed_zeroed();
        for (q, row) in kernel.iter_mut().zip(w.chunks_exact(O.max(1))) {
            *q = core::array::from_fn(|o| shaped_embed::quantize(row[o] / scales[o]) as i8);
        }
        Int8Weights {
            kernel,
            scales: Box::new(scales),
            bias: boxed_vector(layer.bias.as_slice()).expect("bias is O by type"),
            input_scale,
        }
    }

    /// The layer over these weights, with activation `A`.
    pub fn layer<A: FixedActivation>(&self) -> Int8Dense<'_, I, O, A> {
        Int8Dense::new(&self.kernel, &self.scales, &self.bias, self.input_scale)
    }

    /// The same layer with one sample's output columns split over the worker pool (the
    /// same bits: integer sums are exact), over a copy of the kernel laid out for it.
    pub fn parallel_layer<A: FixedActivation>(&self) -> ParallelInt8Dense<I, O, A> {
        ParallelInt8Dense::new(&self.kernel, &self.scales, &self.bias, self.input_scale)
    }
}

/// The symmetric int8 scale for inputs like `samples`: their largest magnitude maps to 127
/// (1.0 for all-zero or empty samples). NaN and infinities are ignored.
pub fn input_scale(samples: impl IntoIterator<Item = f32>) -> f32 {
    let max = samples
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0f32, |m, v| m.max(v.abs()));
    if max > 0.0 { max / 127.0 } else { 1.0 }
}

/// A net's layers as the safetensors file [`include_net!`] reads, layer by layer: per layer
/// `i` of the tuple, `i.kernel` (`[in, out]`: F32 for [`FixedWeights`], BF16 for
/// [`Bf16Weights`], I8 for [`Int8Weights`]) and `i.bias` (F32, `[out]`); an int8 layer adds
/// `i.kernel_scale` (F32, `[out]`) and `i.input_scale` (F32, `[1]`). Layers of different
/// kinds can share a file (a bf16 hidden layer before an f32 classifier).
///
/// ```
/// use shaped::embed::{Bf16Weights, FixedWeights, Int8Weights, NetFile};
/// use shaped::nn::Dense;
/// let (a, b) = (Dense::<4, 3>::new(0), Dense::<3, 2>::new(1));
/// let bytes = NetFile::new()
///     .layer(0, &Int8Weights::from_dense(&a, 0.01))
///     .layer(1, &Int8Weights::from_dense(&b, 0.02))
///     .to_bytes()
///     .unwrap();
/// let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
/// assert_eq!(file.tensor("0.kernel").unwrap().shape(), [4, 3]);
/// assert_eq!(file.tensor("1.kernel").unwrap().dtype(), safetensors::Dtype::I8);
/// assert_eq!(file.tensor("1.input_scale").unwrap().data(), 0.02f32.to_le_bytes());
///
/// let mixed = NetFile::new()
///     .layer(0, &Bf16Weights::from_dense(&a))
///     .layer(1, &FixedWeights::from_dense(&b))
///     .to_bytes()
///     .unwrap();
/// let file = safetensors::SafeTensors::deserialize(&mixed).unwrap();
/// assert_eq!(file.tensor("0.kernel").unwrap().dtype(), safetensors::Dtype::BF16);
/// assert_eq!(file.tensor("1.kernel").unwrap().dtype(), safetensors::Dtype::F32);
/// ```
#[cfg(feature = "io")]
#[derive(Debug, Default)]
pub struct NetFile {
    tensors: Vec<FileTensor>,
}

/// The int8 writer's old name.
#[cfg(feature = "io")]
#[deprecated(
    since = "0.3.0",
    note = "use `NetFile`, which writes every kind of layer"
)]
pub type Int8File = NetFile;

/// One tensor of a [`NetFile`]: name, dtype, shape, little-endian bytes.
#[cfg(feature = "io")]
type FileTensor = (String, safetensors::Dtype, Vec<usize>, Vec<u8>);

/// The weights of a layer a [`NetFile`] can hold: [`FixedWeights`], [`Bf16Weights`] and
/// [`Int8Weights`]. Sealed.
#[cfg(feature = "io")]
pub trait FileLayer: file_layer::Sealed {
    /// The layer's tensors, named for position `index` of the net.
    #[doc(hidden)]
    fn tensors(&self, index: usize) -> Vec<FileTensor>;
}

#[cfg(feature = "io")]
mod file_layer {
    pub trait Sealed {}
    impl<const I: usize, const O: usize> Sealed for super::FixedWeights<I, O> {}
    impl<const I: usize, const O: usize> Sealed for super::Bf16Weights<I, O> {}
    impl<const I: usize, const O: usize> Sealed for super::Int8Weights<I, O> {}
}

/// Little-endian bytes of f32 values.
#[cfg(feature = "io")]
fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The kernel and bias tensors of a dense layer, the kernel already in bytes.
#[cfg(feature = "io")]
fn dense_tensors(
    index: usize,
    kernel: (safetensors::Dtype, [usize; 2], Vec<u8>),
    bias: &[f32],
) -> Vec<FileTensor> {
    let (dtype, shape, bytes) = kernel;
    vec![
        (format!("{index}.kernel"), dtype, shape.to_vec(), bytes),
        (
            format!("{index}.bias"),
            safetensors::Dtype::F32,
            vec![bias.len()],
            f32_bytes(bias),
        ),
    ]
}

#[cfg(feature = "io")]
impl<const I: usize, const O: usize> FileLayer for FixedWeights<I, O> {
    fn tensors(&self, index: usize) -> Vec<FileTensor> {
        let kernel = f32_bytes(self.kernel.as_flattened());
        dense_tensors(
            index,
            (safetensors::Dtype::F32, [I, O], kernel),
            &self.bias[..],
        )
    }
}

#[cfg(feature = "io")]
impl<const I: usize, const O: usize> FileLayer for Bf16Weights<I, O> {
    fn tensors(&self, index: usize) -> Vec<FileTensor> {
        let kernel = self
            .kernel
            .as_flattened()
            .iter()
            .flat_map(|b| b.to_bits().to_le_bytes())
            .collect();
        dense_tensors(
            index,
            (safetensors::Dtype::BF16, [I, O], kernel),
            &self.bias[..],
        )
    }
}

#[cfg(feature = "io")]
impl<const I: usize, const O: usize> FileLayer for Int8Weights<I, O> {
    fn tensors(&self, index: usize) -> Vec<FileTensor> {
        use safetensors::Dtype;
        let kernel = self.kernel.iter().flatten().map(|&v| v as u8).collect();
        let mut tensors = dense_tensors(index, (Dtype::I8, [I, O], kernel), &self.bias[..]);
        tensors.push((
            format!("{index}.kernel_scale"),
            Dtype::F32,
            vec![O],
            f32_bytes(&self.scales[..]),
        ));
        tensors.push((
            format!("{index}.input_scale"),
            Dtype::F32,
            vec![1],
            f32_bytes(&[self.input_scale]),
        ));
        tensors
    }
}

#[cfg(feature = "io")]
impl NetFile {
    /// No layers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the tensors of the layer at position `index` of the net (its index in the tuple,
    /// as shaped names a tuple's layers).
    pub fn layer(mut self, index: usize, weights: &impl FileLayer) -> Self {
        self.tensors.extend(weights.tensors(index));
        self
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, crate::io::IoError> {
        let views = self
            .tensors
            .iter()
            .map(|(name, dtype, shape, data)| {
                Ok((
                    name.clone(),
                    safetensors::tensor::TensorView::new(*dtype, shape.clone(), data)?,
                ))
            })
            .collect::<Result<Vec<_>, safetensors::SafeTensorError>>()
            .map_err(|e| crate::io::IoError::Corrupt(e.to_string()))?;
        safetensors::serialize(views, None).map_err(|e| crate::io::IoError::Corrupt(e.to_string()))
    }

    /// Writes the file.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<(), crate::io::IoError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes()?).map_err(|source| crate::io::IoError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}
