//! Losses, averaged over the batch, with their gradients.
//!
//! Crossentropy on probabilities follows Keras: probabilities are clipped to
//! `[1e-7, 1 - 1e-7]` before the log. When the model's output is a softmax, the
//! crossentropies fuse their gradient with it and return `(p - onehot) / batch` with
//! respect to the logits: the numerically sound path Keras also takes. Computing a loss and
//! its gradient into a reused buffer allocates nothing.

use core::fmt;

use num_traits::AsPrimitive;

use super::Grad;
use crate::shapes::rules::SameDim;
use crate::shapes::{Dim, Dimension, ShapeError};
use crate::tensor::{Dtype, Float, Tensor};

/// Keras's clipping epsilon for probabilities.
pub const EPSILON: f64 = 1e-7;

/// Why a loss could not be computed.
#[derive(Clone, Debug, PartialEq)]
pub enum LossError {
    /// Predictions and targets disagree in a runtime dim.
    Shape(ShapeError),
    /// A sparse label that is not a class index `0..classes` (negative, too large, NaN
    /// or fractional).
    LabelOutOfRange {
        /// The offending label value.
        label: f64,
        /// Its position in the targets given (the dataset index when `fit` checks the
        /// labels before training).
        index: usize,
        /// The number of classes (the logits' last dim).
        classes: usize,
    },
}

impl fmt::Display for LossError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LossError::Shape(e) => e.fmt(f),
            LossError::LabelOutOfRange {
                label,
                index,
                classes,
            } => {
                write!(
                    f,
                    "label {label} at index {index} is out of range for {classes} classes"
                )
            }
        }
    }
}

impl std::error::Error for LossError {}

impl From<ShapeError> for LossError {
    fn from(e: ShapeError) -> Self {
        LossError::Shape(e)
    }
}

/// An integer class label (integer types, or floats holding whole numbers).
pub trait Label: Dtype + AsPrimitive<i64> {}
impl<T: Dtype + AsPrimitive<i64>> Label for T {}

/// The class index a label names, or `None` when it is not one of `0..classes` (NaN and
/// fractional float labels included: `as` would turn NaN into class 0).
pub(crate) fn label_index<L: Label>(label: L, classes: usize) -> Option<usize> {
    let v = label.to_f64()?;
    let whole = v.is_finite() && v >= 0.0 && v.fract() == 0.0;
    (whole && v < classes as f64).then_some(v as usize)
}

/// Checks every label of `labels` against `classes`; the error names the first bad one
/// and its index.
pub(crate) fn check_labels<L: Label>(labels: &[L], classes: usize) -> Result<(), LossError> {
    match labels
        .iter()
        .position(|&l| label_index(l, classes).is_none())
    {
        None => Ok(()),
        Some(index) => Err(LossError::LabelOutOfRange {
            label: labels[index].to_f64().unwrap_or(f64::NAN),
            index,
            classes,
        }),
    }
}

/// A loss comparing predictions `P` with targets `T`.
#[diagnostic::on_unimplemented(
    message = "loss `{Self}` cannot compare predictions `{P}` with targets `{T}`",
    label = "predictions and targets do not fit this loss",
    note = "batch dims must agree; sparse labels are a (batch,) tensor of integers; dense targets have the predictions' shape"
)]
pub trait Loss<P, T> {
    /// The scalar type of the loss.
    type Elem: Float;

    /// The mean loss over the batch.
    fn try_loss(&self, pred: &P, target: &T) -> Result<Self::Elem, LossError>;

    /// Checks targets before training on them (`fit` calls it on the whole dataset, so
    /// a bad label is reported with its dataset index before any step). Sparse
    /// crossentropy checks every label against the class count; the default accepts all.
    fn check_targets(&self, target: &T) -> Result<(), LossError> {
        let _ = target;
        Ok(())
    }

