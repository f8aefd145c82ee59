//! The chapter's training and inference workload, timed: 784 -> 512 relu -> 10 softmax,
//! RMSprop, batch 128, 60000 samples per epoch, on synthetic data of MNIST's shape and
//! sparsity (no data files needed). Medians of several repetitions after a warm-up.
//!
//! Besides times it prints the machine's measured peak (`shaped::ops::peak_gflops`, an FMA
//! probe) and each epoch's efficiency: its 98.2 GFLOP of products (per sample: 2 x 784 x 512
//! forward, the same for the kernel's gradient, and 3 x 2 x 512 x 10 for the output layer)
//! divided by the time and by that peak.
//!
//! ```text
//! cargo run --release --example speed
//! ```

use std::time::Instant;

use shaped::embed::{
    Bf16, Bf16Dense, Bf16Weights, FixedDense, FixedLayer, FixedMlp, FixedWeights, Int8Dense,
    Int8Weights, ParallelDense, ParallelInt8Dense, input_scale,
};
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Layer, Relu, Softmax};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, FitConfig, Model};
use shaped::{Dim, Tensor};

mod common;

/// Counts heap allocations so the program can prove a path makes none.
#[global_allocator]
static GLOBAL: common::counting_alloc::Counting = common::counting_alloc::Counting;

type Net = (Dense<784, 512, Relu>, Dense<512, 10, Softmax>);
/// The fixed-size net with its hidden layer split over the worker pool.
type ParallelNet = (
    ParallelDense<784, 512, Relu>,
    FixedDense<'static, 512, 10, Softmax>,
);
type Bf16Net = (
    Bf16Dense<'static, 784, 512, Relu>,
    Bf16Dense<'static, 512, 10, Softmax>,
);
/// The bf16 net with its hidden layer split over the worker pool.
type ParallelBf16Net = (
    ParallelDense<784, 512, Relu, Bf16>,
    Bf16Dense<'static, 512, 10, Softmax>,
);
/// The int8 net with its hidden layer split over the worker pool.
type ParallelInt8Net = (
    ParallelInt8Dense<784, 512, Relu>,
    Int8Dense<'static, 512, 10, Softmax>,
);
type Int8Net = (
    Int8Dense<'static, 784, 512, Relu>,
    Int8Dense<'static, 512, 10, Softmax>,
);
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

/// Products of one epoch: forward and kernel gradient of both layers, and the hidden
/// layer's input gradient (the first layer's input gradient is not computed).
const EPOCH_FLOPS: f64 = 60_000.0 * 2.0 * (2.0 * 784.0 * 512.0 + 3.0 * 512.0 * 10.0);

/// One single-sample measurement: its output line, its thread count, and one call on
/// input row `i` (returning something to keep, so the work is not optimised away).
struct Case<'a> {
    line: &'static str,
    threads: usize,
    call: Box<dyn FnMut(usize) -> usize + 'a>,
}

impl<'a> Case<'a> {
    fn new(line: &'static str, threads: usize, call: impl FnMut(usize) -> usize + 'a) -> Self {
        Case {
            line,
            threads,
            call: Box::new(call),
        }
    }
}

