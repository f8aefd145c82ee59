//! Layers, losses and models against finite differences (f64), and training on a
//! synthetic task with every optimizer.

use shaped::nn::loss::{
    BinaryCrossentropy, CategoricalCrossentropy, Loss, MeanSquaredError,
    SparseCategoricalCrossentropy,
};
use shaped::nn::{
    Dense, Flatten, Grad, HasElem, Init, Layer, Linear, Params, Relu, Sigmoid, Softmax, Tanh,
    Train, value_and_grad,
};
use shaped::optim::{Adam, Optimizer, RmsProp, Sgd};
use shaped::train::{Accuracy, FitConfig, Model};
use shaped::{Dim, Tensor};

const H: f64 = 1e-6;

/// Checks every parameter gradient and the input gradient against central differences.
fn check_gradients<M, X, T, L>(model: &M, loss: &L, x: &X, y: &T)
where
    X: HasElem<Elem = f64> + Clone + AsMutSlice,
    M: Train<X> + Params<f64>,
    L: Loss<M::Output, T, Elem = f64>,
{
    // Training takes the model mutably (state may move on); these layers have none.
    let mut trained = model.clone();
    let (value, grads) = value_and_grad(&mut trained, loss, x, y).unwrap();
    let f = |m: &M, x: &X| loss.try_loss(&m.forward(x), y).unwrap();
    assert!(
        (value - f(model, x)).abs() < 1e-12,
        "training and inference forward agree"
    );

    let mut analytic = Vec::new();
    grads.visit("", &mut |name, g, _| {
        analytic.extend(g.iter().map(|&v| (name.to_string(), v)))
    });
    let mut numeric = Vec::new();
    let mut probe = model.clone();
    let count = model.num_params();
    for k in 0..count {
        let nudge = |m: &mut M, d: f64| {
            let mut seen = 0;
            m.visit_mut(&mut |v| {
                if k >= seen && k < seen + v.len() {
                    v[k - seen] += d;
                }
                seen += v.len();
            });
        };
        nudge(&mut probe, H);
        let up = f(&probe, x);
        nudge(&mut probe, -2.0 * H);
        let down = f(&probe, x);
        nudge(&mut probe, H);
        numeric.push((up - down) / (2.0 * H));
    }
    for ((name, a), n) in analytic.iter().zip(&numeric) {
        assert!(
            (a - n).abs() < 1e-5 * (1.0 + n.abs()),
            "{name}: analytic {a} vs numeric {n}"
        );
    }

    // Input gradient.
    let mut cache = M::Cache::default();
    let out = trained.forward_train(x, &mut cache).clone();
    let (_, g) = loss.try_loss_and_grad(&out, y, M::SOFTMAX_OUTPUT).unwrap();
    let mut scratch = model.zeros_like();
    let mut dx = x.clone();
    model.backward(x, &mut cache, g.as_ref(), &mut scratch, Some(&mut dx));
    let mut xp = x.clone();
    for i in 0..xp.slice_mut().len() {
        xp.slice_mut()[i] += H;
        let up = f(model, &xp);
        xp.slice_mut()[i] -= 2.0 * H;
        let down = f(model, &xp);
        xp.slice_mut()[i] += H;
        let n = (up - down) / (2.0 * H);
        let a = dx.slice()[i];
        assert!(
            (a - n).abs() < 1e-5 * (1.0 + n.abs()),
            "input {i}: analytic {a} vs numeric {n}"
        );
    }
}

trait AsMutSlice {
    fn slice_mut(&mut self) -> &mut [f64];
    fn slice(&self) -> &[f64];
}
impl<S: shaped::Shape> AsMutSlice for Tensor<S, f64> {
    fn slice_mut(&mut self) -> &mut [f64] {
        self.as_mut_slice()
    }
    fn slice(&self) -> &[f64] {
        self.as_slice()
    }
}

type X4 = Tensor<(usize, Dim<4>), f64>;

fn inputs(seed: u64) -> X4 {
    Tensor::random_normal((5, Dim), 0.0, 1.0, seed)
}

fn labels() -> Tensor<(usize,), u8> {
    Tensor::from_vec((5,), vec![0, 2, 1, 2, 0])
}

fn one_hot() -> Tensor<(usize, Dim<3>), f64> {
    Tensor::from_fn((5, Dim), |[i, j]| {
        (labels()[[i]] as usize == j) as u8 as f64
    })
}