    /// The mean loss, with its gradient written into `grad` (reshaped like `pred`, its
    /// allocation reused). Returns the loss and whether the gradient is with respect to the
    /// softmax's input (when `softmax_output` lets a crossentropy fuse).
    fn try_loss_and_grad_into(
        &self,
        pred: &P,
        target: &T,
        softmax_output: bool,
        grad: &mut P,
    ) -> Result<(Self::Elem, bool), LossError>;

    /// The mean loss and its gradient in a new tensor.
    fn try_loss_and_grad(
        &self,
        pred: &P,
        target: &T,
        softmax_output: bool,
    ) -> Result<(Self::Elem, Grad<P>), LossError>
    where
        P: Clone,
    {
        let mut grad = pred.clone();
        let (loss, fused) = self.try_loss_and_grad_into(pred, target, softmax_output, &mut grad)?;
        Ok((
            loss,
            if fused {
                Grad::PreActivation(grad)
            } else {
                Grad::Output(grad)
            },
        ))
    }
}

/// Keras's clipping, except that NaN stays NaN (`f32::max` would turn it into epsilon and
/// hide a diverged model behind a finite loss).
fn clip<E: Float>(p: E) -> E {
    let eps = E::from(EPSILON).expect("epsilon fits");
    if p.is_nan() {
        p
    } else {
        p.max(eps).min(E::one() - eps)
    }
}

fn as_float<E: Float>(n: usize) -> E {
    E::from(n).expect("count fits the float type")
}

/// `(max, log-sum-exp)` of a row of logits.
fn log_sum_exp<E: Float>(row: &[E]) -> (E, E) {
    let max = row.iter().copied().fold(E::neg_infinity(), E::max);
    let sum = row.iter().fold(E::zero(), |s, &v| s + (v - max).exp());
    (max, max + sum.ln())
}

fn dense_shapes_agree(op: &'static str, pd: [usize; 2], td: [usize; 2]) -> Result<(), LossError> {
    if pd == td {
        Ok(())
    } else {
        Err(ShapeError::incompatible(op, &pd, &td).into())
    }
}

/// Sparse categorical crossentropy: integer labels against `(batch, classes)` predictions
/// (Keras's `sparse_categorical_crossentropy`). The class count is the predictions' static
/// last dim; a label outside it is an error naming the label and its index.
///
/// ```
/// use shaped::nn::loss::{Loss, SparseCategoricalCrossentropy};
/// use shaped::{Dim, Tensor};
/// let p = Tensor::<(Dim<2>, Dim<3>)>::from([[0.1, 0.8, 0.1], [0.2, 0.2, 0.6]]);
/// let y = Tensor::<(Dim<2>,), u8>::from([1, 2]);
/// let loss = SparseCategoricalCrossentropy::default().try_loss(&p, &y).unwrap();
/// assert!((loss - (-(0.8f32.ln() + 0.6f32.ln()) / 2.0)).abs() < 1e-6);
/// let bad = Tensor::<(Dim<2>,), u8>::from([1, 3]);
/// let err = SparseCategoricalCrossentropy::default().try_loss(&p, &bad).unwrap_err();
/// assert_eq!(err.to_string(), "label 3 at index 1 is out of range for 3 classes");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SparseCategoricalCrossentropy {
    /// `true` when predictions are logits rather than probabilities.
    pub from_logits: bool,
}

