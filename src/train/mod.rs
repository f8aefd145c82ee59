//! A Keras-like training API on typed models: compile, `fit`, `evaluate`, `predict`.

mod metric;
mod progress;

pub use metric::{Accuracy, Metric};

use std::time::Instant;

use crate::error::{Error, first_non_finite};
use crate::nn::loss::Loss;
use std::any::Any;

use crate::nn::{HasElem, Layer, Train};
use crate::optim::Optimizer;
use crate::shapes::Shape;
use crate::shapes::rules::HasAxis;
use crate::tensor::{Dtype, Float, Tensor};
use progress::Progress;

/// How `fit` runs (Keras's defaults: shuffle every epoch, progress shown).
#[derive(Clone, Debug, PartialEq)]
pub struct FitConfig {
    /// The epoch to stop before (Keras's `epochs`: the final epoch index, not a count).
    pub epochs: usize,
    /// The epoch to start at, to resume a run (Keras's `initial_epoch`).
    pub initial_epoch: usize,
    /// Samples per gradient step (the last batch of an epoch may be shorter).
    pub batch_size: usize,
    /// Visit the samples in a new random order every epoch.
    pub shuffle: bool,
    /// Seed of the shuffling.
    pub seed: u64,
    /// Show a progress bar with the running loss and metric on stderr.
    pub verbose: bool,
    /// Stop with [`Error::Diverged`] as soon as a batch loss is NaN or infinite, and with
    /// [`Error::NonFinite`] when a parameter is not finite at the end of an epoch (Keras's
    /// `TerminateOnNaN`, on by default here). `false` trains on regardless.
    pub terminate_on_nan: bool,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            epochs: 1,
            initial_epoch: 0,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            verbose: true,
            terminate_on_nan: true,
        }
    }
}

/// What one epoch of `fit` measured.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochLog {
    /// Mean of the batch losses over the epoch (Keras's running mean).
    pub loss: f64,
    /// Running value of the metric over the epoch, when there is one.
    pub metric: Option<f64>,
    /// Wall-clock seconds of the epoch.
    pub seconds: f64,
}

/// Per-epoch results of `fit`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// One entry per epoch.
    pub epochs: Vec<EpochLog>,
}

/// A network with its optimizer, loss and metric: Keras's compiled model.
///
/// ```
/// use shaped::nn::loss::SparseCategoricalCrossentropy;
/// use shaped::nn::{Dense, Relu, Softmax};
/// use shaped::optim::RmsProp;
/// use shaped::train::{Accuracy, FitConfig, Model};
/// use shaped::{Dim, Tensor};
/// // Two classes: is the first feature larger than the second?
/// let x = Tensor::<(usize, Dim<2>)>::random_uniform((256, Dim), 0.0, 1.0, 0);
/// let y = Tensor::<(usize,), u8>::from_fn((256,), |[i]| (x[[i, 0]] > x[[i, 1]]) as u8);
/// let net = (Dense::<2, 16, Relu>::new(1), Dense::<16, 2, Softmax>::new(2));
/// let mut model = Model::compile(net, RmsProp::new(0.01), SparseCategoricalCrossentropy::default(), Accuracy::default());
/// let config = FitConfig { epochs: 20, batch_size: 32, verbose: false, ..FitConfig::default() };
/// let history = model.fit(&x, &y, &config).unwrap();
/// assert!(history.epochs.last().unwrap().metric.unwrap() > 0.9);
/// let (_loss, accuracy) = model.evaluate(&x, &y, 128).unwrap();
/// assert!(accuracy.unwrap() > 0.9);
/// ```
#[derive(Debug)]
pub struct Model<N, O, L, M = Accuracy> {
    /// The network (a layer or a tuple of layers).
    pub net: N,
    /// Its optimizer.
    pub optimizer: O,
    /// The training loss.
    pub loss: L,
    /// The reported metric (`()` for none).
    pub metric: M,
    grads: Option<N>,
    /// Buffers reused by every step (batch, activations, gradients): after the first step
    /// of a given batch size, training allocates nothing.
    workspace: Option<Box<dyn Any + Send>>,
}

impl<N: Clone, O: Clone, L: Clone, M: Clone> Clone for Model<N, O, L, M> {
    fn clone(&self) -> Self {
        Model::compile(
            self.net.clone(),
            self.optimizer.clone(),
            self.loss.clone(),
            self.metric.clone(),
        )
    }
}

/// The reused buffers of training steps on inputs `X` and targets `T`.
struct Workspace<N: Train<X>, X: HasElem, T> {
    cache: N::Cache,
    output_grad: Option<N::Output>,
    x: Option<X>,
    y: Option<T>,
}

impl<N: Train<X>, X: HasElem, T> Default for Workspace<N, X, T> {
    fn default() -> Self {
        Workspace {
            cache: Default::default(),
            output_grad: None,
            x: None,
            y: None,
        }
    }
}

