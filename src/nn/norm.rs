//! Keras's `BatchNormalization` and `LayerNormalization` over the last (feature or
//! channel) axis of channels-last tensors: `(batch, C)`, `(batch, T, C)`,
//! `(batch, H, W, C)`.

use super::{Grad, Layer, Params, Train, reuse};
use crate::shapes::{Dim, Dimension};
use crate::tensor::{Float, Tensor};

/// Normalizes each channel with the batch's mean and variance while training (over every
/// axis but the last) and with moving averages of them at inference, then scales by
/// `gamma` and shifts by `beta`: Keras's `BatchNormalization()` with its defaults
/// (momentum 0.99, epsilon 0.001). The moving statistics are buffers: saved and loaded
/// with the weights, never touched by optimizers. As in Keras, the variance is the biased
/// one (divided by the count), for normalizing and for the moving average alike.
///
/// ```
/// use shaped::nn::{BatchNormalization, Layer, Train};
/// use shaped::{Dim, Tensor};
/// let mut bn = BatchNormalization::<2>::new();
/// let x = Tensor::<(usize, Dim<2>)>::from_vec((4, Dim), vec![1.0, 10.0, 3.0, 20.0, 5.0, 30.0, 7.0, 40.0]);
/// // Training: each column has mean 0 and variance about 1.
/// let y = bn.forward_train(&x, &mut Default::default()).clone();
/// let col0: f32 = (0..4).map(|i| y[[i, 0]]).sum();
/// assert!(col0.abs() < 1e-5);
/// // The moving mean moved 1% of the way towards the batch mean (4 and 25).
/// assert!((bn.moving_mean[[0]] - 0.04).abs() < 1e-6 && (bn.moving_mean[[1]] - 0.25).abs() < 1e-6);
/// // Inference uses the moving statistics.
/// let z = bn.forward(&x);
/// assert_eq!(z.shape_dims(), [4, 2]);
/// ```
#[derive(Clone, Debug, PartialEq, Params)]
pub struct BatchNormalization<const C: usize, E: Float = f32> {
    /// Scale per channel (ones at first).
    pub gamma: Tensor<(Dim<C>,), E>,
    /// Shift per channel (zeros at first).
    pub beta: Tensor<(Dim<C>,), E>,
    /// Moving mean per channel (zeros at first).
    #[params(buffer)]
    pub moving_mean: Tensor<(Dim<C>,), E>,
    /// Moving (biased) variance per channel (ones at first).
    #[params(buffer)]
    pub moving_variance: Tensor<(Dim<C>,), E>,
    #[params(config)]
    momentum: f64,
    #[params(config)]
    epsilon: f64,
}

impl<const C: usize, E: Float> Default for BatchNormalization<C, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize, E: Float> BatchNormalization<C, E> {
    /// Keras's defaults: momentum 0.99, epsilon 0.001.
    pub fn new() -> Self {
        Self::with(0.99, 1e-3)
    }

    /// With another momentum (the moving averages keep `momentum` of their value at each
    /// step) and epsilon (added to the variance). Panics unless `momentum` is in `[0, 1]`
    /// and `epsilon` positive and finite.
    #[track_caller]
    pub fn with(momentum: f64, epsilon: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&momentum),
            "BatchNormalization: momentum {momentum} is outside [0, 1]"
        );
        assert!(
            epsilon > 0.0 && epsilon.is_finite(),
            "BatchNormalization: epsilon {epsilon} must be positive"
        );
        BatchNormalization {
            gamma: Tensor::ones(Default::default()),
            beta: Tensor::zeros(Default::default()),
            moving_mean: Tensor::zeros(Default::default()),
            moving_variance: Tensor::ones(Default::default()),
            momentum,
            epsilon,
        }
    }

    /// The momentum of the moving averages.
    pub fn momentum(&self) -> f64 {
        self.momentum
    }

    /// The value added to the variance.
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    fn eps(&self) -> E {
        E::from(self.epsilon).expect("a finite epsilon")
    }

    /// Inference: the moving statistics.
    fn infer(&self, x: &[E], out: &mut [E]) {
        let eps = self.eps();
        let (mean, var) = (self.moving_mean.as_slice(), self.moving_variance.as_slice());
        let (gamma, beta) = (self.gamma.as_slice(), self.beta.as_slice());
        // One square root per channel, not per value.
        let scale: [E; C] = core::array::from_fn(|c| gamma[c] / (var[c] + eps).sqrt());
        for (o, xs) in out.chunks_exact_mut(C).zip(x.chunks_exact(C)) {
            for c in 0..C {
                o[c] = (xs[c] - mean[c]) * scale[c] + beta[c];
            }
        }
    }
}

