// Stride 2 with same padding on 7x7 gives ceil(7 / 2) = 4, not 3.
use shaped::nn::{Conv2D, Relu, Same};

fn main() {
    let _conv = Conv2D::<7, 7, 4, 3, 3, 8, 3, Relu, 2, Same>::new(0);
}
