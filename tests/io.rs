//! Saving and loading weights and checkpoints: bit-exact round trips, every kind of bad
//! file, PyTorch's nn.Linear layout, and training resumed in a fresh process.

#![cfg(feature = "io")]
use std::path::PathBuf;

use proptest::prelude::*;
use shaped::io::{
    IoError, checkpoint_to_bytes, load_checkpoint, load_torch_dense, load_weights,
    load_weights_bytes, save_checkpoint, save_weights, weights_to_bytes,
};
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Init, Layer, Linear, Relu, Softmax, Tanh};
use shaped::optim::{Adam, RmsProp, Sgd};
use shaped::train::{Accuracy, FitConfig, Model};
use shaped::{Dim, Tensor};

#[path = "common/scratch.rs"]
mod scratch;
use scratch::scratch_file as temp;

type Net = (Dense<4, 8, Relu>, Dense<8, 3, Softmax>);

fn net(seed: u64) -> Net {
    (
        Dense::with_init(Init::GlorotUniform, Init::Uniform(-1.0, 1.0), seed),
        Dense::new(seed + 1),
    )
}

#[test]
fn weights_round_trip_bit_exact_with_documented_names() {
    let model = net(1);
    let bytes = weights_to_bytes(&model).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort();
    assert_eq!(names, ["0.bias", "0.kernel", "1.bias", "1.kernel"]);
    assert_eq!(file.tensor("0.kernel").unwrap().shape(), [4, 8]);
    let mut restored = net(99);
    load_weights_bytes(&mut restored, &bytes).unwrap();
    assert_eq!(restored, model);
    let path = temp("weights.safetensors");
    save_weights(&model, &path).unwrap();
    let mut from_file = net(5);
    load_weights(&mut from_file, &path).unwrap();
    assert_eq!(weights_to_bytes(&from_file).unwrap(), bytes);
}

#[test]
fn loading_checks_every_tensor() {
    let bytes = weights_to_bytes(&net(1)).unwrap();
    let err = |r: Result<(), IoError>| r.unwrap_err().to_string();

    // Missing: a model with one more layer.
    let mut bigger = (
        Dense::<4, 8, Relu>::new(0),
        Dense::<8, 3, Tanh>::new(1),
        Dense::<3, 3, Softmax>::new(2),
    );
    assert_eq!(
        err(load_weights_bytes(&mut bigger, &bytes)),
        "tensor `2.kernel` is missing from the file"
    );

    // Extra: a model with one layer fewer.
    let mut smaller = (Dense::<4, 8, Relu>::new(0),);
    assert_eq!(
        err(load_weights_bytes(&mut smaller, &bytes)),
        "the file holds tensors the model does not have: 1.bias, 1.kernel"
    );

    // Shape: both shapes named.
    let mut wider = (Dense::<4, 9, Relu>::new(0), Dense::<9, 3, Softmax>::new(1));
    assert_eq!(
        err(load_weights_bytes(&mut wider, &bytes)),
        "tensor `0.kernel` has shape [4, 8] in the file, the model needs [4, 9]"
    );

    // Dtype: an f64 model reading f32 weights.
    let mut double = (
        Dense::<4, 8, Relu, f64>::new(0),
        Dense::<8, 3, Softmax, f64>::new(1),
    );
    assert_eq!(
        err(load_weights_bytes(&mut double, &bytes)),
        "tensor `0.kernel` is F32 in the file, the model needs F64"
    );

    // Truncated and corrupt files: errors, and the model is left unchanged.
    let mut model = net(3);
    let before = model.clone();
    for cut in [0, 7, 8, 20, bytes.len() / 2, bytes.len() - 1] {
        let msg = err(load_weights_bytes(&mut model, &bytes[..cut]));
        assert!(
            msg.starts_with("not a valid safetensors file"),
            "cut {cut}: {msg}"
        );
    }
    let mut garbage = bytes.clone();
    garbage[8..16].copy_from_slice(b"{{{{{{{{");
    assert!(
        err(load_weights_bytes(&mut model, &garbage)).starts_with("not a valid safetensors file")
    );
    assert_eq!(model, before);

    let missing = load_weights(&mut model, temp("does-not-exist.safetensors")).unwrap_err();
    assert!(matches!(missing, IoError::Io { .. }));
}

