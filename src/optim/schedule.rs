//! Learning-rate schedules: the hook every optimizer consults before a step.

use core::fmt;
use std::sync::Arc;

/// A learning rate as a function of the step number (0 for the first step).
///
/// ```
/// use shaped::optim::Schedule;
/// let decay = Schedule::ExponentialDecay { initial: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: true };
/// assert_eq!(decay.at(0), 0.1);
/// assert_eq!(decay.at(10), 0.05);
/// let custom = Schedule::custom(|step| 1.0 / (1.0 + step as f64));
/// assert_eq!(custom.at(1), 0.5);
/// ```
#[derive(Clone)]
pub enum Schedule {
    /// The same rate at every step.
    Constant(f64),
    /// Keras's `ExponentialDecay`: `initial * decay_rate ^ (step / decay_steps)`.
    ExponentialDecay {
        /// The rate at step 0.
        initial: f64,
        /// Steps per factor of `decay_rate`.
        decay_steps: u64,
        /// The factor.
        decay_rate: f64,
        /// Integer division of the exponent (a step function).
        staircase: bool,
    },
    /// Any function of the step.
    Custom(Arc<dyn Fn(u64) -> f64 + Send + Sync>),
}

impl Schedule {
    /// A schedule from a function of the step.
    pub fn custom(f: impl Fn(u64) -> f64 + Send + Sync + 'static) -> Self {
        Schedule::Custom(Arc::new(f))
    }

    /// The learning rate at `step`.
    pub fn at(&self, step: u64) -> f64 {
        match self {
            Schedule::Constant(lr) => *lr,
            Schedule::ExponentialDecay {
                initial,
                decay_steps,
                decay_rate,
                staircase,
            } => {
                let mut p = step as f64 / (*decay_steps).max(1) as f64;
                if *staircase {
                    p = p.floor();
                }
                initial * decay_rate.powf(p)
            }
            Schedule::Custom(f) => f(step),
        }
    }
}

impl From<f64> for Schedule {
    fn from(lr: f64) -> Self {
        Schedule::Constant(lr)
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Constant(lr) => write!(f, "Constant({lr})"),
            Schedule::ExponentialDecay {
                initial,
                decay_steps,
                decay_rate,
                staircase,
            } => write!(
                f,
                "ExponentialDecay {{ initial: {initial}, decay_steps: {decay_steps}, decay_rate: {decay_rate}, staircase: {staircase} }}"
            ),
            Schedule::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}
