//! Seeded random tensors: reproducible initialisation.

use rand::distr::Distribution;
use rand::distr::uniform::SampleUniform;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Normal, StandardNormal};

use super::{Float, Tensor};
use crate::shapes::Shape;

impl<S: Shape, E: Float + SampleUniform> Tensor<S, E> {
    /// Samples from U[low, high) with a generator seeded by `seed`.
    ///
    /// ```
    /// use shaped::{Dim, Tensor};
    /// let w = Tensor::<(Dim<784>, Dim<512>)>::random_uniform(Default::default(), 0.0, 0.1, 42);
    /// assert!(w.as_slice().iter().all(|&x| (0.0..0.1).contains(&x)));
    /// ```
    #[track_caller]
    pub fn random_uniform(shape: S, low: E, high: E, seed: u64) -> Self {
        Self::random_uniform_with(shape, low, high, &mut StdRng::seed_from_u64(seed))
    }

    /// Samples from U[low, high) with the caller's generator.
    #[track_caller]
    pub fn random_uniform_with(shape: S, low: E, high: E, rng: &mut impl Rng) -> Self {
        assert!(
            low < high,
            "random_uniform needs low < high, got {low} and {high}"
        );
        let dist = rand::distr::Uniform::new(low, high).expect("finite bounds");
        Tensor::from_parts(
            shape,
            (0..shape.numel()).map(|_| dist.sample(rng)).collect(),
        )
    }
}

impl<S: Shape, E: Float> Tensor<S, E>
where
    StandardNormal: Distribution<E>,
{
    /// Samples from N(mean, std^2) with a generator seeded by `seed`.
    #[track_caller]
    pub fn random_normal(shape: S, mean: E, std: E, seed: u64) -> Self {
        Self::random_normal_with(shape, mean, std, &mut StdRng::seed_from_u64(seed))
    }

    /// Samples from N(mean, std^2) with the caller's generator.
    #[track_caller]
    pub fn random_normal_with(shape: S, mean: E, std: E, rng: &mut impl Rng) -> Self {
        let dist = match Normal::new(mean, std) {
            Ok(d) => d,
            Err(e) => panic!("random_normal: {e}"),
        };
        Tensor::from_parts(
            shape,
            (0..shape.numel()).map(|_| dist.sample(rng)).collect(),
        )
    }
}
