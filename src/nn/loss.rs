//! Losses, averaged over the batch, with their gradients.
//!
//! Crossentropy on probabilities follows Keras: probabilities are clipped to
//! `[1e-7, 1 - 1e-7]` before the log. When the model's output is a softmax, the
//! crossentropies fuse their gradient with it and return `(p - onehot) / batch` with
//! respect to the logits: the numerically sound path Keras also takes.

use core::fmt;

use num_traits::AsPrimitive;

use super::Grad;
use crate::shapes::rules::SameDim;
use crate::shapes::{Dim, Dimension, ShapeError};
use crate::tensor::{Dtype, Float, Tensor};

/// Keras's clipping epsilon for probabilities.
pub const EPSILON: f64 = 1e-7;

/// Why a loss could not be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LossError {
    /// Predictions and targets disagree in a runtime dim.
    Shape(ShapeError),
    /// A sparse label outside `0..classes`.
    LabelOutOfRange {
        /// The offending label value.
        label: i64,
        /// Its position in the batch.
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

/// An integer class label.
pub trait Label: Dtype + AsPrimitive<i64> {}
impl<T: Dtype + AsPrimitive<i64>> Label for T {}

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

    /// The mean loss and its gradient. With `softmax_output`, crossentropies return the
    /// gradient with respect to the softmax's input instead of its output.
    fn try_loss_and_grad(
        &self,
        pred: &P,
        target: &T,
        softmax_output: bool,
    ) -> Result<(Self::Elem, Grad<P>), LossError>;
}

/// Checks that the batch dims agree at run time.
fn same_batch(op: &'static str, pd: &[usize], td: &[usize]) -> Result<(), LossError> {
    if pd[0] == td[0] {
        Ok(())
    } else {
        Err(ShapeError::incompatible(op, pd, td).into())
    }
}

fn clip<E: Float>(p: E) -> E {
    let eps = E::from(EPSILON).expect("epsilon fits");
    p.max(eps).min(E::one() - eps)
}

fn as_float<E: Float>(n: usize) -> E {
    E::from(n).expect("count fits the float type")
}

/// Row-wise softmax of logits.
fn softmax_rows<E: Float>(z: &[E], n: usize) -> Vec<E> {
    let mut p = z.to_vec();
    <super::Softmax as super::Activation>::apply(&mut p, n);
    p
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
        self.try_loss_and_grad_impl(pred, target, false, false)
            .map(|(l, _)| l)
    }

    fn try_loss_and_grad(
        &self,
        pred: &Tensor<(B, Dim<C>), E>,
        target: &Tensor<(B2,), L>,
        softmax_output: bool,
    ) -> Result<(E, Grad<Tensor<(B, Dim<C>), E>>), LossError> {
        let (l, g) = self.try_loss_and_grad_impl(pred, target, softmax_output, true)?;
        Ok((l, g.expect("gradient requested")))
    }
}

