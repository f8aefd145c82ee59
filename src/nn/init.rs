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

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_and_std(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    #[test]
    fn normal_has_the_mean_and_spread_asked_for() {
        // 20,000 draws: the sample mean's standard error is 0.5 / 141 = 0.0035.
        let values = Init::Normal(2.0, 0.5).sample::<f64>(20_000, 1, 1, 7);
        let (mean, std) = mean_and_std(&values);
        assert!((mean - 2.0).abs() < 0.02, "mean {mean}");
        assert!((std - 0.5).abs() < 0.02, "std {std}");
    }

    #[test]
    fn normal_draws_are_the_seeded_standard_normal_scaled_and_shifted() {
        // Seeded initializers are reproducible: value i is mean + std * z_i, z_i the i-th
        // standard normal draw of the generator seeded with `seed`.
        let mut rng = StdRng::seed_from_u64(11);
        let z: Vec<f64> = (0..4).map(|_| StandardNormal.sample(&mut rng)).collect();
        let values = Init::Normal(-1.0, 3.0).sample::<f64>(4, 1, 1, 11);
        for (v, z) in values.iter().zip(z) {
            assert_eq!(*v, -1.0 + 3.0 * z);
        }
    }

    #[test]
    fn uniform_stays_in_range_and_fills_it() {
        let values = Init::Uniform(-0.25, 0.75).sample::<f32>(10_000, 1, 1, 3);
        assert!(values.iter().all(|&v| (-0.25..0.75).contains(&v)));
        let (low, high) = values
            .iter()
            .fold((1.0f32, -1.0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        assert!(low < -0.24 && high > 0.74, "[{low}, {high}]");
    }

    #[test]
    fn constants_and_seeds() {
        assert_eq!(Init::Constant(1.5).sample::<f32>(3, 1, 1, 0), [1.5; 3]);
        assert_eq!(Init::Zeros.sample::<f64>(2, 1, 1, 0), [0.0; 2]);
        let a = Init::Normal(0.0, 1.0).sample::<f32>(8, 1, 1, 1);
        assert_eq!(a, Init::Normal(0.0, 1.0).sample::<f32>(8, 1, 1, 1));
        assert_ne!(a, Init::Normal(0.0, 1.0).sample::<f32>(8, 1, 1, 2));
    }
}
