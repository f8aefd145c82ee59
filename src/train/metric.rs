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
    /// Calls `f` with every value this metric reports, by name: one for a single metric,
    /// one per part for a tuple of metrics. Allocates nothing.
    fn for_each_result(&self, f: &mut dyn FnMut(&'static str, f64)) {
        if let (Some(name), Some(value)) = (self.name(), self.result()) {
            f(name, value);
        }
    }
}

/// Several metrics at once (Keras's `metrics=[...]`): each is updated with every batch and
/// reported under its own name; `name` and `result` are the first one's. On an error no
/// part counts the batch.
macro_rules! metric_tuple {
    ($($m:ident . $i:tt),+) => {
        impl<P, T, $($m: Metric<P, T> + Clone),+> Metric<P, T> for ($($m,)+) {
            fn name(&self) -> Option<&'static str> {
                self.0.name()
            }
            fn reset(&mut self) {
                $(self.$i.reset();)+
            }
            fn update(&mut self, pred: &P, target: &T) -> Result<(), LossError> {
                let before = self.clone();
                let result = (|| {
                    $(self.$i.update(pred, target)?;)+
                    Ok(())
                })();
                if result.is_err() {
                    *self = before;
                }
                result
            }
            fn result(&self) -> Option<f64> {
                self.0.result()
            }
            fn for_each_result(&self, f: &mut dyn FnMut(&'static str, f64)) {
                $(self.$i.for_each_result(f);)+
            }
        }
    };
}
metric_tuple!(A.0, B.1);
metric_tuple!(A.0, B.1, C.2);
metric_tuple!(A.0, B.1, C.2, D.3);

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
/// assert_eq!(accuracy.result(), Some(1.0 / 3.0)); // no type annotations needed
/// accuracy.reset();
/// assert_eq!(accuracy.result(), None);
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

/// The fraction of samples whose target class is among the `k` highest predictions
/// (Keras's `TopKCategoricalAccuracy` and `SparseTopKCategoricalAccuracy`), for integer
/// labels or one-hot targets. Ties with the k-th value count as in the top k; a row holding
/// NaN counts as wrong.
///
/// ```
/// use shaped::train::{Metric, TopKAccuracy};
/// use shaped::{Dim, Tensor};
/// let p = Tensor::<(Dim<2>, Dim<3>)>::from([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]);
/// let y = Tensor::<(Dim<2>,), u8>::from([1, 0]); // second-best, then worst
/// let mut top2 = TopKAccuracy::new(2);
/// top2.update(&p, &y).unwrap();
/// assert_eq!(top2.value(), Some(0.5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopKAccuracy {
    k: usize,
    correct: usize,
    total: usize,
}

impl TopKAccuracy {
    /// Counts a hit when the target is among the `k` highest predictions (`k` of 0 never
    /// hits; a `k` of at least the class count always does).
    pub fn new(k: usize) -> Self {
        TopKAccuracy {
            k,
            correct: 0,
            total: 0,
        }
    }

    /// The `k` it was built with.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The fraction of hits so far (`None` before any sample); [`Metric::result`] without
    /// naming the prediction and target types.
    pub fn value(&self) -> Option<f64> {
        (self.total > 0).then(|| self.correct as f64 / self.total as f64)
    }

    /// Whether `class` is among the `k` highest of `row`: fewer than `k` values beat it.
    fn hit<E: Float>(&self, row: &[E], class: Option<usize>) -> bool {
        let Some(class) = class else { return false };
        if row.iter().any(|v| v.is_nan()) {
            return false;
        }
        let target = row[class];
        row.iter().filter(|&&v| v > target).count() < self.k
    }
}

impl Default for TopKAccuracy {
    /// Keras's default, `k = 5`.
    fn default() -> Self {
        TopKAccuracy::new(5)
    }
}

impl<B, B2, const C: usize, E, L> Metric<Tensor<(B, Dim<C>), E>, Tensor<(B2,), L>> for TopKAccuracy
where
    B: Dimension + SameDim<B2>,
    B2: Dimension,
    E: Float,
    L: Label,
{
    fn name(&self) -> Option<&'static str> {
        Some("top_k_accuracy")
    }
    fn reset(&mut self) {
        *self = TopKAccuracy::new(self.k);
    }
    fn update(
        &mut self,
        pred: &Tensor<(B, Dim<C>), E>,
        target: &Tensor<(B2,), L>,
    ) -> Result<(), LossError> {
        same_batch(pred, target)?;
        check_labels(target.as_slice(), C)?;
        for (row, &label) in pred.as_slice().chunks_exact(C).zip(target.as_slice()) {
            self.correct += self.hit(row, label_index(label, C)) as usize;
            self.total += 1;
        }
        Ok(())
    }
    fn result(&self) -> Option<f64> {
        self.value()
    }
}

impl<B, B2, const C: usize, E> Metric<Tensor<(B, Dim<C>), E>, Tensor<(B2, Dim<C>), E>>
    for TopKAccuracy
