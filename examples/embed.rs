//! Embedding: the small nets a microcontroller runs. Trains (or loads) a model, runs it
//! through shaped-embed's fixed-size path (any depth, one scratch buffer, no heap allocation:
//! counted by this program's allocator), and writes the files the firmware's `include_net!`
//! bakes in (`embed/firmware`, `scripts/run_firmware.sh`). Exits 0 on success.
//!
//! ```text
//! cargo run --release --example embed -- [--model mlp|convnet] [--data DIR] [--epochs N]
//!     [--seed N] [--weights FILE] [--save FILE] [--save-int8 FILE] [--save-bf16 FILE]
//!     [--count N] [--predictions FILE] [--predictions-int8 FILE] [--predictions-bf16 FILE]
//! ```
//!
//! - `--model mlp` (default): 784 -> 64 relu -> 10 softmax, 10 epochs of batch 128; also quantized to int8
//!   (per-channel weights, input scales calibrated on 1000 training images), failing if int8
//!   loses more than 0.5 points of accuracy on the test set, and rounded to bf16 (half the
//!   bytes of f32, products in f32), failing if that loses more than 0.1 points.
//! - `--model convnet`: a small convnet (8 and 16 filters of 3x3, max pooling, dense), 5
//!   epochs of batch 64.
//! - `--weights FILE` loads trained weights instead of training; `--save FILE` writes them,
//!   `--save-int8 FILE` the int8 model, `--save-bf16 FILE` the bf16 one; `--predictions
//!   FILE` (and `--predictions-int8`, `--predictions-bf16`) write the class of each of the
//!   first `--count` test digits (1000), one per line.

use std::path::{Path, PathBuf};

use shaped::data::Mnist;
use shaped::embed::{
    Activations, Bf16Dense, Bf16Kernel, Bf16Weights, ConvWeights, FixedConv2D, FixedDense,
    FixedFlatten, FixedLayer, FixedMaxPooling2D, FixedWeights, Int8Dense, Int8Kernel, Int8Weights,
    NetFile, input_scale,
};
use shaped::io::{load_weights, save_weights};
use shaped::nn::Layer;
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Conv2D, Dense, Flatten, MaxPooling2D, Relu, Softmax, Valid};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, FitConfig, Model};

mod common;

/// Counts heap allocations so the program can prove the inference path makes none.
#[global_allocator]
static GLOBAL: common::counting_alloc::Counting = common::counting_alloc::Counting;

/// The MLP the firmware runs: 784 -> 64 -> 10 (50,890 parameters).
type Mlp = (Dense<784, 64, Relu>, Dense<64, 10, Softmax>);

/// MNIST digits in Keras's channels-last layout.
type Images = shaped::Tensor<(usize, shaped::Dim<28>, shaped::Dim<28>, shaped::Dim<1>)>;

/// A small convnet for microcontrollers (5,258 parameters): every size checked at build time.
type SmallConvnet = (
    Conv2D<28, 28, 1, 26, 26, 8, 3, Relu>,
    MaxPooling2D<26, 26, 8, 13, 13, 2>,
    Conv2D<13, 13, 8, 11, 11, 16, 3, Relu>,
    MaxPooling2D<11, 11, 16, 5, 5, 2>,
    Flatten<400>,
    Dense<400, 10, Softmax>,
);

fn main() -> std::process::ExitCode {
    common::main_with(run)
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let mnist = common::load_mnist(args)?;
    let model: String = common::flag(args, "--model")?.unwrap_or_else(|| "mlp".into());
    match model.as_str() {
        "mlp" => mlp(args, &mnist),
        "convnet" => convnet(args, &mnist),
        other => Err(format!("--model {other}: expected mlp or convnet").into()),
    }
}

/// Pixels of test image `i` scaled to [0, 1], into any fixed-size input (vector or image).
fn pixels(images: &shaped::data::mnist::Images, i: usize, x: &mut [f32]) {
    let p = &images.as_slice()[i * 784..(i + 1) * 784];
    x.iter_mut()
        .zip(p)
        .for_each(|(v, &q)| *v = q as f32 / 255.0);
}

