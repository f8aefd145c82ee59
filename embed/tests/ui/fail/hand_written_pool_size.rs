// 2x2 max pooling of 5x5 (valid) gives 2x2, not 3x3.
use shaped_embed::FixedMaxPooling2D;

fn main() {
    let _pool = FixedMaxPooling2D::<5, 5, 4, 3, 3, 2>::new();
}
