//! Divergence and NaN are visible, and bad configurations or targets are errors, never
//! silently fixed or counted.

use shaped::nn::loss::{CategoricalCrossentropy, Loss, LossError, SparseCategoricalCrossentropy};
use shaped::nn::{Dense, Params, Relu, Softmax};
use shaped::optim::{RmsProp, Sgd};
use shaped::train::{Accuracy, FitConfig, Metric, Model};
use shaped::{Dim, Error, Tensor};

type Net = (Dense<2, 8, Relu>, Dense<8, 3, Softmax>);

fn net() -> Net {
    (Dense::new(1), Dense::new(2))
}

/// Three classes by the sign pattern of two features.
fn data(n: usize) -> (Tensor<(usize, Dim<2>)>, Tensor<(usize,), u8>) {
    let x = Tensor::<(usize, Dim<2>)>::random_uniform((n, Dim), -1.0, 1.0, 7);
    let y = Tensor::<(usize,), u8>::from_fn((n,), |[i]| {
        let (a, b) = (x[[i, 0]], x[[i, 1]]);
        if a > 0.0 && b > 0.0 {
            0
        } else if a > 0.0 {
            1
        } else {
            2
        }
    });
    (x, y)
}

fn quiet(epochs: usize) -> FitConfig {
    FitConfig {
        epochs,
        batch_size: 16,
        verbose: false,
        ..FitConfig::default()
    }
}

#[test]
fn a_diverging_fit_is_an_error_naming_the_epoch_and_batch() {
    let (x, y) = data(256);
    let loss = SparseCategoricalCrossentropy::default();
    let mut model = Model::compile(net(), Sgd::new(1e6), loss, Accuracy::default());
    let err = model.fit(&x, &y, &quiet(5)).unwrap_err();
    let Error::Diverged { epoch, batch, loss } = err else {
        panic!("expected a divergence error, got {err}");
    };
    assert!(!loss.is_finite());
    assert!(epoch >= 1 && batch >= 1, "epoch {epoch}, batch {batch}");
    let message = Error::Diverged { epoch, batch, loss }.to_string();
    assert!(
        message.contains(&format!("at epoch {epoch}, batch {batch}")),
        "{message}"
    );
}

#[test]
fn opting_out_trains_on_and_reports_the_nan_loss() {
    let (x, y) = data(256);
    let loss = SparseCategoricalCrossentropy::default();
    let mut model = Model::compile(net(), Sgd::new(1e6), loss, Accuracy::default());
    let config = FitConfig {
        terminate_on_nan: false,
        ..quiet(3)
    };
    let history = model.fit(&x, &y, &config).unwrap();
    // The clip used to turn NaN probabilities into epsilon: a finite 16.1181.
    assert!(history.epochs.last().unwrap().loss.is_nan());
    // NaN predictions name no class: they are never counted as correct.
    assert_eq!(history.epochs.last().unwrap().metric, Some(0.0));
}

#[test]
fn crossentropies_propagate_nan() {
    let p = Tensor::<(Dim<1>, Dim<3>)>::from([[f32::NAN, 0.5, 0.5]]);
    let sparse = SparseCategoricalCrossentropy::default();
    assert!(sparse.try_loss(&p, &Tensor::from([0u8])).unwrap().is_nan());
    let dense = CategoricalCrossentropy::default();
    let onehot = Tensor::<(Dim<1>, Dim<3>)>::from([[1.0, 0.0, 0.0]]);
    assert!(dense.try_loss(&p, &onehot).unwrap().is_nan());
}