impl SparseCategoricalCrossentropy {
    fn try_loss_and_grad_impl<B, B2, const C: usize, E, L>(
        &self,
        pred: &Tensor<(B, Dim<C>), E>,
        target: &Tensor<(B2,), L>,
        softmax_output: bool,
        want_grad: bool,
    ) -> Result<(E, Option<Grad<Tensor<(B, Dim<C>), E>>>), LossError>
    where
        B: Dimension + SameDim<B2>,
        B2: Dimension,
        E: Float,
        L: Label,
    {
        let batch = pred.batch_size();
        same_batch(
            "sparse_categorical_crossentropy",
            pred.shape_dims().as_ref(),
            target.shape_dims().as_ref(),
        )?;
        let labels: Vec<usize> = target
            .as_slice()
            .iter()
            .enumerate()
            .map(|(index, &l)| {
                let label: i64 = l.as_();
                usize::try_from(label)
                    .ok()
                    .filter(|&c| c < C)
                    .ok_or(LossError::LabelOutOfRange {
                        label,
                        index,
                        classes: C,
                    })
            })
            .collect::<Result<_, _>>()?;
        let inv_batch = E::one() / as_float::<E>(batch.max(1));
        let fused = self.from_logits || softmax_output;
        let probs = if self.from_logits {
            softmax_rows(pred.as_slice(), C)
        } else {
            pred.as_slice().to_vec()
        };
        let mut total = E::zero();
        let mut grad = if want_grad {
            vec![E::zero(); batch * C]
        } else {
            Vec::new()
        };
        for (i, (row, &y)) in probs.chunks_exact(C).zip(&labels).enumerate() {
            if self.from_logits {
                // -log softmax(z)_y = logsumexp(z) - z_y, computed from the logits.
                let z = &pred.as_slice()[i * C..(i + 1) * C];
                let max = z.iter().copied().fold(E::neg_infinity(), E::max);
                let lse = max + z.iter().fold(E::zero(), |s, &v| s + (v - max).exp()).ln();
                total += lse - z[y];
            } else {
                let sum = row.iter().fold(E::zero(), |s, &v| s + v);
                total -= clip(row[y] / sum).ln();
            }
            if want_grad {
                let g = &mut grad[i * C..(i + 1) * C];
                if fused {
                    for (j, (gj, &p)) in g.iter_mut().zip(row).enumerate() {
                        let onehot = if j == y { E::one() } else { E::zero() };
                        *gj = (p - onehot) * inv_batch;
                    }
                } else {
                    // d/dp_j of -ln(p_y / sum p) is 1/sum - [j == y]/p_y (zero where clipped).
                    let sum = row.iter().fold(E::zero(), |s, &v| s + v);
                    let q = row[y] / sum;
                    if clip(q) == q {
                        for (j, gj) in g.iter_mut().enumerate() {
                            let own = if j == y { E::one() / row[y] } else { E::zero() };
                            *gj = (E::one() / sum - own) * inv_batch;
                        }
                    }
                }
            }
        }
        let loss = total * inv_batch;
        let grad = want_grad.then(|| {
            let g = Tensor::from_vec(pred.shape(), grad);
            if fused && !self.from_logits {
                Grad::PreActivation(g)
            } else {
                Grad::Output(g)
            }
        });
        Ok((loss, grad))
    }
}

/// Categorical crossentropy against one-hot (or probability) targets of the predictions'
/// shape; a class count that differs from the predictions' does not compile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CategoricalCrossentropy {
    /// `true` when predictions are logits rather than probabilities.
    pub from_logits: bool,
}

impl<B, B2, C, C2, E> Loss<Tensor<(B, C), E>, Tensor<(B2, C2), E>> for CategoricalCrossentropy
where
    B: Dimension + SameDim<B2>,
    B2: Dimension,
    C: Dimension + SameDim<C2>,
    C2: Dimension,
    E: Float,
{
    type Elem = E;

    fn try_loss(
        &self,
        pred: &Tensor<(B, C), E>,
        target: &Tensor<(B2, C2), E>,
    ) -> Result<E, LossError> {
        self.try_loss_and_grad(pred, target, false).map(|(l, _)| l)
    }

    fn try_loss_and_grad(
        &self,
        pred: &Tensor<(B, C), E>,
        target: &Tensor<(B2, C2), E>,
        softmax_output: bool,
    ) -> Result<(E, Grad<Tensor<(B, C), E>>), LossError> {
        let (pd, td) = (pred.shape_dims(), target.shape_dims());
        if pd != td {
            return Err(ShapeError::incompatible("categorical_crossentropy", &pd, &td).into());
        }
        let [batch, c] = pd;
        let inv_batch = E::one() / as_float::<E>(batch.max(1));
        let fused = self.from_logits || softmax_output;
        let probs = if self.from_logits {
            softmax_rows(pred.as_slice(), c)
        } else {
            pred.as_slice().to_vec()
        };
        let mut total = E::zero();
        let mut grad = vec![E::zero(); batch * c];
        let rows = probs
            .chunks_exact(c.max(1))
            .zip(target.as_slice().chunks_exact(c.max(1)));
        for ((row, t), g) in rows.zip(grad.chunks_exact_mut(c.max(1))) {
            let sum = row.iter().fold(E::zero(), |s, &v| s + v);
            let tsum = t.iter().fold(E::zero(), |s, &v| s + v);
            for ((&p, &y), gj) in row.iter().zip(t).zip(g.iter_mut()) {
                let q = if self.from_logits { p } else { p / sum };
                total -= y * clip(q).ln();
                *gj = if fused {
                    (p * tsum - y) * inv_batch
                } else if clip(q) == q {
                    (tsum / sum - y / p) * inv_batch
                } else {
                    tsum / sum * inv_batch
                };
            }
        }
        let g = Tensor::from_vec(pred.shape(), grad);
        let g = if fused && !self.from_logits {
            Grad::PreActivation(g)
        } else {
            Grad::Output(g)
        };
        Ok((total * inv_batch, g))
    }
}

