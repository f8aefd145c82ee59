//! Metrics reported during training and evaluation.

use crate::nn::loss::Label;
use crate::shapes::rules::SameDim;
use crate::shapes::{Dim, Dimension};
use crate::tensor::{Float, Tensor};

/// A running statistic over batches of predictions `P` and targets `T`.
pub trait Metric<P, T> {
    /// Keras's name for it (`None` for no metric).
    fn name(&self) -> Option<&'static str>;
    /// Starts a new epoch or evaluation.
    fn reset(&mut self);
    /// Adds one batch.
    fn update(&mut self, pred: &P, target: &T);
    /// The value so far (`None` before any update, or for no metric).
    fn result(&self) -> Option<f64>;
}

impl<P, T> Metric<P, T> for () {
    fn name(&self) -> Option<&'static str> {
        None
    }
    fn reset(&mut self) {}
    fn update(&mut self, _: &P, _: &T) {}
    fn result(&self) -> Option<f64> {
        None
    }
}

/// The fraction of samples whose predicted class (the argmax) is the target's class:
/// Keras's `"accuracy"` for integer labels or one-hot targets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accuracy {
    correct: usize,
    total: usize,
}

fn argmax_row<E: PartialOrd + Copy>(row: &[E]) -> usize {
    let mut best = 0;
    for (j, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = j;
        }
    }
    best
}

impl<B, B2, const C: usize, E, L> Metric<Tensor<(B, Dim<C>), E>, Tensor<(B2,), L>> for Accuracy
where
    B: Dimension + SameDim<B2>,
    B2: Dimension,
    E: Float,
    L: Label,
{
    fn name(&self) -> Option<&'static str> {
        Some("accuracy")
    }
    fn reset(&mut self) {
        *self = Accuracy::default();
    }
    fn update(&mut self, pred: &Tensor<(B, Dim<C>), E>, target: &Tensor<(B2,), L>) {
        for (row, &label) in pred.as_slice().chunks_exact(C).zip(target.as_slice()) {
            let label: i64 = label.as_();
            self.correct += (argmax_row(row) as i64 == label) as usize;
            self.total += 1;
        }
    }
    fn result(&self) -> Option<f64> {
        (self.total > 0).then(|| self.correct as f64 / self.total as f64)
    }
}

impl<B, B2, const C: usize, E> Metric<Tensor<(B, Dim<C>), E>, Tensor<(B2, Dim<C>), E>> for Accuracy
where
    B: Dimension + SameDim<B2>,
    B2: Dimension,
    E: Float,
{
    fn name(&self) -> Option<&'static str> {
        Some("accuracy")
    }
    fn reset(&mut self) {
        *self = Accuracy::default();
    }
    fn update(&mut self, pred: &Tensor<(B, Dim<C>), E>, target: &Tensor<(B2, Dim<C>), E>) {
        for (row, t) in pred
            .as_slice()
            .chunks_exact(C)
            .zip(target.as_slice().chunks_exact(C))
        {
            self.correct += (argmax_row(row) == argmax_row(t)) as usize;
            self.total += 1;
        }
    }
    fn result(&self) -> Option<f64> {
        (self.total > 0).then(|| self.correct as f64 / self.total as f64)
    }
}