/// The buffers a normalization layer keeps for its backward pass.
pub struct NormCache<T, E> {
    output: Option<T>,
    normalized: Option<T>,
    /// `1 / sqrt(var + eps)`: per channel (batch normalization) or per row (layer).
    inv_std: Vec<E>,
    /// Per-channel sums of the backward pass.
    sums: Vec<E>,
}

impl<T, E> Default for NormCache<T, E> {
    fn default() -> Self {
        NormCache {
            output: None,
            normalized: None,
            inv_std: Vec::new(),
            sums: Vec::new(),
        }
    }
}

/// Per-channel mean and biased variance of rows of `C` values, in f64.
fn channel_moments<E: Float>(x: &[E], c: usize, mean: &mut [f64], var: &mut [f64]) {
    let rows = (x.len() / c.max(1)).max(1) as f64;
    mean.fill(0.0);
    var.fill(0.0);
    for row in x.chunks_exact(c) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v.to_f64().unwrap_or(f64::NAN);
        }
    }
    mean.iter_mut().for_each(|m| *m /= rows);
    for row in x.chunks_exact(c) {
        for ((s, &v), &m) in var.iter_mut().zip(row).zip(mean.iter()) {
            let d = v.to_f64().unwrap_or(f64::NAN) - m;
            *s += d * d;
        }
    }
    var.iter_mut().for_each(|s| *s /= rows);
}

/// `dx = inv_std / n * (n * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))` per channel,
/// with `dxhat = g * gamma`; also `dgamma = sum(g * xhat)`, `dbeta = sum(g)`.
#[allow(clippy::too_many_arguments)]
fn batch_norm_backward<E: Float>(
    g: &[E],
    xhat: &[E],
    gamma: &[E],
    inv_std: &[E],
    sums: &mut Vec<E>,
    dgamma: &mut [E],
    dbeta: &mut [E],
    dx: Option<&mut [E]>,
) {
    let c = gamma.len();
    let n = E::from((g.len() / c.max(1)).max(1)).expect("a count fits a float");
    dgamma.fill(E::zero());
    dbeta.fill(E::zero());
    for (gs, hs) in g.chunks_exact(c).zip(xhat.chunks_exact(c)) {
        for ch in 0..c {
            dgamma[ch] += gs[ch] * hs[ch];
            dbeta[ch] += gs[ch];
        }
    }
    let Some(dx) = dx else { return };
    // sum(dxhat) = gamma * dbeta and sum(dxhat * xhat) = gamma * dgamma.
    sums.clear();
    sums.extend((0..c).map(|ch| gamma[ch] * inv_std[ch] / n));
    for ((d, gs), hs) in dx
        .chunks_exact_mut(c)
        .zip(g.chunks_exact(c))
        .zip(xhat.chunks_exact(c))
    {
        for ch in 0..c {
            d[ch] = sums[ch] * (n * gs[ch] - dbeta[ch] - hs[ch] * dgamma[ch]);
        }
    }
}