#[test]
fn pytorch_linear_state_dict_loads_transposed() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/torch_linear.safetensors");
    let layer = load_torch_dense::<4, 3, Linear, f32>(&path, "fc").unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let read = |name: &str| -> Vec<f32> {
        file.tensor(name)
            .unwrap()
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let x = Tensor::<(Dim<2>, Dim<4>)>::from_vec(Default::default(), read("check.input"));
    let y = layer.forward(&x);
    for (a, b) in y.as_slice().iter().zip(read("check.output")) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
    let weight = read("fc.weight"); // [out, in]
    assert_eq!(layer.kernel[[1, 2]], weight[2 * 4 + 1]);
    let wrong = load_torch_dense::<3, 4, Linear, f32>(&path, "fc").unwrap_err();
    assert_eq!(
        wrong.to_string(),
        format!(
            "{}: tensor `fc.weight` has shape [3, 4] in the file, the model needs [4, 3]",
            path.display()
        )
    );
}

// --- Resuming training: 3 epochs in one run equal 1 epoch, save, load in a fresh process,
// 2 more epochs. RMSprop with momentum and centering exercises every state slot.

type SpiralNet = (Dense<2, 16, Tanh>, Dense<16, 2, Softmax>);

fn spiral_data() -> (Tensor<(usize, Dim<2>)>, Tensor<(usize,), u8>) {
    let x = Tensor::from_fn((200, Dim), |[i, j]| {
        let r = (i / 2) as f32 / 100.0;
        let a = 2.0 * std::f32::consts::PI * r + (i % 2) as f32 * std::f32::consts::PI;
        if j == 0 { r * a.cos() } else { r * a.sin() }
    });
    (x, Tensor::from_fn((200,), |[i]| (i % 2) as u8))
}

fn optimizer() -> RmsProp<SpiralNet> {
    let mut opt = RmsProp::new(0.01);
    opt.momentum = 0.5;
    opt.centered = true;
    opt
}

fn fit(
    model: &mut Model<SpiralNet, RmsProp<SpiralNet>, SparseCategoricalCrossentropy>,
    from: usize,
    to: usize,
) {
    let (x, y) = spiral_data();
    let config = FitConfig {
        epochs: to,
        initial_epoch: from,
        batch_size: 16,
        seed: 3,
        verbose: false,
        ..Default::default()
    };
    model.fit(&x, &y, &config).unwrap();
}

fn fresh_model(seed: u64) -> Model<SpiralNet, RmsProp<SpiralNet>, SparseCategoricalCrossentropy> {
    Model::compile(
        (Dense::new(seed), Dense::new(seed + 1)),
        optimizer(),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    )
}

#[test]
fn resumed_training_is_bit_identical_in_a_fresh_process() {
    let mut straight = fresh_model(10);
    fit(&mut straight, 0, 3);

    let mut first = fresh_model(10);
    fit(&mut first, 0, 1);
    let checkpoint = temp("resume.safetensors");
    let result = temp("resumed-weights.safetensors");
    save_checkpoint(&first.net, &mut first.optimizer, &checkpoint).unwrap();

    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["resume_child", "--exact", "--ignored", "--test-threads=1"])
        .env("SHAPED_RESUME_FROM", &checkpoint)
        .env("SHAPED_RESUME_TO", &result)
        .status()
        .unwrap();
    assert!(status.success(), "the child process failed");

    let mut resumed: SpiralNet = (Dense::new(77), Dense::new(78));
    load_weights(&mut resumed, &result).unwrap();
    assert_eq!(
        weights_to_bytes(&resumed).unwrap(),
        weights_to_bytes(&straight.net).unwrap()
    );
    assert_eq!(resumed, straight.net);
}

#[test]
#[ignore = "the second half of resumed_training_is_bit_identical_in_a_fresh_process, run in a child process"]
fn resume_child() {
    let (Some(from), Some(to)) = (
        std::env::var_os("SHAPED_RESUME_FROM"),
        std::env::var_os("SHAPED_RESUME_TO"),
    ) else {
        return;
    };
    // A different initialisation: everything must come from the checkpoint.
    let mut model = fresh_model(1234);
    load_checkpoint(&mut model.net, &mut model.optimizer, &from).unwrap();
    fit(&mut model, 1, 3);
    save_weights(&model.net, &to).unwrap();
}

