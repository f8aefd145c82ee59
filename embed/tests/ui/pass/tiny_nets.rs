// Four nets read from files when this builds: f32 dense, int8 dense, bf16 then f32 dense,
// and a small convnet.
use shaped_embed::{FixedLayer, Relu, Softmax, include_net};

include_net! {
    type Tiny = (Dense<3, 2, Relu>, Dense<2, 2, Softmax>);
    static TINY: Tiny = "../../fixtures/tiny.safetensors";
}

include_net! {
    type TinyInt8 = (Int8Dense<3, 2, Relu>, Int8Dense<2, 2>);
    static TINY_INT8: TinyInt8 = "../../fixtures/tiny_int8.safetensors";
}

include_net! {
    type TinyBf16 = (Bf16Dense<3, 2, Relu>, Dense<2, 2, Softmax>);
    static TINY_BF16: TinyBf16 = "../../fixtures/tiny_bf16.safetensors";
}

include_net! {
    type TinyConv = (
        Conv2D<4, 4, 1, 3, 3, 2, 2, Relu>,
        MaxPooling2D<3, 3, 2, 1, 1, 3>,
        Flatten<2>,
        Dense<2, 2>,
    );
    static TINY_CONV: TinyConv = "../../fixtures/tiny_conv.safetensors";
}

fn main() {
    // relu([1 + 3 + 0.5, 2 - 3]) = [4.5, 0]; then [4.5, -4.5] and softmax.
    let mut y = [0.0; 2];
    TINY.forward(&[1.0, 2.0, 3.0], &mut y, &mut [0.0; <Tiny as FixedLayer>::SCRATCH]);
    assert!((y[0] - 1.0 / (1.0 + (-9.0f32).exp())).abs() < 1e-6);
    // Kernels are stored from a cache line, for whole-line SIMD loads.
    assert_eq!(TINY.0.kernel().as_ptr() as usize % 64, 0);
    assert_eq!(TINY.1.kernel().as_ptr() as usize % 64, 0);

    // The same weights (exact in bf16) in a bf16 first layer: the same output, to the bit.
    let mut y16 = [0.0; 2];
    TINY_BF16.forward(&[1.0, 2.0, 3.0], &mut y16, &mut [0.0; <TinyBf16 as FixedLayer>::SCRATCH]);
    assert_eq!(y16, y);
    assert_eq!(TINY_BF16.0.kernel().as_ptr() as usize % 64, 0);

    // Integers at scale 1: [4.5, 0] again; 4.5 quantizes to 5, so [5, -5].
    TINY_INT8.forward(&[1.0, 2.0, 3.0], &mut y, &mut [0.0; <TinyInt8 as FixedLayer>::SCRATCH]);
    assert_eq!(y, [5.0, -5.0]);

    // Pixel (i, j) = 4i + j; every 2x2 window sums to 16i + 4j + 10 (largest 50) on channel
    // 0 and relu(1 - sum) = 0 on channel 1; then [50, 0 * 2 - 1].
    let x: [[[f32; 1]; 4]; 4] = core::array::from_fn(|i| core::array::from_fn(|j| [(4 * i + j) as f32]));
    TINY_CONV.forward(&x, &mut y, &mut [0.0; <TinyConv as FixedLayer>::SCRATCH]);
    assert_eq!(y, [50.0, -1.0]);
}