fn dense<const I: usize, const O: usize, A: shaped::nn::Activation>(
    seed: u64,
) -> Dense<I, O, A, f64> {
    Dense::with_init(Init::GlorotUniform, Init::Uniform(-0.5, 0.5), seed)
}

#[test]
fn dense_with_every_activation() {
    let x = inputs(1);
    let t = Tensor::<(usize, Dim<3>), f64>::random_uniform((5, Dim), 0.0, 1.0, 2);
    check_gradients(&(dense::<4, 3, Linear>(3),), &MeanSquaredError, &x, &t);
    check_gradients(&(dense::<4, 3, Relu>(4),), &MeanSquaredError, &x, &t);
    check_gradients(&(dense::<4, 3, Sigmoid>(5),), &MeanSquaredError, &x, &t);
    check_gradients(&(dense::<4, 3, Tanh>(6),), &MeanSquaredError, &x, &t);
    check_gradients(&(dense::<4, 3, Softmax>(7),), &MeanSquaredError, &x, &t);
}

#[test]
fn standalone_activation_layers() {
    let x = inputs(8);
    let t = Tensor::<(usize, Dim<3>), f64>::random_uniform((5, Dim), 0.0, 1.0, 9);
    check_gradients(
        &(dense::<4, 3, Linear>(10), Relu),
        &MeanSquaredError,
        &x,
        &t,
    );
    check_gradients(
        &(dense::<4, 3, Linear>(11), Sigmoid),
        &MeanSquaredError,
        &x,
        &t,
    );
    check_gradients(
        &(dense::<4, 3, Linear>(12), Tanh),
        &MeanSquaredError,
        &x,
        &t,
    );
    check_gradients(
        &(dense::<4, 3, Linear>(13), Softmax),
        &MeanSquaredError,
        &x,
        &t,
    );
    check_gradients(
        &(dense::<4, 3, Linear>(13), Softmax),
        &SparseCategoricalCrossentropy::default(),
        &x,
        &labels(),
    );
}

#[test]
fn every_loss() {
    let x = inputs(14);
    let sparse = SparseCategoricalCrossentropy::default();
    let logits = SparseCategoricalCrossentropy { from_logits: true };
    // Fused softmax + crossentropy, the unfused probability path, and logits.
    check_gradients(&(dense::<4, 3, Softmax>(15),), &sparse, &x, &labels());
    check_gradients(&(dense::<4, 3, Sigmoid>(16),), &sparse, &x, &labels());
    check_gradients(&(dense::<4, 3, Linear>(17),), &logits, &x, &labels());
    check_gradients(
        &(dense::<4, 3, Softmax>(18),),
        &CategoricalCrossentropy::default(),
        &x,
        &one_hot(),
    );
    check_gradients(
        &(dense::<4, 3, Sigmoid>(19),),
        &CategoricalCrossentropy::default(),
        &x,
        &one_hot(),
    );
    check_gradients(
        &(dense::<4, 3, Linear>(20),),
        &CategoricalCrossentropy { from_logits: true },
        &x,
        &one_hot(),
    );
    check_gradients(
        &(dense::<4, 3, Sigmoid>(21),),
        &BinaryCrossentropy::default(),
        &x,
        &one_hot(),
    );
    check_gradients(
        &(dense::<4, 3, Linear>(22),),
        &BinaryCrossentropy { from_logits: true },
        &x,
        &one_hot(),
    );
    check_gradients(
        &(dense::<4, 3, Tanh>(23),),
        &MeanSquaredError,
        &x,
        &one_hot(),
    );
}

#[test]
fn composed_three_layer_model_and_flatten() {
    let net = (
        dense::<4, 6, Relu>(24),
        dense::<6, 5, Tanh>(25),
        dense::<5, 3, Softmax>(26),
    );
    check_gradients(
        &net,
        &SparseCategoricalCrossentropy::default(),
        &inputs(27),
        &labels(),
    );
    let images = Tensor::<(usize, Dim<2>, Dim<2>), f64>::random_normal((5, Dim, Dim), 0.0, 1.0, 28);
    let net = (Flatten::<4>, dense::<4, 3, Softmax>(29));
    check_gradients(
        &net,
        &SparseCategoricalCrossentropy::default(),
        &images,
        &labels(),
    );
}

