//! `#[derive(Params)]`: parameters by field name, buffers that optimizers never touch but
//! files keep, and settings recorded in the file and checked on load.

#![cfg(feature = "io")]
use shaped::io::{IoError, load_weights_bytes, weights_to_bytes};
use shaped::nn::{Dense, Params, Relu};
use shaped::optim::{Adam, Optimizer};
use shaped::{Dim, Tensor};

/// A block with a trainable layer, a buffer (running statistics) and a setting.
#[derive(Clone, Debug, PartialEq, Params)]
struct Block {
    hidden: Dense<3, 4, Relu>,
    #[params(buffer)]
    running_mean: Tensor<(Dim<4>,)>,
    #[params(config)]
    momentum: f32,
    #[params(skip)]
    calls: usize,
}

fn block(seed: u64) -> Block {
    Block {
        hidden: Dense::new(seed),
        running_mean: Tensor::from([0.5, -1.0, 2.0, 0.25]),
        momentum: 0.99,
        calls: 7,
    }
}

#[derive(Clone, Debug, PartialEq, Params)]
struct Model(Block, Dense<4, 2>);

#[test]
fn fields_are_named_like_a_state_dict() {
    let m = Model(block(0), Dense::new(1));
    let mut params = Vec::new();
    m.visit("", &mut |name, _, dims| {
        params.push(format!("{name} {dims:?}"))
    });
    assert_eq!(
        params,
        [
            "0.hidden.kernel [3, 4]",
            "0.hidden.bias [4]",
            "1.kernel [4, 2]",
            "1.bias [2]"
        ]
    );
    let mut buffers = Vec::new();
    m.visit_buffers("", &mut |name, _, _| buffers.push(name.to_string()));
    assert_eq!(buffers, ["0.running_mean"]);
    let mut config = Vec::new();
    m.visit_config("", &mut |name, value| {
        config.push(format!("{name}={value}"))
    });
    assert_eq!(config, ["0.momentum=0.99"]);
    assert_eq!(Params::<f32>::num_params(&m), 3 * 4 + 4 + 4 * 2 + 2);
}

#[test]
fn optimizers_and_weight_decay_never_touch_buffers() {
    let mut m = Model(block(0), Dense::new(1));
    let mut grads = m.zeros_like();
    grads.visit_mut(&mut |v| v.iter_mut().for_each(|g| *g = 1.0));
    // zeros_like zeroes parameters only: the gradient value's buffer is the model's copy.
    let mut adamw: Adam<Model> = Adam::adamw(0.1);
    let before = m.clone();
    for _ in 0..3 {
        adamw.step(&mut m, &grads);
    }
    assert_ne!(m.0.hidden, before.0.hidden, "parameters moved");
    assert_eq!(
        m.0.running_mean, before.0.running_mean,
        "the buffer did not"
    );
}

#[test]
fn buffers_and_settings_survive_save_and_load() {
    let mut trained = Model(block(0), Dense::new(1));
    trained.0.running_mean = Tensor::from([9.0, 8.0, 7.0, 6.0]);
    let bytes = weights_to_bytes(&trained).unwrap();
    let mut restored = Model(block(5), Dense::new(6));
    load_weights_bytes(&mut restored, &bytes).unwrap();
    assert_eq!(restored.0.hidden, trained.0.hidden);
    assert_eq!(restored.0.running_mean, trained.0.running_mean);
    assert_eq!(weights_to_bytes(&restored).unwrap(), bytes, "bit for bit");
}

#[test]
fn another_setting_is_refused_with_both_values() {
    let trained = Model(block(0), Dense::new(1));
    let bytes = weights_to_bytes(&trained).unwrap();
    let mut other = Model(block(0), Dense::new(1));
    other.0.momentum = 0.9;
    let before = other.clone();
    let err = load_weights_bytes(&mut other, &bytes).unwrap_err();
    assert!(matches!(err, IoError::Config { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "setting `0.momentum` is 0.99 in the file, the model has 0.9"
    );
    assert_eq!(other, before, "unchanged on error");
}

#[test]
fn a_missing_buffer_is_named() {
    // Weights saved from a model without the buffer: the loader names what is missing.
    let plain = (Dense::<3, 4, Relu>::new(0), Dense::<4, 2>::new(1));
    let bytes = weights_to_bytes(&plain).unwrap();
    #[derive(Clone, Params)]
    struct WithStats(
        Dense<3, 4, Relu>,
        Dense<4, 2>,
        #[params(buffer)] Tensor<(Dim<2>,)>,
    );
    let mut m = WithStats(
        Dense::new(0),
        Dense::new(1),
        Tensor::zeros(Default::default()),
    );
    let err = load_weights_bytes(&mut m, &bytes).unwrap_err();
    assert_eq!(err.to_string(), "tensor `2` is missing from the file");
}