/// Binary crossentropy on probabilities (or logits) against 0/1 targets of the same shape,
/// averaged over the last axis and then the batch (Keras's `binary_crossentropy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BinaryCrossentropy {
    /// `true` when predictions are logits rather than probabilities.
    pub from_logits: bool,
}

impl<B, B2, C, C2, E> Loss<Tensor<(B, C), E>, Tensor<(B2, C2), E>> for BinaryCrossentropy
where
    B: Dimension + SameDim<B2>,
    B2: Dimension,
    C: Dimension + SameDim<C2>,
    C2: Dimension,
    E: Float,
{
    type Elem = E;

    fn try_loss(
        &self,
        pred: &Tensor<(B, C), E>,
        target: &Tensor<(B2, C2), E>,
    ) -> Result<E, LossError> {
        self.try_loss_and_grad(pred, target, false).map(|(l, _)| l)
    }

    fn try_loss_and_grad(
        &self,
        pred: &Tensor<(B, C), E>,
        target: &Tensor<(B2, C2), E>,
        _softmax_output: bool,
    ) -> Result<(E, Grad<Tensor<(B, C), E>>), LossError> {
        let (pd, td) = (pred.shape_dims(), target.shape_dims());
        if pd != td {
            return Err(ShapeError::incompatible("binary_crossentropy", &pd, &td).into());
        }
        let scale = E::one() / as_float::<E>(pred.len().max(1));
        let mut total = E::zero();
        let mut grad = Vec::with_capacity(pred.len());
        for (&x, &y) in pred.as_slice().iter().zip(target.as_slice()) {
            if self.from_logits {
                // max(x, 0) - x*y + ln(1 + e^-|x|), stable for any x.
                total = total + x.max(E::zero()) - x * y + (-x.abs()).exp().ln_1p();
                grad.push((crate::ops::sigmoid(x) - y) * scale);
            } else {
                let p = clip(x);
                total -= y * p.ln() + (E::one() - y) * (E::one() - p).ln();
                let g = if p == x {
                    (p - y) / (p * (E::one() - p))
                } else {
                    E::zero()
                };
                grad.push(g * scale);
            }
        }
        Ok((
            total * scale,
            Grad::Output(Tensor::from_vec(pred.shape(), grad)),
        ))
    }
}

/// Mean squared error, averaged over the last axis and then the batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeanSquaredError;

impl<B, B2, C, C2, E> Loss<Tensor<(B, C), E>, Tensor<(B2, C2), E>> for MeanSquaredError
where
    B: Dimension + SameDim<B2>,
    B2: Dimension,
    C: Dimension + SameDim<C2>,
    C2: Dimension,
    E: Float,
{
    type Elem = E;

    fn try_loss(
        &self,
        pred: &Tensor<(B, C), E>,
        target: &Tensor<(B2, C2), E>,
    ) -> Result<E, LossError> {
        self.try_loss_and_grad(pred, target, false).map(|(l, _)| l)
    }

    fn try_loss_and_grad(
        &self,
        pred: &Tensor<(B, C), E>,
        target: &Tensor<(B2, C2), E>,
        _softmax_output: bool,
    ) -> Result<(E, Grad<Tensor<(B, C), E>>), LossError> {
        let (pd, td) = (pred.shape_dims(), target.shape_dims());
        if pd != td {
            return Err(ShapeError::incompatible("mean_squared_error", &pd, &td).into());
        }
        let scale = E::one() / as_float::<E>(pred.len().max(1));
        let two = E::one() + E::one();
        let mut total = E::zero();
        let grad = pred
            .as_slice()
            .iter()
            .zip(target.as_slice())
            .map(|(&p, &y)| {
                total += (p - y) * (p - y);
                two * (p - y) * scale
            })
            .collect();
        Ok((
            total * scale,
            Grad::Output(Tensor::from_vec(pred.shape(), grad)),
        ))
    }
}
