//! Stochastic gradient descent, with Keras's momentum and Nesterov updates.

use super::{Optimizer, Schedule, hp};
use crate::nn::Params;
use crate::tensor::Float;

/// SGD (Keras defaults: learning rate 0.01, no momentum).
///
/// Without momentum: `w -= lr * g`. With momentum `m`: `v = m * v - lr * g`, then
/// `w += v`, or `w += m * v - lr * g` with Nesterov.
///
/// ```
/// use shaped::nn::{Dense, Params};
/// use shaped::optim::{Optimizer, Sgd};
/// use shaped::Tensor;
/// let mut layer = Dense::<1, 1>::from_tensors(Tensor::from([[1.0]]), Tensor::from([0.0]));
/// let grads = Dense::<1, 1>::from_tensors(Tensor::from([[0.5]]), Tensor::from([1.0]));
/// let mut sgd = Sgd::new(0.1);
/// sgd.step(&mut layer, &grads);
/// assert_eq!(layer.kernel.as_slice(), &[0.95]);
/// assert_eq!(layer.bias.as_slice(), &[-0.1]);
/// ```
#[derive(Clone, Debug)]
pub struct Sgd<M> {
    /// The learning rate or its schedule.
    pub learning_rate: Schedule,
    /// Momentum factor (0 disables momentum).
    pub momentum: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
    velocity: Option<M>,
    iterations: u64,
}

impl<M> Sgd<M> {
    /// Plain SGD with a learning rate (or schedule).
    pub fn new(learning_rate: impl Into<Schedule>) -> Self {
        Sgd {
            learning_rate: learning_rate.into(),
            momentum: 0.0,
            nesterov: false,
            velocity: None,
            iterations: 0,
        }
    }

    /// Sets the momentum factor.
    pub fn with_momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// Switches Nesterov momentum on.
    pub fn with_nesterov(mut self) -> Self {
        self.nesterov = true;
        self
    }
}

impl<M> Default for Sgd<M> {
    fn default() -> Self {
        Sgd::new(0.01)
    }
}

impl<M: Params<E>, E: Float> Optimizer<M, E> for Sgd<M> {
    fn step(&mut self, model: &mut M, grads: &M) {
        let lr: E = hp(self.learning_rate.at(self.iterations));
        self.iterations += 1;
        if self.momentum == 0.0 {
            model.zip_update(grads, [], &mut |w, g, []| {
                w.iter_mut().zip(g).for_each(|(w, &g)| *w -= lr * g);
            });
            return;
        }
        let momentum: E = hp(self.momentum);
        let nesterov = self.nesterov;
        let velocity = self.velocity.get_or_insert_with(|| model.zeros_like());
        model.zip_update(grads, [velocity], &mut |w, g, [v]| {
            for ((w, &g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
                *v = momentum * *v - lr * g;
                *w = if nesterov {
                    *w + momentum * *v - lr * g
                } else {
                    *w + *v
                };
            }
        });
    }

    fn iterations(&self) -> u64 {
        self.iterations
    }

    fn current_learning_rate(&self) -> f64 {
        self.learning_rate.at(self.iterations)
    }

    fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M)> {
        if self.momentum == 0.0 {
            return Vec::new();
        }
        vec![(
            "velocity",
            self.velocity.get_or_insert_with(|| model.zeros_like()),
        )]
    }

    fn set_iterations(&mut self, iterations: u64) {
        self.iterations = iterations;
    }
    fn describe(&self) -> String {
        format!(
            "sgd(learning_rate={:?}, momentum={}, nesterov={})",
            self.learning_rate, self.momentum, self.nesterov
        )
    }
}
