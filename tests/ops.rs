//! Every operation against the chapter's naive loops, plus property tests on random shapes.

use proptest::prelude::*;
use shaped::ops::dot;
use shaped::{Dim, Dimension, NotOne, One, Shape, Tensor};

// --- The chapter's naive reference implementations (cells 4 to 6), on flat row-major data.

fn naive_relu(x: &[f32]) -> Vec<f32> {
    x.iter().map(|&v| if v > 0.0 { v } else { 0.0 }).collect()
}

fn naive_add(x: &[f32], y: &[f32]) -> Vec<f32> {
    assert_eq!(x.len(), y.len());
    x.iter().zip(y).map(|(a, b)| a + b).collect()
}

fn naive_add_matrix_and_vector(x: &[f32], rows: usize, cols: usize, y: &[f32]) -> Vec<f32> {
    let mut out = x.to_vec();
    for i in 0..rows {
        for j in 0..cols {
            out[i * cols + j] += y[j];
        }
    }
    out
}

fn naive_vector_dot(x: &[f32], y: &[f32]) -> f32 {
    let mut z = 0.0;
    for i in 0..x.len() {
        z += x[i] * y[i];
    }
    z
}

fn naive_matrix_vector_dot(x: &[f32], rows: usize, cols: usize, y: &[f32]) -> Vec<f32> {
    (0..rows)
        .map(|i| naive_vector_dot(&x[i * cols..(i + 1) * cols], y))
        .collect()
}

fn naive_matrix_dot(x: &[f32], m: usize, k: usize, y: &[f32], n: usize) -> Vec<f32> {
    let mut z = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            let column: Vec<f32> = (0..k).map(|l| y[l * n + j]).collect();
            z[i * n + j] = naive_vector_dot(&x[i * k..(i + 1) * k], &column);
        }
    }
    z
}

fn close(a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!(
            (x - y).abs() <= 1e-4 * (1.0 + x.abs().max(y.abs())),
            "{x} vs {y}"
        );
    }
}

type M20x100 = (Dim<20>, Dim<100>);

#[test]
fn relu_and_add_match_naive_loops() {
    let x = Tensor::<M20x100>::random_normal(Default::default(), 0.0, 1.0, 1);
    let y = Tensor::<M20x100>::random_normal(Default::default(), 0.0, 1.0, 2);
    close(x.relu().as_slice(), &naive_relu(x.as_slice()));
    close((&x + &y).as_slice(), &naive_add(x.as_slice(), y.as_slice()));
    let mut z = x.clone();
    z += &y;
    close(z.as_slice(), &naive_add(x.as_slice(), y.as_slice()));
}

#[test]
fn matrix_plus_vector_matches_naive_loop() {
    let x = Tensor::<(Dim<32>, Dim<10>)>::random_normal(Default::default(), 0.0, 1.0, 3);
    let y = Tensor::<(Dim<10>,)>::random_normal(Default::default(), 0.0, 1.0, 4);
    let expected = naive_add_matrix_and_vector(x.as_slice(), 32, 10, y.as_slice());
    close((&x + &y).as_slice(), &expected);
    let mut z = x.clone();
    z += &y;
    close(z.as_slice(), &expected);
}

#[test]
fn maximum_broadcasts_like_numpy() {
    let x = Tensor::<(Dim<64>, Dim<3>, Dim<32>, Dim<10>)>::random_uniform(
        Default::default(),
        0.0,
        1.0,
        5,
    );
    let y = Tensor::<(Dim<32>, Dim<10>)>::random_uniform(Default::default(), 0.0, 1.0, 6);
    let z = x.maximum(&y);
    assert_eq!(z.shape_dims(), [64, 3, 32, 10]);
    for i in 0..64 {
        for j in 0..3 {
            for k in 0..32 {
                for l in 0..10 {
                    assert_eq!(z[[i, j, k, l]], x[[i, j, k, l]].max(y[[k, l]]));
                }
            }
        }
    }
}

