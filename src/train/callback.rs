//! Per-epoch callbacks (Keras's `callbacks=[...]`): a trait, and early stopping with
//! best-weights restoring built on it.

use super::EpochLog;

/// What `fit` does after a callback has seen an epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on training.
    Continue,
    /// Stop after this epoch.
    Stop,
}

/// Called by `fit` at the end of every epoch with the epoch's log and the network, and once
/// at the end of training with the network mutably (to restore weights, say).
pub trait Callback<N> {
    /// After epoch `epoch` (counted from 1); return [`Control::Stop`] to end training.
    fn on_epoch_end(&mut self, epoch: usize, log: &EpochLog, net: &N) -> Control;
    /// After the last epoch.
    fn on_train_end(&mut self, net: &mut N) {
        let _ = net;
    }
}

/// Any closure `FnMut(epoch, &EpochLog) -> Control` is a callback.
impl<N, F: FnMut(usize, &EpochLog) -> Control> Callback<N> for F {
    fn on_epoch_end(&mut self, epoch: usize, log: &EpochLog, _: &N) -> Control {
        self(epoch, log)
    }
}

/// Which figure of an epoch a callback watches; lower is better for losses, higher for
/// metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Monitor {
    /// The training loss. (Not named `Loss`: that name would make rustc print the `Loss`
    /// trait with its full path in every error.)
    TrainLoss,
    /// The validation loss (Keras's default for early stopping).
    ValLoss,
    /// The training metric.
    TrainMetric,
    /// The validation metric.
    ValMetric,
}

impl Monitor {
    /// The watched value, oriented so that larger is better; `None` when the log lacks it.
    fn score(self, log: &EpochLog) -> Option<f64> {
        match self {
            Monitor::TrainLoss => Some(-log.loss),
            Monitor::ValLoss => log.val_loss.map(|v| -v),
            Monitor::TrainMetric => log.metric,
            Monitor::ValMetric => log.val_metric,
        }
    }
}

/// Keras's `EarlyStopping`: stops when the monitored figure has not improved by more than
/// `min_delta` for `patience` epochs, and (with `restore_best_weights`) puts back the
/// weights of the best epoch when training ends.
///
/// ```
/// use shaped::train::{Callback, Control, EarlyStopping, EpochLog, Monitor};
/// let mut stop = EarlyStopping::new(Monitor::TrainLoss, 1);
/// let log = |loss| EpochLog { loss, ..EpochLog::default() };
/// let net = ();
/// assert_eq!(stop.on_epoch_end(1, &log(1.0), &net), Control::Continue);
/// assert_eq!(stop.on_epoch_end(2, &log(0.5), &net), Control::Continue); // better
/// assert_eq!(stop.on_epoch_end(3, &log(0.6), &net), Control::Stop); // 1 epoch without
/// assert_eq!(stop.best_epoch(), Some(2));
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping<N> {
    /// The watched figure.
    pub monitor: Monitor,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// The least change that counts as an improvement.
    pub min_delta: f64,
    /// Restore the best epoch's weights when training ends.
    pub restore_best_weights: bool,
    best: Option<(usize, f64)>,
    best_weights: Option<N>,
    waited: usize,
}

impl<N> EarlyStopping<N> {
    /// Stops after `patience` epochs without improvement of `monitor`; keeps the last
    /// weights (see [`restore_best_weights`](Self::restore_best_weights)).
    pub fn new(monitor: Monitor, patience: usize) -> Self {
        EarlyStopping {
            monitor,
            patience,
            min_delta: 0.0,
            restore_best_weights: false,
            best: None,
            best_weights: None,
            waited: 0,
        }
    }

    /// The same, restoring the best epoch's weights at the end (they are copied at each
    /// improvement).
    pub fn restoring_best_weights(mut self) -> Self {
        self.restore_best_weights = true;
        self
    }

    /// The epoch with the best figure so far.
    pub fn best_epoch(&self) -> Option<usize> {
        self.best.map(|(epoch, _)| epoch)
    }
}

impl<N: Clone> Callback<N> for EarlyStopping<N> {
    fn on_epoch_end(&mut self, epoch: usize, log: &EpochLog, net: &N) -> Control {
        let Some(score) = self.monitor.score(log) else {
            return Control::Continue; // nothing to watch (no validation data, say)
        };
        let improved = self
            .best
            .is_none_or(|(_, best)| score > best + self.min_delta);
        if improved {
            self.best = Some((epoch, score));
            self.waited = 0;
            if self.restore_best_weights {
                self.best_weights = Some(net.clone());
            }
            return Control::Continue;
        }
        self.waited += 1;
        if self.waited >= self.patience {
            Control::Stop
        } else {
            Control::Continue
        }
    }

    fn on_train_end(&mut self, net: &mut N) {
        if let Some(best) = self.best_weights.take() {
            *net = best;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loss(loss: f64) -> EpochLog {
        EpochLog {
            loss,
            ..EpochLog::default()
        }
    }

    #[test]
    fn a_lower_loss_is_an_improvement() {
        let mut stop = EarlyStopping::new(Monitor::TrainLoss, 1);
        assert_eq!(stop.on_epoch_end(1, &loss(1.0), &()), Control::Continue);
        assert_eq!(stop.on_epoch_end(2, &loss(0.5), &()), Control::Continue);
        assert_eq!(stop.best_epoch(), Some(2));
        assert_eq!(stop.on_epoch_end(3, &loss(0.6), &()), Control::Stop);
        assert_eq!(stop.best_epoch(), Some(2));
    }

    #[test]
    fn an_improvement_must_exceed_min_delta() {
        // Scores -1.0, then -0.75 (better by exactly min_delta: not enough), then -0.5.
        let mut stop = EarlyStopping::new(Monitor::TrainLoss, 3);
        stop.min_delta = 0.25;
        stop.on_epoch_end(1, &loss(1.0), &());
        stop.on_epoch_end(2, &loss(0.75), &());
        assert_eq!(
            stop.best_epoch(),
            Some(1),
            "an improvement of exactly min_delta"
        );
        stop.on_epoch_end(3, &loss(0.5), &());
        assert_eq!(stop.best_epoch(), Some(3), "0.5 below the best");
        stop.on_epoch_end(4, &loss(0.3), &());
        assert_eq!(stop.best_epoch(), Some(3), "0.2 below: less than min_delta");
    }

    #[test]
    fn metrics_count_higher_as_better_and_a_missing_figure_is_ignored() {
        let metric = |m| EpochLog {
            metric: Some(m),
            ..EpochLog::default()
        };
        let mut stop = EarlyStopping::new(Monitor::TrainMetric, 1);
        stop.on_epoch_end(1, &metric(0.5), &());
        stop.on_epoch_end(2, &metric(0.7), &());
        assert_eq!(stop.best_epoch(), Some(2));
        let val = |v| EpochLog {
            val_loss: Some(v),
            ..EpochLog::default()
        };
        let mut lower = EarlyStopping::new(Monitor::ValLoss, 1);
        lower.on_epoch_end(1, &val(0.5), &());
        lower.on_epoch_end(2, &val(0.4), &());
        assert_eq!(
            lower.best_epoch(),
            Some(2),
            "a lower validation loss is better"
        );
        let mut on_val = EarlyStopping::new(Monitor::ValLoss, 1);
        assert_eq!(on_val.on_epoch_end(1, &loss(0.1), &()), Control::Continue);
        assert_eq!(on_val.on_epoch_end(2, &loss(0.2), &()), Control::Continue);
        assert_eq!(
            on_val.best_epoch(),
            None,
            "no validation loss in these logs"
        );
    }
}