fn workspace<N, X, T>(slot: &mut Option<Box<dyn Any + Send>>) -> &mut Workspace<N, X, T>
where
    N: Train<X> + 'static,
    X: HasElem + Send + 'static,
    T: Send + 'static,
    N::Cache: Send + 'static,
    N::Output: Send + 'static,
{
    if !slot.as_ref().is_some_and(|w| w.is::<Workspace<N, X, T>>()) {
        *slot = Some(Box::new(Workspace::<N, X, T>::default()));
    }
    slot.as_mut()
        .and_then(|w| w.downcast_mut())
        .expect("a workspace of this type was just stored")
}

/// The number of samples of `x` and `y`, which must agree, and be at least one.
fn sample_count<S: Shape, E: Dtype, T: Shape, F: Dtype>(
    op: &'static str,
    x: &Tensor<S, E>,
    y: &Tensor<T, F>,
) -> Result<usize, Error> {
    if x.batch_size() == y.batch_size() {
        if x.batch_size() == 0 {
            return Err(Error::Config(format!(
                "{op} needs at least one sample, got 0"
            )));
        }
        return Ok(x.batch_size());
    }
    let error = crate::shapes::ShapeError::incompatible(
        op,
        x.shape_dims().as_ref(),
        y.shape_dims().as_ref(),
    );
    Err(error
        .with_detail("x and y hold different numbers of samples")
        .into())
}

/// `Err` for a batch size of 0 (Keras refuses it too; training with 1 instead would hide
/// the mistake).
fn check_batch_size(op: &str, batch_size: usize) -> Result<(), Error> {
    if batch_size == 0 {
        return Err(Error::Config(format!(
            "{op}: batch_size must be at least 1"
        )));
    }
    Ok(())
}

/// `Err` naming the first parameter that is not finite.
fn check_params_finite<N: crate::nn::Params<E>, E: Float>(
    net: &N,
    when: &str,
) -> Result<(), Error> {
    let mut found = None;
    net.visit("", &mut |name, values, _| {
        if found.is_none()
            && let Some((index, value)) = first_non_finite(values)
        {
            found = Some(Error::NonFinite {
                what: format!("parameter `{name}` {when}"),
                index,
                value,
            });
        }
    });
    found.map_or(Ok(()), Err)
}

/// One gradient step: forward, loss, metric, backward, update. Allocates nothing once the
/// buffers have grown to the batch size.
#[allow(clippy::too_many_arguments)]
fn gradient_step<N, O, L, M, X, T, E>(
    net: &mut N,
    optimizer: &mut O,
    loss: &L,
    metric: &mut M,
    grads: &mut Option<N>,
    cache: &mut N::Cache,
    output_grad: &mut Option<N::Output>,
    x: &X,
    y: &T,
) -> Result<E, Error>
where
    E: Float,
    X: HasElem<Elem = E>,
    N: Train<X>,
    O: Optimizer<N, E>,
    L: Loss<N::Output, T, Elem = E>,
    M: Metric<N::Output, T>,
{
    let grads = grads.get_or_insert_with(|| net.zeros_like());
    let value = crate::nn::value_and_grad_with(net, loss, x, y, grads, cache, output_grad)?;
    metric.update(N::output(cache), y)?;
    optimizer.step(net, grads);
    Ok(value)
}

impl<N, O, L, M> Model<N, O, L, M> {
    /// Keras's `model.compile(optimizer, loss, metrics)`.
    pub fn compile(net: N, optimizer: O, loss: L, metric: M) -> Self {
        Model {
            net,
            optimizer,
            loss,
            metric,
            grads: None,
            workspace: None,
        }
    }

    /// One gradient step on a batch; returns the batch loss and updates the metric. Reuses
    /// its buffers: after the first step of a given batch size it allocates nothing.
    pub fn train_step<S, E, T, F>(&mut self, x: &Tensor<S, E>, y: &Tensor<T, F>) -> Result<E, Error>
    where
        S: Shape,
        E: Float,
        T: Shape,
        F: Dtype,
        N: Train<Tensor<S, E>> + 'static,
        N::Cache: Send + 'static,
        N::Output: Send + 'static,
        O: Optimizer<N, E>,
        L: Loss<N::Output, Tensor<T, F>, Elem = E>,
        M: Metric<N::Output, Tensor<T, F>>,
    {
        let Model {
            net,
            optimizer,
            loss,
            metric,
            grads,
            workspace: slot,
        } = self;
        let ws = workspace::<N, Tensor<S, E>, Tensor<T, F>>(slot);
        gradient_step(
            net,
            optimizer,
            loss,
            metric,
            grads,
            &mut ws.cache,
            &mut ws.output_grad,
            x,
            y,
        )
    }