#[test]
fn loss_values_match_the_formulas() {
    // Hand-checked: -(ln 0.7 + ln 0.5) / 2 = 0.52491
    let p = Tensor::<(Dim<2>, Dim<2>), f64>::from([[0.7, 0.3], [0.5, 0.5]]);
    let y = Tensor::<(Dim<2>,), u8>::from([0, 1]);
    let l = SparseCategoricalCrossentropy::default()
        .try_loss(&p, &y)
        .unwrap();
    assert!((l - 0.524_911_062_2).abs() < 1e-9);
    // Keras clipping: a zero probability costs -ln(1e-7) = 16.118, not infinity.
    let p = Tensor::<(Dim<1>, Dim<2>), f64>::from([[1.0, 0.0]]);
    let y = Tensor::<(Dim<1>,), u8>::from([1]);
    let l = SparseCategoricalCrossentropy::default()
        .try_loss(&p, &y)
        .unwrap();
    assert!((l - 16.118_095_65).abs() < 1e-6);
    // MSE: ((1 - 0)^2 + (2 - 4)^2) / 2 = 2.5
    let a = Tensor::<(Dim<1>, Dim<2>), f64>::from([[1.0, 2.0]]);
    let b = Tensor::<(Dim<1>, Dim<2>), f64>::from([[0.0, 4.0]]);
    assert_eq!(MeanSquaredError.try_loss(&a, &b).unwrap(), 2.5);
    // Binary: -(ln 0.8 + ln 0.6) / 2 with targets [1, 0] and p [0.8, 0.4].
    let p = Tensor::<(Dim<1>, Dim<2>), f64>::from([[0.8, 0.4]]);
    let t = Tensor::<(Dim<1>, Dim<2>), f64>::from([[1.0, 0.0]]);
    assert!((BinaryCrossentropy::default().try_loss(&p, &t).unwrap() - 0.366_985_2).abs() < 1e-6);
}

#[test]
fn fused_gradient_is_p_minus_onehot() {
    let mut net = (dense::<4, 3, Softmax>(30),);
    let x = inputs(31);
    let out = net.forward_train(&x, &mut Default::default()).clone();
    let (_, g) = SparseCategoricalCrossentropy::default()
        .try_loss_and_grad(&out, &labels(), true)
        .unwrap();
    let Grad::PreActivation(g) = g else {
        panic!("fused path expected")
    };
    for i in 0..5 {
        for j in 0..3 {
            let onehot = (labels()[[i]] as usize == j) as u8 as f64;
            assert!((g[[i, j]] - (out[[i, j]] - onehot) / 5.0).abs() < 1e-12);
        }
    }
}

#[test]
fn label_out_of_range_names_label_and_index() {
    let p = Tensor::<(usize, Dim<10>), f32>::zeros((3, Dim));
    let y = Tensor::<(usize,), u8>::from_vec((3,), vec![1, 10, 2]);
    let e = SparseCategoricalCrossentropy::default()
        .try_loss(&p, &y)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "label 10 at index 1 is out of range for 10 classes"
    );
    let y = Tensor::<(usize,), u8>::from_vec((2,), vec![1, 2]);
    let e = SparseCategoricalCrossentropy::default()
        .try_loss(&p, &y)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "sparse_categorical_crossentropy: incompatible shapes [3, 10] and [2]"
    );
}

// --- Optimizers: the first three steps on w = [1.0, -2.0] with fixed gradients
// g1 = [0.5, -1.0], g2 = [0.25, 0.5], g3 = [-1.0, 0.0], worked out by hand.

fn run_three<O: Optimizer<Dense<2, 1, Linear, f64>, f64>>(mut opt: O) -> Vec<[f64; 2]> {
    let mut w = Dense::<2, 1, Linear, f64>::from_tensors(
        Tensor::from([[1.0], [-2.0]]),
        Tensor::from([0.0]),
    );
    let grads = [[0.5, -1.0], [0.25, 0.5], [-1.0, 0.0]];
    grads
        .iter()
        .map(|&[a, b]| {
            let g = Dense::from_tensors(Tensor::from([[a], [b]]), Tensor::from([0.0]));
            opt.step(&mut w, &g);
            [w.kernel[[0, 0]], w.kernel[[1, 0]]]
        })
        .collect()
}

