//! The chapter's first network: MNIST with a 784 -> 512 relu -> 10 softmax MLP,
//! RMSprop, sparse categorical crossentropy, 5 epochs of batch 128 (cell 1 of chapter 2).
//!
//! ```text
//! cargo run --release --example mnist -- [--data DIR] [--epochs N] [--seed N] [--png FILE] [--save FILE] [--quiet]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use shaped::data::Mnist;
use shaped::data::mnist::{data_dir, render_digit};
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
    let quiet = args.iter().any(|a| a == "--quiet");

    let mnist = Mnist::load(data_dir(args))?;
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
        ..FitConfig::default()
    };
    // One fit call; a callback prints each epoch's line as it ends.
    let mut print_epoch = |epoch: usize, log: &EpochLog| {
        println!(
            "epoch {epoch}/{epochs}: loss: {:.4} - accuracy: {:.4} - epoch_s: {:.2}",
            log.loss,
            log.metric.unwrap_or(f64::NAN),
            log.seconds
        );
        Control::Continue
    };
    model.fit_with(
        &train_x,
        &mnist.train_labels,
        &config,
        None,
        &mut [&mut print_epoch],
    )?;

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
