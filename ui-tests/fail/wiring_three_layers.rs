// The third layer expects 64 features but the second one produces 128.
use shaped::nn::{Dense, Layer, Relu, Softmax};
use shaped::{Dim, Tensor};

type Net = (Dense<784, 256, Relu>, Dense<256, 128, Relu>, Dense<64, 10, Softmax>);

fn predict(net: &Net, x: &Tensor<(usize, Dim<784>)>) -> Tensor<(usize, Dim<10>)> {
    net.forward(x)
}

fn main() {
    let net: Net = (Dense::new(0), Dense::new(1), Dense::new(2));
    let _p = predict(&net, &Tensor::zeros((1, Dim)));
}