fn assert_steps(got: Vec<[f64; 2]>, want: [[f64; 2]; 3]) {
    for (g, w) in got.iter().zip(&want) {
        for (a, b) in g.iter().zip(w) {
            assert!((a - b).abs() < 1e-9, "got {got:?}, want {want:?}");
        }
    }
}

#[test]
fn sgd_steps_by_hand() {
    // lr 0.1: w -= 0.1 g
    // [1 - .05, -2 + .1] = [0.95, -1.9]; [0.95 - .025, -1.9 - .05] = [0.925, -1.95]; [1.025, -1.95]
    assert_steps(
        run_three(Sgd::new(0.1)),
        [[0.95, -1.9], [0.925, -1.95], [1.025, -1.95]],
    );
    // momentum 0.9: v = 0.9 v - 0.1 g; w += v
    // v1 = [-0.05, 0.1]         w1 = [0.95, -1.9]
    // v2 = [-0.045 - 0.025, 0.09 - 0.05] = [-0.07, 0.04]    w2 = [0.88, -1.86]
    // v3 = [-0.063 + 0.1, 0.036] = [0.037, 0.036]           w3 = [0.917, -1.824]
    assert_steps(
        run_three(Sgd::new(0.1).with_momentum(0.9)),
        [[0.95, -1.9], [0.88, -1.86], [0.917, -1.824]],
    );
    // Nesterov: w += 0.9 v - 0.1 g (same v)
    // w1 = [1 - .045 - .05, -2 + .09 + .1] = [0.905, -1.81]
    // w2 = [0.905 - .063 - .025, -1.81 + .036 - .05] = [0.817, -1.824]
    // w3 = [0.817 + .0333 + .1, -1.824 + .0324] = [0.9503, -1.7916]
    assert_steps(
        run_three(Sgd::new(0.1).with_momentum(0.9).with_nesterov()),
        [[0.905, -1.81], [0.817, -1.824], [0.9503, -1.7916]],
    );
}

