//! Adam and AdamW with Keras's defaults and update.

use super::{Optimizer, Schedule, flush, hp};
use crate::nn::Params;
use crate::tensor::Float;

/// Adam (Keras defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7).
///
/// At step `t` (from 1): `m += (g - m) * (1 - b1)`, `v += (g^2 - v) * (1 - b2)`,
/// `w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`.
#[derive(Clone, Debug)]
pub struct Adam<M> {
    /// The learning rate or its schedule.
    pub learning_rate: Schedule,
    /// Decay of the first moment.
    pub beta_1: f64,
    /// Decay of the second moment.
    pub beta_2: f64,
    /// Added to the root of the second moment.
    pub epsilon: f64,
    /// Decoupled weight decay (AdamW); 0 for plain Adam.
    pub weight_decay: f64,
    moments: Option<(M, M)>,
    iterations: u64,
}

impl<M> Default for Adam<M> {
    fn default() -> Self {
        Adam {
            learning_rate: Schedule::Constant(0.001),
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            weight_decay: 0.0,
            moments: None,
            iterations: 0,
        }
    }
}

impl<M> Adam<M> {
    /// Keras's defaults with another learning rate (or schedule).
    pub fn new(learning_rate: impl Into<Schedule>) -> Self {
        Adam {
            learning_rate: learning_rate.into(),
            ..Self::default()
        }
    }
}

/// AdamW: Adam with decoupled weight decay `w -= lr * weight_decay * w` before each update
/// (Keras default `weight_decay = 0.004`).
pub type AdamW<M> = Adam<M>;

impl<M> Adam<M> {
    /// AdamW with Keras's defaults and another learning rate.
    pub fn adamw(learning_rate: impl Into<Schedule>) -> Self {
        Adam {
            weight_decay: 0.004,
            ..Adam::new(learning_rate)
        }
    }

    /// Sets the decoupled weight decay.
    pub fn with_weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl<M: Params<E>, E: Float> Optimizer<M, E> for Adam<M> {
    fn step(&mut self, model: &mut M, grads: &M) {
        let lr = self.learning_rate.at(self.iterations);
        self.iterations += 1;
        let t = self.iterations as i32;
        let corrected: E =
            hp(lr * (1.0 - self.beta_2.powi(t)).sqrt() / (1.0 - self.beta_1.powi(t)));
        let decay: E = hp(lr * self.weight_decay);
        let (b1, b2, eps): (E, E, E) = (hp(self.beta_1), hp(self.beta_2), hp(self.epsilon));
        let one = E::one();
        let (m, v) = self
            .moments
            .get_or_insert_with(|| (model.zeros_like(), model.zeros_like()));
        // Compiled for the widest vectors this CPU has, as RMSprop's update.
        model.zip_update(grads, [m, v], &mut |w, g, [m, v]| {
            crate::kernels::widest(|| {
                for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                    *w = *w - decay * *w;
                    *m = flush(*m + (g - *m) * (one - b1));
                    *v = flush(*v + (g * g - *v) * (one - b2));
                    *w -= corrected * *m / (v.sqrt() + eps);
                }
            })
        });
    }

    fn iterations(&self) -> u64 {
        self.iterations
    }

    fn current_learning_rate(&self) -> f64 {
        self.learning_rate.at(self.iterations)
    }

    fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M)> {
        let (m, v) = self
            .moments
            .get_or_insert_with(|| (model.zeros_like(), model.zeros_like()));
        vec![("m", m), ("v", v)]
    }

    fn set_iterations(&mut self, iterations: u64) {
        self.iterations = iterations;
    }
    fn describe(&self) -> String {
        let kind = if self.weight_decay == 0.0 {
            "adam"
        } else {
            "adamw"
        };
        format!(
            "{kind}(learning_rate={:?}, beta_1={}, beta_2={}, epsilon={}, weight_decay={})",
            self.learning_rate, self.beta_1, self.beta_2, self.epsilon, self.weight_decay
        )
    }
}
