//! A training step and single-sample inference of the chapter's network, each beside its
//! baseline measured in the same run: the step against the bare matrixmultiply calls of its
//! five products (the floor any implementation pays), inference against a naive loop.

use criterion::{Criterion, criterion_group, criterion_main};
use shaped::embed::{FixedMlp, FixedWeights};
use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Layer, Relu, Softmax};
use shaped::optim::RmsProp;
use shaped::train::{Accuracy, Model};
use shaped::{Dim, Tensor};
use std::hint::black_box;

type Net = (Dense<784, 512, Relu>, Dense<512, 10, Softmax>);

#[allow(clippy::too_many_arguments)] // the shape of sgemm itself
fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (isize, isize),
    b: &[f32],
    (rsb, csb): (isize, isize),
    c: &mut [f32],
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: the slices hold the m*k, k*n and m*n elements these strides address.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        )
    }
}

fn training_step(c: &mut Criterion) {
    shaped::ops::set_num_threads(1);
    let x = Tensor::<(usize, Dim<784>)>::random_uniform((128, Dim), 0.0, 1.0, 1);
    let y = Tensor::<(usize,), u8>::from_fn((128,), |[i]| (i % 10) as u8);
    let net: Net = (Dense::new(0), Dense::new(1));
    let mut model = Model::compile(
        net.clone(),
        RmsProp::default(),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );
    let mut group = c.benchmark_group("training step 128 (1 thread)");
    group.bench_function("shaped train_step", |b| {
        b.iter(|| model.train_step(&x, &y).unwrap())
    });
    // The five products of a step, straight into matrixmultiply.
    let (mut h, mut z, mut dw1, mut dw2, mut dh) = (
        vec![0.0; 128 * 512],
        vec![0.0; 128 * 10],
        vec![0.0; 784 * 512],
        vec![0.0; 512 * 10],
        vec![0.0; 128 * 512],
    );
    let (w1, w2) = (net.0.kernel.as_slice(), net.1.kernel.as_slice());
    group.bench_function("its 5 products, direct matrixmultiply", |b| {
        b.iter(|| {
            sgemm(128, 784, 512, x.as_slice(), (784, 1), w1, (512, 1), &mut h);
            sgemm(128, 512, 10, &h, (512, 1), w2, (10, 1), &mut z);
            sgemm(512, 128, 10, &h, (1, 512), &z, (10, 1), &mut dw2);
            sgemm(128, 10, 512, &z, (10, 1), w2, (1, 10), &mut dh);
            sgemm(
                784,
                128,
                512,
                x.as_slice(),
                (1, 784),
                &dh,
                (512, 1),
                &mut dw1,
            );
        })
    });
    group.finish();
}

fn inference(c: &mut Criterion) {
    let net: Net = (Dense::new(0), Dense::new(1));
    let x = Tensor::<(Dim<1>, Dim<784>)>::random_uniform(Default::default(), 0.0, 1.0, 2)
        .map(|v| if v < 0.19 { v } else { 0.0 });
    let input: [f32; 784] = x.as_slice().try_into().unwrap();
    let (w1, w2) = (
        FixedWeights::from_dense(&net.0),
        FixedWeights::from_dense(&net.1),
    );
    let fixed = FixedMlp::new(w1.layer::<Relu>(), w2.layer::<Softmax>());
    let mut group = c.benchmark_group("single-sample inference");
    group.bench_function("fixed-size (embed)", |b| {
        b.iter(|| fixed.classify(black_box(&input)))
    });
    group.bench_function("typed model, batch of 1", |b| {
        b.iter(|| net.forward(black_box(&x)))
    });
    group.bench_function("naive loop", |b| {
        b.iter(|| {
            let (k1, k2) = (net.0.kernel.as_slice(), net.1.kernel.as_slice());
            let mut h = [0.0f32; 512];
            for j in 0..512 {
                h[j] = (0..784)
                    .map(|i| input[i] * k1[i * 512 + j])
                    .sum::<f32>()
                    .max(0.0);
            }
            let mut best = (0, f32::MIN);
            for j in 0..10 {
                let v: f32 = (0..512).map(|i| h[i] * k2[i * 10 + j]).sum();
                if v > best.1 {
                    best = (j, v);
                }
            }
            best
        })
    });
    group.finish();
}

criterion_group!(benches, training_step, inference);
criterion_main!(benches);
