//! RMSprop with Keras 3's update (epsilon inside the square root).

use super::{Optimizer, Schedule, flush, hp};
use crate::nn::Params;
use crate::tensor::Float;

/// RMSprop with Keras's defaults: learning rate 0.001, rho 0.9, momentum 0,
/// epsilon 1e-7, not centered.
///
/// `v = rho * v + (1 - rho) * g^2`; `step = lr * g / sqrt(v + eps)` (centered:
/// `sqrt(v - mg^2 + eps)` with `mg = rho * mg + (1 - rho) * g`); with momentum `m`:
/// `m = momentum * m + step; w -= m`, else `w -= step`.
#[derive(Clone, Debug)]
pub struct RmsProp<M> {
    /// The learning rate or its schedule.
    pub learning_rate: Schedule,
    /// Decay of the running mean of squared gradients.
    pub rho: f64,
    /// Momentum factor (0 disables momentum).
    pub momentum: f64,
    /// Added to the mean square inside the root.
    pub epsilon: f64,
    /// Divide by the variance estimate instead of the mean square.
    pub centered: bool,
    mean_square: Option<M>,
    mean_grad: Option<M>,
    velocity: Option<M>,
    iterations: u64,
}

impl<M> Default for RmsProp<M> {
    fn default() -> Self {
        RmsProp {
            learning_rate: Schedule::Constant(0.001),
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            mean_square: None,
            mean_grad: None,
            velocity: None,
            iterations: 0,
        }
    }
}

impl<M> RmsProp<M> {
    /// Keras's defaults with another learning rate (or schedule).
    pub fn new(learning_rate: impl Into<Schedule>) -> Self {
        RmsProp {
            learning_rate: learning_rate.into(),
            ..Self::default()
        }
    }
}

impl<M: Params<E>, E: Float> Optimizer<M, E> for RmsProp<M> {
    fn step(&mut self, model: &mut M, grads: &M) {
        let lr: E = hp(self.learning_rate.at(self.iterations));
        self.iterations += 1;
        let (rho, eps, momentum): (E, E, E) = (hp(self.rho), hp(self.epsilon), hp(self.momentum));
        let one = E::one();
        let ms = self.mean_square.get_or_insert_with(|| model.zeros_like());
        // step(g, v, mg) -> the increment lr * g / sqrt(denominator).
        let increment = |g: E, v: &mut E, mg: Option<&mut E>| {
            *v = flush(rho * *v + (one - rho) * g * g);
            let denom = match mg {
                Some(mg) => {
                    *mg = rho * *mg + (one - rho) * g;
                    *v - *mg * *mg + eps
                }
                None => *v + eps,
            };
            lr * g / denom.sqrt()
        };
        match (self.centered, self.momentum != 0.0) {
            // The default configuration, written plainly so that it vectorises, compiled
            // for the widest vectors this CPU has (the square root and the division are
            // the costly steps: 16 lanes at a time instead of 4, the same bits). Large
            // tensors are updated in parallel.
            (false, false) => model.zip_update(grads, [ms], &mut |w, g, [v]| {
                crate::kernels::par_update(w, v, g, &|w, v, g| {
                    crate::kernels::widest(|| {
                        for ((w, &g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
                            *v = flush(rho * *v + (one - rho) * g * g);
                            *w -= lr * g / (*v + eps).sqrt();
                        }
                    })
                })
            }),
            (true, false) => {
                let mgs = self.mean_grad.get_or_insert_with(|| model.zeros_like());
                model.zip_update(grads, [ms, mgs], &mut |w, g, [v, mg]| {
                    for (((w, &g), v), mg) in
                        w.iter_mut().zip(g).zip(v.iter_mut()).zip(mg.iter_mut())
                    {
                        *w -= increment(g, v, Some(mg));
                    }
                })
            }
            (false, true) => {
                let vel = self.velocity.get_or_insert_with(|| model.zeros_like());
                model.zip_update(grads, [ms, vel], &mut |w, g, [v, m]| {
                    for (((w, &g), v), m) in w.iter_mut().zip(g).zip(v.iter_mut()).zip(m.iter_mut())
                    {
                        *m = momentum * *m + increment(g, v, None);
                        *w -= *m;
                    }
                })
            }
            (true, true) => {
                let mgs = self.mean_grad.get_or_insert_with(|| model.zeros_like());
                let vel = self.velocity.get_or_insert_with(|| model.zeros_like());
                model.zip_update(grads, [ms, mgs, vel], &mut |w, g, [v, mg, m]| {
                    for ((((w, &g), v), mg), m) in w
                        .iter_mut()
                        .zip(g)
                        .zip(v.iter_mut())
                        .zip(mg.iter_mut())
                        .zip(m.iter_mut())
                    {
                        *m = momentum * *m + increment(g, v, Some(mg));
                        *w -= *m;
                    }
                })
            }
        }
    }

    fn iterations(&self) -> u64 {
        self.iterations
    }

    fn current_learning_rate(&self) -> f64 {
        self.learning_rate.at(self.iterations)
    }

    fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M)> {
        let mut slots = vec![(
            "mean_square",
            self.mean_square.get_or_insert_with(|| model.zeros_like()),
        )];
        if self.centered {
            slots.push((
                "mean_grad",
                self.mean_grad.get_or_insert_with(|| model.zeros_like()),
            ));
        }
        if self.momentum != 0.0 {
            slots.push((
                "velocity",
                self.velocity.get_or_insert_with(|| model.zeros_like()),
            ));
        }
        slots
    }

    fn set_iterations(&mut self, iterations: u64) {
        self.iterations = iterations;
    }
    fn describe(&self) -> String {
        format!(
            "rmsprop(learning_rate={:?}, rho={}, momentum={}, epsilon={}, centered={})",
            self.learning_rate, self.rho, self.momentum, self.epsilon, self.centered
        )
    }
}