#[test]
fn size_one_stretching_and_scalars() {
    let col = Tensor::<(Dim<32>, One)>::from_fn(Default::default(), |[i, _]| i as f32);
    let wide = Tensor::<(Dim<32>, Dim<10>)>::from_fn(Default::default(), |[_, j]| j as f32);
    let z = &col * &wide;
    let w = &wide * &col;
    for i in 0..32 {
        for j in 0..10 {
            assert_eq!(z[[i, j]], (i * j) as f32);
            assert_eq!(w[[i, j]], (i * j) as f32);
        }
    }
    let s = Tensor::<()>::scalar(2.0);
    assert_eq!((&wide * &s).as_slice(), (&wide * 2.0).as_slice());
    let outer = Tensor::<(Dim<3>, One)>::from([[1.0], [2.0], [3.0]])
        + Tensor::<(One, Dim<2>)>::from([[10.0, 20.0]]);
    assert_eq!(outer.as_slice(), &[11.0, 21.0, 12.0, 22.0, 13.0, 23.0]);
}

#[test]
fn one_stretches_to_any_size() {
    // Past the old impl table (1024): 2000 and 1025 x 3.
    let x =
        Tensor::<(Dim<8>, Dim<2000>)>::from_fn(Default::default(), |[i, j]| (i * 2000 + j) as f32);
    let d = Tensor::<(Dim<8>, One)>::from_fn(Default::default(), |[i, _]| (i + 1) as f32);
    let y: Tensor<(Dim<8>, Dim<2000>)> = &x / &d;
    for (i, j) in [(0, 0), (3, 1999), (7, 1024)] {
        assert_eq!(y[[i, j]], (i * 2000 + j) as f32 / (i + 1) as f32);
    }
    let a = Tensor::<(Dim<1025>, One)>::from_fn(Default::default(), |[i, _]| i as f32);
    let b = Tensor::<(One, Dim<3>)>::from([[1.0, 2.0, 3.0]]);
    let outer: Tensor<(Dim<1025>, Dim<3>)> = &a * &b;
    assert_eq!(outer[[1024, 2]], 3072.0);
    // A runtime batch against a `One` keeps the runtime batch, whatever its size.
    for n in [1, 5] {
        let x = Tensor::<(usize, Dim<3>)>::ones((n, Dim));
        let row = Tensor::<(One, Dim<3>)>::from([[1.0, 2.0, 3.0]]);
        let y: Tensor<(usize, Dim<3>)> = &x + &row;
        assert_eq!(y.shape_dims(), [n, 3]);
        assert_eq!(y[[n - 1, 2]], 4.0);
    }
}

/// Centres the columns of any static matrix: a keepdims mean broadcast back in generic code.
fn centred<const M: usize, const N: usize>(
    x: &Tensor<(Dim<M>, Dim<N>)>,
) -> Tensor<(Dim<M>, Dim<N>)> {
    x - &x.mean_axis::<0>().unsqueeze::<0>()
}

/// The same over a generic batch dim: `NotOne` is the one bound it needs.
fn centred_batch<B: NotOne, const N: usize>(x: &Tensor<(B, Dim<N>)>) -> Tensor<(B, Dim<N>)> {
    x - &x.mean_axis::<0>().unsqueeze::<0>()
}

/// Rows centred over a generic batch: `B` against `B` and `Dim<N>` against `One` need no bound.
fn centred_rows<B: Dimension, const N: usize>(x: &Tensor<(B, Dim<N>)>) -> Tensor<(B, Dim<N>)> {
    x - &x.mean_axis::<1>().unsqueeze::<1>()
}

#[test]
fn generic_code_broadcasts_a_keepdims_mean() {
    let x = Tensor::<(Dim<2>, Dim<3>)>::from([[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]]);
    assert_eq!(centred(&x).as_slice(), &[-1.0, -2.0, -3.0, 1.0, 2.0, 3.0]);
    assert_eq!(centred_batch(&x).as_slice(), centred(&x).as_slice());
    assert_eq!(
        centred_rows(&x).as_slice(),
        &[-1.0, 0.0, 1.0, -3.0, 0.0, 3.0]
    );
    let dynamic = x.clone().into_shape::<(usize, Dim<3>)>();
    assert_eq!(centred_batch(&dynamic).as_slice(), centred(&x).as_slice());
    assert_eq!(
        centred_rows(&dynamic).as_slice(),
        centred_rows(&x).as_slice()
    );
}

#[test]
fn runtime_broadcast_errors_name_both_shapes() {
    let a = Tensor::<(usize, Dim<3>)>::zeros((4, Dim));
    let b = Tensor::<(usize, Dim<3>)>::zeros((5, Dim));
    assert_eq!(
        a.try_add(&b).unwrap_err().to_string(),
        "add: incompatible shapes [4, 3] and [5, 3]"
    );
    let c = Tensor::<(usize, Dim<3>)>::zeros((1, Dim));
    assert_eq!(a.try_mul(&c).unwrap().shape_dims(), [4, 3]);
}

