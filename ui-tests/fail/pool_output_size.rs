// 2x2 max pooling on 11x11 gives 5x5 (the last row and column are dropped), not 6x6.
use shaped::nn::MaxPooling2D;

fn main() {
    let _pool = MaxPooling2D::<11, 11, 64, 6, 6, 2>::new();
}
