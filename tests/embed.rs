//! Fixed-size inference: same results as the trained typed model, zero heap allocations.

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{Counting, allocations};

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