#[test]
#[should_panic(expected = "sub: incompatible shapes [4, 3] and [5, 3]")]
fn panicking_forms_carry_the_message() {
    let a = Tensor::<(usize, Dim<3>)>::zeros((4, Dim));
    let b = Tensor::<(usize, Dim<3>)>::zeros((5, Dim));
    let _ = a - b;
}

#[test]
fn products_match_naive_loops() {
    let x = Tensor::<(Dim<7>,)>::random_normal(Default::default(), 0.0, 1.0, 7);
    let y = Tensor::<(Dim<7>,)>::random_normal(Default::default(), 0.0, 1.0, 8);
    let z = dot(&x, &y);
    assert!((z.item() - naive_vector_dot(x.as_slice(), y.as_slice())).abs() < 1e-5);

    let m = Tensor::<(Dim<5>, Dim<7>)>::random_normal(Default::default(), 0.0, 1.0, 9);
    close(
        m.matmul(&x).as_slice(),
        &naive_matrix_vector_dot(m.as_slice(), 5, 7, x.as_slice()),
    );

    let v = Tensor::<(Dim<5>,)>::random_normal(Default::default(), 0.0, 1.0, 10);
    let expected = naive_matrix_dot(v.as_slice(), 1, 5, m.as_slice(), 7);
    close(v.matmul(&m).as_slice(), &expected);

    let n = Tensor::<(Dim<7>, Dim<3>)>::random_normal(Default::default(), 0.0, 1.0, 11);
    close(
        m.matmul(&n).as_slice(),
        &naive_matrix_dot(m.as_slice(), 5, 7, n.as_slice(), 3),
    );

    let b = Tensor::<(Dim<4>, Dim<5>, Dim<7>)>::random_normal(Default::default(), 0.0, 1.0, 12);
    let out = b.matmul(&n);
    for i in 0..4 {
        let slice = &b.as_slice()[i * 35..(i + 1) * 35];
        close(
            &out.as_slice()[i * 15..(i + 1) * 15],
            &naive_matrix_dot(slice, 5, 7, n.as_slice(), 3),
        );
    }
}

#[test]
fn runtime_inner_dim_mismatch_is_an_error() {
    let a = Tensor::<(usize, usize)>::zeros((32, 7));
    let b = Tensor::<(usize, Dim<10>)>::zeros((784, Dim));
    assert_eq!(
        a.try_matmul(&b).unwrap_err().to_string(),
        "matmul: incompatible shapes [32, 7] and [784, 10]"
    );
}