    /// Keras's `fit`: trains on `(x, y)` for `config.epochs` epochs of `config.batch_size`
    /// samples and returns the per-epoch running loss and metric.
    ///
    /// Before any step it checks the configuration (a batch size of 0, no samples, or
    /// `initial_epoch` past `epochs` are errors) and every target (a bad label is reported
    /// with its dataset index). A NaN or infinite loss stops training with
    /// [`Error::Diverged`] naming the epoch and batch (see [`FitConfig::terminate_on_nan`]).
    pub fn fit<S, E, T, F>(
        &mut self,
        x: &Tensor<S, E>,
        y: &Tensor<T, F>,
        config: &FitConfig,
    ) -> Result<History, Error>
    where
        S: HasAxis<0>,
        E: Float,
        T: HasAxis<0>,
        F: Dtype,
        N: Train<Tensor<S::Replaced<usize>, E>>,
        O: Optimizer<N, E>,
        L: Loss<N::Output, Tensor<T::Replaced<usize>, F>, Elem = E>,
        M: Metric<N::Output, Tensor<T::Replaced<usize>, F>>,
    {
        let n = sample_count("fit", x, y)?;
        check_batch_size("fit", config.batch_size)?;
        if config.initial_epoch > config.epochs {
            return Err(Error::Config(format!(
                "fit: initial_epoch {} is past epochs {} (epochs is the index to stop before)",
                config.initial_epoch, config.epochs
            )));
        }
        // Batches have a runtime batch dim whatever the dataset's: the last one is shorter.
        self.loss.check_targets(&y.clone().dyn_batch())?;
        // The buffers of every step, typed: after the first step, steps allocate nothing.
        let mut ws =
            Workspace::<N, Tensor<S::Replaced<usize>, E>, Tensor<T::Replaced<usize>, F>>::default();
        let mut history = History::default();
        for epoch in config.initial_epoch..config.epochs {
            let start = Instant::now();
            let order: Vec<usize> = if config.shuffle {
                crate::data::epoch_permutation(n, config.seed, epoch as u64)
            } else {
                (0..n).collect()
            };
            let steps = n.div_ceil(config.batch_size);
            let mut progress = Progress::new(epoch + 1, config.epochs, steps, config.verbose);
            self.metric.reset();
            let mut loss_sum = 0.0;
            for (step, range) in crate::data::batches(n, config.batch_size).enumerate() {
                let idx = &order[range];
                let xb = ws.x.get_or_insert_with(|| x.select_rows(&[]));
                x.try_select_rows_into(idx, xb)?;
                let yb = ws.y.get_or_insert_with(|| y.select_rows(&[]));
                y.try_select_rows_into(idx, yb)?;
                let loss = gradient_step(
                    &mut self.net,
                    &mut self.optimizer,
                    &self.loss,
                    &mut self.metric,
                    &mut self.grads,
                    &mut ws.cache,
                    &mut ws.output_grad,
                    &*xb,
                    &*yb,
                )?;
                let loss = loss.to_f64().unwrap_or(f64::NAN);
                if config.terminate_on_nan && !loss.is_finite() {
                    return Err(Error::Diverged {
                        epoch: epoch + 1,
                        batch: step + 1,
                        loss,
                    });
                }
                loss_sum += loss;
                progress.update(
                    step + 1,
                    loss_sum / (step + 1) as f64,
                    self.metric.name(),
                    self.metric.result(),
                );
            }
            let log = EpochLog {
                loss: loss_sum / steps.max(1) as f64,
                metric: self.metric.result(),
                seconds: start.elapsed().as_secs_f64(),
            };
            progress.finish(log.seconds);
            if config.terminate_on_nan {
                check_params_finite(&self.net, &format!("after epoch {}", epoch + 1))?;
            }
            history.epochs.push(log);
        }
        Ok(history)
    }

    /// Keras's `evaluate`: mean loss over all samples, and the metric.
    pub fn evaluate<S, E, T, F>(
        &mut self,
        x: &Tensor<S, E>,
        y: &Tensor<T, F>,
        batch_size: usize,
    ) -> Result<(f64, Option<f64>), Error>
    where
        S: HasAxis<0>,
        E: Float,
        T: HasAxis<0>,
        F: Dtype,
        N: Layer<Tensor<S::Replaced<usize>, E>>,
        L: Loss<N::Output, Tensor<T::Replaced<usize>, F>, Elem = E>,
        M: Metric<N::Output, Tensor<T::Replaced<usize>, F>>,
    {
        let n = sample_count("evaluate", x, y)?;
        check_batch_size("evaluate", batch_size)?;
        self.metric.reset();
        let mut total = 0.0;
        for range in crate::data::batches(n, batch_size) {
            let (xb, yb) = (x.rows(range.clone()), y.rows(range.clone()));
            let out = self.net.forward(&xb);
            let loss = self.loss.try_loss(&out, &yb)?;
            total += loss.to_f64().unwrap_or(f64::NAN) * range.len() as f64;
            self.metric.update(&out, &yb)?;
        }
        Ok((total / n as f64, self.metric.result()))
    }

    /// Keras's `predict`: the network's output for every sample.
    pub fn predict<X>(&self, x: &X) -> N::Output
    where
        N: Layer<X>,
    {
        self.net.forward(x)
    }
}
