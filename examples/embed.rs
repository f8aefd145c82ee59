//! Embedding a trained net: train (or load the MNIST example's weights), save them, load
//! them into fixed-size storage, and classify digits with a forward pass that makes no heap
//! allocation (counted by this program's global allocator). Exits 0 on success.
//!
//! ```text
//! cargo run --release --example mnist -- --save mnist.safetensors   # optional
//! cargo run --release --example embed -- [--data DIR] [--weights mnist.safetensors]
//!     [--count N] [--predictions FILE]
//! ```
//!
//! `--predictions FILE` writes the predicted class of each of the first `--count` test
//! digits (1000 by default), one per line: `scripts/run_firmware.sh` compares them with the
//! firmware's.
//!
//! ```text
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use shaped::embed::{FixedMlp, FixedWeights, Int8Mlp, Int8Weights, input_scale};
use shaped::io::{load_weights, save_weights};
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Relu, Softmax};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, FitConfig, Model};

mod common;

/// Counts heap allocations so the program can prove a path makes none.
#[global_allocator]
static GLOBAL: common::counting_alloc::Counting = common::counting_alloc::Counting;

type Net = (Dense<784, 512, Relu>, Dense<512, 10, Softmax>);

fn main() -> ExitCode {
    common::main_with(run)
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let mnist = common::load_mnist(args)?;
    let weights: PathBuf =
        common::flag(args, "--weights")?.unwrap_or_else(|| "mnist.safetensors".into());
    let predictions: Option<PathBuf> = common::flag(args, "--predictions")?;
    let n: usize = common::flag(args, "--count")?.unwrap_or(1000);
    let n = n.min(mnist.test_images.batch_size());

    // 1. A trained typed model: the MNIST example's weights when present, else one epoch.
    let mut net: Net = (Dense::new(0), Dense::new(1));
    if weights.is_file() {
        load_weights(&mut net, &weights)?;
        println!("loaded {}", weights.display());
    } else {
        let x = mnist
            .train_images
            .clone()
            .flatten_inner::<784>()
            .cast::<f32>()
            / 255.0;
        let mut model = Model::compile(
            net,
            RmsProp::default(),
            SparseCategoricalCrossentropy::default(),
            Accuracy::default(),
        );
        let config = FitConfig {
            epochs: 1,
            batch_size: 128,
            verbose: false,
            ..FitConfig::default()
        };
        model.fit(&x, &mnist.train_labels, &config)?;
        net = model.net;
        println!("trained one epoch ({} not found)", weights.display());
    }

    // 2. Save, then load into the fixed-size type through the typed model.
    let saved =
        std::env::temp_dir().join(format!("shaped-embed-{}.safetensors", std::process::id()));
    save_weights(&net, &saved)?;
    let mut reloaded: Net = (Dense::new(7), Dense::new(8));
    load_weights(&mut reloaded, &saved)?;
    std::fs::remove_file(&saved)?;
    let (w1, w2) = (
        FixedWeights::from_dense(&reloaded.0),
        FixedWeights::from_dense(&reloaded.1),
    );
    let fixed = FixedMlp::new(w1.layer::<Relu>(), w2.layer::<Softmax>());

    // 3. Classify test digits; count allocations on the inference path only.
    let images: Vec<[f32; 784]> = (0..n)
        .map(|i| {
            let mut x = [0.0f32; 784];
            let pixels = &mnist.test_images.as_slice()[i * 784..(i + 1) * 784];
            x.iter_mut()
                .zip(pixels)
                .for_each(|(v, &p)| *v = p as f32 / 255.0);
            x
        })
        .collect();
    let mut classes = vec![0usize; n];
    let before = common::counting_alloc::allocations();
    let start = std::time::Instant::now();
    for (x, class) in images.iter().zip(classes.iter_mut()) {
        *class = fixed.classify(x).0;
    }
    let elapsed = start.elapsed();
    let allocations = common::counting_alloc::allocations() - before;

    let correct = classes
        .iter()
        .zip(mnist.test_labels.as_slice())
        .filter(|(c, l)| **c == **l as usize)
        .count();
    println!("first digits: {:?}", &classes[..n.min(10)]);
    println!(
        "accuracy on {n} test digits: {:.4}",
        correct as f64 / n as f64
    );
    println!("{:.1} us per digit", elapsed.as_secs_f64() * 1e6 / n as f64);
    println!("infer_allocs: {allocations}");
    if let Some(path) = predictions {
        let lines: String = classes.iter().map(|c| format!("{c}\n")).collect();
        std::fs::write(&path, lines)?;
        println!("wrote {}", path.display());
    }

    // 4. int8: per-channel weights, input scales calibrated on 1000 training images.
    let pixel = |images: &shaped::data::mnist::Images, i: usize| -> [f32; 784] {
        let mut x = [0.0f32; 784];
        let p = &images.as_slice()[i * 784..(i + 1) * 784];
        x.iter_mut()
            .zip(p)
            .for_each(|(v, &q)| *v = q as f32 / 255.0);
        x
    };
    let calibration: Vec<[f32; 784]> = (0..mnist.train_images.batch_size().min(1000))
        .map(|i| pixel(&mnist.train_images, i))
        .collect();
    let scale1 = input_scale(calibration.iter().flatten().copied());
    let hidden = w1.layer::<Relu>();
    let mut activations = Vec::with_capacity(calibration.len() * 512);
    for x in &calibration {
        let mut h = [0.0f32; 512];
        hidden.forward(x, &mut h);
        activations.extend_from_slice(&h);
    }
    let scale2 = input_scale(activations);
    let (q1, q2) = (
        Int8Weights::from_dense(&reloaded.0, scale1),
        Int8Weights::from_dense(&reloaded.1, scale2),
    );
    let quantized = Int8Mlp::new(q1.layer::<Relu>(), q2.layer::<Softmax>());
    let int8_classes: Vec<usize> = images.iter().map(|x| quantized.classify(x).0).collect();
    // Accuracy on the whole test set, f32 against int8.
    let total = mnist.test_images.batch_size();
    let (mut right_f32, mut right_int8) = (0usize, 0usize);
    for i in 0..total {
        let x = pixel(&mnist.test_images, i);
        let label = mnist.test_labels.as_slice()[i] as usize;
        right_f32 += (fixed.classify(&x).0 == label) as usize;
        right_int8 += (quantized.classify(&x).0 == label) as usize;
    }
    let (acc_f32, acc_int8) = (
        right_f32 as f64 / total.max(1) as f64,
        right_int8 as f64 / total.max(1) as f64,
    );
    println!(
        "int8: accuracy {acc_int8:.4} against f32 {acc_f32:.4} on {total} test digits; weights {} KB against {} KB",
        (784 * 512 + 512 * 10) / 1024,
        (784 * 512 + 512 * 10) * 4 / 1024
    );
    if let Some(path) = common::flag::<PathBuf>(args, "--predictions-int8")? {
        let lines: String = int8_classes.iter().map(|c| format!("{c}\n")).collect();
        std::fs::write(&path, lines)?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = common::flag::<PathBuf>(args, "--save-int8")? {
        save_int8(&path, &q1, &q2)?;
        println!("wrote {}", path.display());
    }
    if acc_f32 - acc_int8 > 0.005 {
        return Err(
            format!("int8 loses more than 0.5 points: {acc_int8:.4} against {acc_f32:.4}").into(),
        );
    }
    if allocations != 0 {
        return Err(format!("the inference path allocated {allocations} times").into());
    }
    Ok(())
}

/// The int8 weights as safetensors: per layer `i`, `i.kernel` (I8, `[in, out]`),
/// `i.kernel_scale` (F32, `[out]`), `i.bias` (F32, `[out]`), `i.input_scale` (F32, `[1]`).
fn save_int8(
    path: &std::path::Path,
    q1: &Int8Weights<784, 512>,
    q2: &Int8Weights<512, 10>,
) -> Result<(), Box<dyn std::error::Error>> {
    use safetensors::tensor::{Dtype, TensorView};
    type Buffer = (String, Dtype, Vec<usize>, Vec<u8>);
    fn layer<const I: usize, const O: usize>(
        i: usize,
        q: &Int8Weights<I, O>,
        out: &mut Vec<Buffer>,
    ) {
        let floats = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        let kernel = q.kernel.iter().flatten().map(|&v| v as u8).collect();
        out.push((format!("{i}.kernel"), Dtype::I8, vec![I, O], kernel));
        out.push((
            format!("{i}.kernel_scale"),
            Dtype::F32,
            vec![O],
            floats(&q.scales[..]),
        ));
        out.push((
            format!("{i}.bias"),
            Dtype::F32,
            vec![O],
            floats(&q.bias[..]),
        ));
        out.push((
            format!("{i}.input_scale"),
            Dtype::F32,
            vec![1],
            floats(&[q.input_scale]),
        ));
    }
    let mut buffers = Vec::new();
    layer(0, q1, &mut buffers);
    layer(1, q2, &mut buffers);
    let views = buffers
        .iter()
        .map(|(name, dtype, shape, data)| {
            Ok((name.clone(), TensorView::new(*dtype, shape.clone(), data)?))
        })
        .collect::<Result<Vec<_>, safetensors::SafeTensorError>>()?;
    safetensors::serialize_to_file(views, None, path)?;
    Ok(())
}
