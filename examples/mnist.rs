//! The chapter's first network: MNIST with a 784 -> 512 relu -> 10 softmax MLP,
//! RMSprop, sparse categorical crossentropy, 5 epochs of batch 128 (cell 1 of chapter 2).
//!
//! ```text
//! cargo run --release --example mnist -- [--data DIR] [--dataset mnist|fashion] [--epochs N] [--seed N]
//!     [--validation-split F] [--plot FILE] [--png FILE] [--save FILE] [--quiet]
//! ```
//!
//! With no `--data`, the files come from `MNIST_DIR`, the cache, or a download (see
//! `shaped::datasets`). `--plot history.png` draws the loss and accuracy per epoch (with
//! `--validation-split 0.2`, validation curves too).

use std::path::PathBuf;
use std::process::ExitCode;

use shaped::data::mnist::render_digit;
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Relu, Softmax};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, Control, EpochLog, FitConfig, Model};
use shaped::{Dim, Tensor};

mod common;

fn main() -> ExitCode {
    common::main_with(run)
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let epochs: usize = common::flag(args, "--epochs")?.unwrap_or(5);
    let seed: u64 = common::flag(args, "--seed")?.unwrap_or(0);
    let png: Option<PathBuf> = common::flag(args, "--png")?;
    let save: Option<PathBuf> = common::flag(args, "--save")?;
    let plot: Option<PathBuf> = common::flag(args, "--plot")?;
    let validation_split: f64 = common::flag(args, "--validation-split")?.unwrap_or(0.0);
    let quiet = args.iter().any(|a| a == "--quiet");

    let mnist = common::load_mnist(args)?;
    println!(
        "train_images: {:?}, test_images: {:?}",
        mnist.train_images.shape_dims(),
        mnist.test_images.shape_dims()
    );

    // Preprocessing: reshape to (60000, 784), cast to float32, scale to [0, 1].
    let train_x = mnist
        .train_images
        .clone()
        .flatten_inner::<784>()
        .cast::<f32>()
        / 255.0;
    let test_x = mnist
        .test_images
        .clone()
        .flatten_inner::<784>()
        .cast::<f32>()
        / 255.0;

    let net = (
        Dense::<784, 512, Relu>::new(seed),
        Dense::<512, 10, Softmax>::new(seed.wrapping_add(1)),
    );
    let mut model = Model::compile(
        net,
        RmsProp::default(),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );

    let config = FitConfig {
        epochs,
        batch_size: 128,
        seed,
        verbose: !quiet,
        validation_split,
        ..FitConfig::default()
    };
    // One fit call; a callback prints each epoch's line as it ends.
    let mut print_epoch = |epoch: usize, log: &EpochLog| {
        let validation = match (log.val_loss, log.val_metric) {
            (Some(loss), Some(acc)) => format!(" - val_loss: {loss:.4} - val_accuracy: {acc:.4}"),
            _ => String::new(),
        };
        println!(
            "epoch {epoch}/{epochs}: loss: {:.4} - accuracy: {:.4}{validation} - epoch_s: {:.2}",
            log.loss,
            log.metric.unwrap_or(f64::NAN),
            log.seconds
        );
        Control::Continue
    };
    let history = model.fit_with(
        &train_x,
        &mnist.train_labels,
        &config,
        None,
        &mut [&mut print_epoch],
    )?;
    if let Some(path) = plot {
        common::plot::plot_history(&path, &history, "accuracy")?;
        println!("wrote {}", path.display());
    }

    // Ten digits, or all of a smaller test set.
    let shown = mnist.test_images.batch_size().min(10);
    let test_digits = test_x.rows(0..shown);
    let predictions = model.predict(&test_digits);
    println!("first {shown} test digits (predicted, probability, true):");
    let mut predicted = Vec::new();
    for i in 0..shown {
        let p: Tensor<(Dim<10>,)> = predictions.at(i);
        let class = p.argmax();
        predicted.push(class);
        println!(
            "  digit {i}: predicted {class} (p = {:.4}), label {}",
            p[[class]],
            mnist.test_labels[[i]]
        );
    }
    if shown > 0 {
        println!(
            "first test digit:\n{}",
            render_digit(&mnist.test_images.at(0))
        );
    }
    if let Some(path) = png {
        common::write_digits_png(&path, &mnist.test_images.rows(0..shown), &predicted)?;
        println!("wrote {}", path.display());
    }

    if let Some(path) = save {
        shaped::io::save_weights(&model.net, &path)?;
        println!("saved the weights to {}", path.display());
    }

    let (test_loss, test_acc) = model.evaluate(&test_x, &mnist.test_labels, 128)?;
    println!("test_loss: {test_loss:.4}");
    println!("test_acc: {:.4}", test_acc.unwrap_or(0.0));
    // The same figure counted independently of the Accuracy metric: argmax of predict().
    let predicted = model.predict(&test_x).argmax_axis::<1>();
    let labels = mnist.test_labels.as_slice();
    let correct = predicted
        .as_slice()
        .iter()
        .zip(labels)
        .filter(|&(&p, &l)| p == l as usize)
        .count();
    let total = labels.len().max(1);
    println!(
        "test_acc_from_predict: {:.4}",
        correct as f64 / total as f64
    );
    Ok(())
}
