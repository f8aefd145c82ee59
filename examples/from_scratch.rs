//! Chapter 2, cell 9: the first example reimplemented from scratch on shaped's tensor API:
//! `NaiveDense`, `NaiveSequential`, `BatchGenerator`, `one_training_step` with an explicit
//! backward pass, and `update_weights` as plain SGD (learning rate 1e-3).
//!
//! ```text
//! cargo run --release --example from_scratch -- [--data DIR] [--epochs N]
//! ```

use shaped::{Dim, Tensor};

mod common;

type Batch<const N: usize> = Tensor<(usize, Dim<N>)>;

/// `activation(x . W + b)` with W ~ U[0, 0.1) and b = 0, as in the book.
struct NaiveDense<const I: usize, const O: usize> {
    w: Tensor<(Dim<I>, Dim<O>)>,
    b: Tensor<(Dim<O>,)>,
    activation: fn(Batch<O>) -> Batch<O>,
}

impl<const I: usize, const O: usize> NaiveDense<I, O> {
    fn new(activation: fn(Batch<O>) -> Batch<O>, seed: u64) -> Self {
        let w = Tensor::random_uniform(Default::default(), 0.0, 0.1, seed);
        NaiveDense {
            w,
            b: Tensor::zeros(Default::default()),
            activation,
        }
    }

    fn call(&self, x: &Batch<I>) -> Batch<O> {
        (self.activation)(x.matmul(&self.w) + &self.b)
    }

    /// Backward of the layer given d loss / d pre-activation: returns the parameter
    /// gradients and d loss / d input.
    fn backward(
        &self,
        x: &Batch<I>,
        dz: &Batch<O>,
    ) -> (Tensor<(Dim<I>, Dim<O>)>, Tensor<(Dim<O>,)>, Batch<I>) {
        let dw = x.t().matmul(dz);
        let db = dz.sum_axis::<0>();
        let dx = dz.matmul(self.w.t());
        (dw, db, dx)
    }
}

fn relu(z: Batch<512>) -> Batch<512> {
    z.relu()
}

/// Row-wise softmax, shifted by the row maximum; (B, 10) op (B, 1) broadcasts.
fn softmax(z: Batch<10>) -> Batch<10> {
    let e = (&z - &z.max_axis::<1>().unsqueeze::<1>()).exp();
    let sums = e.sum_axis::<1>().unsqueeze::<1>();
    e / sums
}

/// The book's two-layer model: Dense(512, relu) then Dense(10, softmax).
struct NaiveSequential {
    hidden: NaiveDense<784, 512>,
    output: NaiveDense<512, 10>,
}

/// Consecutive batches in order, the last one shorter (the book's `BatchGenerator`).
struct BatchGenerator<'a> {
    images: &'a Batch<784>,
    labels: &'a Tensor<(usize,), u8>,
    batch_size: usize,
    index: usize,
}

impl<'a> Iterator for BatchGenerator<'a> {
    type Item = (Batch<784>, Tensor<(usize,), u8>);
    fn next(&mut self) -> Option<Self::Item> {
        let n = self.images.batch_size();
        if self.index >= n {
            return None;
        }
        let end = (self.index + self.batch_size).min(n);
        let batch = (
            self.images.rows(self.index..end),
            self.labels.rows(self.index..end),
        );
        self.index = end;
        Some(batch)
    }
}

/// Forward, mean sparse categorical crossentropy, explicit backward, SGD update.
fn one_training_step(
    model: &mut NaiveSequential,
    images: &Batch<784>,
    labels: &Tensor<(usize,), u8>,
) -> f32 {
    let hidden = model.hidden.call(images);
    let probs = model.output.call(&hidden);
    let batch = images.batch_size();
    let onehot = Tensor::<(usize, Dim<10>)>::from_fn((batch, Dim), |[i, j]| {
        (labels[[i]] as usize == j) as u8 as f32
    });
    let picked = (&probs * &onehot).sum_axis::<1>();
    let loss = -picked.map(|p| p.max(1e-7).ln()).mean();

    // d loss / d logits of softmax + crossentropy, then back through both layers.
    let dz2 = (&probs - &onehot) / batch as f32;
    let (dw2, db2, dh) = model.output.backward(&hidden, &dz2);
    let relu_mask = hidden.map(|h| if h > 0.0 { 1.0 } else { 0.0 });
    let dz1 = &dh * &relu_mask;
    let (dw1, db1, _) = model.hidden.backward(images, &dz1);
    update_weights(model, Gradients { dw1, db1, dw2, db2 });
    loss
}

/// The gradients of the model's weights, in the order of the book's `model.weights`.
struct Gradients {
    dw1: Tensor<(Dim<784>, Dim<512>)>,
    db1: Tensor<(Dim<512>,)>,
    dw2: Tensor<(Dim<512>, Dim<10>)>,
    db2: Tensor<(Dim<10>,)>,
}

/// `w -= learning_rate * g` for every weight.
fn update_weights(model: &mut NaiveSequential, g: Gradients) {
    const LEARNING_RATE: f32 = 1e-3;
    model.hidden.w -= g.dw1 * LEARNING_RATE;
    model.hidden.b -= g.db1 * LEARNING_RATE;
    model.output.w -= g.dw2 * LEARNING_RATE;
    model.output.b -= g.db2 * LEARNING_RATE;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let epochs: usize = match common::flag(&args, "--epochs") {
        Ok(e) => e.unwrap_or(10),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mnist = match common::load_mnist(&args) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let train = mnist.train_images.flatten_inner::<784>().cast::<f32>() / 255.0;
    let test = mnist.test_images.flatten_inner::<784>().cast::<f32>() / 255.0;
    let mut model = NaiveSequential {
        hidden: NaiveDense::new(relu, 0),
        output: NaiveDense::new(softmax, 1),
    };

    for epoch in 0..epochs {
        println!("Epoch {epoch}");
        let batches = BatchGenerator {
            images: &train,
            labels: &mnist.train_labels,
            batch_size: 128,
            index: 0,
        };
        for (n, (images, labels)) in batches.enumerate() {
            let loss = one_training_step(&mut model, &images, &labels);
            if n % 100 == 0 {
                println!("loss at batch {n}: {loss:.2}");
            }
        }
    }

    let predictions = model.output.call(&model.hidden.call(&test));
    let predicted = predictions.argmax_axis::<1>();
    let correct = predicted
        .as_slice()
        .iter()
        .zip(mnist.test_labels.as_slice())
        .filter(|(p, l)| **p == **l as usize)
        .count();
    println!(
        "accuracy: {:.2}",
        correct as f64 / mnist.test_labels.batch_size() as f64
    );
}
