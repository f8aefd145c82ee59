//! A Keras-like training API on typed models: compile, `fit`, `evaluate`, `predict`.

mod callback;
mod metric;
mod progress;

pub use callback::{Callback, Control, EarlyStopping, Monitor};
pub use metric::{Accuracy, MeanAbsoluteError, MeanSquaredError, Metric, TopKAccuracy};

use std::time::Instant;

use crate::error::Error;
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
    /// The fraction of the samples, taken from the end before any shuffling, held out to
    /// validate on after every epoch (Keras's `validation_split`); 0 for none. Must be in
    /// `[0, 1)` and leave samples on both sides.
    pub validation_split: f64,
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
            validation_split: 0.0,
        }
    }
}

/// What one epoch of `fit` measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EpochLog {
    /// Mean of the batch losses over the epoch (Keras's running mean).
    pub loss: f64,
    /// Running value of the metric over the epoch, when there is one (the first one, for
    /// several).
    pub metric: Option<f64>,
    /// The loss on the validation data after the epoch, when there is some.
    pub val_loss: Option<f64>,
    /// The metric on the validation data after the epoch (the first one, for several).
    pub val_metric: Option<f64>,
    /// Every metric's value over the epoch, by name (a tuple of metrics gives several).
    pub metrics: Vec<(&'static str, f64)>,
    /// Every metric's value on the validation data, by name (without the `val_` prefix).
    pub val_metrics: Vec<(&'static str, f64)>,
    /// Wall-clock seconds of the epoch.
    pub seconds: f64,
}

/// What `evaluate_metrics` measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// Mean loss over all samples.
    pub loss: f64,
    /// The metric (the first one, for several).
    pub metric: Option<f64>,
    /// Every metric by name.
    pub metrics: Vec<(&'static str, f64)>,
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
///
/// The methods' type parameters are inferred from their arguments; `P` is the network's
/// output (`N::Output`), named so that a network that cannot take the input is reported
/// once per call, at the argument.
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
    N: Train<X>,
    X: HasElem,
    T: Send + 'static,
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
    match crate::error::first_non_finite_param(net) {
        None => Ok(()),
        Some((name, index, value)) => Err(Error::NonFinite {
            what: format!("parameter `{name}` {when}"),
            index,
            value,
        }),
    }
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
    pub fn train_step<S, E, T, F, P>(
        &mut self,
        x: &Tensor<S, E>,
        y: &Tensor<T, F>,
    ) -> Result<E, Error>
    where
        S: Shape,
        E: Float,
        T: Shape,
        F: Dtype,
        N: Train<Tensor<S, E>, Output = P>,
        O: Optimizer<N, E>,
        L: Loss<P, Tensor<T, F>, Elem = E>,
        M: Metric<P, Tensor<T, F>>,
    {
        let () = <N as Layer<Tensor<S, E>>>::CHECK;
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
    /// samples and returns the per-epoch running loss and metric (and the validation
    /// figures when `config.validation_split` holds some samples out).
    ///
    /// Before any step it checks the configuration (a batch size of 0, no samples,
    /// `initial_epoch` past `epochs` or a validation split outside `[0, 1)` are errors) and
    /// every target (a bad label is reported with its dataset index). A NaN or infinite
    /// loss stops training with [`Error::Diverged`] naming the epoch and batch (see
    /// [`FitConfig::terminate_on_nan`]).
    pub fn fit<S, E, T, F, P>(
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
        N: Train<Tensor<S::Replaced<usize>, E>, Output = P>,
        O: Optimizer<N, E>,
        L: Loss<P, Tensor<T::Replaced<usize>, F>, Elem = E>,
        M: Metric<P, Tensor<T::Replaced<usize>, F>>,
    {
        let () = <N as Layer<Tensor<S::Replaced<usize>, E>>>::CHECK;
        self.fit_with(x, y, config, None, &mut [])
    }

    /// [`fit`](Self::fit) with Keras's `validation_data` (evaluated after every epoch;
    /// it replaces `validation_split`) and per-epoch callbacks, such as
    /// [`EarlyStopping`] or a closure `|epoch, log| Control::Continue`.
    ///
    /// ```
    /// use shaped::nn::loss::SparseCategoricalCrossentropy;
    /// use shaped::nn::{Dense, Relu, Softmax};
    /// use shaped::optim::RmsProp;
    /// use shaped::train::{Accuracy, Callback, Control, EarlyStopping, EpochLog, FitConfig, Model, Monitor};
    /// use shaped::{Dim, Tensor};
    /// let x = Tensor::<(usize, Dim<2>)>::random_uniform((400, Dim), 0.0, 1.0, 0);
    /// let y = Tensor::<(usize,), u8>::from_fn((400,), |[i]| (x[[i, 0]] > x[[i, 1]]) as u8);
    /// let net = (Dense::<2, 16, Relu>::new(1), Dense::<16, 2, Softmax>::new(2));
    /// let mut model = Model::compile(net, RmsProp::new(0.01), SparseCategoricalCrossentropy::default(), Accuracy::default());
    /// let config = FitConfig { epochs: 50, batch_size: 32, verbose: false, validation_split: 0.25, ..FitConfig::default() };
    /// let mut stop = EarlyStopping::new(Monitor::ValLoss, 3).restoring_best_weights();
    /// let mut seen = 0;
    /// let mut count = |_: usize, _: &EpochLog| { seen += 1; Control::Continue };
    /// let history = model.fit_with(&x, &y, &config, None, &mut [&mut stop, &mut count]).unwrap();
    /// let last = history.epochs.last().unwrap();
    /// assert!(last.val_loss.is_some() && last.val_metric.unwrap() > 0.8);
    /// assert_eq!(seen, history.epochs.len());
    /// ```
    pub fn fit_with<S, E, T, F, P>(
        &mut self,
        x: &Tensor<S, E>,
        y: &Tensor<T, F>,
        config: &FitConfig,
        validation_data: Option<(&Tensor<S, E>, &Tensor<T, F>)>,
        callbacks: &mut [&mut dyn Callback<N>],
    ) -> Result<History, Error>
    where
        S: HasAxis<0>,
        E: Float,
        T: HasAxis<0>,
        F: Dtype,
        N: Train<Tensor<S::Replaced<usize>, E>, Output = P>,
        O: Optimizer<N, E>,
        L: Loss<P, Tensor<T::Replaced<usize>, F>, Elem = E>,
        M: Metric<P, Tensor<T::Replaced<usize>, F>>,
    {
        let () = <N as Layer<Tensor<S::Replaced<usize>, E>>>::CHECK;
        let total = sample_count("fit", x, y)?;
        check_batch_size("fit", config.batch_size)?;
        if config.initial_epoch > config.epochs {
            return Err(Error::Config(format!(
                "fit: initial_epoch {} is past epochs {} (epochs is the index to stop before)",
                config.initial_epoch, config.epochs
            )));
        }
        // Samples `n..total` are held out (Keras takes the last ones, before shuffling).
        let split = config.validation_split;
        if !(0.0..1.0).contains(&split) {
            return Err(Error::Config(format!(
                "fit: validation_split {split} is outside [0, 1)"
            )));
        }
        let held_out = if validation_data.is_some() {
            0
        } else {
            (total as f64 * split) as usize
        };
        let n = total - held_out;
        if n == 0 || (split > 0.0 && validation_data.is_none() && held_out == 0) {
            return Err(Error::Config(format!(
                "fit: validation_split {split} of {total} samples leaves {n} to train on and {held_out} to validate on"
            )));
        }
        if let Some((xv, yv)) = validation_data {
            sample_count("fit (validation_data)", xv, yv)?;
        }
        // Batches have a runtime batch dim whatever the dataset's: the last one is shorter.
        self.loss.check_targets(&y.clone().dyn_batch())?;
        // The buffers of every step, typed: after the first step, steps allocate nothing.
        let mut ws =
            Workspace::<N, Tensor<S::Replaced<usize>, E>, Tensor<T::Replaced<usize>, F>>::default();
        let mut history = History::default();
        // The progress line's metric values, refilled every step (allocation-free).
        let mut shown: Vec<(&'static str, f64)> = Vec::new();
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
                if config.verbose {
                    shown.clear();
                    self.metric
                        .for_each_result(&mut |name, v| shown.push((name, v)));
                    progress.update(step + 1, loss_sum / (step + 1) as f64, &shown);
                }
            }
            let (loss, metric) = (loss_sum / steps.max(1) as f64, self.metric.result());
            let mut metrics = Vec::new();
            self.metric
                .for_each_result(&mut |name, v| metrics.push((name, v)));
            let validation = match validation_data {
                Some((xv, yv)) => {
                    let n = sample_count("fit (validation_data)", xv, yv)?;
                    Some(self.evaluate_rows(xv, yv, 0..n, config.batch_size)?)
                }
                None if held_out > 0 => {
                    Some(self.evaluate_rows(x, y, n..total, config.batch_size)?)
                }
                None => None,
            };
            let (val_loss, val_metric, val_metrics) = match validation {
                Some(v) => (Some(v.loss), v.metric, v.metrics),
                None => (None, None, Vec::new()),
            };
            let log = EpochLog {
                loss,
                metric,
                val_loss,
                val_metric,
                metrics,
                val_metrics,
                seconds: start.elapsed().as_secs_f64(),
            };
            let mut extra = String::new();
            if let Some(v) = log.val_loss {
                extra += &format!(" - val_loss: {v:.4}");
            }
            for (name, v) in &log.val_metrics {
                extra += &format!(" - val_{name}: {v:.4}");
            }
            progress.finish(log.seconds, &extra);
            if config.terminate_on_nan {
                check_params_finite(&self.net, &format!("after epoch {}", epoch + 1))?;
            }
            let mut stop = false;
            for callback in callbacks.iter_mut() {
                stop |= callback.on_epoch_end(epoch + 1, &log, &self.net) == Control::Stop;
            }
            history.epochs.push(log);
            if stop {
                break;
            }
        }
        for callback in callbacks.iter_mut() {
            callback.on_train_end(&mut self.net);
        }
        Ok(history)
    }

    /// Mean loss and metrics over rows `range` of `(x, y)`, in batches.
    fn evaluate_rows<S, E, T, F>(
        &mut self,
        x: &Tensor<S, E>,
        y: &Tensor<T, F>,
        range: core::ops::Range<usize>,
        batch_size: usize,
    ) -> Result<Evaluation, Error>
    where
        S: HasAxis<0>,
        E: Float,
        T: HasAxis<0>,
        F: Dtype,
        N: Layer<Tensor<S::Replaced<usize>, E>>,
        L: Loss<N::Output, Tensor<T::Replaced<usize>, F>, Elem = E>,
        M: Metric<N::Output, Tensor<T::Replaced<usize>, F>>,
    {
        self.metric.reset();
        let mut total = 0.0;
        let count = range.len();
        for batch in crate::data::batches(count, batch_size) {
            let rows = range.start + batch.start..range.start + batch.end;
            let (xb, yb) = (x.try_rows(rows.clone())?, y.try_rows(rows.clone())?);
            let out = self.net.forward(&xb);
            let loss = self.loss.try_loss(&out, &yb)?;
            total += loss.to_f64().unwrap_or(f64::NAN) * rows.len() as f64;
            self.metric.update(&out, &yb)?;
        }
        let mut metrics = Vec::new();
        self.metric
            .for_each_result(&mut |name, v| metrics.push((name, v)));
        Ok(Evaluation {
            loss: total / count as f64,
            metric: self.metric.result(),
            metrics,
        })
    }

    /// Keras's `evaluate`: mean loss over all samples, and the metric.
    pub fn evaluate<S, E, T, F, P>(
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
        N: Layer<Tensor<S::Replaced<usize>, E>, Output = P>,
        L: Loss<P, Tensor<T::Replaced<usize>, F>, Elem = E>,
        M: Metric<P, Tensor<T::Replaced<usize>, F>>,
    {
        let () = <N as Layer<Tensor<S::Replaced<usize>, E>>>::CHECK;
        let e = self.evaluate_metrics(x, y, batch_size)?;
        Ok((e.loss, e.metric))
    }

    /// `evaluate` with every metric by name (Keras's `evaluate(..., return_dict=True)`),
    /// for a tuple of metrics.
    ///
    /// ```
    /// use shaped::nn::loss::SparseCategoricalCrossentropy;
    /// use shaped::nn::{Dense, Softmax};
    /// use shaped::train::{Accuracy, Model, TopKAccuracy};
    /// use shaped::{Dim, Tensor};
    /// let net = Dense::<4, 3, Softmax>::new(0);
    /// let metrics = (Accuracy::default(), TopKAccuracy::new(2));
    /// let mut model = Model::compile(net, (), SparseCategoricalCrossentropy::default(), metrics);
    /// let x = Tensor::<(usize, Dim<4>)>::ones((8, Dim));
    /// let y = Tensor::<(usize,), u8>::zeros((8,));
    /// let e = model.evaluate_metrics(&x, &y, 4).unwrap();
    /// let names: Vec<_> = e.metrics.iter().map(|m| m.0).collect();
    /// assert_eq!(names, ["accuracy", "top_k_accuracy"]);
    /// ```
    pub fn evaluate_metrics<S, E, T, F, P>(
        &mut self,
        x: &Tensor<S, E>,
        y: &Tensor<T, F>,
        batch_size: usize,
    ) -> Result<Evaluation, Error>
    where
        S: HasAxis<0>,
        E: Float,
        T: HasAxis<0>,
        F: Dtype,
        N: Layer<Tensor<S::Replaced<usize>, E>, Output = P>,
        L: Loss<P, Tensor<T::Replaced<usize>, F>, Elem = E>,
        M: Metric<P, Tensor<T::Replaced<usize>, F>>,
    {
        let () = <N as Layer<Tensor<S::Replaced<usize>, E>>>::CHECK;
        let n = sample_count("evaluate", x, y)?;
        check_batch_size("evaluate", batch_size)?;
        self.evaluate_rows(x, y, 0..n, batch_size)
    }

    /// Keras's `predict`: the network's output for every sample.
    pub fn predict<X, P>(&self, x: &X) -> P
    where
        N: Layer<X, Output = P>,
    {
        let () = <N as Layer<X>>::CHECK;
        self.net.forward(x)
    }

    /// Keras's `predict(x, batch_size)`: the output for every sample, computed
    /// `batch_size` rows at a time, so the activations of only one batch are alive at once
    /// (the output itself is one tensor). The values of [`predict`](Self::predict), up to
    /// rounding (a one-row batch may take another product kernel).
    ///
    /// ```
    /// use shaped::nn::{Dense, Softmax};
    /// use shaped::train::Model;
    /// use shaped::{Dim, Tensor};
    /// let model = Model::compile(Dense::<3, 2, Softmax>::new(0), (), (), ());
    /// let x = Tensor::<(usize, Dim<3>)>::random_uniform((10, Dim), -1.0, 1.0, 1);
    /// let p = model.predict_in_batches(&x, 4).unwrap();
    /// assert_eq!(p.shape_dims(), [10, 2]);
    /// let q = model.predict(&x);
    /// assert!(p.as_slice().iter().zip(q.as_slice()).all(|(a, b)| (a - b).abs() < 1e-6));
    /// ```
    pub fn predict_in_batches<S, E, P, E2>(
        &self,
        x: &Tensor<S, E>,
        batch_size: usize,
    ) -> Result<Tensor<P, E2>, Error>
    where
        S: HasAxis<0>,
        E: Dtype,
        P: Shape,
        E2: Dtype,
        N: Layer<Tensor<S::Replaced<usize>, E>, Output = Tensor<P, E2>>,
    {
        let () = <N as Layer<Tensor<S::Replaced<usize>, E>>>::CHECK;
        check_batch_size("predict", batch_size)?;
        let n = x.batch_size();
        let mut data = Vec::new();
        let mut dims = None;
        for batch in crate::data::batches(n, batch_size).chain((n == 0).then_some(0..0)) {
            let out = self.net.forward(&x.try_rows(batch)?);
            if dims.is_none() {
                let mut all = out.shape_dims();
                all.as_mut()[0] = n;
                let len = crate::shapes::checked_len::<E2>("predict", all.as_ref())?;
                data.reserve_exact(len);
                dims = Some(all);
            }
            data.extend_from_slice(out.as_slice());
        }
        let dims = dims.expect("at least one batch runs");
        let shape = P::from_dims(dims.as_ref()).ok_or_else(|| {
            crate::shapes::ShapeError::incompatible("predict", dims.as_ref(), dims.as_ref())
                .with_detail("the output's first dim is not the batch")
        })?;
        Ok(Tensor::try_from_vec(shape, data)?)
    }
}