#[test]
fn rmsprop_steps_by_hand() {
    // lr 0.01, rho 0.9, eps 1e-7: v = 0.9 v + 0.1 g^2; w -= 0.01 g / sqrt(v + eps)
    // step 1: v = [0.025, 0.1]; w0 -= 0.01*0.5/sqrt(0.0250001) = 0.0316227134 -> 0.9683772866
    //         w1 -= 0.01*-1/sqrt(0.1000001) = -0.0316227608 -> -1.9683772392
    // step 2: v = [0.0225 + 0.00625, 0.09 + 0.025] = [0.02875, 0.115]
    //         w0 -= 0.0025/sqrt(0.0287501) = 0.0147441... -> 0.9536331...
    //         w1 -= 0.005/sqrt(0.1150001) = 0.0147441... -> -1.9831213...
    // step 3: v = [0.025875 + 0.1, 0.1035] ; w0 -= -0.01/sqrt(0.1258751) = -0.0281859...
    let w = |v: f64, g: f64| 0.01 * g / (v + 1e-7f64).sqrt();
    let a1 = 1.0 - w(0.025, 0.5);
    let b1 = -2.0 - w(0.1, -1.0);
    let a2 = a1 - w(0.02875, 0.25);
    let b2 = b1 - w(0.115, 0.5);
    let a3 = a2 - w(0.125875, -1.0);
    let b3 = b2 - w(0.1035, 0.0);
    assert!((a1 - 0.968_377_286_6).abs() < 1e-9 && (b1 + 1.968_377_239_2).abs() < 1e-9);
    assert_steps(
        run_three(RmsProp::new(0.01)),
        [[a1, b1], [a2, b2], [a3, b3]],
    );
    // The same three steps as numbers:
    // w0: 1 - 0.005/sqrt(0.0250001) = 0.9683772866; - 0.0025/sqrt(0.0287501) = 0.9536331167;
    //     + 0.01/sqrt(0.1258751) = 0.9818188985
    // w1: -2 + 0.01/sqrt(0.1000001) = -1.9683772392; - 0.005/sqrt(0.1150001) = -1.9831214284;
    //     g = 0 leaves it at -1.9831214284
    assert_steps(
        run_three(RmsProp::new(0.01)),
        [
            [0.968_377_286_6, -1.968_377_239_2],
            [0.953_633_116_7, -1.983_121_428_4],
            [0.981_818_898_5, -1.983_121_428_4],
        ],
    );

    // Centered: denominator sqrt(v - mg^2 + eps), mg = 0.9 mg + 0.1 g.
    // step 1: mg = [0.05, -0.1]; v - mg^2 = [0.0225, 0.09]
    let c1 = 1.0 - 0.01 * 0.5 / (0.0225f64 + 1e-7).sqrt();
    let d1 = -2.0 + 0.01 / (0.09f64 + 1e-7).sqrt();
    // step 2: mg = [0.045 + 0.025, -0.09 + 0.05] = [0.07, -0.04]; v - mg^2 = [0.02875 - 0.0049, 0.115 - 0.0016]
    let c2 = c1 - 0.01 * 0.25 / (0.02385f64 + 1e-7).sqrt();
    let d2 = d1 - 0.01 * 0.5 / (0.1134f64 + 1e-7).sqrt();
    // step 3: mg = [0.063 - 0.1, -0.036] = [-0.037, -0.036]; v - mg^2 = [0.125875 - 0.001369, 0.1035 - 0.001296]
    let c3 = c2 + 0.01 / (0.124506f64 + 1e-7).sqrt();
    let d3 = d2;
    let mut centered = RmsProp::new(0.01);
    centered.centered = true;
    assert_steps(run_three(centered), [[c1, d1], [c2, d2], [c3, d3]]);

    // Momentum 0.5: m = 0.5 m + step; w -= m (same v as the plain run).
    let (s1a, s1b) = (w(0.025, 0.5), w(0.1, -1.0));
    let (m1a, m1b) = (s1a, s1b);
    let (m2a, m2b) = (0.5 * m1a + w(0.02875, 0.25), 0.5 * m1b + w(0.115, 0.5));
    let (m3a, m3b) = (0.5 * m2a + w(0.125875, -1.0), 0.5 * m2b);
    let mut mom = RmsProp::new(0.01);
    mom.momentum = 0.5;
    assert_steps(
        run_three(mom),
        [
            [1.0 - m1a, -2.0 - m1b],
            [1.0 - m1a - m2a, -2.0 - m1b - m2b],
            [1.0 - m1a - m2a - m3a, -2.0 - m1b - m2b - m3b],
        ],
    );
}

#[test]
fn adam_and_adamw_steps_by_hand() {
    // lr 0.1, b1 0.9, b2 0.999, eps 1e-7. At step t: lr_t = 0.1 sqrt(1 - 0.999^t) / (1 - 0.9^t)
    // step 1: m = 0.1 g, v = 0.001 g^2, lr_1 = 0.1 * 0.0316070 / 0.1 = 0.0316070
    //         w -= lr_1 * m / (sqrt(v) + eps) = 0.1 * sign(g) (almost): w = [0.9, -1.9]
    let lr_t = |t: i32| 0.1 * (1.0 - 0.999f64.powi(t)).sqrt() / (1.0 - 0.9f64.powi(t));
    let mut want = Vec::new();
    let (mut w, mut m, mut v) = ([1.0f64, -2.0], [0.0f64; 2], [0.0f64; 2]);
    for (t, g) in [[0.5, -1.0], [0.25, 0.5], [-1.0, 0.0]].iter().enumerate() {
        for i in 0..2 {
            m[i] += (g[i] - m[i]) * 0.1;
            v[i] += (g[i] * g[i] - v[i]) * 0.001;
            w[i] -= lr_t(t as i32 + 1) * m[i] / (v[i].sqrt() + 1e-7);
        }
        want.push(w);
    }
    assert!((want[0][0] - 0.9).abs() < 1e-5 && (want[0][1] + 1.9).abs() < 1e-5);
    assert_steps(run_three(Adam::new(0.1)), [want[0], want[1], want[2]]);
    // The same three steps as numbers (lr_t = 0.0316227766, 0.0235316725, 0.0202010597;
    // m = [0.05, -0.1], [0.07, -0.04], [-0.037, -0.036];
    // v = [0.00025, 0.001], [0.00031225, 0.001249], [0.00131194, 0.00124775]):
    // w0: 1 - 0.0316227766 * 0.05 / sqrt(0.00025) = 0.9000006325, then 0.8067831961, 0.8274188418
    // w1: -2 + 0.0316227766 * 0.1 / sqrt(0.001) = -1.9000003162, then -1.8733666876, -1.8527788155
    assert_steps(
        run_three(Adam::new(0.1)),
        [
            [0.900_000_632_5, -1.900_000_316_2],
            [0.806_783_196_1, -1.873_366_687_6],
            [0.827_418_841_8, -1.852_778_815_5],
        ],
    );

    // AdamW: first w -= lr * wd * w, then the Adam step (wd = 0.5 for visible numbers).
    let (mut w, mut m, mut v) = ([1.0f64, -2.0], [0.0f64; 2], [0.0f64; 2]);
    let mut want = Vec::new();
    for (t, g) in [[0.5, -1.0], [0.25, 0.5], [-1.0, 0.0]].iter().enumerate() {
        for i in 0..2 {
            w[i] -= 0.1 * 0.5 * w[i];
            m[i] += (g[i] - m[i]) * 0.1;
            v[i] += (g[i] * g[i] - v[i]) * 0.001;
            w[i] -= lr_t(t as i32 + 1) * m[i] / (v[i].sqrt() + 1e-7);
        }
        want.push(w);
    }
    // step 1 by hand: [1 - 0.05 - 0.1, -2 + 0.1 + 0.1] = [0.85, -1.8]
    assert!((want[0][0] - 0.85).abs() < 1e-5 && (want[0][1] + 1.8).abs() < 1e-5);
    assert_steps(
        run_three(Adam::adamw(0.1).with_weight_decay(0.5)),
        [want[0], want[1], want[2]],
    );
}