/// Median microseconds per call of each case: 9 rounds of 1000 calls (rows 0..1000, each
/// round after 1000 warm-up calls), the cases' rounds interleaved, so that a burst of noise
/// on a shared machine costs every case a round rather than one case all of its rounds.
fn interleaved_us(cases: &mut [Case<'_>]) -> Vec<f64> {
    let mut times = vec![Vec::new(); cases.len()];
    let mut sink = 0;
    for _ in 0..9 {
        for (case, rounds) in cases.iter_mut().zip(&mut times) {
            shaped::ops::set_num_threads(case.threads);
            (0..1000).for_each(|i| sink += (case.call)(i));
            let start = Instant::now();
            (0..1000).for_each(|i| sink += (case.call)(i));
            rounds.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    std::hint::black_box(sink);
    times.into_iter().map(median).collect()
}

fn main() {
    println!("kernel: {}", shaped::ops::f32_kernel());
    let peak1 = shaped::ops::peak_gflops(1);
    let peak2 = shaped::ops::peak_gflops(2);
    println!("peak_gflops_1thread: {peak1:.1}");
    println!("peak_gflops_2threads: {peak2:.1}");
    let (x, y) = synthetic(60_000);
    let one = epoch_seconds(&x, &y, 1, 3);
    println!("epoch_s_1thread: {one:.3}");
    let two = epoch_seconds(&x, &y, 2, 3);
    println!("epoch_s_2threads: {two:.3}");
    println!(
        "efficiency_1thread: {:.2}",
        EPOCH_FLOPS / one / (peak1 * 1e9)
    );
    println!(
        "efficiency_2threads: {:.2}",
        EPOCH_FLOPS / two / (peak2 * 1e9)
    );
    println!("speedup_2threads: {:.2}", one / two);

    // Single-sample inference: sparse input (MNIST-like, 81% zeros) and dense input (every
    // value non-zero), through fixed-size storage and through the typed model at batch 1.
    let m = model();
    let (w1, w2) = (
        FixedWeights::from_dense(&m.net.0),
        FixedWeights::from_dense(&m.net.1),
    );
    let fixed = FixedMlp::new(w1.layer::<Relu>(), w2.layer::<Softmax>());
    let to_arrays = |t: &Images| -> Vec<[f32; 784]> {
        t.as_slice()
            .chunks_exact(784)
            .map(|r| r.try_into().expect("784 pixels"))
            .collect()
    };
    let sparse = to_arrays(&x.rows(0..1000));
    let dense_x = Images::random_uniform((1000, Dim), 0.01, 1.0, 9);
    let dense = to_arrays(&dense_x);
    let rows: Vec<Tensor<(Dim<1>, Dim<784>)>> = (0..1000)
        .map(|i| Tensor::from_vec((Dim, Dim), dense[i].to_vec()))
        .collect();
    // The fixed-size f32 weights with the hidden layer's columns split over two threads
    // (its blocks laid out for the pool's thread count when it is built).
    shaped::ops::set_num_threads(2);
    let parallel = (w1.parallel_layer::<Relu>(), w2.layer::<Softmax>());
    let mut parallel_scratch = [0.0; <ParallelNet as FixedLayer>::SCRATCH];
    // The opt-in int8 variant of the fixed-size path (accuracy on MNIST: examples/embed.rs),
    // its input scale calibrated on the dense rows themselves.
    let hidden: Vec<f32> = dense
        .iter()
        .flat_map(|v| {
            let mut h = [0.0; 512];
            w1.layer::<Relu>().forward(v, &mut h);
            h
        })
        .collect();
    let (q1, q2) = (
        Int8Weights::from_dense(&m.net.0, input_scale(dense.iter().flatten().copied())),
        Int8Weights::from_dense(&m.net.1, input_scale(hidden)),
    );
    let int8 = (q1.layer::<Relu>(), q2.layer::<Softmax>());
    let mut scratch = vec![0.0; <Int8Net as FixedLayer>::SCRATCH];
    let mut probs = [0.0; 10];
    let parallel_int8 = (q1.parallel_layer::<Relu>(), q2.layer::<Softmax>());
    let mut parallel_int8_scratch = vec![0.0; <ParallelInt8Net as FixedLayer>::SCRATCH];
    let mut parallel_probs = [0.0; 10];
    // The opt-in bf16 variant: half the bytes, f32 products; on one thread (the hidden
    // layer's 802 KB kernel fits one core's L2 here), then split over two, since widening
    // the weights makes one core's share arithmetic-bound.
    let (h1, h2) = (
        Bf16Weights::from_dense(&m.net.0),
        Bf16Weights::from_dense(&m.net.1),
    );
    let bf16 = (h1.layer::<Relu>(), h2.layer::<Softmax>());
    let mut bf16_scratch = [0.0; <Bf16Net as FixedLayer>::SCRATCH];
    let parallel_bf16 = (h1.parallel_layer::<Relu>(), h2.layer::<Softmax>());
    let mut parallel_bf16_scratch = [0.0; <ParallelBf16Net as FixedLayer>::SCRATCH];
    {
        // The typed model splits a large layer's columns over the pool: one thread, then
        // two; so do the fixed-size f32, int8 and bf16 layers built for it.
        let mut cases = [
            Case::new("infer_sparse_us", 1, |i| fixed.classify(&sparse[i]).0),
            Case::new("infer_fixed_dense_us_1thread", 1, |i| {
                fixed.classify(&dense[i]).0
            }),
            Case::new("infer_fixed_dense_us", 2, |i| {
                parallel.classify(&dense[i], &mut parallel_scratch).0
            }),
            Case::new("infer_int8_dense_us_1thread", 1, |i| {
                int8.forward_with(&dense[i], &mut probs, &mut scratch);
                probs.iter().position(|&p| p > 0.5).unwrap_or(0)
            }),
            Case::new("infer_int8_dense_us", 2, |i| {
                parallel_int8.forward_with(
                    &dense[i],
                    &mut parallel_probs,
                    &mut parallel_int8_scratch,
                );
                parallel_probs.iter().position(|&p| p > 0.5).unwrap_or(0)
            }),
            Case::new("infer_bf16_dense_us_1thread", 1, |i| {
                bf16.classify(&dense[i], &mut bf16_scratch).0
            }),
            Case::new("infer_bf16_dense_us", 2, |i| {
                parallel_bf16
                    .classify(&dense[i], &mut parallel_bf16_scratch)
                    .0
            }),
            Case::new("infer_dense_us_1thread", 1, |i| {
                m.net.forward(&rows[i]).argmax()
            }),
            Case::new("infer_dense_us", 2, |i| m.net.forward(&rows[i]).argmax()),
        ];
        let times = interleaved_us(&mut cases);
        for (case, us) in cases.iter().zip(times) {
            println!("{}: {us:.1}", case.line);
        }
    }
    shaped::ops::set_num_threads(2);
    let mut sink = 0usize;
    // Batch inference: 1000 dense images at once, on both threads.
    let batch_s = median(
        (0..5)
            .map(|_| {
                let start = Instant::now();
                sink += m.net.forward(&dense_x).as_slice().len();
                start.elapsed().as_secs_f64()
            })
            .collect(),
    );
    println!("batch1000_images_per_s: {:.0}", 1000.0 / batch_s);

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
    sink += fixed.classify(&sparse[0]).0;
    sink += parallel.classify(&dense[0], &mut parallel_scratch).0;
    sink += bf16.classify(&dense[0], &mut bf16_scratch).0;
    sink += parallel_bf16
        .classify(&dense[0], &mut parallel_bf16_scratch)
        .0;
    parallel_int8.forward_with(&dense[0], &mut parallel_probs, &mut parallel_int8_scratch);
    println!(
        "infer_allocs: {}",
        common::counting_alloc::allocations() - before
    );
    std::hint::black_box(sink);
}
