//! Conv2D and pooling: gradients of parameters and inputs against central differences in
//! f64 (valid and same padding, strides 1-2, odd sizes), through small models that end in
//! a dense layer, and training a tiny convnet.

use shaped::nn::loss::{Loss, MeanSquaredError};
use shaped::nn::{
    AveragePooling2D, Conv2D, Dense, Flatten, GlobalAveragePooling2D, Init, Linear, MaxPooling2D,
    Params, Relu, Same, Tanh, Train, Valid, value_and_grad,
};
use shaped::shapes::Shape;
use shaped::{Dim, Tensor};

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

type Target<const O: usize> = Tensor<(usize, Dim<O>), f64>;

/// [`check_gradients`], and inference computes what training does: inference takes other
/// paths (direct convolution where windows need no padding).
fn check<S: Shape, M, const O: usize>(model: &M, x: &Tensor<S, f64>, target: &Target<O>)
where
    M: Train<Tensor<S, f64>, Output = Target<O>> + Params<f64> + Clone,
{
    check_gradients(model, x, target);
    let trained = model
        .clone()
        .forward_train(x, &mut Default::default())
        .clone();
    let inferred = model.forward(x);
    for (a, b) in inferred.as_slice().iter().zip(trained.as_slice()) {
        assert!((a - b).abs() < 1e-12, "inference {a} vs training {b}");
    }
}

