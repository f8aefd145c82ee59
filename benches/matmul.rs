//! Matrix products at the chapter's sizes: shaped's wrapper against a direct matrixmultiply
//! call and a naive loop, measured in the same run. Throughput is reported in elements per
//! second where one "element" is one floating-point operation (2 m k n per product), so
//! criterion's `elem/s` reads as FLOP/s.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use shaped::Tensor;
use std::hint::black_box;

type Mat = Tensor<(usize, usize)>;

fn naive(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, a_transposed: bool) {
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0;
            for l in 0..k {
                let x = if a_transposed {
                    a[l * m + i]
                } else {
                    a[i * k + l]
                };
                acc += x * b[l * n + j];
            }
            c[i * n + j] = acc;
        }
    }
}

fn products(c: &mut Criterion) {
    // One thread: the comparison is against a single-threaded direct call.
    shaped::ops::set_num_threads(1);
    // (m, k, n, left operand stored transposed): forward 784->512, forward 512->10, the
    // kernel gradient x^T . g of the first layer and h^T . g of the second (transposed views,
    // no copy).
    let cases = [
        (128, 784, 512, false),
        (128, 512, 10, false),
        (784, 128, 512, true),
        (512, 128, 10, true),
    ];
    for (m, k, n, transposed) in cases {
        let name = format!("{m}x{k}x{n}{}", if transposed { " (A^T view)" } else { "" });
        let mut group = c.benchmark_group(format!("matmul {name}"));
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        let a_stored: Mat = if transposed {
            Tensor::random_uniform((k, m), -1.0, 1.0, 1)
        } else {
            Tensor::random_uniform((m, k), -1.0, 1.0, 1)
        };
        let b: Mat = Tensor::random_uniform((k, n), -1.0, 1.0, 2);
        let mut out: Mat = Tensor::zeros((m, n));

        group.bench_function(BenchmarkId::new("shaped", &name), |bench| {
            bench.iter(|| {
                if transposed {
                    black_box(&a_stored)
                        .t()
                        .try_matmul_into(black_box(&b), &mut out)
                        .unwrap()
                } else {
                    black_box(&a_stored)
                        .try_matmul_into(black_box(&b), &mut out)
                        .unwrap()
                }
            })
        });
        group.bench_function(BenchmarkId::new("shaped allocating", &name), |bench| {
            bench.iter(|| {
                if transposed {
                    black_box(&a_stored).t().matmul(black_box(&b))
                } else {
                    black_box(&a_stored).matmul(black_box(&b))
                }
            })
        });
        group.bench_function(BenchmarkId::new("matrixmultiply direct", &name), |bench| {
            let (rsa, csa) = if transposed {
                (1, m as isize)
            } else {
                (k as isize, 1)
            };
            bench.iter(|| unsafe {
                // SAFETY: a_stored holds m*k, b k*n and out m*n elements with these strides.
                matrixmultiply::sgemm(
                    m,
                    k,
                    n,
                    1.0,
                    black_box(a_stored.as_slice()).as_ptr(),
                    rsa,
                    csa,
                    black_box(b.as_slice()).as_ptr(),
                    n as isize,
                    1,
                    0.0,
                    out.as_mut_slice().as_mut_ptr(),
                    n as isize,
                    1,
                )
            })
        });
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("naive loop", &name), |bench| {
            bench.iter(|| {
                naive(
                    black_box(a_stored.as_slice()),
                    black_box(b.as_slice()),
                    out.as_mut_slice(),
                    m,
                    k,
                    n,
                    transposed,
                )
            })
        });
        group.finish();
    }
}

/// The n = 10 layer's input gradient g . W^T: 128x10x512 with B a transposed view.
fn input_gradient(c: &mut Criterion) {
    shaped::ops::set_num_threads(1);
    let (m, k, n) = (128, 10, 512);
    let g: Mat = Tensor::random_uniform((m, k), -1.0, 1.0, 5);
    let w: Mat = Tensor::random_uniform((n, k), -1.0, 1.0, 6); // stored (512, 10), read as W^T
    let mut out: Mat = Tensor::zeros((m, n));
    let name = "128x10x512 (B^T view)";
    let mut group = c.benchmark_group(format!("matmul {name}"));
    group.throughput(Throughput::Elements((2 * m * k * n) as u64));
    group.bench_function(BenchmarkId::new("shaped", name), |b| {
        b.iter(|| {
            black_box(&g)
                .try_matmul_into(black_box(&w).t(), &mut out)
                .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("matrixmultiply direct", name), |bench| {
        // SAFETY: g holds m*k, w n*k (read with strides (1, k)) and out m*n elements.
        bench.iter(|| unsafe {
            matrixmultiply::sgemm(
                m,
                k,
                n,
                1.0,
                black_box(g.as_slice()).as_ptr(),
                k as isize,
                1,
                black_box(w.as_slice()).as_ptr(),
                1,
                k as isize,
                0.0,
                out.as_mut_slice().as_mut_ptr(),
                n as isize,
                1,
            )
        })
    });
    group.finish();
}

fn elementwise(c: &mut Criterion) {
    let x: Mat = Tensor::random_uniform((128, 512), -1.0, 1.0, 3);
    let y: Mat = Tensor::random_uniform((128, 512), -1.0, 1.0, 4);
    let bias = Tensor::<(usize,)>::random_uniform((512,), -1.0, 1.0, 5);
    let mut group = c.benchmark_group("elementwise 128x512");
    group.throughput(Throughput::Elements(128 * 512));
    group.bench_function("add (shaped)", |b| b.iter(|| black_box(&x) + black_box(&y)));
    group.bench_function("add (slice loop)", |b| {
        b.iter(|| {
            black_box(x.as_slice())
                .iter()
                .zip(black_box(y.as_slice()))
                .map(|(a, b)| a + b)
                .collect::<Vec<f32>>()
        })
    });
    group.bench_function("add row vector (shaped)", |b| {
        b.iter(|| black_box(&x) + black_box(&bias))
    });
    group.bench_function("relu (shaped)", |b| b.iter(|| black_box(&x).relu()));
    group.bench_function("relu (slice loop)", |b| {
        b.iter(|| {
            black_box(x.as_slice())
                .iter()
                .map(|v| v.max(0.0))
                .collect::<Vec<f32>>()
        })
    });
    let mut acc = x.clone();
    group.bench_function("add in place (shaped)", |b| b.iter(|| acc += black_box(&y)));
    group.finish();
}

criterion_group!(benches, products, input_gradient, elementwise);
criterion_main!(benches);
