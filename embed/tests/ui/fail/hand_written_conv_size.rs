// A layer written by hand, not read by include_net!: a 3x3 valid convolution of 8x8 gives
// 6x6, and 7x7 is rejected where the layer is built.
use shaped_embed::{FixedConv2D, Relu};

static KERNEL: [[[[f32; 4]; 1]; 3]; 3] = [[[[0.0; 4]; 1]; 3]; 3];
static BIAS: [f32; 4] = [0.0; 4];

fn main() {
    let _conv = FixedConv2D::<8, 8, 1, 7, 7, 4, 3, Relu>::new(&KERNEL, &BIAS);
}
