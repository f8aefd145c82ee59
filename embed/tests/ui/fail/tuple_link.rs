use shaped_embed::{FixedDense, FixedLayer, Linear, Relu};

static K1: [[f32; 2]; 3] = [[0.0; 2]; 3];
static B1: [f32; 2] = [0.0; 2];
static K2: [[f32; 2]; 4] = [[0.0; 2]; 4];

fn main() {
    // The second layer takes 4 values; the first gives 2.
    let net = (FixedDense::<3, 2, Relu>::new(&K1, &B1), FixedDense::<4, 2, Linear>::new(&K2, &B1));
    net.forward(&[0.0; 3], &mut [0.0; 2], &mut [0.0; 8]);
}