/// Implements `Layer` and `Train` of a normalization layer for one shape with `C` last.
macro_rules! norm_shapes {
    ($layer:ident; $($shape:ty => [$($d:ident),*]),* $(,)?) => {$(
        impl<B: Dimension, $(const $d: usize,)* const C: usize, E: Float> Layer<Tensor<$shape, E>>
            for $layer<C, E>
        {
            type Output = Tensor<$shape, E>;
            fn forward(&self, x: &Tensor<$shape, E>) -> Self::Output {
                let mut out = x.clone();
                self.infer(x.as_slice(), out.as_mut_slice());
                out
            }
        }

        impl<B: Dimension, $(const $d: usize,)* const C: usize, E: Float> Train<Tensor<$shape, E>>
            for $layer<C, E>
        {
            type Cache = NormCache<Tensor<$shape, E>, E>;
            const SOFTMAX_OUTPUT: bool = false;

            fn forward_train<'c>(
                &mut self,
                x: &Tensor<$shape, E>,
                cache: &'c mut Self::Cache,
            ) -> &'c Self::Output {
                let xhat = reuse(&mut cache.normalized, x);
                self.normalize_train(x.as_slice(), xhat.as_mut_slice(), &mut cache.inv_std);
                let out = reuse(&mut cache.output, x);
                let (gamma, beta) = (self.gamma.as_slice(), self.beta.as_slice());
                for (o, h) in out.as_mut_slice().chunks_exact_mut(C).zip(xhat.as_slice().chunks_exact(C)) {
                    for c in 0..C {
                        o[c] = gamma[c] * h[c] + beta[c];
                    }
                }
                out
            }

            fn output(cache: &Self::Cache) -> &Self::Output {
                cache.output.as_ref().expect("forward_train runs before backward")
            }

            fn backward(
                &self,
                x: &Tensor<$shape, E>,
                cache: &mut Self::Cache,
                grad: Grad<&Self::Output>,
                grads: &mut Self,
                input_grad: Option<&mut Tensor<$shape, E>>,
            ) {
                let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
                let xhat = cache.normalized.as_ref().expect("forward_train runs first");
                let dx = input_grad.map(|dx| {
                    dx.set_shape(x.shape());
                    dx.as_mut_slice()
                });
                self.backward_slices(
                    g.as_slice(),
                    xhat.as_slice(),
                    &cache.inv_std,
                    &mut cache.sums,
                    grads,
                    dx,
                );
            }
        }
    )*};
}

impl<const C: usize, E: Float> BatchNormalization<C, E> {
    /// Training: the batch's statistics, and the moving averages updated.
    fn normalize_train(&mut self, x: &[E], xhat: &mut [E], inv_std: &mut Vec<E>) {
        let (mut mean, mut var) = ([0.0f64; C], [0.0f64; C]);
        channel_moments(x, C, &mut mean, &mut var);
        inv_std.clear();
        inv_std.extend(
            var.iter()
                .map(|&v| E::from(1.0 / (v + self.epsilon).sqrt()).unwrap_or_else(E::nan)),
        );
        let mean_e: [E; C] = core::array::from_fn(|c| E::from(mean[c]).unwrap_or_else(E::nan));
        for (h, xs) in xhat.chunks_exact_mut(C).zip(x.chunks_exact(C)) {
            for c in 0..C {
                h[c] = (xs[c] - mean_e[c]) * inv_std[c];
            }
        }
        let m = self.momentum;
        for c in 0..C {
            let (mm, mv) = (&mut self.moving_mean.as_mut_slice()[c], mean[c]);
            *mm = E::from(mm.to_f64().unwrap_or(f64::NAN) * m + mv * (1.0 - m))
                .unwrap_or_else(E::nan);
            let (vv, bv) = (&mut self.moving_variance.as_mut_slice()[c], var[c]);
            *vv = E::from(vv.to_f64().unwrap_or(f64::NAN) * m + bv * (1.0 - m))
                .unwrap_or_else(E::nan);
        }
    }

    fn backward_slices(
        &self,
        g: &[E],
        xhat: &[E],
        inv_std: &[E],
        sums: &mut Vec<E>,
        grads: &mut Self,
        dx: Option<&mut [E]>,
    ) {
        batch_norm_backward(
            g,
            xhat,
            self.gamma.as_slice(),
            inv_std,
            sums,
            grads.gamma.as_mut_slice(),
            grads.beta.as_mut_slice(),
            dx,
        );
    }
}

norm_shapes!(BatchNormalization;
    (B, Dim<C>) => [],
    (B, Dim<T>, Dim<C>) => [T],
    (B, Dim<H>, Dim<W>, Dim<C>) => [H, W],
);

/// Normalizes each sample's `C` features (the last axis) to mean 0 and variance 1, then
/// scales by `gamma` and shifts by `beta`: Keras's `LayerNormalization()` (epsilon 0.001).
/// The same at training and inference.
///
/// ```
/// use shaped::nn::{Layer, LayerNormalization};
/// use shaped::{Dim, Tensor};
/// let ln = LayerNormalization::<4>::new();
/// let x = Tensor::<(usize, Dim<4>)>::from_vec((1, Dim), vec![1.0, 2.0, 3.0, 4.0]);
/// let y = ln.forward(&x);
/// assert!(y.as_slice().iter().sum::<f32>().abs() < 1e-5);
/// assert!(y[[0, 3]] > 1.3 && y[[0, 3]] < 1.35); // (4 - 2.5) / sqrt(1.25 + 0.001)
/// ```
#[derive(Clone, Debug, PartialEq, Params)]
pub struct LayerNormalization<const C: usize, E: Float = f32> {
    /// Scale per feature (ones at first).
    pub gamma: Tensor<(Dim<C>,), E>,
    /// Shift per feature (zeros at first).
    pub beta: Tensor<(Dim<C>,), E>,
    #[params(config)]
    epsilon: f64,
}

