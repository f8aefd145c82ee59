//! Residual, Sum, Concat and Dropout against finite differences in f64 (parameters and
//! inputs), and dropout's masks: new on every step, none at inference.

#![cfg_attr(not(feature = "io"), allow(unused_imports))]
use shaped::nn::loss::{Loss, MeanSquaredError};
use shaped::nn::{
    Concat, Dense, Dropout, Grad, Init, Layer, Params, Relu, Residual, Sum, Tanh, Train,
    value_and_grad,
};
use shaped::{Dim, Tensor};

type X = Tensor<(usize, Dim<4>), f64>;

fn dense<const I: usize, const O: usize, A: shaped::nn::Activation>(
    seed: u64,
) -> Dense<I, O, A, f64> {
    Dense::with_init(Init::GlorotUniform, Init::Uniform(-0.5, 0.5), seed)
}

fn input() -> X {
    Tensor::random_uniform((5, Dim), -1.0, 1.0, 42)
}

fn params(m: &impl Params<f64>) -> Vec<f64> {
    let mut v = Vec::new();
    m.visit("", &mut |_, values, _| v.extend_from_slice(values));
    v
}

fn set(m: &mut impl Params<f64>, values: &[f64]) {
    let mut i = 0;
    m.visit_mut(&mut |v| {
        for x in v.iter_mut() {
            *x = values[i];
            i += 1;
        }
    });
}

/// Checks parameter and input gradients of `model` (its training forward, from its
/// current state, so a dropout layer keeps its mask) against central differences.
fn check<M, const O: usize>(model: &M, x: &X, target: &Tensor<(usize, Dim<O>), f64>)
where
    M: Train<X, Output = Tensor<(usize, Dim<O>), f64>> + Clone,
{
    let loss = MeanSquaredError;
    let f = |m: &M, x: &X| {
        let mut m = m.clone();
        let out = m.forward_train(x, &mut Default::default()).clone();
        loss.try_loss(&out, target).unwrap()
    };
    let mut trained = model.clone();
    let (value, grads) = value_and_grad(&mut trained, &loss, x, target).unwrap();
    assert!((value - f(model, x)).abs() < 1e-12);
    let analytic = params(&grads);
    let flat = params(model);
    let h = 1e-6;
    for i in 0..flat.len() {
        let mut p = flat.clone();
        let mut m = model.clone();
        p[i] += h;
        set(&mut m, &p);
        let up = f(&m, x);
        p[i] -= 2.0 * h;
        set(&mut m, &p);
        let down = f(&m, x);
        let numeric = (up - down) / (2.0 * h);
        assert!(
            (analytic[i] - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
            "parameter {i}: {} vs {numeric}",
            analytic[i]
        );
    }
    // Input gradient.
    let mut m = model.clone();
    let mut cache = M::Cache::default();
    let out = m.forward_train(x, &mut cache).clone();
    let (_, g) = loss.try_loss_and_grad(&out, target, false).unwrap();
    let mut scratch = model.clone();
    let mut dx = x.clone();
    m.backward(x, &mut cache, g.as_ref(), &mut scratch, Some(&mut dx));
    for i in 0..x.len() {
        let mut xp = x.clone();
        xp.as_mut_slice()[i] += h;
        let up = f(model, &xp);
        xp.as_mut_slice()[i] -= 2.0 * h;
        let down = f(model, &xp);
        let numeric = (up - down) / (2.0 * h);
        let a = dx.as_slice()[i];
        assert!(
            (a - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
            "input {i}: {a} vs {numeric}"
        );
    }
}

fn target<const O: usize>() -> Tensor<(usize, Dim<O>), f64> {
    Tensor::random_uniform((5, Dim), -1.0, 1.0, 7)
}

#[test]
fn residual_gradients() {
    let block = Residual((dense::<4, 6, Tanh>(1), dense::<6, 4, Tanh>(2)));
    check(&block, &input(), &target::<4>());
    // Inside a model, with a layer before and after it.
    let model = (
        dense::<4, 4, Tanh>(3),
        Residual(dense::<4, 4, Relu>(4)),
        dense::<4, 3, Tanh>(5),
    );
    check(&model, &input(), &target::<3>());
}

#[test]
fn sum_gradients() {
    let both = Sum {
        a: dense::<4, 3, Tanh>(6),
        b: (dense::<4, 5, Relu>(7), dense::<5, 3, Tanh>(8)),
    };
    check(&both, &input(), &target::<3>());
}

#[test]
fn concat_gradients() {
    let wide = Concat::<_, _, 5> {
        a: dense::<4, 2, Tanh>(9),
        b: dense::<4, 3, Relu>(10),
    };
    check(&wide, &input(), &target::<5>());
    let model = (wide, dense::<5, 2, Tanh>(11));
    check(&model, &input(), &target::<2>());
}

#[test]
fn dropout_gradients_follow_its_mask() {
    let model = (
        dense::<4, 6, Tanh>(12),
        Dropout::new(0.4, 3),
        dense::<6, 2, Tanh>(13),
    );
    check(&model, &input(), &target::<2>());
}

#[test]
#[cfg(feature = "io")]
fn dropout_draws_a_new_mask_every_step_and_none_at_inference() {
    let mut model = (
        dense::<4, 64, Tanh>(14),
        Dropout::new(0.5, 9),
        dense::<64, 2, Tanh>(15),
    );
    let x = input();
    let t = target::<2>();
    let (_, first) = value_and_grad(&mut model, &MeanSquaredError, &x, &t).unwrap();
    let (_, second) = value_and_grad(&mut model, &MeanSquaredError, &x, &t).unwrap();
    assert_ne!(
        params(&first),
        params(&second),
        "a new mask on the second step"
    );
    // Inference uses every unit, unscaled: the same as the model without dropout.
    let plain = (model.0.clone(), model.2.clone());
    assert_eq!(model.forward(&x), plain.forward(&x));
    // The rate and the seed are settings, checked on load.
    let bytes = shaped::io::weights_to_bytes(&model).unwrap();
    let mut other = (
        dense::<4, 64, Tanh>(0),
        Dropout::new(0.3, 9),
        dense::<64, 2, Tanh>(0),
    );
    let err = shaped::io::load_weights_bytes(&mut other, &bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "setting `1.rate` is 0.5 in the file, the model has 0.3"
    );
}

#[test]
fn branches_see_the_same_gradient() {
    // The output gradient is shared (read-only) by both branches: with identical branches
    // the parameter gradients are identical.
    let layer = dense::<4, 3, Tanh>(16);
    let both = Sum {
        a: layer.clone(),
        b: layer,
    };
    let mut m = both.clone();
    let mut cache = Default::default();
    let out = m.forward_train(&input(), &mut cache).clone();
    let g = Tensor::ones(out.shape());
    let mut grads = both.clone();
    m.backward(&input(), &mut cache, Grad::Output(&g), &mut grads, None);
    assert_eq!(grads.a, grads.b);
}

#[test]
fn element_wise_functions_as_layers() {
    use shaped::nn::{Apply, Sin, Square};
    let model = (
        dense::<4, 5, Tanh>(17),
        Apply::<Sin>::default(),
        dense::<5, 3, Tanh>(18),
        Apply::<Square>::default(),
    );
    check(&model, &input(), &target::<3>());
}