#[test]
fn checkpoints_name_optimizer_state() {
    let mut model = fresh_model(0);
    fit(&mut model, 0, 1);
    let bytes = checkpoint_to_bytes(&model.net, &mut model.optimizer).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort();
    assert!(names.contains(&"model.0.kernel"));
    assert!(names.contains(&"optimizer.mean_square.1.bias"));
    assert!(names.contains(&"optimizer.mean_grad.0.kernel"));
    assert!(names.contains(&"optimizer.velocity.0.bias"));
    assert!(names.contains(&"optimizer.iterations"));
    assert_eq!(names.len(), 4 * 4 + 1);

    // Other optimizers round-trip their state too, after real steps (moments and step
    // counter): the restored optimizer writes the same checkpoint, bit for bit.
    for optimizer in [Adam::new(0.01), Adam::adamw(0.01)] {
        let mut trained = Model::compile(
            net(1),
            optimizer,
            SparseCategoricalCrossentropy::default(),
            (),
        );
        let x = Tensor::<(usize, Dim<4>)>::random_uniform((64, Dim), -1.0, 1.0, 3);
        let y = Tensor::<(usize,), u8>::from_fn((64,), |[i]| (i % 3) as u8);
        let config = FitConfig {
            epochs: 2,
            batch_size: 16,
            verbose: false,
            ..FitConfig::default()
        };
        trained.fit(&x, &y, &config).unwrap();
        let bytes = checkpoint_to_bytes(&trained.net, &mut trained.optimizer).unwrap();
        let mut restored_net = net(5);
        let mut fresh = if trained.optimizer.weight_decay == 0.0 {
            Adam::new(0.01)
        } else {
            Adam::adamw(0.01)
        };
        shaped::io::load_checkpoint_bytes(&mut restored_net, &mut fresh, &bytes).unwrap();
        assert_eq!(shaped::optim::Optimizer::<Net, f32>::iterations(&fresh), 8);
        assert_eq!(
            checkpoint_to_bytes(&restored_net, &mut fresh).unwrap(),
            bytes
        );
    }
    let mut net_a = net(1);
    let mut sgd: Sgd<Net> = Sgd::new(0.1).with_momentum(0.9);
    let bytes = checkpoint_to_bytes(&net_a, &mut sgd).unwrap();
    // Another optimizer's hyper-parameters: refused, naming both.
    let mut plain: Sgd<Net> = Sgd::new(0.1);
    let e = shaped::io::load_checkpoint_bytes(&mut net_a, &mut plain, &bytes).unwrap_err();
    assert!(matches!(e, IoError::Optimizer { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "the checkpoint was written by optimizer sgd(learning_rate=Constant(0.1), momentum=0.9, nesterov=false), \
         it is being loaded into sgd(learning_rate=Constant(0.1), momentum=0, nesterov=false)"
    );
}

#[test]
fn checkpoints_refuse_an_optimizer_of_another_kind_or_setting() {
    let net_a = net(1);
    let mut adam: Adam<Net> = Adam::new(0.01);
    let bytes = checkpoint_to_bytes(&net_a, &mut adam).unwrap();
    // Same state slots, other meaning: Adam's state into AdamW, or another learning rate.
    for mut other in [Adam::adamw(0.01), Adam::new(0.02)] {
        let mut target = net(2);
        let before = target.clone();
        let e = shaped::io::load_checkpoint_bytes(&mut target, &mut other, &bytes).unwrap_err();
        assert!(matches!(e, IoError::Optimizer { .. }), "{e}");
        assert_eq!(target, before, "the model is unchanged");
    }
    let mut rms: RmsProp<Net> = RmsProp::new(0.001);
    let bytes = checkpoint_to_bytes(&net_a, &mut rms).unwrap();
    let mut other: RmsProp<Net> = RmsProp::new(0.01);
    let e = shaped::io::load_checkpoint_bytes(&mut net(2), &mut other, &bytes).unwrap_err();
    assert!(
        e.to_string()
            .contains("rmsprop(learning_rate=Constant(0.001)"),
        "{e}"
    );
}

#[test]
fn file_errors_name_the_file() {
    let path = temp("other-model.safetensors");
    save_weights(&net(0), &path).unwrap();
    let mut wrong = (Dense::<4, 9, Relu>::new(0), Dense::<9, 3, Softmax>::new(1));
    let e = load_weights(&mut wrong, &path).unwrap_err();
    let message = e.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(matches!(e.kind(), IoError::Shape { .. }), "{message}");
    let mut adam: Adam<Net> = Adam::new(0.01);
    let e = load_checkpoint(&mut net(0), &mut adam, &path).unwrap_err();
    assert!(
        e.to_string().starts_with(&path.display().to_string()),
        "{e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_weights_round_trip(values in prop::collection::vec(any::<f32>(), 4 * 8 + 8 + 8 * 3 + 3)) {
        let mut model = net(0);
        let mut i = 0;
        shaped::nn::Params::visit_mut(&mut model, &mut |v: &mut [f32]| {
            for x in v.iter_mut() {
                *x = values[i];
                i += 1;
            }
        });
        let bytes = weights_to_bytes(&model).unwrap();
        let mut back = net(1);
        load_weights_bytes(&mut back, &bytes).unwrap();
        let (a, b) = (weights_to_bytes(&back).unwrap(), bytes);
        prop_assert_eq!(a, b); // bitwise, NaN payloads included
    }
}

/// Writes a real checkpoint of the checkpoint fuzz target's model and optimizer (after a
/// step, so that every state slot holds values) for `scripts/fuzz.sh` to seed its corpus,
/// and checks that it loads.
#[test]
fn checkpoint_fuzz_seed_loads() {
    type FuzzNet = (Dense<4, 3, Relu>, Dense<3, 2, Softmax>);
    let mut model = Model::compile(
        (Dense::<4, 3, Relu>::new(0), Dense::<3, 2, Softmax>::new(1)),
        RmsProp::<FuzzNet>::default(),
        SparseCategoricalCrossentropy::default(),
        (),
    );
    let x = Tensor::<(usize, Dim<4>)>::random_uniform((8, Dim), -1.0, 1.0, 0);
    let y = Tensor::<(usize,), u8>::from_fn((8,), |[i]| (i % 2) as u8);
    model.train_step(&x, &y).unwrap();
    let bytes = checkpoint_to_bytes(&model.net, &mut model.optimizer).unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-seeds");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("checkpoint-rmsprop"), &bytes).unwrap();
    let mut net: FuzzNet = (Dense::new(5), Dense::new(6));
    let mut opt = RmsProp::<FuzzNet>::default();
    shaped::io::load_checkpoint_bytes(&mut net, &mut opt, &bytes).unwrap();
    assert_eq!(net, model.net);
}

// --- Resuming Adam with a decaying learning rate: the step counter drives both the bias
// correction and the schedule, so a resume that lost it would drift (0.7656 vs 0.8000).

type AdamModel = Model<SpiralNet, Adam<SpiralNet>, SparseCategoricalCrossentropy>;

fn adam_model(seed: u64) -> AdamModel {
    let schedule = shaped::optim::Schedule::ExponentialDecay {
        initial: 0.02,
        decay_steps: 5,
        decay_rate: 0.8,
        staircase: false,
    };
    Model::compile(
        (Dense::new(seed), Dense::new(seed + 1)),
        Adam::new(schedule),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    )
}

fn fit_adam(model: &mut AdamModel, from: usize, to: usize) -> Vec<f64> {
    let (x, y) = spiral_data();
    let config = FitConfig {
        epochs: to,
        initial_epoch: from,
        batch_size: 16,
        seed: 3,
        verbose: false,
        ..Default::default()
    };
    let history = model.fit(&x, &y, &config).unwrap();
    history.epochs.iter().map(|e| e.loss).collect()
}

#[test]
fn resumed_adam_with_a_schedule_matches_straight_training_in_a_fresh_process() {
    let mut straight = adam_model(10);
    let losses = fit_adam(&mut straight, 0, 3);

    let mut first = adam_model(10);
    fit_adam(&mut first, 0, 1);
    let checkpoint = temp("resume-adam.safetensors");
    let result = temp("resumed-adam.safetensors");
    save_checkpoint(&first.net, &mut first.optimizer, &checkpoint).unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "resume_adam_child",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env("SHAPED_RESUME_FROM", &checkpoint)
        .env("SHAPED_RESUME_TO", &result)
        .status()
        .unwrap();
    assert!(status.success(), "the child process failed");

    // The whole state, bit for bit: weights, both moments, the step counter.
    let resumed = std::fs::read(&result).unwrap();
    let expected = checkpoint_to_bytes(&straight.net, &mut straight.optimizer).unwrap();
    assert!(resumed == expected, "the resumed checkpoint differs");
    // And the trajectory: the child's epoch losses follow the straight run's.
    let child_losses = std::fs::read_to_string(result.with_extension("losses")).unwrap();
    let want: Vec<String> = losses[1..].iter().map(|l| format!("{l:e}")).collect();
    assert_eq!(child_losses.trim(), want.join(" "));
}

#[test]
#[ignore = "the second half of resumed_adam_with_a_schedule_matches_straight_training_in_a_fresh_process"]
fn resume_adam_child() {
    let (Some(from), Some(to)) = (
        std::env::var_os("SHAPED_RESUME_FROM"),
        std::env::var_os("SHAPED_RESUME_TO"),
    ) else {
        return;
    };
    let mut model = adam_model(999);
    load_checkpoint(&mut model.net, &mut model.optimizer, &from).unwrap();
    let losses = fit_adam(&mut model, 1, 3);
    save_checkpoint(&model.net, &mut model.optimizer, &to).unwrap();
    let text: Vec<String> = losses.iter().map(|l| format!("{l:e}")).collect();
    std::fs::write(PathBuf::from(to).with_extension("losses"), text.join(" ")).unwrap();
}
