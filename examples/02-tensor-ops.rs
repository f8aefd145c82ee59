//! Chapter 2, cells 4 to 7: element-wise operations (naive vs vectorised, timed),
//! broadcasting, tensor products and reshaping.
//!
//! ```text
//! cargo run --release --example 02-tensor-ops
//! ```

use std::hint::black_box;
use std::time::Instant;

use shaped::ops::dot;
use shaped::{Dim, One, Tensor};

type M = Tensor<(Dim<20>, Dim<100>)>;

fn naive_relu(x: &M) -> M {
    let mut x = x.clone();
    for i in 0..20 {
        for j in 0..100 {
            x[[i, j]] = x[[i, j]].max(0.0);
        }
    }
    x
}

fn naive_add(x: &M, y: &M) -> M {
    let mut x = x.clone();
    for i in 0..20 {
        for j in 0..100 {
            x[[i, j]] += y[[i, j]];
        }
    }
    x
}

fn naive_add_matrix_and_vector(x: &M, y: &Tensor<(Dim<100>,)>) -> M {
    let mut x = x.clone();
    for i in 0..20 {
        for j in 0..100 {
            x[[i, j]] += y[[j]];
        }
    }
    x
}

fn naive_vector_dot(x: &Tensor<(Dim<100>,)>, y: &Tensor<(Dim<100>,)>) -> f32 {
    (0..100).map(|i| x[[i]] * y[[i]]).sum()
}

fn main() {
    // Cell 4: element-wise, 1000 repetitions on (20, 100), naive loops vs vectorised.
    let x = M::random_uniform(Default::default(), 0.0, 1.0, 0);
    let y = M::random_uniform(Default::default(), 0.0, 1.0, 1);
    let t0 = Instant::now();
    for _ in 0..1000 {
        let z = &x + &y;
        black_box(z.relu());
    }
    let vectorised = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    for _ in 0..1000 {
        let z = naive_add(black_box(&x), &y);
        black_box(naive_relu(&z));
    }
    let naive = t0.elapsed().as_secs_f64();
    println!(
        "vectorised: {vectorised:.4} s, naive: {naive:.4} s, naive / vectorised = {:.1}",
        naive / vectorised
    );
    assert_eq!(naive_relu(&naive_add(&x, &y)), (&x + &y).relu());

    // Cell 5: broadcasting.
    let v = Tensor::<(Dim<100>,)>::random_uniform(Default::default(), 0.0, 1.0, 2);
    let z = &x + &v; // (20, 100) + (100,)
    assert_eq!(z, naive_add_matrix_and_vector(&x, &v));
    println!("(20, 100) + (100,) -> {:?}", z.shape_dims());
    let a = Tensor::<(Dim<64>, Dim<3>, Dim<32>, Dim<10>)>::random_uniform(
        Default::default(),
        0.0,
        1.0,
        3,
    );
    let b = Tensor::<(Dim<32>, Dim<10>)>::random_uniform(Default::default(), 0.0, 1.0, 4);
    println!(
        "np.maximum((64, 3, 32, 10), (32, 10)) -> {:?}",
        a.maximum(&b).shape_dims()
    );
    // A stretching size-1 axis is `One` (`Dim<1>` is a plain size that matches only 1).
    let column = Tensor::<(Dim<32>, One)>::ones(Default::default());
    let wide = Tensor::<(Dim<32>, Dim<10>)>::ones(Default::default());
    println!("(32, 1) + (32, 10) -> {:?}", (&column + &wide).shape_dims());

    // Cell 6: tensor products.
    let u = Tensor::<(Dim<100>,)>::random_uniform(Default::default(), 0.0, 1.0, 5);
    let d = dot(&v, &u);
    println!(
        "vector . vector = {:.4} (naive {:.4})",
        d.item(),
        naive_vector_dot(&v, &u)
    );
    println!("(20, 100) . (100,) -> {:?}", x.matmul(&v).shape_dims());
    let w = Tensor::<(Dim<100>, Dim<7>)>::random_uniform(Default::default(), 0.0, 1.0, 6);
    println!("(20, 100) . (100, 7) -> {:?}", x.matmul(&w).shape_dims());
    println!(
        "(20, 100)^T . (20, 100) -> {:?} (the transpose is a view)",
        x.t().matmul(&x).shape_dims()
    );

    // Cell 7: reshaping.
    let x = Tensor::<(Dim<3>, Dim<2>)>::from([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]);
    println!("x.shape = {:?}", x.shape_dims());
    let x = x.reshape::<(Dim<6>, Dim<1>)>();
    println!("x.reshape((6, 1)) =\n{x}");
    let x = x.reshape::<(Dim<2>, Dim<3>)>();
    println!("x.reshape((2, 3)) =\n{x}");
    let x = Tensor::<(Dim<300>, Dim<20>)>::zeros(Default::default());
    println!(
        "np.transpose((300, 20)) -> {:?}",
        x.transpose().shape_dims()
    );
}
