// A 3x3 valid convolution on 28x28 gives 26x26; the layer declares 27x27.
use shaped::nn::{Conv2D, Relu};

fn main() {
    let _conv = Conv2D::<28, 28, 1, 27, 27, 32, 3, Relu>::new(0);
}
