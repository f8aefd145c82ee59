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

use shaped::embed::{FixedMlp, FixedWeights};
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
    println!(
        "first digits: {:?}",
        &classes[..n.min(10)]
    );
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
    if allocations != 0 {
        return Err(format!("the inference path allocated {allocations} times").into());
    }
    Ok(())
}
