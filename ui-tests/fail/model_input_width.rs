// The model takes 784 features; it is fed 785.
use shaped::nn::{Dense, Layer, Relu, Softmax};
use shaped::{Dim, Tensor};

fn main() {
    let model = (Dense::<784, 512, Relu>::new(0), Dense::<512, 10, Softmax>::new(1));
    let x = Tensor::<(usize, Dim<785>)>::zeros((32, Dim));
    let _p = model.forward(&x);
}
