//! Optimizers: one generic trait, state typed like the model's parameters.
//!
//! An optimizer's state (momenta, running averages) is a value of the model's own type,
//! created on the first step, so it has the parameters' structure by construction; a
//! parameter whose gradient is zero is simply updated with zero.

mod adam;
mod rmsprop;
mod schedule;
mod sgd;

pub use adam::{Adam, AdamW};
pub use rmsprop::RmsProp;
pub use schedule::Schedule;
pub use sgd::Sgd;

use crate::nn::Params;
use crate::tensor::Float;

/// Updates a model's parameters from their gradients.
pub trait Optimizer<M: Params<E>, E: Float> {
    /// One update: `model` moves against `grads` (which has the model's type).
    fn step(&mut self, model: &mut M, grads: &M);
    /// Number of steps taken so far.
    fn iterations(&self) -> u64;
    /// The learning rate the next step will use.
    fn current_learning_rate(&self) -> f64;
    /// The state slots by name, each a value of the model's type (created as zeros when
    /// absent), for saving and restoring training.
    fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M)>;
    /// Sets the step counter (when restoring training).
    fn set_iterations(&mut self, iterations: u64);
    /// The optimizer's kind and hyper-parameters, e.g.
    /// `rmsprop(learning_rate=Constant(0.001), rho=0.9, ...)`. Checkpoints record it, and
    /// loading refuses a checkpoint written by an optimizer that describes itself
    /// differently (state from Adam would silently mislead AdamW). The default is the type
    /// name: override it to include hyper-parameters.
    fn describe(&self) -> String {
        std::any::type_name::<Self>().to_string()
    }
}

/// Casts an f64 hyper-parameter to the element type (for optimizers written outside the
/// crate too): `let lr: f32 = hp(0.001);`.
pub fn hp<E: Float>(x: f64) -> E {
    E::from(x).expect("hyper-parameter fits the float type")
}

