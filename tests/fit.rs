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

// ---- several metrics, hand-counted metric values, predict in batches ----

use shaped::train::{MeanAbsoluteError, MeanSquaredError, Metric, TopKAccuracy};

#[test]
fn several_metrics_are_each_reported_by_name() {
    let (x, y) = data(300, 5);
    let mut m = Model::compile(
        (
            Dense::<2, 16, Relu>::new(1),
            Dense::<16, 2, Softmax>::new(2),
        ),
        RmsProp::new(0.01),
        SparseCategoricalCrossentropy::default(),
        (
            Accuracy::default(),
            TopKAccuracy::new(1),
            TopKAccuracy::new(2),
        ),
    );
    let cfg = FitConfig {
        validation_split: 0.2,
        ..config(3)
    };
    let history = m.fit(&x, &y, &cfg).unwrap();
    for log in &history.epochs {
        let names: Vec<_> = log.metrics.iter().map(|m| m.0).collect();
        assert_eq!(names, ["accuracy", "top_k_accuracy", "top_k_accuracy"]);
        // Top-1 is accuracy (no ties in softmax outputs here); top-2 of 2 classes is 1.
        assert_eq!(log.metrics[0].1, log.metrics[1].1);
        assert_eq!(log.metrics[2].1, 1.0);
        assert_eq!(log.metric, Some(log.metrics[0].1));
        assert_eq!(log.val_metrics.len(), 3);
        assert_eq!(log.val_metric, Some(log.val_metrics[0].1));
    }
    let e = m
        .evaluate_metrics(&x.rows(240..300), &y.rows(240..300), 32)
        .unwrap();
    let last = history.epochs.last().unwrap();
    assert_eq!(Some(e.loss), last.val_loss);
    assert_eq!(e.metrics, last.val_metrics);
}