impl SparseCategoricalCrossentropy {
    fn compute<E: Float, L: Label>(
        &self,
        pred: &[E],
        labels: &[L],
        classes: usize,
        fused: bool,
        mut grad: Option<&mut [E]>,
    ) -> Result<E, LossError> {
        check_labels(labels, classes)?;
        let inv_batch = E::one() / as_float::<E>(labels.len().max(1));
        let mut total = E::zero();
        for (i, (row, &label)) in pred.chunks_exact(classes).zip(labels).enumerate() {
            let y = label_index(label, classes).expect("labels were checked");
            let g = grad
                .as_deref_mut()
                .map(|g| &mut g[i * classes..(i + 1) * classes]);
            if self.from_logits {
                // -log softmax(z)_y = logsumexp(z) - z_y, from the logits (no clipping).
                let (_, lse) = log_sum_exp(row);
                total += lse - row[y];
                if let Some(g) = g {
                    for (j, (gj, &z)) in g.iter_mut().zip(row).enumerate() {
                        let onehot = if j == y { E::one() } else { E::zero() };
                        *gj = ((z - lse).exp() - onehot) * inv_batch;
                    }
                }
            } else {
                let sum = row.iter().fold(E::zero(), |s, &v| s + v);
                let q = row[y] / sum;
                total -= clip(q).ln();
                let Some(g) = g else { continue };
                for (j, (gj, &p)) in g.iter_mut().zip(row).enumerate() {
                    let onehot = if j == y { E::one() } else { E::zero() };
                    *gj = if fused {
                        (p - onehot) * inv_batch
                    } else if clip(q) == q {
                        // d/dp_j of -ln(p_y / sum p) is 1/sum - [j == y]/p_y.
                        (E::one() / sum - onehot / row[y]) * inv_batch
                    } else {
                        E::zero()
                    };
                }
            }
        }
        Ok(total * inv_batch)
    }
}

#[diagnostic::do_not_recommend]
impl<B, B2, const C: usize, E, L> Loss<Tensor<(B, Dim<C>), E>, Tensor<(B2,), L>>
    for SparseCategoricalCrossentropy
where
    B: Dimension + SameDim<B2>,
    B2: Dimension,
    E: Float,
    L: Label,
{
    type Elem = E;

    fn try_loss(
        &self,
        pred: &Tensor<(B, Dim<C>), E>,
        target: &Tensor<(B2,), L>,
    ) -> Result<E, LossError> {
        check_batch(pred, target)?;
        self.compute(pred.as_slice(), target.as_slice(), C, false, None)
    }

    fn check_targets(&self, target: &Tensor<(B2,), L>) -> Result<(), LossError> {
        check_labels(target.as_slice(), C)
    }

    fn try_loss_and_grad_into(
        &self,
        pred: &Tensor<(B, Dim<C>), E>,
        target: &Tensor<(B2,), L>,
        softmax_output: bool,
        grad: &mut Tensor<(B, Dim<C>), E>,
    ) -> Result<(E, bool), LossError> {
        check_batch(pred, target)?;
        grad.set_shape(pred.shape());
        let fused = softmax_output && !self.from_logits;
        let loss = self.compute(
            pred.as_slice(),
            target.as_slice(),
            C,
            fused,
            Some(grad.as_mut_slice()),
        )?;
        Ok((loss, fused))
    }
}

fn check_batch<B: Dimension, B2: Dimension, const C: usize, E: Float, L: Dtype>(
    pred: &Tensor<(B, Dim<C>), E>,
    target: &Tensor<(B2,), L>,
) -> Result<(), LossError> {
    if pred.batch_size() == target.batch_size() {
        return Ok(());
    }
    Err(ShapeError::incompatible(
        "sparse_categorical_crossentropy",
        &pred.shape_dims(),
        &target.shape_dims(),
    )
    .into())
}

/// Categorical crossentropy against one-hot (or probability) targets of the predictions'
/// shape; a class count that differs from the predictions' does not compile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CategoricalCrossentropy {
    /// `true` when predictions are logits rather than probabilities.
    pub from_logits: bool,
}

