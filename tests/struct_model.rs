//! Struct models: `#[derive(Params, Model)]` on a struct of layers runs them in field
//! order, names parameters after the fields, and works wherever a tuple model does.

#![cfg(feature = "io")]
use shaped::io::{
    checkpoint_to_bytes, load_checkpoint_bytes, load_weights_bytes, weights_to_bytes,
};
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Dropout, Layer, Model, Params, Relu, Residual, Softmax, value_and_grad};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, FitConfig};
use shaped::{Dim, Tensor};

type X = Tensor<(usize, Dim<6>)>;

#[derive(Clone, Debug, PartialEq, Params, Model)]
#[model(input = Tensor<(usize, Dim<6>)>)]
struct Classifier {
    hidden: Dense<6, 16, Relu>,
    block: Residual<Dense<16, 16, Relu>>,
    out: Dense<16, 3, Softmax>,
}

fn classifier(seed: u64) -> Classifier {
    Classifier {
        hidden: Dense::new(seed),
        block: Residual(Dense::new(seed + 1)),
        out: Dense::new(seed + 2),
    }
}

fn data() -> (X, Tensor<(usize,), u8>) {
    let x = X::random_uniform((300, Dim), -1.0, 1.0, 3);
    let y = Tensor::from_fn((300,), |[i]| {
        (x[[i, 0]] + x[[i, 1]] > 0.0) as u8 + (x[[i, 2]] > 0.5) as u8
    });
    (x, y)
}

#[test]
fn runs_like_the_tuple_of_its_fields() {
    let m = classifier(0);
    let tuple = (m.hidden.clone(), m.block.clone(), m.out.clone());
    let (x, y) = data();
    assert_eq!(m.forward(&x), tuple.forward(&x));
    let loss = SparseCategoricalCrossentropy::default();
    let (v1, g1) = value_and_grad(&mut m.clone(), &loss, &x, &y).unwrap();
    let (v2, g2) = value_and_grad(&mut tuple.clone(), &loss, &x, &y).unwrap();
    assert_eq!(v1, v2);
    assert_eq!((g1.hidden, g1.block, g1.out), g2);
}

#[test]
fn parameters_are_named_after_the_fields() {
    let mut names = Vec::new();
    classifier(0).visit("", &mut |name, _, _| names.push(name.to_string()));
    assert_eq!(
        names,
        [
            "hidden.kernel",
            "hidden.bias",
            "block.0.kernel",
            "block.0.bias",
            "out.kernel",
            "out.bias"
        ]
    );
}

#[test]
fn fits_saves_and_resumes() {
    let (x, y) = data();
    let mut model = shaped::train::Model::compile(
        classifier(1),
        RmsProp::new(0.01),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );
    let config = FitConfig {
        epochs: 30,
        batch_size: 32,
        verbose: false,
        ..FitConfig::default()
    };
    let history = model.fit(&x, &y, &config).unwrap();
    assert!(
        history.epochs.last().unwrap().metric.unwrap() > 0.9,
        "{history:?}"
    );
    let bytes = weights_to_bytes(&model.net).unwrap();
    let mut restored = classifier(9);
    load_weights_bytes(&mut restored, &bytes).unwrap();
    assert_eq!(restored, model.net);
    let checkpoint = checkpoint_to_bytes(&model.net, &mut model.optimizer).unwrap();
    let mut opt = RmsProp::new(0.01);
    load_checkpoint_bytes(&mut restored, &mut opt, &checkpoint).unwrap();
}

/// A struct model with training-time state: dropout's mask moves on every step.
#[derive(Clone, Params, Model)]
#[model(input = Tensor<(usize, Dim<6>)>)]
struct WithDropout(Dense<6, 32, Relu>, Dropout, Dense<32, 3, Softmax>);

#[test]
fn tuple_structs_and_state_work_too() {
    let (x, y) = data();
    let mut m = WithDropout(Dense::new(0), Dropout::new(0.5, 1), Dense::new(2));
    let loss = SparseCategoricalCrossentropy::default();
    let (_, a) = value_and_grad(&mut m, &loss, &x, &y).unwrap();
    let (_, b) = value_and_grad(&mut m, &loss, &x, &y).unwrap();
    assert_ne!(a.0, b.0, "a new mask each step");
    let mut names = Vec::new();
    m.visit_config("", &mut |name, value| names.push(format!("{name}={value}")));
    assert_eq!(names, ["1.rate=0.5", "1.seed=1"]);
}