// --- Training on two interleaved spirals with every optimizer.

fn spirals(n: usize, seed: u64) -> (Tensor<(usize, Dim<2>)>, Tensor<(usize,), u8>) {
    let noise = Tensor::<(usize, Dim<2>)>::random_normal((n, Dim), 0.0, 0.05, seed);
    let x = Tensor::from_fn((n, Dim), |[i, j]| {
        let class = i % 2;
        let r = (i / 2) as f32 / (n / 2) as f32;
        let angle = 2.0 * r * std::f32::consts::PI + class as f32 * std::f32::consts::PI;
        let v = if j == 0 {
            r * angle.cos()
        } else {
            r * angle.sin()
        };
        v + noise[[i, j]]
    });
    let y = Tensor::from_fn((n,), |[i]| (i % 2) as u8);
    (x, y)
}

type Net = (
    Dense<2, 32, Tanh>,
    Dense<32, 32, Tanh>,
    Dense<32, 2, Softmax>,
);

fn train_spirals<O: Optimizer<Net, f32>>(optimizer: O, epochs: usize) -> f64 {
    let (x, y) = spirals(400, 1);
    let net: Net = (Dense::new(1), Dense::new(2), Dense::new(3));
    let mut model = Model::compile(
        net,
        optimizer,
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );
    let config = FitConfig {
        epochs,
        batch_size: 16,
        verbose: false,
        ..FitConfig::default()
    };
    model.fit(&x, &y, &config).unwrap();
    model.evaluate(&x, &y, 400).unwrap().1.unwrap()
}

#[test]
fn every_optimizer_learns_the_spirals() {
    let results = [
        (
            "sgd+nesterov",
            train_spirals(Sgd::new(0.1).with_momentum(0.9).with_nesterov(), 150),
        ),
        ("rmsprop", train_spirals(RmsProp::new(0.01), 150)),
        ("adam", train_spirals(Adam::new(0.01), 150)),
        ("adamw", train_spirals(Adam::adamw(0.01), 150)),
    ];
    for (name, accuracy) in results {
        assert!(accuracy >= 0.95, "{name}: accuracy {accuracy}");
    }
}

