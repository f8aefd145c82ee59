//! Every op's backward (vector-Jacobian product) against central differences in f64:
//! for `y = op(x)` and a random weighting `w`, the gradient of `sum(w * y)` is `op`'s VJP
//! applied to `w`.

use shaped::ops::{
    bias_backward_into, linear_backward_input_into, linear_backward_weight_into, linear_into,
};
use shaped::{Dim, One, Shape, Tensor};

const H: f64 = 1e-6;

/// Central differences of `f` at `x`, one element at a time.
fn numeric<S: Shape>(x: &Tensor<S, f64>, f: impl Fn(&Tensor<S, f64>) -> f64) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let mut p = x.clone();
            p.as_mut_slice()[i] += H;
            let up = f(&p);
            p.as_mut_slice()[i] -= 2.0 * H;
            (up - f(&p)) / (2.0 * H)
        })
        .collect()
}

fn weighted<S: Shape>(y: &Tensor<S, f64>, w: &Tensor<S, f64>) -> f64 {
    y.as_slice()
        .iter()
        .zip(w.as_slice())
        .map(|(a, b)| a * b)
        .sum()
}

fn close(analytic: &[f64], numeric: &[f64], what: &str) {
    assert_eq!(analytic.len(), numeric.len(), "{what}");
    for (i, (a, n)) in analytic.iter().zip(numeric).enumerate() {
        assert!(
            (a - n).abs() < 1e-6 * (1.0 + n.abs()),
            "{what} [{i}]: {a} vs {n}"
        );
    }
}

type M = Tensor<(Dim<3>, Dim<4>), f64>;
type V = Tensor<(Dim<4>,), f64>;
type C = Tensor<(Dim<3>, One), f64>;

fn m(seed: u64) -> M {
    M::random_uniform(Default::default(), 0.5, 2.0, seed)
}

#[test]
fn broadcasting_arithmetic() {
    let (a, b, c, w) = (
        m(1),
        V::random_uniform(Default::default(), 0.5, 2.0, 2),
        C::random_uniform(Default::default(), 0.5, 2.0, 3),
        m(4),
    );
    // a + b, a - b, a * b, a / b with b a row vector, and with c a column (size-1 stretch).
    let (da, db) = w.try_add_backward(a.shape(), b.shape()).unwrap();
    close(
        da.as_slice(),
        &numeric(&a, |a| weighted(&(a + &b), &w)),
        "add da",
    );
    close(
        db.as_slice(),
        &numeric(&b, |b| weighted(&(&a + b), &w)),
        "add db",
    );
    let (da, dc) = w.try_sub_backward(a.shape(), c.shape()).unwrap();
    close(
        da.as_slice(),
        &numeric(&a, |a| weighted(&(a - &c), &w)),
        "sub da",
    );
    close(
        dc.as_slice(),
        &numeric(&c, |c| weighted(&(&a - c), &w)),
        "sub dc",
    );
    let (da, dc) = w.try_mul_backward(&a, &c).unwrap();
    close(
        da.as_slice(),
        &numeric(&a, |a| weighted(&(a * &c), &w)),
        "mul da",
    );
    close(
        dc.as_slice(),
        &numeric(&c, |c| weighted(&(&a * c), &w)),
        "mul dc",
    );
    let (da, db) = w.try_div_backward(&a, &b).unwrap();
    close(
        da.as_slice(),
        &numeric(&a, |a| weighted(&(a / &b), &w)),
        "div da",
    );
    close(
        db.as_slice(),
        &numeric(&b, |b| weighted(&(&a / b), &w)),
        "div db",
    );
    // Not a broadcast of the shape: an error naming both.
    assert!(w.try_sum_to((Dim::<5>,)).is_err());
}

#[test]
fn softmax_and_log_softmax() {
    let (x, w) = (m(5), m(6));
    let y = x.softmax();
    close(
        w.softmax_backward(&y).as_slice(),
        &numeric(&x, |x| weighted(&x.softmax(), &w)),
        "softmax",
    );
    let y = x.log_softmax();
    close(
        w.log_softmax_backward(&y).as_slice(),
        &numeric(&x, |x| weighted(&x.log_softmax(), &w)),
        "log_softmax",
    );
    // log_softmax is the log of softmax, without overflow for large logits.
    let big = Tensor::<(Dim<1>, Dim<2>), f64>::from([[1000.0, 0.0]]);
    assert_eq!(big.log_softmax().as_slice(), &[0.0, -1000.0]);
}