#[test]
fn reshape_transpose_and_axes() {
    let x = Tensor::<(Dim<3>, Dim<2>)>::from([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]);
    let y = x.clone().reshape::<(Dim<6>, Dim<1>)>();
    assert_eq!(y.shape_dims(), [6, 1]);
    let z = y.reshape::<(Dim<2>, Dim<3>)>();
    assert_eq!(z.as_slice(), x.as_slice());
    let t =
        Tensor::<(Dim<300>, Dim<20>)>::from_fn(Default::default(), |[i, j]| (i * 20 + j) as f32);
    let tt = t.transpose();
    assert_eq!(tt.shape_dims(), [20, 300]);
    assert_eq!(tt[[3, 7]], t[[7, 3]]);
    let u: Tensor<(One, Dim<3>, Dim<2>)> = x.clone().unsqueeze::<0>();
    assert_eq!(u.shape_dims(), [1, 3, 2]);
    assert_eq!(u.squeeze::<0>().shape_dims(), [3, 2]);
    let plain = x.clone().reshape::<(Dim<3>, Dim<1>, Dim<2>)>();
    assert_eq!(plain.squeeze::<1>().as_slice(), x.as_slice());
    let flat: Tensor<(Dim<6>,)> = x.flatten();
    assert_eq!(flat.as_slice(), &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
}

#[test]
fn reductions_match_loops() {
    let x = Tensor::<(Dim<4>, Dim<3>, Dim<5>)>::random_normal(Default::default(), 0.0, 1.0, 13);
    let s = x.sum_axis::<1>();
    let m = x.max_axis::<2>();
    let a = x.argmax_axis::<0>();
    for i in 0..4 {
        for k in 0..5 {
            let expected: f32 = (0..3).map(|j| x[[i, j, k]]).sum();
            assert!((s[[i, k]] - expected).abs() < 1e-5);
        }
        for j in 0..3 {
            let expected = (0..5).map(|k| x[[i, j, k]]).fold(f32::MIN, f32::max);
            assert_eq!(m[[i, j]], expected);
        }
    }
    for j in 0..3 {
        for k in 0..5 {
            let best = (0..4)
                .max_by(|&p, &q| x[[p, j, k]].total_cmp(&x[[q, j, k]]))
                .unwrap();
            assert_eq!(a[[j, k]], best);
        }
    }
    assert!((x.mean() - x.as_slice().iter().sum::<f32>() / 60.0).abs() < 1e-6);
    assert_eq!(
        x.min(),
        x.as_slice().iter().copied().fold(f32::MAX, f32::min)
    );
    assert!((x.mean_axis::<2>()[[1, 1]] - x.sum_axis::<2>()[[1, 1]] / 5.0).abs() < 1e-6);
}

#[test]
fn slicing_keeps_static_sizes() {
    let images =
        Tensor::<(Dim<100>, Dim<28>, Dim<28>), u8>::from_fn(Default::default(), |[n, i, j]| {
            ((n + i * 3 + j * 7) % 256) as u8
        });
    let my_slice = images.narrow::<0, 10, 90>();
    assert_eq!(my_slice.shape_dims(), [90, 28, 28]);
    assert_eq!(my_slice[[0, 1, 2]], images[[10, 1, 2]]);
    let corner = images.narrow::<1, 14, 14>().narrow::<2, 14, 14>();
    assert_eq!(corner[[5, 0, 0]], images[[5, 14, 14]]);
    let centre = images.narrow::<1, 7, 14>().narrow::<2, 7, 14>();
    assert_eq!(centre[[5, 13, 13]], images[[5, 20, 20]]);
    let n = 3;
    let batch = images.clone().dyn_batch().rows(16 * n..16 * (n + 1));
    assert_eq!(batch.shape_dims(), [16, 28, 28]);
    assert_eq!(batch[[0, 0, 0]], images[[48, 0, 0]]);
    let images = images.dyn_batch();
    let last = images.try_batch(6, 16).unwrap();
    assert_eq!(last.shape_dims(), [4, 28, 28]);
    assert!(images.try_batch(7, 16).is_err());
    assert_eq!(
        images.try_window::<16>(90).unwrap_err().to_string(),
        "window: incompatible shapes [100, 28, 28] and [16, 28, 28] (range 90..106 on axis 0 of size 100)"
    );
    let runtime = Tensor::<(usize, Dim<4>)>::zeros((5, Dim));
    assert!(runtime.try_narrow::<0, 2, 4>().is_err());
    assert_eq!(
        runtime.try_narrow::<0, 1, 4>().unwrap().shape_dims(),
        [4, 4]
    );
}

#[test]
fn shape_conversions_are_checked() {
    let x = Tensor::<(usize, Dim<3>)>::zeros((4, Dim));
    assert!(x.clone().try_fix_batch::<5>().is_err());
    assert_eq!(x.try_fix_batch::<4>().unwrap().shape_dims(), [4, 3]);
    assert_eq!(<(usize, Dim<3>)>::from_dims(&[2, 4]), None);
}

// --- Property tests: random shapes and values.

fn tensor(dims: &[usize], seed: u64) -> Tensor<(usize, usize, usize)> {
    Tensor::random_uniform((dims[0], dims[1], dims[2]), -1.0, 1.0, seed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn broadcasting_matches_index_arithmetic(
        d in prop::collection::vec(1usize..5, 3),
        mask in prop::collection::vec(any::<bool>(), 3),
        seed in any::<u64>(),
    ) {
        let a = tensor(&d, seed);
        let small: Vec<usize> = d.iter().zip(&mask).map(|(&n, &m)| if m { 1 } else { n }).collect();
        let b = tensor(&small, seed ^ 1);
        let c = a.try_add(&b).unwrap();
        let c2 = b.try_add(&a).unwrap();
        for i in 0..d[0] { for j in 0..d[1] { for k in 0..d[2] {
            let bi = [if mask[0] { 0 } else { i }, if mask[1] { 0 } else { j }, if mask[2] { 0 } else { k }];
            prop_assert_eq!(c[[i, j, k]], a[[i, j, k]] + b[bi]);
            prop_assert_eq!(c2[[i, j, k]], c[[i, j, k]]);
        }}}
    }

    #[test]
    fn matmul_with_transposed_views(m in 1usize..20, k in 1usize..20, n in 1usize..20, seed in any::<u64>()) {
        let a = Tensor::<(usize, usize)>::random_uniform((k, m), -1.0, 1.0, seed);
        let b = Tensor::<(usize, usize)>::random_uniform((n, k), -1.0, 1.0, seed ^ 7);
        let at = a.transpose();
        let bt = b.transpose();
        let expected = naive_matrix_dot(at.as_slice(), m, k, bt.as_slice(), n);
        close(a.t().matmul(b.t()).as_slice(), &expected);
        close(at.matmul(b.t()).as_slice(), &expected);
        close(a.t().matmul(&bt).as_slice(), &expected);
        close(at.matmul(&bt).as_slice(), &expected);
    }

    #[test]
    fn reshape_and_transpose_round_trip(r in 1usize..30, c in 1usize..30, seed in any::<u64>()) {
        let x = Tensor::<(usize, usize)>::random_uniform((r, c), -1.0, 1.0, seed);
        let t = x.transpose();
        prop_assert_eq!(t.shape_dims(), [c, r]);
        for i in 0..r {
            for j in 0..c {
                prop_assert_eq!(t[[j, i]], x[[i, j]]);
            }
        }
        prop_assert_eq!(&t.transpose(), &x);
        let flat = x.clone().reshape_to((r * c,));
        prop_assert_eq!(flat.reshape_to((r, c)), x.clone());
        prop_assert!(x.try_reshape((r * c + 1,)).is_err());
    }
}

#[test]
fn split_products_match_single_threaded_bit_for_bit() {
    // 256 rows: with 32 or 64 threads, 512 columns split into blocks narrow enough to
    // take another kernel if the split allowed it (it used to, and results differed).
    let a = Tensor::<(usize, usize)>::random_uniform((256, 784), -1.0, 1.0, 40);
    let b = Tensor::<(usize, usize)>::random_uniform((784, 512), -1.0, 1.0, 41);
    let c = Tensor::<(usize, usize)>::random_uniform((512, 10), -1.0, 1.0, 42);
    let wide = Tensor::<(usize, usize)>::random_uniform((784, 100), -1.0, 1.0, 43);
    let products = || {
        (
            a.matmul(&b),
            a.t().matmul(&a),
            a.matmul(&b).matmul(&c),
            a.matmul(&wide),
        )
    };
    shaped::ops::set_num_threads(1);
    let one = products();
    for threads in [2, 3, 16, 32, 64] {
        shaped::ops::set_num_threads(threads);
        assert!(products() == one, "{threads} threads");
    }
    let naive = naive_matrix_dot(a.as_slice(), 256, 784, b.as_slice(), 512);
    close(one.0.as_slice(), &naive);
}

/// `a op= b` with `b` stretched along its size-1 axes, by index arithmetic.
fn naive_broadcast_assign(
    a: &[f32],
    da: [usize; 3],
    b: &[f32],
    db: [usize; 3],
    op: impl Fn(f32, f32) -> f32,
) -> Vec<f32> {
    let mut out = a.to_vec();
    for i in 0..da[0] {
        for j in 0..da[1] {
            for k in 0..da[2] {
                let bi = if db[0] == 1 { 0 } else { i };
                let bj = if db[1] == 1 { 0 } else { j };
                let bk = if db[2] == 1 { 0 } else { k };
                let at = (i * da[1] + j) * da[2] + k;
                out[at] = op(out[at], b[(bi * db[1] + bj) * db[2] + bk]);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The general size-1 stretching branch of `+=`/`*=` (a stretched axis anywhere, not
    /// only a trailing vector) against index arithmetic.
    #[test]
    fn in_place_broadcasting_matches_index_arithmetic(
        d0 in 1usize..5, d1 in 1usize..5, d2 in 1usize..5,
        ones in 0u8..8, seed in any::<u64>(),
    ) {
        let da = [d0, d1, d2];
        let db = [0, 1, 2].map(|i| if ones & (1 << i) != 0 { 1 } else { da[i] });
        let a = Tensor::<(usize, usize, usize)>::random_uniform((d0, d1, d2), -2.0, 2.0, seed);
        let b = Tensor::<(usize, usize, usize)>::random_uniform((db[0], db[1], db[2]), -2.0, 2.0, seed ^ 1);
        let mut sum = a.clone();
        sum += &b;
        prop_assert_eq!(sum.as_slice(), &naive_broadcast_assign(a.as_slice(), da, b.as_slice(), db, |x, y| x + y)[..]);
        let mut product = a.clone();
        product *= &b;
        prop_assert_eq!(product.as_slice(), &naive_broadcast_assign(a.as_slice(), da, b.as_slice(), db, |x, y| x * y)[..]);
        let mut difference = a.clone();
        difference -= &b;
        prop_assert_eq!(difference.as_slice(), &naive_broadcast_assign(a.as_slice(), da, b.as_slice(), db, |x, y| x - y)[..]);
        // And the allocating form, both ways round.
        let (ab, ba) = (&a + &b, &b + &a);
        prop_assert_eq!(ab.as_slice(), sum.as_slice());
        prop_assert_eq!(ba.as_slice(), sum.as_slice());
    }
}

#[test]
fn a_runtime_batch_against_a_static_size_one_axis_keeps_the_runtime_batch() {
    // The README's normal case: runtime batch, static features, a (1, N) row.
    for batch in [1, 6, 2000] {
        let x = Tensor::<(usize, Dim<10>)>::from_fn((batch, Dim), |[i, j]| (i * 10 + j) as f32);
        let row = Tensor::<(Dim<1>, Dim<10>)>::from_fn(Default::default(), |[_, j]| j as f32);
        let y: Tensor<(usize, Dim<10>)> = x.try_sub(&row).unwrap();
        assert_eq!(y.shape_dims(), [batch, 10]);
        for i in 0..batch {
            for j in 0..10 {
                assert_eq!(y[[i, j]], (i * 10) as f32);
            }
        }
        let mut z = x.clone();
        z -= &row;
        assert_eq!(z, y);
    }
}

#[test]
fn selected_rows_are_the_rows_asked_for_on_any_thread_count() {
    // 300 rows of 784 values (940 KB): several pieces of rows, copied over two threads;
    // repeated and out-of-order indices, and a selection of one row.
    let x = Tensor::<(usize, Dim<784>)>::from_fn((300, Dim), |[i, j]| (i * 1000 + j) as f32);
    let picks: Vec<usize> = (0..257).map(|k| (k * 149 + 7) % 300).collect();
    for threads in [1, 2] {
        shaped::ops::set_num_threads(threads);
        for indices in [&picks[..], &[299][..]] {
            let rows = x.select_rows(indices);
            assert_eq!(rows.shape_dims(), [indices.len(), 784]);
            for (r, &i) in indices.iter().enumerate() {
                let got = &rows.as_slice()[r * 784..(r + 1) * 784];
                assert_eq!(
                    got,
                    &x.as_slice()[i * 784..(i + 1) * 784],
                    "row {r} ({threads} threads)"
                );
            }
        }
    }
}

#[test]
fn every_tensor_starts_a_cache_line() {
    // Whole-line loads in the kernels, for tensors of 4 KB or more (smaller ones keep the
    // allocator's cheaper alignment): from constructors, from a user's Vec (copied), from
    // operations and after reshaping or growing a reused buffer.
    let at_line = |values: &[f32]| (values.as_ptr() as usize).is_multiple_of(64);
    let a = Tensor::<(usize, Dim<784>)>::random_uniform((3, Dim), -1.0, 1.0, 1);
    let b = Tensor::<(Dim<784>, Dim<512>)>::zeros(Default::default());
    let from_vec = Tensor::<(usize, Dim<1024>)>::from_vec((2, Dim), vec![1.5; 2048]);
    let product = a.matmul(&b);
    let reshaped = product.clone().reshape_to((3 * 512,));
    let mut buffer = Tensor::<(usize, Dim<7>)>::zeros((1, Dim));
    buffer.set_shape((1000, Dim));
    for (name, values) in [
        ("random_uniform", a.as_slice()),
        ("zeros", b.as_slice()),
        ("from_vec", from_vec.as_slice()),
        ("matmul", product.as_slice()),
        ("reshape", reshaped.as_slice()),
        ("set_shape", buffer.as_slice()),
    ] {
        assert!(at_line(values), "{name}: {:p}", values.as_ptr());
    }
    assert_eq!(from_vec.into_vec(), vec![1.5; 2048]);
}
