//! Fixed-size inference: same results as the trained typed model, zero heap allocations
//! (counted on the calling thread: the forward passes are single-threaded, and other tests
//! and the harness allocate concurrently).

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{Counting, thread_allocations as allocations};

use shaped::embed::{FixedMlp, FixedWeights};
use shaped::nn::{Dense, Layer, Relu, Softmax};
use shaped::{Dim, Tensor};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn fixed_forward_matches_and_never_allocates() {
    let net = (
        Dense::<784, 512, Relu>::new(1),
        Dense::<512, 10, Softmax>::new(2),
    );
    let w1 = FixedWeights::from_dense(&net.0);
    let w2 = FixedWeights::from_dense(&net.1);
    let fixed = FixedMlp::new(w1.layer::<Relu>(), w2.layer::<Softmax>());

    let x = Tensor::<(Dim<1>, Dim<784>)>::random_uniform(Default::default(), 0.0, 1.0, 3);
    let expected = net.forward(&x);
    let input: [f32; 784] = x.as_slice().try_into().unwrap();
    let mut out = [0.0f32; 10];

    // The counter sees this thread's allocations (so the zero below means something).
    let probe = allocations();
    drop(std::hint::black_box(vec![0u8; 16]));
    assert!(allocations() > probe, "the counter missed an allocation");

    let before = allocations();
    for _ in 0..100 {
        fixed.forward(&input, &mut out);
    }
    let (class, p) = fixed.classify(&input);
    let allocations = allocations() - before;
    assert_eq!(allocations, 0, "the fixed-size forward pass allocated");

    for (a, b) in out.iter().zip(expected.as_slice()) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
    assert_eq!(class, expected.argmax());
    assert_eq!(p, out[class]);
}

#[test]
fn int8_forward_tracks_f32_and_never_allocates() {
    use shaped::embed::{Int8Mlp, Int8Weights, input_scale};
    let net = (
        Dense::<784, 512, Relu>::new(1),
        Dense::<512, 10, Softmax>::new(2),
    );
    let xs: Vec<Tensor<(Dim<1>, Dim<784>)>> = (0..20)
        .map(|s| Tensor::random_uniform(Default::default(), 0.0, 1.0, 100 + s))
        .collect();
    // Calibrate each layer's input scale on the inputs and the f32 hidden activations.
    let scale1 = input_scale(xs.iter().flat_map(|x| x.as_slice().to_vec()));
    let hidden: Vec<f32> = xs
        .iter()
        .flat_map(|x| net.0.forward(x).as_slice().to_vec())
        .collect();
    let scale2 = input_scale(hidden);
    let (q1, q2) = (
        Int8Weights::from_dense(&net.0, scale1),
        Int8Weights::from_dense(&net.1, scale2),
    );
    // Weights quantize within half a step of their channel's scale.
    let k = net.0.kernel.as_slice();
    for (i, row) in q1.kernel.iter().enumerate() {
        for (o, &q) in row.iter().enumerate() {
            assert!((q as f32 * q1.scales[o] - k[i * 512 + o]).abs() <= q1.scales[o] * 0.5 + 1e-7);
        }
    }
    let quantized = Int8Mlp::new(q1.layer::<Relu>(), q2.layer::<Softmax>());
    let mut out = [0.0f32; 10];
    for x in &xs {
        let input: [f32; 784] = x.as_slice().try_into().unwrap();
        let before = allocations();
        quantized.forward(&input, &mut out);
        assert_eq!(allocations() - before, 0, "the int8 forward pass allocated");
        let expected = net.forward(x);
        for (a, b) in out.iter().zip(expected.as_slice()) {
            assert!((a - b).abs() < 0.02, "int8 {a} vs f32 {b}");
        }
    }
}

/// A convnet of every fixed-size layer kind, wired as a tuple: equal to the trained model
/// (the trained side is im2col and GEMM, an independent computation), with no allocation.
#[test]
fn any_depth_fixed_convnet_matches_the_trained_one_and_never_allocates() {
    use shaped::embed::{
        ConvWeights, FixedAveragePooling2D, FixedConv2D, FixedDense, FixedFlatten, FixedLayer,
        FixedMaxPooling2D,
    };
    use shaped::nn::{AveragePooling2D, Conv2D, Flatten, MaxPooling2D, Same, Tanh, Valid};

    type Trained = (
        Conv2D<9, 9, 2, 9, 9, 4, 3, Relu, 1, Same>,
        MaxPooling2D<9, 9, 4, 4, 4, 2>,
        Conv2D<4, 4, 4, 2, 2, 5, 2, Tanh, 2, Valid>,
        AveragePooling2D<2, 2, 5, 1, 1, 2>,
        Flatten<5>,
        Dense<5, 7, Relu>,
        Dense<7, 3, Softmax>,
    );
    let net: Trained = (
        Conv2D::new(1),
        MaxPooling2D::new(),
        Conv2D::new(2),
        AveragePooling2D::new(),
        Flatten,
        Dense::new(3),
        Dense::new(4),
    );
    let (c1, c2) = (
        ConvWeights::from_conv(&net.0),
        ConvWeights::from_conv(&net.2),
    );
    let (d1, d2) = (
        FixedWeights::from_dense(&net.5),
        FixedWeights::from_dense(&net.6),
    );
    let fixed = (
        c1.layer::<9, 9, 9, 9, Relu, 1, Same>(),
        FixedMaxPooling2D::<9, 9, 4, 4, 4, 2>::new(),
        c2.layer::<4, 4, 2, 2, Tanh, 2, Valid>(),
        FixedAveragePooling2D::<2, 2, 5, 1, 1, 2>::new(),
        FixedFlatten::<1, 1, 5, 5>::new(),
        d1.layer::<Relu>(),
        d2.layer::<Softmax>(),
    );
    type Fixed = (
        FixedConv2D<'static, 9, 9, 2, 9, 9, 4, 3, Relu, 1, Same>,
        FixedMaxPooling2D<9, 9, 4, 4, 4, 2>,
        FixedConv2D<'static, 4, 4, 4, 2, 2, 5, 2, Tanh, 2, Valid>,
        FixedAveragePooling2D<2, 2, 5, 1, 1, 2>,
        FixedFlatten<1, 1, 5, 5>,
        FixedDense<'static, 5, 7, Relu>,
        FixedDense<'static, 7, 3, Softmax>,
    );
    // The largest neighbours: the 9x9x4 map and its 4x4x4 pooling.
    assert_eq!(<Fixed as FixedLayer>::SCRATCH, 9 * 9 * 4 + 4 * 4 * 4);
    let mut scratch = [0.0; <Fixed as FixedLayer>::SCRATCH];

    for seed in 0..5 {
        let x = Tensor::<(Dim<1>, Dim<9>, Dim<9>, Dim<2>)>::random_uniform(
            Default::default(),
            -1.0,
            1.0,
            seed,
        );
        let expected = net.forward(&x);
        let image: [[[f32; 2]; 9]; 9] = std::array::from_fn(|r| {
            std::array::from_fn(|c| {
                let at = (r * 9 + c) * 2;
                [x.as_slice()[at], x.as_slice()[at + 1]]
            })
        });
        let mut y = [0.0f32; 3];
        let before = allocations();
        fixed.forward(&image, &mut y, &mut scratch);
        assert_eq!(
            allocations() - before,
            0,
            "the fixed-size forward pass allocated"
        );
        for (a, b) in y.iter().zip(expected.as_slice()) {
            assert!((a - b).abs() < 1e-5, "seed {seed}: {a} vs {b}");
        }
    }
}