#[test]
fn reductions_reshapes_and_slices() {
    let x = m(7);
    let w0 = V::random_uniform(Default::default(), -1.0, 1.0, 8);
    close(
        w0.sum_axis_backward::<0, _>(x.shape()).as_slice(),
        &numeric(&x, |x| weighted(&x.sum_axis::<0>(), &w0)),
        "sum_axis 0",
    );
    let w1 = Tensor::<(Dim<3>,), f64>::random_uniform(Default::default(), -1.0, 1.0, 9);
    close(
        w1.mean_axis_backward::<1, _>(x.shape()).as_slice(),
        &numeric(&x, |x| weighted(&x.mean_axis::<1>(), &w1)),
        "mean_axis 1",
    );
    let wr = Tensor::<(Dim<2>, Dim<6>), f64>::random_uniform(Default::default(), -1.0, 1.0, 10);
    close(
        wr.clone()
            .try_reshape_backward(x.shape())
            .unwrap()
            .as_slice(),
        &numeric(&x, |x| {
            weighted(&x.clone().reshape::<(Dim<2>, Dim<6>)>(), &wr)
        }),
        "reshape",
    );
    let wn = Tensor::<(Dim<3>, Dim<2>), f64>::random_uniform(Default::default(), -1.0, 1.0, 11);
    close(
        wn.narrow_backward::<1, 1, _>(x.shape()).as_slice(),
        &numeric(&x, |x| weighted(&x.narrow::<1, 1, 2>(), &wn)),
        "narrow",
    );
}

#[test]
fn linear_and_bias() {
    let x = Tensor::<(usize, Dim<4>), f64>::random_uniform((5, Dim), -1.0, 1.0, 12);
    let k = Tensor::<(Dim<4>, Dim<3>), f64>::random_uniform(Default::default(), -1.0, 1.0, 13);
    let w = Tensor::<(usize, Dim<3>), f64>::random_uniform((5, Dim), -1.0, 1.0, 14);
    let forward = |x: &Tensor<(usize, Dim<4>), f64>, k: &Tensor<(Dim<4>, Dim<3>), f64>| {
        let mut y = Tensor::zeros((0, Dim));
        linear_into(x, k, &mut y);
        weighted(&y, &w)
    };
    let mut dk = Tensor::zeros(Default::default());
    linear_backward_weight_into(&x, &w, &mut dk);
    close(dk.as_slice(), &numeric(&k, |k| forward(&x, k)), "linear dw");
    let mut dx = Tensor::zeros((0, Dim));
    linear_backward_input_into(&w, &k, &mut dx);
    close(dx.as_slice(), &numeric(&x, |x| forward(x, &k)), "linear dx");
    let b = Tensor::<(Dim<3>,), f64>::random_uniform(Default::default(), -1.0, 1.0, 15);
    let mut db = Tensor::zeros(Default::default());
    bias_backward_into(&w, &mut db);
    close(
        db.as_slice(),
        &numeric(&b, |b| weighted(&(&x.matmul(&k) + b), &w)),
        "bias",
    );
}

#[test]
fn activations() {
    use shaped::nn::{Activation, Relu, Sigmoid, Tanh};
    fn check<A: Activation>(x: &M, w: &M) {
        let f = |x: &M| {
            let mut y = x.clone();
            A::apply(y.as_mut_slice(), 4);
            y
        };
        let y = f(x);
        let mut dx = M::zeros(Default::default());
        A::backward_into(y.as_slice(), w.as_slice(), dx.as_mut_slice(), 4);
        close(dx.as_slice(), &numeric(x, |x| weighted(&f(x), w)), A::NAME);
    }
    let x = M::random_uniform(Default::default(), -2.0, 2.0, 16)
        .map(|v| if v.abs() < 0.01 { 0.5 } else { v });
    let w = m(17);
    check::<Relu>(&x, &w);
    check::<Sigmoid>(&x, &w);
    check::<Tanh>(&x, &w);
}

