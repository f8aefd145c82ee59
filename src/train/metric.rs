//! Metrics reported during training and evaluation.

use crate::nn::loss::{Label, LossError, check_labels, label_index};
use crate::shapes::rules::SameDim;
use crate::shapes::{Dim, Dimension, Shape, ShapeError};
use crate::tensor::{Dtype, Float, Tensor};

/// A running statistic over batches of predictions `P` and targets `T`.
pub trait Metric<P, T> {
    /// Keras's name for it (`None` for no metric).
    fn name(&self) -> Option<&'static str>;
    /// Starts a new epoch or evaluation.
    fn reset(&mut self);
    /// Adds one batch; `Err` when predictions and targets disagree (batch sizes, labels
    /// out of range), leaving the statistic unchanged.
    fn update(&mut self, pred: &P, target: &T) -> Result<(), LossError>;
    /// The value so far (`None` before any update, or for no metric).
    fn result(&self) -> Option<f64>;
}

impl<P, T> Metric<P, T> for () {
    fn name(&self) -> Option<&'static str> {
        None
    }
    fn reset(&mut self) {}
    fn update(&mut self, _: &P, _: &T) -> Result<(), LossError> {
        Ok(())
    }
    fn result(&self) -> Option<f64> {
        None
    }
}

/// The fraction of samples whose predicted class (the argmax) is the target's class:
/// Keras's `"accuracy"` for integer labels or one-hot targets. A prediction row holding
/// NaN counts as wrong (it names no class); a label outside `0..classes` is an error.
///
/// ```
/// use shaped::train::{Accuracy, Metric};
/// use shaped::{Dim, Tensor};
/// let p = Tensor::<(Dim<3>, Dim<2>)>::from([[0.9, 0.1], [0.2, 0.8], [f32::NAN, 0.0]]);
/// let y = Tensor::<(Dim<3>,), u8>::from([0, 0, 0]);
/// let mut accuracy = Accuracy::default();
/// Metric::update(&mut accuracy, &p, &y).unwrap();
/// assert_eq!(accuracy.value(), Some(1.0 / 3.0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Accuracy {
    correct: usize,
    total: usize,
}

impl Accuracy {
    /// The fraction correct so far (`None` before any sample); the same as
    /// [`Metric::result`], without naming the prediction and target types.
    pub fn value(&self) -> Option<f64> {
        (self.total > 0).then(|| self.correct as f64 / self.total as f64)
    }

    /// Samples counted so far.
    pub fn count(&self) -> usize {
        self.total
    }
}

/// The index of the first largest value, or `None` when the row is empty or holds NaN.
fn argmax_row<E: Float>(row: &[E]) -> Option<usize> {
    if row.is_empty() || row.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut best = 0;
    for (j, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = j;
        }
    }
    Some(best)
}

/// `Ok` when predictions and targets hold the same number of samples.
fn same_batch<P: Shape, T: Shape, E: Dtype, F: Dtype>(
    pred: &Tensor<P, E>,
    target: &Tensor<T, F>,
) -> Result<(), LossError> {
    if pred.batch_size() == target.batch_size() {
        return Ok(());
    }
    let err = ShapeError::incompatible(
        "accuracy",
        pred.shape_dims().as_ref(),
        target.shape_dims().as_ref(),
    );
    Err(err
        .with_detail("predictions and targets hold different numbers of samples")
        .into())
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
    fn update(
        &mut self,
        pred: &Tensor<(B, Dim<C>), E>,
        target: &Tensor<(B2,), L>,
    ) -> Result<(), LossError> {
        same_batch(pred, target)?;
        check_labels(target.as_slice(), C)?;
        for (row, &label) in pred.as_slice().chunks_exact(C).zip(target.as_slice()) {
            let hit = argmax_row(row).is_some() && argmax_row(row) == label_index(label, C);
            self.correct += hit as usize;
            self.total += 1;
        }
        Ok(())
    }
    fn result(&self) -> Option<f64> {
        self.value()
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
    fn update(
        &mut self,
        pred: &Tensor<(B, Dim<C>), E>,
        target: &Tensor<(B2, Dim<C>), E>,
    ) -> Result<(), LossError> {
        same_batch(pred, target)?;
        for (row, t) in pred
            .as_slice()
            .chunks_exact(C)
            .zip(target.as_slice().chunks_exact(C))
        {
            let hit = argmax_row(row).is_some() && argmax_row(row) == argmax_row(t);
            self.correct += hit as usize;
            self.total += 1;
        }
        Ok(())
    }
    fn result(&self) -> Option<f64> {
        self.value()
    }
}
