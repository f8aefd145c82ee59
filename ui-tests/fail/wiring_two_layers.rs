// The second layer expects 256 features but the first one produces 512.
use shaped::nn::{Dense, Layer, Relu, Softmax};
use shaped::{Dim, Tensor};

fn main() {
    let model = (Dense::<784, 512, Relu>::new(0), Dense::<256, 10, Softmax>::new(1));
    let x = Tensor::<(usize, Dim<784>)>::zeros((32, Dim));
    let _p = model.forward(&x);
}