#[test]
fn deep_models_wire_up() {
    type Deep = (
        Dense<4, 8, Relu>,
        Dense<8, 8, Relu>,
        Dense<8, 8, Relu>,
        Dense<8, 8, Relu>,
        Dense<8, 8, Relu>,
        Dense<8, 8, Relu>,
        Dense<8, 8, Relu>,
        Dense<8, 3, Softmax>,
    );
    let net: Deep = (
        Dense::new(0),
        Dense::new(1),
        Dense::new(2),
        Dense::new(3),
        Dense::new(4),
        Dense::new(5),
        Dense::new(6),
        Dense::new(7),
    );
    let x = Tensor::<(usize, Dim<4>)>::ones((2, Dim));
    let p = net.forward(&x);
    assert_eq!(p.shape_dims(), [2, 3]);
    assert!((p.sum() - 2.0).abs() < 1e-5);
    let mut names = Vec::new();
    net.visit("", &mut |name, _, dims| {
        names.push(format!("{name}{dims:?}"))
    });
    assert_eq!(names[0], "0.kernel[4, 8]");
    assert_eq!(names[15], "7.bias[3]");
}

#[test]
fn glorot_limits_match_keras() {
    let layer = Dense::<784, 512, Relu>::new(0);
    let limit = (6.0f32 / (784.0 + 512.0)).sqrt();
    assert!((limit - 0.0680).abs() < 1e-4);
    assert!(layer.kernel.as_slice().iter().all(|w| w.abs() <= limit));
    assert!(layer.kernel.max() > 0.99 * limit && layer.kernel.min() < -0.99 * limit);
    assert!(layer.bias.as_slice().iter().all(|&b| b == 0.0));
}

#[test]
fn fit_and_evaluate_name_mismatched_sample_counts() {
    let x = Tensor::<(usize, Dim<2>)>::zeros((10, Dim));
    let y = Tensor::<(usize,), u8>::zeros((9,));
    let net = (Dense::<2, 2, Softmax>::new(0),);
    let mut model = Model::compile(
        net,
        Sgd::new(0.1),
        SparseCategoricalCrossentropy::default(),
        Accuracy::default(),
    );
    let config = FitConfig {
        verbose: false,
        ..FitConfig::default()
    };
    let expected =
        "fit: incompatible shapes [10, 2] and [9] (x and y hold different numbers of samples)";
    assert_eq!(
        model.fit(&x, &y, &config).unwrap_err().to_string(),
        expected
    );
    let e = model.evaluate(&x, &y, 4).unwrap_err().to_string();
    assert!(
        e.starts_with("evaluate: incompatible shapes [10, 2] and [9]"),
        "{e}"
    );
}

#[test]
fn parameter_counts_match_the_book() {
    use shaped::nn::{BatchNormalization, Dense, Params, Relu, Softmax};
    // Chapter 2's model: 784 * 512 + 512 and 512 * 10 + 10.
    let mlp = (
        Dense::<784, 512, Relu>::new(0),
        Dense::<512, 10, Softmax>::new(1),
    );
    assert_eq!(Params::<f32>::num_params(&mlp), 407_050);
    // Moving statistics are buffers, not parameters: gamma and beta only.
    assert_eq!(
        Params::<f32>::num_params(&BatchNormalization::<4>::new()),
        8
    );
}

/// Every `Params` method of a tuple model of `k` batch normalizations (parameters, buffers
/// and settings), against the names and values each layer holds.
fn check_tuple_params<M: Params<f64>>(model: &M, k: usize) {
    let expect = |fields: [&str; 2]| -> Vec<String> {
        (0..k)
            .flat_map(|i| fields.map(|f| format!("{i}.{f}")))
            .collect()
    };
    let mut m = model.clone();
    // visit_mut then visit: every parameter, in order, by name.
    let mut next = 0.0;
    m.visit_mut(&mut |v| {
        v.iter_mut().for_each(|x| {
            next += 1.0;
            *x = next;
        })
    });
    let (mut names, mut values) = (Vec::new(), Vec::new());
    m.visit("", &mut |name, v, _| {
        names.push(name.to_string());
        values.extend_from_slice(v);
    });
    assert_eq!(names, expect(["gamma", "beta"]), "arity {k}");
    assert_eq!(values, (1..=6 * k).map(|v| v as f64).collect::<Vec<_>>());
    // zip_update reaches every parameter with its gradient and optimizer state.
    let grads = m.clone();
    let mut state = m.zeros_like();
    m.zip_update(&grads, [&mut state], &mut |p, g, [s]| {
        p.iter_mut().zip(g).for_each(|(p, g)| *p += 10.0 * g);
        s.copy_from_slice(g);
    });
    let mut updated = Vec::new();
    m.visit("", &mut |_, v, _| updated.extend_from_slice(v));
    assert!(
        updated.iter().zip(&values).all(|(u, v)| *u == 11.0 * v),
        "arity {k}"
    );
    let mut states = Vec::new();
    state.visit("", &mut |_, v, _| states.extend_from_slice(v));
    assert_eq!(states, values, "arity {k}");
    // Buffers: named, and written through visit_buffers_mut.
    m.visit_buffers_mut(&mut |v| v.fill(7.0));
    let mut buffers = Vec::new();
    m.visit_buffers("", &mut |name, v, _| {
        assert!(v.iter().all(|&x| x == 7.0), "{name}");
        buffers.push(name.to_string());
    });
    assert_eq!(
        buffers,
        expect(["moving_mean", "moving_variance"]),
        "arity {k}"
    );
    let mut settings = Vec::new();
    m.visit_config("", &mut |name, _| settings.push(name.to_string()));
    assert_eq!(settings, expect(["momentum", "epsilon"]), "arity {k}");
}