impl CategoricalCrossentropy {
    fn compute<E: Float>(
        &self,
        pred: &[E],
        target: &[E],
        c: usize,
        fused: bool,
        mut grad: Option<&mut [E]>,
    ) -> E {
        let c = c.max(1);
        let inv_batch = E::one() / as_float::<E>((pred.len() / c).max(1));
        let mut total = E::zero();
        for (i, (row, t)) in pred.chunks_exact(c).zip(target.chunks_exact(c)).enumerate() {
            let g = grad.as_deref_mut().map(|g| &mut g[i * c..(i + 1) * c]);
            let tsum = t.iter().fold(E::zero(), |s, &v| s + v);
            if self.from_logits {
                let (_, lse) = log_sum_exp(row);
                for (&z, &y) in row.iter().zip(t) {
                    total -= y * (z - lse);
                }
                if let Some(g) = g {
                    for ((gj, &z), &y) in g.iter_mut().zip(row).zip(t) {
                        *gj = ((z - lse).exp() * tsum - y) * inv_batch;
                    }
                }
                continue;
            }
            let sum = row.iter().fold(E::zero(), |s, &v| s + v);
            // Terms whose probability was clipped contribute no gradient through the log.
            let mut live_tsum = E::zero();
            for (&p, &y) in row.iter().zip(t) {
                let q = p / sum;
                total -= y * clip(q).ln();
                if clip(q) == q {
                    live_tsum += y;
                }
            }
            let Some(g) = g else { continue };
            for ((gj, &p), &y) in g.iter_mut().zip(row).zip(t) {
                let q = p / sum;
                *gj = if fused {
                    (p * tsum - y) * inv_batch
                } else if clip(q) == q {
                    (live_tsum / sum - y / p) * inv_batch
                } else {
                    live_tsum / sum * inv_batch
                };
            }
        }
        total * inv_batch
    }
}

/// Binary crossentropy on probabilities (or logits) against 0/1 targets of the same shape,
/// averaged over the last axis and then the batch (Keras's `binary_crossentropy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BinaryCrossentropy {
    /// `true` when predictions are logits rather than probabilities.
    pub from_logits: bool,
}

impl BinaryCrossentropy {
    fn compute<E: Float>(
        &self,
        pred: &[E],
        target: &[E],
        _: usize,
        _: bool,
        mut grad: Option<&mut [E]>,
    ) -> E {
        let scale = E::one() / as_float::<E>(pred.len().max(1));
        let mut total = E::zero();
        for (i, (&x, &y)) in pred.iter().zip(target).enumerate() {
            let g = if self.from_logits {
                // max(x, 0) - x*y + ln(1 + e^-|x|), stable for any x.
                total += x.max(E::zero()) - x * y + (-x.abs()).exp().ln_1p();
                crate::ops::sigmoid(x) - y
            } else {
                let p = clip(x);
                total -= y * p.ln() + (E::one() - y) * (E::one() - p).ln();
                if p == x {
                    (p - y) / (p * (E::one() - p))
                } else {
                    E::zero()
                }
            };
            if let Some(grad) = grad.as_deref_mut() {
                grad[i] = g * scale;
            }
        }
        total * scale
    }
}

/// Mean squared error, averaged over the last axis and then the batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeanSquaredError;

impl MeanSquaredError {
    fn compute<E: Float>(
        &self,
        pred: &[E],
        target: &[E],
        _: usize,
        _: bool,
        mut grad: Option<&mut [E]>,
    ) -> E {
        let scale = E::one() / as_float::<E>(pred.len().max(1));
        let two = E::one() + E::one();
        let mut total = E::zero();
        for (i, (&p, &y)) in pred.iter().zip(target).enumerate() {
            total += (p - y) * (p - y);
            if let Some(g) = grad.as_deref_mut() {
                g[i] = two * (p - y) * scale;
            }
        }
        total * scale
    }
}

