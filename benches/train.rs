//! A training step and single-sample inference of the chapter's network, each beside its
//! baseline measured in the same run: the step against a hand-written step (the same five
//! products through matrixmultiply, plus bias, relu, softmax-crossentropy gradient and the
//! RMSprop update as plain loops), inference against a row-order loop doing the full
//! arithmetic. Inputs pass through `black_box` on every iteration.

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
        b.iter(|| model.train_step(black_box(&x), black_box(&y)).unwrap())
    });
    // The same step written by hand: products through matrixmultiply, everything else as
    // plain loops over slices. Only the weights' RMSprop update is included (the biases'
    // is a few hundred values).
    let (mut h, mut z, mut dw1, mut dw2, mut dh) = (
        vec![0.0f32; 128 * 512],
        vec![0.0f32; 128 * 10],
        vec![0.0f32; 784 * 512],
        vec![0.0f32; 512 * 10],
        vec![0.0f32; 128 * 512],
    );
    let (mut w1, mut w2) = (
        net.0.kernel.as_slice().to_vec(),
        net.1.kernel.as_slice().to_vec(),
    );
    let (b1, b2) = (vec![0.0f32; 512], vec![0.0f32; 10]);
    let (mut db1, mut db2) = (vec![0.0f32; 512], vec![0.0f32; 10]);
    let (mut ms1, mut ms2) = (vec![0.0f32; 784 * 512], vec![0.0f32; 512 * 10]);
    let labels: Vec<usize> = y.as_slice().iter().map(|&l| l as usize).collect();
    // The same batch over and over drives gradients towards zero: flush tiny averages as
    // shaped does, or the baseline would measure subnormal arithmetic instead.
    let rmsprop = |w: &mut [f32], ms: &mut [f32], g: &[f32]| {
        for ((w, ms), &g) in w.iter_mut().zip(ms.iter_mut()).zip(g) {
            let avg = 0.9 * *ms + 0.1 * g * g;
            *ms = if avg < 1e-20 { 0.0 } else { avg };
            *w -= 0.001 * g / (ms.sqrt() + 1e-7);
        }
    };
    group.bench_function("hand-written step: matrixmultiply + loops", |b| {
        b.iter(|| {
            let x = black_box(x.as_slice());
            sgemm(128, 784, 512, x, (784, 1), &w1, (512, 1), &mut h);
            for row in h.chunks_exact_mut(512) {
                for (v, &b) in row.iter_mut().zip(&b1) {
                    *v = (*v + b).max(0.0);
                }
            }
            sgemm(128, 512, 10, &h, (512, 1), &w2, (10, 1), &mut z);
            let mut loss = 0.0f32;
            for (row, &label) in z.chunks_exact_mut(10).zip(&labels) {
                let max = row
                    .iter()
                    .zip(&b2)
                    .map(|(v, b)| v + b)
                    .fold(f32::MIN, f32::max);
                let mut sum = 0.0;
                for (v, &b) in row.iter_mut().zip(&b2) {
                    *v = (*v + b - max).exp();
                    sum += *v;
                }
                for v in row.iter_mut() {
                    *v /= sum;
                }
                loss -= row[label].max(1e-7).ln();
                row[label] -= 1.0;
                row.iter_mut().for_each(|v| *v /= 128.0);
            }
            sgemm(512, 128, 10, &h, (1, 512), &z, (10, 1), &mut dw2);
            db2.iter_mut().for_each(|v| *v = 0.0);
            for row in z.chunks_exact(10) {
                db2.iter_mut().zip(row).for_each(|(d, &g)| *d += g);
            }
            sgemm(128, 10, 512, &z, (10, 1), &w2, (1, 10), &mut dh);
            for (g, &a) in dh.iter_mut().zip(&h) {
                if a <= 0.0 {
                    *g = 0.0;
                }
            }
            db1.iter_mut().for_each(|v| *v = 0.0);
            for row in dh.chunks_exact(512) {
                db1.iter_mut().zip(row).for_each(|(d, &g)| *d += g);
            }
            sgemm(784, 128, 512, x, (1, 784), &dh, (512, 1), &mut dw1);
            rmsprop(&mut w1, &mut ms1, &dw1);
            rmsprop(&mut w2, &mut ms2, &dw2);
            black_box(loss)
        })
    });
    group.finish();
}

/// The network's forward pass on one sample, row by row over the kernel (the cache-friendly
/// order), every input included: what a careful hand-written loop costs.
fn loop_forward(input: &[f32; 784], net: &Net) -> (usize, f32) {
    let (k1, k2) = (net.0.kernel.as_slice(), net.1.kernel.as_slice());
    let mut h = [0.0f32; 512];
    h.copy_from_slice(net.0.bias.as_slice());
    for (&xi, row) in input.iter().zip(k1.chunks_exact(512)) {
        h.iter_mut().zip(row).for_each(|(v, &w)| *v += xi * w);
    }
    h.iter_mut().for_each(|v| *v = v.max(0.0));
    let mut z = [0.0f32; 10];
    z.copy_from_slice(net.1.bias.as_slice());
    for (&hi, row) in h.iter().zip(k2.chunks_exact(10)) {
        z.iter_mut().zip(row).for_each(|(v, &w)| *v += hi * w);
    }
    let max = z.iter().copied().fold(f32::MIN, f32::max);
    let sum: f32 = z.iter().map(|v| (v - max).exp()).sum();
    let best = (0..10).fold(0, |b, j| if z[j] > z[b] { j } else { b });
    (best, (z[best] - max).exp() / sum)
}

fn inference(c: &mut Criterion) {
    let net: Net = (Dense::new(0), Dense::new(1));
    // MNIST-like input (81% zeros, which shaped's paths skip) and dense input.
    let sparse = Tensor::<(Dim<1>, Dim<784>)>::random_uniform(Default::default(), 0.0, 1.0, 2)
        .map(|v| if v < 0.19 { v } else { 0.0 });
    let dense = Tensor::<(Dim<1>, Dim<784>)>::random_uniform(Default::default(), 0.0, 1.0, 3);
    let (w1, w2) = (
        FixedWeights::from_dense(&net.0),
        FixedWeights::from_dense(&net.1),
    );
    let fixed = FixedMlp::new(w1.layer::<Relu>(), w2.layer::<Softmax>());
    let mut group = c.benchmark_group("single-sample inference");
    for (name, x) in [("sparse", &sparse), ("dense", &dense)] {
        let input: [f32; 784] = x.as_slice().try_into().unwrap();
        group.bench_function(format!("fixed-size (embed), {name} input"), |b| {
            b.iter(|| fixed.classify(black_box(&input)))
        });
        group.bench_function(format!("typed model, batch of 1, {name} input"), |b| {
            b.iter(|| net.forward(black_box(x)))
        });
        group.bench_function(format!("row-order loop, {name} input"), |b| {
            b.iter(|| loop_forward(black_box(&input), &net))
        });
    }
    group.finish();
}

criterion_group!(benches, training_step, inference);
criterion_main!(benches);