#[test]
fn top_k_accuracy_hand_counted() {
    let p = Tensor::<(Dim<4>, Dim<4>)>::from([
        [0.1, 0.2, 0.3, 0.4],      // label 3: first
        [0.4, 0.3, 0.2, 0.1],      // label 2: third
        [0.25, 0.25, 0.25, 0.25],  // label 1: tied with all, counts
        [f32::NAN, 0.0, 0.0, 1.0], // NaN: never a hit
    ]);
    let y = Tensor::<(Dim<4>,), u8>::from([3, 2, 1, 3]);
    let count = |k: usize| {
        let mut m = TopKAccuracy::new(k);
        m.update(&p, &y).unwrap();
        m.value().unwrap()
    };
    assert_eq!(count(0), 0.0);
    assert_eq!(count(1), 0.5); // rows 0 and 2
    assert_eq!(count(2), 0.5);
    assert_eq!(count(3), 0.75); // row 1 too
    assert_eq!(count(9), 0.75);
    // One-hot targets give the same counts.
    let one_hot = Tensor::<(Dim<4>, Dim<4>)>::from([
        [0.0, 0.0, 0.0, 1.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ]);
    let mut m = TopKAccuracy::new(3);
    m.update(&p, &one_hot).unwrap();
    assert_eq!(m.value(), Some(0.75));
    // A label out of range is an error and counts nothing.
    let mut m = TopKAccuracy::new(3);
    let bad = Tensor::<(Dim<4>,), u8>::from([3, 2, 4, 0]);
    assert!(m.update(&p, &bad).is_err());
    assert_eq!(m.value(), None);
}

#[test]
fn regression_metrics_hand_counted() {
    let p = Tensor::<(Dim<2>, Dim<2>)>::from([[1.0, -2.0], [0.5, 3.0]]);
    let y = Tensor::<(Dim<2>, Dim<2>)>::from([[0.0, 2.0], [0.5, 1.0]]);
    // |d| = 1, 4, 0, 2 -> mean 7/4; d^2 = 1, 16, 0, 4 -> mean 21/4.
    let mut mae = MeanAbsoluteError::default();
    let mut mse = MeanSquaredError::default();
    mae.update(&p, &y).unwrap();
    mse.update(&p, &y).unwrap();
    assert_eq!(mae.value(), Some(1.75));
    assert_eq!(mse.value(), Some(5.25));
    // A second batch counts by elements: (7 + 2) / 6 and (21 + 2) / 6 after [[1, -1]].
    let p2 = Tensor::<(Dim<1>, Dim<2>)>::from([[1.0, -1.0]]);
    let y2 = Tensor::<(Dim<1>, Dim<2>)>::from([[0.0, 0.0]]);
    mae.update(&p2, &y2).unwrap();
    mse.update(&p2, &y2).unwrap();
    assert_eq!(mae.value(), Some(9.0 / 6.0));
    assert_eq!(mse.value(), Some(23.0 / 6.0));
    // Different shapes: an error naming both.
    let z = Tensor::<(usize, Dim<2>)>::zeros((3, Dim));
    let err = mae.update(&p.clone().dyn_batch(), &z).unwrap_err();
    assert!(err.to_string().contains("[2, 2] and [3, 2]"), "{err}");
}

#[test]
fn a_metric_tuple_counts_nothing_when_a_part_fails() {
    // Accuracy accepts label 2 of 3 classes... and so does TopK; a label of 7 fails both,
    // but MAE on a one-hot shape mismatch fails only the second part.
    let p = Tensor::<(Dim<2>, Dim<3>)>::from([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]);
    let y = Tensor::<(Dim<2>,), u8>::from([0, 7]);
    let mut both = (Accuracy::default(), TopKAccuracy::new(1));
    assert!(both.update(&p, &y).is_err());
    assert_eq!(both.0.count(), 0);
    let good = Tensor::<(Dim<2>,), u8>::from([0, 2]);
    both.update(&p, &good).unwrap();
    let mut seen = Vec::new();
    Metric::<Tensor<(Dim<2>, Dim<3>)>, Tensor<(Dim<2>,), u8>>::for_each_result(
        &both,
        &mut |name, v| seen.push((name, v)),
    );
    assert_eq!(seen, [("accuracy", 1.0), ("top_k_accuracy", 1.0)]);
}

#[test]
fn predict_in_batches_equals_predict() {
    let (x, _) = data(103, 9);
    let m = model(0.01);
    let whole = m.predict(&x);
    for batch_size in [1, 7, 32, 103, 500] {
        let p = m.predict_in_batches(&x, batch_size).unwrap();
        assert_eq!(p.shape_dims(), [103, 2]);
        // Equal up to rounding: a one-row batch may take another product kernel.
        for (a, b) in p.as_slice().iter().zip(whole.as_slice()) {
            assert!((a - b).abs() <= 1e-6, "batch_size {batch_size}: {a} vs {b}");
        }
    }
    assert!(matches!(m.predict_in_batches(&x, 0), Err(Error::Config(_))));
    let empty = m.predict_in_batches(&x.rows(0..0), 8).unwrap();
    assert_eq!(empty.shape_dims(), [0, 2]);
}

#[test]
fn metric_methods_need_no_type_annotations() {
    // Once ambiguous (E0283): the trait has one impl per prediction and target type.
    let p = Tensor::<(Dim<2>, Dim<3>)>::from([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]);
    let y = Tensor::<(Dim<2>,), u8>::from([0, 1]);
    let mut accuracy = Accuracy::default();
    let mut top2 = TopKAccuracy::new(2);
    assert_eq!(
        (accuracy.result(), accuracy.name()),
        (None, Some("accuracy"))
    );
    accuracy.update(&p, &y).unwrap();
    top2.update(&p, &y).unwrap();
    assert_eq!((accuracy.result(), top2.result()), (Some(0.5), Some(1.0)));
    accuracy.reset();
    top2.reset();
    assert_eq!(
        (accuracy.result(), top2.result(), top2.k()),
        (None, None, 2)
    );
    let mut mae = MeanAbsoluteError::default();
    mae.update(&p, &p).unwrap();
    assert_eq!((mae.result(), mae.name()), (Some(0.0), Some("mae")));
    assert_eq!(MeanSquaredError::default().name(), Some("mse"));
}

#[test]
fn parameters_that_overflow_in_the_last_update_end_training() {
    // One batch per epoch: the loss is computed before the update, so only the check of the
    // parameters at the end of the epoch sees the infinities a huge step leaves.
    let (x, y) = data(64, 5);
    let x = x.map(|v| v * 1e3);
    let fresh = || {
        Model::compile(
            (Dense::new(1), Dense::new(2)),
            Sgd::<Net>::new(1e37),
            SparseCategoricalCrossentropy::default(),
            Accuracy::default(),
        )
    };
    let one_batch = FitConfig {
        batch_size: 64,
        ..config(3)
    };
    let err = fresh().fit(&x, &y, &one_batch).unwrap_err();
    assert!(
        matches!(&err, Error::NonFinite { what, .. } if what.ends_with("after epoch 1")),
        "{err}"
    );
    // Without the check, training goes on with them.
    let lenient = FitConfig {
        terminate_on_nan: false,
        ..one_batch
    };
    let mut model = fresh();
    model.fit(&x, &y, &lenient).expect("no check");
    assert!(!model.net.0.kernel.is_finite() || !model.net.1.kernel.is_finite());
}

#[test]
fn train_step_returns_the_loss_before_its_update_and_takes_the_step() {
    let (x, y) = data(32, 6);
    let mut model = model(0.01);
    let before = model.net.clone();
    let (expected, _) = model.evaluate(&x, &y, 32).unwrap();
    let loss = model.train_step(&x, &y).unwrap();
    assert!(
        (loss as f64 - expected).abs() < 1e-6,
        "{loss} vs {expected}"
    );
    assert!(loss > 0.1, "a real cross-entropy: {loss}");
    assert_ne!(model.net, before, "the step changed the parameters");
    let (after, _) = model.evaluate(&x, &y, 32).unwrap();
    assert!(
        after < expected,
        "the step lowered the loss: {after} vs {expected}"
    );
}

/// Run by `verbose_fit_prints_each_epoch_like_keras` in a child process, whose standard
/// error it reads.
#[test]
#[ignore = "a child process of verbose_fit_prints_each_epoch_like_keras"]
fn verbose_fit_child() {
    let (x, y) = data(64, 7);
    let verbose = FitConfig {
        verbose: true,
        initial_epoch: 1,
        ..config(3)
    };
    let history = model(0.01).fit(&x, &y, &verbose).unwrap();
    for log in &history.epochs {
        eprintln!("history loss: {:.4}", log.loss);
    }
}

#[test]
fn verbose_fit_prints_each_epoch_like_keras() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["verbose_fit_child", "--exact", "--ignored", "--nocapture"])
        .output()
        .unwrap();
    assert!(out.status.success(), "the child process failed");
    let log = String::from_utf8_lossy(&out.stderr);
    // Epochs are numbered from 1, resuming at `initial_epoch`: 2 and 3 of 3 run here.
    let headers: Vec<&str> = log.lines().filter(|l| l.starts_with("Epoch ")).collect();
    assert_eq!(headers, ["Epoch 2/3", "Epoch 3/3"], "{log}");
    // Each epoch's progress line ends on the running mean of its batch losses: the epoch's
    // loss in the history.
    let shown: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("2/2 "))
        .filter_map(|l| l.split("loss: ").nth(1))
        .map(|rest| rest.split(' ').next().unwrap())
        .collect();
    let recorded: Vec<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix("history loss: "))
        .collect();
    assert_eq!(shown.len(), 2, "{log}");
    assert_eq!(shown, recorded, "{log}");
}

