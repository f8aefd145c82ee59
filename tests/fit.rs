//! fit like Keras's: validation_split and validation_data, callbacks, early stopping with
//! best weights restored, on a small synthetic problem.

use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Relu, Softmax};
use shaped::optim::{RmsProp, Sgd};
use shaped::train::{Accuracy, Control, EarlyStopping, EpochLog, FitConfig, Model, Monitor};
use shaped::{Dim, Error, Tensor};

type Net = (Dense<2, 16, Relu>, Dense<16, 2, Softmax>);
type X = Tensor<(usize, Dim<2>)>;
type Y = Tensor<(usize,), u8>;

fn data(n: usize, seed: u64) -> (X, Y) {
    let x = X::random_uniform((n, Dim), 0.0, 1.0, seed);
    let y = Y::from_fn((n,), |[i]| (x[[i, 0]] > x[[i, 1]]) as u8);
    (x, y)
}

fn model(lr: f64) -> Model<Net, RmsProp<Net>, SparseCategoricalCrossentropy> {
    Model::compile(
        (Dense::new(1), Dense::new(2)),
        RmsProp::new(lr),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    )
}

fn config(epochs: usize) -> FitConfig {
    FitConfig {
        epochs,
        batch_size: 32,
        verbose: false,
        ..FitConfig::default()
    }
}

#[test]
fn validation_split_holds_out_the_last_samples() {
    let (x, y) = data(400, 3);
    let mut m = model(0.01);
    let cfg = FitConfig {
        validation_split: 0.25,
        ..config(3)
    };
    let history = m.fit(&x, &y, &cfg).unwrap();
    let last = history.epochs.last().unwrap();
    // The held-out rows are the last 100: evaluating them gives the same figures.
    let (loss, accuracy) = m
        .evaluate(&x.rows(300..400), &y.rows(300..400), 32)
        .unwrap();
    assert_eq!(last.val_loss, Some(loss));
    assert_eq!(last.val_metric, accuracy);
    // Training used only the first 300: the same run on them alone gives the same weights.
    let mut alone = model(0.01);
    alone
        .fit(&x.rows(0..300), &y.rows(0..300), &config(3))
        .unwrap();
    assert_eq!(alone.net, m.net);
}

#[test]
fn validation_data_is_evaluated_after_every_epoch() {
    let (x, y) = data(300, 4);
    let (xv, yv) = data(100, 5);
    let mut m = model(0.01);
    let mut logs: Vec<EpochLog> = Vec::new();
    let mut record = |_: usize, log: &EpochLog| {
        logs.push(log.clone());
        Control::Continue
    };
    let history = m
        .fit_with(&x, &y, &config(4), Some((&xv, &yv)), &mut [&mut record])
        .unwrap();
    assert_eq!(logs, history.epochs);
    let (loss, accuracy) = m.evaluate(&xv, &yv, 32).unwrap();
    assert_eq!(history.epochs[3].val_loss, Some(loss));
    assert_eq!(history.epochs[3].val_metric, accuracy);
    assert!(accuracy.unwrap() > 0.8, "{accuracy:?}");
}

#[test]
fn a_callback_can_stop_training() {
    let (x, y) = data(200, 6);
    let mut m = model(0.01);
    let mut stop_at_three = |epoch: usize, _: &EpochLog| {
        if epoch == 3 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let history = m
        .fit_with(&x, &y, &config(10), None, &mut [&mut stop_at_three])
        .unwrap();
    assert_eq!(history.epochs.len(), 3);
}

#[test]
fn early_stopping_restores_the_best_weights() {
    // Plain SGD with a step far too large: the loss is best after the first epoch and
    // worse after, so early stopping with patience 2 stops at epoch 3 and restores epoch 1.
    let (x, y) = data(200, 7);
    let sgd = || {
        Model::compile(
            (
                Dense::<2, 16, Relu>::new(1),
                Dense::<16, 2, Softmax>::new(2),
            ),
            Sgd::new(50.0),
            SparseCategoricalCrossentropy::default(),
            Accuracy::default(),
        )
    };
    let cfg = FitConfig {
        terminate_on_nan: false,
        shuffle: false,
        ..config(10)
    };
    let mut m = sgd();
    let mut stop = EarlyStopping::new(Monitor::TrainLoss, 2).restoring_best_weights();
    let history = m.fit_with(&x, &y, &cfg, None, &mut [&mut stop]).unwrap();
    let losses: Vec<f64> = history.epochs.iter().map(|e| e.loss).collect();
    let best = losses
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i + 1)
        .unwrap();
    assert_eq!(stop.best_epoch(), Some(best), "{losses:?}");
    assert_eq!(
        history.epochs.len(),
        best + 2,
        "stopped after 2 epochs without progress"
    );
    // The restored weights are those after the best epoch.
    let mut reference = sgd();
    reference
        .fit(
            &x,
            &y,
            &FitConfig {
                epochs: best,
                ..cfg.clone()
            },
        )
        .unwrap();
    assert_eq!(m.net, reference.net);
}

#[test]
fn bad_validation_settings_are_errors() {
    let (x, y) = data(10, 8);
    for split in [1.0, -0.1, f64::NAN] {
        let cfg = FitConfig {
            validation_split: split,
            ..config(1)
        };
        assert!(
            matches!(model(0.01).fit(&x, &y, &cfg), Err(Error::Config(_))),
            "{split}"
        );
    }
    // 5% of 10 samples holds out none: an error, not a silent "no validation".
    let cfg = FitConfig {
        validation_split: 0.05,
        ..config(1)
    };
    assert!(matches!(
        model(0.01).fit(&x, &y, &cfg),
        Err(Error::Config(_))
    ));
    let (xv, _) = data(5, 9);
    let (_, yv) = data(4, 9);
    let err = model(0.01)
        .fit_with(&x, &y, &config(1), Some((&xv, &yv)), &mut [])
        .unwrap_err();
    assert!(matches!(err, Error::Shape(_)), "{err}");
}
