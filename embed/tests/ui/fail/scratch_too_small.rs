use shaped_embed::{FixedDense, FixedLayer, Linear, Relu};

static K1: [[f32; 4]; 3] = [[0.0; 4]; 3];
static B1: [f32; 4] = [0.0; 4];
static K2: [[f32; 2]; 4] = [[0.0; 2]; 4];
static B2: [f32; 2] = [0.0; 2];

fn main() {
    let net = (FixedDense::<3, 4, Relu>::new(&K1, &B1), FixedDense::<4, 2, Linear>::new(&K2, &B2));
    // The net needs 4 floats between its layers.
    net.forward(&[0.0; 3], &mut [0.0; 2], &mut [0.0; 3]);
}