#[test]
fn an_epochs_loss_is_the_mean_of_its_batch_losses() {
    // With a zero learning rate nothing changes during the epoch, so the mean of the four
    // equal batches' losses is the loss `evaluate` computes over all 128 samples.
    let (x, y) = data(128, 8);
    let mut frozen = Model::compile(
        (Dense::new(1), Dense::new(2)),
        Sgd::<Net>::new(0.0),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );
    let (expected, accuracy) = frozen.evaluate(&x, &y, 128).unwrap();
    let config = FitConfig {
        shuffle: false,
        ..config(1)
    };
    let history = frozen.fit(&x, &y, &config).unwrap();
    let log = &history.epochs[0];
    assert!(
        (log.loss - expected).abs() < 1e-6,
        "{} vs {expected}",
        log.loss
    );
    assert_eq!(log.metric, accuracy);
    assert_eq!(
        (log.val_loss, log.val_metric),
        (None, None),
        "no validation asked for"
    );
}

#[test]
fn evaluate_weights_each_batch_by_its_size() {
    // 100 samples in batches of 48, 48 and 4: the mean over samples, not over batches.
    let (x, y) = data(100, 9);
    let mut m = model(0.01);
    let (whole, accuracy) = m.evaluate(&x, &y, 100).unwrap();
    let (batched, batched_accuracy) = m.evaluate(&x, &y, 48).unwrap();
    assert!((whole - batched).abs() < 1e-6, "{whole} vs {batched}");
    assert_eq!(accuracy, batched_accuracy);
    // The same mean from the three batches' own losses, weighted by hand.
    let mut part =
        |r: std::ops::Range<usize>| m.evaluate(&x.rows(r.clone()), &y.rows(r), 100).unwrap().0;
    let by_hand = (48.0 * part(0..48) + 48.0 * part(48..96) + 4.0 * part(96..100)) / 100.0;
    assert!((whole - by_hand).abs() < 1e-6, "{whole} vs {by_hand}");
}
