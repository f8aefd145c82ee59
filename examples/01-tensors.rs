//! Chapter 2, cells 2 and 3: tensors (rank, shape, dtype), MNIST as tensors, slicing, batches.
//!
//! ```text
//! cargo run --release --example 01-tensors -- [--data DIR]
//! ```

mod common;
use shaped::data::mnist::render_digit;
use shaped::{Dim, Tensor};

fn main() {
    // Scalars (rank-0), vectors (rank-1), matrices (rank-2), rank-3 tensors.
    let x = Tensor::<()>::scalar(12.0);
    println!("x = {x}\nx.ndim = {}", x.ndim());
    let x = Tensor::<(Dim<5>,)>::from([12.0, 3.0, 6.0, 14.0, 7.0]);
    println!("x = {x}\nx.ndim = {}", x.ndim());
    let x = Tensor::<(Dim<3>, Dim<5>)>::from([
        [5.0, 78.0, 2.0, 34.0, 0.0],
        [6.0, 79.0, 3.0, 35.0, 1.0],
        [7.0, 80.0, 4.0, 36.0, 2.0],
    ]);
    println!("x = \n{x}\nx.ndim = {}", x.ndim());
    let x = Tensor::<(Dim<3>, Dim<3>, Dim<5>)>::from([[[5.0, 78.0, 2.0, 34.0, 0.0]; 3]; 3]);
    println!(
        "rank-3 x.ndim = {}, x.shape = {:?}",
        x.ndim(),
        x.shape_dims()
    );

    let mnist = match common::load_mnist(&std::env::args().skip(1).collect::<Vec<_>>()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let train_images = &mnist.train_images;
    println!(
        "train_images.ndim = {}, train_images.shape = {:?}, train_images.dtype = {}",
        train_images.ndim(),
        train_images.shape_dims(),
        train_images.dtype()
    );

    // The fourth digit (the book shows it with matplotlib).
    let digit = train_images.at(4);
    println!(
        "train_labels[4] = {}\n{}",
        mnist.train_labels[[4]],
        render_digit(&digit)
    );

    // Slicing: static bounds keep static sizes. The first axis is a runtime dim here
    // (it comes from a file), so the bound check happens when the program runs.
    let my_slice = train_images.narrow::<0, 10, 90>(); // train_images[10:100]
    println!("train_images[10:100].shape = {:?}", my_slice.shape_dims());
    let corner = train_images.narrow::<1, 14, 14>().narrow::<2, 14, 14>(); // [:, 14:, 14:]
    println!(
        "train_images[:, 14:, 14:].shape = {:?}",
        corner.shape_dims()
    );
    let centre = train_images.narrow::<1, 7, 14>().narrow::<2, 7, 14>(); // [:, 7:-7, 7:-7]
    println!(
        "train_images[:, 7:-7, 7:-7].shape = {:?}",
        centre.shape_dims()
    );
    println!("centre crop of digit 4:\n{}", render_crop(&centre.at(4)));

    // Batches: train_images[128 * n:128 * (n + 1)], the last one shorter.
    let batch = train_images.rows(0..128);
    println!("first batch: {:?}", batch.shape_dims());
    let n = 3;
    let batch = train_images.try_batch(n, 128).expect("batch 3 exists");
    println!("batch {n}: {:?}", batch.shape_dims());
    let last = train_images
        .try_batch(468, 128)
        .expect("the last batch exists");
    println!("last batch (468): {:?}", last.shape_dims());
    // A fixed-size batch: its size is a type, its offset a runtime value.
    let fixed = train_images.try_window::<128>(128 * n).expect("in bounds");
    println!("fixed-size batch: {:?}", fixed.shape_dims());
    match train_images.try_window::<128>(59_900) {
        Ok(_) => unreachable!("59900 + 128 is past the end"),
        Err(e) => println!("checked: {e}"),
    }
}

fn render_crop(image: &Tensor<(Dim<14>, Dim<14>), u8>) -> String {
    let mut padded = Tensor::<(Dim<28>, Dim<28>), u8>::zeros(Default::default());
    for i in 0..14 {
        for j in 0..14 {
            padded[[i, j]] = image[[i, j]];
        }
    }
    render_digit(&padded)
        .lines()
        .take(14)
        .map(|l| format!("{}\n", &l[..27]))
        .collect()
}