/// `Loss` for the losses whose targets have the predictions' shape: the shapes must agree,
/// and only categorical crossentropy on probabilities fuses with a softmax output.
macro_rules! dense_loss {
    ($($loss:ty => $name:literal, $fuses:expr;)*) => {$(
        #[diagnostic::do_not_recommend]
        impl<B, B2, C, C2, E> Loss<Tensor<(B, C), E>, Tensor<(B2, C2), E>> for $loss
        where
            B: Dimension + SameDim<B2>,
            B2: Dimension,
            C: Dimension + SameDim<C2>,
            C2: Dimension,
            E: Float,
        {
            type Elem = E;

            fn try_loss(&self, pred: &Tensor<(B, C), E>, target: &Tensor<(B2, C2), E>) -> Result<E, LossError> {
                dense_shapes_agree($name, pred.shape_dims(), target.shape_dims())?;
                Ok(self.compute(pred.as_slice(), target.as_slice(), pred.shape_dims()[1], false, None))
            }

            fn try_loss_and_grad_into(
                &self,
                pred: &Tensor<(B, C), E>,
                target: &Tensor<(B2, C2), E>,
                softmax_output: bool,
                grad: &mut Tensor<(B, C), E>,
            ) -> Result<(E, bool), LossError> {
                dense_shapes_agree($name, pred.shape_dims(), target.shape_dims())?;
                grad.set_shape(pred.shape());
                let fuses: fn(&$loss) -> bool = $fuses;
                let fused = softmax_output && fuses(self);
                let classes = pred.shape_dims()[1];
                Ok((self.compute(pred.as_slice(), target.as_slice(), classes, fused, Some(grad.as_mut_slice())), fused))
            }
        }
    )*};
}

