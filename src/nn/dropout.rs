//! Keras's `Dropout(rate)`: at training time each value is zeroed with probability `rate`
//! and the others scaled by `1 / (1 - rate)`, with a new mask on every step; at inference
//! it is the identity.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{Grad, Layer, Params, Train, reuse};
use crate::shapes::Shape;
use crate::tensor::{Float, Tensor};

/// Randomly zeroes values while training (inverted dropout, as Keras does).
///
/// The mask of step `t` is drawn from `seed` and `t`, so a run is reproducible; the rate
/// and the seed are settings, saved with the weights and checked when they are loaded.
///
/// ```
/// use shaped::nn::{Dropout, Layer, Train};
/// use shaped::{Dim, Tensor};
/// let mut dropout = Dropout::new(0.5, 7);
/// let x = Tensor::<(usize, Dim<1000>)>::ones((1, Dim));
/// assert_eq!(dropout.forward(&x), x); // inference: the identity
/// let mut cache = Default::default();
/// let y = dropout.forward_train(&x, &mut cache).clone();
/// let kept = y.as_slice().iter().filter(|&&v| v != 0.0).count();
/// assert!((400..600).contains(&kept));
/// assert!(y.as_slice().iter().all(|&v| v == 0.0 || v == 2.0));
/// ```
#[derive(Clone, Debug, PartialEq, Params)]
pub struct Dropout {
    #[params(config)]
    rate: f64,
    #[params(config)]
    seed: u64,
    /// Training steps taken: the mask of the next one differs.
    #[params(skip)]
    step: u64,
}

impl Dropout {
    /// Dropout of `rate` (in `[0, 1)`) with masks drawn from `seed`; `None` for another rate.
    pub fn try_new(rate: f64, seed: u64) -> Option<Self> {
        (0.0..1.0).contains(&rate).then_some(Dropout {
            rate,
            seed,
            step: 0,
        })
    }

    /// Panicking form of [`try_new`](Self::try_new).
    #[track_caller]
    pub fn new(rate: f64, seed: u64) -> Self {
        match Self::try_new(rate, seed) {
            Some(d) => d,
            None => panic!("a dropout rate must be in [0, 1), got {rate}"),
        }
    }

    /// The fraction of values dropped while training.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

impl<S: Shape, E: Float> Layer<Tensor<S, E>> for Dropout {
    type Output = Tensor<S, E>;
    fn forward(&self, x: &Tensor<S, E>) -> Self::Output {
        x.clone()
    }
}

/// What a [`Dropout`] keeps: its output and the mask (0 or `1 / (1 - rate)` per value).
pub struct DropoutCache<T> {
    output: Option<T>,
    mask: Option<T>,
}

impl<T> Default for DropoutCache<T> {
    fn default() -> Self {
        DropoutCache {
            output: None,
            mask: None,
        }
    }
}

impl<S: Shape, E: Float> Train<Tensor<S, E>> for Dropout {
    type Cache = DropoutCache<Tensor<S, E>>;
    const SOFTMAX_OUTPUT: bool = false;

    fn forward_train<'c>(
        &mut self,
        x: &Tensor<S, E>,
        cache: &'c mut Self::Cache,
    ) -> &'c Self::Output {
        // One generator per step, seeded from the seed and the step: masks never repeat
        // from step to step, and a run is reproducible.
        let mut rng =
            StdRng::seed_from_u64(self.seed ^ self.step.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        self.step += 1;
        let keep = E::from(1.0 / (1.0 - self.rate)).expect("a finite scale");
        let rate = self.rate;
        let mask = reuse(&mut cache.mask, x);
        mask.as_mut_slice().iter_mut().for_each(|m| {
            *m = if rng.random::<f64>() < rate {
                E::zero()
            } else {
                keep
            }
        });
        let out = reuse(&mut cache.output, x);
        for ((o, &v), &m) in out
            .as_mut_slice()
            .iter_mut()
            .zip(x.as_slice())
            .zip(mask.as_slice())
        {
            *o = v * m;
        }
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
        x: &Tensor<S, E>,
        cache: &mut Self::Cache,
        grad: Grad<&Self::Output>,
        _: &mut Self,
        input_grad: Option<&mut Tensor<S, E>>,
    ) {
        let Some(dx) = input_grad else { return };
        let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
        let mask = cache
            .mask
            .as_ref()
            .expect("forward_train runs before backward");
        dx.set_shape(x.shape());
        for ((d, &gv), &m) in dx
            .as_mut_slice()
            .iter_mut()
            .zip(g.as_slice())
            .zip(mask.as_slice())
        {
            *d = gv * m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dim;

    type Row = Tensor<(Dim<10000>,)>;

    /// The mask a fresh training step of `dropout` applies to ones.
    fn mask(dropout: &mut Dropout) -> Vec<f32> {
        let mut cache = DropoutCache::default();
        dropout
            .forward_train(&Row::ones(Default::default()), &mut cache)
            .as_slice()
            .to_vec()
    }

    #[test]
    fn a_quarter_is_dropped_and_the_rest_scaled_by_four_thirds() {
        let mut dropout = Dropout::new(0.25, 3);
        assert_eq!(dropout.rate(), 0.25);
        let values = mask(&mut dropout);
        let keep = 1.0f32 / 0.75;
        assert!(
            values.iter().all(|&v| v == 0.0 || v == keep),
            "0 or 4/3 only"
        );
        let dropped = values.iter().filter(|&&v| v == 0.0).count() as f64 / 1e4;
        // 10,000 draws: the standard deviation of the fraction is about 0.0043.
        assert!((dropped - 0.25).abs() < 0.02, "dropped {dropped}");
    }

    #[test]
    fn masks_differ_between_seeds_and_steps_and_repeat_with_the_seed() {
        let (mut a, mut b) = (Dropout::new(0.5, 1), Dropout::new(0.5, 2));
        let (a0, b0) = (mask(&mut a), mask(&mut b));
        assert_ne!(a0, b0, "other seed, other mask from the first step");
        assert_ne!(mask(&mut a), a0, "the next step draws a new mask");
        assert_eq!(mask(&mut Dropout::new(0.5, 1)), a0, "reproducible");
    }
}