where
    B: Dimension + SameDim<B2>,
    B2: Dimension,
    E: Float,
{
    fn name(&self) -> Option<&'static str> {
        Some("top_k_accuracy")
    }
    fn reset(&mut self) {
        *self = TopKAccuracy::new(self.k);
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
            self.correct += self.hit(row, argmax_row(t)) as usize;
            self.total += 1;
        }
        Ok(())
    }
    fn result(&self) -> Option<f64> {
        self.value()
    }
}

/// Mean of `|prediction - target|` over every element seen (Keras's `"mae"` metric), for
/// targets of the prediction's shape.
///
/// ```
/// use shaped::train::{MeanAbsoluteError, Metric};
/// use shaped::{Dim, Tensor};
/// let p = Tensor::<(Dim<2>, Dim<1>)>::from([[1.0], [2.0]]);
/// let y = Tensor::<(Dim<2>, Dim<1>)>::from([[1.5], [0.0]]);
/// let mut mae = MeanAbsoluteError::default();
/// mae.update(&p, &y).unwrap();
/// assert_eq!(mae.value(), Some(1.25));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanAbsoluteError {
    sum: f64,
    count: usize,
}

/// Mean of `(prediction - target)^2` over every element seen (Keras's `"mse"` metric), for
/// targets of the prediction's shape.
///
/// ```
/// use shaped::train::{MeanSquaredError, Metric};
/// use shaped::{Dim, Tensor};
/// let p = Tensor::<(Dim<2>, Dim<1>)>::from([[1.0], [2.0]]);
/// let y = Tensor::<(Dim<2>, Dim<1>)>::from([[1.5], [0.0]]);
/// let mut mse = MeanSquaredError::default();
/// mse.update(&p, &y).unwrap();
/// assert_eq!(mse.value(), Some(2.125));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanSquaredError {
    sum: f64,
    count: usize,
}

macro_rules! elementwise_metric {
    ($ty:ident, $name:literal, $f:expr) => {
        impl<S, S2, E> Metric<Tensor<S, E>, Tensor<S2, E>> for $ty
        where
            S: Shape,
            S2: Shape,
            E: Float,
        {
            fn name(&self) -> Option<&'static str> {
                Some($name)
            }
            fn reset(&mut self) {
                *self = $ty::default();
            }
            fn update(
                &mut self,
                pred: &Tensor<S, E>,
                target: &Tensor<S2, E>,
            ) -> Result<(), LossError> {
                if pred.shape_dims().as_ref() != target.shape_dims().as_ref() {
                    let err = ShapeError::incompatible(
                        $name,
                        pred.shape_dims().as_ref(),
                        target.shape_dims().as_ref(),
                    );
                    return Err(err
                        .with_detail("predictions and targets must have one shape")
                        .into());
                }
                for (&p, &t) in pred.as_slice().iter().zip(target.as_slice()) {
                    let d = p.to_f64().unwrap_or(f64::NAN) - t.to_f64().unwrap_or(f64::NAN);
                    self.sum += ($f)(d);
                }
                self.count += pred.len();
                Ok(())
            }
            fn result(&self) -> Option<f64> {
                self.value()
            }
        }
    };
}
impl MeanAbsoluteError {
    /// The mean so far (`None` before any element); [`Metric::result`] without naming the
    /// prediction and target types.
    pub fn value(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

impl MeanSquaredError {
    /// The mean so far (`None` before any element); [`Metric::result`] without naming the
    /// prediction and target types.
    pub fn value(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

elementwise_metric!(MeanAbsoluteError, "mae", |d: f64| d.abs());
elementwise_metric!(MeanSquaredError, "mse", |d: f64| d * d);

/// `name`, `reset` and `result` as inherent methods too: the trait has one impl per
/// prediction and target type, so `accuracy.result()` through the trait alone would need
/// type annotations (E0283).
macro_rules! unambiguous {
    ($ty:ident, $name:literal, |$s:ident| $fresh:expr) => {
        impl $ty {
            /// Keras's name for it: [`Metric::name`].
            pub fn name(&self) -> Option<&'static str> {
                Some($name)
            }
            /// Starts a new epoch or evaluation: [`Metric::reset`].
            pub fn reset(&mut self) {
                let $s = &*self;
                *self = $fresh;
            }
            /// The value so far: [`Metric::result`], for any prediction and target types.
            pub fn result(&self) -> Option<f64> {
                self.value()
            }
        }
    };
}
unambiguous!(Accuracy, "accuracy", |_s| Accuracy::default());
unambiguous!(TopKAccuracy, "top_k_accuracy", |s| TopKAccuracy::new(s.k));
unambiguous!(MeanAbsoluteError, "mae", |_s| MeanAbsoluteError::default());
unambiguous!(MeanSquaredError, "mse", |_s| MeanSquaredError::default());
