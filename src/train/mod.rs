//! A Keras-like training API on typed models: compile, `fit`, `evaluate`, `predict`.

mod metric;
mod progress;

pub use metric::{Accuracy, Metric};

use std::time::Instant;

use crate::nn::loss::{Loss, LossError};
use crate::nn::{Layer, Train};
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
#[derive(Clone, Debug)]
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
        }
    }

    /// One gradient step on a batch; returns the batch loss. Updates the metric.
    pub fn train_step<S, E, T, F>(
        &mut self,
        x: Tensor<S, E>,
        y: &Tensor<T, F>,
    ) -> Result<E, LossError>
    where
        S: Shape,
        E: Float,
        T: Shape,
        F: Dtype,
        N: Train<Tensor<S, E>>,
        O: Optimizer<N, E>,
        L: Loss<N::Output, Tensor<T, F>, Elem = E>,
        M: Metric<N::Output, Tensor<T, F>>,
    {
        let (out, cache) = self.net.forward_train(x);
        let (loss, grad) = self.loss.try_loss_and_grad(&out, y, N::SOFTMAX_OUTPUT)?;
        self.metric.update(&out, y);
        drop(out);
        let grads = self.grads.get_or_insert_with(|| self.net.zeros_like());
        self.net.backward(cache, grad, grads, false);
        self.optimizer.step(&mut self.net, grads);
        Ok(loss)
    }

    /// Keras's `fit`: trains on `(x, y)` for `config.epochs` epochs of `config.batch_size`
    /// samples and returns the per-epoch running loss and metric.
    pub fn fit<S, E, T, F>(
        &mut self,
        x: &Tensor<S, E>,
        y: &Tensor<T, F>,
        config: &FitConfig,
    ) -> Result<History, LossError>
    where
        S: HasAxis<0, Replaced<usize> = S>,
        E: Float,
        T: HasAxis<0, Replaced<usize> = T>,
        F: Dtype,
        N: Train<Tensor<S, E>>,
        O: Optimizer<N, E>,
        L: Loss<N::Output, Tensor<T, F>, Elem = E>,
        M: Metric<N::Output, Tensor<T, F>>,
    {
        let n = x.batch_size();
        if y.batch_size() != n {
            return Err(crate::shapes::ShapeError::incompatible(
                "fit",
                x.shape_dims().as_ref(),
                y.shape_dims().as_ref(),
            )
            .with_detail("x and y hold different numbers of samples")
            .into());
        }
        let mut history = History::default();
        for epoch in config.initial_epoch..config.epochs {
            let start = Instant::now();
            let order: Vec<usize> = if config.shuffle {
                crate::data::epoch_permutation(n, config.seed, epoch as u64)
            } else {
                (0..n).collect()
            };
            let steps = n.div_ceil(config.batch_size.max(1));
            let mut progress = Progress::new(epoch + 1, config.epochs, steps, config.verbose);
            self.metric.reset();
            let mut loss_sum = 0.0;
            for (step, range) in crate::data::batches(n, config.batch_size.max(1)).enumerate() {
                let idx = &order[range];
                let loss = self.train_step(x.select_rows(idx), &y.select_rows(idx))?;
                loss_sum += loss.to_f64().unwrap_or(f64::NAN);
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
    ) -> Result<(f64, Option<f64>), LossError>
    where
        S: HasAxis<0, Replaced<usize> = S>,
        E: Float,
        T: HasAxis<0, Replaced<usize> = T>,
        F: Dtype,
        N: Layer<Tensor<S, E>>,
        L: Loss<N::Output, Tensor<T, F>, Elem = E>,
        M: Metric<N::Output, Tensor<T, F>>,
    {
        let n = x.batch_size();
        if y.batch_size() != n {
            return Err(crate::shapes::ShapeError::incompatible(
                "evaluate",
                x.shape_dims().as_ref(),
                y.shape_dims().as_ref(),
            )
            .with_detail("x and y hold different numbers of samples")
            .into());
        }
        self.metric.reset();
        let mut total = 0.0;
        for range in crate::data::batches(n, batch_size.max(1)) {
            let (xb, yb) = (x.rows(range.clone()), y.rows(range.clone()));
            let out = self.net.forward(&xb);
            let loss = self.loss.try_loss(&out, &yb)?;
            total += loss.to_f64().unwrap_or(f64::NAN) * range.len() as f64;
            self.metric.update(&out, &yb);
        }
        Ok((total / n.max(1) as f64, self.metric.result()))
    }

    /// Keras's `predict`: the network's output for every sample.
    pub fn predict<X>(&self, x: &X) -> N::Output
    where
        N: Layer<X>,
    {
        self.net.forward(x)
    }
}
