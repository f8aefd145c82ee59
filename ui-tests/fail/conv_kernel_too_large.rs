// A 5x5 valid kernel does not fit a 3x3 input.
use shaped::nn::Conv2D;

fn main() {
    let _conv = Conv2D::<3, 3, 1, 1, 1, 4, 5>::new(0);
}
