//! The f32 path (shaped's own GEMM kernels, the narrow kernel for up to 16 columns, the
//! small-batch matrix-vector path) against independent references: naive loops for the
//! forward pass, and f64 finite differences (through matrixmultiply) for the gradients.

use shaped::nn::loss::SparseCategoricalCrossentropy;
use shaped::nn::{Dense, Init, Layer, Params, Relu, Softmax, Tanh, value_and_grad};
use shaped::{Dim, Tensor};

/// `act(x . kernel + bias)` by loops, in f64.
fn naive_dense(x: &[f32], batch: usize, kernel: &[f32], bias: &[f32], o: usize) -> Vec<f64> {
    let i = kernel.len() / o;
    let mut out = vec![0.0f64; batch * o];
    for b in 0..batch {
        for j in 0..o {
            let mut acc = bias[j] as f64;
            for k in 0..i {
                acc += x[b * i + k] as f64 * kernel[k * o + j] as f64;
            }
            out[b * o + j] = acc;
        }
    }
    out
}

fn params_f32<M: Params<f32>>(m: &M) -> Vec<f32> {
    let mut v = Vec::new();
    m.visit("", &mut |_, values, _| v.extend_from_slice(values));
    v
}

fn set_params<M: Params<f64>>(m: &mut M, values: &[f64]) {
    let mut i = 0;
    m.visit_mut(&mut |v| {
        for x in v.iter_mut() {
            *x = values[i];
            i += 1;
        }
    });
}

#[test]
fn dense_forward_matches_loops_on_every_path() {
    // Batches 1-4 take the matrix-vector path, larger ones the GEMM; 10 outputs take the
    // narrow kernel, 40 the general one.
    let wide = Dense::<37, 40, shaped::nn::Linear>::with_init(
        Init::GlorotUniform,
        Init::Uniform(-0.5, 0.5),
        3,
    );
    let narrow = Dense::<37, 10, shaped::nn::Linear>::with_init(
        Init::GlorotUniform,
        Init::Uniform(-0.5, 0.5),
        4,
    );
    for batch in [1, 2, 4, 5, 13, 64] {
        let x = Tensor::<(usize, Dim<37>)>::random_uniform((batch, Dim), -1.0, 1.0, batch as u64);
        for (got, kernel, bias, o) in [
            (
                wide.forward(&x).into_vec(),
                wide.kernel.as_slice(),
                wide.bias.as_slice(),
                40,
            ),
            (
                narrow.forward(&x).into_vec(),
                narrow.kernel.as_slice(),
                narrow.bias.as_slice(),
                10,
            ),
        ] {
            let want = naive_dense(x.as_slice(), batch, kernel, bias, o);
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (*g as f64 - w).abs() < 1e-5 * (1.0 + w.abs()),
                    "batch {batch}, {o} outputs: {g} vs {w}"
                );
            }
        }
    }
}

type Net32 = (
    Dense<33, 40, Tanh>,
    Dense<40, 10, Relu>,
    Dense<10, 5, Softmax>,
);
type Net64 = (
    Dense<33, 40, Tanh, f64>,
    Dense<40, 10, Relu, f64>,
    Dense<10, 5, Softmax, f64>,
);

#[test]
fn f32_gradients_through_the_kernels_match_f64_finite_differences() {
    let mut net: Net32 = (Dense::new(1), Dense::new(2), Dense::new(3));
    let mut net64: Net64 = (Dense::new(0), Dense::new(0), Dense::new(0));
    let flat: Vec<f64> = params_f32(&net).iter().map(|&v| v as f64).collect();
    set_params(&mut net64, &flat);
    // 24 samples: every product takes the GEMM path (the 10- and 5-column ones the narrow
    // kernel), in the forward pass and in backward's transposed reads.
    let x = Tensor::<(usize, Dim<33>)>::random_uniform((24, Dim), -1.0, 1.0, 9);
    let x64 = x.cast::<f64>();
    let y = Tensor::<(usize,), u8>::from_fn((24,), |[i]| (i % 5) as u8);
    let loss = SparseCategoricalCrossentropy::default();
    let (_, grads) = value_and_grad(&mut net, &loss, &x, &y).unwrap();
    let analytic = params_f32(&grads);

    let f = |values: &[f64]| {
        let mut m = net64.clone();
        set_params(&mut m, values);
        shaped::nn::loss::Loss::try_loss(&loss, &m.forward(&x64), &y).unwrap()
    };
    let h = 1e-6;
    let mut worst: f64 = 0.0;
    // Every 7th parameter: all layers, kernels and biases, in a few seconds.
    for i in (0..flat.len()).step_by(7) {
        let mut p = flat.clone();
        p[i] += h;
        let up = f(&p);
        p[i] -= 2.0 * h;
        let down = f(&p);
        let numeric = (up - down) / (2.0 * h);
        let error = (analytic[i] as f64 - numeric).abs() / (1e-3 + numeric.abs());
        worst = worst.max(error);
        assert!(
            (analytic[i] as f64 - numeric).abs() < 2e-4 + 1e-3 * numeric.abs(),
            "parameter {i}: f32 analytic {} vs f64 numeric {numeric}",
            analytic[i]
        );
    }
    assert!(worst < 0.05, "worst relative error {worst}");
}
