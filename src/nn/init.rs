//! Keras initializers, seeded.

use rand::SeedableRng;
use rand::distr::Distribution;
use rand::distr::uniform::SampleUniform;
use rand::rngs::StdRng;
use rand_distr::StandardNormal;

use crate::tensor::Float;

/// How a parameter tensor starts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Keras's default kernel initializer: U(-l, l) with `l = sqrt(6 / (fan_in + fan_out))`.
    GlorotUniform,
    /// U[low, high) (the chapter's from-scratch model uses U[0, 0.1)).
    Uniform(f64, f64),
    /// N(mean, std^2).
    Normal(f64, f64),
    /// Every value the same.
    Constant(f64),
    /// Keras's default bias initializer.
    Zeros,
}

impl Init {
    /// `n` values for a tensor with the given fans, from a generator seeded by `seed`.
    pub fn sample<E: Float + SampleUniform>(
        self,
        n: usize,
        fan_in: usize,
        fan_out: usize,
        seed: u64,
    ) -> Vec<E>
    where
        StandardNormal: Distribution<E>,
    {
        let cast = |x: f64| E::from(x).expect("finite initializer parameter");
        let mut rng = StdRng::seed_from_u64(seed);
        match self {
            Init::GlorotUniform => {
                let limit = (6.0 / (fan_in + fan_out).max(1) as f64).sqrt();
                Init::Uniform(-limit, limit).sample(n, fan_in, fan_out, seed)
            }
            Init::Uniform(low, high) => {
                let dist = rand::distr::Uniform::new(cast(low), cast(high)).expect("low < high");
                (0..n).map(|_| dist.sample(&mut rng)).collect()
            }
            Init::Normal(mean, std) => (0..n)
                .map(|_| {
                    cast(mean)
                        + cast(std)
                            * <StandardNormal as Distribution<E>>::sample(&StandardNormal, &mut rng)
                })
                .collect(),
            Init::Constant(c) => vec![cast(c); n],
            Init::Zeros => vec![E::zero(); n],
        }
    }
}
