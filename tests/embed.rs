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