/// Classifies the first `classes.len()` test digits with a fixed-size net; returns the
/// heap allocations made meanwhile and the time per digit in microseconds.
fn classify_all<L: FixedLayer, const N: usize>(
    net: &L,
    mnist: &Mnist,
    classes: &mut [usize],
    scratch: &mut [f32; N],
) -> (usize, f64) {
    let mut x = L::Input::zeros();
    let before = common::counting_alloc::allocations();
    let start = std::time::Instant::now();
    for (i, class) in classes.iter_mut().enumerate() {
        pixels(&mnist.test_images, i, x.as_flat_mut());
        *class = net.classify(&x, scratch).0;
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / classes.len().max(1) as f64;
    (common::counting_alloc::allocations() - before, us)
}

fn accuracy(classes: &[usize], mnist: &Mnist) -> f64 {
    let labels = mnist.test_labels.as_slice();
    let right = classes
        .iter()
        .zip(labels)
        .filter(|(c, l)| **c == **l as usize)
        .count();
    right as f64 / classes.len().max(1) as f64
}

fn write_lines(path: &Path, classes: &[usize]) -> std::io::Result<()> {
    std::fs::write(
        path,
        classes.iter().map(|c| format!("{c}\n")).collect::<String>(),
    )
}

/// Trains `$net` on `$x` for `$epochs` (or `--epochs`), or loads `--weights`; saves it with
/// `--save`. (A macro: `Model::fit`'s bounds are long to restate for a generic function.)
macro_rules! trained {
    ($args:expr, $mnist:expr, $net:expr, $x:expr, $epochs:expr, $batch:expr) => {{
        let mut net = $net;
        if let Some(path) = common::flag::<PathBuf>($args, "--weights")? {
            load_weights(&mut net, &path)?;
            println!("loaded {}", path.display());
        } else {
            let mut model = Model::compile(
                net,
                RmsProp::default(),
                SparseCategoricalCrossentropy::default(),
                Accuracy::default(),
            );
            let epochs = common::flag($args, "--epochs")?.unwrap_or($epochs);
            let seed = common::flag($args, "--seed")?.unwrap_or(0);
            let config = FitConfig {
                epochs,
                batch_size: $batch,
                seed,
                verbose: false,
                ..FitConfig::default()
            };
            let history = model.fit($x, &$mnist.train_labels, &config)?;
            let last = history.epochs.last().map(|e| e.loss).unwrap_or(f64::NAN);
            println!("trained {epochs} epochs, last loss {last:.4}");
            net = model.net;
        }
        if let Some(path) = common::flag::<PathBuf>($args, "--save")? {
            save_weights(&net, &path)?;
            println!("saved {}", path.display());
        }
        net
    }};
}

fn mlp(args: &[String], mnist: &Mnist) -> Result<(), Box<dyn std::error::Error>> {
    let x = mnist
        .train_images
        .clone()
        .flatten_inner::<784>()
        .cast::<f32>()
        / 255.0;
    let seed: u64 = common::flag(args, "--seed")?.unwrap_or(0);
    let net: Mlp = trained!(
        args,
        mnist,
        (Dense::new(seed), Dense::new(seed + 1)),
        &x,
        10,
        128
    );

    // f32: fixed-size storage from the trained layers, then a tuple of fixed layers.
    let (w1, w2) = (
        FixedWeights::from_dense(&net.0),
        FixedWeights::from_dense(&net.1),
    );
    let fixed = (w1.layer::<Relu>(), w2.layer::<Softmax>());
    type Fixed = (
        FixedDense<'static, 784, 64, Relu>,
        FixedDense<'static, 64, 10, Softmax>,
    );
    let mut scratch = [0.0; <Fixed as FixedLayer>::SCRATCH];
    let total = mnist.test_images.batch_size();
    let mut classes = vec![0; total];
    let (allocations, us) = classify_all(&fixed, mnist, &mut classes, &mut scratch);

    // int8: the hidden layer's input scale from 1000 training images, the output layer's
    // from the hidden activations they give.
    let calibration: Vec<[f32; 784]> = (0..mnist.train_images.batch_size().min(1000))
        .map(|i| {
            let mut v = [0.0; 784];
            pixels(&mnist.train_images, i, &mut v);
            v
        })
        .collect();
    let scale1 = input_scale(calibration.iter().flatten().copied());
    let mut hidden = Vec::with_capacity(calibration.len() * 64);
    for v in &calibration {
        let mut h = [0.0f32; 64];
        w1.layer::<Relu>().forward(v, &mut h);
        hidden.extend_from_slice(&h);
    }
    let (q1, q2) = (
        Int8Weights::from_dense(&net.0, scale1),
        Int8Weights::from_dense(&net.1, input_scale(hidden)),
    );
    let quantized = (q1.layer::<Relu>(), q2.layer::<Softmax>());
    type Quantized = (
        Int8Dense<'static, 784, 64, Relu>,
        Int8Dense<'static, 64, 10, Softmax>,
    );
    let mut scratch8 = [0.0; <Quantized as FixedLayer>::SCRATCH];
    let mut classes8 = vec![0; total];
    let (allocations8, us8) = classify_all(&quantized, mnist, &mut classes8, &mut scratch8);

    // bf16: the kernels rounded to bfloat16 (half the bytes of f32), products in f32.
    let (h1, h2) = (
        Bf16Weights::from_dense(&net.0),
        Bf16Weights::from_dense(&net.1),
    );
    let half = (h1.layer::<Relu>(), h2.layer::<Softmax>());
    type Half = (
        Bf16Dense<'static, 784, 64, Relu>,
        Bf16Dense<'static, 64, 10, Softmax>,
    );
    let mut scratch16 = [0.0; <Half as FixedLayer>::SCRATCH];
    let mut classes16 = vec![0; total];
    let (allocations16, us16) = classify_all(&half, mnist, &mut classes16, &mut scratch16);

    // The first layer (784 x 64, nearly all of the work) on each int8 kernel this CPU has.
    let first = q1.layer::<Relu>();
    let mut times = Vec::new();
    for kind in [
        Int8Kernel::Portable,
        Int8Kernel::AvxVnni,
        Int8Kernel::Avx512Vnni,
    ] {
        if !kind.is_available() {
            continue;
        }
        let (mut x, mut h, mut words) = ([0.0; 784], [0.0; 64], [0.0; 196]);
        let start = std::time::Instant::now();
        for i in 0..total {
            pixels(&mnist.test_images, i, &mut x);
            first.forward_using(kind, &x, &mut h, &mut words);
            std::hint::black_box(&h);
        }
        times.push(format!(
            "{kind:?} {:.1} us",
            start.elapsed().as_secs_f64() * 1e6 / total.max(1) as f64
        ));
    }
    println!("int8 first layer per digit: {}", times.join(", "));

    let (acc, acc8, acc16) = (
        accuracy(&classes, mnist),
        accuracy(&classes8, mnist),
        accuracy(&classes16, mnist),
    );
    println!(
        "f32: accuracy {acc:.4} on {total} test digits, {us:.1} us per digit, infer_allocs: {allocations}"
    );
    println!(
        "int8 ({:?} kernel): accuracy {acc8:.4} on {total} test digits, {us8:.1} us per digit, infer_allocs: {allocations8}",
        Int8Kernel::detect()
    );
    println!(
        "bf16 ({:?} kernel): accuracy {acc16:.4} on {total} test digits, {us16:.1} us per digit, infer_allocs: {allocations16}",
        Bf16Kernel::detect()
    );
    let weights = 784 * 64 + 64 * 10;
    println!(
        "weights: f32 {:.1} KB, bf16 {:.1} KB, int8 {:.1} KB (plus scales and biases)",
        (weights * 4) as f64 / 1024.0,
        (weights * 2) as f64 / 1024.0,
        weights as f64 / 1024.0
    );

    let count = common::flag(args, "--count")?
        .unwrap_or(1000usize)
        .min(total);
    if let Some(path) = common::flag::<PathBuf>(args, "--predictions")? {
        write_lines(&path, &classes[..count])?;
    }
    if let Some(path) = common::flag::<PathBuf>(args, "--predictions-int8")? {
        write_lines(&path, &classes8[..count])?;
    }
    if let Some(path) = common::flag::<PathBuf>(args, "--predictions-bf16")? {
        write_lines(&path, &classes16[..count])?;
    }
    if let Some(path) = common::flag::<PathBuf>(args, "--save-int8")? {
        NetFile::new().layer(0, &q1).layer(1, &q2).save(&path)?;
        println!("saved {}", path.display());
    }
    if let Some(path) = common::flag::<PathBuf>(args, "--save-bf16")? {
        NetFile::new().layer(0, &h1).layer(1, &h2).save(&path)?;
        println!("saved {}", path.display());
    }
    if acc - acc8 > 0.005 {
        return Err(format!("int8 loses more than 0.5 points: {acc8:.4} against {acc:.4}").into());
    }
    if acc - acc16 > 0.001 {
        return Err(format!("bf16 loses more than 0.1 points: {acc16:.4} against {acc:.4}").into());
    }
    if allocations + allocations8 + allocations16 != 0 {
        return Err(format!(
            "the inference path allocated {} times",
            allocations + allocations8
        )
        .into());
    }
    Ok(())
}

fn convnet(args: &[String], mnist: &Mnist) -> Result<(), Box<dyn std::error::Error>> {
    let x: Images = (mnist.train_images.clone().cast::<f32>() / 255.0)
        .unsqueeze::<3>()
        .into_shape();
    let seed: u64 = common::flag(args, "--seed")?.unwrap_or(0);
    let fresh: SmallConvnet = (
        Conv2D::new(seed),
        MaxPooling2D::new(),
        Conv2D::new(seed + 1),
        MaxPooling2D::new(),
        Flatten,
        Dense::new(seed + 2),
    );
    let net: SmallConvnet = trained!(args, mnist, fresh, &x, 5, 64);

    let (c1, c2, d) = (
        ConvWeights::from_conv(&net.0),
        ConvWeights::from_conv(&net.2),
        FixedWeights::from_dense(&net.5),
    );
    let fixed = (
        c1.layer::<28, 28, 26, 26, Relu, 1, Valid>(),
        FixedMaxPooling2D::<26, 26, 8, 13, 13, 2>::new(),
        c2.layer::<13, 13, 11, 11, Relu, 1, Valid>(),
        FixedMaxPooling2D::<11, 11, 16, 5, 5, 2>::new(),
        FixedFlatten::<5, 5, 16, 400>::new(),
        d.layer::<Softmax>(),
    );
    type Fixed = (
        FixedConv2D<'static, 28, 28, 1, 26, 26, 8, 3, Relu>,
        FixedMaxPooling2D<26, 26, 8, 13, 13, 2>,
        FixedConv2D<'static, 13, 13, 8, 11, 11, 16, 3, Relu>,
        FixedMaxPooling2D<11, 11, 16, 5, 5, 2>,
        FixedFlatten<5, 5, 16, 400>,
        FixedDense<'static, 400, 10, Softmax>,
    );
    let mut scratch = [0.0; <Fixed as FixedLayer>::SCRATCH];
    let total = mnist.test_images.batch_size();
    let mut classes = vec![0; total];
    let (allocations, us) = classify_all(&fixed, mnist, &mut classes, &mut scratch);

    // The trained model's own predictions, as a reference for the fixed-size path.
    let test_x: Images = (mnist.test_images.clone().cast::<f32>() / 255.0)
        .unsqueeze::<3>()
        .into_shape();
    let trained_classes = net.forward(&test_x).argmax_axis::<1>();
    let agree = classes
        .iter()
        .zip(trained_classes.as_slice())
        .filter(|(a, b)| **a == **b)
        .count();
    println!(
        "convnet f32: accuracy {:.4} on {total} test digits, {us:.1} us per digit, infer_allocs: {allocations}; \
         {agree} of {total} predictions equal the trained model's; scratch {} floats",
        accuracy(&classes, mnist),
        <Fixed as FixedLayer>::SCRATCH
    );
    let count = common::flag(args, "--count")?
        .unwrap_or(1000usize)
        .min(total);
    if let Some(path) = common::flag::<PathBuf>(args, "--predictions")? {
        write_lines(&path, &classes[..count])?;
    }
    if allocations != 0 {
        return Err(format!("the inference path allocated {allocations} times").into());
    }
    if agree + total / 1000 < total {
        return Err(format!(
            "the fixed-size convnet disagrees with the trained one on {} digits",
            total - agree
        )
        .into());
    }
    Ok(())
}