/// Parameter and input gradients of `model` against central differences.
fn check_gradients<S: Shape, M, const O: usize>(model: &M, x: &Tensor<S, f64>, target: &Target<O>)
where
    M: Train<Tensor<S, f64>, Output = Target<O>> + Params<f64> + Clone,
{
    let loss = MeanSquaredError;
    let f = |m: &M, x: &Tensor<S, f64>| {
        let mut m = m.clone();
        let out = m.forward_train(x, &mut Default::default()).clone();
        loss.try_loss(&out, target).unwrap()
    };
    let mut trained = model.clone();
    let (value, grads) = value_and_grad(&mut trained, &loss, x, target).unwrap();
    assert!((value - f(model, x)).abs() < 1e-12);
    let analytic = params(&grads);
    let flat = params(model);
    assert!(!flat.is_empty() || analytic.is_empty());
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

fn images<const H: usize, const W: usize, const C: usize>(
    seed: u64,
) -> Tensor<(usize, Dim<H>, Dim<W>, Dim<C>), f64> {
    Tensor::random_uniform((2, Dim, Dim, Dim), -1.0, 1.0, seed)
}

fn target<const O: usize>() -> Target<O> {
    Tensor::random_uniform((2, Dim), -1.0, 1.0, 99)
}

fn conv<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    const K: usize,
    const S: usize,
    P: shaped::nn::Padding,
>(
    seed: u64,
) -> Conv2D<IH, IW, IC, OH, OW, OC, K, Tanh, S, P, f64> {
    Conv2D::with_init(Init::GlorotUniform, Init::Uniform(-0.3, 0.3), seed)
}

fn head<const I: usize, const O: usize>(seed: u64) -> Dense<I, O, Linear, f64> {
    Dense::with_init(Init::GlorotUniform, Init::Uniform(-0.3, 0.3), seed)
}

#[test]
fn conv_valid_stride_1() {
    let model = (
        conv::<5, 5, 2, 3, 3, 3, 3, 1, Valid>(1),
        Flatten::<27>,
        head::<27, 2>(2),
    );
    check(&model, &images::<5, 5, 2>(3), &target());
}

#[test]
fn conv_same_stride_2_pads_on_both_sides() {
    // 5x5, 3x3, stride 2, same: 3x3 out, one row and column of zeros on each side.
    let model = (
        conv::<5, 5, 2, 3, 3, 2, 3, 2, Same>(4),
        Flatten::<18>,
        head::<18, 2>(5),
    );
    check(&model, &images::<5, 5, 2>(6), &target());
}

#[test]
fn conv_same_stride_1_even_kernel_pads_after() {
    // 4x3, 2x2, stride 1, same: the one padding row and column go after the image.
    let model = (
        conv::<4, 3, 1, 4, 3, 2, 2, 1, Same>(7),
        Flatten::<24>,
        head::<24, 2>(8),
    );
    check(&model, &images::<4, 3, 1>(9), &target());
}

#[test]
fn conv_valid_stride_2_odd_size_drops_the_last_column() {
    // 6x7, 3x3, stride 2, valid: 2x3 out; the last row is never read.
    let model = (
        conv::<6, 7, 2, 2, 3, 2, 3, 2, Valid>(10),
        Flatten::<12>,
        head::<12, 2>(11),
    );
    check(&model, &images::<6, 7, 2>(12), &target());
}

#[test]
fn stacked_convs_and_pooling() {
    let model = (
        conv::<6, 6, 1, 4, 4, 3, 3, 1, Valid>(13),
        MaxPooling2D::<4, 4, 3, 2, 2, 2>::new(),
        conv::<2, 2, 3, 2, 2, 2, 3, 1, Same>(14),
        Flatten::<8>,
        head::<8, 2>(15),
    );
    check(&model, &images::<6, 6, 1>(16), &target());
}

#[test]
fn max_pooling_valid_odd_and_same() {
    let model = (
        MaxPooling2D::<5, 5, 2, 2, 2, 2>::new(),
        Flatten::<8>,
        head::<8, 2>(17),
    );
    check(&model, &images::<5, 5, 2>(18), &target());
    let model = (
        MaxPooling2D::<5, 5, 2, 3, 3, 2, Same>::new(),
        Flatten::<18>,
        head::<18, 2>(19),
    );
    check(&model, &images::<5, 5, 2>(20), &target());
}

#[test]
fn average_pooling_valid_and_same() {
    let model = (
        AveragePooling2D::<4, 6, 2, 2, 3, 2>::new(),
        Flatten::<12>,
        head::<12, 2>(21),
    );
    check(&model, &images::<4, 6, 2>(22), &target());
    let model = (
        AveragePooling2D::<5, 5, 1, 2, 2, 3, Same>::new(),
        Flatten::<4>,
        head::<4, 2>(23),
    );
    check(&model, &images::<5, 5, 1>(24), &target());
}

#[test]
fn global_average_pooling() {
    let model = (
        conv::<4, 4, 2, 4, 4, 3, 3, 1, Same>(25),
        GlobalAveragePooling2D,
        head::<3, 2>(26),
    );
    check(&model, &images::<4, 4, 2>(27), &target());
}

#[test]
fn a_tiny_convnet_learns_to_tell_bright_tops_from_bright_bottoms() {
    use shaped::nn::Softmax;
    use shaped::nn::loss::SparseCategoricalCrossentropy;
    use shaped::optim::RmsProp;
    use shaped::train::{Accuracy, FitConfig, Model};
    // 8x8 images: the top or the bottom half is brighter; the label says which.
    let n = 256;
    let noise =
        Tensor::<(usize, Dim<8>, Dim<8>, Dim<1>)>::random_uniform((n, Dim, Dim, Dim), 0.0, 0.5, 1);
    let labels = Tensor::<(usize,), u8>::from_fn((n,), |[i]| (i % 2) as u8);
    let x =
        Tensor::<(usize, Dim<8>, Dim<8>, Dim<1>)>::from_fn((n, Dim, Dim, Dim), |[i, r, c, _]| {
            let bright = if (r < 4) == (i % 2 == 0) { 0.5 } else { 0.0 };
            noise[[i, r, c, 0]] + bright
        });
    let net = (
        Conv2D::<8, 8, 1, 6, 6, 4, 3, Relu>::new(2),
        MaxPooling2D::<6, 6, 4, 3, 3, 2>::new(),
        Flatten::<36>,
        Dense::<36, 2, Softmax>::new(3),
    );
    let mut model = Model::compile(
        net,
        RmsProp::new(0.01),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );
    let config = FitConfig {
        epochs: 10,
        batch_size: 32,
        verbose: false,
        ..FitConfig::default()
    };
    model.fit(&x, &labels, &config).unwrap();
    let (_, accuracy) = model.evaluate(&x, &labels, 64).unwrap();
    assert!(accuracy.unwrap() > 0.95, "accuracy {accuracy:?}");
}

// ---- normalization ----

use shaped::nn::{BatchNormalization, LayerNormalization};

/// gamma and beta away from 1 and 0, so that their gradients matter.
fn batch_norm<const C: usize>() -> BatchNormalization<C, f64> {
    let mut bn = BatchNormalization::new();
    bn.gamma = Tensor::random_uniform(Default::default(), 0.5, 1.5, 31);
    bn.beta = Tensor::random_uniform(Default::default(), -0.5, 0.5, 32);
    bn
}

fn layer_norm<const C: usize>() -> LayerNormalization<C, f64> {
    let mut ln = LayerNormalization::new();
    ln.gamma = Tensor::random_uniform(Default::default(), 0.5, 1.5, 33);
    ln.beta = Tensor::random_uniform(Default::default(), -0.5, 0.5, 34);
    ln
}

#[test]
fn batch_normalization_gradients_dense_and_conv() {
    // Training normalizes by the batch's statistics, inference by the running ones.
    let x = Tensor::<(usize, Dim<3>), f64>::random_uniform((5, Dim), -2.0, 2.0, 35);
    let model = (head::<3, 4>(36), batch_norm::<4>(), head::<4, 2>(37));
    let t = Tensor::random_uniform((5, Dim), -1.0, 1.0, 38);
    check_gradients(&model, &x, &t);
    let model = (
        conv::<4, 4, 1, 2, 2, 3, 3, 1, Valid>(39),
        batch_norm::<3>(),
        Flatten::<12>,
        head::<12, 2>(40),
    );
    check_gradients(&model, &images::<4, 4, 1>(41), &target());
}

#[test]
fn layer_normalization_gradients() {
    let x = Tensor::<(usize, Dim<3>), f64>::random_uniform((4, Dim), -2.0, 2.0, 42);
    let model = (head::<3, 5>(43), layer_norm::<5>(), head::<5, 2>(44));
    let t = Tensor::random_uniform((4, Dim), -1.0, 1.0, 45);
    check(&model, &x, &t);
    let model = (layer_norm::<2>(), Flatten::<32>, head::<32, 2>(46));
    check(&model, &images::<4, 4, 2>(47), &target());
}

#[test]
fn batch_normalization_statistics_by_hand() {
    // Channel 0: 1, 3, 5, 7 (mean 4, biased variance 5); channel 1: 2, 2, 2, 2.
    let x = Tensor::<(usize, Dim<2>), f64>::from_vec(
        (4, Dim),
        vec![1.0, 2.0, 3.0, 2.0, 5.0, 2.0, 7.0, 2.0],
    );
    let mut bn = BatchNormalization::<2, f64>::with(0.9, 1e-3);
    let y = bn.forward_train(&x, &mut Default::default()).clone();
    let inv = 1.0 / (5.0f64 + 1e-3).sqrt();
    for (i, v) in [1.0, 3.0, 5.0, 7.0].iter().enumerate() {
        assert!((y[[i, 0]] - (v - 4.0) * inv).abs() < 1e-12);
        assert!(
            y[[i, 1]].abs() < 1e-12,
            "a constant channel normalizes to 0"
        );
    }
    // moving = 0.9 * moving + 0.1 * batch: mean 0.4 and 0.2; variance 0.9 + 0.5 and 0.9.
    assert!((bn.moving_mean[[0]] - 0.4).abs() < 1e-12);
    assert!((bn.moving_mean[[1]] - 0.2).abs() < 1e-12);
    assert!((bn.moving_variance[[0]] - 1.4).abs() < 1e-12);
    assert!((bn.moving_variance[[1]] - 0.9).abs() < 1e-12);
    // Inference: (x - moving_mean) / sqrt(moving_var + eps).
    use shaped::nn::Layer;
    let z = bn.forward(&x);
    assert!((z[[0, 0]] - (1.0 - 0.4) / (1.4f64 + 1e-3).sqrt()).abs() < 1e-12);
    // With a scale and shift: gamma * (x - mean) / sqrt(var + eps) + beta, per channel.
    bn.gamma = Tensor::from([2.0, 0.5]);
    bn.beta = Tensor::from([0.25, -1.0]);
    let z = bn.forward(&x);
    let expect_0 = 2.0 * (7.0 - 0.4) / (1.4f64 + 1e-3).sqrt() + 0.25;
    let expect_1 = 0.5 * (2.0 - 0.2) / (0.9f64 + 1e-3).sqrt() - 1.0;
    assert!(
        (z[[3, 0]] - expect_0).abs() < 1e-12,
        "{} vs {expect_0}",
        z[[3, 0]]
    );
    assert!(
        (z[[3, 1]] - expect_1).abs() < 1e-12,
        "{} vs {expect_1}",
        z[[3, 1]]
    );
    assert_eq!((bn.momentum(), bn.epsilon()), (0.9, 1e-3));
    let keras = BatchNormalization::<2, f64>::new();
    assert_eq!((keras.momentum(), keras.epsilon()), (0.99, 1e-3));
    // The moving statistics are buffers: named in the file, skipped by optimizers.
    let mut names = Vec::new();
    bn.visit_buffers("bn", &mut |name, _, _| names.push(name.to_string()));
    assert_eq!(names, ["bn.moving_mean", "bn.moving_variance"]);
    // A second step keeps 0.9 of the moving statistics: 0.9 * 0.4 + 0.1 * 4 = 0.76 and
    // 0.9 * 1.4 + 0.1 * 5 = 1.76.
    bn.forward_train(&x, &mut Default::default());
    assert!((bn.moving_mean[[0]] - 0.76).abs() < 1e-12);
    assert!((bn.moving_variance[[0]] - 1.76).abs() < 1e-12);
}

#[test]
fn layer_normalization_by_hand() {
    // Rows (1, 3) and (4, 4): means 2 and 4, biased variances 1 and 0.
    let x = Tensor::<(usize, Dim<2>), f64>::from_vec((2, Dim), vec![1.0, 3.0, 4.0, 4.0]);
    let mut ln = LayerNormalization::<2, f64>::with_epsilon(0.25);
    assert_eq!(ln.epsilon(), 0.25);
    assert_eq!(LayerNormalization::<2, f64>::new().epsilon(), 1e-3);
    ln.gamma = Tensor::from([2.0, 0.5]);
    ln.beta = Tensor::from([0.25, -1.0]);
    use shaped::nn::Layer;
    let y = ln.forward(&x);
    let inv = 1.0 / 1.25f64.sqrt();
    let expect = [2.0 * -inv + 0.25, 0.5 * inv - 1.0, 0.25, -1.0];
    for (got, want) in y.as_slice().iter().zip(expect) {
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
    // Training normalizes each row the same way (layer normalization has no moving state).
    let t = ln.forward_train(&x, &mut Default::default()).clone();
    assert_eq!(t.as_slice(), y.as_slice());
}

#[test]
fn convnet_training_gives_the_same_bits_on_one_and_two_threads() {
    use shaped::nn::Softmax;
    use shaped::nn::loss::SparseCategoricalCrossentropy;
    use shaped::optim::RmsProp;
    use shaped::train::{Accuracy, Model};
    // The second layer's patches take 186 KB per image, so a batch of 9 is multiplied in
    // groups (the last one shorter); its backward pass rebuilds them group by group.
    type Net = (
        Conv2D<22, 22, 1, 20, 20, 16, 3, Relu>,
        Conv2D<20, 20, 16, 18, 18, 16, 3, Relu>,
        MaxPooling2D<18, 18, 16, 9, 9, 2>,
        Flatten<1296>,
        Dense<1296, 10, Softmax>,
    );
    let x = Tensor::<(usize, Dim<22>, Dim<22>, Dim<1>)>::random_uniform(
        (9, Dim, Dim, Dim),
        0.0,
        1.0,
        3,
    );
    let y = Tensor::<(usize,), u8>::from_fn((9,), |[i]| (i % 10) as u8);
    let trained = |threads: usize| {
        shaped::ops::set_num_threads(threads);
        let net: Net = (
            Conv2D::new(1),
            Conv2D::new(2),
            MaxPooling2D::new(),
            Flatten,
            Dense::new(3),
        );
        let mut model = Model::compile(
            net,
            RmsProp::default(),
            SparseCategoricalCrossentropy::default(),
            Accuracy::default(),
        );
        for _ in 0..3 {
            model.train_step(&x, &y).expect("a valid batch");
        }
        let mut values = Vec::new();
        model
            .net
            .visit("", &mut |_, v: &[f32], _| values.extend_from_slice(v));
        values
    };
    let (one, two) = (trained(1), trained(2));
    assert!(one.iter().all(|v| v.is_finite()));
    assert!(
        one.iter()
            .zip(&two)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "the weights differ between one and two threads"
    );
}