#[test]
fn element_wise_math() {
    // Inputs away from 0 so that abs, relu and clamp are differentiable at every point.
    let x =
        M::random_uniform(Default::default(), 0.2, 1.8, 18).map(|v| if v > 1.0 { -v } else { v });
    let pos = M::random_uniform(Default::default(), 0.2, 1.8, 19);
    let w = m(20);
    close(
        x.sin_backward(&w).as_slice(),
        &numeric(&x, |x| weighted(&x.sin(), &w)),
        "sin",
    );
    close(
        x.cos_backward(&w).as_slice(),
        &numeric(&x, |x| weighted(&x.cos(), &w)),
        "cos",
    );
    close(
        x.exp_backward(&w).as_slice(),
        &numeric(&x, |x| weighted(&x.exp(), &w)),
        "exp",
    );
    close(
        pos.log_backward(&w).as_slice(),
        &numeric(&pos, |x| weighted(&x.log(), &w)),
        "log",
    );
    close(
        pos.ln_backward(&w).as_slice(),
        &numeric(&pos, |x| weighted(&x.ln(), &w)),
        "ln",
    );
    close(
        pos.sqrt_backward(&w).as_slice(),
        &numeric(&pos, |x| weighted(&x.sqrt(), &w)),
        "sqrt",
    );
    close(
        x.abs_backward(&w).as_slice(),
        &numeric(&x, |x| weighted(&x.abs(), &w)),
        "abs",
    );
    close(
        x.tanh_backward(&w).as_slice(),
        &numeric(&x, |x| weighted(&x.tanh(), &w)),
        "tanh",
    );
    close(
        x.sigmoid_backward(&w).as_slice(),
        &numeric(&x, |x| weighted(&x.sigmoid(), &w)),
        "sigmoid",
    );
    close(
        x.relu_backward(&w).as_slice(),
        &numeric(&x, |x| weighted(&x.relu(), &w)),
        "relu",
    );
    close(
        x.powi_backward(3, &w).as_slice(),
        &numeric(&x, |x| weighted(&x.powi(3), &w)),
        "powi",
    );
    close(
        pos.powf_backward(1.5, &w).as_slice(),
        &numeric(&pos, |x| weighted(&x.powf(1.5), &w)),
        "powf",
    );
    close(
        x.clamp_backward(-1.0, 0.5, &w).as_slice(),
        &numeric(&x, |x| weighted(&x.clamp(-1.0, 0.5), &w)),
        "clamp",
    );
}

#[test]
fn concat_and_friends() {
    let a = Tensor::<(Dim<3>, Dim<2>), f64>::random_uniform(Default::default(), -1.0, 1.0, 21);
    let b = Tensor::<(Dim<3>, Dim<4>), f64>::random_uniform(Default::default(), -1.0, 1.0, 22);
    let w = Tensor::<(Dim<3>, Dim<6>), f64>::random_uniform(Default::default(), -1.0, 1.0, 23);
    let (ga, gb) = w
        .try_concat_backward::<1, _, _>(a.shape(), b.shape())
        .unwrap();
    close(
        ga.as_slice(),
        &numeric(&a, |a| weighted(&a.concat::<1, 6, _>(&b), &w)),
        "concat da",
    );
    close(
        gb.as_slice(),
        &numeric(&b, |b| weighted(&a.concat::<1, 6, _>(b), &w)),
        "concat db",
    );
    // Along the first axis, with runtime sizes: the sum is checked when it runs.
    let r = Tensor::<(usize, Dim<2>), f64>::zeros((2, Dim));
    let s = Tensor::<(usize, Dim<2>), f64>::ones((3, Dim));
    assert_eq!(r.try_concat::<0, 5, _>(&s).unwrap().shape_dims(), [5, 2]);
    assert!(r.try_concat::<0, 6, _>(&s).is_err());
    // stack, select, one_hot, arange, linspace against hand-written values.
    let rows = [
        Tensor::<(Dim<2>,), f64>::from([1.0, 2.0]),
        Tensor::from([3.0, 4.0]),
    ];
    assert_eq!(
        Tensor::try_stack::<2>(&rows).unwrap().as_slice(),
        &[1.0, 2.0, 3.0, 4.0]
    );
    assert!(Tensor::try_stack::<3>(&rows).is_err());
    let labels = Tensor::<(usize,), u8>::from_vec((3,), vec![1, 0, 2]);
    let onehot = labels.try_one_hot::<3, f64>().unwrap();
    assert_eq!(
        onehot.as_slice(),
        &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    );
    assert!(labels.try_one_hot::<2, f64>().is_err());
    assert_eq!(
        Tensor::<(usize,), f64>::try_arange(1.0, 2.0, 0.5)
            .unwrap()
            .as_slice(),
        &[1.0, 1.5]
    );
    assert!(Tensor::<(usize,), f64>::try_arange(0.0, 1.0, 0.0).is_err());
    assert!(
        Tensor::<(usize,), f64>::try_arange(0.0, 1.0, -1.0)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        Tensor::<(Dim<3>,), f64>::linspace(-1.0, 1.0).as_slice(),
        &[-1.0, 0.0, 1.0]
    );
}
