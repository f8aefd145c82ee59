//! The book's chapter 8 convnet, timed (no data files needed): one epoch of synthetic
//! MNIST-shaped data (60,000 images, batch 64, RMSprop) on 1 and 2 threads, the heap
//! allocations of a warmed-up step, and single-image inference on 1 and 2 threads. Prints the products'
//! share of the work as GFLOP/s and as a fraction of this machine's large-product rate
//! (a 1024 x 1024 x 1024 f32 product through the same kernels, measured in the same run).
//!
//! ```text
//! cargo run --release --example convnet_speed -- [--samples N]
//! ```

use std::time::Instant;

use shaped::nn::Layer;
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, FitConfig, Model};
use shaped::{Dim, Tensor};

mod common;

use common::convnet::{Convnet, convnet};

#[global_allocator]
static GLOBAL: common::counting_alloc::Counting = common::counting_alloc::Counting;

type Images = Tensor<(usize, Dim<28>, Dim<28>, Dim<1>)>;
type Labels = Tensor<(usize,), u8>;

/// Multiply-adds of one image's forward pass, times 2: 6.2 MFLOP.
const FORWARD_FLOP: f64 =
    2.0 * (676.0 * 9.0 * 32.0 + 121.0 * 288.0 * 64.0 + 9.0 * 576.0 * 128.0 + 1152.0 * 10.0);
/// Backward: weight gradients of every layer and input gradients of all but the first.
const BACKWARD_FLOP: f64 = 2.0 * FORWARD_FLOP - 2.0 * 676.0 * 9.0 * 32.0;

fn net() -> Convnet {
    convnet(0)
}

fn model() -> Model<Convnet, RmsProp<Convnet>, SparseCategoricalCrossentropy> {
    Model::compile(
        net(),
        RmsProp::default(),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    )
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn epoch_seconds(x: &Images, y: &Labels, threads: usize) -> f64 {
    shaped::ops::set_num_threads(threads);
    let mut m = model();
    let config = FitConfig {
        epochs: 1,
        batch_size: 64,
        verbose: false,
        ..FitConfig::default()
    };
    let start = Instant::now();
    m.fit(x, y, &config).expect("valid data");
    start.elapsed().as_secs_f64()
}

/// GFLOP/s of a large square product through the crate's kernels (best of 5).
fn gemm_rate(threads: usize) -> f64 {
    shaped::ops::set_num_threads(threads);
    let a = Tensor::<(Dim<1024>, Dim<1024>)>::random_uniform(Default::default(), -1.0, 1.0, 1);
    let b = Tensor::<(Dim<1024>, Dim<1024>)>::random_uniform(Default::default(), -1.0, 1.0, 2);
    let mut c = a.matmul(&b);
    let best = (0..5)
        .map(|_| {
            let start = Instant::now();
            a.try_matmul_into(&b, &mut c).expect("same shapes");
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    2.0 * 1024f64.powi(3) / best / 1e9
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let samples: usize = common::flag(&args, "--samples")
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or(60_000);
    println!("kernel: {}", shaped::ops::f32_kernel());
    let x = Images::random_uniform((samples, Dim, Dim, Dim), 0.0, 1.0, 7);
    let y = Labels::from_fn((samples,), |[i]| (i % 10) as u8);
    let epoch_flop = samples as f64 * (FORWARD_FLOP + BACKWARD_FLOP);
    println!("epoch_gflop: {:.0}", epoch_flop / 1e9);

    for threads in [1, 2] {
        let peak = gemm_rate(threads);
        let seconds = epoch_seconds(&x, &y, threads);
        let rate = epoch_flop / seconds / 1e9;
        println!(
            "epoch_s_{threads}thread: {seconds:.2} ({rate:.0} GFLOP/s; large products run at {peak:.0}: {:.2} of that)",
            rate / peak
        );
    }

    // Allocations of warmed-up training steps.
    shaped::ops::set_num_threads(2);
    let mut m = model();
    let batch_x = x.rows(0..64);
    let batch_y = y.rows(0..64);
    m.train_step(&batch_x, &batch_y).expect("valid batch");
    m.train_step(&batch_x, &batch_y).expect("valid batch");
    let before = common::counting_alloc::allocations();
    for _ in 0..5 {
        m.train_step(&batch_x, &batch_y).expect("valid batch");
    }
    println!(
        "train_step_allocs: {}",
        common::counting_alloc::allocations() - before
    );

    // One image at a time, as an application classifies: on one thread, and on two
    // (the larger layers split the image's output over the threads). The thread counts
    // alternate in rounds of 100, so that both see the machine's same moments.
    let net = net();
    let one = x.rows(0..1);
    let mut times = [Vec::new(), Vec::new()];
    for round in 0..20 {
        let threads = round % 2 + 1;
        shaped::ops::set_num_threads(threads);
        for _ in 0..100 {
            let start = Instant::now();
            let p = net.forward(std::hint::black_box(&one));
            std::hint::black_box(&p);
            times[threads - 1].push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    for (threads, times) in [1, 2].into_iter().zip(times) {
        println!("infer_us_1image_{threads}thread: {:.0}", median(times));
    }
}