impl<const C: usize, E: Float> Default for LayerNormalization<C, E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize, E: Float> LayerNormalization<C, E> {
    /// Keras's default epsilon, 0.001.
    pub fn new() -> Self {
        Self::with_epsilon(1e-3)
    }

    /// With another epsilon (positive and finite, else a panic).
    #[track_caller]
    pub fn with_epsilon(epsilon: f64) -> Self {
        assert!(
            epsilon > 0.0 && epsilon.is_finite(),
            "LayerNormalization: epsilon {epsilon} must be positive"
        );
        LayerNormalization {
            gamma: Tensor::ones(Default::default()),
            beta: Tensor::zeros(Default::default()),
            epsilon,
        }
    }

    /// The value added to the variance.
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// Each row normalized into `xhat`, `1 / sqrt(var + eps)` per row into `inv_std`.
    fn normalize_rows(&self, x: &[E], xhat: &mut [E], inv_std: &mut Vec<E>) {
        inv_std.clear();
        for (h, xs) in xhat.chunks_exact_mut(C).zip(x.chunks_exact(C)) {
            // The row's C values as C rows of one channel: the same moments as batch norm's.
            let (mut mean, mut var) = ([0.0f64], [0.0f64]);
            channel_moments(xs, 1, &mut mean, &mut var);
            let inv = E::from(1.0 / (var[0] + self.epsilon).sqrt()).unwrap_or_else(E::nan);
            let m = E::from(mean[0]).unwrap_or_else(E::nan);
            for (hv, &v) in h.iter_mut().zip(xs) {
                *hv = (v - m) * inv;
            }
            inv_std.push(inv);
        }
    }

    fn infer(&self, x: &[E], out: &mut [E]) {
        let mut inv = Vec::new();
        self.normalize_rows(x, out, &mut inv);
        let (gamma, beta) = (self.gamma.as_slice(), self.beta.as_slice());
        for o in out.chunks_exact_mut(C) {
            for c in 0..C {
                o[c] = gamma[c] * o[c] + beta[c];
            }
        }
    }

    fn normalize_train(&mut self, x: &[E], xhat: &mut [E], inv_std: &mut Vec<E>) {
        self.normalize_rows(x, xhat, inv_std);
    }

    /// Per row: `dx = inv_std / C * (C * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))`
    /// with `dxhat = g * gamma`; `dgamma`, `dbeta` summed over rows.
    fn backward_slices(
        &self,
        g: &[E],
        xhat: &[E],
        inv_std: &[E],
        _: &mut Vec<E>,
        grads: &mut Self,
        dx: Option<&mut [E]>,
    ) {
        let gamma = self.gamma.as_slice();
        let (dgamma, dbeta) = (grads.gamma.as_mut_slice(), grads.beta.as_mut_slice());
        dgamma.fill(E::zero());
        dbeta.fill(E::zero());
        for (gs, hs) in g.chunks_exact(C).zip(xhat.chunks_exact(C)) {
            for c in 0..C {
                dgamma[c] += gs[c] * hs[c];
                dbeta[c] += gs[c];
            }
        }
        let Some(dx) = dx else { return };
        let n = E::from(C).expect("a count fits a float");
        for (((d, gs), hs), &inv) in dx
            .chunks_exact_mut(C)
            .zip(g.chunks_exact(C))
            .zip(xhat.chunks_exact(C))
            .zip(inv_std)
        {
            let (mut sum, mut dot) = (E::zero(), E::zero());
            for c in 0..C {
                let dh = gs[c] * gamma[c];
                sum += dh;
                dot += dh * hs[c];
            }
            for c in 0..C {
                d[c] = inv / n * (n * gs[c] * gamma[c] - sum - hs[c] * dot);
            }
        }
    }
}

norm_shapes!(LayerNormalization;
    (B, Dim<C>) => [],
    (B, Dim<T>, Dim<C>) => [T],
    (B, Dim<H>, Dim<W>, Dim<C>) => [H, W],
);
