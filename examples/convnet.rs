//! The first convnet of chapter 8 of the book, on MNIST: three 3x3 convolutions (32, 64,
//! 128 filters, relu) with 2x2 max pooling between them, flatten, dense softmax; RMSprop,
//! sparse categorical crossentropy, 5 epochs of batch 64. The book reports test accuracy
//! 0.991.
//!
//! ```text
//! cargo run --release --example convnet -- [--data DIR] [--dataset mnist|fashion] [--epochs N]
//!     [--seed N] [--save FILE] [--quiet]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Layer, Params};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, Control, EpochLog, FitConfig, Model};
use shaped::{Dim, Tensor};

mod common;

use common::convnet::{Convnet, convnet};

type Images = Tensor<(usize, Dim<28>, Dim<28>, Dim<1>)>;

fn main() -> ExitCode {
    common::main_with(run)
}

fn count(layer: &impl Params<f32>) -> usize {
    let mut n = 0;
    layer.visit("", &mut |_, values, _| n += values.len());
    n
}

/// Keras's `model.summary()`: each layer's output shape (from a forward pass on one image)
/// and parameter count.
fn summary(net: &Convnet) {
    let x = Images::zeros((1, Dim, Dim, Dim));
    let mut rows: Vec<(String, Vec<usize>, usize)> = Vec::new();
    let y0 = net.0.forward(&x);
    rows.push((
        format!("{:?}", net.0),
        y0.shape_dims().to_vec(),
        count(&net.0),
    ));
    let y1 = net.1.forward(&y0);
    rows.push((
        format!("{:?}", net.1),
        y1.shape_dims().to_vec(),
        count(&net.1),
    ));
    let y2 = net.2.forward(&y1);
    rows.push((
        format!("{:?}", net.2),
        y2.shape_dims().to_vec(),
        count(&net.2),
    ));
    let y3 = net.3.forward(&y2);
    rows.push((
        format!("{:?}", net.3),
        y3.shape_dims().to_vec(),
        count(&net.3),
    ));
    let y4 = net.4.forward(&y3);
    rows.push((
        format!("{:?}", net.4),
        y4.shape_dims().to_vec(),
        count(&net.4),
    ));
    let y5 = net.5.forward(&y4);
    rows.push(("Flatten".into(), y5.shape_dims().to_vec(), count(&net.5)));
    let y6 = net.6.forward(&y5);
    rows.push((
        format!("{:?}", net.6),
        y6.shape_dims().to_vec(),
        count(&net.6),
    ));
    println!("{:<58} {:<18} {:>8}", "layer", "output shape", "params");
    for (name, dims, params) in &rows {
        let shape: Vec<String> = std::iter::once("None".to_string())
            .chain(dims[1..].iter().map(|d| d.to_string()))
            .collect();
        println!(
            "{name:<58} {:<18} {params:>8}",
            format!("({})", shape.join(", "))
        );
    }
    println!("total params: {}", count(net));
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let epochs: usize = common::flag(args, "--epochs")?.unwrap_or(5);
    let seed: u64 = common::flag(args, "--seed")?.unwrap_or(0);
    let save: Option<PathBuf> = common::flag(args, "--save")?;
    let quiet = args.iter().any(|a| a == "--quiet");

    let mnist = common::load_mnist(args)?;
    // (60000, 28, 28) u8 -> (60000, 28, 28, 1) f32 in [0, 1]: Keras's channels-last layout.
    // `unsqueeze` adds a stretching `One`; the conv layer's input names one channel, `Dim<1>`.
    let prepare = |images: &shaped::data::mnist::Images| -> Images {
        (images.clone().cast::<f32>() / 255.0)
            .unsqueeze::<3>()
            .into_shape()
    };
    let (train_x, test_x) = (prepare(&mnist.train_images), prepare(&mnist.test_images));

    let net: Convnet = convnet(seed);
    summary(&net);
    let mut model = Model::compile(
        net,
        RmsProp::default(),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );
    let config = FitConfig {
        epochs,
        batch_size: 64,
        seed,
        verbose: !quiet,
        ..FitConfig::default()
    };
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
    if let Some(path) = save {
        shaped::io::save_weights(&model.net, &path)?;
        println!("saved the weights to {}", path.display());
    }

    let (test_loss, test_acc) = model.evaluate(&test_x, &mnist.test_labels, 256)?;
    println!("test_loss: {test_loss:.4}");
    println!("test_acc: {:.4}", test_acc.unwrap_or(0.0));
    // Counted independently of the Accuracy metric: argmax of the predictions.
    let predicted = model.predict_in_batches(&test_x, 256)?.argmax_axis::<1>();
    let labels = mnist.test_labels.as_slice();
    let correct = predicted
        .as_slice()
        .iter()
        .zip(labels)
        .filter(|&(&p, &l)| p == l as usize)
        .count();
    println!(
        "test_acc_from_predict: {:.4}",
        correct as f64 / labels.len().max(1) as f64
    );
    Ok(())
}