#[test]
fn tuple_models_of_every_arity_visit_update_and_backpropagate() {
    use shaped::nn::BatchNormalization;
    let x = Tensor::<(usize, Dim<3>), f64>::random_normal((4, Dim), 0.0, 1.0, 60);
    let t = Tensor::<(usize, Dim<3>), f64>::random_normal((4, Dim), 0.0, 1.0, 61);
    macro_rules! arity {
        ($($i:literal)+) => {{
            let k = [$($i),+].len();
            check_tuple_params(&($({ let _ = $i; BatchNormalization::<3, f64>::new() },)+), k);
            // Backward through every layer: each one's gradients by finite differences.
            let model = ($(dense::<3, 3, Tanh>(100 + $i),)+);
            check_gradients(&model, &MeanSquaredError, &x, &t);
        }};
    }
    arity!(0);
    arity!(0 1);
    arity!(0 1 2);
    arity!(0 1 2 3);
    arity!(0 1 2 3 4);
    arity!(0 1 2 3 4 5);
    arity!(0 1 2 3 4 5 6);
    arity!(0 1 2 3 4 5 6 7);
    arity!(0 1 2 3 4 5 6 7 8);
    arity!(0 1 2 3 4 5 6 7 8 9);
    arity!(0 1 2 3 4 5 6 7 8 9 10);
    arity!(0 1 2 3 4 5 6 7 8 9 10 11);
}

#[test]
fn mlp_gradients_and_training_give_the_same_bits_on_one_and_two_threads() {
    // 129 x 512 activations: the bias and activation passes split the rows over two threads
    // (65 and 64), the bias gradients the columns; a sigmoid layer and a ReLU layer. The
    // gradients are compared (an optimizer's step can hide a last-bit difference), then
    // the weights after three steps.
    type Net = (
        Dense<64, 512, Relu>,
        Dense<512, 512, Sigmoid>,
        Dense<512, 10, Softmax>,
    );
    let x = Tensor::<(usize, Dim<64>)>::random_uniform((129, Dim), -1.0, 1.0, 5);
    let y = Tensor::<(usize,), u8>::from_fn((129,), |[i]| (i % 10) as u8);
    let bits = |net: &Net| {
        let mut values = Vec::new();
        net.visit("", &mut |_, v: &[f32], _| {
            values.extend(v.iter().map(|x| x.to_bits()))
        });
        values
    };
    let run = |threads: usize| {
        shaped::ops::set_num_threads(threads);
        let new_net = || -> Net { (Dense::new(1), Dense::new(2), Dense::new(3)) };
        let loss = SparseCategoricalCrossentropy::default();
        let (value, grads) = value_and_grad(&mut new_net(), &loss, &x, &y).unwrap();
        let mut model = Model::compile(new_net(), RmsProp::default(), loss, Accuracy::default());
        for _ in 0..3 {
            model.train_step(&x, &y).expect("a valid batch");
        }
        (value.to_bits(), bits(&grads), bits(&model.net))
    };
    let (one, two) = (run(1), run(2));
    assert!(one.1.iter().any(|&g| f32::from_bits(g) != 0.0));
    assert_eq!(one.0, two.0, "the loss differs between one and two threads");
    assert!(
        one.1 == two.1,
        "the gradients differ between one and two threads"
    );
    assert!(
        one.2 == two.2,
        "the weights differ between one and two threads"
    );
}
