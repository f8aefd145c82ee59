//! The chapter's training and inference workload, timed: 784 -> 512 relu -> 10 softmax,
//! RMSprop, batch 128, 60000 samples per epoch, on synthetic data of MNIST's shape and
//! sparsity (no data files needed). Medians of several repetitions after a warm-up.
//!
//! ```text
//! cargo run --release --example speed
//! ```

use std::time::Instant;

use shaped::embed::{FixedMlp, FixedWeights};
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Relu, Softmax};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, FitConfig, Model};
use shaped::{Dim, Tensor};

mod common;

/// Counts heap allocations so the program can prove a path makes none.
#[global_allocator]
static GLOBAL: common::counting_alloc::Counting = common::counting_alloc::Counting;

type Net = (Dense<784, 512, Relu>, Dense<512, 10, Softmax>);
type Images = Tensor<(usize, Dim<784>)>;
type Labels = Tensor<(usize,), u8>;

/// Images with MNIST's shape and sparsity (about 19% of pixels lit), random labels.
fn synthetic(n: usize) -> (Images, Labels) {
    let noise = Images::random_uniform((n, Dim), 0.0, 1.0, 7);
    let x = noise.map(|v| if v < 0.19 { v / 0.19 } else { 0.0 });
    let y = Tensor::<(usize,), f32>::random_uniform((n,), 0.0, 10.0, 8).map(|v| v as u8);
    (x, y)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn model() -> Model<Net, RmsProp<Net>, SparseCategoricalCrossentropy> {
    let net: Net = (Dense::new(0), Dense::new(1));
    Model::compile(
        net,
        RmsProp::default(),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    )
}

fn epoch_seconds(x: &Images, y: &Labels, threads: usize, reps: usize) -> f64 {
    shaped::ops::set_num_threads(threads);
    let mut m = model();
    let config = FitConfig {
        epochs: 1,
        batch_size: 128,
        verbose: false,
        ..FitConfig::default()
    };
    m.fit(x, y, &config).expect("valid data"); // warm-up
    let times = (0..reps)
        .map(|rep| {
            let config = FitConfig {
                epochs: rep + 2,
                initial_epoch: rep + 1,
                ..config.clone()
            };
            let start = Instant::now();
            m.fit(x, y, &config).expect("valid data");
            start.elapsed().as_secs_f64()
        })
        .collect();
    median(times)
}

fn main() {
    println!("kernel: {}", shaped::ops::f32_kernel());
    let (x, y) = synthetic(60_000);
    let one = epoch_seconds(&x, &y, 1, 3);
    println!("epoch_s_1thread: {one:.3}");
    let two = epoch_seconds(&x, &y, 2, 3);
    println!("epoch_s_2threads: {two:.3}");

    // Single-sample inference of the trained-shape MLP through fixed-size storage.
    let m = model();
    let (w1, w2) = (
        FixedWeights::from_dense(&m.net.0),
        FixedWeights::from_dense(&m.net.1),
    );
    let fixed = FixedMlp::new(w1.layer::<Relu>(), w2.layer::<Softmax>());
    let samples: Vec<[f32; 784]> = (0..1000)
        .map(|i| {
            x.as_slice()[i * 784..(i + 1) * 784]
                .try_into()
                .expect("784 pixels")
        })
        .collect();
    let mut sink = 0usize;
    for s in &samples {
        sink += fixed.classify(s).0; // warm-up
    }
    let times: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            for s in &samples {
                sink += fixed.classify(s).0;
            }
            start.elapsed().as_secs_f64() * 1e6 / samples.len() as f64
        })
        .collect();
    println!("infer_us: {:.1}", median(times));

    // Allocations of one warmed-up training step and of one inference call.
    let mut m = model();
    let (xb, yb) = (x.rows(0..128), y.rows(0..128));
    m.train_step(&xb, &yb).expect("valid batch");
    m.train_step(&xb, &yb).expect("valid batch");
    let before = common::counting_alloc::allocations();
    m.train_step(&xb, &yb).expect("valid batch");
    println!(
        "train_step_allocs: {}",
        common::counting_alloc::allocations() - before
    );
    let before = common::counting_alloc::allocations();
    sink += fixed.classify(&samples[0]).0;
    println!(
        "infer_allocs: {}",
        common::counting_alloc::allocations() - before
    );
    std::hint::black_box(sink);
}