/// A decaying running average, flushed to zero once it is far below anything that can
/// change a result. Without this, averages of always-zero gradients (the border pixels of
/// MNIST) decay into subnormal floats, whose arithmetic is many times slower. The threshold,
/// 1e-20, is far below the 1e-7 epsilon RMSprop adds to the average, so its results are
/// bit-identical; for Adam's first moment the dropped update is below 1e-13 times the
/// learning rate.
#[inline(always)]
pub(crate) fn flush<E: Float>(x: E) -> E {
    if x.abs() < hp::<E>(1e-20) {
        E::zero()
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flush_zeroes_only_values_below_the_threshold() {
        assert_eq!(flush(1e-30f32), 0.0);
        assert_eq!(flush(-1e-30f64), 0.0);
        assert_eq!(flush(0.999e-20f64), 0.0);
        // At the threshold and above, values are kept exactly.
        assert_eq!(flush(1e-20f64), 1e-20);
        assert_eq!(flush(-2e-20f64), -2e-20);
        assert_eq!(flush(0.5f32), 0.5);
    }

    /// An optimizer written outside the crate, relying on every default.
    struct Still;

    impl<M: Params<f32>> Optimizer<M, f32> for Still {
        fn step(&mut self, _: &mut M, _: &M) {}
        fn iterations(&self) -> u64 {
            0
        }
        fn current_learning_rate(&self) -> f64 {
            0.0
        }
        fn state_mut(&mut self, _: &M) -> Vec<(&'static str, &mut M)> {
            Vec::new()
        }
        fn set_iterations(&mut self, _: u64) {}
    }

    #[test]
    fn an_optimizer_describes_itself_by_its_type_name_by_default() {
        let d = <Still as Optimizer<crate::nn::Dense<2, 2>, f32>>::describe(&Still);
        assert!(d.ends_with("optim::tests::Still"), "{d}");
    }

    /// One weight, `w = 1`, gradient `g` each step.
    fn scalar(w: f64) -> crate::nn::Dense<1, 1, crate::nn::Linear, f64> {
        use crate::{Dim, Tensor};
        crate::nn::Dense::from_tensors(
            Tensor::from_vec((Dim, Dim), vec![w]),
            Tensor::from_vec((Dim,), vec![0.0]),
        )
    }

    #[test]
    fn every_optimizer_counts_steps_and_follows_its_schedule() {
        let halving = || Schedule::custom(|step| 0.1 * 0.5f64.powi(step as i32));
        let grads = scalar(0.5);
        let mut model = scalar(1.0);
        let mut sgd = Sgd::new(halving());
        let mut rms = RmsProp::new(halving());
        let mut adam = Adam::new(halving());
        for step in 0..3u64 {
            assert_eq!(
                Optimizer::<_, f64>::current_learning_rate(&sgd),
                0.1 * 0.5f64.powi(step as i32)
            );
            assert_eq!(
                Optimizer::<_, f64>::current_learning_rate(&rms),
                0.1 * 0.5f64.powi(step as i32)
            );
            assert_eq!(
                Optimizer::<_, f64>::current_learning_rate(&adam),
                0.1 * 0.5f64.powi(step as i32)
            );
            sgd.step(&mut model, &grads);
            rms.step(&mut model, &grads);
            adam.step(&mut model, &grads);
        }
        assert_eq!(Optimizer::<_, f64>::iterations(&sgd), 3);
        assert_eq!(Optimizer::<_, f64>::iterations(&rms), 3);
        assert_eq!(Optimizer::<_, f64>::iterations(&adam), 3);
    }

    #[test]
    fn centered_rmsprop_divides_by_the_variance_estimate() {
        // Keras: v = rho v + (1 - rho) g^2, mg = rho mg + (1 - rho) g,
        // w -= lr g / sqrt(v - mg^2 + eps). Two steps by hand with g = 0.5, then g = -1.
        let (lr, rho, eps) = (0.01, 0.9, 1e-7);
        let mut opt: RmsProp<crate::nn::Dense<1, 1, crate::nn::Linear, f64>> = RmsProp::new(lr);
        opt.centered = true;
        let mut model = scalar(1.0);
        let (mut w, mut v, mut mg) = (1.0f64, 0.0f64, 0.0f64);
        for g in [0.5, -1.0] {
            opt.step(&mut model, &scalar(g));
            v = rho * v + (1.0 - rho) * g * g;
            mg = rho * mg + (1.0 - rho) * g;
            w -= lr * g / (v - mg * mg + eps).sqrt();
            assert!(
                (model.kernel.as_slice()[0] - w).abs() < 1e-12,
                "{} vs {w}",
                model.kernel.as_slice()[0]
            );
        }
    }

    #[test]
    fn adam_and_adamw_describe_themselves_apart() {
        type M = crate::nn::Dense<1, 1>;
        let adam: Adam<M> = Adam::new(0.001);
        let adamw: Adam<M> = Adam::adamw(0.001);
        assert!(Optimizer::<M, f32>::describe(&adam).starts_with("adam("));
        assert!(Optimizer::<M, f32>::describe(&adamw).starts_with("adamw("));
    }

    #[test]
    fn exponential_decay_by_hand() {
        let smooth = Schedule::ExponentialDecay {
            initial: 0.1,
            decay_steps: 4,
            decay_rate: 0.5,
            staircase: false,
        };
        let stairs = Schedule::ExponentialDecay {
            initial: 0.1,
            decay_steps: 4,
            decay_rate: 0.5,
            staircase: true,
        };
        // initial * rate ^ (step / decay_steps): step 2 is half a decay, step 8 two.
        assert_eq!(smooth.at(0), 0.1);
        assert!((smooth.at(2) - 0.1 * 0.5f64.sqrt()).abs() < 1e-15);
        assert!((smooth.at(8) - 0.025).abs() < 1e-15);
        assert_eq!(stairs.at(3), 0.1);
        assert!((stairs.at(4) - 0.05).abs() < 1e-15);
        assert!((stairs.at(9) - 0.025).abs() < 1e-15);
    }

    #[test]
    fn centered_rmsprop_with_momentum_by_hand() {
        // m = momentum m + lr g / sqrt(v - mg^2 + eps); w -= m.
        let (lr, rho, eps, momentum) = (0.01, 0.9, 1e-7, 0.5);
        let mut opt: RmsProp<crate::nn::Dense<1, 1, crate::nn::Linear, f64>> = RmsProp::new(lr);
        opt.centered = true;
        opt.momentum = momentum;
        let mut model = scalar(1.0);
        let (mut w, mut v, mut mg, mut m) = (1.0f64, 0.0f64, 0.0f64, 0.0f64);
        for g in [0.5, -1.0, 0.25] {
            opt.step(&mut model, &scalar(g));
            v = rho * v + (1.0 - rho) * g * g;
            mg = rho * mg + (1.0 - rho) * g;
            m = momentum * m + lr * g / (v - mg * mg + eps).sqrt();
            w -= m;
            assert!(
                (model.kernel.as_slice()[0] - w).abs() < 1e-12,
                "{} vs {w}",
                model.kernel.as_slice()[0]
            );
        }
    }

    #[test]
    fn restoring_the_step_counter_moves_the_schedule() {
        type M = crate::nn::Dense<1, 1, crate::nn::Linear, f64>;
        let schedule = || Schedule::custom(|step| 1.0 / (1.0 + step as f64));
        let mut sgd: Sgd<M> = Sgd::new(schedule());
        let mut rms: RmsProp<M> = RmsProp::new(schedule());
        let mut adam: Adam<M> = Adam::new(schedule());
        Optimizer::<M, f64>::set_iterations(&mut sgd, 4);
        Optimizer::<M, f64>::set_iterations(&mut rms, 4);
        Optimizer::<M, f64>::set_iterations(&mut adam, 4);
        for (iterations, lr) in [
            (
                Optimizer::<M, f64>::iterations(&sgd),
                Optimizer::<M, f64>::current_learning_rate(&sgd),
            ),
            (
                Optimizer::<M, f64>::iterations(&rms),
                Optimizer::<M, f64>::current_learning_rate(&rms),
            ),
            (
                Optimizer::<M, f64>::iterations(&adam),
                Optimizer::<M, f64>::current_learning_rate(&adam),
            ),
        ] {
            assert_eq!((iterations, lr), (4, 0.2));
        }
    }

    #[test]
    fn sgd_keeps_a_velocity_only_with_momentum() {
        type M = crate::nn::Dense<1, 1, crate::nn::Linear, f64>;
        let model = scalar(1.0);
        let mut plain: Sgd<M> = Sgd::new(0.1);
        assert!(Optimizer::<M, f64>::state_mut(&mut plain, &model).is_empty());
        let mut heavy: Sgd<M> = Sgd::new(0.1).with_momentum(0.9);
        let names: Vec<_> = Optimizer::<M, f64>::state_mut(&mut heavy, &model)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["velocity"]);
    }
}