#[test]
fn one_nan_pixel_makes_the_loss_nan_instead_of_killing_units() {
    // relu(NaN) used to be 0: the loss stayed finite while weights turned NaN.
    let mut x = Tensor::<(usize, Dim<2>)>::random_uniform((32, Dim), -1.0, 1.0, 3);
    x[[5, 1]] = f32::NAN;
    let y = Tensor::<(usize,), u8>::zeros((32,));
    let loss = SparseCategoricalCrossentropy::default();
    let mut model = Model::compile(net(), RmsProp::default(), loss, Accuracy::default());
    let err = model.fit(&x, &y, &quiet(1)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Diverged {
                epoch: 1,
                batch: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn check_finite_names_the_first_bad_element() {
    let x = Tensor::<(Dim<2>, Dim<2>)>::from([[1.0, 2.0], [f32::INFINITY, f32::NAN]]);
    assert!(!x.is_finite());
    let err = x.check_finite().unwrap_err();
    assert!(matches!(err, Error::NonFinite { index: 2, .. }), "{err}");
    assert_eq!(err.to_string(), "tensor holds inf at element 2");
}

#[test]
fn argmax_and_max_propagate_nan_like_numpy() {
    let x = Tensor::<(Dim<4>,)>::from([1.0, f32::NAN, 3.0, f32::NAN]);
    assert_eq!(x.argmax(), 1);
    assert!(x.max().is_nan());
    assert!(x.min().is_nan());
    let m = Tensor::<(Dim<2>, Dim<3>)>::from([[0.0, 5.0, 1.0], [2.0, 1.0, f32::NAN]]);
    assert_eq!(m.argmax_axis::<1>().as_slice(), &[1, 2]);
    let maxes = m.max_axis::<1>();
    assert_eq!(maxes.as_slice()[0], 5.0);
    assert!(maxes.as_slice()[1].is_nan());
}

// --- Accuracy, against hand-counted cases.

#[test]
fn accuracy_counts_by_hand() {
    let p = Tensor::<(Dim<5>, Dim<3>)>::from([
        [0.8, 0.1, 0.1], // 0
        [0.1, 0.8, 0.1], // 1
        [0.1, 0.1, 0.8], // 2
        [0.5, 0.5, 0.0], // 0 (first of a tie)
        [0.2, 0.3, 0.5], // 2
    ]);
    let y = Tensor::<(Dim<5>,), u8>::from([0, 2, 2, 1, 2]);
    let mut accuracy = Accuracy::default();
    Metric::update(&mut accuracy, &p, &y).unwrap();
    assert_eq!(accuracy.value(), Some(3.0 / 5.0));
    assert_eq!(accuracy.count(), 5);
    // A second batch accumulates: 1 more right out of 1.
    let p2 = Tensor::<(Dim<1>, Dim<3>)>::from([[0.0, 1.0, 0.0]]);
    Metric::update(&mut accuracy, &p2, &Tensor::<(Dim<1>,), u8>::from([1])).unwrap();
    assert_eq!(accuracy.value(), Some(4.0 / 6.0));
    // One-hot targets: the same counting.
    let onehot = Tensor::<(Dim<5>, Dim<3>)>::from([
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.0, 0.0, 1.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
    ]);
    let mut dense = Accuracy::default();
    Metric::update(&mut dense, &p, &onehot).unwrap();
    assert_eq!(dense.value(), Some(3.0 / 5.0));
    // reset starts over, for both kinds of targets.
    <Accuracy as Metric<Tensor<(Dim<5>, Dim<3>)>, Tensor<(Dim<5>, Dim<3>)>>>::reset(&mut dense);
    assert_eq!((dense.value(), dense.count()), (None, 0));
    <Accuracy as Metric<Tensor<(Dim<5>, Dim<3>)>, Tensor<(Dim<5>,), u8>>>::reset(&mut accuracy);
    assert_eq!((accuracy.value(), accuracy.count()), (None, 0));
    Metric::update(&mut dense, &p, &onehot).unwrap();
    assert_eq!(
        dense.value(),
        Some(3.0 / 5.0),
        "counts from zero after a reset"
    );
    // `Metric::result` is the same figure.
    type Pt = Tensor<(Dim<5>, Dim<3>)>;
    assert_eq!(
        <Accuracy as Metric<Pt, Pt>>::result(&dense),
        Some(3.0 / 5.0)
    );
    Metric::update(&mut accuracy, &p, &y).unwrap();
    assert_eq!(
        <Accuracy as Metric<Pt, Tensor<(Dim<5>,), u8>>>::result(&accuracy),
        Some(3.0 / 5.0)
    );
}

#[test]
fn accuracy_refuses_mismatched_or_invalid_targets() {
    let p = Tensor::<(usize, Dim<3>)>::zeros((2, Dim));
    let five = Tensor::<(usize,), u8>::zeros((5,));
    let mut accuracy = Accuracy::default();
    let err = Metric::update(&mut accuracy, &p, &five).unwrap_err();
    assert!(matches!(err, LossError::Shape(_)), "{err}");
    assert_eq!(accuracy.value(), None, "nothing counted");
    let bad = Tensor::<(usize,), u8>::from_vec((2,), vec![1, 3]);
    let err = Metric::update(&mut accuracy, &p, &bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "label 3 at index 1 is out of range for 3 classes"
    );
    let nan = Tensor::<(usize,), f32>::from_vec((2,), vec![0.0, f32::NAN]);
    let err = Metric::update(&mut accuracy, &p, &nan).unwrap_err();
    assert!(
        matches!(err, LossError::LabelOutOfRange { index: 1, .. }),
        "{err}"
    );
    let fraction = Tensor::<(usize,), f32>::from_vec((2,), vec![0.5, 1.0]);
    assert!(Metric::update(&mut accuracy, &p, &fraction).is_err());
}

#[test]
fn float_labels_that_are_not_class_indices_are_refused_by_the_loss() {
    let p = Tensor::<(Dim<2>, Dim<3>)>::from([[0.2, 0.3, 0.5], [0.2, 0.3, 0.5]]);
    let loss = SparseCategoricalCrossentropy::default();
    let nan = Tensor::<(Dim<2>,), f32>::from([2.0, f32::NAN]);
    let err = loss.try_loss(&p, &nan).unwrap_err();
    assert_eq!(
        err.to_string(),
        "label NaN at index 1 is out of range for 3 classes"
    );
    let ok = Tensor::<(Dim<2>,), f32>::from([2.0, 0.0]);
    assert!(loss.try_loss(&p, &ok).is_ok());
}

// --- fit and evaluate: no silent fixes.

fn model() -> Model<Net, RmsProp<Net>, SparseCategoricalCrossentropy, Accuracy> {
    Model::compile(
        net(),
        RmsProp::default(),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    )
}

#[test]
fn a_batch_size_of_zero_is_an_error() {
    let (x, y) = data(64);
    let config = FitConfig {
        batch_size: 0,
        ..quiet(1)
    };
    let err = model().fit(&x, &y, &config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration: fit: batch_size must be at least 1"
    );
    let err = model().evaluate(&x, &y, 0).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
}

#[test]
fn no_samples_is_an_error() {
    let (x, y) = data(0);
    let err = model().fit(&x, &y, &quiet(1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid configuration: fit needs at least one sample, got 0"
    );
    assert!(matches!(model().evaluate(&x, &y, 8), Err(Error::Config(_))));
}

#[test]
fn an_initial_epoch_past_the_end_is_an_error() {
    let (x, y) = data(64);
    let config = FitConfig {
        initial_epoch: 4,
        ..quiet(3)
    };
    assert!(matches!(
        model().fit(&x, &y, &config),
        Err(Error::Config(_))
    ));
    // Equal is Keras's "nothing left to do": an empty history.
    let config = FitConfig {
        initial_epoch: 3,
        ..quiet(3)
    };
    assert!(model().fit(&x, &y, &config).unwrap().epochs.is_empty());
}

#[test]
fn a_sample_count_mismatch_is_a_shape_error() {
    let (x, _) = data(64);
    let (_, y) = data(63);
    assert!(matches!(
        model().fit(&x, &y, &quiet(1)),
        Err(Error::Shape(_))
    ));
}

#[test]
fn a_bad_label_is_reported_with_its_dataset_index_before_any_step() {
    let (x, mut y) = data(200);
    y[[137]] = 3; // 3 classes: 0, 1, 2
    let mut m = model();
    let before = m.net.clone();
    let err = m.fit(&x, &y, &quiet(2)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "label 3 at index 137 is out of range for 3 classes"
    );
    let mut after = Vec::new();
    m.net.visit("", &mut |_, v, _| after.extend_from_slice(v));
    let mut first = Vec::new();
    before.visit("", &mut |_, v, _| first.extend_from_slice(v));
    assert!(first == after, "no optimizer step was applied");
}

// --- Slicing boundaries.

#[test]
#[allow(clippy::reversed_empty_ranges)] // reversed on purpose
fn reversed_row_ranges_are_errors_naming_the_range() {
    let x = Tensor::<(usize, Dim<2>)>::zeros((10, Dim));
    let err = x.try_rows(3..2).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rows: incompatible shapes [10, 2] and [0, 2] (range 3..2 ends before it starts)"
    );
    let err = x.try_rows(5..3).unwrap_err();
    assert!(err.to_string().contains("range 5..3"), "{err}");
    // Boundaries: an empty range at the end is fine, one past it is not.
    assert_eq!(x.try_rows(10..10).unwrap().shape_dims(), [0, 2]);
    assert!(x.try_rows(11..11).is_err());
    assert!(x.try_rows(9..11).is_err());
    assert_eq!(x.try_rows(0..10).unwrap().shape_dims(), [10, 2]);
    // Batches: the last one starts before the end; one starting at the end is refused.
    assert_eq!(x.try_batch(2, 4).unwrap().shape_dims(), [2, 2]);
    assert!(x.try_batch(5, 2).is_err());
    assert_eq!(x.try_batch(4, 2).unwrap().shape_dims(), [2, 2]);
    // Windows of a static size: exactly at the end fits, one past does not.
    assert!(x.try_window::<4>(6).is_ok());
    assert!(x.try_window::<4>(7).is_err());
}

#[test]
fn metric_names_and_the_empty_metric() {
    type P = Tensor<(Dim<2>, Dim<3>)>;
    let sparse = <Accuracy as Metric<P, Tensor<(Dim<2>,), u8>>>::name(&Accuracy::default());
    let dense = <Accuracy as Metric<P, P>>::name(&Accuracy::default());
    assert_eq!((sparse, dense), (Some("accuracy"), Some("accuracy")));
    // `()` is "no metric": no name, no value, even after updates.
    let mut none = ();
    let p = P::zeros(Default::default());
    let y = Tensor::<(Dim<2>,), u8>::zeros(Default::default());
    Metric::update(&mut none, &p, &y).unwrap();
    assert_eq!(<() as Metric<P, Tensor<(Dim<2>,), u8>>>::name(&none), None);
    assert_eq!(
        <() as Metric<P, Tensor<(Dim<2>,), u8>>>::result(&none),
        None
    );
    // A model compiled without a metric reports none in its history.
    let (x, y) = data(64);
    let mut m = Model::compile(
        net(),
        RmsProp::default(),
        SparseCategoricalCrossentropy::default(),
        (),
    );
    let history = m.fit(&x, &y, &quiet(1)).unwrap();
    assert_eq!(history.epochs[0].metric, None);
}
