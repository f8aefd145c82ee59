//! Your own layers and optimizer, outside the crate, on shaped's public API only: a
//! residual block composed from layers (no backward code), a Dropout written by hand, and
//! the Lion optimizer. The model trains on a synthetic three-class problem, is saved, and
//! reloads bit for bit.
//!
//! ```text
//! cargo run --release --example custom_layer
//! ```

use std::process::ExitCode;

use shaped::io::{load_weights, save_weights, weights_to_bytes};
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Grad, Layer, Params, Relu, Residual, Softmax, Train, reuse};
use shaped::optim::Optimizer;
use shaped::rand::rngs::StdRng;
use shaped::rand::{Rng, SeedableRng};
use shaped::tensor::Float;
use shaped::train::{Accuracy, FitConfig, Model};
use shaped::{Dim, Shape, Tensor};

mod common;

// --- A residual block, `x + Dense(relu(Dense(x)))`: composed, so no backward to write.

type Block = Residual<(Dense<32, 32, Relu>, Dense<32, 32>)>;

fn block(seed: u64) -> Block {
    Residual((Dense::new(seed), Dense::new(seed + 1)))
}

// --- Dropout by hand: a setting (saved and checked), state that moves on while training.

#[derive(Clone, Params)]
struct MyDropout {
    #[params(config)]
    rate: f64,
    #[params(skip)]
    rng: StdRng, // a new mask every step
}
impl<S: Shape, E: Float> Layer<Tensor<S, E>> for MyDropout {
    type Output = Tensor<S, E>;
    fn forward(&self, x: &Tensor<S, E>) -> Tensor<S, E> {
        x.clone() // inference: the identity
    }
}

impl<S: Shape, E: Float> Train<Tensor<S, E>> for MyDropout {
    type Cache = (Option<Tensor<S, E>>, Option<Tensor<S, E>>); // output, mask
    const SOFTMAX_OUTPUT: bool = false;
    fn forward_train<'c>(&mut self, x: &Tensor<S, E>, c: &'c mut Self::Cache) -> &'c Tensor<S, E> {
        let (rate, keep) = (self.rate, E::from(1.0 / (1.0 - self.rate)).unwrap());
        let mask = reuse(&mut c.1, x);
        mask.map_inplace(|_| keep * E::from((self.rng.random::<f64>() >= rate) as u8).unwrap());
        x.zip_map_into(mask, reuse(&mut c.0, x), |v, m| v * m);
        c.0.as_ref().unwrap()
    }
    fn output(c: &Self::Cache) -> &Tensor<S, E> {
        c.0.as_ref().unwrap()
    }
    fn backward(
        &self,
        _: &Tensor<S, E>,
        c: &mut Self::Cache,
        grad: Grad<&Tensor<S, E>>,
        _: &mut Self,
        dx: Option<&mut Tensor<S, E>>,
    ) {
        let (Grad::Output(g) | Grad::PreActivation(g)) = grad;
        if let (Some(dx), Some(mask)) = (dx, &c.1) {
            g.zip_map_into(mask, dx, |g, m| g * m);
        }
    }
}

// --- The Lion optimizer (Chen et al., 2023): the sign of an interpolated momentum.

#[derive(Clone)]
struct Lion<M> {
    learning_rate: f64,
    momentum: Option<M>,
    iterations: u64,
}

impl<M: Params<f32>> Optimizer<M, f32> for Lion<M> {
    fn step(&mut self, model: &mut M, grads: &M) {
        let (lr, b1, b2) = (self.learning_rate as f32, 0.9f32, 0.99f32);
        let momentum = self.momentum.get_or_insert_with(|| model.zeros_like());
        model.zip_update(grads, [momentum], &mut |w, g, [m]| {
            for ((w, &g), m) in w.iter_mut().zip(g).zip(m.iter_mut()) {
                let update = b1 * *m + (1.0 - b1) * g;
                *w -= lr * update.signum() * (update != 0.0) as u8 as f32;
                *m = b2 * *m + (1.0 - b2) * g;
            }
        });
        self.iterations += 1;
    }
    fn iterations(&self) -> u64 {
        self.iterations
    }
    fn current_learning_rate(&self) -> f64 {
        self.learning_rate
    }
    fn state_mut(&mut self, model: &M) -> Vec<(&'static str, &mut M)> {
        vec![(
            "momentum",
            self.momentum.get_or_insert_with(|| model.zeros_like()),
        )]
    }
    fn set_iterations(&mut self, iterations: u64) {
        self.iterations = iterations;
    }
    fn describe(&self) -> String {
        format!("lion(learning_rate={})", self.learning_rate)
    }
}

type Net = (Dense<2, 32, Relu>, Block, MyDropout, Dense<32, 3, Softmax>);

fn net(seed: u64) -> Net {
    let dropout = MyDropout {
        rate: 0.1,
        rng: StdRng::seed_from_u64(seed),
    };
    (
        Dense::new(seed),
        block(seed + 1),
        dropout,
        Dense::new(seed + 3),
    )
}

/// Points in the plane, labelled by which third of the circle their angle falls in.
fn data(n: usize, seed: u64) -> (Tensor<(usize, Dim<2>)>, Tensor<(usize,), u8>) {
    let x = Tensor::<(usize, Dim<2>)>::random_uniform((n, Dim), -1.0, 1.0, seed);
    let y = Tensor::from_fn((n,), |[i]| {
        let angle = x[[i, 1]].atan2(x[[i, 0]]) + std::f32::consts::PI; // 0 .. 2 pi
        ((angle / (2.0 * std::f32::consts::PI / 3.0)) as u8).min(2)
    });
    (x, y)
}

fn main() -> ExitCode {
    common::main_with(|_| {
        let (x, y) = data(3000, 1);
        let (test_x, test_y) = data(1000, 2);
        let lion = Lion {
            learning_rate: 3e-4,
            momentum: None,
            iterations: 0,
        };
        let mut model = Model::compile(
            net(0),
            lion,
            SparseCategoricalCrossentropy::default(),
            Accuracy::default(),
        );
        let config = FitConfig {
            epochs: 20,
            batch_size: 32,
            verbose: false,
            ..FitConfig::default()
        };
        let history = model.fit(&x, &y, &config)?;
        let last = history.epochs.last().expect("20 epochs");
        println!(
            "train: loss {:.4}, accuracy {:.4}",
            last.loss,
            last.metric.unwrap_or(0.0)
        );
        let (test_loss, test_acc) = model.evaluate(&test_x, &test_y, 256)?;
        println!("test_loss: {test_loss:.4}");
        println!("test_acc: {:.4}", test_acc.unwrap_or(0.0));

        let path =
            std::env::temp_dir().join(format!("shaped-custom-{}.safetensors", std::process::id()));
        save_weights(&model.net, &path)?;
        let mut reloaded = net(99);
        load_weights(&mut reloaded, &path)?;
        let same_bytes = weights_to_bytes(&reloaded)? == weights_to_bytes(&model.net)?;
        let same_outputs = reloaded.forward(&test_x) == model.net.forward(&test_x);
        std::fs::remove_file(&path)?;
        println!("reloaded bit for bit: {}", same_bytes && same_outputs);
        if !(same_bytes && same_outputs) || test_acc.unwrap_or(0.0) < 0.9 {
            return Err("the reloaded model differs, or the model did not learn".into());
        }
        Ok(())
    })
}