dense_loss! {
    CategoricalCrossentropy => "categorical_crossentropy", |l| !l.from_logits;
    BinaryCrossentropy => "binary_crossentropy", |_| false;
    MeanSquaredError => "mean_squared_error", |_| false;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_are_clipped_to_epsilon_from_both_ends() {
        assert_eq!(clip(1.0f64), 1.0 - EPSILON);
        assert_eq!(clip(0.0f64), EPSILON);
        assert_eq!(clip(0.5f64), 0.5);
        assert!(clip(f64::NAN).is_nan());
    }

    #[test]
    fn categorical_crossentropy_hand_computed_over_a_batch_of_two() {
        use crate::Dim;
        let target = Tensor::<(Dim<2>, Dim<2>), f64>::from([[0.0, 1.0], [1.0, 0.0]]);
        let probs = Tensor::<(Dim<2>, Dim<2>), f64>::from([[0.2, 0.8], [0.6, 0.4]]);
        let loss = CategoricalCrossentropy::default()
            .try_loss(&probs, &target)
            .unwrap();
        let expected = -(0.8f64.ln() + 0.6f64.ln()) / 2.0;
        assert!((loss - expected).abs() < 1e-12, "{loss} vs {expected}");
        // Logits whose softmax rows are [1/4, 3/4] and [2/3, 1/3]; the gradient is
        // (softmax - target) / batch.
        let logits = Tensor::<(Dim<2>, Dim<2>), f64>::from([[0.0, 3f64.ln()], [2f64.ln(), 0.0]]);
        let from_logits = CategoricalCrossentropy { from_logits: true };
        let mut grad = Tensor::zeros(Default::default());
        let (loss, _) = from_logits
            .try_loss_and_grad_into(&logits, &target, false, &mut grad)
            .unwrap();
        let expected = -(0.75f64.ln() + (2.0f64 / 3.0).ln()) / 2.0;
        assert!((loss - expected).abs() < 1e-12, "{loss} vs {expected}");
        let want = [0.125, -0.125, (2.0 / 3.0 - 1.0) / 2.0, (1.0 / 3.0) / 2.0];
        for (g, w) in grad.as_slice().iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{:?} vs {want:?}", grad.as_slice());
        }
    }

    #[test]
    fn categorical_crossentropy_normalizes_predictions_and_weighs_soft_targets() {
        use crate::Dim;
        // Probabilities summing to 0.8 are read as [0.25, 0.75]: the loss is -ln 0.75 and
        // d/dp_j = tsum / sum - y_j / p_j = [1 / 0.8, 1 / 0.8 - 1 / 0.6].
        let probs = Tensor::<(Dim<1>, Dim<2>), f64>::from([[0.2, 0.6]]);
        let one_hot = Tensor::<(Dim<1>, Dim<2>), f64>::from([[0.0, 1.0]]);
        let mut grad = Tensor::zeros(Default::default());
        let (loss, _) = CategoricalCrossentropy::default()
            .try_loss_and_grad_into(&probs, &one_hot, false, &mut grad)
            .unwrap();
        assert!((loss + 0.75f64.ln()).abs() < 1e-12, "{loss}");
        let want = [1.25, 1.25 - 1.0 / 0.6];
        for (g, w) in grad.as_slice().iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{:?} vs {want:?}", grad.as_slice());
        }
        // Scores [1, 1] are read as [0.5, 0.5], neither clipped: the gradient is
        // 1 / 2 - y_j / 1.
        let even = Tensor::<(Dim<1>, Dim<2>), f64>::from([[1.0, 1.0]]);
        CategoricalCrossentropy::default()
            .try_loss_and_grad_into(&even, &one_hot, false, &mut grad)
            .unwrap();
        assert_eq!(grad.as_slice(), &[0.5, -0.5]);
        // Soft targets summing to 1.5 on logits with softmax [1/4, 3/4]: the gradient is
        // softmax * 1.5 - target.
        let logits = Tensor::<(Dim<1>, Dim<2>), f64>::from([[0.0, 3f64.ln()]]);
        let soft = Tensor::<(Dim<1>, Dim<2>), f64>::from([[0.5, 1.0]]);
        CategoricalCrossentropy { from_logits: true }
            .try_loss_and_grad_into(&logits, &soft, false, &mut grad)
            .unwrap();
        let want = [0.25 * 1.5 - 0.5, 0.75 * 1.5 - 1.0];
        for (g, w) in grad.as_slice().iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{:?} vs {want:?}", grad.as_slice());
        }
        // The same gradient (at the softmax's input) when the loss fuses with a softmax
        // output that gave these probabilities.
        let softmaxed = Tensor::<(Dim<1>, Dim<2>), f64>::from([[0.25, 0.75]]);
        let (_, fused) = CategoricalCrossentropy::default()
            .try_loss_and_grad_into(&softmaxed, &soft, true, &mut grad)
            .unwrap();
        assert!(fused);
        for (g, w) in grad.as_slice().iter().zip(want) {
            assert!(
                (g - w).abs() < 1e-12,
                "fused: {:?} vs {want:?}",
                grad.as_slice()
            );
        }
    }

    #[test]
    fn a_clipped_probability_gets_only_the_normalization_gradient() {
        use crate::Dim;
        // Two rows [0, 1, 1] (sum 2): the first score is clipped, so its gradient is only
        // the normalization's, live_tsum / sum / batch = 1 / 2 / 2; the others are
        // (1 / 2 - y / p) / 2.
        let pred = Tensor::<(Dim<2>, Dim<3>), f64>::from([[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]);
        let target = Tensor::<(Dim<2>, Dim<3>), f64>::from([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]);
        let mut grad = Tensor::zeros(Default::default());
        let (loss, _) = CategoricalCrossentropy::default()
            .try_loss_and_grad_into(&pred, &target, false, &mut grad)
            .unwrap();
        assert!((loss - 2f64.ln()).abs() < 1e-12, "{loss}");
        assert_eq!(grad.as_slice(), &[0.25, -0.25, 0.25, 0.25, -0.25, 0.25]);
    }

    #[test]
    fn runtime_batches_of_different_sizes_are_an_error_naming_both_shapes() {
        use crate::Dim;
        let pred = Tensor::<(usize, Dim<3>)>::zeros((4, Dim));
        let target = Tensor::<(usize, Dim<3>)>::zeros((3, Dim));
        let mut grad = Tensor::<(usize, Dim<3>)>::zeros((4, Dim));
        for message in [
            MeanSquaredError
                .try_loss(&pred, &target)
                .unwrap_err()
                .to_string(),
            CategoricalCrossentropy::default()
                .try_loss_and_grad_into(&pred, &target, false, &mut grad)
                .unwrap_err()
                .to_string(),
        ] {
            assert!(
                message.contains("[4, 3]") && message.contains("[3, 3]"),
                "{message}"
            );
        }
    }
}
